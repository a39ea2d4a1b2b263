"""End to end through the local gateway: a websocket client, the site under daphne, real boto3 replies.

``local_gateway`` is in conftest.py. The channel is the dashboard's (``core.consumers.PingConsumer``),
which every bake serves.
"""

import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from {{ cookiecutter.project_slug }}.apigw import sender
from {{ cookiecutter.project_slug }}.apigw.models import GatewayConnection
from {{ cookiecutter.project_slug }}.apigw.tokens import issue_token
from {{ cookiecutter.project_slug }}.core.tests.live_server import LiveServer

from .gateway import BrowserSocket

pytestmark = pytest.mark.timeout(120)


def wait_for(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.05)


@pytest.fixture
def signed_in(transactional_db):
    user = get_user_model().objects.create_user(username="grace", email="grace@example.com", password="pw-12345-abc")
    client = Client()
    client.force_login(user)
    return user, client.session.session_key


def open_socket(local_gateway, site_server, session_key, user, channel="dashboard"):
    token, _ttl = issue_token(user, session_key)
    return BrowserSocket(
        f"ws://{local_gateway.host}:{local_gateway.port}/?channel={channel}&ws_token={token}",
        headers={"Origin": site_server.url, "Cookie": f"sessionid={session_key}"},
    )


def test_action_answered_through_the_gateway_and_close_marks_closed(local_gateway, site_server, signed_in):
    user, session_key = signed_in
    browser = open_socket(local_gateway, site_server, session_key, user)
    assert browser.status == 101
    connection = GatewayConnection.objects.get()
    assert (connection.user, connection.channel, connection.connected) == (user, "dashboard", True)

    browser.send_json({"ping": 1})
    assert browser.receive_json() == {"type": "pong", "echo": {"ping": 1}, "user": "grace"}
    browser.send_json({"ping": 2})
    assert browser.receive_json()["echo"] == {"ping": 2}

    browser.close()
    wait_for(lambda: not GatewayConnection.objects.get(pk=connection.pk).connected)
    counts = local_gateway.counts
    assert (counts.connections, counts.to_site, counts.to_browser) == (1, 2, 2)

    # The site posting to the closed socket gets Gone from the management API (real boto3, SigV4 signed).
    GatewayConnection.objects.filter(pk=connection.pk).update(connected=True)
    connection.refresh_from_db()
    assert sender.post(connection, {"late": True}) is False
    assert not GatewayConnection.objects.get(pk=connection.pk).connected
    assert local_gateway.counts.gone == 1


def test_refused_connect_refuses_the_handshake(local_gateway, site_server, signed_in):
    user, session_key = signed_in
    token, _ttl = issue_token(user, session_key)
    browser = BrowserSocket(
        f"ws://{local_gateway.host}:{local_gateway.port}/?channel=dashboard&ws_token={token}",
        headers={"Origin": "http://evil.example", "Cookie": f"sessionid={session_key}"},
    )
    assert browser.status == 403
    assert not GatewayConnection.objects.exists()
    assert local_gateway.counts.refused == 1


def post_event(local_gateway, server, route, connection_id, body):
    """An event POSTed to ``server`` as the gateway's integration sends it; returns the HTTP status."""
    headers = local_gateway.integration_headers(connection_id)
    headers["Host"] = urlsplit(server.url).netloc
    request = urllib.request.Request(
        f"{server.url}/apigw/events/{route}", data=json.dumps(body).encode(), method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def assert_closed_by_the_site(browser):
    """The gateway closed the browser's socket (a close frame, or the connection dropped)."""
    with pytest.raises(ConnectionError):
        browser.receive_json()


def test_a_restarted_server_closes_the_connections_it_held(local_gateway, site_server, signed_in):
    user, session_key = signed_in
    browser = open_socket(local_gateway, site_server, session_key, user)
    assert browser.status == 101
    browser.send_json({"ping": 1})
    assert browser.receive_json()["echo"] == {"ping": 1}

    site_server.stop()  # its consumers are gone; the gateway still holds the browser's socket
    site_server.start()
    browser.send_json({"ping": 2})
    # No process holds the connection's consumer: the site closes it at the gateway, and the client reconnects.
    assert_closed_by_the_site(browser)
    wait_for(lambda: not GatewayConnection.objects.filter(connected=True).exists())
    assert local_gateway.counts.closed_by_site == 1


@pytest.fixture
def second_server(site_server, tmp_path):
    """Another daphne process of the same site (database, channel layer, gateway endpoint)."""
    server = LiveServer(tmp_path / "daphne-2.log")
    server.environment.update(site_server.environment)
    server.start()
    yield server
    server.stop()
    server.listener.close()
    print(f"second daphne log:\n{server.log()}")


def test_an_event_reaching_another_process_is_served_by_the_owner(
    redis_layer, local_gateway, site_server, second_server, signed_in
):
    user, session_key = signed_in
    browser = open_socket(local_gateway, site_server, session_key, user)
    assert browser.status == 101
    connection = GatewayConnection.objects.get()
    assert connection.owner_channel

    # The gateway may send any event to any process behind its integration's URL.
    assert post_event(local_gateway, second_server, "default", connection.connection_id, {"ping": "elsewhere"}) == 200
    assert browser.receive_json() == {"type": "pong", "echo": {"ping": "elsewhere"}, "user": "grace"}
    assert GatewayConnection.objects.get().owner_channel == connection.owner_channel

    site_server.stop()  # the owner goes away
    assert post_event(local_gateway, second_server, "default", connection.connection_id, {"ping": "lost"}) == 410
    assert_closed_by_the_site(browser)
    wait_for(lambda: not GatewayConnection.objects.filter(connected=True).exists())


{%- if cookiecutter.use_user_consumers %}


def test_users_consumer_actions_through_the_gateway(local_gateway, site_server, signed_in):
    user, session_key = signed_in
    browser = open_socket(local_gateway, site_server, session_key, user, channel="users")
    assert browser.status == 101
    browser.send_json({"action": "retrieve", "pk": user.pk, "request_id": 1})
    reply = browser.receive_json()
    assert (reply["action"], reply["request_id"], reply["response_status"]) == ("retrieve", 1, 200)
    assert reply["data"]["username"] == "grace"
    browser.send_json({"action": "delete", "pk": user.pk + 1, "request_id": 2})
    assert browser.receive_json()["response_status"] >= 400
    browser.close()
    wait_for(lambda: not GatewayConnection.objects.filter(connected=True).exists())
{%- endif %}
