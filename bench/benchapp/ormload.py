"""ORM rows/s loading ``Item`` (observed by one variant) against ``PlainItem`` (observed by nobody).

``python -m benchapp.ormload ROWS REPEATS`` with ``BENCH_VARIANT`` and ``BENCH_DB`` set prints one JSON
object: the median rows/s of each model over REPEATS alternating loads. A socket subscribes through the
variant's consumer first, so an observer that would connect its signals only on first use is measured
connected, as it is in a serving process.
"""

import asyncio
import json
import os
import statistics
import sys
import time

import django


def rows_per_second(model, rows):
    started = time.perf_counter()
    loaded = list(model.objects.order_by("pk")[:rows])
    elapsed = time.perf_counter() - started
    if len(loaded) != rows:
        raise SystemExit(f"{model.__name__}: {len(loaded)} rows in the database, {rows} expected")
    return rows / elapsed


def measure(rows, repeats):
    from benchapp.models import Item, PlainItem

    samples = {"observed": [], "unobserved": []}
    for _ in range(repeats):
        samples["observed"].append(rows_per_second(Item, rows))
        samples["unobserved"].append(rows_per_second(PlainItem, rows))
    return {name: statistics.median(values) for name, values in samples.items()}


async def main(rows, repeats):
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from benchapp.variants import consumer_class

    communicator = WebsocketCommunicator(consumer_class(os.environ["BENCH_VARIANT"]).as_asgi(), "/ws/items/")
    connected, _ = await communicator.connect()
    if not connected:
        raise SystemExit("the consumer refused the socket")
    await communicator.send_json_to({"action": "subscribe_feed", "request_id": 1, "feed": 0})
    reply = await communicator.receive_json_from(timeout=10)
    if reply.get("response_status") != 201:
        raise SystemExit(f"subscribe_feed failed: {reply}")
    try:
        return await database_sync_to_async(measure)(rows, repeats)
    finally:
        await communicator.disconnect()


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchapp.settings")
    django.setup()
    print(json.dumps(asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))))
