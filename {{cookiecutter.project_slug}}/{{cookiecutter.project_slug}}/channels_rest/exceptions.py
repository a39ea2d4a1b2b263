"""Exceptions of the websocket framework, mapped to error frames by ``AsyncAPIConsumer.handle_exception``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException


class ActionMissingException(APIException):
    """A message arrived without an ``action`` key."""

    status_code = status.HTTP_405_METHOD_NOT_ALLOWED
    default_detail = _("Unable to find action in message body.")
    default_code = "method_not_allowed"
