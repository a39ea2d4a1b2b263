"""Which request ids a consumer subscribed with, per channel-layer group.

Subscriptions are symmetric: ``join(consumer, groups, request_id)`` is undone
by ``leave(consumer, groups, request_id)`` with the same request id (``None``
included), and by nothing else, so ending one subscription never silences
another. A consumer joins a group with its first subscription and leaves it
with its last, and leaves them all when its socket closes; the process's
``Hub`` is what is in the channel-layer groups.
"""

import json

from .hub import Hub


def _key(request_id):
    """A dict key for any JSON request id (lists and objects are not hashable)."""
    if isinstance(request_id, list | dict):
        return "json:" + json.dumps(request_id, sort_keys=True)
    return request_id


def _subscriptions(consumer):
    """``{group: {key: request_id}}`` of a consumer, created on first use."""
    try:
        return consumer._observer_subscriptions
    except AttributeError:
        consumer._observer_subscriptions = {}
        return consumer._observer_subscriptions


def request_ids(consumer, group):
    """The request ids of the consumer's subscriptions to ``group``; empty when it has none."""
    subscriptions = _subscriptions(consumer).get(group)
    return list(subscriptions.values()) if subscriptions else []


async def join(consumer, groups, request_id=None):
    subscriptions = _subscriptions(consumer)
    first = []
    for group in groups:
        members = subscriptions.setdefault(group, {})
        if not members:
            first.append(group)
        members[_key(request_id)] = request_id
    if first:
        await Hub.of(consumer).join(consumer, first)


async def leave(consumer, groups, request_id=None):
    subscriptions = _subscriptions(consumer)
    key = _key(request_id)
    last = []
    for group in groups:
        members = subscriptions.get(group)
        if not members or key not in members:
            continue
        del members[key]
        if not members:
            del subscriptions[group]
            last.append(group)
    if last:
        await Hub.of(consumer).leave(consumer, last)


async def leave_all(consumer):
    """End every subscription of a consumer whose socket closed: nothing more is delivered to it."""
    consumer.observer_mailbox.close()
    subscriptions = getattr(consumer, "_observer_subscriptions", None)
    if subscriptions:
        groups = list(subscriptions)
        subscriptions.clear()
        await Hub.of(consumer).leave(consumer, groups)
