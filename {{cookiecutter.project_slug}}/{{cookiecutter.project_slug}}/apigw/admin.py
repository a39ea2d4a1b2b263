from django.contrib import admin

from .models import ApiGateway, ApiGatewayRoute, GatewayConnection


class ApiGatewayRouteInline(admin.TabularInline):
    model = ApiGatewayRoute
    extra = 0


@admin.register(ApiGateway)
class ApiGatewayAdmin(admin.ModelAdmin):
    list_display = ["name", "api_id", "region", "stage_name", "domain_name"]
    search_fields = ["name", "api_id", "domain_name"]
    inlines = [ApiGatewayRouteInline]


@admin.register(GatewayConnection)
class GatewayConnectionAdmin(admin.ModelAdmin):
    """Read-only: connections belong to the gateway's events, not to editors."""

    list_display = ["connection_id", "api_gateway", "user", "channel", "connected", "connected_at", "last_seen_at"]
    list_filter = ["connected", "api_gateway", "channel"]
    search_fields = ["connection_id", "user__username"]
    raw_id_fields = ["user"]
    list_select_related = ["api_gateway", "user"]
    readonly_fields = [field.name for field in GatewayConnection._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
