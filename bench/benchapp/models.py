import time

from django.db import models


class ItemFields(models.Model):
    """The row every variant reads, creates and broadcasts; ``feed`` is what sockets subscribe to."""

    feed = models.PositiveIntegerField(default=0, db_index=True)
    name = models.CharField(max_length=100)
    value = models.IntegerField(default=0)
    description = models.TextField(blank=True)
    # time.time() just before the last save: the clock that fan-out latency is measured from.
    stamp = models.FloatField(default=0.0)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    def touch(self, value):
        """Save a new value with the current time, which every subscriber then receives."""
        self.value = value
        self.stamp = time.time()
        self.save(update_fields=["value", "stamp"])


class Item(ItemFields):
    """Observed by the consumer of whichever variant the process runs."""


class PlainItem(ItemFields):
    """The same table without any observer: the baseline for loading speed."""
