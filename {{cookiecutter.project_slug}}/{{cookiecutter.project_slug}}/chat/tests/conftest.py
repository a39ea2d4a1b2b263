"""Fixtures of the chat tests: a room, and a cache of their own."""

import uuid

import pytest

from ..models import Room


@pytest.fixture(autouse=True)
def own_cache_keys(settings):
    """A cache key prefix for each test: the rate limit counts in the cache, which outlives a test
    (in this process's memory, or in Redis with REDIS_URL), and user pks repeat from test to test."""
    settings.CACHES = {name: {**cache, "KEY_PREFIX": uuid.uuid4().hex} for name, cache in settings.CACHES.items()}


@pytest.fixture
def room(user):
    return Room.objects.create(name="lobby", host=user)
