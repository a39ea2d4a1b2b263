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

from asgiref.sync import sync_to_async
from channels.exceptions import ChannelFull
from django.conf import settings
from django.db import IntegrityError
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


class SessionEnded(Refused):
    """A ``$default`` of a connection whose user was deactivated or changed password: it is ended."""

    def __init__(self, connection):
        super().__init__(403, "The connection's session has ended.")
        self.connection = connection


class ConnectAnswer(JsonResponse):
    """The answer to an admitted ``$connect``; Django closes a response once it has sent it, and from then on
    the gateway takes posts to the connection (``bridge.LiveConnection.connect_answered``)."""

    def __init__(self, live):
        super().__init__({"status": "connected"})
        self.live = live

    def close(self):
        super().close()
        self.live.connect_answered()


@csrf_exempt
@require_POST
async def gateway_event(request, route):
    """Serve one gateway event: ``connect``, ``disconnect``, ``default`` or a named route (served like default).

    An async view, so that the connection's consumer runs on this server's event loop and outlives the request;
    the checks and the database work run in Django's thread for sync code (``sync_to_async``).
    """
    try:
        gateway, connection_id = await sync_to_async(identify)(request)
        if route == "connect":
            return await connect(request, gateway, connection_id)
        if route == "disconnect":
            await disconnect(gateway, connection_id)
            return JsonResponse({"status": "disconnected"})
        return await receive(request, gateway, connection_id)
    except Refused as refusal:
        logger.warning("Gateway event %r refused (%s): %s", route, refusal.status, refusal.message)
        return JsonResponse({"error": refusal.message}, status=refusal.status)
    except ChannelFull:
        logger.error("Gateway event %r not served: the channel layer is full", route)
        return JsonResponse({"error": "The site is too busy; try again."}, status=503)


def identify(request):
    """The gateway and the connection id of an event; Refused unless both are valid."""
    gateway = authenticate_gateway(request)
    connection_id = request.headers.get("Connectionid", "")
    if not CONNECTION_ID.fullmatch(connection_id):
        raise Refused(400, "Missing or malformed Connectionid header.")
    return gateway, connection_id


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


def admit(request, gateway, connection_id):
    """The unsaved row of a ``$connect`` whose origin, channel and token are good (the token is spent)."""
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
    return GatewayConnection(
        connection_id=connection_id,
        api_gateway=gateway,
        user=user,
        channel=channel,
        session_key_hash=session_key_hash(session_key),
        auth_hash=auth_hash(user),
        last_seen_at=timezone.now(),
    )


async def connect(request, gateway, connection_id):
    """Start the channel's consumer for an admitted connection; its row names this process as the owner.

    The consumer's own permissions (``can_connect``) decide last: a channel name is never authorization.
    """
    connection = await sync_to_async(admit)(request, gateway, connection_id)
    scope = bridge.build_scope(
        channel=connection.channel, user=connection.user, connection_id=connection_id, gateway=gateway
    )
    live = await bridge.open_connection(scope, connection)
    if live is None:
        raise Refused(403, f"Not allowed on channel {connection.channel!r}.")
    connection.owner_channel = live.relay.channel
    try:
        await sync_to_async(connection.save)(force_insert=True)
    except IntegrityError as exc:
        await live.stop()
        raise Refused(400, "Connection id already registered.") from exc
    except BaseException:
        await live.stop()
        raise
    return ConnectAnswer(live)


def close_row(gateway, connection_id):
    """Close the connection's row (kept for the dashboard and audits); returns its owner's channel."""
    connection = GatewayConnection.objects.filter(connection_id=connection_id, api_gateway=gateway).first()
    if connection is None:
        raise Refused(400, "Unknown connection.")
    sender.mark_closed([connection_id])
    return connection.owner_channel


async def disconnect(gateway, connection_id):
    """The gateway closed the socket: close the row and end its consumer."""
    owner = await sync_to_async(close_row)(gateway, connection_id)
    await bridge.disconnect(connection_id, owner)


def admit_frame(request, gateway, connection_id):
    """The open connection a ``$default`` body is for, once the body and the connection's session are good."""
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
        raise SessionEnded(connection)
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
    return connection


async def receive(request, gateway, connection_id):
    """Hand a ``$default`` body to the connection's consumer, in this process or at its owner.

    The view answers once the consumer has it, not once it has served it: replies are posted as the consumer
    sends them. A connection whose owner is gone is closed at the gateway (410), so that the client reconnects.
    """
    try:
        connection = await sync_to_async(admit_frame)(request, gateway, connection_id)
    except SessionEnded as ended:
        await sync_to_async(bridge.end_sessions)([(connection_id, ended.connection.owner_channel)])
        raise
    if not await bridge.receive(connection, request.body.decode()):
        await bridge.close_at_gateway(connection)
        logger.warning("Gateway connection %s has no server any more: closed, so that it reconnects", connection_id)
        return JsonResponse({"error": "The connection's server is gone; reconnect."}, status=410)
    return JsonResponse({"status": "ok"})
