"""Frames an attacker sends, for every websocket route of the site: test data other tests may reuse.

``websocket_routes()`` reads the routes from ``config.routing``, so the corpus follows the project's
options; ``corpus(consumer_class)`` is a list of ``(label, frame)`` pairs, where a frame is the ``text`` or
``bytes`` of an ASGI ``websocket.receive`` message (``communicator.send_input({"type": "websocket.receive",
**frame})``; empty frames included). Every frame is within ``MAX_FRAME_SIZE``: none may close the socket.
"""

import json

import config.routing
from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer, DjangoViewAsConsumer
from {{ cookiecutter.project_slug }}.channels_rest.settings import api_settings

# Values of the wrong kind for any argument, lookup or identifier.
WRONG_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    2**70,
    -(2**70),
    " 1",
    "4 ",
    "1_000",
    "0x1",
    "",
    "abc",
    "\u0000",
    "\u202e\u200b",
    "😀" * 50,
    "x" * 20_000,
    [],
    [1],
    {},
    {"pk": 1},
    [[[[[[]]]]]],
]

# Argument names the framework passes itself next to a message's arguments.
INTERNAL_NAMES = ["self", "scope", "consumer", "queryset", "obj", "view", "instance", "serializer", "kwargs", "args"]

# Frames that are not standard JSON within the limits, or not JSON objects at all.
RAW_FRAMES = [
    ("empty", {"text": ""}),
    ("space", {"text": " "}),
    ("not json", {"text": "not json"}),
    ("truncated", {"text": '{"action": "list"'}),
    ("trailing garbage", {"text": '{"action": "list"} x'}),
    ("two documents", {"text": "{}{}"}),
    ("single quotes", {"text": "{'action': 'list'}"}),
    ("trailing comma", {"text": '{"action": "list",}'}),
    ("comment", {"text": '{"action": "list"} // hi'}),
    ("NaN", {"text": '{"action": "list", "x": NaN}'}),
    ("Infinity", {"text": '{"action": "list", "x": Infinity}'}),
    ("-Infinity", {"text": '{"action": "list", "x": -Infinity}'}),
    ("NaN request id", {"text": '{"action": "list", "request_id": NaN}'}),
    ("bare NaN", {"text": "NaN"}),
    ("overflowing float", {"text": '{"action": "list", "x": 1e999}'}),
    ("5000 digits", {"text": '{"action": "list", "x": ' + "9" * 5000 + "}"}),
    ("lone surrogate value", {"text": '{"action": "list", "x": "\\ud800"}'}),
    ("lone surrogate key", {"text": '{"action": "list", "\\udfff": 1}'}),
    ("lone surrogate action", {"text": '{"action": "\\ud800"}'}),
    ("lone surrogate request id", {"text": '{"action": "list", "request_id": "\\udc00"}'}),
    ("reversed surrogate pair", {"text": '{"action": "list", "x": "\\ude00\\ud83d"}'}),
    ("raw lone surrogate", {"text": '{"action": "list", "x": "\ud800"}'}),
    ("escaped emoji", {"text": '{"action": "list", "x": "\\ud83d\\ude00"}'}),
    ("null", {"text": "null"}),
    ("number", {"text": "42"}),
    ("string", {"text": '"list"'}),
    ("list", {"text": '[{"action": "list"}]'}),
    ("true", {"text": "true"}),
    ("nested 33", {"text": '{"action": "list", "x": ' + "[" * 33 + "]" * 33 + "}"}),
    ("nested 970", {"text": "[" * 970 + "]" * 970}),
    ("nested 970 objects", {"text": '{"a": ' * 970 + "1" + "}" * 970}),
    ("nested 30000 unclosed", {"text": "[" * 30_000}),
    ("nested 10000 objects unclosed", {"text": '{"a":' * 10_000}),
    ("nested request id", {"text": '{"action": "list", "request_id": ' + "[" * 500 + "]" * 500 + "}"}),
    ("binary JSON", {"bytes": b'{"action": "list"}'}),
    ("binary garbage", {"bytes": b"\xff\xfe\x00\x01"}),
    ("binary empty", {"bytes": b""}),
    ("duplicate keys", {"text": '{"action": "list", "action": "delete"}'}),
    ("many keys", {"text": json.dumps({f"k{i}": i for i in range(2000)})}),
    ("wide list", {"text": json.dumps({"action": "list", "x": [0] * 10_000})}),
]


def websocket_routes():
    """``(path, consumer class)`` of every websocket route of the site."""
    patterns = config.routing.websocket_urlpatterns
    return [(f"/{pattern.pattern}", pattern.callback.consumer_class) for pattern in patterns]


def action_names(consumer_class):
    """The actions a consumer answers, as a client would name them."""
    if issubclass(consumer_class, DjangoViewAsConsumer):
        return sorted(consumer_class.mapped_actions)
    if issubclass(consumer_class, AsyncAPIConsumer):
        return sorted(consumer_class.actions)
    return []


def argument_names(consumer_class, action):
    """The arguments an action reads: its signature's names, the lookup and the usual ones."""
    if issubclass(consumer_class, DjangoViewAsConsumer):
        return list(consumer_class.view_arguments)
    spec = consumer_class.actions[action]
    lookup = getattr(consumer_class, "lookup_url_kwarg", None) or getattr(consumer_class, "lookup_field", "pk")
    return sorted(spec.names | {lookup, "data"})


def text(message):
    return {"text": json.dumps(message)}


def corpus(consumer_class):
    """The hostile frames for one consumer: ``[(label, frame), ...]``."""
    frames = list(RAW_FRAMES)
    frames += [(f"action {value!r:.40}", text({"action": value, "request_id": 1})) for value in WRONG_VALUES]
    frames += [(f"request_id {value!r:.40}", text({"action": "list", "request_id": value})) for value in WRONG_VALUES]
    frames.append(("no action", text({"request_id": 1, "pk": 1})))
    for action in action_names(consumer_class):
        frames += [(f"{action} {name}=", text({"action": action, name: 1})) for name in INTERNAL_NAMES]
        frames.append((f"{action} every internal name", text({"action": action, **dict.fromkeys(INTERNAL_NAMES, 1)})))
        frames.append((f"{action} no arguments", text({"action": action})))
        frames.append((f"{action} unknown argument", text({"action": action, "not_an_argument": 1})))
        for name in argument_names(consumer_class, action):
            frames += [
                (f"{action} {name}={value!r:.40}", text({"action": action, "request_id": 1, name: value}))
                for value in WRONG_VALUES
            ]
        if issubclass(consumer_class, DjangoViewAsConsumer):
            for name in ("query", "parameters", "data"):
                frames += [
                    (f"{action} {name}.{key}", text({"action": action, name: {key: value}}))
                    for key, value in [("pk", [1]), ("pk", {}), ("pk", None), ("pk", True), ("pk", 2**70), ("x", 1)]
                ]
    assert all(size(frame) <= api_settings.MAX_FRAME_SIZE for _, frame in frames)
    return frames


def size(frame):
    data = frame.get("text")
    return len(frame["bytes"]) if data is None else len(data.encode(errors="surrogatepass"))
