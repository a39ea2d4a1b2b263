"""Every websocket route of the site, read from the ASGI routing the server itself uses.

``discover()`` walks ``config.routing.websocket_urlpatterns`` (``path``/``re_path``, nested
``URLRouter``s) and returns one ``Route`` per consumer, in routing order. A consumer not built
on ``channels_rest`` has no action registry to read: it is listed with ``documented=False``.
"""

import re
from dataclasses import dataclass, field

from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.regex_helper import normalize

from ..channels_rest.consumers import AsyncAPIConsumer

# ``<int:pk>`` in a ``path()`` route.
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
# What ``path()`` converters match, in words for the channel parameter's description.
CONVERTER_KINDS = {"int": "an integer", "str": "a string", "slug": "a slug", "uuid": "a UUID", "path": "a path"}


@dataclass(frozen=True)
class Route:
    """One websocket route: its AsyncAPI channel address, consumer class and short unique label."""

    address: str
    consumer: type
    label: str
    documented: bool
    # name -> description, one per ``{name}`` in the address.
    parameters: dict = field(default_factory=dict)


def discover(urlpatterns=None):
    """The routes of ``urlpatterns`` (default: the site's websocket routing), labelled uniquely."""
    if urlpatterns is None:
        from config.routing import websocket_urlpatterns as urlpatterns
    routes, labels = [], set()
    for address, consumer, parameters in walk(urlpatterns, prefix="", parameters={}):
        label = unique_label(address_label(address), labels)
        documented = isinstance(consumer, type) and issubclass(consumer, AsyncAPIConsumer)
        routes.append(Route(address, consumer, label, documented, parameters))
    return routes


def walk(urlpatterns, prefix, parameters):
    """``(address, consumer class, parameters)`` of each endpoint, depth first."""
    for pattern in urlpatterns:
        part, own = pattern_address(pattern.pattern)
        application = unwrap(pattern.callback)
        inner = getattr(application, "routes", None)
        if inner is not None:
            yield from walk(inner, prefix + part, {**parameters, **own})
            continue
        consumer = getattr(application, "consumer_class", application)
        yield "/" + (prefix + part).lstrip("/"), consumer, {**parameters, **own}


def unwrap(application):
    """The router or consumer inside middleware (``AuthMiddlewareStack(Consumer.as_asgi())``), kept as ``inner``."""
    while not hasattr(application, "routes") and not hasattr(application, "consumer_class"):
        if not hasattr(application, "inner"):
            break
        application = application.inner
    return application


def pattern_address(pattern):
    """A pattern as address text with ``{name}`` placeholders, and the description of each placeholder."""
    if isinstance(pattern, RoutePattern):
        route = str(pattern._route)
        parameters = {
            match["name"]: f"Path parameter: {CONVERTER_KINDS.get(match['converter'] or 'str', 'a value')}."
            for match in ROUTE_PARAMETER.finditer(route)
        }
        return ROUTE_PARAMETER.sub(lambda match: "{" + match["name"] + "}", route), parameters
    if isinstance(pattern, RegexPattern):
        regex = str(pattern._regex)
        template, names = normalize(regex)[0]
        groups = dict(re.findall(r"\(\?P<(\w+)>([^)]*)\)", regex))
        parameters = {
            name: f"Path parameter matching `{groups[name]}`." if name in groups else "Path parameter."
            for name in names
        }
        return re.sub(r"%\((\w+)\)s", r"{\1}", template.replace("%%", "%")), parameters
    raise TypeError(f"Unsupported websocket route pattern: {pattern!r}")


def address_label(address):
    """``/ws/chat/room/`` -> ``chat-room``: the address's words, without the conventional ``ws`` prefix."""
    words = [word for word in re.split(r"[^A-Za-z0-9]+", address.lower()) if word]
    if len(words) > 1 and words[0] == "ws":
        words = words[1:]
    return "-".join(words) or "root"


def unique_label(label, taken):
    candidate, number = label, 2
    while candidate in taken:
        candidate, number = f"{label}-{number}", number + 1
    taken.add(candidate)
    return candidate
