import pytest
from channels.auth import AuthMiddlewareStack

from {{ cookiecutter.project_slug }}.channels_rest.testing import ApiCommunicator
from {{ cookiecutter.project_slug }}.conftest import session_cookie


@pytest.fixture
async def consumer_socket():
    """Open a websocket to a consumer class (or ASGI app) behind the site's session and auth middleware.

    ``socket = await consumer_socket(MyConsumer, user=alice)``; check ``socket.accepted``.
    """
    sockets = []

    async def open_socket(consumer, user=None, path="/ws/test/", headers=()):
        application = consumer.as_asgi() if isinstance(consumer, type) else consumer
        all_headers = [(b"origin", b"http://localhost"), *headers]
        if user is not None:
            all_headers.append((b"cookie", (await session_cookie(user)).encode()))
        socket = ApiCommunicator(AuthMiddlewareStack(application), path, headers=all_headers)
        await socket.connect()
        sockets.append(socket)
        return socket

    yield open_socket
    for socket in sockets:
        await socket.disconnect()
