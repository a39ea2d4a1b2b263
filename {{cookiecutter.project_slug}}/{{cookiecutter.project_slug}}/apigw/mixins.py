"""Class-based view mixins that give a template what it needs to open a websocket through API Gateway.

Context: ``api_gateway_route`` (a route, with ``.api_gateway.domain_name`` and ``.route_key``; None when no
route matches), ``channel_name``, and ``websocket_url`` (the URL browsers open, ``?channel=`` included; None
without a route), so a template may build the URL itself, as the library's examples do, or use ours.
"""

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from .models import ApiGateway, ApiGatewayRoute

DEFAULT_ROUTE_KEY = "default"
GATEWAY_DEFAULT_ROUTE = "$default"


def find_route(route_key):
    """The route with ``route_key``, or for ``"default"`` the ``$default`` route of the first gateway.

    ``$default`` is no slug, so it has no row: a gateway serves it whatever routes it has. It is returned
    as an unsaved route of the first gateway (by name), which templates read like a stored one.
    """
    route = ApiGatewayRoute.objects.select_related("api_gateway").filter(route_key=route_key).first()
    if route is not None or route_key != DEFAULT_ROUTE_KEY:
        return route
    gateway = ApiGateway.objects.first()
    if gateway is None:
        return None
    return ApiGatewayRoute(api_gateway=gateway, route_key=GATEWAY_DEFAULT_ROUTE, name="Default route")


class AddWebSocketRouteToContextMixin:
    """Adds the route ``websocket_route_key`` and the channel ``channel_name`` to the template context."""

    websocket_route_key = DEFAULT_ROUTE_KEY
    channel_name = None

    def get_websocket_route_key(self):
        return self.websocket_route_key

    def get_channel_name(self):
        if not self.channel_name:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a channel_name (or a get_channel_name()).")
        return self.channel_name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        route = find_route(self.get_websocket_route_key())
        channel = self.get_channel_name()
        context["api_gateway_route"] = route
        context["channel_name"] = channel
        context["websocket_url"] = route.api_gateway.websocket_url(channel) if route is not None else None
        return context

    def render_to_response(self, context, **response_kwargs):
        """Allow the page's scripts to connect to the gateway: its host is not this site's (connect-src)."""
        response = super().render_to_response(context, **response_kwargs)
        route = context.get("api_gateway_route")
        if route is not None:
            update = {"connect-src": [route.api_gateway.websocket_origin]}
            response._csp_update = update
            response._csp_update_ro = update
        return response


class AppChannelWebSocketMixin(AddWebSocketRouteToContextMixin):
    """Route key and channel are the label of the Django app the view belongs to; ``app_channel_override`` sets
    another channel.

    The label (``blog`` for ``my_site.blog``, also for a view in ``my_site.blog.views.public``) is an identifier,
    so it is a valid route key and channel name where a dotted module path would not be.
    """

    app_channel_override = None

    def app_label(self):
        config = apps.get_containing_app_config(type(self).__module__)
        if config is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__} is in {type(self).__module__}, which belongs to no installed app."
            )
        return config.label

    def get_websocket_route_key(self):
        return self.app_label()

    def get_channel_name(self):
        return self.app_channel_override or self.app_label()
