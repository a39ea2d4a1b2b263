import pytest
from channels.auth import AuthMiddlewareStack

from {{ cookiecutter.project_slug }}.channels_rest.settings import DEFAULTS


@pytest.fixture(autouse=True)
def framework_default_permissions(settings):
    """The framework's own default (AllowAny, as DCRF), not the site's: these tests are about the framework."""
    settings.DJANGO_CHANNELS_REST_API = {
        **settings.DJANGO_CHANNELS_REST_API,
        "DEFAULT_PERMISSION_CLASSES": DEFAULTS["DEFAULT_PERMISSION_CLASSES"],
    }


@pytest.fixture
def consumer_socket(open_socket):
    """Open a websocket to a consumer class (or ASGI app) behind the site's session and auth middleware.

    ``socket = await consumer_socket(MyConsumer, user=alice)``; check ``socket.accepted``.
    """

    def open_consumer(consumer, user=None, path="/ws/test/", headers=()):
        application = consumer.as_asgi() if isinstance(consumer, type) else consumer
        return open_socket(AuthMiddlewareStack(application), path, user=user, headers=headers)

    return open_consumer
