from {{ cookiecutter.project_slug }}.channels_rest.permissions import IsAuthenticated


class IsAuthenticatedSocket(IsAuthenticated):
    """Authenticated users only, from the handshake on: an anonymous socket is refused before it opens."""

    async def can_connect(self, scope, consumer, message=None):
        return self.has_permission_sync(scope, consumer, "connect")
