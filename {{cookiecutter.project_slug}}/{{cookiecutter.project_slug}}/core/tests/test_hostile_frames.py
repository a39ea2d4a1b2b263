"""Hostile frames over every websocket route: none closes the socket, none is a 500, each gets an answer.

After every frame of the corpus (``hostile_frames``) a follow-up request (an unknown action, or a ping)
must be answered exactly as on a fresh socket; every frame received is standard JSON, and on the
framework's routes a five-key envelope.
"""

import json

import pytest
from channels.routing import get_default_application

from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer

from .hostile_frames import corpus, websocket_routes

pytestmark = pytest.mark.django_db(transaction=True)

ENVELOPE = {"errors", "data", "action", "response_status", "request_id"}
ROUTES = websocket_routes()


def standard_json(text):
    def refuse(name):
        raise ValueError(f"{name} is not standard JSON")

    return json.loads(text, parse_constant=refuse)


def check_reply(output, consumer_class, label):
    assert output["type"] == "websocket.send", f"{label}: the socket was closed ({output})"
    assert output.get("text") is not None, f"{label}: a binary reply"
    frame = standard_json(output["text"])
    if issubclass(consumer_class, AsyncAPIConsumer):
        assert set(frame) == ENVELOPE, f"{label}: {frame}"
        assert frame["response_status"] != 500, f"{label}: {frame}"
    else:
        assert frame["type"] in ("pong", "error"), f"{label}: {frame}"
    return frame


async def still_answers(socket, consumer_class, label, probe_id):
    """Send the follow-up request; return its answer (without its request id) and the frames before it."""
    if issubclass(consumer_class, AsyncAPIConsumer):
        await socket.send_json_to({"action": "no_such_action", "request_id": probe_id})
    else:
        await socket.send_json_to({"probe": probe_id})
    before = []
    while True:
        frame = check_reply(await socket.receive_output(5), consumer_class, label)
        if frame.get("request_id") == probe_id:
            return {**frame, "request_id": None}, before
        if frame.get("type") == "pong" and frame["echo"] == {"probe": probe_id}:
            return {**frame, "echo": None}, before
        before.append(frame)


async def send_corpus(socket, consumer_class):
    """Send every frame of the corpus, each followed by a request answered as on a fresh socket."""
    expected, _ = await still_answers(socket, consumer_class, "fresh socket", "probe")
    frames = corpus(consumer_class)
    for number, (label, frame) in enumerate(frames):
        await socket.send_input({"type": "websocket.receive", **frame})
        answer, before = await still_answers(socket, consumer_class, label, f"probe-{number}")
        assert before, f"{label}: no answer"
        assert answer == expected, f"after {label}"
    return len(frames)


@pytest.mark.parametrize(("path", "consumer_class"), ROUTES, ids=[path for path, _ in ROUTES])
async def test_hostile_frames_close_nothing_and_cause_no_500(open_socket, user, path, consumer_class):
    application = get_default_application()
    sent = 0
    for who in (user, None):
        socket = await open_socket(application, path, user=who)
        if not socket.accepted:
            assert who is None, f"{path} refused a signed-in user"
            continue
        sent += await send_corpus(socket, consumer_class)
    print(f"hostile frames: {path}: {sent} frames, 0 closes, 0 replies with status 500")
