"""Websocket consumers that route JSON messages to actions, in the style of DRF viewsets.

A client sends ``{"action": "name", "request_id": 7, ...arguments}``; the
consumer answers with the five-key envelope
``{"errors": [], "data": ..., "action": "name", "response_status": 200, "request_id": 7}``.
Every input gets an answer and no input closes the socket: malformed frames,
unknown actions, bad arguments and unexpected errors become error frames.

The consumer knows nothing of its add-ons: observers keep their subscriptions in an object of their own,
hand it messages through its ``inbox`` and end them with a cleanup (``add_cleanup``). Action introspection
is in ``actions``, the view adapter (``view_as_consumer``) in ``view_adapter``, importable from here too.
"""

import asyncio
import logging

from channels.consumer import get_handler_name
from channels.db import aclose_old_connections
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework.exceptions import APIException, MethodNotAllowed, PermissionDenied

from . import frames
from .actions import RESERVED_ARGUMENTS, APIConsumerMetaclass, RunningAction, current_action
from .exceptions import ActionMissingException, ObjectNotFound
from .inbox import Inbox
from .outages import LayerOutageMixin, as_unavailable
from .permissions import as_permission
from .settings import SettingDefault

logger = logging.getLogger(__name__)


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
        self.inbox = Inbox(self)
        self.cleanups = []
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
            for step in (self.release, self.teardown):
                try:
                    await step()
                except Exception:
                    logger.exception("Ending %s failed in %s", type(self).__name__, step.__qualname__)

    def add_cleanup(self, cleanup):
        """Call the coroutine function ``cleanup()`` once when the connection ends, however it ends.

        For add-ons that hold something for this consumer (observer subscriptions): cleanups run
        before ``disconnect`` on a clean close, and before ``teardown`` in every case, newest first.
        """
        self.cleanups.append(cleanup)

    async def release(self):
        """Stop what works for the connection: its inbox, detached tasks and add-ons' cleanups (each once)."""
        self.inbox.close()
        await self.cancel_detached_tasks()
        while self.cleanups:
            cleanup = self.cleanups.pop()
            try:
                await cleanup()
            except Exception:
                logger.exception("A cleanup of %s failed", type(self).__name__)

    async def teardown(self):
        """Release what the connection holds outside this consumer; runs once, however it ended.

        After ``disconnect`` on a clean close, and also after an error or a cancellation, when
        ``disconnect`` is not called. Detached tasks are cancelled and add-ons' cleanups (observer
        subscriptions) done by then. Override it (calling ``super()``) rather than ``disconnect`` for
        state that must not outlive the socket, such as rows in a shared database.
        """

    async def dispatch(self, message):
        """Route a message to its handler without Channels' thread hop.

        Channels 4.2+ closes stale database connections in a sync thread before
        every message, a full thread round trip per frame. Here database work
        happens in sync actions and ``database_sync_to_async`` calls, which close
        stale connections in their own thread, and async handlers do not touch
        the database, so the hop only adds latency. The handshake keeps it, for
        ``connect()`` overrides that use plain ``sync_to_async``.

        Messages handed to the consumer from outside (observer deliveries) take turns with these
        (``inbox``).
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        if message["type"] == "websocket.connect":
            await aclose_old_connections()
        async with self.inbox:
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
        await self.release()
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
        with RunningAction(action, asyncio.get_running_loop()) as running:
            try:
                if action is None:
                    raise ActionMissingException()
                if not isinstance(action, str):
                    raise MethodNotAllowed(method=action)
                running.permissions = await self.check_permissions(action, **kwargs)
                await self.call_action(action, request_id, kwargs)
            except Exception as exc:
                await self.handle_exception(exc, action, request_id)

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
            await self.run_and_reply(current_action.get(), method, action, request_id, arguments)

    async def reply_with(self, response, action, request_id):
        """An action returning ``(data, status)`` gets one reply; any other return sends nothing."""
        if isinstance(response, tuple) and len(response) == 2:
            data, status = response
            await self.reply(action=action, data=data, status=status, request_id=request_id)

    async def run_and_reply(self, running, method, action, request_id, arguments):
        """Run the action's method, wait for the work it handed to the loop (``RunningAction``), then reply."""
        response = await method(**arguments)
        await running.finish()
        await self.reply_with(response, action, request_id)

    async def run_detached_action(self, method, action, request_id, arguments):
        """A detached action is a running action of its own: its reply waits for its own work only."""
        loop, permissions = asyncio.get_running_loop(), current_action.get().permissions
        with RunningAction(action, loop, permissions) as running:
            try:
                await self.run_and_reply(running, method, action, request_id, arguments)
            except Exception as exc:
                await self.handle_exception(exc, action, request_id)

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
        """Raise ``PermissionDenied`` unless every permission allows the action; return the permissions asked."""
        permissions = await self.get_permissions(action, **kwargs)
        for permission in permissions:
            if not await permission.has_permission(scope=self.scope, consumer=self, action=action, **kwargs):
                raise PermissionDenied()
        return permissions

    async def check_object_permissions(self, action, obj, **kwargs):
        """Raise ``PermissionDenied`` unless every permission allows ``action`` on ``obj``.

        Runs on the event loop, like every permission: ``get_object``, in a worker thread, calls it
        through ``async_to_sync`` when one of the action's permissions looks at objects.
        """
        for permission in await self.get_permissions(action, **kwargs):
            if permission.checks_objects and not await permission.has_object_permission(
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


def __getattr__(name):
    """DCRF's import path for the view adapter (``consumers.view_as_consumer``), imported when first asked for.

    ``view_adapter`` builds on ``AsyncAPIConsumer``, so this module cannot import it at the top.
    """
    if name in ("DjangoViewAsConsumer", "view_as_consumer"):
        from . import view_adapter

        return getattr(view_adapter, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
