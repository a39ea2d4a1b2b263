import os

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.routing import get_default_application
from django.conf import settings
from django.db import connections
from django.test import Client

from {{ cookiecutter.project_slug }}.channels_rest import outages
from {{ cookiecutter.project_slug }}.channels_rest.testing import ApiCommunicator
from {{ cookiecutter.project_slug }}.core.tests.live_server import CHROMIUM, CHROMIUM_ARGS, LiveServer


def require_service(reason):
    """Skip a test that needs a missing service, or fail it when REQUIRE_SERVICES is set (CI)."""
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (REQUIRE_SERVICES is set, so this cannot be skipped)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def no_outage_left():
    """An outage a test began or ended stays in that test: after one, group messages wait (``REJOIN_TIME``)."""
    yield
    for outage in (outages.layer_outage, outages.database_outage):
        outage.since = outage.ended_at = None


# The password of the user fixtures.
PASSWORD = "correct horse battery staple"


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", PASSWORD)


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", PASSWORD)


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("carol", "carol@example.com", PASSWORD, is_staff=True)


@database_sync_to_async
def session_cookie(user):
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.fixture
def redis_layer():
    """The channels-redis layer of a test run with REDIS_URL set."""
    if not settings.REDIS_URL:
        require_service("REDIS_URL is not set: no Redis server to test the channels-redis layer against")
    layer = get_channel_layer()
    assert type(layer).__module__ == "channels_redis.core"
    return layer


@pytest.fixture
async def open_socket():
    """Open websockets to an ASGI application, as ``user`` (their session cookie) from ``origin``.

    Every socket still open is closed when the test ends, and the channel layer is dropped with them:
    channels-redis keeps asyncio locks bound to the event loop that used them, and each test has its own
    loop, so the next test gets a fresh layer.
    """
    sockets = []

    async def open_(application, path, user=None, origin="http://localhost", headers=()):
        all_headers = [(b"origin", origin.encode())] if origin else []
        all_headers.extend(headers)
        if user is not None:
            all_headers.append((b"cookie", (await session_cookie(user)).encode()))
        socket = ApiCommunicator(application, path, headers=all_headers)
        await socket.connect()
        sockets.append(socket)
        return socket

    yield open_
    for socket in sockets:
        await socket.disconnect()
    channel_layers.backends.clear()
    # Consumers' database work runs in asgiref's shared sync thread; close its connection so that
    # PostgreSQL can drop the test database at the end of the run.
    await database_sync_to_async(connections.close_all)()


@pytest.fixture
def connect(open_socket):
    """Open websockets through the site's real ASGI stack (origin check, session, auth).

    ``socket = await connect("/ws/ping/", user=alice)``; check ``socket.accepted``.
    """

    def connect_(path, user=None, origin="http://localhost"):
        return open_socket(get_default_application(), path, user=user, origin=origin)

    return connect_


@pytest.fixture
def site_server(transactional_db, tmp_path):
    """The site served by a daphne process: ``site_server.url``; ``stop()`` and ``start()`` restart it."""
    server = LiveServer(tmp_path / "daphne.log")
    server.start()
    yield server
    server.stop()
    server.listener.close()
    print(f"daphne log:\n{server.log()}")  # shown when the test failed


@pytest.fixture
def browser():
    """Chromium, driven by Playwright's sync API.

    That API runs an event loop on this thread, in which Django refuses the ORM: request this fixture
    after those that write to the database, and use ``in_thread`` (core/tests/live_server.py) for the ORM
    in the test itself.
    """
    if not CHROMIUM.exists():
        require_service(f"{CHROMIUM} is missing (apt-get install chromium): no browser for the browser tests")
    from playwright.sync_api import sync_playwright  # a development dependency, imported by browser tests only

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
