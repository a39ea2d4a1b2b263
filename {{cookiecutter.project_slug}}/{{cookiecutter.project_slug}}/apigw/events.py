"""The view API Gateway calls for every websocket event (HTTP_PROXY integrations to ``apigw/events/<route>``).

The wire contract is the reference library's, so its AWS set-up applies: the shared secret in
``X-Ws-Gateway-Secret``, the API id in ``X-Amzn-Apigateway-Api-Id``, the connection id in ``Connectionid``
(mapped from ``context.connectionId``), and on ``$connect`` the browser's ``?channel=`` and ``?ws_token=``.
Checks run in that order; every refusal is a 4xx JSON body, one log line, and no change to the database.
"""

import json
import logging
import re
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import F
from django.http import JsonResponse
from django.http.request import split_domain_port, validate_host
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import bridge, sender
from .checks import configured_secrets
from .hashing import auth_hash, session_key_hash
from .models import ApiGateway, GatewayConnection
from .tokens import TokenError, consume_token

logger = logging.getLogger(__name__)

CONNECTION_ID = re.compile(r"[A-Za-z0-9_=-]{1,128}")
MAX_BODY_BYTES = sender.MAX_PAYLOAD_BYTES


class Refused(Exception):
    """An event the site will not serve: ``status`` and a message for the JSON body and the log."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


@csrf_exempt
@require_POST
def gateway_event(request, route):
    """Serve one gateway event: ``connect``, ``disconnect``, ``default`` or a named route (served like default)."""
    try:
        gateway = authenticate_gateway(request)
        connection_id = request.headers.get("Connectionid", "")
        if not CONNECTION_ID.fullmatch(connection_id):
            raise Refused(400, "Missing or malformed Connectionid header.")
        if route == "connect":
            connect(request, gateway, connection_id)
            return JsonResponse({"status": "connected"})
        if route == "disconnect":
            disconnect(gateway, connection_id)
            return JsonResponse({"status": "disconnected"})
        replies, connection = receive(request, gateway, connection_id)
    except Refused as refusal:
        logger.warning("Gateway event %r refused (%s): %s", route, refusal.status, refusal.message)
        return JsonResponse({"error": refusal.message}, status=refusal.status)
    for reply in replies:
        try:
            sender.post(connection, reply)
        except sender.PayloadTooLarge as exc:
            logger.error("A reply to gateway connection %s was dropped: %s", connection_id, exc)
    return JsonResponse({"status": "ok", "replies": len(replies)})


def authenticate_gateway(request):
    """The registered gateway the request comes from; Refused unless the secret and the API id match."""
    presented = request.headers.get("X-Ws-Gateway-Secret", "")
    accepted = [secret for secret in configured_secrets() if secret]
    matches = [secrets.compare_digest(presented.encode(), secret.encode()) for secret in accepted]
    if not presented or not any(matches):
        raise Refused(403, "Missing or wrong gateway secret.")
    api_id = request.headers.get("X-Amzn-Apigateway-Api-Id", "")
    if not api_id:
        raise Refused(400, "Missing X-Amzn-Apigateway-Api-Id header.")
    gateway = ApiGateway.objects.filter(api_id=api_id).first()
    if gateway is None:
        raise Refused(403, "Unknown API Gateway id.")
    return gateway


def check_origin(request):
    """The handshake's Host must be one of ALLOWED_HOSTS and its Origin that host or a subdomain of it."""
    try:
        host = request.get_host()
    except Exception as exc:  # DisallowedHost, SuspiciousOperation: both mean "not this site"
        raise Refused(400, "Host is not allowed.") from exc
    origin = request.headers.get("Origin", "")
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(403, "Missing or invalid Origin.")
    domain, _port = split_domain_port(host)
    origin_host = parts.hostname.lower()
    if not (origin_host == domain or origin_host.endswith("." + domain)) or not validate_host(
        origin_host, settings.ALLOWED_HOSTS
    ):
        raise Refused(403, "Origin is not this site.")


def connect(request, gateway, connection_id):
    """Record a connection once its origin, channel, token and the consumer's permissions agree."""
    check_origin(request)
    channel = request.GET.get("channel") or gateway.default_channel
    try:
        bridge.consumer_class(channel)
    except bridge.UnknownChannel as exc:
        raise Refused(403, str(exc)) from exc
    if GatewayConnection.objects.filter(connection_id=connection_id).exists():
        raise Refused(400, "Connection id already registered.")
    session_key = request.session.session_key
    try:
        user = consume_token(request.GET.get("ws_token", ""), session_key)
    except TokenError as exc:
        raise Refused(403, str(exc)) from exc
    scope = bridge.build_scope(channel=channel, user=user, connection_id=connection_id, gateway=gateway)
    if not bridge.run(bridge.can_connect(scope)):
        raise Refused(403, f"Not allowed on channel {channel!r}.")
    GatewayConnection.objects.create(
        connection_id=connection_id,
        api_gateway=gateway,
        user=user,
        channel=channel,
        session_key_hash=session_key_hash(session_key),
        auth_hash=auth_hash(user),
        last_seen_at=timezone.now(),
    )


def disconnect(gateway, connection_id):
    """Close the connection's row (kept for the dashboard and audits)."""
    closed = GatewayConnection.objects.filter(connection_id=connection_id, api_gateway=gateway).update(
        connected=False, disconnected_at=timezone.now()
    )
    if not closed:
        raise Refused(400, "Unknown connection.")


def receive(request, gateway, connection_id):
    """Run a ``$default`` frame through the channel's consumer; returns (replies, connection)."""
    connection = (
        GatewayConnection.objects.select_related("user", "api_gateway")
        .filter(connection_id=connection_id, api_gateway=gateway, connected=True)
        .first()
    )
    if connection is None:
        raise Refused(400, "Unknown or closed connection.")
    user = connection.user
    if user is not None and (not user.is_active or not secrets.compare_digest(connection.auth_hash, auth_hash(user))):
        sender.mark_closed([connection_id])
        raise Refused(403, "The connection's session has ended.")
    if len(request.body) > MAX_BODY_BYTES:
        raise Refused(413, "Message too large.")
    try:
        body = json.loads(request.body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(400, "The message must be JSON.") from exc
    if not isinstance(body, dict):
        raise Refused(400, "The message must be a JSON object.")
    GatewayConnection.objects.filter(pk=connection.pk).update(
        last_seen_at=timezone.now(), request_count=F("request_count") + 1
    )
    scope = bridge.build_scope(channel=connection.channel, user=user, connection_id=connection_id, gateway=gateway)
    return bridge.run(bridge.serve_frame(scope, request.body.decode())), connection
