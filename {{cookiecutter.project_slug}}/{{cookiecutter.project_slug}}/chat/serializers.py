from rest_framework import serializers

from {{ cookiecutter.project_slug }}.users.profiles import PublicUserSerializer

from .models import HISTORY_PAGE, HISTORY_PAGE_MAX, Message, Presence, Room


class MessageSerializer(serializers.ModelSerializer):
    user = PublicUserSerializer(read_only=True)

    class Meta:
        model = Message
        fields = ["pk", "room", "user", "text", "created_at"]
        read_only_fields = ["room", "created_at"]


class RoomSerializer(serializers.ModelSerializer):
    """A room as its page first needs it: who is here and the latest messages.

    ``has_more_messages`` tells whether older ones can be fetched with ``list_messages``.
    """

    host = PublicUserSerializer(read_only=True)
    current_users = serializers.SerializerMethodField()

    class Meta:
        model = Room
        fields = ["pk", "name", "host", "current_users"]

    def get_current_users(self, room):
        return PublicUserSerializer(Presence.objects.present_users(room), many=True).data

    def to_representation(self, room):
        data = super().to_representation(room)
        messages, data["has_more_messages"] = room.messages.page()
        data["messages"] = MessageSerializer(messages, many=True).data
        return data


class HistoryPageSerializer(serializers.Serializer):
    """The arguments of ``list_messages``: a cursor (a message pk) on either side, and a page size."""

    before = serializers.IntegerField(required=False, min_value=1)
    after = serializers.IntegerField(required=False, min_value=0)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=HISTORY_PAGE_MAX, default=HISTORY_PAGE)

    def validate(self, attrs):
        if "before" in attrs and "after" in attrs:
            raise serializers.ValidationError("Give before or after, not both.")
        return attrs
