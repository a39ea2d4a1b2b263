"""A ``$default`` frame served by the site's consumer, its reply posted with real boto3 (stubbed client)."""

import json

import pytest
from botocore.stub import ANY, Stubber
from django.contrib.auth import get_user_model
from django.test import Client

from {{ cookiecutter.project_slug }}.apigw import bridge, sender
from {{ cookiecutter.project_slug }}.apigw.hashing import auth_hash
from {{ cookiecutter.project_slug }}.apigw.models import GatewayConnection

from .factories import make_gateway
from .gateway import TEST_CHANNELS, gateway_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def channels(settings, monkeypatch):
    settings.APIGW_CHANNELS = {
        **TEST_CHANNELS,
        "dashboard": "{{ cookiecutter.project_slug }}.core.consumers.PingConsumer",
{%- if cookiecutter.use_user_consumers %}
        "users": "{{ cookiecutter.project_slug }}.users.consumers.UserConsumer",
{%- endif %}
    }
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sender.clear_client_cache()
    yield
    sender.clear_client_cache()


@pytest.fixture
def connection():
    user = get_user_model().objects.create_user(username="lin", email="lin@example.com", password="pw-12345-abc")
    return GatewayConnection.objects.create(
        connection_id="bridge-1",
        api_gateway=make_gateway(),
        user=user,
        channel="account",
        auth_hash=auth_hash(user),
    )


def test_scope_carries_the_connection():
    gateway = make_gateway()
    scope = bridge.build_scope(channel="users", user=None, connection_id="c-1", gateway=gateway)
    assert scope["type"] == "websocket"
    assert not scope["user"].is_authenticated
    assert scope["url_route"] == {"args": (), "kwargs": {}}
    assert scope["apigw"] == {
        "connection_id": "c-1",
        "api_id": gateway.api_id,
        "stage": "production",
        "channel": "users",
    }


def test_unknown_channel():
    with pytest.raises(bridge.UnknownChannel):
        bridge.consumer_class("nosuch")


def test_action_answered_through_post_to_connection(connection):
    stub = Stubber(sender.management_client(connection.api_gateway))
    stub.add_response("post_to_connection", {}, {"ConnectionId": "bridge-1", "Data": ANY})
    body = {"action": "whoami", "request_id": "r1"}
    with stub:
        response = gateway_request(Client(), "default", connection.api_gateway, "bridge-1", body=body)
        stub.assert_no_pending_responses()
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "replies": 1}


def test_whoami_reply(connection):
    [reply] = serve(connection, "account", {"action": "whoami", "request_id": "r1"}, user=connection.user)
    assert (reply["action"], reply["request_id"], reply["response_status"]) == ("whoami", "r1", 200)
    assert reply["data"] == {"username": "lin"}


def serve(connection, channel, body, user=None):
    gateway = connection.api_gateway
    scope = bridge.build_scope(channel=channel, user=user, connection_id=connection.connection_id, gateway=gateway)
    return bridge.run(bridge.serve_frame(scope, json.dumps(body)))


def test_anonymous_scope_gets_the_consumer_permission_error(connection):
    [reply] = serve(connection, "account", {"action": "whoami", "request_id": "r3"})
    assert reply["response_status"] in (401, 403)
    assert reply["errors"]


def test_plain_asgi_consumer(connection):
    [reply] = serve(connection, "dashboard", {"ping": 1}, user=connection.user)
    assert reply == {"type": "pong", "echo": {"ping": 1}, "user": "lin"}


def test_refused_connect_serves_nothing(connection):
    assert serve(connection, "closed", {"action": "whoami"}, user=connection.user) == []
{%- if cookiecutter.use_user_consumers %}


def test_users_list_action(connection):
    [reply] = serve(connection, "users", {"action": "list", "request_id": "r2"}, user=connection.user)
    assert reply["action"] == "list"
    assert reply["request_id"] == "r2"
    assert reply["response_status"] == 200
    assert [account["username"] for account in reply["data"]] == ["lin"]

{%- endif %}
