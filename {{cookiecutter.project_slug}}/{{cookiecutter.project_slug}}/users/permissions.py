"""Who may do what with user accounts: one policy for the websocket consumer and the REST viewset.

=================  =========================  ==================  ==================
action             anonymous                  signed-in user      staff
=================  =========================  ==================  ==================
create             if USERS_WEBSOCKET_SIGNUP  no                  yes
list, retrieve     no                         yes                 yes
update, patch      no                         themselves          anyone
delete             no                         themselves          anyone
=================  =========================  ==================  ==================

Emails of other users are hidden from non-staff by the serializer, not here.
"""

from django.conf import settings
from rest_framework import permissions


def may_create(user):
    """Staff add accounts; visitors sign up while the site allows it; members already have one."""
    if user.is_authenticated:
        return user.is_staff
    return settings.USERS_WEBSOCKET_SIGNUP


def may_read(user):
    return user.is_authenticated


def may_change(user, account):
    return user.is_authenticated and (user.is_staff or user.pk == account.pk)


class UserAccessPolicy(permissions.BasePermission):
    """The policy for DRF views, by HTTP method (POST creates, safe methods read, the rest change)."""

    def has_permission(self, request, view):
        if request.method == "POST":
            return may_create(request.user)
        return may_read(request.user)

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or may_change(request.user, obj)
