"""Every page under the production Content-Security-Policy and Permissions-Policy, in Chromium.

The test settings enforce the same policies as production (config/settings/base.py), so the daphne server
of ``site_server`` sends them. Chromium reports each violation as a ``securitypolicyviolation`` event and a
console error; an init script turns the events into console errors too, so that one listener sees both,
across navigations. The apps' own pages are visited by their tests (``PolicyWatch``).
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from {{ cookiecutter.project_slug }}.conftest import PASSWORD

from .browser import log_in
from .live_server import in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

WAIT = 20_000  # milliseconds a browser assertion waits for the page to get there
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`securitypolicyviolation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
                + ` in ${event.sourceFile}:${event.lineNumber}`);
});
"""
POLICY_WORDS = ("securitypolicyviolation", "Content Security Policy", "Permissions-Policy", "Permissions policy")


class PolicyWatch:
    """A browser context whose pages record every policy complaint, and the headers of every document."""

    def __init__(self, browser, server):
        self.server = server
        self.complaints = []
        self.documents = []
        self.context = browser.new_context()
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.context.on("page", self.watch)
        self.page = self.context.new_page()

    def watch(self, page):
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.complaints.append(f"uncaught: {error}"))
        page.on("response", self.response)

    def console(self, message):
        if any(word in message.text for word in POLICY_WORDS):
            self.complaints.append(f"{message.type} on {message.location.get('url')}: {message.text}")

    def response(self, response):
        if response.request.resource_type == "document":
            self.documents.append((response.url, response.headers))

    def visit(self, path):
        response = self.page.goto(f"{self.server.url}{path}")
        assert response.status == 200, f"{path}: {response.status}"

    def check(self, at_least):
        """No complaint, and every document (``at_least`` of them) came with both policies."""
        assert not self.complaints, "\n".join(self.complaints)
        assert len(self.documents) >= at_least
        for url, headers in self.documents:
            assert "script-src 'self'" in headers.get("content-security-policy", ""), url
            assert "camera=()" in headers.get("permissions-policy", ""), url


def test_the_site_pages_work_under_the_policy(site_server, browser):
    admin = in_thread(get_user_model().objects.create_superuser, "root", "root@example.com", PASSWORD)
    watch = PolicyWatch(browser, site_server)
    page = watch.page
    expect.set_options(timeout=WAIT)

    watch.visit("/")
    watch.visit(reverse("users:login"))
    watch.visit(reverse("users:signup"))
    page.fill("#id_username", "dora")
    page.fill("#id_email", "dora@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".who")).to_have_text("dora")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    log_in(page, site_server, admin, reverse("admin:index"))
    watch.visit(reverse("admin:users_user_changelist"))
    page.fill("#searchbar", "dora")  # the changelist's search and actions
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.check("#result_list .action-select")
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    watch.visit(reverse("admin:users_user_change", args=[admin.pk]))
    expect(page.locator("#id_groups_from")).to_be_attached()  # the group picker, built by script
    page.fill("#id_last_login_0", "")
    page.get_by_role("link", name="Today").first.click()  # the date shortcut, also built by script
    expect(page.locator("#id_last_login_0")).not_to_have_value("")

    watch.check(at_least=8)
    watch.context.close()
