"""``ws/users/``: user accounts over a websocket, the documented ``UserConsumer`` made safe and live.

Frames and replies are those of the DCRF examples; what a socket may do is
``UserConsumerPolicy``, what it sees is ``UserSerializer``. ``subscribe_instance`` pushes every later
change of an account, from any path (admin, REST, another socket, the shell), as that subscriber's
serializer shows it: a member watching someone else never receives their email.
"""

from {{ cookiecutter.project_slug }}.channels_rest.generics import GenericAsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.mixins import (
    CreateModelMixin,
    DeleteModelMixin,
    ListModelMixin,
    PatchModelMixin,
    UpdateModelMixin,
)
from {{ cookiecutter.project_slug }}.channels_rest.observer import ObserverModelInstanceMixin

from .models import User
from .permissions import UserConsumerPolicy
from .serializers import UserSerializer


class UserConsumer(
    ObserverModelInstanceMixin,  # retrieve, subscribe_instance, unsubscribe_instance
    ListModelMixin,
    PatchModelMixin,
    UpdateModelMixin,
    CreateModelMixin,
    DeleteModelMixin,
    GenericAsyncAPIConsumer,
):
    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer
    permission_classes = [UserConsumerPolicy]
