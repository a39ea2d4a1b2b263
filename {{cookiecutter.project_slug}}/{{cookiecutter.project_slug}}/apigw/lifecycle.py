"""Ending gateway connections when the session behind them ends: logout, password change, deactivation.

The receivers are connected when this module is imported (``ApigwConfig.ready``), so they apply in every
process that changes users: web, shell, management commands. The rows are closed at once; once the change is
committed, each connection's consumer gets its disconnect and the socket is closed at the gateway
(``bridge.end_sessions``), wherever that connection is served.
"""

from django.conf import settings
from django.contrib.auth import user_logged_out
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from . import bridge
from .hashing import auth_hash, session_key_hash
from .models import GatewayConnection


def end_connections(connections):
    """Close the open connections of the queryset ``connections`` (their session ended)."""
    ended = list(connections.filter(connected=True).values_list("connection_id", "owner_channel"))
    if not ended:
        return 0
    closed = GatewayConnection.objects.filter(
        connection_id__in=[connection_id for connection_id, _owner in ended], connected=True
    ).update(connected=False, disconnected_at=timezone.now())
    transaction.on_commit(lambda: bridge.end_sessions(ended))
    return closed


@receiver(user_logged_out, dispatch_uid="apigw_logout")
def close_on_logout(sender, request, user, **kwargs):
    """Logging out ends the connections opened under that Django session."""
    if user is None or request is None or not request.session.session_key:
        return
    end_connections(
        GatewayConnection.objects.filter(user=user, session_key_hash=session_key_hash(request.session.session_key))
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="apigw_user_changed")
def close_on_password_or_deactivation(sender, instance, created, **kwargs):
    """A deactivated user, or one whose password changed, keeps no connection."""
    if created:
        return
    connections = GatewayConnection.objects.filter(user=instance)
    if instance.is_active:
        connections = connections.exclude(auth_hash=auth_hash(instance))
    end_connections(connections)
