"""What the site shows of a person to other people, wherever they meet (chat rooms, presence lists)."""

from django.contrib.auth import get_user_model
from rest_framework import serializers


class PublicUserSerializer(serializers.ModelSerializer):
    """A person as others see them: never their email or password."""

    class Meta:
        model = get_user_model()
        fields = ["pk", "username"]
