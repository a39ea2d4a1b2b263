"""The try-it-out console of the docs page, in Chromium against a real server process.

The test settings keep the console off, as production does; ``console_server`` restarts the site with
ASYNCAPI_TRY_IT_OUT=1. The docs are for staff under those settings, so every page is opened as carol.
"""

import json
import re

import pytest
from playwright.sync_api import expect
from rest_framework_simplejwt.tokens import AccessToken

from {{ cookiecutter.project_slug }}.core.tests.browser import log_in
from {{ cookiecutter.project_slug }}.core.tests.live_server import in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

WAIT = 20_000  # milliseconds a browser assertion waits for the page to get there
PHONE = {"width": 375, "height": 812}


@pytest.fixture(autouse=True)
def patient_assertions():
    expect.set_options(timeout=WAIT)


@pytest.fixture
def console_server(site_server):
    """The site with TRY_IT_OUT_ENABLED on."""
    site_server.stop()
    site_server.environment["ASYNCAPI_TRY_IT_OUT"] = "1"
    site_server.start()
    return site_server


def open_docs(browser, server, user):
    """The docs page on a phone-sized screen, logged in as ``user``."""
    page = browser.new_context(viewport=PHONE).new_page()
    log_in(page, server, user, "/api/asyncapi/")
    page.wait_for_load_state()  # the page's modules have run
    return page


def open_console(page):
    page.click("#tio-toggle")
    expect(page.locator("#tio-panel")).to_be_visible()
    expect(page.locator("#tio-url")).to_have_value(re.compile(r"^ws://"))  # the document has arrived
    return page


def ws_url(server, path):
    return server.url.replace("http://", "ws://", 1) + path


def connect(page):
    page.click("#tio-connect")
    expect(page.locator("#tio-status")).to_have_attribute("data-state", "open")


def disconnect(page):
    page.click("#tio-disconnect")
    expect(page.locator("#tio-status")).to_have_text("Closed (code 1000)")


def inbound(page):
    return page.locator('#tio-log .tio-entry[data-kind="in"]')


def ping_as(page, server):
    """Connect to ws/ping/ with the chosen auth method, send a raw frame and return who the pong names."""
    page.fill("#tio-url", ws_url(server, "/ws/ping/"))
    page.select_option("#tio-action", "")
    connect(page)
    before = inbound(page).count()
    page.fill("#tio-payload", '{"hello": "console"}')
    page.click("#tio-send")
    expect(inbound(page)).to_have_count(before + 1)
    pong = json.loads(inbound(page).last.locator("pre").text_content())
    disconnect(page)
    assert pong["type"] == "pong"
    assert pong["echo"] == {"hello": "console"}
    return pong["user"]


def operation_id(page, server, channel_address, wire_name):
    """The id of the receive operation that the document gives ``wire_name`` on ``channel_address``."""
    document = page.request.get(f"{server.url}/api/asyncapi/schema/?format=json").json()
    for key, operation in document["operations"].items():
        channel = document["channels"][operation["channel"]["$ref"].rsplit("/", 1)[1]]
        if operation["action"] != "receive" or channel["address"] != channel_address:
            continue
        message = follow(document, operation["messages"][0])
        payload = follow(document, message["payload"])
        if follow(document, payload["properties"]["action"]).get("const") == wire_name:
            return key
    raise AssertionError(f"no {wire_name} operation on {channel_address}")


def follow(document, node):
    """``node`` with its local ``$ref``s followed."""
    while "$ref" in node:
        target = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def pick(page, server, channel_address, wire_name):
    """Choose an action in the console; returns the payload it filled in."""
    page.select_option("#tio-action", operation_id(page, server, channel_address, wire_name))
    expect(page.locator("#tio-url")).to_have_value(ws_url(server, channel_address))
    return json.loads(page.input_value("#tio-payload"))


def fits_the_screen(page):
    box = page.locator("#tio-panel").bounding_box()
    return box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_console_connects_with_each_auth_method(console_server, user, other_user, staff_user, browser):
    alice_token = str(in_thread(AccessToken.for_user, user))
    bob_token = str(in_thread(AccessToken.for_user, other_user))
    page = open_console(open_docs(browser, console_server, staff_user))
    assert fits_the_screen(page)

    assert ping_as(page, console_server) == "carol"  # Session cookie (auto)

    page.context.clear_cookies()  # signed out: only the token says who this is
    page.select_option("#tio-auth", "cookie")
    expect(page.locator("#tio-cookie-name")).to_have_value("access_token")
    page.fill("#tio-cookie-token", alice_token)
    page.click("#tio-cookie-apply")
    assert ping_as(page, console_server) == "alice"
    page.click("#tio-cookie-clear")
    assert not [cookie for cookie in page.context.cookies() if cookie["name"] == "access_token"]

    page.select_option("#tio-auth", "query")
    page.fill("#tio-query-token", bob_token)
    assert ping_as(page, console_server) == "bob"
    assert bob_token not in page.locator("#tio-log").text_content()  # the token never reaches the log

    page.fill("#tio-query-token", bob_token[:-4] + "AAAA")  # tampered: refused at the handshake
    page.click("#tio-connect")
    expect(page.locator("#tio-status")).to_have_text(re.compile(r"Closed \(code (1006|4401|4403)\)"))
    expect(page.locator('#tio-log .tio-entry[data-kind="error"]').last).to_contain_text("Closed (code")


def test_send_anyway_and_raw_frames_are_checked(console_server, staff_user, browser):
    page = open_console(open_docs(browser, console_server, staff_user))
    page.fill("#tio-url", ws_url(console_server, "/ws/ping/"))
    page.select_option("#tio-action", "")
    connect(page)
    page.fill("#tio-payload", "{not json")
    page.click("#tio-send")
    expect(page.locator("#tio-problems")).to_contain_text("is not JSON")
    expect(page.locator('#tio-log .tio-entry[data-kind="out"]')).to_have_count(0)  # held back
    page.click("#tio-send-anyway")
    expect(inbound(page)).to_have_count(1)
    expect(inbound(page).last).to_contain_text('"type": "error"')  # the server's own verdict on it
{%- if cookiecutter.use_user_consumers %}


def test_list_template_send_and_paired_reply(console_server, staff_user, browser):
    page = open_console(open_docs(browser, console_server, staff_user))
    payload = pick(page, console_server, "/ws/users/", "list")
    assert payload["action"] == "list"
    assert payload["request_id"].startswith("console-")
    connect(page)
    page.click("#tio-send")
    reply = page.locator('#tio-log .tio-entry[data-pair="reply"]')
    expect(reply).to_have_count(1)
    expect(reply.locator(".tio-latency")).to_have_text(re.compile(r"^reply 200 · \d+ ms$"))
    frame = json.loads(reply.locator("pre").text_content())
    assert frame["request_id"] == payload["request_id"]
    assert "carol" in [account["username"] for account in frame["data"]]

    page.reload()  # the last payload sent for the action is remembered, with a fresh request id
    open_console(page)
    remembered = pick(page, console_server, "/ws/users/", "list")
    assert remembered["action"] == "list"
    assert remembered["request_id"] != payload["request_id"]
    assert not [key for key in page.evaluate("Object.keys(localStorage)") if "token" in key]


def test_subscribed_observer_event_appears(console_server, staff_user, user, browser):
    page = open_console(open_docs(browser, console_server, staff_user))
    template = pick(page, console_server, "/ws/users/", "subscribe_instance")
    assert isinstance(template["pk"], int)  # the lookup field's type
    connect(page)
    page.fill("#tio-payload", json.dumps({**template, "pk": "alice"}))
    page.click("#tio-send")
    expect(page.locator("#tio-problems")).to_have_text("pk must be integer, not string")  # checked, not sent
    expect(page.locator('#tio-log .tio-entry[data-kind="out"]')).to_have_count(0)
    page.fill("#tio-payload", json.dumps({**template, "pk": user.pk, "request_id": "watch-alice"}))
    page.click("#tio-send")
    expect(page.locator('#tio-log .tio-entry[data-pair="reply"]')).to_have_count(1)

    # The change is made through the console too: the server process's channel layer is not this process's.
    patch = pick(page, console_server, "/ws/users/", "patch")
    page.fill("#tio-payload", json.dumps({**patch, "pk": user.pk, "data": {"username": "alicia"}}))
    page.click("#tio-send")
    expect(page.locator('#tio-log .tio-entry[data-pair="reply"]')).to_have_count(2)
    event = page.locator('#tio-log .tio-entry[data-pair="event"]')
    expect(event).to_have_count(1)
    expect(event.locator(".tio-latency")).to_have_text("event of request watch-alice")
    assert json.loads(event.locator("pre").text_content())["data"]["username"] == "alicia"

    page.click("#tio-copy-python")
    code = page.input_value("#tio-code")
    assert "import websockets" in code
    assert '"action": "patch"' in code

    with page.expect_download() as download:
        page.click("#tio-log-export")
    lines = [json.loads(line) for line in download.value.path().read_text().splitlines()]
    assert [line["kind"] for line in lines if line["kind"] in ("out", "in")] == ["out", "in", "out", "in", "in"]
    page.click("#tio-log-clear")
    expect(page.locator("#tio-log .tio-entry")).to_have_count(0)


def test_switching_consumer_changes_the_url(console_server, staff_user, browser):
    page = open_console(open_docs(browser, console_server, staff_user))
    expect(page.locator("#tio-url")).to_have_value(ws_url(console_server, "/ws/ping/"))  # the first route
    page.get_by_label("Consumer").select_option(label="users")
    expect(page.locator("#tio-url")).to_have_value(ws_url(console_server, "/ws/users/"))
    groups = page.locator("#tio-action optgroup")
    expect(groups).to_have_count(1)
    expect(groups).to_have_attribute("label", "users")
{%- endif %}
{%- if cookiecutter.use_chat_demo %}


def test_create_message_template_and_try_button(console_server, staff_user, browser):
    page = open_docs(browser, console_server, staff_user)
    create_message = operation_id(page, console_server, "/ws/chat/room/", "create_message")
    page.locator(f'[data-operation-id="{create_message}"]').get_by_role("button", name="Try it").click()
    expect(page.locator("#tio-panel")).to_be_visible()
    expect(page.locator("#tio-action")).to_have_value(create_message)
    expect(page.locator("#tio-url")).to_have_value(ws_url(console_server, "/ws/chat/room/"))
    payload = json.loads(page.input_value("#tio-payload"))
    assert payload["action"] == "create_message"
    assert "message" in payload  # the required argument, ready to be filled in
    connect(page)
    page.click("#tio-send")  # not in a room yet: the paired reply says so
    reply = page.locator('#tio-log .tio-entry[data-pair="reply"]')
    expect(reply.locator(".tio-latency")).to_have_text(re.compile(r"^reply 403 · \d+ ms$"))
{%- endif %}


def test_panel_absent_when_disabled(site_server, staff_user, browser):
    page = open_docs(browser, site_server, staff_user)
    expect(page.locator("#tio-toggle")).to_have_count(0)
    expect(page.locator("#tio-panel")).to_have_count(0)
