"""Who may do what with user accounts: one policy for the REST viewset and the websocket consumer.

=================  =========================  ==================  ==================
action             anonymous                  signed-in user      staff
=================  =========================  ==================  ==================
create             if USERS_WEBSOCKET_SIGNUP  no                  yes
list, retrieve     no                         yes                 yes
update, patch      no                         themselves          anyone
delete             no                         themselves          anyone
=================  =========================  ==================  ==================

The policy is written once, as a DRF permission over HTTP methods; each websocket action stands for
the method of the framework's one table (``channels_rest.methods.ACTION_METHODS``: ``create`` is a
``POST``, ``update`` a ``PUT``...), so both paths give the same answer. Emails of
other users are hidden from non-staff by the serializer, not here.
"""

from django.conf import settings
from rest_framework import permissions

from {{ cookiecutter.project_slug }}.channels_rest.methods import ACTION_METHODS
from {{ cookiecutter.project_slug }}.channels_rest.permissions import WrappedDRFPermission


def may_create(user):
    """Staff add accounts; visitors sign up while the site allows it; members already have one."""
    if user.is_authenticated:
        return user.is_staff
    return settings.USERS_WEBSOCKET_SIGNUP


def may_change(user, account):
    return user.is_authenticated and (user.is_staff or user.pk == account.pk)


class UserAccessPolicy(permissions.BasePermission):
    """POST creates, safe methods read, the other methods change one account."""

    def has_permission(self, request, view):
        if request.method == "POST":
            return may_create(request.user)
        return request.user.is_authenticated

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or may_change(request.user, obj)


# Subscribing reads. An action missing here is refused to anonymous sockets and may not touch another
# user's account.
CONSUMER_METHODS = {**ACTION_METHODS, "subscribe_instance": "GET", "unsubscribe_instance": "GET"}


class UserConsumerPolicy(WrappedDRFPermission):
    """``UserAccessPolicy`` for websocket actions.

    Anyone may connect: an anonymous socket comes to sign up, and every action it may not run
    is answered with a 403 frame rather than a refused handshake.
    """

    mapped_actions = CONSUMER_METHODS

    def __init__(self):
        super().__init__(UserAccessPolicy())

    async def can_connect(self, scope, consumer, message=None):
        return True
