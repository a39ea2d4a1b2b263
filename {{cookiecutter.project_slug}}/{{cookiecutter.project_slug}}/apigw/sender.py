"""Posting to gateway connections: the one place that calls AWS (``apigatewaymanagementapi``).

boto3 is imported inside ``management_client`` only, so the rest of the app (the event view, the checks,
the mixins) loads without it. Never post while a ``$connect`` integration is running: AWS answers 410
(GoneException) until the connect request has returned, so the bridge holds a new connection's frames until
the connect answer has gone out.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.utils import timezone

from {{ cookiecutter.project_slug }}.channels_rest.frames import encoder

from .models import GatewayConnection

logger = logging.getLogger(__name__)

# AWS refuses a message over 128 KB (the whole payload, not a frame).
MAX_PAYLOAD_BYTES = 128 * 1024
# Fan-out threads per call: enough to overlap round trips, few enough to spare the connection pool.
MAX_WORKERS = 10

_clients = {}
_clients_lock = threading.Lock()


class PayloadTooLarge(ValueError):
    """A message over ``MAX_PAYLOAD_BYTES``: refused before any request, since AWS would refuse it."""


def management_client(gateway):
    """The management API client for ``gateway``, one per process and endpoint (boto3 clients are thread-safe)."""
    endpoint = gateway.management_endpoint()
    key = (endpoint, gateway.region)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"})
            client = boto3.client(
                "apigatewaymanagementapi", endpoint_url=endpoint, region_name=gateway.region, config=config
            )
            _clients[key] = client
        return client


def clear_client_cache():
    """Forget the cached clients (tests that change the endpoint or stub a client)."""
    with _clients_lock:
        _clients.clear()


def encode(data):
    """``data`` as the UTF-8 JSON bytes AWS receives; PayloadTooLarge over the limit."""
    payload = data if isinstance(data, bytes) else encoder.encode(data).encode()
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(
            f"A gateway message is limited to {MAX_PAYLOAD_BYTES} bytes; this one has {len(payload)}."
        )
    return payload


def is_gone(error):
    """Whether a botocore ClientError says the connection no longer exists."""
    return error.response.get("Error", {}).get("Code") == "GoneException"


def mark_closed(connection_ids):
    """Close the rows of ``connection_ids`` in one UPDATE (the gateway already dropped them)."""
    if not connection_ids:
        return 0
    return GatewayConnection.objects.filter(connection_id__in=list(connection_ids), connected=True).update(
        connected=False, disconnected_at=timezone.now()
    )


def _post_payload(connection, payload):
    management_client(connection.api_gateway).post_to_connection(ConnectionId=connection.connection_id, Data=payload)


def unless_gone(call, *args, **kwargs):
    """Make one management API call; False when the gateway says the connection is gone, else True.

    Any other ClientError is raised, since it means a configuration problem (credentials, IAM, endpoint).
    """
    from botocore.exceptions import ClientError

    try:
        call(*args, **kwargs)
    except ClientError as error:
        if not is_gone(error):
            raise
        return False
    return True


def deliver(connection, data):
    """Send ``data`` to one connection without touching the database; False when the gateway says it is gone.

    For callers that keep the database out of the thread doing network calls (the bridge's posting task).
    """
    return unless_gone(_post_payload, connection, encode(data))


def post(connection, data):
    """Send ``data`` (JSON-encoded, or bytes as they are) to one connection; False when it is gone.

    A gone connection is marked closed; other errors are raised, as by ``deliver``.
    """
    if deliver(connection, data):
        return True
    mark_closed([connection.connection_id])
    connection.connected = False
    return False


def disconnect(connection):
    """Close the connection at the gateway (``delete_connection``); False when it was already gone.

    The gateway then sends ``$disconnect`` for it, as when the browser closes.
    """
    client = management_client(connection.api_gateway)
    return unless_gone(client.delete_connection, ConnectionId=connection.connection_id)


def post_many(connections, data):
    """Send ``data`` to every connection concurrently; returns ``{"sent", "gone", "failed"}`` counts.

    Failures are logged, not raised, so one broken connection never stops the others; every gone connection
    is marked closed in one UPDATE at the end.
    """
    from botocore.exceptions import ClientError

    payload = encode(data)
    connections = list(connections)
    counts = {"sent": 0, "gone": 0, "failed": 0}
    gone = []
    if not connections:
        return counts

    def send(connection):
        try:
            _post_payload(connection, payload)
        except ClientError as error:
            if is_gone(error):
                return "gone"
            logger.warning("Posting to gateway connection %s failed: %s", connection.connection_id, error)
            return "failed"
        except Exception:
            logger.exception("Posting to gateway connection %s failed", connection.connection_id)
            return "failed"
        return "sent"

    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(connections))) as pool:
        for connection, outcome in zip(connections, pool.map(send, connections), strict=True):
            counts[outcome] += 1
            if outcome == "gone":
                gone.append(connection.connection_id)
    mark_closed(gone)
    return counts
