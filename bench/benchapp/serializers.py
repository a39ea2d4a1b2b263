from rest_framework import serializers

from benchapp.models import Item


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "feed", "name", "value", "description", "stamp"]
