"""CPU per operation of one variant's consumer with no server, network or other variant in the way.

    python -m benchapp.cpu {ping,retrieve,list,create,touch} COUNT [--clients 32] [--subscribers 100] [--yappi FILE]

Run like ``benchapp.ormload`` (``BENCH_VARIANT``, ``BENCH_DB``), e.g. through ``bench/profile.py --in-process``.
One process drives the consumer through Channels' ``WebsocketCommunicator``: ``clients`` sockets send
``ping``/``retrieve``/``list``/``create`` concurrently, or one socket ``touch``es an item that ``subscribers``
sockets receive.
Process CPU time is what it measures, so other programs on the machine barely move the figure: the quick
way to check a change in the framework. With ``--yappi`` the CPU time per function is written as JSON.
"""

import argparse
import asyncio
import json
import os
import time

import django


async def open_socket(application):
    from channels.testing import WebsocketCommunicator

    socket = WebsocketCommunicator(application, "/ws/items/")
    connected, _ = await socket.connect()
    if not connected:
        raise SystemExit("the consumer refused the socket")
    return socket


async def request(socket, status, action, **kwargs):
    await socket.send_json_to({"action": action, "request_id": 1, **kwargs})
    reply = await socket.receive_json_from(timeout=10)
    if reply["response_status"] != status:
        raise SystemExit(f"{action}: expected {status}, got {reply}")
    return reply


class Actions:
    def __init__(self, application, action, clients):
        self.application, self.action, self.clients = application, action, clients
        self.sockets = []

    async def open(self):
        self.sockets = [await open_socket(self.application) for _ in range(self.clients)]

    async def run(self, count):
        async def client(socket, numbers):
            for number in numbers:
                if self.action == "ping":
                    await request(socket, 200, "ping")
                elif self.action == "retrieve":
                    await request(socket, 200, "retrieve", pk=1 + number % 1000)
                elif self.action == "list":
                    await request(socket, 200, "list", limit=100, offset=number % 1900)
                else:
                    await request(socket, 201, "create", data={"feed": 0, "name": f"n{number}", "value": number})

        await asyncio.gather(*(client(s, range(i, count, self.clients)) for i, s in enumerate(self.sockets)))
        return count


class Touches:
    def __init__(self, application, subscribers):
        self.application, self.subscribers = application, subscribers
        self.values = iter(range(1, 10**9))

    async def open(self):
        self.publisher = await open_socket(self.application)
        created = await request(self.publisher, 201, "create", data={"feed": 999, "name": "cpu"})
        self.pk = created["data"]["id"]
        self.sockets = [await open_socket(self.application) for _ in range(self.subscribers)]
        for socket in self.sockets:
            await request(socket, 201, "subscribe_feed", feed=999)

    async def run(self, count):
        for _ in range(count):
            value = next(self.values)
            await request(self.publisher, 200, "touch", pk=self.pk, value=value)
            for socket in self.sockets:
                event = await socket.receive_json_from(timeout=10)
                if event["data"]["value"] != value:
                    raise SystemExit(f"unexpected event {event}")
        return count * self.subscribers


async def main(args):
    from benchapp.variants import consumer_class

    application = consumer_class(os.environ["BENCH_VARIANT"]).as_asgi()
    if args.scenario == "touch":
        load = Touches(application, args.subscribers)
    else:
        load = Actions(application, args.scenario, args.clients)
    await load.open()
    await load.run(max(args.count // 10, args.clients))  # warm-up
    if args.yappi:
        import yappi

        yappi.set_clock_type("cpu")
        yappi.start()
    started = time.process_time()
    operations = await load.run(args.count)
    cpu = time.process_time() - started
    result = {"variant": os.environ["BENCH_VARIANT"], "scenario": args.scenario, "cpu_us": cpu / operations * 1e6}
    if args.yappi:
        yappi.stop()
        stats = [
            {"function": f"{s.name} {s.module}:{s.lineno}", "calls": s.ncall / operations,
             "total_us": s.ttot / operations * 1e6, "own_us": s.tsub / operations * 1e6}
            for s in yappi.get_func_stats()
        ]  # fmt: skip
        with open(args.yappi, "w") as output:
            json.dump(sorted(stats, key=lambda s: -s["total_us"]), output, indent=0)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=["ping", "retrieve", "list", "create", "touch"])
    parser.add_argument("count", type=int)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--yappi")
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchapp.settings")
    django.setup()
    print(json.dumps(asyncio.run(main(arguments))))
