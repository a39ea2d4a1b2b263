"""What the browser tests share: signing a page in through the login form, as a user fixture."""

from django.urls import reverse
from playwright.sync_api import expect

from {{ cookiecutter.project_slug }}.conftest import PASSWORD


def log_in(page, server, user, next_path, arrive=True):
    """Sign ``page`` in as ``user`` (a fixture with ``PASSWORD``) and go on to ``next_path``.

    With ``arrive`` it waits until the page is there; without, the caller watches what loads.
    """
    page.goto(f"{server.url}{reverse('users:login')}?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if arrive:
        expect(page).to_have_url(f"{server.url}{next_path}")
