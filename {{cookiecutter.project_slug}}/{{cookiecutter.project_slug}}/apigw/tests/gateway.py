"""Requests shaped like API Gateway's HTTP_PROXY integrations, and a browser-like websocket client, for tests."""

import asyncio
import base64
import contextlib
import json
import os
import socket
import struct
import threading
from urllib.parse import urlsplit

from asgiref.sync import ThreadSensitiveContext
from django.test import AsyncClient

from {{ cookiecutter.project_slug }}.apigw import bridge
from {{ cookiecutter.project_slug }}.apigw.checks import configured_secrets
from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.permissions import BasePermission, IsAuthenticated

# The host of Django's test clients, which the AsyncClient always sends.
HOST = "testserver"
# The consumers the tests serve through the gateway (settings.APIGW_CHANNELS), whatever options were baked.
TEST_CHANNELS = {
    "account": "{{ cookiecutter.project_slug }}.apigw.tests.gateway.AccountConsumer",
    "closed": "{{ cookiecutter.project_slug }}.apigw.tests.gateway.ClosedConsumer",
    "team": "{{ cookiecutter.project_slug }}.apigw.tests.gateway.TeamConsumer",
}
ORIGIN = f"http://{HOST}"


class AccountConsumer(AsyncAPIConsumer):
    """Signed-in sockets only; ``whoami`` answers with the user of the scope."""

    permission_classes = [IsAuthenticated]

    @action()
    async def whoami(self, **kwargs):
        return {"username": self.scope["user"].get_username()}, 200


class RefuseAll(BasePermission):
    async def can_connect(self, scope, consumer, message=None):
        return False


class ClosedConsumer(AsyncAPIConsumer):
    """A consumer nobody may connect to: a channel name is never authorization."""

    permission_classes = [RefuseAll]


class TeamConsumer(AsyncAPIConsumer):
    """Says hello while connecting, joins groups, and hands their ``team.notice`` messages to its client.

    State kept on the instance (``joined``) and group membership show whether a connection keeps its consumer.
    """

    permission_classes = [IsAuthenticated]

    async def connect(self):
        await super().connect()
        self.joined = []
        await self.send_json({"type": "hello"})

    @action()
    async def join(self, group, **kwargs):
        await self.add_group(group)
        self.joined.append(group)
        return {"joined": self.joined}, 200

    @action()
    async def shout(self, group, text, **kwargs):
        await self.channel_layer.group_send(group, {"type": "team.notice", "text": text})
        return {"shouted": text}, 200

    @action()
    async def leave(self, **kwargs):
        await self.close()

    async def team_notice(self, event):
        await self.send_json({"type": "notice", "text": event["text"]})


def gateway_headers(gateway, connection_id, *, secret=None, **extra):
    """The headers the gateway adds to every event (``Connectionid`` from ``context.connectionId``)."""
    headers = {
        "HTTP_CONNECTIONID": connection_id,
        "HTTP_X_AMZN_APIGATEWAY_API_ID": gateway.api_id,
        "HTTP_X_WS_GATEWAY_SECRET": configured_secrets()[0] if secret is None else secret,
        "HTTP_USER_AGENT": f"AmazonAPIGateway_{gateway.api_id}",
        "HTTP_X_FORWARDED_PROTO": "https",
    }
    headers.update(extra)
    return {name: value for name, value in headers.items() if value is not None}


async def async_gateway_request(client, route, gateway, connection_id, *, body=None, query="", **headers):
    """POST one event to ``apigw/events/<route>`` as the gateway would, with Django's AsyncClient.

    The view runs on the caller's event loop, so a connection's consumer lives as long as that loop. The
    request runs in a ``ThreadSensitiveContext``, as under Django's ASGIHandler: its sync middleware gets a
    thread of its own, not the one the consumers' database work shares.
    """
    if route == "connect":
        headers.setdefault("HTTP_ORIGIN", ORIGIN)
    meta = gateway_headers(gateway, connection_id, **headers)
    url = f"/apigw/events/{route}" + (f"?{query}" if query else "")
    data = json.dumps(body) if body is not None and not isinstance(body, (str, bytes)) else (body or "")
    names = {name.removeprefix("HTTP_").replace("_", "-").lower(): value for name, value in meta.items()}
    async with ThreadSensitiveContext():
        return await client.post(url, data=data, content_type="application/json", headers=names)


async def stop_relay(relay):
    """Stop a relay as its process would stop: its consumers get their disconnect, its reading ends.

    A cancelled channels-redis receive can swallow the cancellation (redis-py retries the interrupted read), so
    the relay's task is cancelled until it is done.
    """
    for live in list(relay.connections.values()):
        live.end(bridge.STOP, bridge.CLIENT_LEFT)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(live.consumer_task), 5)
    while not relay.task.done():
        relay.task.cancel()
        await asyncio.wait([relay.task], timeout=0.5)


async def stop_relays_of_this_loop():
    loop = asyncio.get_running_loop()
    for (_layer, relay_loop), relay in list(bridge._relays.items()):
        if relay_loop is loop:
            await stop_relay(relay)


class ServerLoop:
    """The event loop of one server process (daphne's), in a thread of the test process.

    The event view starts a connection's consumer on the loop that serves its ``$connect``, and under a server
    that loop lasts as long as the process. Django's sync test Client would run each request on a loop of its
    own that ends with the request, taking the consumer with it; sync tests post their events here instead.
    ``stop()`` ends the loop as a process ends: its relays stop first. Two of them are two processes.
    """

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="server loop", daemon=True)
        self.thread.start()

    def run(self, coroutine, timeout=30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def post(self, client, route, gateway, connection_id, **kwargs):
        """``async_gateway_request`` on this loop, with the cookies of ``client`` (a sync test Client)."""

        async def request():
            async_client = AsyncClient()
            async_client.cookies = client.cookies
            return await async_gateway_request(async_client, route, gateway, connection_id, **kwargs)

        return self.run(request())

    def stop(self):
        if self.loop.is_closed():
            return
        self.run(stop_relays_of_this_loop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


class BrowserSocket:
    """A minimal blocking websocket client (masked text frames), standing in for a browser in tests."""

    def __init__(self, url, *, headers=None, timeout=10):
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        lines = [
            f"GET {target} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name}: {value}" for name, value in (headers or {}).items()),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            head += chunk
        self.status = int(head.split(b" ", 2)[1]) if head else 0
        self.buffer = head.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in head else b""

    def _read(self, size):
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("socket closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def send_frame(self, opcode, payload):
        mask = os.urandom(4)
        size = len(payload)
        head = bytes([0x80 | opcode])
        if size < 126:
            head += bytes([0x80 | size])
        elif size < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack("!H", size)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", size)
        self.sock.sendall(head + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload)))

    def send_json(self, data):
        self.send_frame(0x1, json.dumps(data).encode())

    def receive_json(self):
        first, second = self._read(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", self._read(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", self._read(8))
        payload = self._read(size)
        if first & 0x0F != 0x1:
            raise ConnectionError(f"expected a text frame, got opcode {first & 0x0F}")
        return json.loads(payload)

    def close(self):
        self.send_frame(0x8, struct.pack("!H", 1000))
        with contextlib.suppress(ConnectionError, OSError):
            self._read(2)
        self.sock.close()
