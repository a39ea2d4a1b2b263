"""Serving gateway events with the site's own ``channels_rest`` consumers, through their ASGI surface.

A channel (``?channel=`` on ``$connect``) names a consumer class in ``APIGW_CHANNELS``. For each event a fresh
instance of that class runs a short ASGI conversation: ``websocket.connect``, then the frame as
``websocket.receive``, then ``websocket.disconnect`` once the frame has been dispatched. Everything the
consumer sends (``websocket.send``) is collected and posted back to the connection by the caller, after the
event. The consumer is unchanged: actions, permissions, validation and error frames are its own.

Each event is served by a new instance, so instance state (joined groups, observer subscriptions) does not
outlive the event; group events reaching gateway connections need the channel-layer relay.
"""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from channels.layers import channel_layers, get_channel_layer
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.module_loading import import_string

# An event must finish well inside API Gateway's 29 s integration timeout.
EVENT_TIMEOUT = 20
# The channel-layer alias of the consumers that serve gateway events (``SendingLayer``).
SENDING_LAYER_ALIAS = "apigw-bridge"


class SendingLayer:
    """The site's channel layer as a consumer serving one gateway event uses it: it sends and never receives.

    Each event is served on an event loop of its own (``run``) while the process's own loop keeps receiving
    from the layer, and channels-redis refuses receives on one layer from two loops at once. The event's
    consumer has nothing to receive: a frame comes in, its replies go out, and its sends (``group_send``,
    observer messages) reach the layer like anyone's.
    """

    def __getattr__(self, name):
        return getattr(get_channel_layer(), name)

    async def receive(self, channel):
        await asyncio.Event().wait()


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


class Conversation:
    """One ASGI conversation with a consumer: the messages it is given, and what it answers."""

    def __init__(self, frame=None):
        self.incoming = [{"type": "websocket.connect"}]
        if frame is not None:
            self.incoming.append({"type": "websocket.receive", "text": frame})
        self.accepted = False
        self.closed = False
        self.replies = []

    async def receive(self):
        # The consumer asks for the next message only once the previous one was dispatched, so the
        # disconnect comes after the frame was served, or right after the consumer closed the socket.
        if self.incoming and not self.closed:
            return self.incoming.pop(0)
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(self, message):
        kind = message["type"]
        if kind == "websocket.accept":
            self.accepted = True
        elif kind == "websocket.close":
            self.closed = True
        elif kind == "websocket.send":
            text = message.get("text")
            self.replies.append(json.loads(text) if text is not None else message.get("bytes"))


async def converse(scope, frame=None):
    """Run the channel's consumer for one event; returns the finished Conversation."""
    consumer = consumer_class(scope["apigw"]["channel"])()
    # Read by the consumer when it starts; the alias is registered again after settings changes reset the layers.
    channel_layers.backends.setdefault(SENDING_LAYER_ALIAS, SendingLayer())
    consumer.channel_layer_alias = SENDING_LAYER_ALIAS
    conversation = Conversation(frame)
    await asyncio.wait_for(consumer(scope, conversation.receive, conversation.send), EVENT_TIMEOUT)
    return conversation


def run(coroutine):
    """Run a bridge coroutine from a sync view, on an event loop in a thread of its own.

    The consumer treats the connection as a fresh socket: its handshake closes stale database connections
    (Channels' ``close_old_connections``). In the request's thread that would close the request's own
    connection, inside its transaction; in a separate thread the consumer's database work uses connections
    of its own and the request's stays untouched.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="apigw-bridge") as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def can_connect(scope):
    """Whether the channel's consumer accepts this connection (its permissions' ``can_connect``)."""
    conversation = await converse(scope)
    return conversation.accepted and not conversation.closed


async def serve_frame(scope, body):
    """Dispatch the ``$default`` body (text) through the consumer; returns the frames to post back."""
    conversation = await converse(scope, body)
    if not conversation.accepted:
        return []
    return conversation.replies
