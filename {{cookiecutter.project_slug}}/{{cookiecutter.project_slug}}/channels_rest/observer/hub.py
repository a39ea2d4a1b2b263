"""One channel-layer channel per process for every observer subscription.

If each subscribed socket joined an observer group with its own channel, an
event for K sockets of one process would be K layer messages: K deep copies in
the in-memory layer, K Redis messages and msgpack decodes with channels-redis,
and K passes through Channels' dispatch. Instead each process (each running
event loop and channel layer) has one hub: a channel of its own that is in a
group while at least one local consumer subscribes to it. The hub's receive
task reads each message once and hands it, one consumer after the other, to
the ``inbox`` of every local consumer subscribed to that group, which calls the
handler Channels' dispatch would have called, in turn with the consumer's own
messages. Sends are queue puts, so a delivery does not wait for the network; a
handler that awaits something slow holds up the process's later deliveries, as
it held up its own socket's.

Members are the consumers' ``Subscriptions`` (``subscriptions``), which call
``join`` and ``leave``; the hub reads nothing of them but their ``consumer``.
"""

import asyncio
import contextvars
import logging
from functools import partial

from ..outages import receive_retrying

logger = logging.getLogger(__name__)

# (channel layer, event loop) -> its hub, while the hub is in at least one group.
_hubs = {}


class Hub:
    def __init__(self, layer):
        self.layer = layer
        self.channel = None
        # group -> the local consumers' Subscriptions, in subscription order (a dict used as an ordered set).
        self.members = {}
        # Groups the hub's channel is in; changed only under the lock, so layer calls keep their order.
        self.joined = set()
        self.lock = asyncio.Lock()
        self.task = None

    @classmethod
    def of(cls, consumer):
        """The hub of the consumer's channel layer on the running event loop."""
        key = (consumer.channel_layer, asyncio.get_running_loop())
        hub = _hubs.get(key)
        if hub is None:
            hub = _hubs[key] = cls(consumer.channel_layer)
        return hub

    async def join(self, member, groups):
        """Hand the messages of ``groups`` to ``member``'s consumer from now on."""
        for group in groups:
            self.members.setdefault(group, {})[member] = None
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                # A context of its own: not that of the action that happened to subscribe first
                # (``current_action``, asgiref's thread-sensitive executor).
                self.task = asyncio.create_task(
                    self.receive(), name=f"observer hub {self.channel}", context=contextvars.Context()
                )
            for group in groups:
                # Added again for every subscriber: the layer's group expiry counts from the last add.
                if member in self.members.get(group, ()):
                    await self.layer.group_add(group, self.channel)
                    self.joined.add(group)

    async def leave(self, member, groups):
        """Stop handing ``groups`` to ``member`` at once; the hub leaves groups nobody here wants."""
        for group in groups:
            members = self.members.get(group)
            if members is not None:
                members.pop(member, None)
                if not members:
                    del self.members[group]
        async with self.lock:
            for group in groups:
                if group in self.joined and group not in self.members:
                    self.joined.discard(group)
                    await self.layer.group_discard(group, self.channel)
            if not self.members and not self.joined:
                await self.close()

    async def close(self):
        """Forget the hub and end its receive task: nothing is subscribed in this process any more."""
        for key, hub in list(_hubs.items()):
            if hub is self:
                del _hubs[key]
        task, self.task = self.task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def receive(self):
        task = asyncio.current_task()
        while self.task is task:
            try:
                message = await receive_retrying(partial(self.layer.receive, self.channel), self.rejoin)
            except Exception:
                logger.exception("Receiving observer messages failed; trying again in a second")
                await asyncio.sleep(1)
                continue
            await self.fan_out(message)

    async def rejoin(self):
        """Put the hub's channel back in its groups after a layer outage (a restarted Redis lost them)."""
        async with self.lock:
            for group in list(self.joined):
                await self.layer.group_add(group, self.channel)

    async def fan_out(self, message):
        """Hand one layer message to the inbox of each local consumer still subscribed to its group."""
        members = self.members.get(message.get("group"))
        if not members:
            return
        for member in list(members):
            if member in members:  # else it left or disconnected while an earlier one was served
                await member.consumer.inbox.put(message)
