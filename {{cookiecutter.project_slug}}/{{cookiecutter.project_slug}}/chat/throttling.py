import time
from collections import deque


class MessageRate:
    """At most ``limit`` messages in any ``period`` seconds: a sliding window over one connection's sends.

    Kept per connection, in memory: it protects the room from one flooding socket without a database
    write per message.
    """

    def __init__(self, limit, period, clock=time.monotonic):
        self.limit = limit
        self.period = period
        self.clock = clock
        self.sent = deque()

    def allow(self):
        """Count one message and tell whether it may go through."""
        now = self.clock()
        while self.sent and self.sent[0] <= now - self.period:
            self.sent.popleft()
        if len(self.sent) >= self.limit:
            return False
        self.sent.append(now)
        return True

    def wait(self):
        """Seconds until the next message may go through."""
        return max(0.0, self.sent[0] + self.period - self.clock()) if len(self.sent) >= self.limit else 0.0
