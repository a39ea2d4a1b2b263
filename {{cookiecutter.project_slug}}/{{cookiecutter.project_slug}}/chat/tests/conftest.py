"""Fixtures of the chat tests: a room, and for the browser tests a live server and Chromium."""

import uuid

import pytest
from playwright.sync_api import sync_playwright

from {{ cookiecutter.project_slug }}.conftest import require_service

from ..models import Room
from .live_server import CHROMIUM, CHROMIUM_ARGS, LiveServer


@pytest.fixture(autouse=True)
def own_cache_keys(settings):
    """A cache key prefix for each test: the rate limit counts in the cache, which outlives a test
    (in this process's memory, or in Redis with REDIS_URL), and user pks repeat from test to test."""
    settings.CACHES = {name: {**cache, "KEY_PREFIX": uuid.uuid4().hex} for name, cache in settings.CACHES.items()}


@pytest.fixture
def room(user):
    return Room.objects.create(name="lobby", host=user)


@pytest.fixture
def chat_server(transactional_db, tmp_path):
    """The site served by a daphne process: ``chat_server.url``; ``stop()`` and ``start()`` restart it."""
    server = LiveServer(tmp_path / "daphne.log")
    server.start()
    yield server
    server.stop()
    server.listener.close()
    print(f"daphne log:\n{server.log()}")  # shown when the test failed


@pytest.fixture
def browser():
    """Chromium, driven by Playwright's sync API.

    That API runs an event loop on this thread, in which Django refuses the ORM: request this fixture
    after those that write to the database, and use ``in_thread`` for the ORM in the test itself.
    """
    if not CHROMIUM.exists():
        require_service(f"{CHROMIUM} is missing (apt-get install chromium): no browser for the browser tests")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
