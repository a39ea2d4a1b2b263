"""Websocket consumers that route JSON messages to actions, in the style of DRF viewsets.

A client sends ``{"action": "name", "request_id": 7, ...arguments}``; the
consumer answers with the five-key envelope
``{"errors": [], "data": ..., "action": "name", "response_status": 200, "request_id": 7}``.
Every input gets an answer and no input closes the socket: malformed frames,
unknown actions, bad arguments and unexpected errors become error frames.
"""

import asyncio
import contextvars
import inspect
import logging
from urllib.parse import urlencode

from asgiref.sync import async_to_sync, iscoroutinefunction
from channels.consumer import get_handler_name
from channels.db import aclose_old_connections, database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, QueryDict
from rest_framework.exceptions import APIException, MethodNotAllowed, PermissionDenied, ValidationError
from rest_framework.response import Response

from . import frames
from .exceptions import ActionMissingException, ObjectNotFound
from .observer import subscriptions
from .observer.hub import Mailbox
from .outages import LayerOutageMixin, as_unavailable
from .permissions import as_permission
from .scope_utils import ScopeRequest
from .settings import SettingDefault

logger = logging.getLogger(__name__)

# The action being handled, for code that is not handed it (``get_object`` in a custom action).
# Context variables follow the action into its detached task and its database thread.
current_action = contextvars.ContextVar("current_action", default=None)

# Names the framework passes to permissions, querysets, serializers and observers next to an action's
# arguments (``has_permission(scope=..., consumer=..., action=..., **arguments)``): a message may not use them.
RESERVED_ARGUMENTS = frozenset(
    {"self", "scope", "consumer", "action", "request_id", "obj", "queryset", "view", "instance", "serializer"}
)


class ActionSpec:
    """What the consumer needs to know to call one action, read once from its signature.

    ``bind`` checks a message's arguments before the call, so that a missing or
    unexpected argument is a 400 naming it instead of a ``TypeError`` that would
    kill the socket. ``action`` and ``request_id`` are passed only to methods
    that accept them.
    """

    def __init__(self, method_name, method):
        self.method_name = method_name
        self.detached = getattr(method, "detached", False)
        parameters = list(inspect.signature(method).parameters.values())[1:]  # without self
        self.accepts_any = any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters)
        named = [
            parameter
            for parameter in parameters
            if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
        ]
        self.names = frozenset(parameter.name for parameter in named)
        self.required = frozenset(parameter.name for parameter in named if parameter.default is parameter.empty)
        self.takes_action = self.accepts_any or "action" in self.names
        self.takes_request_id = self.accepts_any or "request_id" in self.names

    def bind(self, arguments, action, request_id):
        """The keyword arguments for the call; raises ``ValidationError`` naming bad ones."""
        if self.takes_action:
            arguments["action"] = action
        if self.takes_request_id:
            arguments["request_id"] = request_id
        errors = {}
        if self.required:
            errors.update((name, ["This argument is required."]) for name in self.required - arguments.keys())
        if not self.accepts_any:
            errors.update((name, ["Unexpected argument."]) for name in arguments.keys() - self.names)
        if errors:
            raise ValidationError(dict(sorted(errors.items())))
        return arguments


class APIConsumerMetaclass(type):
    """Collects a consumer class's actions once, when the class is created.

    ``actions`` maps each action name to its ``ActionSpec``; ``available_actions``
    maps it to the method name. A method overridden without ``@action`` stops
    being an action.
    """

    def __new__(mcs, name, bases, body, **kwargs):
        cls = super().__new__(mcs, name, bases, body, **kwargs)
        cls.actions = {}
        seen = set()
        for klass in cls.__mro__:
            for method_name, method in vars(klass).items():
                if method_name in seen:
                    continue
                seen.add(method_name)
                if getattr(method, "action", None) is True:
                    action_name = method.kwargs.get("name", method_name)
                    cls.actions[action_name] = ActionSpec(method_name, method)
        cls.available_actions = {name: spec.method_name for name, spec in cls.actions.items()}
        return cls


def error_list(detail):
    """DRF error detail as the envelope's ``errors`` list: a dict is wrapped, a string listed."""
    if isinstance(detail, list):
        return detail
    return [detail]


class AsyncAPIConsumer(LayerOutageMixin, AsyncJsonWebsocketConsumer, metaclass=APIConsumerMetaclass):
    """A websocket consumer whose messages call ``@action`` methods.

    Permissions (``permission_classes``) are asked on connect (``can_connect``)
    and before every action (``has_permission``), then the action runs and its
    ``(data, status)`` return value is sent as the reply.
    """

    permission_classes = SettingDefault("DEFAULT_PERMISSION_CLASSES")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = set(self.groups)
        self.detached_tasks = []
        self.observer_mailbox = Mailbox(self)
        self._permissions = None
        self._permissions_source = None
        # Set once the connection is over, for background code to check before doing more work for it.
        self.ended = False

    async def __call__(self, scope, receive, send):
        """Serve the connection; however it ends, its detached tasks stop and ``teardown`` runs.

        Channels calls ``websocket_disconnect`` only for a disconnect it receives. A consumer whose
        handler raised, whose channel-layer receive failed, or whose task was cancelled (the server
        shutting down, or giving up on an application slow to close) ends without it.
        """
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.ended = True
            for step in (type(self).cancel_detached_tasks, subscriptions.leave_all, type(self).teardown):
                try:
                    await step(self)
                except Exception:
                    logger.exception("Ending %s failed in %s", type(self).__name__, step.__qualname__)

    async def teardown(self):
        """Release what the connection holds outside this consumer; runs once, however it ended.

        After ``disconnect`` on a clean close, and also after an error or a cancellation, when
        ``disconnect`` is not called. Detached tasks are cancelled and observer subscriptions
        ended by then. Override it (calling ``super()``) rather than ``disconnect`` for state that
        must not outlive the socket, such as rows in a shared database.
        """

    async def dispatch(self, message):
        """Route a message to its handler without Channels' thread hop.

        Channels 4.2+ closes stale database connections in a sync thread before
        every message, a full thread round trip per frame. Here database work
        happens in sync actions and ``database_sync_to_async`` calls, which close
        stale connections in their own thread, and async handlers do not touch
        the database, so the hop only adds latency. The handshake keeps it, for
        ``connect()`` overrides that use plain ``sync_to_async``.

        Observer deliveries take turns with these messages (``observer_mailbox``).
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        if message["type"] == "websocket.connect":
            await aclose_old_connections()
        async with self.observer_mailbox:
            await handler(message)

    # Connection

    async def websocket_connect(self, message):
        """Reject the handshake unless every permission's ``can_connect`` agrees."""
        try:
            for permission in await self.get_permissions(action="connect"):
                if not await permission.can_connect(scope=self.scope, consumer=self, message=message):
                    await self.close()
                    return
        except Exception:
            logger.exception("Permission check failed on connect to %s", type(self).__name__)
            await self.close()
            return
        await super().websocket_connect(message)

    async def websocket_disconnect(self, message):
        await subscriptions.leave_all(self)
        await self.cancel_detached_tasks()
        await super().websocket_disconnect(message)

    async def add_group(self, name):
        """Join a channel-layer group; it is left automatically on disconnect."""
        await self.channel_layer.group_add(name, self.channel_name)
        self.groups.add(name)

    async def remove_group(self, name):
        await self.channel_layer.group_discard(name, self.channel_name)
        self.groups.discard(name)

    # Incoming messages

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Decode a frame; one that is not standard JSON text gets a 400 and the socket stays open.

        A frame over ``MAX_FRAME_SIZE`` bytes closes the socket with 4009 (``frames.TOO_BIG_CLOSE_CODE``):
        the server has already read it, but the client is told plainly instead of waiting for an answer.
        """
        try:
            if text_data is None:
                if frames.too_big(len(bytes_data or b"")):
                    await self.close(code=frames.TOO_BIG_CLOSE_CODE)
                    return
                raise frames.FrameError("Binary frames are not supported: send JSON text.")
            if frames.too_big(frames.frame_size(text_data)):
                await self.close(code=frames.TOO_BIG_CLOSE_CODE)
                return
            content = await self.decode_json(text_data)
        except frames.FrameError as exc:
            await self.reply(action=None, errors=[str(exc)], status=400)
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            await self.reply(action=None, errors=["Messages must be JSON objects."], status=400)
            return
        request_id = content.pop("request_id", None)
        try:
            action, arguments = await self.get_action_name(content, **kwargs)
        except Exception as exc:
            await self.handle_exception(exc, None, request_id)
            return
        reserved = RESERVED_ARGUMENTS.intersection(arguments)
        if reserved:
            errors = {name: ["Reserved argument name."] for name in sorted(reserved)}
            await self.reply(action=action, errors=[errors], status=400, request_id=request_id)
            return
        await self.handle_action(action, request_id=request_id, **arguments)

    async def get_action_name(self, content, **kwargs):
        """Return ``(action name, arguments)`` for a message; override to route on another key."""
        return content.pop("action", None), content

    async def handle_action(self, action, request_id, **kwargs):
        """Check permissions, run the action, and turn any failure into an error frame."""
        token = current_action.set(action)
        try:
            if action is None:
                raise ActionMissingException()
            if not isinstance(action, str):
                raise MethodNotAllowed(method=action)
            await self.check_permissions(action, **kwargs)
            await self.call_action(action, request_id, kwargs)
        except Exception as exc:
            await self.handle_exception(exc, action, request_id)
        finally:
            current_action.reset(token)

    async def call_action(self, action, request_id, arguments):
        """Find the action's method, check the arguments against its signature and run it."""
        spec = self.actions.get(action) if isinstance(action, str) else None
        if spec is None:
            raise MethodNotAllowed(method=action)
        method = getattr(self, spec.method_name)
        arguments = spec.bind(arguments, action, request_id)
        if spec.detached:
            self.start_detached_task(self.run_detached_action(method, action, request_id, arguments), name=action)
        else:
            await self.reply_with(await method(**arguments), action, request_id)

    async def reply_with(self, response, action, request_id):
        """An action returning ``(data, status)`` gets one reply; any other return sends nothing."""
        if isinstance(response, tuple) and len(response) == 2:
            data, status = response
            await self.reply(action=action, data=data, status=status, request_id=request_id)

    async def run_detached_action(self, method, action, request_id, arguments):
        token = current_action.set(action)
        try:
            await self.reply_with(await method(**arguments), action, request_id)
        except Exception as exc:
            await self.handle_exception(exc, action, request_id)
        finally:
            current_action.reset(token)

    # Permissions

    async def get_permissions(self, action, **kwargs):
        """The permission instances to ask about ``action``."""
        return self.permission_instances()

    def permission_instances(self):
        """``permission_classes`` instantiated once per connection (again if the list changes)."""
        source = self.permission_classes
        if source is not self._permissions_source:
            self._permissions = [as_permission(permission) for permission in source]
            self._permissions_source = source
        return self._permissions

    async def check_permissions(self, action, **kwargs):
        """Raise ``PermissionDenied`` unless every permission allows the action."""
        for permission in await self.get_permissions(action, **kwargs):
            if not await permission.has_permission(scope=self.scope, consumer=self, action=action, **kwargs):
                raise PermissionDenied()

    async def check_object_permissions(self, action, obj, **kwargs):
        """Raise ``PermissionDenied`` unless every permission allows ``action`` on ``obj``.

        For code on the event loop, e.g. before an observer delivers ``obj``.
        """
        for permission in await self.get_permissions(action, **kwargs):
            if permission.checks_objects and not await permission.has_object_permission(
                scope=self.scope, consumer=self, action=action, obj=obj, **kwargs
            ):
                raise PermissionDenied()

    def check_object_permissions_sync(self, action, obj, **kwargs):
        """``check_object_permissions`` for code in a worker thread (``get_object``)."""
        if type(self).get_permissions is AsyncAPIConsumer.get_permissions:
            permissions = self.permission_instances()
        else:
            permissions = async_to_sync(self.get_permissions)(action, **kwargs)
        for permission in permissions:
            if permission.checks_objects and not permission.has_object_permission_sync(
                scope=self.scope, consumer=self, action=action, obj=obj, **kwargs
            ):
                raise PermissionDenied()

    # Replies

    async def reply(self, action, data=None, errors=None, status=200, request_id=None):
        await self.send_json(
            {
                "errors": [] if errors is None else errors,
                "data": data,
                "action": action,
                "response_status": status,
                "request_id": request_id,
            }
        )

    async def handle_exception(self, exc, action, request_id):
        """Answer a failed action with an error frame; unexpected errors are logged and answered with 500.

        A database or channel layer that cannot be reached is a 503 (``outages``), logged once per outage.
        """
        exc = as_unavailable(exc) or exc
        if isinstance(exc, Http404):
            exc = ObjectNotFound()
        elif isinstance(exc, DjangoPermissionDenied):
            exc = PermissionDenied()
        if not isinstance(exc, APIException):
            logger.error("Action %r of %s failed", action, type(self).__name__, exc_info=exc)
            exc = APIException()
        await self.reply(action=action, errors=error_list(exc.detail), status=exc.status_code, request_id=request_id)

    @classmethod
    async def decode_json(cls, text_data):
        """Standard JSON within the limits only (see ``frames``); anything else raises ``FrameError``."""
        return frames.decode(text_data)

    @classmethod
    async def encode_json(cls, content):
        """Standard JSON with DRF's encoder, so dates, decimals and UUIDs in action data never break a reply."""
        return frames.encoder.encode(content)

    # Detached tasks

    def start_detached_task(self, coroutine, name=None):
        """Run ``coroutine`` alongside the socket; it is cancelled on disconnect."""
        task = asyncio.create_task(coroutine, name=name)
        self.detached_tasks.append(task)
        task.add_done_callback(self.handle_detached_task_completion)
        return task

    def handle_detached_task_completion(self, task):
        if task in self.detached_tasks:
            self.detached_tasks.remove(task)
        if not task.cancelled() and task.exception() is not None:
            name = type(self).__name__
            logger.error("Detached task %r of %s failed", task.get_name(), name, exc_info=task.exception())

    async def cancel_detached_tasks(self, name=None):
        """Cancel the detached tasks (those started under ``name`` only, if given) and wait for them."""
        tasks = [task for task in self.detached_tasks if name is None or task.get_name() == name]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class DjangoViewAsConsumer(AsyncAPIConsumer):
    """Serves a Django or DRF view over a websocket: each action is one request to the view.

    A message ``{"action": "list", "query": {...}, "parameters": {...}, "data": {...}}``
    calls the view with the action's HTTP method (``mapped_actions``), ``query``
    as ``request.GET``, ``parameters`` as the view's keyword arguments (like URL
    kwargs) and ``data`` as the JSON body (DRF's ``request.data``). The request
    is authenticated as the socket's user.

    ``request.GET`` is a ``QueryDict`` whose values keep their JSON types, as in
    DCRF: ``{"query": {"page": 2, "tag": ["a", "b"]}}`` gives
    ``request.GET["page"] == 2`` and ``request.GET.getlist("tag") == ["a", "b"]``.
    """

    view = None
    mapped_actions = {
        "create": "PUT",
        "update": "PATCH",
        "list": "GET",
        "retrieve": "GET",
    }
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
