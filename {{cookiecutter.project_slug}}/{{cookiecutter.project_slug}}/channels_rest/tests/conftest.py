import pytest
from channels.auth import AuthMiddlewareStack


@pytest.fixture
def consumer_socket(open_socket):
    """Open a websocket to a consumer class (or ASGI app) behind the site's session and auth middleware.

    ``socket = await consumer_socket(MyConsumer, user=alice)``; check ``socket.accepted``.
    """

    def open_consumer(consumer, user=None, path="/ws/test/", headers=()):
        application = consumer.as_asgi() if isinstance(consumer, type) else consumer
        return open_socket(AuthMiddlewareStack(application), path, user=user, headers=headers)

    return open_consumer
