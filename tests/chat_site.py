"""The chat demo of an all-on bake run as in production, and clients that use it over websockets.

``ChatSite.open`` migrates a fresh PostgreSQL database and creates users with session cookies and one room;
the test starts daphne processes on it with the ``serve`` fixture. A ``ChatClient`` is one socket in that
room: it records every frame it receives and how the socket ended, and waits on what it heard, never longer
than a bound. ``logout`` ends a user's session over HTTP, as the site's "Log out" button does.
"""

import asyncio
import http.client
import json
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from processes import clean_environment

STALL = 30  # seconds without a frame after which a waiting client gives up: something was lost

# Run by the project's python in the project directory: users, their session cookies, the room.
SETUP = """
import json

import django

django.setup()

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from {slug}.chat.models import Room

cookies = []
for number in range({users}):
    user = get_user_model().objects.create_user(f"client{{number:02d}}")
    client = Client()
    client.force_login(user)
    cookies.append(f"{{settings.SESSION_COOKIE_NAME}}={{client.cookies[settings.SESSION_COOKIE_NAME].value}}")
room = Room.objects.create(name="scale-out", host=user)
print(json.dumps({{"room": room.pk, "cookies": cookies}}))
"""

# The stored messages, in pk order, as (sender, text).
STORED = """
import json

import django

django.setup()

from {slug}.chat.models import Message

print(json.dumps(list(Message.objects.order_by("pk").values_list("user__username", "text"))))
"""

# Every presence row, expired or not, as (username, channel name, whether it is alive).
PRESENCES = """
import json

import django

django.setup()

from {slug}.chat.models import Presence

alive = set(Presence.objects.alive().values_list("pk", flat=True))
rows = Presence.objects.order_by("pk").values_list("pk", "user__username", "channel_name")
print(json.dumps([(username, channel, pk in alive) for pk, username, channel in rows]))
"""


def run(python, project, environment, *args):
    result = subprocess.run(
        [str(python), *args], cwd=project, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"$ python {' '.join(args[:2])}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@dataclass
class ChatSite:
    """A baked project on its own database, its users (``cookies[n]`` is user ``clientNN``) and its room."""

    python: object
    project: object
    environment: dict
    room: int
    cookies: list

    @classmethod
    def open(cls, python, project, database_url, redis_url, users, pages=False, **settings):
        """Production settings on ``database_url`` and ``redis_url``, plus ``settings`` (environment variables).

        With ``pages``, the static files are collected first, as a deployment does: production pages refer to
        them through the manifest ``collectstatic`` writes (into the project's ``staticfiles/``).
        """
        environment = clean_environment(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_SECURE_SSL_REDIRECT="false",
            **settings,
        )
        run(python, project, environment, "manage.py", "migrate", "--noinput")
        if pages:
            run(python, project, environment, "manage.py", "collectstatic", "--noinput")
        setup = json.loads(run(python, project, environment, "-c", SETUP.format(slug=project.name, users=users)))
        return cls(python, project, environment, setup["room"], setup["cookies"])

    def query(self, script):
        return json.loads(
            run(self.python, self.project, self.environment, "-c", script.format(slug=self.project.name))
        )

    def stored(self):
        """The stored messages, in pk order, as (sender, text)."""
        return self.query(STORED)

    def presences(self):
        """Every presence row as (username, channel name, alive)."""
        return self.query(PRESENCES)


class ChatClient:
    """One participant on one socket (``async with``): records the frames it receives and how the socket ended.

    Its own messages are sent with their text as request id, so each acknowledgement names its message.
    ``close_code`` is set when the server (not the client) ended the connection.
    """

    def __init__(self, number, server, cookie, room):
        self.name = f"client{number:02d}"
        self.server = server
        self.cookie = cookie
        self.room = room
        self.received = []  # (pk, text) of the room's messages pushed to this client, in arrival order
        self.statuses = Counter()  # response_status of this client's create_message replies
        self.acknowledged = []  # texts of this client's messages answered 201, in reply order
        self.errors = []  # every frame with a response_status of 400 or more
        self.joined = self.subscribed = False
        self.present = None  # usernames in the room's latest presence list (join reply or update_users)
        self.close_code = None
        self.closed_at = None  # time.monotonic() when the server's close was seen
        self.heard = asyncio.Event()  # set at every frame and at the close
        self.socket = self.reader = None
        self.leaving = False

    def text(self, sequence):
        return f"{self.name} message {sequence:02d}"

    async def __aenter__(self):
        self.socket = await connect(
            f"{self.server.ws_url}/ws/chat/room/",
            origin=self.server.url,
            additional_headers={"Cookie": self.cookie},
            max_queue=None,
            ping_interval=None,  # silent unless told to speak: a browser sends no pings either
        )
        self.reader = asyncio.create_task(self.read())
        return self

    async def __aexit__(self, *exc_info):
        self.leaving = True
        await self.socket.close()
        await self.reader

    async def read(self):
        try:
            async for raw in self.socket:
                self.take(json.loads(raw))
                self.heard.set()
        except Exception:  # the connection failed: its close code tells how
            pass
        if not self.leaving:
            self.close_code, self.closed_at = self.socket.close_code, time.monotonic()
        self.heard.set()

    def take(self, frame):
        action, status, request_id = frame["action"], frame["response_status"], frame["request_id"]
        if status >= 400:
            self.errors.append(frame)
        if action == "create_message":
            self.statuses[status] += 1
            if status == 201:
                self.acknowledged.append(request_id)
        elif action == "join_room" and status == 200:
            self.joined = True
            self.present = sorted(user["username"] for user in frame["data"]["current_users"])
        elif action == "update_users":
            self.present = sorted(user["username"] for user in frame["data"]["current_users"])
        elif action == "subscribe_to_messages_in_room" and status == 201:
            self.subscribed = True
        elif action == "create" and request_id == "messages":
            self.received.append((frame["data"]["pk"], frame["data"]["text"]))

    async def send(self, action, **kwargs):
        await self.socket.send(json.dumps({"action": action, **kwargs}))

    async def enter(self):
        """Join the room and subscribe to its messages (in that order: reading a room requires having joined)."""
        await self.send("join_room", pk=self.room, request_id="presence")
        await self.send("subscribe_to_messages_in_room", pk=self.room, request_id="messages")
        await self.until(lambda: self.joined and self.subscribed, "joining the room")

    async def say(self, text):
        """Post ``text`` to the room; False if the socket is closed, so that it was not sent."""
        try:
            await self.send("create_message", message=text, request_id=text)
        except ConnectionClosed:
            return False
        return True

    def replied(self):
        """How many of this client's create_message requests were answered."""
        return sum(self.statuses.values())

    async def wait(self, done, quiet=STALL):
        """Wait until ``done()``, the socket closed, or ``quiet`` seconds passed without a frame; return ``done()``."""
        while not done():
            if self.close_code is not None:
                return False
            self.heard.clear()
            try:
                await asyncio.wait_for(self.heard.wait(), quiet)
            except TimeoutError:
                return done()
        return True

    async def until(self, done, what, quiet=STALL):
        """Wait until ``done()``; fail at once on an error frame or on the server closing the socket, and when
        nothing arrives for ``quiet`` seconds."""
        finished = await self.wait(lambda: done() or bool(self.errors), quiet)
        assert not self.errors, f"{self.name} got error frames {what}: {self.errors}"
        assert finished or self.close_code is None, (
            f"{self.name}: the server closed the socket ({self.close_code}) {what}"
        )
        assert finished, f"{self.name} heard nothing for {quiet} s {what} ({len(self.received)} messages received)"


def logout(server, cookie):
    """Log the session of ``cookie`` out the way the site's pages do: GET a page for the CSRF token, POST logout.

    Plain HTTP to a site whose cookies are ``Secure``: cookies are carried by hand, as a proxy ending TLS
    would. Returns the logout response's status.
    """
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request("GET", "/chat/", headers={"Cookie": cookie})
        page = connection.getresponse()
        page.read()
        cookies = SimpleCookie()
        for header in page.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        assert "csrftoken" in cookies, f"GET /chat/ answered {page.status} without a CSRF cookie"
        token = cookies["csrftoken"].value
        connection.request(
            "POST",
            "/accounts/logout/",
            headers={"Cookie": f"{cookie}; csrftoken={token}", "X-CSRFToken": token, "Content-Length": "0"},
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
