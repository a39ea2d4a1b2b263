"""``/api/users/``: the REST face of user accounts, with the websocket consumer's serializer and policy."""

from rest_framework import viewsets

from .models import User
from .permissions import UserAccessPolicy
from .serializers import UserSerializer


class UserViewSet(viewsets.ModelViewSet):
    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer
    permission_classes = [UserAccessPolicy]
