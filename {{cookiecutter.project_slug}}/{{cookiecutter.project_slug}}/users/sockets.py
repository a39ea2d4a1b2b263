"""Websockets end with the session that opened them.

A websocket is authenticated once, by the session cookie of its handshake; after that Django
never looks at it again. So that logging out, changing the password, deactivating or deleting
the account also ends the sockets, every signed-in socket of the site passes through
``SessionEndMiddleware`` (``config/asgi.py``): it puts a channel of its own in the
user's group, and when ``users.signals`` announce that the user's sessions changed, it checks
this socket's session again. A socket whose session no longer signs in the same active user is
closed with ``SIGNED_OUT_CLOSE_CODE`` and its consumer gets ``websocket.disconnect``, so its cleanup runs
whatever the client does. The channel layer carries the announcement to every process.

A socket signed in by an access token (``socket_tokens``) has no session: it is checked by its token's
account instead, and so ends with a new password, deactivation or deletion, but not with a logout.
"""

import asyncio
import hashlib
import logging
from importlib import import_module

from channels.auth import get_user
from channels.layers import get_channel_layer
from django.conf import settings
from rest_framework.exceptions import AuthenticationFailed

from {{ cookiecutter.project_slug }}.channels_rest.outages import layer_errors, receive_retrying

from .socket_tokens import token_user

logger = logging.getLogger(__name__)

# The close code of a socket whose session ended (4000-4999 are the application's codes).
SIGNED_OUT_CLOSE_CODE = 4401

SESSIONS_CHANGED = "user.sessions.changed"
# What a closing socket sends its own watch so that it ends by itself (see ``SignedInConnection.stop``).
WATCH_ENDS = "user.sessions.watch_ends"


def sessions_group(user_pk):
    """The channel-layer group of a user's sockets (letters, digits, ``-_.`` only: a pk or a UUID)."""
    return f"user.{user_pk}.sessions"


def session_digest(session_key):
    """What crosses the channel layer instead of a session key, which is a credential."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def sessions_changed(ended_session_key=None):
    """The group message: check your session again, or, for a logout, the session that ended."""
    return {"type": SESSIONS_CHANGED, "ended": ended_session_key and session_digest(ended_session_key)}


class SessionEndMiddleware:
    """Closes a signed-in websocket once its session stops signing its user in.

    Anonymous sockets pass straight through. Goes inside ``AuthMiddlewareStack``, which gives
    the scope its ``user`` and ``session``.
    """

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        layer = get_channel_layer()
        if scope["type"] != "websocket" or layer is None or not getattr(user, "is_authenticated", False):
            return await self.inner(scope, receive, send)
        connection = SignedInConnection(scope, receive, send, layer)
        await connection.start()
        try:
            return await self.inner(scope, connection.receive, connection.send)
        finally:
            await connection.stop()


class SignedInConnection:
    """One signed-in socket: its watch on the user's group, and the consumer's side of the socket."""

    def __init__(self, scope, receive, send, layer):
        self.scope = scope
        self.server_receive = receive
        self.server_send = send
        self.layer = layer
        self.group = sessions_group(scope["user"].pk)
        self.messages = asyncio.Queue()  # what the consumer receives: the server's, or the disconnect
        self.signed_out = False
        self.relay_task = self.watch_task = None

    async def start(self):
        # The default prefix: channels-redis reads all of a process's channels of one prefix in one loop.
        self.channel = await self.layer.new_channel()
        # Joined before the consumer runs, so a logout during the handshake is not missed.
        await self.layer.group_add(self.group, self.channel)
        self.relay_task = asyncio.create_task(self.relay(), name=f"websocket relay {self.channel}")
        self.watch_task = asyncio.create_task(self.watch(), name=f"session watch {self.channel}")

    async def stop(self):
        """End the watch by a message on its channel rather than by cancelling its read.

        channels-redis serves all of a process's channels with one shared read; a read cancelled while
        it holds that read was seen to end another socket's read with ``CancelledError``.
        """
        self.relay_task.cancel()
        if not self.watch_task.done():
            try:
                await self.layer.send(self.channel, {"type": WATCH_ENDS})
                await asyncio.wait_for(self.watch_task, 5)
            except Exception:
                self.watch_task.cancel()
        await asyncio.gather(self.relay_task, self.watch_task, return_exceptions=True)
        try:
            await self.layer.group_discard(self.group, self.channel)
        except Exception:
            logger.warning("Could not leave %s; the layer's group expiry will drop the channel", self.group)

    async def receive(self):
        return await self.messages.get()

    async def send(self, message):
        if not self.signed_out:  # once closed, the consumer's last replies go nowhere
            await self.server_send(message)

    async def relay(self):
        while True:
            message = await self.server_receive()
            self.messages.put_nowait(message)
            if message["type"] == "websocket.disconnect":
                return

    async def watch(self):
        # Memberships expire (the layer's group_expiry, a day by default): renewed twice per period.
        renew_every = getattr(self.layer, "group_expiry", 86400) / 2
        while True:
            try:
                # Through a layer outage this waits, logged once per outage, and joins the group again.
                message = await asyncio.wait_for(receive_retrying(self.read, self.join), renew_every)
            except TimeoutError:
                await self.renew()
                continue
            if message.get("type") == WATCH_ENDS:
                return
            if message.get("type") == SESSIONS_CHANGED and await self.session_ended(message):
                await self.sign_out()
                return

    async def read(self):
        return await self.layer.receive(self.channel)

    async def join(self):
        await self.layer.group_add(self.group, self.channel)

    async def renew(self):
        try:
            await self.join()
        except layer_errors():
            pass  # an outage: the next read fails too, and receive_retrying joins again once it ends

    async def session_ended(self, message):
        """Whether this socket's session no longer signs in its user (read again from the session store)."""
        if "auth" in self.scope:
            return await self.token_ended()
        session_key = self.scope["session"].session_key
        if session_key is None:
            return True
        if message.get("ended") is not None:
            return message["ended"] == session_digest(session_key)
        session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        user = await get_user({"session": session})
        return not (user.is_authenticated and user.is_active and user.pk == self.scope["user"].pk)

    async def token_ended(self):
        """Whether the account of this socket's token could no longer use it (the REST API's rules)."""
        try:
            await token_user(self.scope["auth"])
        except AuthenticationFailed:
            return True
        return False

    async def sign_out(self):
        """Close the socket, then end the consumer as if the client had gone."""
        await self.server_send({"type": "websocket.close", "code": SIGNED_OUT_CLOSE_CODE})
        self.signed_out = True
        self.messages.put_nowait({"type": "websocket.disconnect", "code": SIGNED_OUT_CLOSE_CODE})
