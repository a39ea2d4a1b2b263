"""The event view: every refusal, and connect / default / disconnect as the gateway sends them."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import AsyncClient, Client

from {{ cookiecutter.project_slug }}.apigw import bridge, sender
from {{ cookiecutter.project_slug }}.apigw.models import GatewayConnection, WebSocketToken
from {{ cookiecutter.project_slug }}.apigw.tokens import issue_token

from .factories import make_gateway
from .gateway import TEST_CHANNELS, ServerLoop, async_gateway_request, gateway_headers

# Consumers do their database work in another thread, which must see the test's rows.
pytestmark = pytest.mark.django_db(transaction=True)

CONNECTION_ID = "L0SM9cOFvHcCIhw="


@pytest.fixture(autouse=True)
def channels(settings):
    settings.APIGW_CHANNELS = TEST_CHANNELS


@pytest.fixture
def posted(monkeypatch):
    """What the connection's consumer posts back, instead of calling AWS."""
    frames = []

    def deliver(connection, data):
        frames.append((connection.connection_id, json.loads(data)))
        return True

    monkeypatch.setattr(sender, "deliver", deliver)
    return frames


async def wait_for(condition, timeout=5):
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@pytest.fixture
def gateway():
    return make_gateway(api_id="localtest1")


@pytest.fixture
def user():
    return get_user_model().objects.create_user(username="ada", email="ada@example.com", password="pw-12345-abc")


@pytest.fixture
def client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def token(client, user):
    return issue_token(user, client.session.session_key)[0]


def connect(server, client, gateway, token, channel="account", connection_id=CONNECTION_ID, **headers):
    return server.post(
        client, "connect", gateway, connection_id, query=f"channel={channel}&ws_token={token}", **headers
    )


def assert_refused(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]


# Refusals common to every route, in the order they are checked.


@pytest.mark.parametrize("secret", ["", "wrong-secret-wrong-secret-wrong-secret"])
def test_wrong_or_missing_secret(server, client, gateway, token, secret):
    assert_refused(connect(server, client, gateway, token, HTTP_X_WS_GATEWAY_SECRET=secret), 403)
    assert not GatewayConnection.objects.exists()
    assert not WebSocketToken.objects.filter(used_at__isnull=False).exists()


def test_rotated_secret_accepted(server, settings, client, gateway, token):
    settings.APIGW_SECRET = [
        "new-secret-new-secret-new-secret-0123",
        "test-gateway-secret-not-for-production-0123456789",
    ]
    response = connect(server, client, gateway, token, HTTP_X_WS_GATEWAY_SECRET=settings.APIGW_SECRET[1])
    assert response.status_code == 200


def test_unknown_api_id(server, client, gateway, token):
    assert_refused(connect(server, client, gateway, token, HTTP_X_AMZN_APIGATEWAY_API_ID="other"), 403)


def test_missing_api_id(server, client, gateway, token):
    assert_refused(connect(server, client, gateway, token, HTTP_X_AMZN_APIGATEWAY_API_ID=None), 400)


@pytest.mark.parametrize("connection_id", ["", "has space", "x" * 129, "semi;colon"])
def test_malformed_connection_id(server, client, gateway, token, connection_id):
    assert_refused(connect(server, client, gateway, token, connection_id=connection_id), 400)


def test_get_is_refused(client, gateway):
    assert client.get("/apigw/events/connect").status_code == 405


# Connect


def test_connect_creates_the_connection(server, client, gateway, token, user):
    response = connect(server, client, gateway, token)
    assert response.status_code == 200, response.content
    connection = GatewayConnection.objects.get(connection_id=CONNECTION_ID)
    assert (connection.user, connection.channel, connection.api_gateway, connection.connected) == (
        user,
        "account",
        gateway,
        True,
    )
    assert len(connection.session_key_hash) == 64
    assert len(connection.auth_hash) == 64


def test_connect_default_channel(server, client, gateway, token):
    gateway.default_channel = "account"
    gateway.save()
    response = server.post(client, "connect", gateway, CONNECTION_ID, query=f"ws_token={token}")
    assert response.status_code == 200
    assert GatewayConnection.objects.get().channel == "account"


def test_host_not_allowed(client, gateway, token):
    # Django's CommonMiddleware refuses a host outside ALLOWED_HOSTS before the view (400). The sync test client
    # can set the Host header (the async one always sends its own), and nothing reaches a consumer.
    headers = gateway_headers(gateway, CONNECTION_ID, HTTP_HOST="evil.example", HTTP_ORIGIN="http://evil.example")
    url = f"/apigw/events/connect?channel=account&ws_token={token}"
    assert client.post(url, content_type="application/json", **headers).status_code == 400
    assert not GatewayConnection.objects.exists()
    assert not WebSocketToken.objects.filter(used_at__isnull=False).exists()


def test_origin_on_a_subdomain(server, settings, client, gateway, token):
    settings.ALLOWED_HOSTS = ["testserver", ".testserver"]
    assert connect(server, client, gateway, token, HTTP_ORIGIN="https://app.testserver").status_code == 200


@pytest.mark.parametrize("origin", [None, "ftp://testserver", "http://evil.example", "http://nottestserver", "null"])
def test_bad_origin(server, client, gateway, token, origin):
    assert_refused(connect(server, client, gateway, token, HTTP_ORIGIN=origin), 403)
    assert not WebSocketToken.objects.filter(used_at__isnull=False).exists()


def test_unknown_channel_refused_before_the_token_is_spent(server, client, gateway, token):
    assert_refused(connect(server, client, gateway, token, channel="nosuch"), 403)
    assert not WebSocketToken.objects.filter(used_at__isnull=False).exists()
    assert connect(server, client, gateway, token).status_code == 200


def test_consumer_permissions_refuse(server, client, gateway, token):
    assert_refused(connect(server, client, gateway, token, channel="closed"), 403)
    assert not GatewayConnection.objects.exists()


def test_token_replay_refused(server, client, gateway, token):
    assert connect(server, client, gateway, token).status_code == 200
    assert_refused(connect(server, client, gateway, token, connection_id="another"), 403)
    assert GatewayConnection.objects.count() == 1


def test_token_of_another_session_refused(server, client, gateway, token, user):
    other = Client(enforce_csrf_checks=True)
    other.force_login(user)
    assert_refused(connect(server, other, gateway, token), 403)


def test_missing_token_refused(server, client, gateway):
    assert_refused(server.post(client, "connect", gateway, CONNECTION_ID, query="channel=account"), 403)


# Default and disconnect


@pytest.fixture
def connected(server, client, gateway, token):
    assert connect(server, client, gateway, token).status_code == 200
    return GatewayConnection.objects.get(connection_id=CONNECTION_ID)


@pytest.mark.parametrize("body", ["not json", "[1, 2]"])
def test_default_bad_body(server, gateway, connected, posted, body):
    assert_refused(server.post(Client(), "default", gateway, CONNECTION_ID, body=body), 400)
    assert posted == []


def test_default_body_over_128_kb(server, gateway, connected, posted):
    body = {"action": "whoami", "padding": "x" * (128 * 1024)}
    assert_refused(server.post(Client(), "default", gateway, CONNECTION_ID, body=body), 413)
    assert posted == []


def test_default_unknown_connection(server, gateway, connected, posted):
    assert_refused(server.post(Client(), "default", gateway, "unknown", body={"action": "list"}), 400)


def test_default_other_gateway(server, gateway, connected, posted):
    other = make_gateway(name="other", api_id="othergw")
    assert_refused(server.post(Client(), "default", other, CONNECTION_ID, body={"action": "list"}), 400)


def test_disconnect_closes_and_default_is_refused_after(server, gateway, connected, posted):
    assert server.post(Client(), "disconnect", gateway, CONNECTION_ID).status_code == 200
    connected.refresh_from_db()
    assert not connected.connected
    assert connected.disconnected_at is not None
    assert_refused(server.post(Client(), "default", gateway, CONNECTION_ID, body={"action": "list"}), 400)


def test_disconnect_unknown(server, gateway):
    assert_refused(server.post(Client(), "disconnect", gateway, "unknown"), 400)


def test_password_change_ends_connection(server, gateway, connected, user, posted):
    user.set_password("another-password-123")
    user.save()
    connected.refresh_from_db()
    assert not connected.connected
    assert_refused(server.post(Client(), "default", gateway, CONNECTION_ID, body={"action": "list"}), 400)


def test_stale_auth_hash_is_closed_on_default(server, gateway, connected, posted):
    GatewayConnection.objects.filter(pk=connected.pk).update(auth_hash="0" * 64)
    assert_refused(server.post(Client(), "default", gateway, CONNECTION_ID, body={"action": "list"}), 403)
    connected.refresh_from_db()
    assert not connected.connected
    assert posted == []


def test_deactivation_ends_connection(connected, user):
    user.is_active = False
    user.save()
    connected.refresh_from_db()
    assert not connected.connected


def test_logout_ends_connection(client, connected):
    client.logout()
    connected.refresh_from_db()
    assert not connected.connected


# The connection's consumer lives on the server's event loop: with AsyncClient, that is the test's own.


@pytest.fixture
async def live_client(user, relays):
    client = AsyncClient()
    await client.aforce_login(user)
    return client


async def live_connect(client, gateway, user, channel="account"):
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    token, _ttl = await database_sync_to_async(issue_token)(user, session_key)
    query = f"channel={channel}&ws_token={token}"
    return await async_gateway_request(client, "connect", gateway, CONNECTION_ID, query=query)


def live_default(gateway, body):
    return async_gateway_request(AsyncClient(), "default", gateway, CONNECTION_ID, body=body)


async def test_default_runs_the_action_and_posts_the_reply(live_client, gateway, user, posted):
    assert (await live_connect(live_client, gateway, user)).status_code == 200
    body = {"action": "whoami", "request_id": 7}
    response = await live_default(gateway, body)
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok"}
    await wait_for(lambda: posted)
    [(connection_id, reply)] = posted
    assert connection_id == CONNECTION_ID
    assert (reply["response_status"], reply["request_id"], reply["data"]) == (200, 7, {"username": "ada"})
    connection = await GatewayConnection.objects.aget(connection_id=CONNECTION_ID)
    assert connection.request_count == 1
    assert connection.owner_channel == (await bridge.Relay.current()).channel


async def test_default_error_frame_from_the_consumer(live_client, gateway, user, posted):
    assert (await live_connect(live_client, gateway, user)).status_code == 200
    body = {"action": "nosuch", "request_id": 1}
    assert (await live_default(gateway, body)).status_code == 200
    await wait_for(lambda: posted)
    [(_, reply)] = posted
    assert reply["response_status"] >= 400
    assert reply["errors"]


async def test_instance_state_outlives_the_event(live_client, gateway, user, posted):
    assert (await live_connect(live_client, gateway, user, channel="team")).status_code == 200
    for group in ("a", "b"):
        body = {"action": "join", "group": group, "request_id": group}
        assert (await live_default(gateway, body)).status_code == 200
    await wait_for(lambda: len(posted) == 3)
    assert [frame for _, frame in posted][0] == {"type": "hello"}  # sent while connecting, posted after the answer
    assert posted[2][1]["data"] == {"joined": ["a", "b"]}


async def test_disconnect_ends_the_consumer(live_client, gateway, user, posted):
    assert (await live_connect(live_client, gateway, user)).status_code == 200
    relay = await bridge.Relay.current()
    live = relay.connections[CONNECTION_ID]
    assert (await async_gateway_request(AsyncClient(), "disconnect", gateway, CONNECTION_ID)).status_code == 200
    await asyncio.wait_for(live.consumer_task, 5)
    assert CONNECTION_ID not in relay.connections


async def test_oversized_reply_is_dropped_not_an_error(live_client, gateway, user, monkeypatch, caplog):
    frames = []

    def deliver(connection, data):
        frames.append(json.loads(data))
        if len(frames) == 1:
            raise sender.PayloadTooLarge("too large")
        return True

    monkeypatch.setattr(sender, "deliver", deliver)
    assert (await live_connect(live_client, gateway, user)).status_code == 200
    for request_id in (1, 2):
        body = {"action": "whoami", "request_id": request_id}
        assert (await live_default(gateway, body)).status_code == 200
    await wait_for(lambda: len(frames) == 2)
    assert frames[1]["request_id"] == 2
    assert "dropped" in caplog.text


def test_default_for_a_connection_whose_server_is_gone(server, gateway, connected, monkeypatch):
    # The connect was served by a process that has stopped since; the next event reaches another one.
    monkeypatch.setattr(bridge, "ACK_TIMEOUT", 0.3)
    closed = []
    monkeypatch.setattr(sender, "disconnect", lambda connection: closed.append(connection.connection_id) or True)
    server.stop()
    another = ServerLoop()
    try:
        response = another.post(Client(), "default", gateway, CONNECTION_ID, body={"action": "whoami"})
    finally:
        another.stop()
    assert_refused(response, 410)
    assert closed == [CONNECTION_ID]
    connected.refresh_from_db()
    assert not connected.connected
