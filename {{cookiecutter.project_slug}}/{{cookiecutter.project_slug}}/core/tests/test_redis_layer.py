import pytest
from channels.layers import get_channel_layer
from django.conf import settings

from {{ cookiecutter.project_slug }}.conftest import require_service


@pytest.fixture
def redis_layer():
    if not settings.REDIS_URL:
        require_service("REDIS_URL is not set: no Redis server to test the channels-redis layer against")
    layer = get_channel_layer()
    assert type(layer).__module__ == "channels_redis.core"
    return layer


async def test_group_round_trip_through_redis(redis_layer):
    first = await redis_layer.new_channel()
    second = await redis_layer.new_channel()
    await redis_layer.group_add("round-trip", first)
    await redis_layer.group_add("round-trip", second)
    await redis_layer.group_send("round-trip", {"type": "chat.message", "text": "héllo"})
    assert await redis_layer.receive(first) == {"type": "chat.message", "text": "héllo"}
    assert await redis_layer.receive(second) == {"type": "chat.message", "text": "héllo"}
    await redis_layer.group_discard("round-trip", first)
    await redis_layer.group_discard("round-trip", second)
