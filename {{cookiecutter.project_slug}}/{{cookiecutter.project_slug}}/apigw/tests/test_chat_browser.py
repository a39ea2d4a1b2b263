{%- if cookiecutter.use_chat_demo -%}
"""The chat in Chromium with one user through the local gateway and one on daphne directly, in the same room.

``local_gateway`` (conftest.py) runs the stand-in for API Gateway in front of ``site_server``; the gateway user's
page is the chat room built with the mixin (``/apigw/chat/room/<pk>/``), the other's the chat's own.
"""

import time

import pytest
from playwright.sync_api import expect

from {{ cookiecutter.project_slug }}.apigw.models import GatewayConnection
from {{ cookiecutter.project_slug }}.chat.models import Room
from {{ cookiecutter.project_slug }}.core.tests.browser import log_in
from {{ cookiecutter.project_slug }}.core.tests.live_server import in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

WAIT = 20_000  # milliseconds a browser assertion waits for the page to get there

# In the gateway user's page: a socket of its own on the "users" channel, one action, its reply.
USERS_ACTION = """
async ([url, pk]) => {
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const response = await fetch("/apigw/token/", {method: "POST", headers: {"X-CSRFToken": csrf}});
  const {token} = await response.json();
  const socket = new WebSocket(`${url}&ws_token=${encodeURIComponent(token)}`);
  const reply = await new Promise((resolve, reject) => {
    socket.onopen = () => socket.send(JSON.stringify({action: "retrieve", pk, request_id: "u1"}));
    socket.onmessage = (event) => resolve(JSON.parse(event.data));
    socket.onclose = () => reject(new Error("closed"));
  });
  socket.close();
  return reply;
}
"""


@pytest.fixture
def room(user):
    return Room.objects.create(name="lobby", host=user)


def open_room(browser, server, user, path):
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone-sized screen
    log_in(page, server, user, path)
    expect(page.locator("#chat-status")).to_have_attribute("data-state", "open")
    expect(page.locator("#chat-message-submit")).to_be_enabled()
    return page


def send(page, text):
    page.fill("#chat-message-input", text)
    page.press("#chat-message-input", "Enter")
    expect(page.locator("#chat-message-input")).to_have_value("")


def log(page):
    return page.locator("#chat-log .chat-message .text")


def presence(page):
    return page.locator("#presence-list li")


def test_two_users_chat_one_through_the_gateway(
    local_gateway, site_server, user, other_user, room, browser, record_property
):
    expect.set_options(timeout=WAIT)
    alice = open_room(browser, site_server, user, f"/apigw/chat/room/{room.pk}/")
    gateway_url = alice.locator("#chat").get_attribute("data-websocket-url")
    assert gateway_url == f"ws://{local_gateway.host}:{local_gateway.port}?channel=chat"
    (connection,) = in_thread(lambda: list(GatewayConnection.objects.filter(connected=True)))
    assert (connection.user_id, connection.channel) == (user.pk, "chat")

    bob = open_room(browser, site_server, other_user, f"/chat/room/{room.pk}/")
    expect(presence(bob)).to_have_text(["alice", "bob"])
    expect(presence(alice)).to_have_text(["alice", "bob"])  # presence pushed to the gateway connection

    send(alice, "Hello from the gateway")
    expect(log(bob)).to_have_text(["Hello from the gateway"])
    send(bob, "Hello from daphne")
    expect(log(alice)).to_have_text(["Hello from the gateway", "Hello from daphne"])

    users_url = gateway_url.replace("channel=chat", "channel=users")
    reply = alice.evaluate(USERS_ACTION, [users_url, user.pk])
    assert (reply["action"], reply["request_id"], reply["response_status"]) == ("retrieve", "u1", 200)
    assert reply["data"]["username"] == "alice"

    alice.context.close()
    expect(presence(bob)).to_have_text(["bob"])
    deadline = time.monotonic() + WAIT / 1000
    while in_thread(GatewayConnection.objects.filter(connected=True).exists):
        assert time.monotonic() < deadline, "closing the browser did not end its gateway connection"
        time.sleep(0.1)
    counts = local_gateway.counts
    record_property("figures", counts.summary())
    assert counts.connections == 2  # the chat page's socket and the users one
    assert counts.to_site >= 5  # join, two subscriptions, the room, a message, the users action
    assert counts.to_browser >= counts.to_site  # every action answered, and pushes besides
{%- endif %}
