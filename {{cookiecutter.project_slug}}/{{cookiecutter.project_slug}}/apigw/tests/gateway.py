"""Requests shaped like API Gateway's HTTP_PROXY integrations, and a browser-like websocket client, for tests."""

import base64
import contextlib
import json
import os
import socket
import struct
from urllib.parse import urlsplit

from asgiref.sync import ThreadSensitiveContext
from django.conf import settings

from {{ cookiecutter.project_slug }}.apigw.checks import configured_secrets
from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.permissions import BasePermission, IsAuthenticated

HOST = "localhost"
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
        "HTTP_HOST": HOST,
        "HTTP_CONNECTIONID": connection_id,
        "HTTP_X_AMZN_APIGATEWAY_API_ID": gateway.api_id,
        "HTTP_X_WS_GATEWAY_SECRET": configured_secrets()[0] if secret is None else secret,
        "HTTP_USER_AGENT": f"AmazonAPIGateway_{gateway.api_id}",
        "HTTP_X_FORWARDED_PROTO": "https",
    }
    headers.update(extra)
    return {name: value for name, value in headers.items() if value is not None}


def gateway_request(client, route, gateway, connection_id, *, body=None, query="", session_key=None, **headers):
    """POST one event to ``apigw/events/<route>`` as the gateway would; ``session_key`` sets the forwarded cookie."""
    if session_key:
        headers.setdefault("HTTP_COOKIE", f"{settings.SESSION_COOKIE_NAME}={session_key}")
    if route == "connect":
        headers.setdefault("HTTP_ORIGIN", ORIGIN)
    url = f"/apigw/events/{route}" + (f"?{query}" if query else "")
    data = json.dumps(body) if body is not None and not isinstance(body, (str, bytes)) else (body or "")
    return client.post(
        url, data=data, content_type="application/json", **gateway_headers(gateway, connection_id, **headers)
    )


async def async_gateway_request(client, route, gateway, connection_id, *, body=None, query="", **headers):
    """``gateway_request`` for Django's AsyncClient, whose view runs on the test's own event loop.

    So a connection's consumer lives as long as the test; the request's host is the test client's. The request
    runs in a ``ThreadSensitiveContext``, as under Django's ASGIHandler: its sync middleware gets a thread of its
    own, not the one the consumers' database work shares.
    """
    if route == "connect":
        headers.setdefault("HTTP_ORIGIN", "http://testserver")
    meta = {**gateway_headers(gateway, connection_id), **headers}
    meta.pop("HTTP_HOST")
    url = f"/apigw/events/{route}" + (f"?{query}" if query else "")
    data = json.dumps(body) if body is not None and not isinstance(body, (str, bytes)) else (body or "")
    names = {name.removeprefix("HTTP_").replace("_", "-").lower(): value for name, value in meta.items()}
    async with ThreadSensitiveContext():
        return await client.post(url, data=data, content_type="application/json", headers=names)


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
