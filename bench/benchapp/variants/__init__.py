"""Three ways of serving the same websocket API at ``ws/items/``; a server process loads exactly one.

Actions (the framework envelope: ``{"action", "request_id", ...kwargs}`` in,
``{"action", "errors", "data", "response_status", "request_id"}`` out):

- ``ping()`` -> 200: no work at all, so its cost is the consumer's own cost per message;
- ``retrieve(pk)`` -> 200 with the item;
- ``create(data)`` -> 201 with the new item;
- ``list(limit, offset)`` -> 200 with one page of items by pk: ``{"count", "results", "limit", "offset"}``
  (the frameworks' ``PaginatedModelListMixin`` with ``WebsocketLimitOffsetPagination``);
- ``subscribe_feed(feed)`` -> 201; from then on every save of an item of that feed arrives as a frame
  ``{"action": "create" | "update", "data": item, "response_status": 200, "request_id": <of the subscribe>}``;
- ``touch(pk, value)`` -> 200 after saving ``value`` and the current time (``Item.touch``).

Each variant observes ``Item`` saves; loading ``PlainItem`` rows never involves any of them.
"""

import importlib

VARIANTS = {
    "channels": "benchapp.variants.channels",
    "framework": "benchapp.variants.framework",
    "dcrf": "benchapp.variants.dcrf",
}


def consumer_class(variant):
    """Import the variant's module (which connects its observers) and return its consumer."""
    return importlib.import_module(VARIANTS[variant]).ItemConsumer
