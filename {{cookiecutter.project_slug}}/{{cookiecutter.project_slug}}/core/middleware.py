"""The Permissions-Policy header, which Django has no setting for."""

from django.conf import settings
from django.utils.deprecation import MiddlewareMixin

HEADER = "Permissions-Policy"
KEYWORDS = ("self", "*")


def allowlist(origins):
    """``("self", "https://example.com")`` as ``(self "https://example.com")``: keywords bare, origins quoted."""
    return "(" + " ".join(origin if origin in KEYWORDS else f'"{origin}"' for origin in origins) + ")"


def permissions_policy(policy):
    """``{"camera": (), "fullscreen": ("self",)}`` as ``camera=(), fullscreen=(self)``."""
    return ", ".join(f"{feature}={allowlist(origins)}" for feature, origins in policy.items())


class PermissionsPolicyMiddleware(MiddlewareMixin):
    """Send ``settings.PERMISSIONS_POLICY`` with every response that has no Permissions-Policy of its own."""

    def process_response(self, request, response):
        policy = getattr(settings, "PERMISSIONS_POLICY", None)
        if policy and HEADER not in response:
            response[HEADER] = permissions_policy(policy)
        return response
