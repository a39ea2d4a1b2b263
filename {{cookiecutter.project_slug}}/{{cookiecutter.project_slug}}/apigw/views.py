"""The connection-token endpoint and the dashboard page built with the mixins."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from .mixins import AddWebSocketRouteToContextMixin
from .tokens import issue_token, tokens_issued_recently


@require_POST
def websocket_token(request):
    """POST: a one-time token for the signed-in user's next ``$connect``: ``{"token", "expires_in"}``.

    CSRF is checked by the middleware (the page sends ``X-CSRFToken``). Anonymous requests get a 403 in JSON,
    not a redirect to the login page, since the caller is a script. Tokens per user and minute are counted
    from the stored rows, so the limit holds across server processes.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Sign in to get a websocket token."}, status=403)
    limit = settings.APIGW_TOKENS_PER_MINUTE
    if tokens_issued_recently(request.user) >= limit:
        return JsonResponse(
            {"detail": f"Too many websocket tokens: at most {limit} a minute. Try again shortly."},
            status=429,
            headers={"Retry-After": "60"},
        )
    if request.session.session_key is None:
        request.session.save()
    token, expires_in = issue_token(request.user, request.session.session_key)
    return JsonResponse({"token": token, "expires_in": expires_in})


class DashboardView(LoginRequiredMixin, AddWebSocketRouteToContextMixin, TemplateView):
    """The library's dashboard example: connects to the ``dashboard`` channel with a token."""

    template_name = "apigw/dashboard.html"
    websocket_route_key = "dashboard"
    channel_name = "dashboard"
