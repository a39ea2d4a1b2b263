"""What every observer shares: a descriptor on a consumer class, its groups, subscriptions and the delivery.

``@observer`` and ``@model_observer`` replace a consumer method by an observer.
Read on a consumer instance it is bound to that consumer
(``await self.comment_activity.subscribe(request_id=request_id)``); read on the
class it is the observer itself (``MyConsumer.comment_activity.subscribe(consumer)``).

Messages reach the observer through Channels' own dispatch: their ``type`` is
the observer's attribute name with dots (``comment.activity``), which the
consumer maps back to the attribute, so consumers need no extra routing.
``handle`` is the one delivery routine of every observer message, whoever
sent it: it finds the consumer's subscriptions to the message's group and
calls the observer with them.

An observer's id names its consumer class and attribute, so two consumers
declaring an observer of the same name never share groups.
"""

import logging

from asgiref.sync import iscoroutinefunction

from .groups import group_name, unique
from .subscriptions import Subscriptions

logger = logging.getLogger(__name__)


class BaseObserver:
    def __init__(self, func):
        if not iscoroutinefunction(func):
            raise TypeError(f"{func.__qualname__}: observer handlers must be async functions.")
        self.func = func
        self.__doc__ = func.__doc__
        self._serializer = None
        self._groups_for_signal = None
        self._groups_for_consumer = None
        self.consumer_class = None
        self.name = func.__name__

    def __set_name__(self, owner, name):
        # A consumer body may bind the observer to several names (``@obs.serializer`` on a
        # differently named function); its identity is the first one.
        if self.consumer_class is not None:
            return
        self.consumer_class = owner
        self.name = name
        self.id = f"{owner.__module__}.{owner.__qualname__}.{name}"
        self.message_type = name.replace("_", ".")
        self.bind()

    def bind(self):
        """Start listening, once the consumer class and name are known."""

    def __get__(self, consumer, owner=None):
        if consumer is None:
            return self
        bound = BoundObserver(self, consumer)
        # Later reads (every delivery) find it in the instance dict without calling __get__.
        consumer.__dict__[self.name] = bound
        return bound

    def __repr__(self):
        return f"<{type(self).__name__} {getattr(self, 'id', self.name)}>"

    # Decorators

    def serializer(self, func):
        """``@obs.serializer``: ``func(observer, instance_or_signal, action, **kwargs)`` -> message body.

        Runs once per event, before the body is sent to the groups.
        """
        self._serializer = func
        return self

    def groups_for_signal(self, func):
        """``@obs.groups_for_signal``: the group names an event goes to.

        Called for every event: never query the database here.
        """
        self._groups_for_signal = func
        return self

    def groups_for_consumer(self, func):
        """``@obs.groups_for_consumer``: the group names a subscription joins.

        ``func(consumer, *args, consumer=consumer, **kwargs)`` with the
        arguments given to ``subscribe``; ``self`` is the consumer, so
        ``self.scope["user"]`` works.
        """
        self._groups_for_consumer = func
        return self

    def groups(self, func):
        """``@obs.groups``: one function for both ``groups_for_signal`` and ``groups_for_consumer``."""
        self._groups_for_signal = func
        self._groups_for_consumer = func
        return self

    # Groups

    def default_group_names(self):
        raise NotImplementedError

    def named_groups(self, names):
        """Layer group names for names a group function returned (one string or several)."""
        if isinstance(names, str):
            names = [names]
        return unique(group_name(f"{self.id}-{name}") for name in names)

    def group_names_for_consumer(self, consumer, *args, **kwargs):
        if self._groups_for_consumer is None:
            return self.default_group_names()
        return self.named_groups(self._groups_for_consumer(consumer, *args, consumer=consumer, **kwargs))

    # Subscriptions

    async def subscribe(self, consumer, *args, request_id=None, **kwargs):
        """Subscribe ``consumer`` to the groups for these arguments; returns the group names."""
        groups = self.group_names_for_consumer(consumer, *args, **kwargs)
        await Subscriptions.of(consumer).join(groups, request_id)
        return groups

    async def unsubscribe(self, consumer, *args, request_id=None, **kwargs):
        """End the subscription made with the same arguments and request id; others are kept."""
        groups = self.group_names_for_consumer(consumer, *args, **kwargs)
        await Subscriptions.of(consumer).leave(groups, request_id)
        return groups

    # Delivery

    async def handle(self, consumer, message):
        """Deliver a layer message to the consumer's subscriptions of its group, unless they have ended.

        A failing observer is logged and the socket stays open, as for a failing action.
        """
        subscriptions = Subscriptions.of(consumer)
        group = message["group"]
        request_ids = subscriptions.request_ids(group)
        if not request_ids:
            return  # sent before the consumer left the group
        try:
            await self.call(consumer, message, request_ids, subscriptions.context(group))
        except Exception:
            logger.exception("Observer %s of %s failed", self.id, type(consumer).__name__)

    async def call(self, consumer, message, request_ids, context):
        """Call the decorated method as DCRF does: the body, then what it may want to know about it."""
        await self.func(
            consumer,
            message["body"],
            observer=self,
            action=message.get("action"),
            message_type=message["type"],
            subscribing_request_ids=request_ids,
            group=message["group"],
        )


class BoundObserver:
    """An observer read from a consumer: ``subscribe``/``unsubscribe`` act for that consumer.

    Channels calls it with each layer message of the observer's type.
    """

    __slots__ = ("observer", "consumer")

    def __init__(self, observer, consumer):
        self.observer = observer
        self.consumer = consumer

    async def __call__(self, message):
        await self.observer.handle(self.consumer, message)

    async def subscribe(self, *args, request_id=None, **kwargs):
        return await self.observer.subscribe(self.consumer, *args, request_id=request_id, **kwargs)

    async def unsubscribe(self, *args, request_id=None, **kwargs):
        return await self.observer.unsubscribe(self.consumer, *args, request_id=request_id, **kwargs)

    def __getattr__(self, name):
        return getattr(self.observer, name)

    def __repr__(self):
        return f"<bound {self.observer!r}>"
