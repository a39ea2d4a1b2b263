"""Serving gateway connections with the site's own consumers: one live consumer instance per connection.

A channel (``?channel=`` on ``$connect``) names a consumer class in ``APIGW_CHANNELS``. When the event view
admits a ``$connect``, an instance of that class starts as a task on the event loop of the server process that
got the event, and lives as long as the connection: it gets ``websocket.connect``, each ``$default`` body as
``websocket.receive``, and ``websocket.disconnect`` on ``$disconnect`` or when the session behind the
connection ends (``lifecycle``). It is the consumer a daphne socket gets, unchanged, with a channel of its own
on the channel layer: the groups it joins, its observer subscriptions and presence, and every ``group_send``
to it reach the gateway connection as they reach a browser's socket.

What the consumer sends is posted to the connection in order (``sender``, boto3, in a worker thread: never on
the event loop nor in the database thread). Nothing is posted before the ``$connect`` answer has gone out,
since the gateway refuses posts until then; frames sent while connecting wait for it. ``websocket.close``
closes the connection at the gateway (``delete_connection``) and its row.

Each process has one ``Relay``: the live connections of its event loop, and a channel on the layer where the
other processes reach them. A connection's row names its owner's relay channel (``owner_channel``); an event
that reaches another process is forwarded there, and the owner acknowledges at once. No acknowledgement in
``ACK_TIMEOUT`` means the owner is gone (the process stopped or restarted, and its consumers with it): the
event view then closes the connection at the gateway, so that the client reconnects and starts afresh, as a
browser does when the daphne process holding its socket goes away.
"""

import asyncio
import contextvars
import logging
import time
import uuid
from functools import partial

from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.module_loading import import_string

from {{ cookiecutter.project_slug }}.channels_rest.outages import receive_retrying

from . import sender

logger = logging.getLogger(__name__)

# Seconds a consumer has to accept or refuse a connection: well inside API Gateway's 29 s integration timeout.
CONNECT_TIMEOUT = 20
# Seconds the process owning a connection has to acknowledge a forwarded event before it counts as gone.
ACK_TIMEOUT = 3
# Seconds after the $connect answer during which a Gone answer means "not open yet" and the post is retried:
# the gateway learns of the answer a moment after the site has sent it.
CONNECT_GRACE = 2
# Codes of the websocket.disconnect a consumer gets: the client went away, or its session ended.
CLIENT_LEFT = 1001
SESSION_ENDED = 4401


class UnknownChannel(LookupError):
    """A channel that is not a key of APIGW_CHANNELS."""


def consumer_class(channel):
    """The consumer class serving ``channel``; UnknownChannel when the site does not offer it."""
    path = settings.APIGW_CHANNELS.get(channel) if isinstance(channel, str) else None
    if not path:
        raise UnknownChannel(f"Unknown channel {channel!r}.")
    return import_string(path)


def build_scope(*, channel, user, connection_id, gateway, session=None):
    """The websocket scope a consumer sees for a gateway connection."""
    scope = {
        "type": "websocket",
        "path": f"/apigw/{channel}/",
        "query_string": b"",
        "headers": [],
        "subprotocols": [],
        "user": user if user is not None else AnonymousUser(),
        "url_route": {"args": (), "kwargs": {}},
        "apigw": {
            "connection_id": connection_id,
            "api_id": gateway.api_id,
            "stage": gateway.stage_name,
            "channel": channel,
        },
    }
    if session is not None:
        scope["session"] = session
    return scope


# What the posting task of a connection may find in its queue besides payloads.
STOP = object()  # the connection ended at the gateway: post nothing more
CLOSE = object()  # the consumer closed the connection: close it at the gateway, after what it sent before


class LiveConnection:
    """One gateway connection and the consumer instance serving it, on this process's event loop.

    It is the ASGI server of that consumer: ``receive`` hands it the events, ``send`` takes what it answers.
    ``connection`` is a ``GatewayConnection`` (with its gateway), whom the sender posts to.
    """

    def __init__(self, relay, scope, connection):
        self.relay = relay
        self.scope = scope
        self.connection = connection
        self.connection_id = connection.connection_id
        self.incoming = asyncio.Queue()
        self.outgoing = asyncio.Queue()
        self.accepted = asyncio.get_running_loop().create_future()
        self.answered = asyncio.Event()
        self.answered_at = None
        self.ended = False
        self.consumer_task = None
        self.posting_task = None

    async def start(self):
        """Start the consumer and hand it ``websocket.connect``; True once it accepted, False when it refused."""
        consumer = consumer_class(self.scope["apigw"]["channel"])()
        # A context of its own: not the request's, whose thread-sensitive executor ends with the request.
        self.consumer_task = asyncio.create_task(
            self.serve(consumer), name=f"apigw consumer {self.connection_id}", context=contextvars.Context()
        )
        self.incoming.put_nowait({"type": "websocket.connect"})
        try:
            accepted = await asyncio.wait_for(asyncio.shield(self.accepted), CONNECT_TIMEOUT)
        except TimeoutError:
            logger.warning("The consumer of gateway connection %s did not answer its connect", self.connection_id)
            accepted = False
        if not accepted or self.ended:  # refused, silent, or accepted and gone at once
            await self.stop()
            return False
        self.relay.connections[self.connection_id] = self
        self.posting_task = asyncio.create_task(
            self.post_outgoing(), name=f"apigw posts {self.connection_id}", context=contextvars.Context()
        )
        return True

    async def stop(self):
        """End the consumer (a refused or failed connect): it gets its disconnect and finishes its teardown."""
        self.end(STOP, CLIENT_LEFT)
        try:
            await asyncio.wait_for(asyncio.shield(self.consumer_task), CONNECT_TIMEOUT)
        except TimeoutError:
            self.consumer_task.cancel()

    def connect_answered(self):
        """The ``$connect`` answer went out: from now on the gateway takes posts. Callable from any thread."""
        loop = self.accepted.get_loop()
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._mark_answered)

    def _mark_answered(self):
        if self.answered_at is None:
            self.answered_at = time.monotonic()
        self.answered.set()

    def receive_text(self, text):
        """A ``$default`` body, for the consumer."""
        if not self.ended:
            self.incoming.put_nowait({"type": "websocket.receive", "text": text})

    def end(self, last, code):
        """The connection is over: the consumer gets ``websocket.disconnect``; ``last`` ends the posting task."""
        if self.ended:
            return
        self.ended = True
        if self.relay.connections.get(self.connection_id) is self:
            del self.relay.connections[self.connection_id]
        self.outgoing.put_nowait(last)
        self.incoming.put_nowait({"type": "websocket.disconnect", "code": code})

    # The consumer's side

    async def serve(self, consumer):
        try:
            await consumer(self.scope, self.incoming.get, self.send)
        except asyncio.CancelledError:
            # The server is shutting down: the gateway keeps the socket, and the next event finds no owner.
            self.ended = True
            self.relay.connections.pop(self.connection_id, None)
            raise
        except Exception:
            logger.exception("The consumer of gateway connection %s failed", self.connection_id)
        if not self.accepted.done():
            self.accepted.set_result(False)
        # A consumer that returned by itself (or failed) left the connection: close it at the gateway.
        self.end(CLOSE, CLIENT_LEFT)

    async def send(self, message):
        kind = message["type"]
        if kind == "websocket.accept":
            if not self.accepted.done():
                self.accepted.set_result(True)
        elif kind == "websocket.close":
            if not self.accepted.done():
                self.accepted.set_result(False)  # a refused connect: the event view answers 403
                self.end(STOP, message.get("code") or 1000)
            else:
                self.end(CLOSE, message.get("code") or 1000)
        elif kind == "websocket.send" and not self.ended:
            text = message.get("text")
            self.outgoing.put_nowait(text.encode() if text is not None else message.get("bytes", b""))

    # Posting to the gateway

    async def post_outgoing(self):
        """Post the consumer's frames in order, once the ``$connect`` answer is out; end with the connection."""
        try:
            await asyncio.wait_for(self.answered.wait(), CONNECT_TIMEOUT)
        except TimeoutError:
            self._mark_answered()  # the answer was sent and its close never reported: post anyway
        while True:
            item = await self.outgoing.get()
            if item is STOP:
                return
            if item is CLOSE:
                await self.close_at_gateway()
                return
            try:
                delivered = await self.post(item)
            except sender.PayloadTooLarge as exc:
                logger.error("A frame for gateway connection %s was dropped: %s", self.connection_id, exc)
                continue
            except Exception:
                logger.exception("Posting to gateway connection %s failed", self.connection_id)
                continue
            if not delivered:
                # The gateway dropped the socket; its $disconnect may still be on its way.
                await database_sync_to_async(sender.mark_closed)([self.connection_id])
                self.end(STOP, CLIENT_LEFT)
                return

    async def post(self, payload):
        """Post one frame; Gone is retried for a moment right after the connect answer."""
        delay = 0.05
        while True:
            if await sync_to_async(sender.deliver, thread_sensitive=False)(self.connection, payload):
                return True
            if time.monotonic() - self.answered_at > CONNECT_GRACE:
                return False
            await asyncio.sleep(delay)
            delay *= 2

    async def close_at_gateway(self):
        await close_at_gateway(self.connection)


async def close_at_gateway(connection):
    """Close ``connection`` at the gateway (boto3 in a worker thread) and its row; a failed close is logged."""
    try:
        await sync_to_async(sender.disconnect, thread_sensitive=False)(connection)
    except Exception:
        logger.exception("Closing gateway connection %s at the gateway failed", connection.connection_id)
    await database_sync_to_async(sender.mark_closed)([connection.connection_id])


# (channel layer, event loop) -> the relay of that loop.
_relays = {}


class Relay:
    """This process's live gateway connections, and its channel on the layer where other processes reach them.

    Its receive task takes forwarded events (``apigw.frame``, ``apigw.disconnect``) for the connections it
    holds, and the acknowledgements (``apigw.ack``) of the events it forwarded.
    """

    def __init__(self, layer):
        self.layer = layer
        self.channel = None
        self.connections = {}
        self.acks = {}
        self.lock = asyncio.Lock()
        self.task = None

    @classmethod
    async def current(cls):
        """The relay of the running event loop, started on first use."""
        loop = asyncio.get_running_loop()
        for key in [key for key in _relays if key[1].is_closed()]:
            del _relays[key]
        layer = get_channel_layer()
        relay = _relays.get((layer, loop))
        if relay is None:
            relay = _relays[(layer, loop)] = cls(layer)
        await relay.start()
        return relay

    async def start(self):
        """Take a channel on the layer and start reading it (once)."""
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                self.task = asyncio.create_task(
                    self.receive(), name=f"apigw relay {self.channel}", context=contextvars.Context()
                )

    async def receive(self):
        while True:
            try:
                message = await receive_retrying(partial(self.layer.receive, self.channel), self.rejoin)
                await self.handle(message)
            except Exception:
                logger.exception("The gateway relay failed on a message; going on")

    async def rejoin(self):
        """Nothing to rejoin after a layer outage: the relay's channel is in no group."""

    async def handle(self, message):
        kind = message.get("type")
        if kind == "apigw.ack":
            future = self.acks.get(message.get("ack"))
            if future is not None and not future.done():
                future.set_result(message.get("served", False))
            return
        live = self.connections.get(message.get("connection_id"))
        if kind == "apigw.frame":
            if live is not None:
                live.receive_text(message["text"])
            await self.layer.send(
                message["reply_to"], {"type": "apigw.ack", "ack": message["ack"], "served": live is not None}
            )
        elif kind == "apigw.disconnect" and live is not None:
            live.end(CLOSE if message["close"] else STOP, message["code"])

    async def forward(self, owner, connection_id, text):
        """Hand a ``$default`` body to the process ``owner``; whether it holds the connection and took it."""
        ack = uuid.uuid4().hex
        future = self.acks[ack] = asyncio.get_running_loop().create_future()
        try:
            message = {"type": "apigw.frame", "connection_id": connection_id, "text": text}
            await self.layer.send(owner, {**message, "reply_to": self.channel, "ack": ack})
            return await asyncio.wait_for(future, ACK_TIMEOUT)
        except TimeoutError:
            return False
        finally:
            del self.acks[ack]


async def open_connection(scope, connection):
    """Start the consumer of a connection being admitted; the LiveConnection, or None when the consumer refused."""
    relay = await Relay.current()
    live = LiveConnection(relay, scope, connection)
    return live if await live.start() else None


async def owner_channel():
    """The relay channel of this process: the owner of the connections it opens."""
    return (await Relay.current()).channel


async def receive(connection, text):
    """Serve a ``$default`` body: here when this process holds the connection, else at its owner.

    False when nobody holds it any more (its owner is gone): the caller closes the connection.
    """
    relay = await Relay.current()
    live = relay.connections.get(connection.connection_id)
    if live is not None:
        live.receive_text(text)
        return True
    if not connection.owner_channel or connection.owner_channel == relay.channel:
        return False
    return await relay.forward(connection.owner_channel, connection.connection_id, text)


def disconnect_message(connection_id, *, close, code):
    """The layer message that ends a connection's consumer at its owner (``Relay.handle``)."""
    return {"type": "apigw.disconnect", "connection_id": connection_id, "close": close, "code": code}


async def disconnect(connection_id, owner):
    """End the consumer of a connection the gateway reported closed, wherever it runs.

    The owner is not waited for: a gone owner has no consumer left to end.
    """
    relay = await Relay.current()
    live = relay.connections.get(connection_id)
    if live is not None:
        live.end(STOP, CLIENT_LEFT)
    elif owner and owner != relay.channel:
        await relay.layer.send(owner, disconnect_message(connection_id, close=False, code=CLIENT_LEFT))


def end_sessions(connections):
    """From sync code: ``(connection_id, owner_channel)`` pairs whose session ended (logout, password, account).

    Each owner's consumer gets its disconnect and the owner closes the socket at the gateway, as daphne closes
    a browser's socket whose session ended. Sent over the layer, also to this process's own relay, so that it
    works from any thread and from processes that hold no connection (a shell, a management command).
    """
    layer = get_channel_layer()
    for connection_id, owner in connections:
        if not owner:
            continue
        try:
            async_to_sync(layer.send)(owner, disconnect_message(connection_id, close=True, code=SESSION_ENDED))
        except Exception:
            logger.exception("Ending gateway connection %s at its server failed", connection_id)
