"""The REST face of user accounts: ``/api/users/``, same serializer and policy as the websocket consumer."""

from django.contrib.auth import update_session_auth_hash
from rest_framework import viewsets

from .models import User
from .permissions import UserAccessPolicy
from .serializers import UserSerializer


class UserViewSet(viewsets.ModelViewSet):
    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer
    permission_classes = [UserAccessPolicy]

    def perform_update(self, serializer):
        """Changing one's own password keeps this session signed in, as Django's password change view does."""
        super().perform_update(serializer)
        if "password" in serializer.validated_data:
            update_session_auth_hash(self.request, serializer.instance)
