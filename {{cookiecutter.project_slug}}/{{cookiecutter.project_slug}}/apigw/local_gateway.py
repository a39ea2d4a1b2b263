"""A loopback stand-in for API Gateway's WebSocket API, for development and tests (``manage.py apigw_local``).

It holds the browsers' websockets and turns each event into the HTTP POST an HTTP_PROXY integration sends
(``$connect`` with the handshake's Cookie, Origin and query string, ``$default`` per frame, ``$disconnect``
on close) to ``<target>/apigw/events/<route>``. On the same port it serves the management API
(``POST /{stage}/@connections/{id}`` to send, ``DELETE`` to close), so the site's real boto3 calls reach the
browser, or get 410 GoneException for a socket that is gone. Written on asyncio and the standard library only
(RFC 6455 text frames, ping/pong, close); it never leaves 127.0.0.1 unless told to.
"""

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import secrets
import struct
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# API Gateway's own limits: a frame of 32 KB, a message of 128 KB.
MAX_FRAME_BYTES = 32 * 1024
MAX_MESSAGE_BYTES = 128 * 1024
MAX_HEAD_BYTES = 16 * 1024
# The integration timeout of API Gateway.
INTEGRATION_TIMEOUT = 29
OPCODE_CONTINUATION, OPCODE_TEXT, OPCODE_BINARY, OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class ProtocolError(Exception):
    """A client that does not speak RFC 6455 (or breaks API Gateway's limits): the socket is closed."""


@dataclass
class Counts:
    connections: int = 0
    refused: int = 0
    to_site: int = 0
    to_browser: int = 0
    closed_by_site: int = 0
    gone: int = 0

    def summary(self):
        return (
            f"connections {self.connections} (refused {self.refused}, closed by the site {self.closed_by_site}), "
            f"messages to the site {self.to_site}, to browsers {self.to_browser}, Gone answers {self.gone}"
        )


@dataclass
class Socket:
    connection_id: str
    writer: asyncio.StreamWriter
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    open: bool = True

    async def send(self, opcode, payload):
        async with self.lock:
            self.writer.write(encode_frame(opcode, payload))
            await self.writer.drain()


def encode_frame(opcode, payload):
    """A final, unmasked server frame."""
    head = bytes([0x80 | opcode])
    size = len(payload)
    if size < 126:
        head += bytes([size])
    elif size < 1 << 16:
        head += bytes([126]) + struct.pack("!H", size)
    else:
        head += bytes([127]) + struct.pack("!Q", size)
    return head + payload


async def read_frame(reader):
    """``(fin, opcode, payload)`` of one masked client frame."""
    first, second = await reader.readexactly(2)
    if not second & 0x80:
        raise ProtocolError("client frames must be masked")
    size = second & 0x7F
    if size == 126:
        (size,) = struct.unpack("!H", await reader.readexactly(2))
    elif size == 127:
        (size,) = struct.unpack("!Q", await reader.readexactly(8))
    if size > MAX_FRAME_BYTES:
        raise ProtocolError("frame over 32 KB")
    mask = await reader.readexactly(4)
    data = await reader.readexactly(size)
    return bool(first & 0x80), first & 0x0F, bytes(byte ^ mask[index % 4] for index, byte in enumerate(data))


def accept_key(key):
    return base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()


async def read_head(reader):
    """``(method, target, headers)`` of an HTTP/1.1 request head (header names lower-cased)."""
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEAD_BYTES:
        raise ProtocolError("request head too large")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return method, target, headers


def respond(writer, status, body=b"", headers=()):
    reason = HTTPStatus(status).phrase
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}", "Connection: close", *headers]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


class LocalGateway:
    """The gateway: ``await start()``, then ``port``; ``await stop()``; ``counts`` says what went through."""

    def __init__(self, *, target, secret, api_id="local", stage="local", host="127.0.0.1", port=0):
        self.target = target.rstrip("/")
        self.secret = secret
        self.api_id = api_id
        self.stage = stage
        self.host = host
        self.port = port
        self.sockets = {}
        self.counts = Counts()
        self.server = None
        self.handlers = set()

    @property
    def management_endpoint(self):
        """The value for the site's APIGW_MANAGEMENT_ENDPOINT."""
        return f"http://{self.host}:{self.port}/{self.stage}"

    async def start(self):
        self.server = await asyncio.start_server(self.handle, self.host, self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self):
        for socket in list(self.sockets.values()):
            socket.writer.close()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        for handler in self.handlers:
            handler.cancel()
        await asyncio.gather(*self.handlers, return_exceptions=True)

    async def handle(self, reader, writer):
        handler = asyncio.current_task()
        self.handlers.add(handler)
        try:
            method, target, headers = await read_head(reader)
            if headers.get("upgrade", "").lower() == "websocket":
                await self.serve_websocket(reader, writer, target, headers)
            elif method in ("POST", "DELETE") and urlsplit(target).path.startswith(f"/{self.stage}/@connections/"):
                await self.serve_management(method, reader, writer, target, headers)
            else:
                respond(writer, 404, b'{"message": "Not Found"}')
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ProtocolError, ValueError):
            pass
        finally:
            self.handlers.discard(handler)
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            writer.close()

    # The management API

    async def serve_management(self, method, reader, writer, target, headers):
        size = int(headers.get("content-length", "0"))
        if size > MAX_MESSAGE_BYTES:
            respond(writer, 413, b'{"message": "Payload too large"}', ["x-amzn-ErrorType: PayloadTooLargeException"])
            return
        body = await reader.readexactly(size)
        connection_id = unquote(urlsplit(target).path.rsplit("/", 1)[-1])
        socket = self.sockets.get(connection_id)
        if socket is None or not socket.open:
            self.counts.gone += 1
            respond(writer, 410, b'{"message": "Gone"}', ["x-amzn-ErrorType: GoneException"])
            return
        if method == "DELETE":
            # As API Gateway does: the browser's socket is closed, then $disconnect is sent to the site.
            socket.open = False
            await socket.send(OPCODE_CLOSE, struct.pack("!H", 1000))
            socket.writer.close()
            self.counts.closed_by_site += 1
            respond(writer, 204)
            return
        await socket.send(OPCODE_TEXT, body)
        self.counts.to_browser += 1
        respond(writer, 200)

    # The websockets

    def integration_headers(self, connection_id, browser_headers=None):
        """The headers an HTTP_PROXY integration adds (``connectionId`` from ``context.connectionId``)."""
        headers = {
            "Host": urlsplit(self.target).netloc,
            "Connectionid": connection_id,
            "X-Amzn-Apigateway-Api-Id": self.api_id,
            "X-Ws-Gateway-Secret": self.secret,
            "User-Agent": f"AmazonAPIGateway_{self.api_id}",
            "X-Forwarded-Proto": "http",
            "X-Forwarded-For": "127.0.0.1",
            "Content-Type": "application/json",
        }
        for name in ("cookie", "origin", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions"):
            if browser_headers and name in browser_headers:
                headers[name.title()] = browser_headers[name]
        return headers

    async def integrate(self, route, connection_id, body=b"", query="", browser_headers=None):
        """POST one event to the site; returns the HTTP status."""
        url = f"{self.target}/apigw/events/{route}" + (f"?{query}" if query else "")
        request = urllib.request.Request(
            url, data=body, method="POST", headers=self.integration_headers(connection_id, browser_headers)
        )

        def call():
            try:
                with urllib.request.urlopen(request, timeout=INTEGRATION_TIMEOUT) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                logger.info("%s for %s: %s %s", route, connection_id, error.code, error.read()[:300])
                return error.code
            except (urllib.error.URLError, TimeoutError) as error:
                logger.warning("%s for %s failed: %s", route, connection_id, error)
                return 502

        return await asyncio.to_thread(call)

    async def serve_websocket(self, reader, writer, target, headers):
        key = headers.get("sec-websocket-key")
        if not key:
            respond(writer, 400)
            return
        connection_id = secrets.token_urlsafe(12) + "="
        status = await self.integrate("connect", connection_id, query=urlsplit(target).query, browser_headers=headers)
        if not 200 <= status < 300:
            self.counts.refused += 1
            respond(writer, 403 if status < 500 else 502)
            return
        writer.write(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        socket = Socket(connection_id, writer)
        self.sockets[connection_id] = socket
        self.counts.connections += 1
        try:
            await self.relay_frames(reader, socket)
        finally:
            socket.open = False
            await self.integrate("disconnect", connection_id)

    async def relay_frames(self, reader, socket):
        """Each text message from the browser becomes a ``$default`` event, until the socket closes."""
        message = b""
        while True:
            fin, opcode, payload = await read_frame(reader)
            if opcode == OPCODE_PING:
                await socket.send(OPCODE_PONG, payload)
                continue
            if opcode == OPCODE_PONG:
                continue
            if opcode == OPCODE_CLOSE:
                await socket.send(OPCODE_CLOSE, payload[:2])
                return
            if opcode == OPCODE_BINARY:
                raise ProtocolError("binary frames are not supported")
            message += payload
            if len(message) > MAX_MESSAGE_BYTES:
                raise ProtocolError("message over 128 KB")
            if not fin:
                continue
            self.counts.to_site += 1
            status = await self.integrate("default", socket.connection_id, body=message)
            if status >= 400 and socket.open:
                await socket.send(OPCODE_TEXT, json.dumps({"message": "Internal server error"}).encode())
            message = b""
