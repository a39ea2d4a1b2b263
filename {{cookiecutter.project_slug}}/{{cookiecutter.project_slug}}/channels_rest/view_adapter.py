"""Serving a Django or DRF view over a websocket: each frame is one request to the view.

``view_as_consumer(view)`` is DCRF's adapter; ``DjangoViewAsConsumer`` is the consumer class it builds. Both
are also importable from ``channels_rest.consumers``, DCRF's path.
"""

import inspect
from urllib.parse import urlencode

from asgiref.sync import iscoroutinefunction
from channels.db import database_sync_to_async
from django.http import QueryDict
from rest_framework.exceptions import MethodNotAllowed, ValidationError
from rest_framework.response import Response

from . import frames
from .consumers import AsyncAPIConsumer
from .methods import ACTION_METHODS
from .permissions import AllowAny
from .scope_utils import ScopeRequest


class DjangoViewAsConsumer(AsyncAPIConsumer):
    """Serves a Django or DRF view over a websocket: each action is one request to the view.

    A message ``{"action": "list", "query": {...}, "parameters": {...}, "data": {...}}``
    calls the view with the action's HTTP method (``mapped_actions``: ``methods.ACTION_METHODS``), ``query``
    as ``request.GET``, ``parameters`` as the view's keyword arguments (like URL
    kwargs) and ``data`` as the JSON body (DRF's ``request.data``). The request
    is authenticated as the socket's user.

    ``request.GET`` is a ``QueryDict`` whose values keep their JSON types, as in
    DCRF: ``{"query": {"page": 2, "tag": ["a", "b"]}}`` gives
    ``request.GET["page"] == 2`` and ``request.GET.getlist("tag") == ["a", "b"]``.
    """

    view = None
    # The view decides who may do what, as it does over HTTP (DRF's authentication and permissions, or
    # the view's own checks): the socket adds no permissions of its own.
    permission_classes = [AllowAny]
    mapped_actions = {action: method for action, method in ACTION_METHODS.items() if action != "connect"}
    # The keys a message may carry besides ``action`` and ``request_id``; each is a JSON object or null.
    view_arguments = ("query", "parameters", "data")

    async def call_action(self, action, request_id, arguments):
        method = self.mapped_actions.get(action) if isinstance(action, str) else None
        if method is None:
            raise MethodNotAllowed(method=action)
        self.check_view_arguments(arguments)
        request = self.get_view_request(method, query=arguments.get("query"), data=arguments.get("data"))
        view_kwargs = self.get_view_args(action, **arguments)
        if iscoroutinefunction(self.view):
            response = await self.view(request, **view_kwargs)
            data, status = await database_sync_to_async(response_content)(response)
        else:
            data, status = await database_sync_to_async(call_view)(self.view, request, view_kwargs)
        await self.reply(action=action, data=data, status=status, request_id=request_id)

    def check_view_arguments(self, arguments):
        """Raise ``ValidationError`` naming each argument the view could not take as a request would carry it.

        ``query`` values are strings or numbers (or lists of them), ``parameters`` are names of the view's
        keyword arguments with string or integer values, as a URL pattern would give them.
        """
        errors = {}
        for name, value in arguments.items():
            if name not in self.view_arguments:
                errors[name] = ["Unexpected argument."]
            elif value is not None and not isinstance(value, dict):
                errors[name] = ["Must be a JSON object."]
        query = arguments.get("query")
        if isinstance(query, dict):
            bad = [key for key, value in query.items() if not all(map(is_query_value, as_list(value)))]
            if bad:
                errors["query"] = [f"{key}: must be a string, a number or a list of them." for key in sorted(bad)]
        parameters = arguments.get("parameters")
        if isinstance(parameters, dict):
            problems = [
                f"{key}: must be a string or an integer."
                for key, value in parameters.items()
                if not is_url_value(value)
            ]
            try:
                inspect.signature(self.view).bind(None, **parameters)
            except TypeError as exc:
                problems.append(f"Not a parameter of this view ({exc}).")
            if problems:
                errors["parameters"] = problems
        if errors:
            raise ValidationError(dict(sorted(errors.items())))

    def get_view_args(self, action, **kwargs):
        """Keyword arguments for the view, as a URL pattern would give them."""
        return kwargs.get("parameters") or {}

    def get_view_request(self, method, query=None, data=None):
        query_string = urlencode(query or {}, doseq=True)
        if data is None:
            request = ScopeRequest(self.scope, method=method, query_string=query_string)
        else:
            request = ScopeRequest(
                self.scope,
                method=method,
                query_string=query_string,
                body=frames.encoder.encode(data).encode(),
                content_type="application/json",
            )
        request.GET = query_dict(query or {})
        if request.user.is_authenticated:
            # DRF views authenticate again; let them see the socket's user instead of asking for a CSRF token.
            request._force_auth_user = request.user
        return request


def as_list(value):
    return value if isinstance(value, list) else [value]


def query_dict(query):
    """A read-only ``QueryDict`` of a frame's ``query`` object, its values as the JSON had them (lists: ``getlist``).

    ``QUERY_STRING`` still carries the urlencoded query, for code that reads the URL.
    """
    params = QueryDict(mutable=True)
    for key, value in query.items():
        params.setlist(key, as_list(value))
    params._mutable = False
    return params


def is_query_value(value):
    """A value a query string can carry: a string or a number."""
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def is_url_value(value):
    """A value a URL pattern can capture: a string or an integer."""
    return isinstance(value, str | int) and not isinstance(value, bool)


def call_view(view, request, view_kwargs):
    return response_content(view(request, **view_kwargs))


def response_content(response):
    """``(data, status)`` of a view's response: DRF's data, else the body as text (hex if not UTF-8)."""
    if isinstance(response, Response):
        return response.data, response.status_code
    if hasattr(response, "render"):
        response.render()
    content = b"".join(response.streaming_content) if response.streaming else response.content
    try:
        return content.decode(), response.status_code
    except UnicodeDecodeError:
        return content.hex(), response.status_code


def view_as_consumer(wrapped_view, mapped_actions=None):
    """An ASGI application serving ``wrapped_view`` over a websocket, one consumer per connection.

    ``re_path(r"^ws/users/$", view_as_consumer(UserList.as_view()))``
    """
    attributes = {"view": staticmethod(wrapped_view)}
    if mapped_actions is not None:
        attributes["mapped_actions"] = mapped_actions
    name = getattr(wrapped_view, "__name__", "View")
    consumer_class = type(f"{name}Consumer", (DjangoViewAsConsumer,), attributes)
    return consumer_class.as_asgi()
