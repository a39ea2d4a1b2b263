"""Every websocket route is found, nested or not, with its address, parameters and a unique label."""

from channels.auth import AuthMiddlewareStack
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import URLRouter
from django.urls import path, re_path

from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer, DjangoViewAsConsumer, view_as_consumer
from {{ cookiecutter.project_slug }}.core.consumers import PingConsumer

from ..discovery import discover


class ThingConsumer(AsyncAPIConsumer):
    pass


class PlainConsumer(AsyncJsonWebsocketConsumer):
    pass


def a_view(request, pk=None):
    raise AssertionError("not called")


ROUTES = [
    path("ws/things/", ThingConsumer.as_asgi()),
    path(
        "ws/shop/",
        URLRouter(
            [
                path("items/<int:pk>/", ThingConsumer.as_asgi()),
                re_path(r"^orders/(?P<code>[a-z]+)/$", ThingConsumer.as_asgi()),
            ]
        ),
    ),
    path("ws/plain/", PlainConsumer.as_asgi()),
    path("ws/things/view/", view_as_consumer(a_view)),
    path("things/", ThingConsumer.as_asgi()),
    path("ws/guarded/", AuthMiddlewareStack(ThingConsumer.as_asgi())),
]


def test_nested_routes_and_path_parameters():
    routes = discover(ROUTES)
    assert [route.address for route in routes] == [
        "/ws/things/",
        "/ws/shop/items/{pk}/",
        "/ws/shop/orders/{code}/",
        "/ws/plain/",
        "/ws/things/view/",
        "/things/",
        "/ws/guarded/",
    ]
    assert routes[1].parameters == {"pk": "Path parameter: an integer."}
    assert routes[2].parameters == {"code": "Path parameter matching `[a-z]+`."}
    assert routes[0].parameters == {}


def test_labels_are_short_and_unique():
    assert [route.label for route in discover(ROUTES)] == [
        "things",
        "shop-items-pk",
        "shop-orders-code",
        "plain",
        "things-view",
        "things-2",
        "guarded",
    ]


def test_consumers_not_built_on_the_framework_are_listed_undocumented():
    routes = discover(ROUTES)
    assert routes[3].consumer is PlainConsumer and not routes[3].documented
    assert routes[4].documented and issubclass(routes[4].consumer, DjangoViewAsConsumer)
    assert routes[4].consumer.view is a_view
    assert routes[6].consumer is ThingConsumer and routes[6].documented  # found inside its middleware


def test_the_site_routing_is_the_default():
    routes = {route.label: route for route in discover()}
    assert routes["ping"].consumer is PingConsumer
    assert not routes["ping"].documented
