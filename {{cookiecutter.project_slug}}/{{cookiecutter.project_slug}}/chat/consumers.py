import asyncio
import logging
from functools import partial

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, Throttled

{% if cookiecutter.use_asyncapi_docs -%}
from {{ cookiecutter.project_slug }}.asyncapi.documentation import document_event
{% endif -%}
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.generics import GenericAsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.observer import model_observer
from {{ cookiecutter.project_slug }}.channels_rest.observer.generics import ObserverModelInstanceMixin
from {{ cookiecutter.project_slug }}.channels_rest.outages import is_outage

from .models import HISTORY_PAGE, Message, Presence, Room
from .permissions import HasJoinedRoom, IsAuthenticatedSocket
from .serializers import HistoryPageSerializer, MessageSerializer, PublicUserSerializer, RoomSerializer
from .throttling import MessageRate

logger = logging.getLogger(__name__)


class RoomConsumer(ObserverModelInstanceMixin, GenericAsyncAPIConsumer):
    """The chat over ``ws/chat/room/``: rooms, their messages, and who is in them.

    ``retrieve`` and ``subscribe_instance`` come from the mixin. A connection is in at most one room
    at a time (``joined_room_pk``, joined by the request ``join_request_id``): the room ``create_message``
    posts to, whose presence list the connection keeps receiving, and the only room it may read
    (``HasJoinedRoom``). Leaving the room ends its message subscriptions.
    """

    queryset = Room.objects.all()
    serializer_class = RoomSerializer
    lookup_field = "pk"
    permission_classes = [IsAuthenticatedSocket, HasJoinedRoom]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.joined_room_pk = self.join_request_id = None
        self.message_request_ids = []  # of the subscribe_to_messages_in_room requests, in the joined room
        self.message_rate = MessageRate(settings.CHAT_RATE_LIMIT, settings.CHAT_RATE_PERIOD)

    async def teardown(self):
        """However the connection ended (closed tab, lost network, error, server shutdown), it leaves the room."""
        if self.joined_room_pk is not None:
            await self.remove_user_from_room(self.joined_room_pk)
        await super().teardown()

    @action()
    async def join_room(self, pk, request_id=None, **kwargs):
        """Enter a room: be in its presence list and receive ``update_users`` frames under this request id.

        All or nothing: if a step fails (the channel layer or the database out of reach), what was
        done is undone and the error answered, so the connection is in no room and may simply retry.
        """
        room = await database_sync_to_async(self.get_object)(pk=pk)
        if self.joined_room_pk is not None:
            await self.leave_current_room()
        try:
            await self.presence_activity.subscribe(room=room.pk, request_id=request_id)
            await self.add_user_to_room(room.pk)
            current_users = await self.current_users(room.pk)
        except BaseException:  # cancellation included: nothing may stay half-joined
            await self.undo_join(room.pk, request_id)
            raise
        self.joined_room_pk, self.join_request_id = room.pk, request_id
        self.start_detached_task(self.keep_presence(room.pk), name="keep_presence")
        return current_users, status.HTTP_200_OK

    @action()
    async def leave_room(self, pk, **kwargs):
        """Leave a room (nothing to do if this connection is not in it); answers with who stays.

        The connection is out of the room even when a step fails and the error is answered: a presence
        the database did not delete expires, since nothing refreshes it any more.
        """
        room = await database_sync_to_async(self.get_object)(pk=pk)
        if self.joined_room_pk == room.pk:
            await self.leave_current_room()
        return await self.current_users(room.pk), status.HTTP_200_OK

    @action()
    def create_message(self, message: str, **kwargs):
        """Post ``message`` to the joined room; everyone subscribed to it receives it."""
        if self.joined_room_pk is None:
            raise PermissionDenied("Join a room before sending messages to it.")
        wait = self.message_rate.wait(self.scope["user"].pk)
        if wait:
            raise Throttled(wait=wait, detail="Too many messages, slow down.")
        room = self.get_object(pk=self.joined_room_pk)
        serializer = MessageSerializer(data={"text": message}, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        serializer.save(room=room, user=self.scope["user"])
        return serializer.data, status.HTTP_201_CREATED

    @action()
    async def subscribe_to_messages_in_room(self, pk, request_id=None, **kwargs):
        """Receive the room's new, edited and deleted messages as create/update/delete frames."""
        room = await database_sync_to_async(self.get_object)(pk=pk)
        await self.message_activity.subscribe(room=room.pk, request_id=request_id)
        self.message_request_ids.append(request_id)
        return None, status.HTTP_201_CREATED

    @action()
    def list_messages(
        self, pk, before: int | None = None, after: int | None = None, limit: int = HISTORY_PAGE, **kwargs
    ):
        """A page of a room's history: the messages before (or after) the message pk given, oldest first."""
        room = self.get_object(pk=pk)
        arguments = {"before": before, "after": after, "limit": limit}
        page = HistoryPageSerializer(data={name: value for name, value in arguments.items() if value is not None})
        page.is_valid(raise_exception=True)
        messages, has_more = room.messages.page(**page.validated_data)
        return {"results": MessageSerializer(messages, many=True).data, "has_more": has_more}, status.HTTP_200_OK

    @model_observer(Message)
    async def message_activity(self, message, observer=None, action=None, subscribing_request_ids=(), **kwargs):
        """A message of a subscribed room was created, edited or deleted (``action``): push it."""
        for request_id in subscribing_request_ids:
            await self.reply(action=action, data=message, request_id=request_id)

    @message_activity.groups_for_signal
    def message_activity(self, instance, **kwargs):
        yield f"room__{instance.room_id}"

    @message_activity.groups_for_consumer
    def message_activity(self, room=None, **kwargs):
        if room is not None:
            yield f"room__{room}"

    @message_activity.serializer
    def message_activity(self, instance, action, **kwargs):
        if action == "delete":
            return {"pk": instance.pk}  # all a page needs to remove it
        return MessageSerializer(instance).data
{% if cookiecutter.use_asyncapi_docs %}
    @document_event(
        actions=["update_users"], payload=PublicUserSerializer(many=True), summary="Who is in the room now."
    )
{%- endif %}
    @model_observer(Presence)
    async def presence_activity(self, message, observer=None, subscribing_request_ids=(), **kwargs):
        """Someone came or went: send the room's list as it is now.

        The list is read here rather than carried by the event: events of concurrent joins and leaves
        may arrive in any order, but the list read after the last of them is the final one.
        """
        current_users = await self.current_users(message["room"])
        for request_id in subscribing_request_ids:
            await self.reply(action="update_users", data=current_users, request_id=request_id)

    @presence_activity.groups_for_signal
    def presence_activity(self, instance, **kwargs):
        yield f"room__{instance.room_id}"

    @presence_activity.groups_for_consumer
    def presence_activity(self, room=None, **kwargs):
        if room is not None:
            yield f"room__{room}"

    @presence_activity.serializer
    def presence_activity(self, instance, action, **kwargs):
        return {"room": instance.room_id}

    async def leave_current_room(self):
        """Out of the room first, then its subscriptions and presence; the first failing step is raised."""
        room, join_request_id = self.joined_room_pk, self.join_request_id
        message_request_ids, self.message_request_ids = self.message_request_ids, []
        self.joined_room_pk = self.join_request_id = None
        await self.cancel_detached_tasks("keep_presence")
        try:
            for request_id in message_request_ids:
                await self.message_activity.unsubscribe(room=room, request_id=request_id)
            await self.presence_activity.unsubscribe(room=room, request_id=join_request_id)
        finally:
            await self.remove_user_from_room(room)

    async def undo_join(self, pk, request_id):
        """Take back the steps of a failed ``join_room``; one that fails in turn is logged, not raised."""
        for undo in (
            partial(self.presence_activity.unsubscribe, room=pk, request_id=request_id),
            partial(self.remove_user_from_room, pk),
        ):
            try:
                await undo()
            except Exception:
                logger.exception("Undoing a failed join of room %s failed", pk)

    async def keep_presence(self, pk):
        """Refresh this connection's presence in room ``pk`` while it is there (see ``Presence``).

        A presence cleared as expired while the connection lives (the database was out of reach for
        longer than CHAT_PRESENCE_TTL) is added back. The loop also ends by itself once the connection
        ended or left the room, should the task not have been cancelled.
        """
        while True:
            await asyncio.sleep(settings.CHAT_PRESENCE_TTL / 3)
            if self.ended or self.joined_room_pk != pk:
                return
            try:
                if not await database_sync_to_async(Presence.objects.refresh)(self.channel_name):
                    await self.add_user_to_room(pk)
            except DatabaseError as exc:
                if not is_outage(exc):
                    logger.warning("Refreshing a presence in room %s failed; trying again later", pk, exc_info=True)

    @database_sync_to_async
    def current_users(self, pk):
        users = Presence.objects.present_users(pk)
        return {"room": pk, "current_users": PublicUserSerializer(users, many=True).data}

    @database_sync_to_async
    def add_user_to_room(self, pk):
        Presence.objects.update_or_create(
            room_id=pk,
            channel_name=self.channel_name,
            defaults={"user": self.scope["user"], "last_seen": timezone.now()},
        )

    @database_sync_to_async
    def remove_user_from_room(self, pk):
        Presence.objects.filter(room_id=pk, channel_name=self.channel_name).delete()
