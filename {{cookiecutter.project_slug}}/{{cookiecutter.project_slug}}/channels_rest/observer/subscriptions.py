"""A consumer's observer subscriptions, in one object the observer layer owns.

``Subscriptions.of(consumer)`` is created with the consumer's first subscription and lives as long as the
consumer; the consumer itself knows nothing of it beyond the cleanup it registers (``add_cleanup``), which
ends every subscription when the connection ends, however it ends.

A subscription is one (group, request id) pair. Subscriptions are symmetric: ``join(groups, request_id)`` is
undone by ``leave(groups, request_id)`` with the same request id (``None`` included), and by nothing else,
so ending one subscription never silences another; subscribing again with the same request id changes
nothing, so each event still gives one frame per request id. Each group also keeps the ``context`` of its
first subscription (the subscription mixins keep the subscribing action and its arguments there, to ask the
same permissions before each delivery). The consumer's groups are joined on the channel layer by the
process's ``Hub``, with its first subscription of a group, and left with its last.

A socket holds at most ``MAX_SUBSCRIPTIONS_PER_CONNECTION`` subscriptions; ``join`` refuses more with
``TooManySubscriptions`` (429).
"""

import contextlib
import json
import weakref

from ..exceptions import TooManySubscriptions
from ..settings import api_settings
from .hub import Hub

_of_consumer = weakref.WeakKeyDictionary()


def _key(request_id):
    """A dict key for any JSON request id (lists and objects are not hashable)."""
    if isinstance(request_id, list | dict):
        return "json:" + json.dumps(request_id, sort_keys=True)
    return request_id


class Subscriptions:
    def __init__(self, consumer):
        self.consumer = consumer
        # group -> {request id key: request id}, in subscription order.
        self.request_ids_by_group = {}
        # group -> the context of its first subscription.
        self.contexts = {}

    @classmethod
    def of(cls, consumer):
        """The consumer's subscriptions, created (and their cleanup registered) on first use."""
        subscriptions = _of_consumer.get(consumer)
        if subscriptions is None:
            subscriptions = _of_consumer[consumer] = cls(consumer)
            consumer.add_cleanup(subscriptions.close)
        return subscriptions

    def __len__(self):
        return sum(map(len, self.request_ids_by_group.values()))

    def request_ids(self, group):
        """The request ids subscribed to ``group``; empty when there are none."""
        request_ids = self.request_ids_by_group.get(group)
        return list(request_ids.values()) if request_ids else []

    def context(self, group):
        return self.contexts.get(group)

    def groups(self):
        """``(group, context)`` of every group subscribed to."""
        return [(group, self.contexts.get(group)) for group in self.request_ids_by_group]

    async def join(self, groups, request_id=None, context=None):
        """Add the subscriptions; if the layer refuses (an outage), none of them is kept, so a retry starts clean."""
        key = _key(request_id)
        added = [group for group in dict.fromkeys(groups) if key not in self.request_ids_by_group.get(group, ())]
        limit = api_settings.MAX_SUBSCRIPTIONS_PER_CONNECTION
        if limit is not None and added and len(self) + len(added) > limit:
            raise TooManySubscriptions(limit)
        first = [group for group in added if not self.request_ids_by_group.get(group)]
        for group in added:
            self.request_ids_by_group.setdefault(group, {})[key] = request_id
            self.contexts.setdefault(group, context)
        if not first:
            return
        hub = Hub.of(self.consumer)
        try:
            await hub.join(self, first)
        except BaseException:
            self._forget(added, key)
            # The layer is away: the hub's groups expire there, and no local consumer gets their messages.
            with contextlib.suppress(Exception):
                await hub.leave(self, first)
            raise

    async def leave(self, groups, request_id=None):
        """End the subscriptions made with this request id; the hub leaves the groups nobody here wants."""
        last = self._forget(groups, _key(request_id))
        if last:
            await Hub.of(self.consumer).leave(self, last)

    def _forget(self, groups, key):
        """Drop ``key``'s subscription to each group; returns the groups that have none left."""
        last = []
        for group in groups:
            request_ids = self.request_ids_by_group.get(group)
            if not request_ids or key not in request_ids:
                continue
            del request_ids[key]
            if not request_ids:
                del self.request_ids_by_group[group]
                self.contexts.pop(group, None)
                last.append(group)
        return last

    async def close(self):
        """End every subscription: the connection is over, nothing more is delivered to it."""
        groups = list(self.request_ids_by_group)
        self.request_ids_by_group.clear()
        self.contexts.clear()
        _of_consumer.pop(self.consumer, None)
        if groups:
            await Hub.of(self.consumer).leave(self, groups)
