"""Getting observer messages onto the channel layer.

Payloads go through JSON once, with Django's encoder, before they are sent:
channels-redis packs messages with msgpack, which rejects UUIDs, Decimals and
datetimes that serializers and primary keys commonly contain, and the
in-memory layer would otherwise hand consumers objects that a Redis layer
never could. Consumers therefore receive exactly what JSON carries, whatever
the layer.
"""

import asyncio
import json
import logging
import weakref

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from rest_framework.serializers import BaseSerializer

from ..actions import current_action
from ..outages import groups_rejoined, layer_errors

logger = logging.getLogger(__name__)

# Sends started from the event loop outside an action, kept referenced until they finish.
_sending = set()
# The newest send on each event loop: each send waits for the one before it, so messages keep their order.
_last_send = weakref.WeakKeyDictionary()


class LayerEncoder(DjangoJSONEncoder):
    """Django's encoder, and a DRF serializer anywhere in the value stands for its ``.data``."""

    def default(self, o):
        if isinstance(o, BaseSerializer):
            return o.data
        return super().default(o)


def json_safe(value):
    """``value`` as it comes back from JSON: UUID, Decimal, date and datetime become strings.

    A DRF serializer stands for its ``.data``: what crosses the layer is data.
    """
    return json.loads(json.dumps(value, cls=LayerEncoder))


def layer_message(message_type, group, payload):
    """The message for one group: ``payload`` with the handler's ``type`` and the ``group`` it was sent to.

    Deliveries read ``group`` to find the subscriptions it is for.
    """
    return {**payload, "type": message_type, "group": group}


def send_to_groups(messages):
    """Send ``(group, message)`` pairs, after every earlier send of the process, from sync code or the loop.

    During an action (``current_action``) the sends are handed to its event loop, from its database
    thread too, and its reply waits for them: a change is acknowledged once its messages are on the
    layer, and a layer that cannot be reached makes the action answer 503. Other sync code (commit hooks
    of a request, a management command) waits for the sends; other code on the loop starts them as a task.
    """
    if not messages:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    running = current_action.get()
    if running is not None and running.start(_send(layer, messages)):
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(_send)(layer, messages)
        return
    task = asyncio.ensure_future(_send(layer, messages))
    _sending.add(task)
    task.add_done_callback(_sent)


async def _send(layer, messages):
    loop = asyncio.get_running_loop()
    previous = _last_send.get(loop)
    _last_send[loop] = asyncio.current_task()
    if previous is not None and not previous.done():
        await asyncio.wait([previous])
    try:
        await groups_rejoined(layer)
        for group, message in messages:
            await layer.group_send(group, message)
    except layer_errors():
        raise
    except Exception:
        logger.exception("Sending %d observer messages failed", len(messages))


def _sent(task):
    _sending.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("Sending observer messages failed", exc_info=task.exception())
