"""Rooms, their messages, and who is in each room right now."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

# How many messages a room shows at once, and the largest page of history a client may ask for.
HISTORY_PAGE = 50
HISTORY_PAGE_MAX = 200


def presence_cutoff():
    """Presences not refreshed since this moment belong to a connection that is gone."""
    return timezone.now() - timedelta(seconds=settings.CHAT_PRESENCE_TTL)


class RoomQuerySet(models.QuerySet):
    def with_present_count(self):
        """Annotate ``present_count``: how many different users are in each room now."""
        alive = Q(presences__last_seen__gte=presence_cutoff())
        return self.annotate(present_count=Count("presences__user", filter=alive, distinct=True))


class Room(models.Model):
    name = models.CharField(max_length=255, unique=True)
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rooms")
    # One row per open connection (see Presence), so a user with two tabs is in here twice:
    # Presence.objects.present_users(room) tells who is in the room.
    current_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Presence", related_name="current_rooms", blank=True
    )

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class MessageQuerySet(models.QuerySet):
    def page(self, before=None, after=None, limit=HISTORY_PAGE):
        """Up to ``limit`` messages in the order they were sent, and whether more lie beyond them.

        With ``after`` (a message pk): the messages that follow it, for a client catching up.
        Otherwise the latest ones, or with ``before`` the ones preceding that message.
        The pk is the cursor because it is unique and grows with every message, so pages never
        overlap or skip while new messages arrive (offsets would shift under the reader).
        """
        messages = self.select_related("user")
        if after is not None:
            rows = list(messages.filter(pk__gt=after).order_by("pk")[: limit + 1])
            return rows[:limit], len(rows) > limit
        if before is not None:
            messages = messages.filter(pk__lt=before)
        rows = list(messages.order_by("-pk")[: limit + 1])
        return rows[:limit][::-1], len(rows) > limit


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    text = models.TextField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.user} in {self.room}: {self.text[:40]}"


class PresenceQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(last_seen__gte=presence_cutoff())

    def expired(self):
        return self.filter(last_seen__lt=presence_cutoff())

    def present_users(self, room):
        """The users with a live connection in ``room`` (a Room or its pk), each once, by username."""
        alive = self.alive().filter(room=room).values("user")
        return get_user_model().objects.filter(pk__in=alive).order_by("username")

    def refresh(self, channel_name):
        """Mark a connection's presences as alive now, and clear those whose server process died.

        ``update()`` sends no signal, so refreshing does not announce anything; deleting the
        expired presences does, so the rooms they were in see those users leave. Returns how many
        presences the connection still had.
        """
        refreshed = self.filter(channel_name=channel_name).update(last_seen=timezone.now())
        self.expired().delete()
        return refreshed


class Presence(models.Model):
    """One open connection of a user in a room.

    Counting connections rather than users is what makes two tabs work: the user is present
    while any of their connections is, and leaves with the last one. Each connection adds and
    deletes only its own row, so concurrent joins and leaves never race on a shared counter.

    A server process that dies cannot delete its rows, so a live connection refreshes
    ``last_seen`` every third of ``CHAT_PRESENCE_TTL``; rows older than that are ignored and
    cleared (``PresenceQuerySet.refresh``). Clearing at start-up instead would wipe the
    presences held by the other server processes that are still running.
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presences")
    channel_name = models.CharField(max_length=100)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    objects = PresenceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "channel_name"], name="chat_presence_one_per_connection"),
        ]

    def __str__(self):
        return f"{self.user} in {self.room}"
