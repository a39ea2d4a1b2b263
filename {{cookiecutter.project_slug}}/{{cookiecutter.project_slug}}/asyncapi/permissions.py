"""Who may read the AsyncAPI document and its docs page: the DRF permission classes of SERVE_PERMISSIONS."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.module_loading import import_string
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from .settings import asyncapi_settings


def serve_permissions():
    """Instances of the SERVE_PERMISSIONS classes (dotted paths or classes), read from the settings now."""
    return [import_string(path)() if isinstance(path, str) else path() for path in asyncapi_settings.SERVE_PERMISSIONS]


class ServePermissionsMixin:
    """Checks SERVE_PERMISSIONS before a plain Django view runs, as DRF would for an API view.

    The request is authenticated by REST_FRAMEWORK's authentication classes, so the page and the document
    admit the same people. Someone not logged in is sent to the login page, and comes back after it; a
    logged-in user who is not allowed gets a 403.
    """

    def dispatch(self, request, *args, **kwargs):
        drf_request = Request(request, authenticators=[auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES])
        try:
            allowed = all(permission.has_permission(drf_request, self) for permission in serve_permissions())
        except APIException as error:  # credentials sent but refused (a bad or expired token)
            raise PermissionDenied(str(error.detail)) from None
        if not allowed:
            if not drf_request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied("You may not read the WebSocket API documentation.")
        return super().dispatch(request, *args, **kwargs)
