import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import engines
from django.urls import reverse
from django.views.generic import TemplateView

from {{ cookiecutter.project_slug }}.apigw.mixins import AddWebSocketRouteToContextMixin, AppChannelWebSocketMixin
from {{ cookiecutter.project_slug }}.apigw.models import ApiGatewayRoute
{%- if cookiecutter.use_chat_demo %}
from {{ cookiecutter.project_slug }}.chat.models import Room
{%- endif %}

from .factories import make_gateway, make_route

pytestmark = pytest.mark.django_db

# The template examples of the library's "Templates and mixins" page, copied as they are written there.
SEED_TEMPLATES = Path(__file__).parent / "templates" / "apigw_seed"


class DashboardView(AddWebSocketRouteToContextMixin, TemplateView):
    template_name = "home.html"
    websocket_route_key = "dashboard"
    channel_name = "dashboard"


def context_of(view_class, rf, **attributes):
    view = view_class(**attributes)
    view.setup(rf.get("/"))
    return view.get_context_data()


def app_view(module, **attributes):
    """An AppChannelWebSocketMixin view defined in ``module``, as if written in that app's views."""
    return type("BlogIndexView", (AppChannelWebSocketMixin, TemplateView), {"__module__": module, **attributes})


def test_the_route_and_channel_of_the_view(rf):
    gateway = make_gateway()
    route = make_route(gateway, "dashboard")
    context = context_of(DashboardView, rf)
    assert context["api_gateway_route"] == route
    assert context["api_gateway_route"].api_gateway.domain_name == "ws.example.com"
    assert context["channel_name"] == "dashboard"
    assert context["websocket_url"] == "wss://ws.example.com?channel=dashboard"


def test_no_matching_route_gives_no_route(rf):
    make_route(make_gateway(), "other")
    context = context_of(DashboardView, rf)
    assert context["api_gateway_route"] is None
    assert context["websocket_url"] is None
    assert context["channel_name"] == "dashboard"


def test_the_default_route_key_resolves_to_the_gateways_default_route(rf):
    make_gateway(name="b-second", api_id="second")
    first = make_gateway(name="a-first", api_id="first", domain_name="", stage_name="prod")
    context = context_of(DashboardView, rf, websocket_route_key="default")
    route = context["api_gateway_route"]
    assert (route.api_gateway, route.route_key, route.pk) == (first, "$default", None)
    assert context["websocket_url"] == "wss://first.execute-api.eu-west-1.amazonaws.com/prod?channel=dashboard"
    assert not ApiGatewayRoute.objects.exists()


def test_a_stored_default_route_wins(rf):
    stored = make_route(make_gateway(), "default")
    assert context_of(DashboardView, rf, websocket_route_key="default")["api_gateway_route"] == stored


def test_the_default_route_key_without_a_gateway_gives_no_route(rf):
    assert context_of(DashboardView, rf, websocket_route_key="default")["api_gateway_route"] is None


def test_a_view_without_a_channel_name_is_a_configuration_error(rf):
    make_gateway()
    with pytest.raises(ImproperlyConfigured, match="needs a channel_name"):
        context_of(DashboardView, rf, channel_name=None)


def test_app_channel_uses_the_app_label(rf):
    route = make_route(make_gateway(), "apigw")
    context = context_of(app_view("{{ cookiecutter.project_slug }}.apigw.views"), rf)
    assert context["api_gateway_route"] == route
    assert context["channel_name"] == "apigw"


def test_app_channel_override_keeps_the_route_key(rf):
    route = make_route(make_gateway(), "apigw")
    view = app_view("{{ cookiecutter.project_slug }}.apigw.views", app_channel_override="public_blog")
    context = context_of(view, rf)
    assert context["api_gateway_route"] == route
    assert context["channel_name"] == "public_blog"
    assert context["websocket_url"] == "wss://ws.example.com?channel=public_blog"


def test_a_nested_app_gives_a_valid_channel_name(rf):
    route = make_route(make_gateway(), "observed")
    context = context_of(app_view("{{ cookiecutter.project_slug }}.channels_rest.tests.observed.views.public"), rf)
    assert context["api_gateway_route"] == route
    assert context["channel_name"] == "observed"
    assert re.fullmatch(r"[a-z0-9_]+", context["channel_name"])


def test_a_view_outside_any_app_is_a_configuration_error(rf):
    with pytest.raises(ImproperlyConfigured, match="belongs to no installed app"):
        context_of(app_view("somewhere.else"), rf)


def render_seed(name, rf, route, channel="dashboard"):
    request = rf.get("/")
    template = engines["django"].from_string((SEED_TEMPLATES / name).read_text())
    return template.render({"api_gateway_route": route, "channel_name": channel}, request)


def test_every_seed_template_example_is_tested():
    assert sorted(path.name for path in SEED_TEMPLATES.iterdir()) == [
        "context_domain.html",
        "context_url.html",
        "dashboard.html",
        "plain_url.html",
        "reconnecting.html",
        "token_flow.html",
    ]


def test_seed_plain_url(rf):
    route = make_route(make_gateway(), "dashboard")
    html = render_seed("plain_url.html", rf, route, channel="room 1&2")
    assert 'const websocketUrl = "wss://ws.example.com?channel=room%201%262";' in html


def test_seed_reconnecting_client(rf):
    route = make_route(make_gateway(), "dashboard")
    html = render_seed("reconnecting.html", rf, route)
    assert '"wss://ws.example.com" +\n"?channel=dashboard"' in html
    assert "new ReconnectingWebSocket(websocketUrl" in html


def test_seed_context_values(rf):
    route = make_route(make_gateway(), "dashboard")
    assert render_seed("context_domain.html", rf, route).strip() == "ws.example.com"
    assert render_seed("context_url.html", rf, route).strip() == "wss://ws.example.com?channel=dashboard"


def test_seed_token_flow(rf):
    route = make_route(make_gateway(), "dashboard")
    html = render_seed("token_flow.html", rf, route, channel='x"</script>')
    assert 'baseUrl: "wss://ws.example.com"' in html
    assert f'tokenEndpoint: "{reverse("websocket_token")}"' in html
    assert 'channel: "x\\u0022\\u003C/script\\u003E"' in html


def test_seed_dashboard(rf):
    route = make_route(make_gateway(), "dashboard")
    html = render_seed("dashboard.html", rf, route)
    assert '<div id="dashboard-status">Connecting...</div>' in html
    assert 'channel: "dashboard"' in html
    assert "connectDashboardWebSocket();" in html
    assert "not configured" not in html
    assert "WebSocket route is not configured." in render_seed("dashboard.html", rf, None)


def test_seed_templates_with_the_resolved_default_route(rf):
    make_gateway()
    context = context_of(DashboardView, rf, websocket_route_key="default")
    html = render_seed("plain_url.html", rf, context["api_gateway_route"])
    assert 'const websocketUrl = "wss://ws.example.com?channel=dashboard";' in html


def test_the_dashboard_page_connects_with_the_mixins_url(client, user):
    make_route(make_gateway(), "dashboard")
    client.force_login(user)
    response = client.get(reverse("apigw_dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-websocket-url="wss://ws.example.com?channel=dashboard"' in html
    assert f'data-token-endpoint="{reverse("websocket_token")}"' in html
    assert "apigw/dashboard.js" in html
    assert 'id="dashboard-ping"' in html and "csrfmiddlewaretoken" in html
    policy = response.headers.get("Content-Security-Policy") or response.headers["Content-Security-Policy-Report-Only"]
    assert "wss://ws.example.com" in policy


def test_the_dashboard_page_through_the_local_gateway_allows_its_ws_origin(client, user):
    make_route(make_gateway(domain_name="127.0.0.1:8765"), "dashboard")
    client.force_login(user)
    response = client.get(reverse("apigw_dashboard"))
    assert 'data-websocket-url="ws://127.0.0.1:8765?channel=dashboard"' in response.content.decode()
    policy = response.headers.get("Content-Security-Policy") or response.headers["Content-Security-Policy-Report-Only"]
    assert "ws://127.0.0.1:8765" in policy


def test_the_dashboard_page_without_a_route_says_how_to_add_one(client, user):
    client.force_login(user)
    html = client.get(reverse("apigw_dashboard")).content.decode()
    assert "WebSocket route is not configured" in html
    assert "dashboard.js" not in html


def test_the_dashboard_page_needs_a_login(client):
    response = client.get(reverse("apigw_dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("users:login"))


def test_the_home_page_links_the_dashboard(client):
    assert reverse("apigw_dashboard") in client.get(reverse("home")).content.decode()


def test_the_dashboard_script_writes_text_only_and_reads_its_urls_from_the_page():
    static = Path(__file__).parents[2] / "static" / "apigw"
    script = (static / "dashboard.js").read_text()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "gatewayUrl(root)" in script
    urls = (static / "gateway_url.js").read_text()
    assert "element.dataset.websocketUrl" in urls and "element.dataset.tokenEndpoint" in urls
    assert '"X-CSRFToken": csrfToken()' in urls
{%- if cookiecutter.use_chat_demo %}


def test_the_chat_room_page_through_the_gateway(client, user):
    room = Room.objects.create(name="lobby", host=user)
    url = reverse("apigw_chat_room", args=[room.pk])
    assert client.get(url).status_code == 302  # signed-in users only, as the chat's own page
    client.force_login(user)
    assert client.get(url).status_code == 404  # no gateway registered yet
    make_gateway(domain_name="ws.example.com")
    response = client.get(url)
    html = response.content.decode()
    assert 'data-websocket-url="wss://ws.example.com?channel=chat"' in html
    assert 'data-socket-url-module="/static/apigw/gateway_url.js"' in html
    assert 'data-socket-path="/ws/chat/room/"' in html and "csrfmiddlewaretoken" in html
    policy = response.headers.get("Content-Security-Policy") or response.headers["Content-Security-Policy-Report-Only"]
    assert "wss://ws.example.com" in policy
    assert client.get(reverse("apigw_chat_room", args=[room.pk + 1])).status_code == 404
{%- endif %}
