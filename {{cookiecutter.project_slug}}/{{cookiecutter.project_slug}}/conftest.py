import os

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.routing import get_default_application
from django.conf import settings
from django.test import Client

from {{ cookiecutter.project_slug }}.channels_rest.testing import ApiCommunicator


def require_service(reason):
    """Skip a test that needs a missing service, or fail it when REQUIRE_SERVICES is set (CI)."""
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (REQUIRE_SERVICES is set, so this cannot be skipped)")
    pytest.skip(reason)


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "correct horse battery staple")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", "correct horse battery staple")


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user(
        "carol", "carol@example.com", "correct horse battery staple", is_staff=True
    )


@database_sync_to_async
def session_cookie(user):
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.fixture
async def connect():
    """Open websockets through the site's real ASGI stack (origin check, session, auth).

    ``socket = await connect("/ws/ping/", user=alice)``; check ``socket.accepted``.
    Every socket still open is closed when the test ends, and the channel layer is dropped with them:
    channels-redis keeps asyncio locks bound to the event loop that used them, and each test has its own
    loop, so the next test gets a fresh layer.
    """
    sockets = []

    async def open_socket(path, user=None, origin="http://localhost"):
        headers = [(b"origin", origin.encode())] if origin else []
        if user is not None:
            headers.append((b"cookie", (await session_cookie(user)).encode()))
        socket = ApiCommunicator(get_default_application(), path, headers=headers)
        await socket.connect()
        sockets.append(socket)
        return socket

    yield open_socket
    for socket in sockets:
        await socket.disconnect()
    channel_layers.backends.clear()
