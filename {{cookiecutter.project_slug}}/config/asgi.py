"""ASGI entry point: HTTP goes to Django, websockets to the routes in ``config.routing``.

Websocket connections must come from an allowed host (``ALLOWED_HOSTS``). Consumers see
``scope["user"]``: the user of the access token sent with the handshake (``users.socket_tokens``; a token
that is not valid refuses the handshake), else of the Django session. A socket is closed when its session
ends or its token's account changes (``users.sockets``: logout, new password, deactivated or deleted account).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# Django must be set up before anything imports models (the websocket routes do).
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

import config.routing  # noqa: E402
from {{ cookiecutter.project_slug }}.users.socket_tokens import TokenAuthMiddleware  # noqa: E402
from {{ cookiecutter.project_slug }}.users.sockets import SessionEndMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                TokenAuthMiddleware(SessionEndMiddleware(URLRouter(config.routing.websocket_urlpatterns)))
            )
        ),
    }
)
