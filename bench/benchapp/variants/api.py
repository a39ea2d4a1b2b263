"""One consumer, written once against the DCRF API and built from either package that provides it.

The vendored framework promises DCRF's API module for module, so the very same class body serves both
comparisons: any difference in the figures comes from the package, not from the consumer.
"""

import importlib

from benchapp.models import Item
from benchapp.serializers import ItemSerializer


def feed_group(feed):
    return f"feed-{feed}"


def build_consumer(package):
    decorators = importlib.import_module(f"{package}.decorators")
    generics = importlib.import_module(f"{package}.generics")
    mixins = importlib.import_module(f"{package}.mixins")
    observer = importlib.import_module(f"{package}.observer")
    pagination = importlib.import_module(f"{package}.pagination")
    permissions = importlib.import_module(f"{package}.permissions")

    class ItemConsumer(
        mixins.RetrieveModelMixin,
        mixins.CreateModelMixin,
        mixins.PaginatedModelListMixin,
        generics.GenericAsyncAPIConsumer,
    ):
        queryset = Item.objects.order_by("pk")
        serializer_class = ItemSerializer
        permission_classes = [permissions.AllowAny]
        pagination_class = pagination.WebsocketLimitOffsetPagination

        @observer.model_observer(Item, serializer_class=ItemSerializer)
        async def item_activity(self, message, action=None, subscribing_request_ids=(), **kwargs):
            for request_id in subscribing_request_ids:
                await self.reply(action=action, data=message, request_id=request_id)

        @item_activity.groups_for_signal
        def item_activity(self, instance, **kwargs):
            yield feed_group(instance.feed)

        @item_activity.groups_for_consumer
        def item_activity(self, feed=None, **kwargs):
            yield feed_group(feed)

        @decorators.action()
        async def ping(self, **kwargs):
            return None, 200

        @decorators.action()
        async def subscribe_feed(self, feed, request_id=None, **kwargs):
            await self.item_activity.subscribe(feed=feed, request_id=request_id)
            return None, 201

        @decorators.action()
        def touch(self, pk, value, **kwargs):
            item = self.get_object(pk=pk)
            item.touch(value)
            return {"pk": item.pk, "value": value}, 200

    return ItemConsumer
