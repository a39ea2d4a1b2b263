"""The chat's pages under the production Content-Security-Policy and Permissions-Policy, in Chromium.

How violations are caught: core/tests/test_browser_security.py.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from {{ cookiecutter.project_slug }}.conftest import PASSWORD
from {{ cookiecutter.project_slug }}.core.tests.browser import log_in
from {{ cookiecutter.project_slug }}.core.tests.live_server import in_thread
from {{ cookiecutter.project_slug }}.core.tests.test_browser_security import PolicyWatch

from .test_browser import WAIT, enter_room, expect_ready, log, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def test_the_chat_works_under_the_policy(site_server, user, browser):
    admin = in_thread(get_user_model().objects.create_superuser, "root", "root@example.com", PASSWORD)
    watch = PolicyWatch(browser, site_server)
    page = watch.page
    expect.set_options(timeout=WAIT)

    log_in(page, site_server, user, reverse("chat:index"))
    enter_room(page, "lobby")
    send(page, "Hello under the policy")
    expect(log(page)).to_have_text(["Hello under the policy"])
    page.reload()
    expect_ready(page)
    expect(log(page)).to_have_text(["Hello under the policy"])
    watch.visit(reverse("chat:index"))
    page.get_by_role("button", name="Log out").click()

    log_in(page, site_server, admin, reverse("admin:index"))
    watch.visit(reverse("admin:chat_room_changelist"))
    watch.visit(reverse("admin:chat_message_add"))

    watch.check(at_least=6)
    watch.context.close()
