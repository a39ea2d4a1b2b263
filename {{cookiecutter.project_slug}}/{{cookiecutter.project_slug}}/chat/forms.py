from django import forms

from .models import Room


class RoomForm(forms.Form):
    """The one field of the chat index: a room name to enter, or to create when it is new."""

    name = forms.CharField(max_length=Room._meta.get_field("name").max_length, label="Room name")
