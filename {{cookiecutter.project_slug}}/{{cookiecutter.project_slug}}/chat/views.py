from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from .forms import RoomForm
from .models import Room


@login_required
def index(request):
    """List the rooms; the form enters a room by name, creating it (hosted by you) when it is new."""
    form = RoomForm(request.POST or None)
    if form.is_valid():
        room, _ = Room.objects.get_or_create(name=form.cleaned_data["name"], defaults={"host": request.user})
        return redirect("chat:room", pk=room.pk)
    rooms = Room.objects.with_present_count().select_related("host").order_by("name")
    return render(request, "chat/index.html", {"form": form, "rooms": rooms})


@login_required
def room(request, pk):
    """The room page; its script does the rest over the ws/chat/room/ websocket."""
    return render(request, "chat/room.html", {"room": get_object_or_404(Room, pk=pk)})
