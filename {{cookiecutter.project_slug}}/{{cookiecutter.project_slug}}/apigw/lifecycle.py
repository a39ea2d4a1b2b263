"""Ending gateway connections when the session behind them ends: logout, password change, deactivation.

The receivers are connected when this module is imported (``ApigwConfig.ready``), so they apply in every
process that changes users: web, shell, management commands.
"""

from django.conf import settings
from django.contrib.auth import user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from .hashing import auth_hash, session_key_hash
from .models import GatewayConnection


def end_user_connections(user, **filters):
    """Close a user's open connections (their session ended)."""
    return GatewayConnection.objects.filter(user=user, connected=True, **filters).update(
        connected=False, disconnected_at=timezone.now()
    )


@receiver(user_logged_out, dispatch_uid="apigw_logout")
def close_on_logout(sender, request, user, **kwargs):
    """Logging out ends the connections opened under that Django session."""
    if user is None or request is None or not request.session.session_key:
        return
    end_user_connections(user, session_key_hash=session_key_hash(request.session.session_key))


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="apigw_user_changed")
def close_on_password_or_deactivation(sender, instance, created, **kwargs):
    """A deactivated user, or one whose password changed, keeps no connection."""
    if created:
        return
    if not instance.is_active:
        end_user_connections(instance)
        return
    stale = GatewayConnection.objects.filter(user=instance, connected=True).exclude(auth_hash=auth_hash(instance))
    stale.update(connected=False, disconnected_at=timezone.now())
