"""The sender against a stubbed management client and moto's in-process management API."""

import json

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from {{ cookiecutter.project_slug }}.apigw import sender
from {{ cookiecutter.project_slug }}.apigw.models import GatewayConnection

from .factories import make_gateway

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_clients(settings):
    settings.APIGW_MANAGEMENT_ENDPOINT = "https://{api_id}.execute-api.{region}.amazonaws.com/{stage}"
    sender.clear_client_cache()
    yield
    sender.clear_client_cache()


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def connection():
    return GatewayConnection.objects.create(connection_id="conn-1", api_gateway=make_gateway(), channel="chat")


@pytest.fixture
def stubber(connection):
    stub = Stubber(sender.management_client(connection.api_gateway))
    with stub:
        yield stub
    stub.assert_no_pending_responses()


def test_client_uses_gateway_endpoint_and_is_cached(connection):
    client = sender.management_client(connection.api_gateway)
    assert client.meta.endpoint_url == "https://abc123defg.execute-api.eu-west-1.amazonaws.com/production"
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.read_timeout == 10
    assert sender.management_client(connection.api_gateway) is client


def test_post_sends_json(stubber, connection):
    stubber.add_response("post_to_connection", {}, {"ConnectionId": "conn-1", "Data": b'{"a": 1}'})
    assert sender.post(connection, {"a": 1}) is True
    connection.refresh_from_db()
    assert connection.connected


def test_gone_marks_connection_closed(stubber, connection):
    stubber.add_client_error("post_to_connection", service_error_code="GoneException", http_status_code=410)
    assert sender.post(connection, {"a": 1}) is False
    connection.refresh_from_db()
    assert not connection.connected
    assert connection.disconnected_at is not None


def test_forbidden_is_raised(stubber, connection):
    stubber.add_client_error("post_to_connection", service_error_code="ForbiddenException", http_status_code=403)
    with pytest.raises(ClientError):
        sender.post(connection, {"a": 1})
    connection.refresh_from_db()
    assert connection.connected


def test_too_large_is_refused_before_the_call(stubber, connection):
    with pytest.raises(sender.PayloadTooLarge):
        sender.post(connection, {"text": "x" * sender.MAX_PAYLOAD_BYTES})


def test_post_many_counts_and_closes_gone_in_one_update(connection, django_assert_num_queries):
    gateway = connection.api_gateway
    other = GatewayConnection.objects.create(connection_id="conn-2", api_gateway=gateway, channel="chat")
    stub = Stubber(sender.management_client(gateway))
    stub.add_client_error("post_to_connection", service_error_code="GoneException", http_status_code=410)
    stub.add_client_error("post_to_connection", service_error_code="GoneException", http_status_code=410)
    with stub, django_assert_num_queries(1):
        counts = sender.post_many([connection, other], {"a": 1})
    assert counts == {"sent": 0, "gone": 2, "failed": 0}
    assert not GatewayConnection.objects.filter(connected=True).exists()


def test_post_many_fan_out_bytes_with_moto(connection):
    from moto import mock_aws
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    gateway = connection.api_gateway
    others = [
        GatewayConnection.objects.create(connection_id=f"fan-{index}", api_gateway=gateway, channel="chat")
        for index in range(5)
    ]
    with mock_aws():
        counts = sender.post_many([connection, *others], {"message": "hello"})
        backend = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID][gateway.region]
        received = {key: bytes(value.data) for key, value in backend.connections.items()}
    assert counts == {"sent": 6, "gone": 0, "failed": 0}
    assert set(received) == {"conn-1", *(f"fan-{index}" for index in range(5))}
    assert all(json.loads(data) == {"message": "hello"} for data in received.values())
