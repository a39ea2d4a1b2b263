"""The same API written by hand on plain Channels: the floor that a framework's overhead shows against.

It does the work the frameworks do and nothing else: actions run their ORM code in the database thread,
a save is serialized once and sent to its feed's group after commit, and each subscriber forwards it
once per subscribing request id.
"""

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from rest_framework.exceptions import ValidationError

from benchapp.models import Item
from benchapp.serializers import ItemSerializer


def feed_group(feed):
    return f"items-feed-{feed}"


@receiver(post_save, sender=Item, dispatch_uid="bench-channels-item-saved")
def item_saved(sender, instance, created, **kwargs):
    group = feed_group(instance.feed)
    event = {
        "type": "item.event",
        "group": group,
        "action": "create" if created else "update",
        "data": ItemSerializer(instance).data,
    }
    transaction.on_commit(lambda: async_to_sync(get_channel_layer().group_send)(group, event))


@database_sync_to_async
def retrieve_item(pk):
    return ItemSerializer(Item.objects.get(pk=pk)).data


@database_sync_to_async
def create_item(data):
    serializer = ItemSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return serializer.data


@database_sync_to_async
def list_items(limit, offset):
    rows = ItemSerializer(Item.objects.order_by("pk")[offset : offset + limit], many=True).data
    return {"count": Item.objects.count(), "results": rows, "limit": limit, "offset": offset}


@database_sync_to_async
def touch_item(pk, value):
    Item.objects.get(pk=pk).touch(value)


class ItemConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.subscriptions = {}  # group -> request ids subscribed to it
        await self.accept()

    async def disconnect(self, code):
        for group in self.subscriptions:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        action = content.pop("action", None)
        request_id = content.pop("request_id", None)
        handler = getattr(self, f"action_{action}", None) if isinstance(action, str) else None
        if handler is None:
            await self.reply(action, request_id, status=405, errors=[f'Method "{action}" not allowed.'])
            return
        try:
            data, status = await handler(request_id=request_id, **content)
        except Item.DoesNotExist:
            await self.reply(action, request_id, status=404, errors=["Not found"])
        except ValidationError as exc:
            await self.reply(action, request_id, status=400, errors=[exc.detail])
        else:
            await self.reply(action, request_id, data=data, status=status)

    async def reply(self, action, request_id, data=None, status=200, errors=()):
        frame = {"action": action, "errors": list(errors), "data": data, "response_status": status}
        await self.send_json({**frame, "request_id": request_id})

    async def action_ping(self, **kwargs):
        return None, 200

    async def action_retrieve(self, pk, **kwargs):
        return await retrieve_item(pk), 200

    async def action_create(self, data, **kwargs):
        return await create_item(data), 201

    async def action_list(self, limit, offset=0, **kwargs):
        return await list_items(int(limit), int(offset)), 200

    async def action_subscribe_feed(self, feed, request_id=None, **kwargs):
        group = feed_group(feed)
        self.subscriptions.setdefault(group, set()).add(request_id)
        await self.channel_layer.group_add(group, self.channel_name)
        return None, 201

    async def action_touch(self, pk, value, **kwargs):
        await touch_item(pk, value)
        return {"pk": pk, "value": value}, 200

    async def item_event(self, event):
        for request_id in self.subscriptions.get(event["group"], ()):
            await self.reply(event["action"], request_id, data=event["data"])
