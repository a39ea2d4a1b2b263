"""The dashboard page in Chromium, through the local gateway: token, connect, frames both ways, phone width.

``local_gateway`` (apigw/tests/conftest.py) runs the stand-in for API Gateway in front of ``site_server`` and
registers its record with the ``dashboard`` route, which the page's mixin looks up.
"""

import time

import pytest
from playwright.sync_api import expect

from {{ cookiecutter.project_slug }}.apigw.models import GatewayConnection
from {{ cookiecutter.project_slug }}.core.tests.browser import log_in
from {{ cookiecutter.project_slug }}.core.tests.live_server import in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

WAIT = 20_000  # milliseconds a browser assertion waits for the page to get there


def test_the_dashboard_connects_through_the_gateway_with_a_token(user, local_gateway, site_server, browser):
    expect.set_options(timeout=WAIT)
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone-sized screen
    log_in(page, site_server, user, "/apigw/dashboard/")

    expect(page.locator("#dashboard-status")).to_have_attribute("data-state", "open")
    entries = page.locator("#dashboard-log li")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text('"type":"pong"')
    expect(entries.first).to_contain_text(f'"user":"{user.username}"')
    page.click("#dashboard-ping")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text('"ping":"button"')
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    (connection,) = in_thread(lambda: list(GatewayConnection.objects.filter(connected=True)))
    assert (connection.user_id, connection.channel) == (user.pk, "dashboard")
    page.context.close()
    deadline = time.monotonic() + WAIT / 1000
    while in_thread(GatewayConnection.objects.filter(connected=True).exists):
        assert time.monotonic() < deadline, "closing the page did not end its gateway connection"
        time.sleep(0.1)
