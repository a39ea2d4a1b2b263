"""Observer messages through a real Redis channel layer, whose msgpack encoding rejects UUID, Decimal and datetime."""

from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.observer import model_observer

from .observed.models import Post, Topic
from .test_observer_list import PostListConsumer

pytestmark = pytest.mark.django_db(transaction=True)


class PostActivityConsumer(AsyncAPIConsumer):
    @model_observer(Post)
    async def post_activity(self, message, **kwargs):
        await self.send_json(message)

    @post_activity.serializer
    def post_activity(self, instance, action, **kwargs):
        return {"id": instance.pk, "price": instance.price, "published_at": instance.published_at}

    @action()
    async def subscribe(self, **kwargs):
        await self.post_activity.subscribe()
        return None, 201


async def test_model_observer_and_list_deliveries_cross_redis(redis_layer, consumer_socket):
    activity = await consumer_socket(PostActivityConsumer)
    assert (await activity.request("subscribe"))["response_status"] == 201
    topic = await database_sync_to_async(Topic.objects.create)(name="redis")
    lists = await consumer_socket(PostListConsumer)
    assert (await lists.request("subscribe_list", topic=topic.pk, request_id=1))["response_status"] == 201

    published = timezone.now()
    post = await database_sync_to_async(Post.objects.create)(
        topic=topic, title="priced", price=Decimal("9.99"), published_at=published
    )
    assert await activity.receive_json_from() == {
        "id": str(post.pk),
        "price": "9.99",
        "published_at": DjangoJSONEncoder().default(published),
    }
    assert (await lists.receive_json_from())["data"]["id"] == str(post.pk)

    pk = str(post.pk)
    await database_sync_to_async(post.delete)()
    assert (await activity.receive_json_from())["id"] == pk
    deleted = await lists.receive_json_from()
    assert (deleted["action"], deleted["data"], deleted["response_status"]) == ("delete", {"pk": pk}, 204)
