"""The connection-token endpoint, and the pages built with the mixins: the dashboard{% if cookiecutter.use_chat_demo %}, the chat room{% endif %}."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import {% if cookiecutter.use_chat_demo %}Http404, {% endif %}JsonResponse
from django.views.decorators.http import require_POST
from django.views.generic import {% if cookiecutter.use_chat_demo %}DetailView, {% endif %}TemplateView

{% if cookiecutter.use_chat_demo -%}
from {{ cookiecutter.project_slug }}.chat.models import Room

{% endif -%}
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
{%- if cookiecutter.use_chat_demo %}


class ChatRoomView(LoginRequiredMixin, AddWebSocketRouteToContextMixin, DetailView):
    """The chat room page with its socket through the gateway: the chat's template and script, channel ``chat``.

    Frames are the same as on ``/chat/room/<pk>/``, which talks to the site directly; every frame reaches the
    gateway's ``$default`` route, so the default route's gateway serves the page.
    """

    model = Room
    context_object_name = "room"
    template_name = "apigw/chat_room.html"
    channel_name = "chat"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["api_gateway_route"] is None:
            raise Http404("No API gateway is registered: add one in the admin, or run manage.py apigw_local.")
        return context
{%- endif %}
