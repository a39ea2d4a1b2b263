"""Two people chatting in real browsers (Chromium through Playwright) against a real server process.

Playwright's sync API cannot run inside an asyncio loop, so these are plain sync tests; the ``browser``
fixture comes last, after the users are in the database, and the tests reach the ORM ``in_thread``.
"""

import time
from urllib.parse import quote

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from {{ cookiecutter.project_slug }}.core.tests.browser import log_in
from {{ cookiecutter.project_slug }}.core.tests.live_server import in_thread

from ..models import Message, Presence, Room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

WAIT = 20_000  # milliseconds a browser assertion waits for the page to get there


@pytest.fixture(autouse=True)
def patient_assertions():
    expect.set_options(timeout=WAIT)


def open_chat(browser, server, user):
    """A fresh browser context (its own cookies, like a private window) logged in as ``user`` on /chat/."""
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone-sized screen
    log_in(page, server, user, "/chat/")
    return page


def enter_room(page, name):
    page.fill("#room-name-input", name)
    page.click("#room-name-submit")
    expect_ready(page)


def expect_ready(page):
    """Connected, in the room, history loaded: the page says "Connected" only then."""
    expect(page.locator("#chat-status")).to_have_attribute("data-state", "open")
    expect(page.locator("#chat-message-submit")).to_be_enabled()


def send(page, text, press_enter=True):
    page.fill("#chat-message-input", text)
    if press_enter:
        page.press("#chat-message-input", "Enter")
    else:
        page.click("#chat-message-submit")
    expect(page.locator("#chat-message-input")).to_have_value("")


def wait_until(condition, timeout=WAIT / 1000):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the server never got there"
        time.sleep(0.05)


def room_pk(page):
    return int(page.locator("#chat").get_attribute("data-room"))


def log(page):
    return page.locator("#chat-log .chat-message .text")


def presence(page):
    return page.locator("#presence-list li")


def test_two_people_chat_live(site_server, user, other_user, browser):
    alice = open_chat(browser, site_server, user)
    enter_room(alice, "lobby")
    expect(presence(alice)).to_have_text(["alice"])

    bob = open_chat(browser, site_server, other_user)
    enter_room(bob, "lobby")  # the same room: an existing name enters it
    assert in_thread(Room.objects.count) == 1
    expect(presence(bob)).to_have_text(["alice", "bob"])
    expect(presence(alice)).to_have_text(["alice", "bob"])

    send(alice, "Hello Bob")
    expect(log(bob)).to_have_text(["Hello Bob"])
    send(bob, "<b>Hi</b> Alice", press_enter=False)
    expect(log(alice)).to_have_text(["Hello Bob", "<b>Hi</b> Alice"])  # shown as text, never as markup
    expect(alice.locator("#chat-log b")).to_have_count(0)

    bob.context.close()  # closing the window ends bob's presence
    expect(presence(alice)).to_have_text(["alice"])

    alice.reload()
    expect(log(alice)).to_have_text(["Hello Bob", "<b>Hi</b> Alice"])
    expect(presence(alice)).to_have_text(["alice"])
    assert in_thread(lambda: list(Message.objects.values_list("user__username", "text"))) == [
        ("alice", "Hello Bob"),
        ("bob", "<b>Hi</b> Alice"),
    ]


def test_two_tabs_are_one_presence(site_server, user, other_user, browser):
    bob = open_chat(browser, site_server, other_user)
    enter_room(bob, "tabs")
    alice = open_chat(browser, site_server, user)
    enter_room(alice, "tabs")
    second_tab = alice.context.new_page()  # same context: same session, a second connection
    second_tab.goto(alice.url)
    expect_ready(second_tab)
    assert in_thread(Presence.objects.filter(user=user).count) == 2  # one presence per connection
    expect(presence(bob)).to_have_text(["alice", "bob"])

    alice.close()
    wait_until(lambda: in_thread(Presence.objects.filter(user=user).count) == 1)  # the server saw the tab go
    send(second_tab, "still here")  # arrives after any presence update the closed tab caused
    expect(log(bob)).to_have_text(["still here"])
    expect(presence(bob)).to_have_text(["alice", "bob"])  # the other tab still holds the presence

    second_tab.click("#chat-leave")
    expect(second_tab).to_have_url(f"{site_server.url}/chat/")
    expect(presence(bob)).to_have_text(["bob"])


def test_reconnects_and_fetches_what_it_missed(site_server, user, other_user, browser):
    alice = open_chat(browser, site_server, user)
    enter_room(alice, "resilient")
    send(alice, "before the outage")

    site_server.stop()
    status = alice.locator("#chat-status")
    expect(status).not_to_have_attribute("data-state", "open")
    expect(alice.locator("#chat-message-submit")).to_be_disabled()
    alice.fill("#chat-message-input", "typed during the outage")
    alice.press("#chat-message-input", "Enter")  # not sent, and not lost
    in_thread(Message.objects.create, room_id=room_pk(alice), user=other_user, text="sent while you were away")

    site_server.start()
    expect_ready(alice)
    expect(log(alice)).to_have_text(["before the outage", "sent while you were away"])
    expect(alice.locator("#chat-message-input")).to_have_value("typed during the outage")
    alice.press("#chat-message-input", "Enter")
    expect(alice.locator("#chat-message-input")).to_have_value("")

    bob = open_chat(browser, site_server, other_user)
    enter_room(bob, "resilient")
    send(bob, "live again")  # alice subscribed again after reconnecting
    expect(log(alice)).to_have_text(
        ["before the outage", "sent while you were away", "typed during the outage", "live again"]
    )


def test_logging_out_in_another_tab_signs_the_room_out(site_server, user, other_user, browser):
    bob = open_chat(browser, site_server, other_user)
    enter_room(bob, "signing out")
    alice = open_chat(browser, site_server, user)
    enter_room(alice, "signing out")
    expect(presence(bob)).to_have_text(["alice", "bob"])

    other_tab = alice.context.new_page()  # same session
    other_tab.goto(f"{site_server.url}/")
    other_tab.get_by_role("button", name="Log out").click()

    status = alice.locator("#chat-status")
    expect(status).to_have_attribute("data-state", "signedOut")
    expect(status).to_contain_text("You were signed out.")
    room_path = quote(alice.evaluate("location.pathname"), safe="")
    expect(status.get_by_role("link", name="Log in again")).to_have_attribute(
        "href", f"{reverse('users:login')}?next={room_path}"
    )
    expect(alice.locator("#chat-message-submit")).to_be_disabled()
    expect(presence(bob)).to_have_text(["bob"])
    alice.wait_for_timeout(2_000)  # longer than the first reconnect delay: the page must not try again
    expect(status).to_have_attribute("data-state", "signedOut")
    assert in_thread(Presence.objects.filter(user=user).count) == 0
