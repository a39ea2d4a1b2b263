import pytest
from django.db import IntegrityError
from django.test import override_settings
from django.urls import reverse

from {{ cookiecutter.project_slug }}.apigw.models import ApiGatewayRoute

from .factories import make_gateway, make_route

pytestmark = pytest.mark.django_db


def test_websocket_url_of_the_execute_api_domain_has_the_stage():
    gateway = make_gateway(domain_name="", stage_name="prod")
    assert gateway.websocket_domain == "abc123defg.execute-api.eu-west-1.amazonaws.com"
    assert gateway.websocket_url() == "wss://abc123defg.execute-api.eu-west-1.amazonaws.com/prod"


def test_websocket_url_of_a_custom_domain_has_no_stage_and_encodes_the_channel():
    gateway = make_gateway(domain_name="ws.example.com")
    assert gateway.websocket_domain == "ws.example.com"
    assert gateway.websocket_url("room 1&x") == "wss://ws.example.com?channel=room+1%26x"


@pytest.mark.parametrize("domain", ["127.0.0.1:8001", "localhost:8001", "[::1]:8001", "localhost"])
def test_a_gateway_on_loopback_is_the_local_stand_in_without_tls(domain):
    gateway = make_gateway(domain_name=domain)
    assert gateway.websocket_origin == f"ws://{domain}"
    assert gateway.websocket_url("dashboard") == f"ws://{domain}?channel=dashboard"


@pytest.mark.parametrize("domain", ["127.0.0.1.example.com", "ws.localhost.example.com", "10.0.0.1:443"])
def test_every_other_gateway_is_wss(domain):
    assert make_gateway(domain_name=domain).websocket_origin == f"wss://{domain}"


def test_management_endpoint_formats_the_setting():
    gateway = make_gateway(stage_name="prod")
    assert gateway.management_endpoint() == "https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod"
    with override_settings(APIGW_MANAGEMENT_ENDPOINT="http://127.0.0.1:9001/{stage}/{api_id}/{region}"):
        assert gateway.management_endpoint() == "http://127.0.0.1:9001/prod/abc123defg/eu-west-1"


def test_a_route_key_is_unique_per_gateway_only():
    first, second = make_gateway(), make_gateway(name="other", api_id="zzz999")
    make_route(first, "dashboard")
    make_route(second, "dashboard")
    with pytest.raises(IntegrityError):
        ApiGatewayRoute.objects.create(api_gateway=first, route_key="dashboard")


def test_deleting_a_gateway_deletes_its_routes():
    gateway = make_gateway()
    make_route(gateway, "dashboard")
    gateway.delete()
    assert not ApiGatewayRoute.objects.exists()


def test_admin_lists_gateways_with_their_routes(admin_client):
    make_route(make_gateway(), "dashboard")
    assert b"ws.example.com" in admin_client.get(reverse("admin:apigw_apigateway_changelist")).content
    assert admin_client.get(reverse("admin:apigw_gatewayconnection_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:apigw_gatewayconnection_add")).status_code == 403
