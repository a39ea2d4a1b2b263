"""The docs page in Chromium against a real server process: the site's own viewer, offline, and the official one.

The docs are for staff under the test settings (as in production), so every page is opened as carol.
"""

import base64
import fcntl
import hashlib
import subprocess
import tarfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import expect

from {{ cookiecutter.project_slug }}.conftest import require_service
from {{ cookiecutter.project_slug }}.core.tests.browser import log_in

from ..generator import build_document
from ..settings import DEFAULTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

WAIT = 20_000  # milliseconds a browser assertion waits for the page to get there
PHONE = {"width": 375, "height": 812}
REACT_COMPONENT = "@asyncapi/react-component@3.2.1"
REACT_FILES = {"js": "browser/standalone/index.js", "css": "styles/default.min.css"}
NPM_CACHE = Path(settings.BASE_DIR) / "build" / "npm"
RECORD_EVENTS = """
window.asyncapiEvents = [];
for (const name of ["asyncapi:loaded", "asyncapi:try"]) {
  document.addEventListener(name, (event) => {
    const detail = event.detail;
    window.asyncapiEvents.push({name, label: detail.label, specUrl: detail.specUrl, operationId: detail.operationId,
      channelId: detail.channelId, document: detail.document});
  });
}
"""


@pytest.fixture(autouse=True)
def patient_assertions():
    expect.set_options(timeout=WAIT)


def open_docs(browser, server, user, **context):
    """The docs page, logged in as ``user``, once the first document has rendered."""
    page = browser.new_context(viewport=PHONE, **context).new_page()
    page.add_init_script(RECORD_EVENTS)
    log_in(page, server, user, "/api/asyncapi/")
    expect(page.locator("#asyncapi")).to_have_attribute("data-state", "loaded")
    return page


def action_names(document):
    """Each channel's actions as sent on the wire (the const of the request's ``action``)."""
    names = {}
    for operation in document["operations"].values():
        if operation["action"] != "receive":
            continue
        channel = operation["channel"]["$ref"].split("/")[-1]
        message = operation["messages"][0]["$ref"].split("/")[-1]
        payload = document["components"]["messages"][message]["payload"]
        if "$ref" in payload:
            payload = document["components"]["schemas"][payload["$ref"].split("/")[-1]]
        names.setdefault(channel, []).append(payload["properties"]["action"]["const"])
    return names


def events(page, name):
    return [event for event in page.evaluate("window.asyncapiEvents") if event["name"] == name]


def assert_no_horizontal_scroll(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]}px wide on a {widths[1]}px screen"


def watch(page):
    """The page's script errors, policy violations and failed requests (but the favicon the site has not)."""
    complaints = []

    def console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            complaints.append(message.text)

    def response(response):
        if response.status >= 400 and urlsplit(response.url).path != "/favicon.ico":
            complaints.append(f"{response.status} for {response.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: complaints.append(f"uncaught: {error}"))
    page.on("response", response)
    return complaints


def test_docs_page_renders_every_consumer(site_server, staff_user, browser):
    document = build_document()
    page = open_docs(browser, site_server, staff_user)
    channels = page.locator(".asyncapi-channel")
    expect(channels).to_have_count(len(document["channels"]))
    for label, channel in document["channels"].items():
        section = page.locator(f'.asyncapi-channel[data-channel="{label}"]')
        expect(section.locator(".asyncapi-address")).to_have_text(channel["address"])
    for label, actions in action_names(document).items():
        section = page.locator(f'.asyncapi-channel[data-channel="{label}"]')
        for action in actions:
            expect(section.locator(".asyncapi-operation-receive h4", has_text=action).first).to_be_visible()
{%- if cookiecutter.use_chat_demo or cookiecutter.use_user_consumers %}
    # Some consumer has actions: their replies and required arguments are shown.
    expect(page.locator(".asyncapi-message-reply").first).to_be_attached()
    expect(page.locator(".asyncapi-badge-required").first).to_be_attached()
{%- endif %}
    [loaded] = events(page, "asyncapi:loaded")
    assert loaded["label"] == "All consumers"
    assert loaded["document"]["channels"].keys() == document["channels"].keys()
    assert_no_horizontal_scroll(page)


{%- if cookiecutter.use_chat_demo or cookiecutter.use_user_consumers %}


def test_switching_consumer_renders_its_channel(site_server, staff_user, browser):
    page = open_docs(browser, site_server, staff_user)
    options = page.locator("#asyncapi-consumer option")
    labels = options.all_text_contents()
    assert labels[0] == "All consumers" and len(labels) >= 2
    for label in labels[1:]:
        page.select_option("#asyncapi-consumer", label=label)
        expect(page.locator("#asyncapi")).to_have_attribute("data-label", label)
        expect(page.locator(".asyncapi-channel")).to_have_count(1)
        expect(page.locator(".asyncapi-channel")).to_have_attribute("data-channel", label)
        loaded = events(page, "asyncapi:loaded")[-1]
        assert loaded["label"] == label
        server = next(iter(loaded["document"]["servers"].values()))
        channel = next(iter(loaded["document"]["channels"].values()))
        url = f"{server['protocol']}://{server['host']}{channel['address']}"
        assert url == f"ws://{urlsplit(site_server.url).netloc}{build_document([label])['channels'][label]['address']}"
        json_link = f"/api/asyncapi/schema/?consumer={label}&format=json"
        expect(page.locator("#asyncapi-json")).to_have_attribute("href", json_link)
        assert_no_horizontal_scroll(page)


def test_try_it_button_names_its_operation(site_server, staff_user, browser):
    page = open_docs(browser, site_server, staff_user)
    operation = page.locator(".asyncapi-operation-receive").first
    operation_id = operation.get_attribute("data-operation-id")
    operation.get_by_role("button", name="Try it").click()
    [tried] = events(page, "asyncapi:try")
    channel_id = operation.locator("xpath=ancestor::section[1]").get_attribute("data-channel")
    assert (tried["operationId"], tried["channelId"]) == (operation_id, channel_id)
    assert build_document()["operations"][operation_id]["action"] == "receive"
{%- endif %}


def test_docs_page_needs_no_network(site_server, staff_user, browser):
    """Everything but the site itself is cut off; the page still renders, within the site's CSP."""
    origin = urlsplit(site_server.url)
    blocked, sizes = [], []

    def only_the_site(route):
        url = urlsplit(route.request.url)
        if url.hostname == origin.hostname and url.port == origin.port:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context = browser.new_context(viewport=PHONE)
    context.route("**/*", only_the_site)
    page = context.new_page()
    complaints = watch(page)
    log_in(page, site_server, staff_user, "/api/asyncapi/")
    page.on("response", lambda response: sizes.append(len(response.body())))
    started = time.monotonic()
    page.reload()
    expect(page.locator("#asyncapi")).to_have_attribute("data-state", "loaded")
    elapsed = time.monotonic() - started
    expect(page.locator(".asyncapi-channel").first).to_be_visible()
    assert not blocked, f"the docs page asked the network for {blocked}"
    assert not complaints, "\n".join(complaints)
    print(f"docs page offline: {len(sizes)} responses, {sum(sizes) / 1024:.1f} KiB, loaded in {elapsed * 1000:.0f} ms")


@pytest.fixture(scope="session")
def react_component():
    """The pinned @asyncapi/react-component package, fetched with npm into build/npm once (under a file lock)."""
    try:
        subprocess.run(["npm", "--version"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        require_service("npm is not installed: no @asyncapi/react-component for the official viewer test")
    directory = NPM_CACHE / REACT_COMPONENT.replace("/", "_")
    NPM_CACHE.mkdir(parents=True, exist_ok=True)
    with (NPM_CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not all((directory / path).exists() for path in REACT_FILES.values()):
            packed = subprocess.run(
                ["npm", "pack", REACT_COMPONENT, "--pack-destination", str(NPM_CACHE), "--json"],
                check=True,
                capture_output=True,
                text=True,
            )
            tarball = NPM_CACHE / packed.stdout.split('"filename": "', 1)[1].split('"', 1)[0]
            with tarfile.open(tarball) as archive:
                for path in REACT_FILES.values():
                    target = directory / path
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.extractfile(f"package/{path}").read())
            tarball.unlink()
    return directory


def sri(path):
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def test_pinned_integrity_is_that_of_the_npm_package(react_component):
    assert DEFAULTS["VIEWER_JS_INTEGRITY"] == sri(react_component / REACT_FILES["js"])
    assert DEFAULTS["VIEWER_CSS_INTEGRITY"] == sri(react_component / REACT_FILES["css"])
    assert all(
        url.startswith("https://unpkg.com/@asyncapi/react-component@3.2.1/")
        for url in (DEFAULTS["VIEWER_JS_URL"], DEFAULTS["VIEWER_CSS_URL"])
    )


def test_official_viewer_renders(react_component, site_server, staff_user, browser):
    site_server.stop()
    site_server.environment["DJANGO_SETTINGS_MODULE"] = "{{ cookiecutter.project_slug }}.asyncapi.tests.official_viewer_settings"
    site_server.environment["ASYNCAPI_VIEWER_DIR"] = str(react_component)
    site_server.start()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    complaints = watch(page)
    page.add_init_script(RECORD_EVENTS)
    log_in(page, site_server, staff_user, "/api/asyncapi/", arrive=False)
    script = page.locator("script[integrity]")
    expect(script).to_have_attribute("integrity", DEFAULTS["VIEWER_JS_INTEGRITY"])
    expect(script).to_have_attribute("crossorigin", "anonymous")
    expect(page.locator("#asyncapi")).to_have_attribute("data-state", "loaded")
    document = build_document()
    expect(page.locator("#asyncapi-document .aui-root")).to_be_visible()
    expect(page.locator("#asyncapi-document")).to_contain_text(document["info"]["title"])
    rendered = page.locator("#asyncapi-document")
    for operation_id, operation in document["operations"].items():  # the component lists operations, not channels
        address = document["channels"][operation["channel"]["$ref"].split("/")[-1]]["address"]
        expect(rendered.get_by_text(operation_id).first).to_be_attached()
        expect(rendered.get_by_text(address).first).to_be_attached()
    assert events(page, "asyncapi:loaded")[-1]["label"] == "All consumers"
    assert not complaints, "\n".join(complaints)
