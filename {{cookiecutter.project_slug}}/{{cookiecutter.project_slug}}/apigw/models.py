"""The gateways the site is behind, their routes, the connections they hold, and one-time connection tokens."""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import models

# Hosts whose gateway is the local stand-in (manage.py apigw_local), which speaks ws://: no certificate on loopback.
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class ApiGateway(models.Model):
    """One AWS API Gateway WebSocket API (or the local stand-in) whose events this site serves."""

    name = models.CharField(max_length=100, unique=True)
    api_id = models.CharField(max_length=64, unique=True)
    region = models.CharField(max_length=32)
    stage_name = models.CharField(max_length=128, default="production")
    domain_name = models.CharField(
        max_length=255, blank=True, help_text="A custom domain for the websockets; blank for the execute-api one."
    )
    default_channel = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "API gateway"

    def __str__(self):
        return self.name

    @property
    def websocket_domain(self):
        """The host browsers connect to: the custom domain, else the gateway's own execute-api host."""
        return self.domain_name or f"{self.api_id}.execute-api.{self.region}.amazonaws.com"

    @property
    def websocket_scheme(self):
        """``wss``, except ``ws`` for a gateway on a loopback address (the local stand-in, which has no TLS)."""
        return "ws" if urlsplit(f"//{self.websocket_domain}").hostname in LOOPBACK_HOSTS else "wss"

    @property
    def websocket_origin(self):
        """``wss://<websocket_domain>`` (ws:// on loopback): what the pages' Content-Security-Policy must allow."""
        return f"{self.websocket_scheme}://{self.websocket_domain}"

    def websocket_url(self, channel=None):
        """The URL browsers open (a custom domain maps the stage itself), with ``?channel=`` when given."""
        url = self.websocket_origin
        if not self.domain_name:
            url += f"/{self.stage_name}"
        if channel:
            url += "?" + urlencode({"channel": channel})
        return url

    def management_endpoint(self):
        """The management API's URL, where replies to this gateway's connections are posted."""
        return settings.APIGW_MANAGEMENT_ENDPOINT.format(api_id=self.api_id, region=self.region, stage=self.stage_name)


class ApiGatewayRoute(models.Model):
    """A route of a gateway (``$default`` or a named one such as ``dashboard``) that pages may connect through."""

    api_gateway = models.ForeignKey(ApiGateway, on_delete=models.CASCADE, related_name="routes")
    route_key = models.SlugField(max_length=128)
    name = models.CharField(max_length=100, blank=True)
    integration_url = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["api_gateway", "route_key"]
        constraints = [
            models.UniqueConstraint(fields=["api_gateway", "route_key"], name="apigw_route_unique_per_gateway")
        ]

    def __str__(self):
        return f"{self.api_gateway} {self.route_key}"


class GatewayConnection(models.Model):
    """A websocket the gateway holds for this site, from ``$connect`` to ``$disconnect`` (or Gone)."""

    connection_id = models.CharField(max_length=128, unique=True)
    api_gateway = models.ForeignKey(ApiGateway, on_delete=models.CASCADE, related_name="connections")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="gateway_connections"
    )
    channel = models.CharField(max_length=128)
    owner_channel = models.CharField(
        max_length=100,
        blank=True,
        help_text="The channel-layer channel of the server process whose consumer serves this connection.",
    )
    session_key_hash = models.CharField(max_length=64, blank=True)
    auth_hash = models.CharField(max_length=64, blank=True)
    connected = models.BooleanField(default=True, db_index=True)
    request_count = models.PositiveIntegerField(default=0)
    connected_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-connected_at"]

    def __str__(self):
        return self.connection_id


class WebSocketToken(models.Model):
    """A single-use, short-lived token that lets a browser's ``$connect`` act for its signed-in user.

    Only the token's sha256 is stored, and the HMAC of the Django session it was issued to, so a
    database read gives neither a usable token nor a session key.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="websocket_tokens")
    session_key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"token for {self.user} until {self.expires_at:%Y-%m-%d %H:%M:%S}"
