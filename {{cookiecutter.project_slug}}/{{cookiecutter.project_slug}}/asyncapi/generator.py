"""The AsyncAPI 3.0 document of the site's websocket API, built from its routing and consumers.

The document describes the site, as AsyncAPI 3.0 defines it: a frame the site receives from a
client is a ``receive`` operation (with its ``reply``, correlated on ``request_id``), a frame it
pushes is a ``send`` operation. One channel per route, keyed by the route's label. With several
routes, operation ids and message names start with the label (``chat-room_join_room``,
``ChatRoomJoinRoom``); the wire name stays in the payload's ``action.const``.
"""

from django.conf import settings

from ..channels_rest.view_adapter import DjangoViewAsConsumer
from .actions import class_path, consumer_actions
from .components import Components, DocumentError, camel
from .discovery import discover
from .events import consumer_events
from .settings import asyncapi_settings
from .view_actions import view_actions

__all__ = ["DocumentError", "build_document"]

ENVELOPE = ["action", "errors", "data", "response_status", "request_id"]
REQUEST_ID = {"description": "Any JSON value; the replies to this frame carry it back."}
CORRELATION = {"$ref": "#/components/correlationIds/requestId"}
DEFAULT_DESCRIPTION = (
    'Every frame is a JSON object. A client sends `{"action": ..., "request_id": ..., ...arguments}` and '
    "gets replies `{action, errors, data, response_status, request_id}` carrying its `request_id`. "
    "Operations are from the site's side: `receive` = what the site receives from clients, `send` = what it "
    "pushes to them."
)
ERROR_REPLY = "ErrorReply"


def build_document(consumers=None, *, host="localhost:8000", protocol="ws", urlpatterns=None):
    """The document of every route, or of the routes ``consumers`` names (labels or dotted class paths).

    ``urlpatterns`` replaces the site's websocket routing (``discover``'s default).
    """
    routes = select(discover(urlpatterns), consumers)
    writer = DocumentWriter(prefixed=sum(route.documented for route in routes) > 1)
    for route in routes:
        writer.add_route(route)
    return writer.document(servers(host, protocol))


def select(routes, consumers):
    if consumers is None:
        return routes
    chosen = []
    for wanted in consumers:
        matches = [route for route in routes if wanted in (route.label, class_path(route.consumer))]
        if not matches:
            known = ", ".join(route.label for route in routes)
            raise LookupError(f"No websocket route {wanted!r}; the routes are: {known}.")
        chosen += [route for route in matches if route not in chosen]
    return chosen


def servers(host, protocol):
    if asyncapi_settings.SERVERS is not None:
        return asyncapi_settings.SERVERS
    security = [{"$ref": f"#/components/securitySchemes/{name}"} for name in security_schemes()]
    server = {"host": asyncapi_settings.WS_HOST or host, "protocol": asyncapi_settings.WS_PROTOCOL or protocol}
    return {"default": {**server, "security": security}}


def security_schemes():
    """The three ways a socket authenticates (docs/websockets.md), those whose name is set."""
    schemes = {
        "sessionCookie": ("cookie", settings.SESSION_COOKIE_NAME, "The Django session of a signed-in browser."),
        "jwtCookie": ("cookie", asyncapi_settings.AUTH_COOKIE_NAME, "A JWT access token (POST /api/token/)."),
        "jwtQuery": ("query", asyncapi_settings.AUTH_QUERY_PARAM, "A JWT access token in the socket's URL."),
    }
    return {
        key: {"type": "httpApiKey", "in": location, "name": name, "description": description}
        for key, (location, name, description) in schemes.items()
        if name
    }


class DocumentWriter:
    def __init__(self, prefixed):
        self.prefixed = prefixed
        self.components = Components()
        self.channels = {}
        self.operations = {}
        self.origins = {}  # operation id -> what it documents, for collision messages
        self.error_reply = None

    def document(self, server_map):
        info = {"title": asyncapi_settings.TITLE, "version": asyncapi_settings.VERSION}
        info["description"] = asyncapi_settings.DESCRIPTION or DEFAULT_DESCRIPTION
        return {
            "asyncapi": "3.0.0",
            "info": info,
            "defaultContentType": "application/json",
            "servers": server_map,
            "channels": self.channels,
            "operations": self.operations,
            "components": {
                "schemas": self.components.schemas,
                "messages": self.components.messages,
                "securitySchemes": security_schemes(),
                "correlationIds": {
                    "requestId": {
                        "description": "The client's `request_id`, echoed by every reply and event it caused.",
                        "location": "$message.payload#/request_id",
                    }
                },
            },
        }

    def add_route(self, route):
        channel = {"address": route.address, "title": route.label, "messages": {}}
        if route.parameters:
            channel["parameters"] = {name: {"description": text} for name, text in route.parameters.items()}
        self.channels[route.label] = channel
        if not route.documented:
            warning = f"Not a channels_rest consumer ({class_path(route.consumer)}): its frames are not documented."
            channel["description"] = warning
            channel["x-undocumented"] = True
            return
        channel["description"] = " ".join((route.consumer.__doc__ or "").split("\n\n")[0].split())
        if not channel["description"]:
            del channel["description"]
        if self.error_reply is None:
            self.error_reply = self.components.add_message(ERROR_REPLY, error_message(), "the shared error reply")
        channel["messages"][ERROR_REPLY] = self.error_reply
        events = consumer_events(route.consumer, self.components)
        event_ids = {event.name: self.operation_id(route, event.name) for event in events}
        describe = view_actions if issubclass(route.consumer, DjangoViewAsConsumer) else consumer_actions
        for action in describe(route.consumer, self.components):
            self.add_action(route, action, event_ids)
        for event in events:
            self.add_event(route, event)

    def operation_id(self, route, name):
        return f"{route.label}_{name}" if self.prefixed else name

    def message_name(self, route, name):
        return camel(f"{route.label}-{name}") if self.prefixed else camel(name)

    def add_message(self, route, name, message, origin):
        ref = self.components.add_message(name, {"name": name, **message}, origin)
        self.channels[route.label]["messages"][name] = ref
        return {"$ref": f"#/channels/{route.label}/messages/{name}"}

    def add_operation(self, route, name, operation, origin):
        operation_id = self.operation_id(route, name)
        if operation_id in self.operations:
            raise DocumentError(
                f"Two operations are both named {operation_id!r}: {self.origins[operation_id]} and {origin}."
            )
        self.origins[operation_id] = origin
        self.operations[operation_id] = {"action": operation.pop("action"), "channel": self.channel_ref(route)}
        self.operations[operation_id].update({key: value for key, value in operation.items() if value})

    def channel_ref(self, route):
        return {"$ref": f"#/channels/{route.label}"}

    def add_action(self, route, action, event_ids):
        documentation = action.documentation
        request = request_payload(action)
        reply = reply_payload(action)
        if documentation.deprecated:
            request["deprecated"] = reply["deprecated"] = True
        base = self.message_name(route, action.name)
        request_message = message_fields(action.name, action.summary, action.description, request, documentation)
        request_message["examples"] = [
            {"name": name, "payload": {"action": action.name, **payload}} for name, payload in documentation.examples
        ]
        request_ref = self.add_message(route, base, prune(request_message), action.origin)
        reply_message = {"title": f"{action.name} reply", "payload": reply, "correlationId": CORRELATION}
        reply_ref = self.add_message(route, f"{base}Reply", reply_message, f"the reply of {action.origin}")
        events = [event_ids[name] for name in action.events if name in event_ids]
        description = action.description
        if events:
            description = "\n\n".join(filter(None, [description, "Live events: " + ", ".join(events) + "."]))
        error_ref = {"$ref": f"#/channels/{route.label}/messages/{ERROR_REPLY}"}
        operation = {
            "action": "receive",
            "summary": action.summary,
            "description": description,
            "tags": [{"name": tag} for tag in documentation.tags],
            "messages": [request_ref],
            "reply": {"channel": self.channel_ref(route), "messages": [reply_ref, error_ref]},
            "x-events": events,
        }
        self.add_operation(route, action.name, operation, action.origin)

    def add_event(self, route, event):
        documentation = event.documentation
        payload = event_payload(event)
        if documentation is not None and documentation.deprecated:
            payload["deprecated"] = True
        message = message_fields(event.name, event.summary, event.description, payload, documentation)
        if documentation is not None:
            message["examples"] = [{"name": name, "payload": body} for name, body in documentation.examples]
        message_ref = self.add_message(route, self.message_name(route, event.name), prune(message), event.origin)
        operation = {
            "action": "send",
            "summary": event.summary,
            "description": event.description,
            "tags": [{"name": tag} for tag in getattr(documentation, "tags", ())],
            "messages": [message_ref],
        }
        self.add_operation(route, event.name, operation, event.origin)


def message_fields(title, summary, description, payload, documentation):
    message = {
        "title": title,
        "summary": summary,
        "description": description,
        "payload": payload,
        "correlationId": CORRELATION,
    }
    if documentation is not None and documentation.deprecated:
        message["x-deprecated"] = True
    return message


def prune(message):
    """Without empty optional fields (an empty summary or example list says nothing)."""
    return {key: value for key, value in message.items() if value or key == "payload"}


def request_payload(action):
    properties = {
        "action": {"type": "string", "const": action.name},
        "request_id": REQUEST_ID,
        **action.properties,
    }
    schema = {"type": "object", "required": ["action", *action.required], "properties": properties}
    if action.strict:
        schema["additionalProperties"] = False
    return schema


def reply_payload(action):
    status = {"type": "integer", "minimum": 200, "maximum": 299}
    if action.statuses is None:  # a view answers errors as data, with their status
        status = {"type": "integer"}
    elif action.statuses:
        status = {"type": "integer", "enum": action.statuses}
    return {
        "type": "object",
        "required": ENVELOPE,
        "properties": {
            "action": {"type": "string", "const": action.name},
            "errors": {"type": "array", "maxItems": 0},
            "data": action.reply,
            "response_status": status,
            "request_id": REQUEST_ID,
        },
    }


def event_payload(event):
    action = {"type": ["string", "null"]}
    if event.actions is not None:
        action = {"type": "string", "enum": list(event.actions)}
    status = {"type": "integer", "enum": event.statuses} if event.statuses else {"type": "integer"}
    return {
        "type": "object",
        "required": ENVELOPE,
        "properties": {
            "action": action,
            "errors": {"type": "array", "maxItems": 0},
            "data": event.data,
            "response_status": status,
            "request_id": {"description": "The request id of the subscribing action."},
        },
    }


def error_message():
    return {
        "name": ERROR_REPLY,
        "title": "Error reply",
        "summary": "Any action can fail: the reply then has `errors` and no `data`.",
        "description": (
            '400 invalid arguments (`errors` holds the serializer\'s detail, e.g. `[{"name": ["..."]}]`), '
            "403 permission denied, 404 not found, 405 unknown action, 429 throttled, 500 unexpected error, "
            "503 a service out of reach. The socket stays open."
        ),
        "payload": {
            "type": "object",
            "required": ENVELOPE,
            "properties": {
                "action": {"type": ["string", "null"]},
                "errors": {"type": "array", "minItems": 1},
                "data": {"type": "null"},
                "response_status": {"type": "integer", "minimum": 400, "maximum": 599},
                "request_id": REQUEST_ID,
            },
        },
        "correlationId": CORRELATION,
    }
