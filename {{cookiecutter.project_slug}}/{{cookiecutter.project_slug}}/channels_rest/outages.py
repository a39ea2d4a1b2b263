"""Short outages of the channel layer and the database, survived instead of turned into closed sockets.

While Redis or the database cannot be reached, a socket stays open: its channel-layer receive waits and
tries again (``receive_retrying``), and an action that needs what is missing answers ``503`` with an
``Unavailable`` error. Each outage is logged when it begins and when it ends, not once per socket or
frame: a thousand sockets retrying the same Redis would otherwise bury the log.

Which exceptions mean "cannot be reached" is decided here, by class, without importing redis unless
it is installed (the in-memory layer needs no redis package).
"""

import asyncio
import logging
import random
import time
from functools import cache

from django.db import InterfaceError, OperationalError
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException

logger = logging.getLogger(__name__)

# Seconds between tries of a layer receive: doubling from the first to the last, with jitter, so that
# the sockets of a process do not all knock on a returning Redis at the same instant.
FIRST_RETRY_DELAY = 0.1
LAST_RETRY_DELAY = 1.0
# A restarted Redis has forgotten every group. Each process puts its channels back once a receive
# retry finds the layer again, within LAST_RETRY_DELAY; group messages wait this long after an outage
# (``groups_rejoined``), so that none is sent while another process's sockets are still out of the group.
REJOIN_TIME = 3 * LAST_RETRY_DELAY
# What ``groups_rejoined`` asks the layer to find out whether it answers: a removal that changes nothing.
PROBE_GROUP = "channels_rest.outages.probe"
PROBE_CHANNEL = "channels_rest.outages.probe"


class Unavailable(APIException):
    """Something an action needs cannot be reached for the moment; the client may retry."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"


class LayerUnavailable(Unavailable):
    default_detail = _("The channel layer is temporarily unavailable, retry.")


class DatabaseUnavailable(Unavailable):
    default_detail = _("The database is temporarily unavailable, retry.")


class Outage:
    """Whether ``service`` is known to be down in this process, so that it is logged once per outage."""

    def __init__(self, service):
        self.service = service
        self.since = None
        self.ended_at = None

    def begins(self, exc):
        if self.since is None:
            self.since = time.monotonic()
            logger.warning("The %s is unavailable, sockets stay open and retry: %r", self.service, exc)

    def ends(self):
        if self.since is not None:
            self.ended_at = time.monotonic()
            logger.warning("The %s is available again after %.1f s", self.service, self.ended_at - self.since)
            self.since = None


layer_outage = Outage("channel layer")
database_outage = Outage("database")


@cache
def layer_errors():
    """The exceptions a channel layer raises when its server cannot be reached.

    The built-in ``ConnectionError`` and ``TimeoutError`` cover refused and reset connections and
    asyncio's timeouts; redis-py's own ``ConnectionError`` and ``TimeoutError`` do not derive from them.
    """
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:
        return (ConnectionError, TimeoutError)
    return (ConnectionError, TimeoutError, RedisConnectionError, RedisTimeoutError)


DATABASE_ERRORS = (OperationalError, InterfaceError)


def as_unavailable(exc):
    """The 503 error for ``exc`` if it means the layer or the database cannot be reached, else ``None``."""
    if isinstance(exc, DATABASE_ERRORS):
        database_outage.begins(exc)
        return DatabaseUnavailable()
    if isinstance(exc, layer_errors()):
        layer_outage.begins(exc)
        return LayerUnavailable()
    return None


def is_outage(exc):
    """Whether ``exc`` means the layer or the database cannot be reached (then logged once, by the outage)."""
    return as_unavailable(exc) is not None


def database_connected(sender, connection, **kwargs):
    """A new database connection means the database answers again."""
    database_outage.ends()


connection_created.connect(database_connected, dispatch_uid="channels_rest.outages.database_connected")


async def groups_rejoined(layer):
    """Return once a group message sent now reaches every process's channels: at once but after an outage.

    While the layer is known to be down it is asked again, and its error raised if it still cannot be
    reached, so that the message is refused rather than sent into groups no one has rejoined yet; once
    it answers, the wait lasts until REJOIN_TIME after the outage ended.
    """
    if layer_outage.since is not None:
        try:
            await layer.group_discard(PROBE_GROUP, PROBE_CHANNEL)
        except layer_errors() as exc:
            layer_outage.begins(exc)
            raise
        layer_outage.ends()
    if layer_outage.ended_at is not None:
        remaining = layer_outage.ended_at + REJOIN_TIME - time.monotonic()
        if remaining > 0:
            await asyncio.sleep(remaining)


async def receive_retrying(receive, rejoin):
    """The next message of ``receive()``, waiting through outages of the layer instead of raising.

    After a failure it waits, then calls ``rejoin()`` (put the channel back in its groups: a restarted
    Redis has forgotten them) until that succeeds, and receives again.
    """
    delay = FIRST_RETRY_DELAY
    while True:
        try:
            message = await receive()
        except layer_errors() as exc:
            layer_outage.begins(exc)
        else:
            layer_outage.ends()
            return message
        while True:
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, LAST_RETRY_DELAY)
            try:
                await rejoin()
            except layer_errors() as exc:
                layer_outage.begins(exc)
            else:
                break


class LayerOutageMixin:
    """For a Channels consumer: its channel-layer receive waits through outages instead of ending the socket.

    Channels' ``AsyncConsumer.__call__`` reads the consumer's channel with ``channel_receive``, and a
    failed read ends the consumer (the client sees 1011). This replaces that read with
    ``receive_retrying``, which puts the channel back in its groups (``self.groups``) once the layer
    answers again.
    """

    @property
    def channel_receive(self):
        return self.receive_from_layer

    @channel_receive.setter
    def channel_receive(self, receive):
        # Channels' AsyncConsumer sets this to the layer's receive for the consumer's channel.
        self.layer_receive = receive

    async def receive_from_layer(self):
        return await receive_retrying(self.layer_receive, self.rejoin_groups)

    async def rejoin_groups(self):
        """Put the channel back in its groups after a layer outage (a restarted Redis lost them)."""
        for name in list(self.groups):
            await self.channel_layer.group_add(name, self.channel_name)
