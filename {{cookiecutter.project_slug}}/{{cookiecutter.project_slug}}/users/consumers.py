"""``ws/users/``: user accounts over a websocket, the documented ``UserConsumer`` made safe.

Frames and replies are those of the REST framework consumers (see docs/users-api.md); what a
socket may do is ``UserConsumerPolicy``, what it sees is ``UserSerializer``.
"""

from {{ cookiecutter.project_slug }}.channels_rest.generics import GenericAsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.mixins import (
    CreateModelMixin,
    DeleteModelMixin,
    ListModelMixin,
    PatchModelMixin,
    RetrieveModelMixin,
    UpdateModelMixin,
)

from .models import User
from .permissions import UserConsumerPolicy
from .serializers import UserSerializer


class UserConsumer(
    ListModelMixin,
    RetrieveModelMixin,
    PatchModelMixin,
    UpdateModelMixin,
    CreateModelMixin,
    DeleteModelMixin,
    GenericAsyncAPIConsumer,
):
    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer
    permission_classes = [UserConsumerPolicy]
