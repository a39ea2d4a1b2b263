"""Websocket routes of the user API.

``ws/users/`` is the ``UserConsumer``. ``ws/users/view/`` serves the REST viewset itself over a
websocket ("view as consumer"): an action picks the HTTP method, ``parameters`` are the URL's
keyword arguments (``{"pk": 2}`` for one account), ``data`` is the request body.
"""

from django.urls import path

from {{ cookiecutter.project_slug }}.channels_rest.view_adapter import view_as_consumer

from .api import UserViewSet
from .consumers import UserConsumer

user_list = UserViewSet.as_view({"get": "list", "post": "create"})
user_detail = UserViewSet.as_view({"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"})


def user_api(request, pk=None):
    """The REST API as one view: ``/api/users/`` without ``pk``, ``/api/users/<pk>/`` with it."""
    if pk is None:
        return user_list(request)
    return user_detail(request, pk=pk)


websocket_urlpatterns = [
    path("ws/users/", UserConsumer.as_asgi()),
    path("ws/users/view/", view_as_consumer(user_api)),
]
