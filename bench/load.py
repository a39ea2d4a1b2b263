"""The load generator: identical websocket traffic for every variant, from one asyncio client process.

All sockets speak the framework envelope (``ApiSocket``). ``ActionLoad`` keeps one request in flight per
socket; ``FanOut`` saves an item through a publisher socket and waits until each of K subscribed sockets
has received the change. Latency runs from the server's clock just before the save (``Item.stamp``) to
the moment the last of the K sockets has the frame.
"""

import asyncio
import itertools
import json
import math
import random
import time

import websockets
from websockets.asyncio.client import connect

# AllowedHostsOriginValidator refuses sockets without an Origin from an allowed host.
ORIGIN = "http://127.0.0.1"
REPLY_TIMEOUT = 30
EVENT_TIMEOUT = 10
# Rows per reply of the ``list`` scenario.
PAGE = 100


class LoadError(Exception):
    """A reply or an event that the benchmark did not expect: the variant's figures would be meaningless."""


class ApiSocket:
    """One websocket: requests are matched to replies by request_id, every other frame is an event."""

    def __init__(self, connection, on_event=None):
        self.connection = connection
        self.on_event = on_event
        self.pending = {}
        self.request_ids = itertools.count(1)
        self.reader = asyncio.create_task(self.read())

    @classmethod
    async def open(cls, url, on_event=None):
        connection = await connect(
            url, origin=ORIGIN, compression=None, proxy=None, ping_interval=None, max_queue=None, close_timeout=2
        )
        return cls(connection, on_event)

    async def read(self):
        try:
            async for raw in self.connection:
                frame = json.loads(raw)
                waiter = self.pending.pop(frame.get("request_id"), None)
                if waiter is not None:
                    waiter.set_result(frame)
                elif self.on_event is not None:
                    self.on_event(frame)
        except websockets.ConnectionClosed:
            pass
        finally:
            for waiter in self.pending.values():
                if not waiter.done():
                    waiter.set_exception(LoadError("the server closed the socket"))

    async def request(self, action, **kwargs):
        request_id = next(self.request_ids)
        waiter = asyncio.get_running_loop().create_future()
        self.pending[request_id] = waiter
        await self.connection.send(json.dumps({"action": action, "request_id": request_id, **kwargs}))
        return await asyncio.wait_for(waiter, REPLY_TIMEOUT)

    async def expect(self, status, action, **kwargs):
        reply = await self.request(action, **kwargs)
        if reply.get("response_status") != status:
            raise LoadError(f"{action}: expected {status}, got {reply}")
        return reply

    async def close(self):
        await self.connection.close()
        await self.reader


async def open_sockets(url, count, on_event=None):
    return await asyncio.gather(*(ApiSocket.open(url, on_event) for _ in range(count)))


async def close_sockets(sockets):
    await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)


def percentile(sorted_values, fraction):
    """Nearest rank: the smallest value with at least ``fraction`` of the samples at or below it."""
    return sorted_values[max(1, math.ceil(fraction * len(sorted_values))) - 1]


class ActionLoad:
    """``clients`` sockets, each sending its next request as soon as the previous reply is in."""

    def __init__(self, url, clients, seeded_rows):
        self.url = url
        self.clients = clients
        self.seeded_rows = seeded_rows
        self.sockets = []
        self.created = itertools.count(1)

    async def open(self):
        self.sockets = await open_sockets(self.url, self.clients)

    async def close(self):
        await close_sockets(self.sockets)

    def ping(self):
        return "ping", 200, {}

    def retrieve(self):
        return "retrieve", 200, {"pk": random.randint(1, self.seeded_rows)}

    def list(self):
        """One page of ``PAGE`` items at a random offset."""
        return "list", 200, {"limit": PAGE, "offset": random.randint(0, self.seeded_rows - PAGE)}

    def create(self):
        number = next(self.created)
        return "create", 201, {"data": {"feed": 0, "name": f"created {number}", "value": number}}

    async def round(self, request, duration):
        """Completed requests per second over ``duration``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + duration
        completed = 0

        async def client(socket):
            nonlocal completed
            while loop.time() < deadline:
                action, status, kwargs = request()
                await socket.expect(status, action, **kwargs)
                if loop.time() <= deadline:
                    completed += 1

        await asyncio.gather(*(client(socket) for socket in self.sockets))
        return {"rate": completed / duration, "ops": completed}


class FanOut:
    """A publisher socket saving one item of ``feed`` and ``subscribers`` sockets subscribed to that feed."""

    def __init__(self, url, subscribers, feed, window):
        self.url = url
        self.subscribers = subscribers
        self.feed = feed
        self.window = window
        self.sequence = itertools.count(1)
        self.outstanding = {}  # value saved -> [sockets that have it, future of the latency]
        self.publisher = None
        self.sockets = []
        self.item_pk = None

    async def open(self):
        self.publisher = await ApiSocket.open(self.url)
        created = await self.publisher.expect(201, "create", data={"feed": self.feed, "name": f"feed {self.feed}"})
        self.item_pk = created["data"]["id"]
        self.sockets = await open_sockets(self.url, self.subscribers, self.on_event)
        await asyncio.gather(*(socket.expect(201, "subscribe_feed", feed=self.feed) for socket in self.sockets))

    async def close(self):
        await close_sockets([self.publisher, *self.sockets])

    def on_event(self, frame):
        received = time.time()
        data = frame.get("data") or {}
        tracker = self.outstanding.get(data.get("value"))
        if tracker is None or frame.get("action") != "update" or data.get("id") != self.item_pk:
            return
        tracker[0] += 1
        if tracker[0] == self.subscribers:
            tracker[1].set_result(received - data["stamp"])

    async def round(self, duration):
        """Deliveries/s and latency percentiles (ms) with ``window`` saves in flight for ``duration``."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + duration
        latencies = []
        lost = 0

        async def publish():
            nonlocal lost
            while loop.time() < deadline:
                value = next(self.sequence)
                delivered = loop.create_future()
                self.outstanding[value] = [0, delivered]
                try:
                    await self.publisher.expect(200, "touch", pk=self.item_pk, value=value)
                    latencies.append(await asyncio.wait_for(delivered, EVENT_TIMEOUT))
                except TimeoutError:
                    lost += 1
                finally:
                    del self.outstanding[value]

        await asyncio.gather(*(publish() for _ in range(self.window)))
        elapsed = loop.time() - started
        if not latencies:
            raise LoadError(f"no save reached all {self.subscribers} sockets ({lost} lost)")
        latencies.sort()
        return {
            "rate": len(latencies) * self.subscribers / elapsed,
            "ops": len(latencies) * self.subscribers,
            "p50": percentile(latencies, 0.50) * 1000,
            "p99": percentile(latencies, 0.99) * 1000,
            "lost": lost,
        }
