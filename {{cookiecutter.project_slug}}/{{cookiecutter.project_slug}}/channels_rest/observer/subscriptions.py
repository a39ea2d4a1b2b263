"""Which request ids a consumer subscribed with, per channel-layer group.

Subscriptions are symmetric: ``join(consumer, groups, request_id)`` is undone
by ``leave(consumer, groups, request_id)`` with the same request id (``None``
included), and by nothing else, so ending one subscription never silences
another. A consumer joins a group with its first subscription and leaves it
with its last, and leaves them all when its socket closes; the process's
``Hub`` is what is in the channel-layer groups.

A subscription is one (group, request id) pair: subscribing again with the same request id changes
nothing, so each event still gives one frame per request id. A socket holds at most
``MAX_SUBSCRIPTIONS_PER_CONNECTION`` of them; ``join`` refuses more with ``TooManySubscriptions`` (429).
"""

import contextlib
import json

from ..exceptions import TooManySubscriptions
from ..settings import api_settings
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
    """Add the subscription; if the layer refuses (an outage), none of it is kept, so a retry starts clean."""
    subscriptions = _subscriptions(consumer)
    key = _key(request_id)
    added = [group for group in dict.fromkeys(groups) if key not in subscriptions.get(group, ())]
    limit = api_settings.MAX_SUBSCRIPTIONS_PER_CONNECTION
    if limit is not None and added and sum(map(len, subscriptions.values())) + len(added) > limit:
        raise TooManySubscriptions(limit)
    first = [group for group in added if not subscriptions.get(group)]
    for group in added:
        subscriptions.setdefault(group, {})[key] = request_id
    if not first:
        return
    hub = Hub.of(consumer)
    try:
        await hub.join(consumer, first)
    except BaseException:
        _forget(subscriptions, added, key)
        # The layer is away: the hub's groups expire there, and no local consumer gets their messages.
        with contextlib.suppress(Exception):
            await hub.leave(consumer, first)
        raise


def _forget(subscriptions, groups, key):
    for group in groups:
        members = subscriptions.get(group)
        if members is not None:
            members.pop(key, None)
            if not members:
                del subscriptions[group]


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
