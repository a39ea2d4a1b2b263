from django.contrib import admin

from .models import Message, Presence, Room


class PresenceInline(admin.TabularInline):
    """Who is connected, read-only: presences belong to live connections, not to editors."""

    model = Presence
    extra = 0
    can_delete = False
    readonly_fields = ["user", "channel_name", "last_seen"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "host"]
    search_fields = ["name"]
    raw_id_fields = ["host"]
    inlines = [PresenceInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "room", "user", "text"]
    list_filter = ["room"]
    search_fields = ["text", "user__username"]
    date_hierarchy = "created_at"
    raw_id_fields = ["room", "user"]
    list_select_related = ["room", "user"]
