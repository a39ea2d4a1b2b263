import math
import time

from django.core.cache import cache


class MessageRate:
    """At most ``limit`` messages per user in each window of ``period`` seconds, over all their sockets.

    The count lives in Django's cache, which is Redis, shared by every server process, when REDIS_URL
    is set: opening more sockets, or reaching another process, gives no more messages. Windows are
    fixed (one counter per user and window, its key expiring with the window) rather than sliding, so
    counting a message is one atomic increment and never a read-modify-write that concurrent sockets
    could race on. The price is that a burst straddling two windows can pass up to twice ``limit``
    within one period.
    """

    clock = staticmethod(time.time)  # seconds; windows start at multiples of ``period``

    def __init__(self, limit, period, cache=cache):
        self.limit = limit
        self.period = period
        self.cache = cache

    def wait(self, user_pk):
        """Count one message of the user: 0 if it may go through, else the seconds until it may."""
        now = self.clock()
        window = math.floor(now / self.period)
        key = f"chat:message-rate:{user_pk}:{window}"
        try:
            count = self.cache.incr(key)
        except ValueError:  # the window's first message
            count = 1 if self.cache.add(key, 1, timeout=math.ceil(self.period) + 1) else self.cache.incr(key)
        if count <= self.limit:
            return 0
        return (window + 1) * self.period - now
