"""The event view: every refusal, and connect / default / disconnect as the gateway sends them."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from {{ cookiecutter.project_slug }}.apigw import sender
from {{ cookiecutter.project_slug }}.apigw.models import GatewayConnection, WebSocketToken
from {{ cookiecutter.project_slug }}.apigw.tokens import issue_token

from .factories import make_gateway
from .gateway import TEST_CHANNELS, gateway_request

# Consumers run in a thread of their own (bridge.run), which must see the test's rows.
pytestmark = pytest.mark.django_db(transaction=True)

CONNECTION_ID = "L0SM9cOFvHcCIhw="


@pytest.fixture(autouse=True)
def channels(settings):
    settings.APIGW_CHANNELS = TEST_CHANNELS


@pytest.fixture
def posted(monkeypatch):
    """What the view posts back, instead of calling AWS."""
    frames = []
    monkeypatch.setattr(sender, "post", lambda connection, data: frames.append((connection.connection_id, data)))
    return frames


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


def connect(client, gateway, token, channel="account", connection_id=CONNECTION_ID, **headers):
    return gateway_request(
        client, "connect", gateway, connection_id, query=f"channel={channel}&ws_token={token}", **headers
    )


def assert_refused(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]


# Refusals common to every route, in the order they are checked.


@pytest.mark.parametrize("secret", ["", "wrong-secret-wrong-secret-wrong-secret"])
def test_wrong_or_missing_secret(client, gateway, token, secret):
    assert_refused(connect(client, gateway, token, HTTP_X_WS_GATEWAY_SECRET=secret), 403)
    assert not GatewayConnection.objects.exists()
    assert not WebSocketToken.objects.filter(used_at__isnull=False).exists()


def test_rotated_secret_accepted(settings, client, gateway, token):
    settings.APIGW_SECRET = [
        "new-secret-new-secret-new-secret-0123",
        "test-gateway-secret-not-for-production-0123456789",
    ]
    response = connect(client, gateway, token, HTTP_X_WS_GATEWAY_SECRET=settings.APIGW_SECRET[1])
    assert response.status_code == 200


def test_unknown_api_id(client, gateway, token):
    assert_refused(connect(client, gateway, token, HTTP_X_AMZN_APIGATEWAY_API_ID="other"), 403)


def test_missing_api_id(client, gateway, token):
    assert_refused(connect(client, gateway, token, HTTP_X_AMZN_APIGATEWAY_API_ID=None), 400)


@pytest.mark.parametrize("connection_id", ["", "has space", "x" * 129, "semi;colon"])
def test_malformed_connection_id(client, gateway, token, connection_id):
    assert_refused(connect(client, gateway, token, connection_id=connection_id), 400)


def test_get_is_refused(client, gateway):
    assert client.get("/apigw/events/connect").status_code == 405


# Connect


def test_connect_creates_the_connection(client, gateway, token, user):
    response = connect(client, gateway, token)
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


def test_connect_default_channel(client, gateway, token):
    gateway.default_channel = "account"
    gateway.save()
    response = gateway_request(client, "connect", gateway, CONNECTION_ID, query=f"ws_token={token}")
    assert response.status_code == 200
    assert GatewayConnection.objects.get().channel == "account"


def test_host_not_allowed(client, gateway, token):
    # Django's CommonMiddleware refuses a host outside ALLOWED_HOSTS before the view (400).
    assert connect(client, gateway, token, HTTP_HOST="evil.example").status_code == 400
    assert not GatewayConnection.objects.exists()
    assert not WebSocketToken.objects.filter(used_at__isnull=False).exists()


def test_origin_on_a_subdomain(settings, client, gateway, token):
    settings.ALLOWED_HOSTS = ["localhost", ".localhost"]
    assert connect(client, gateway, token, HTTP_ORIGIN="https://app.localhost").status_code == 200


@pytest.mark.parametrize("origin", [None, "ftp://localhost", "http://evil.example", "http://notlocalhost", "null"])
def test_bad_origin(client, gateway, token, origin):
    assert_refused(connect(client, gateway, token, HTTP_ORIGIN=origin), 403)
    assert not WebSocketToken.objects.filter(used_at__isnull=False).exists()


def test_unknown_channel_refused_before_the_token_is_spent(client, gateway, token):
    assert_refused(connect(client, gateway, token, channel="nosuch"), 403)
    assert not WebSocketToken.objects.filter(used_at__isnull=False).exists()
    assert connect(client, gateway, token).status_code == 200


def test_consumer_permissions_refuse(client, gateway, token):
    assert_refused(connect(client, gateway, token, channel="closed"), 403)
    assert not GatewayConnection.objects.exists()


def test_token_replay_refused(client, gateway, token):
    assert connect(client, gateway, token).status_code == 200
    assert_refused(connect(client, gateway, token, connection_id="another"), 403)
    assert GatewayConnection.objects.count() == 1


def test_token_of_another_session_refused(client, gateway, token, user):
    other = Client(enforce_csrf_checks=True)
    other.force_login(user)
    assert_refused(connect(other, gateway, token), 403)


def test_missing_token_refused(client, gateway):
    assert_refused(gateway_request(client, "connect", gateway, CONNECTION_ID, query="channel=account"), 403)


# Default and disconnect


@pytest.fixture
def connected(client, gateway, token):
    assert connect(client, gateway, token).status_code == 200
    return GatewayConnection.objects.get(connection_id=CONNECTION_ID)


def test_default_runs_the_action_and_posts_the_reply(client, gateway, connected, user, posted):
    body = {"action": "whoami", "request_id": 7}
    response = gateway_request(Client(enforce_csrf_checks=True), "default", gateway, CONNECTION_ID, body=body)
    assert response.status_code == 200, response.content
    [(connection_id, reply)] = posted
    assert connection_id == CONNECTION_ID
    assert reply["response_status"] == 200
    assert reply["request_id"] == 7
    assert reply["data"]["username"] == "ada"
    connected.refresh_from_db()
    assert connected.request_count == 1


def test_default_error_frame_from_the_consumer(gateway, connected, posted):
    body = {"action": "nosuch", "request_id": 1}
    assert gateway_request(Client(), "default", gateway, CONNECTION_ID, body=body).status_code == 200
    [(_, reply)] = posted
    assert reply["response_status"] >= 400
    assert reply["errors"]


@pytest.mark.parametrize("body", ["not json", "[1, 2]"])
def test_default_bad_body(gateway, connected, posted, body):
    assert_refused(gateway_request(Client(), "default", gateway, CONNECTION_ID, body=body), 400)
    assert posted == []


def test_default_body_over_128_kb(gateway, connected, posted):
    body = {"action": "whoami", "padding": "x" * (128 * 1024)}
    assert_refused(gateway_request(Client(), "default", gateway, CONNECTION_ID, body=body), 413)
    assert posted == []


def test_oversized_reply_is_dropped_not_an_error(gateway, connected, monkeypatch, caplog):
    def too_large(connection, data):
        raise sender.PayloadTooLarge("too large")

    monkeypatch.setattr(sender, "post", too_large)
    response = gateway_request(Client(), "default", gateway, CONNECTION_ID, body={"action": "whoami"})
    assert response.status_code == 200
    assert "dropped" in caplog.text


def test_default_unknown_connection(gateway, connected, posted):
    assert_refused(gateway_request(Client(), "default", gateway, "unknown", body={"action": "list"}), 400)


def test_default_other_gateway(gateway, connected, posted):
    other = make_gateway(name="other", api_id="othergw")
    assert_refused(gateway_request(Client(), "default", other, CONNECTION_ID, body={"action": "list"}), 400)


def test_disconnect_closes_and_default_is_refused_after(gateway, connected, posted):
    assert gateway_request(Client(), "disconnect", gateway, CONNECTION_ID).status_code == 200
    connected.refresh_from_db()
    assert not connected.connected
    assert connected.disconnected_at is not None
    assert_refused(gateway_request(Client(), "default", gateway, CONNECTION_ID, body={"action": "list"}), 400)


def test_disconnect_unknown(gateway):
    assert_refused(gateway_request(Client(), "disconnect", gateway, "unknown"), 400)


def test_password_change_ends_connection(gateway, connected, user, posted):
    user.set_password("another-password-123")
    user.save()
    connected.refresh_from_db()
    assert not connected.connected
    assert_refused(gateway_request(Client(), "default", gateway, CONNECTION_ID, body={"action": "list"}), 400)


def test_stale_auth_hash_is_closed_on_default(gateway, connected, posted):
    GatewayConnection.objects.filter(pk=connected.pk).update(auth_hash="0" * 64)
    assert_refused(gateway_request(Client(), "default", gateway, CONNECTION_ID, body={"action": "list"}), 403)
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
