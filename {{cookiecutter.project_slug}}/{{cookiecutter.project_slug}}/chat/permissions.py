from rest_framework.exceptions import PermissionDenied

from {{ cookiecutter.project_slug }}.channels_rest.permissions import BasePermission, IsAuthenticated


class IsAuthenticatedSocket(IsAuthenticated):
    """Authenticated users only, from the handshake on: an anonymous socket is refused before it opens."""

    async def can_connect(self, scope, consumer, message=None):
        return await self.has_permission(scope, consumer, "connect")


class HasJoinedRoom(BasePermission):
    """A room is read only by the sockets in it, so its presence list shows everyone who can read it.

    Asked for the reading actions and again before each update of a subscribed room is delivered.
    """

    reading_actions = frozenset({"retrieve", "subscribe_instance", "subscribe_to_messages_in_room", "list_messages"})

    def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        if action in self.reading_actions and consumer.joined_room_pk != obj.pk:
            raise PermissionDenied("Join the room before reading it.")
        return True
