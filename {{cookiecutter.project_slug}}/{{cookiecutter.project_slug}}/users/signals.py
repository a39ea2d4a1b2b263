"""Tell a user's open websockets when their sessions change (see ``sockets``).

Logout ends one session; a new password, deactivation or deletion may end all of the user's other
sessions (Django keeps the one that changed the password signed in, through
``update_session_auth_hash``). The sockets read their own session again when told, so this module
only says "something changed", once the change is committed, to the user's group on the channel
layer, which reaches the sockets of every server process.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .sockets import sessions_changed, sessions_group


def announce(user_pk, ended_session=None):
    message = sessions_changed(ended_session)
    transaction.on_commit(lambda: async_to_sync(get_channel_layer().group_send)(sessions_group(user_pk), message))


@receiver(user_logged_out, dispatch_uid="users.sockets.logged_out")
def logged_out(sender, request, user, **kwargs):
    """The session is flushed right after this signal, so its sockets are named rather than asked to check."""
    if user is not None:
        announce(user.pk, ended_session=request.session.session_key)


@receiver(post_save, sender=get_user_model(), dispatch_uid="users.sockets.account_saved")
def account_saved(sender, instance, created, **kwargs):
    """A new password (``set_password`` leaves ``_password`` set until the save ends) or a deactivation."""
    if not created and (instance._password is not None or not instance.is_active):
        announce(instance.pk)


@receiver(post_delete, sender=get_user_model(), dispatch_uid="users.sockets.account_deleted")
def account_deleted(sender, instance, **kwargs):
    announce(instance.pk)
