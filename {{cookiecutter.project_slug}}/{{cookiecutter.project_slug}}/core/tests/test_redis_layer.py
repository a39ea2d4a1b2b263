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
