"""Exceptions of the websocket framework, mapped to error frames by ``AsyncAPIConsumer.handle_exception``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound


class ActionMissingException(APIException):
    """A message arrived without an ``action`` key."""

    status_code = status.HTTP_405_METHOD_NOT_ALLOWED
    default_detail = _("Unable to find action in message body.")
    default_code = "method_not_allowed"


class ObjectNotFound(NotFound):
    """The object an action names does not exist (``get_object``, ``Http404``).

    404 with DCRF's wording, ``"Not found"``, which its clients compare against; DRF's ``NotFound`` raised
    by your own code keeps DRF's ``"Not found."``.
    """

    default_detail = _("Not found")


class TooManySubscriptions(APIException):
    """A socket asked for more observer subscriptions than ``MAX_SUBSCRIPTIONS_PER_CONNECTION``.

    429, as for other per-client limits; unlike a rate, it stays until the socket unsubscribes.
    """

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_subscriptions"

    def __init__(self, limit):
        super().__init__(
            _("This connection already holds %(limit)d subscriptions, the most it may: unsubscribe first.")
            % {"limit": limit}
        )
