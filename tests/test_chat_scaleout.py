"""The chat demo scaled out: two daphne processes of one baked project, one Redis, one PostgreSQL database.

Twenty clients, spread over both processes, sit in one room and each sends fifty messages as fast as it can.
Every client must receive every message exactly once, each sender's messages in the order they were sent,
and all of them must be in the database. The figures are printed.
"""

import asyncio
import json
import subprocess
import time
from collections import Counter

import pytest
from websockets.asyncio.client import connect

from processes import clean_environment
from variants import ALL_ON

CLIENTS = 20
MESSAGES_PER_CLIENT = 50
SERVERS = 2
DEADLINE = 300  # seconds for the whole exchange
STALL = 30  # seconds without a frame after which a client gives up: something was lost

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
for number in range({clients}):
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


def run(python, project, environment, *args):
    result = subprocess.run(
        [str(python), *args], cwd=project, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"$ python {' '.join(args[:2])}\n{result.stdout}\n{result.stderr}"
    return result.stdout


class ChatClient:
    """One participant: joins the room, subscribes to its messages, sends its own, records what arrives."""

    def __init__(self, number, server, cookie, room):
        self.number = number
        self.server = server
        self.cookie = cookie
        self.room = room
        self.received = []  # (pk, text) of the pushed messages, in arrival order
        self.replies = Counter()  # response_status of this client's own create_message calls
        self.errors = []

    def text(self, sequence):
        return f"client{self.number:02d} message {sequence:02d}"

    async def run(self, everyone_subscribed, total):
        async with connect(
            f"{self.server.ws_url}/ws/chat/room/",
            origin=self.server.url,
            additional_headers={"Cookie": self.cookie},
            max_queue=None,
        ) as socket:
            await socket.send(json.dumps({"action": "join_room", "pk": self.room, "request_id": "presence"}))
            await socket.send(
                json.dumps({"action": "subscribe_to_messages_in_room", "pk": self.room, "request_id": "messages"})
            )
            await self.receive_until(socket, lambda: self.replies["subscribed"] and self.replies["joined"])
            everyone_subscribed.release()
            await everyone_subscribed.wait_all()
            for sequence in range(MESSAGES_PER_CLIENT):
                await socket.send(
                    json.dumps({"action": "create_message", "message": self.text(sequence), "request_id": sequence})
                )
            await self.receive_until(
                socket, lambda: len(self.received) >= total and self.replies[201] == MESSAGES_PER_CLIENT
            )

    async def receive_until(self, socket, done):
        while not done():
            try:
                frame = json.loads(await asyncio.wait_for(socket.recv(), STALL))
            except TimeoutError:
                raise AssertionError(
                    f"client{self.number:02d} heard nothing for {STALL} s after {len(self.received)} messages"
                ) from None
            if frame["response_status"] >= 400:
                self.errors.append(frame)
            elif frame["action"] == "join_room":
                self.replies["joined"] += 1
            elif frame["action"] == "subscribe_to_messages_in_room":
                self.replies["subscribed"] += 1
            elif frame["action"] == "create_message":
                self.replies[frame["response_status"]] += 1
            elif frame["action"] == "create" and frame["request_id"] == "messages":
                self.received.append((frame["data"]["pk"], frame["data"]["text"]))
            if self.errors:
                raise AssertionError(f"client{self.number:02d} got error frames: {self.errors}")


class Barrier:
    """Lets every client finish subscribing before anyone sends, so each can receive all messages."""

    def __init__(self, parties):
        self.waiting = parties
        self.all_in = asyncio.Event()

    def release(self):
        self.waiting -= 1
        if self.waiting == 0:
            self.all_in.set()

    async def wait_all(self):
        await self.all_in.wait()


async def exchange(clients):
    barrier = Barrier(len(clients))
    total = len(clients) * MESSAGES_PER_CLIENT
    await asyncio.wait_for(asyncio.gather(*(client.run(barrier, total) for client in clients)), DEADLINE)


@pytest.mark.timeout(DEADLINE + 300)
def test_chat_scales_out_over_two_processes(bake, project_python, redis_url, postgres_database, serve, record_property):
    project = bake(**ALL_ON)
    slug = project.name
    environment = clean_environment(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=postgres_database(),
        REDIS_URL=redis_url,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        # Each client sends its messages as fast as it can; the flood limit (the project's own tests
        # cover it) is lifted to exactly that many.
        CHAT_RATE_LIMIT=MESSAGES_PER_CLIENT,
    )
    run(project_python, project, environment, "manage.py", "migrate", "--noinput")
    setup = json.loads(run(project_python, project, environment, "-c", SETUP.format(slug=slug, clients=CLIENTS)))
    servers = [serve(project, environment) for _ in range(SERVERS)]
    clients = [
        ChatClient(number, servers[number % SERVERS], cookie, setup["room"])
        for number, cookie in enumerate(setup["cookies"])
    ]

    started = time.perf_counter()
    asyncio.run(exchange(clients))
    seconds = time.perf_counter() - started

    expected = {client.text(sequence) for client in clients for sequence in range(MESSAGES_PER_CLIENT)}
    for client in clients:
        pks = [pk for pk, _ in client.received]
        texts = [text for _, text in client.received]
        assert len(pks) == len(set(pks)) == len(expected), f"client{client.number:02d}: duplicates or losses"
        assert set(texts) == expected
        for sender in clients:
            from_sender = [text for text in texts if text.startswith(f"client{sender.number:02d} ")]
            assert from_sender == [sender.text(sequence) for sequence in range(MESSAGES_PER_CLIENT)]
    stored = json.loads(run(project_python, project, environment, "-c", STORED.format(slug=slug)))
    assert len(stored) == len(expected)
    assert {text for _, text in stored} == expected
    assert all(text.startswith(username) for username, text in stored)

    received = sum(len(client.received) for client in clients)
    record_property(
        "figures",
        f"{SERVERS} daphne processes, Redis, PostgreSQL; {CLIENTS} clients in one room;"
        f" {len(expected)} messages sent, {received} received ({received // CLIENTS} per client),"
        f" {len(stored)} stored; {seconds:.1f} s wall,"
        f" {len(expected) / seconds:.0f} messages/s in, {received / seconds:.0f} deliveries/s out",
    )
