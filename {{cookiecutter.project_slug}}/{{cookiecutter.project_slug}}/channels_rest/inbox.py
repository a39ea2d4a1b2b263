"""A consumer's turns between its own messages and the messages handed to it from outside.

Channels handles a consumer's messages one at a time, so a handler never runs in the middle of another.
Add-ons that hand a consumer messages without going through its channel (the observers' per-process hub
reads each layer message once and gives it to every local subscriber) keep that promise through the
consumer's ``inbox``: the consumer's dispatch runs each of its own messages inside ``async with inbox``, and
``put`` calls the handler at once when the consumer is idle, or leaves the message to be handled as soon as
the current one is done, without waiting itself. So a push caused by an action follows the action's reply.
Once the consumer has ended (``close``), messages put are dropped.
"""

import asyncio
import logging
from collections import deque

from channels.consumer import get_handler_name

logger = logging.getLogger(__name__)


class Inbox:
    def __init__(self, consumer):
        self.consumer = consumer
        self.lock = asyncio.Lock()
        self.pending = deque()
        self.closed = False

    async def __aenter__(self):
        await self.lock.acquire()

    async def __aexit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None:
                while self.pending and not self.closed:
                    await self.handle(self.pending.popleft())
        finally:
            self.pending.clear()
            self.lock.release()

    async def put(self, message):
        """Handle ``message`` now if the consumer is idle, else right after its current message."""
        if self.closed:
            return
        if self.lock.locked() or self.pending:
            self.pending.append(message)
            return
        async with self:
            await self.handle(message)

    async def handle(self, message):
        """Call the consumer's handler for the message type; a failing one is logged, unless the consumer ended."""
        try:
            await getattr(self.consumer, get_handler_name(message))(message)
        except Exception:
            if not self.closed:
                logger.exception("Handling %r in %s failed", message["type"], type(self.consumer).__name__)

    def close(self):
        self.closed = True
        self.pending.clear()
