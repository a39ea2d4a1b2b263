"""Live subscriptions for ``GenericAsyncAPIConsumer``: one object, or a filtered list.

``ObserverModelInstanceMixin`` adds ``retrieve``, ``subscribe_instance`` and
``unsubscribe_instance``; ``ObserverModelListMixin`` adds ``list``,
``subscribe_list`` and ``unsubscribe_list`` with exact-match filters on
``filter_fields``. A subscriber then receives ``create``/``update`` frames
(status 200, ``data`` serialized by the consumer's own serializer) and
``delete`` frames (status 204, ``data`` ``{"pk": ...}``), each with the
request id of its subscription.

Every change of a model goes to channel-layer groups that depend on the model
only (one per object, one per filter combination), so any number of consumer
classes share them and a change is sent once. The model is known when the
consumer class declares ``queryset`` (or a model ``serializer_class``), and
otherwise from the first subscription, so consumers that only override
``get_queryset()`` work too. Changes made in other processes are seen once the
consumer class is imported there (or, without ``queryset``, once something
subscribed there).

Before each delivery the consumer asks its permissions again, as for the
subscribing action and its arguments, then its object permissions on the
changed object; if either refuses, nothing is sent. The changed object is read
through ``get_queryset()``/``filter_queryset()`` (an object outside them is not
delivered) and serialized once per event for all sockets with the same
``delivery_audience()`` in the process, not once per socket or request id.
"""

import asyncio
import json
import logging
from collections import OrderedDict
from itertools import combinations

from channels.db import database_sync_to_async
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

from ..decorators import action
from ..lookups import field_value
from ..mixins import ListModelMixin, RetrieveModelMixin
from ..outages import is_outage
from .base_observer import BaseObserver
from .changes import Action, restore
from .groups import group_name
from .listeners import Listener
from .model_listeners import ModelListeners
from .subscriptions import Subscriptions

__all__ = ["ObserverConsumerMixin", "ObserverModelInstanceMixin", "ObserverModelListMixin", "action", "change_handler"]

logger = logging.getLogger(__name__)


def declared_model(consumer_class):
    """The model a consumer class declares (``queryset``, else a model serializer), or ``None``."""
    queryset = getattr(consumer_class, "queryset", None)
    if queryset is not None:
        return queryset.model
    meta = getattr(getattr(consumer_class, "serializer_class", None), "Meta", None)
    return getattr(meta, "model", None)


def observed_models(model):
    """Signals name the class that was saved: observe a proxy and its concrete model alike."""
    return list(dict.fromkeys([model, model._meta.concrete_model]))


class ChangeListener(Listener):
    """A listener whose messages name the changed row; each consumer reads it itself before delivering it.

    A deleted row cannot be read any more: its message carries the row's fields (``row``), so that
    object permissions can be asked about it.
    """

    def payload(self, change, action):
        payload = {
            "model": change.model._meta.concrete_model._meta.label_lower,
            "pk": change.pk,
            "event": change.event,
            "relations_only": change.relations_only,
        }
        if action is Action.DELETE:
            payload["row"] = change.row()
        return payload


class InstanceListener(ChangeListener):
    """Sends each change of a model to the group of the changed object.

    Many-to-many changes are sent too once a consumer class of the model asks for them
    (``observer_many_to_many_relationships``); consumers that did not ask skip those messages.
    """

    message_type = "handle.instance.change"
    _registry = {}

    @classmethod
    def observe(cls, model, many_to_many=False):
        for observed in observed_models(model):
            listener = cls._registry.setdefault(observed, cls())
            listener.many_to_many = listener.many_to_many or many_to_many
            ModelListeners.of(observed).add(listener)

    @staticmethod
    def group(model, pk):
        return group_name(f"instance-{model._meta.concrete_model._meta.label_lower}-{pk}")

    def groups_of(self, instance):
        return [self.group(type(instance), instance.pk)]


class ListListener(ChangeListener):
    """Sends each change of a model to the groups of the filters it matches, before and after.

    One group per combination of filter fields and values: with fields
    ``room`` and ``author``, a message of room 5 by user 3 belongs to the groups
    for ``{}``, ``{room: 5}``, ``{author: 3}`` and ``{room: 5, author: 3}``.
    Keep ``filter_fields`` short: a change is sent to 2 ** n groups.
    """

    reads_previous = True
    message_type = "handle.list.change"
    _registry = {}

    def __init__(self, model):
        self.model = model
        self.field_sets = ()

    @classmethod
    def observe(cls, model, field_names):
        """The listener of ``model``, matching every combination of ``field_names`` too."""
        for observed in observed_models(model):
            listener = cls._registry.setdefault(observed, cls(observed))
            listener.add_fields(field_names)
            ModelListeners.of(observed).add(listener)
        return cls._registry[model]

    def add_fields(self, field_names):
        attnames = sorted({self.model._meta.get_field(name).attname for name in field_names})
        subsets = {subset for size in range(len(attnames) + 1) for subset in combinations(attnames, size)}
        self.field_sets = tuple(sorted(set(self.field_sets) | subsets))

    def group(self, values):
        """The group of the objects whose fields have these values (``{attname: value}``)."""
        pairs = sorted((attname, str(value)) for attname, value in values.items())
        return group_name(f"list-{self.model._meta.concrete_model._meta.label_lower}-{json.dumps(pairs)}")

    def groups_of(self, instance):
        return [self.group({attname: getattr(instance, attname) for attname in fields}) for fields in self.field_sets]


class SharedDeliveries:
    """The objects fetched and serialized for recent events, shared by the sockets of this process.

    A hundred sockets receiving one event start one fetch; the others await it.
    """

    size = 1024

    def __init__(self):
        self.results = OrderedDict()

    def get(self, key, compute):
        future = self.results.get(key)
        if future is None:
            future = self.results[key] = asyncio.ensure_future(compute())
            if len(self.results) > self.size:
                self.results.popitem(last=False)
        return asyncio.shield(future)


shared_deliveries = SharedDeliveries()


class ChangeHandler(BaseObserver):
    """The subscription mixins' handler of their listeners' messages, delivered like any observer's.

    It joins no groups of its own: the mixins' subscribe actions do, with the subscribing action and its
    arguments as the subscription's context, which the handler receives with the request ids.
    """

    async def call(self, consumer, message, request_ids, context):
        await self.func(consumer, message, request_ids, context)


def change_handler(func):
    """``@change_handler``: ``func(consumer, message, request_ids, context)`` handles a ``ChangeListener``'s."""
    return ChangeHandler(func)


class ObserverConsumerMixin:
    """Delivers model changes to this consumer's subscriptions, as its serializer and permissions see them."""

    def delivery_audience(self):
        """Sockets with equal audiences receive the same data, so each event is read and serialized once for them.

        Default: the consumer class and the user. Return ``None`` when the
        serializer or the queryset depend on more than the user (this socket
        then reads and serializes for itself).
        """
        user = self.scope.get("user")
        return type(self), getattr(user, "pk", None)

    async def follow(self, group, subscribing_action, arguments, request_id):
        await Subscriptions.of(self).join([group], request_id, context=(subscribing_action, arguments))

    async def unfollow(self, group, request_id):
        await Subscriptions.of(self).leave([group], request_id)

    async def send_change(self, message, request_ids, context):
        """Reply to every subscription of the message's group, unless a permission refuses."""
        subscribing_action, arguments = context
        try:
            await self.check_permissions(subscribing_action, **arguments)
            if message["action"] == Action.DELETE:
                instance = restore(apps.get_model(message["model"]), message["row"])
                data, response_status = {"pk": message["pk"]}, status.HTTP_204_NO_CONTENT
            else:
                instance, data = await self.read_change(message, arguments)
                response_status = status.HTTP_200_OK
                if instance is None:
                    return  # outside this consumer's queryset
            await self.check_object_permissions(subscribing_action, instance, **arguments)
        except (APIException, DjangoPermissionDenied):
            return
        except Exception as exc:
            if not is_outage(exc):
                logger.exception("Delivering a %s change to %s failed", message["model"], type(self).__name__)
            return
        for request_id in request_ids:
            await self.reply(action=message["action"], data=data, status=response_status, request_id=request_id)

    async def read_change(self, message, arguments):
        """``(instance, data)`` of the changed object, shared with the sockets of the same audience."""
        read = database_sync_to_async(self.read_instance)
        audience = self.delivery_audience()
        if audience is None:
            return await read(message["pk"], arguments)
        key = (message["event"], audience, json.dumps(arguments, sort_keys=True, default=str))
        return await shared_deliveries.get(key, lambda: read(message["pk"], arguments))

    def read_instance(self, pk, arguments):
        """The object as this consumer's queryset and serializer see it; ``(None, None)`` if it is outside."""
        queryset = self.filter_queryset(self.get_queryset(**arguments), **arguments)
        instance = queryset.filter(pk=pk).first()
        if instance is None:
            return None, None
        return instance, self.get_serializer(action_kwargs=arguments, instance=instance).data


def action_arguments(kwargs):
    """An action's arguments without the action name the consumer adds."""
    return {name: value for name, value in kwargs.items() if name != "action"}


class ObserverModelInstanceMixin(ObserverConsumerMixin, RetrieveModelMixin):
    """``retrieve``, plus live updates of one object: ``subscribe_instance`` / ``unsubscribe_instance``.

    ``{"action": "subscribe_instance", "pk": 1, "request_id": 7}`` -> 201, then
    ``{"action": "update", "data": {...}, "response_status": 200, "request_id": 7, "errors": []}``
    after every committed change, and ``delete`` (204, ``data`` ``{"pk": 1}``).

    With ``observer_many_to_many_relationships = True``, adding, removing, clearing or setting
    the object's many-to-many relations (from either side) is an ``update`` too, one per transaction.
    """

    observer_many_to_many_relationships = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        model = declared_model(cls)
        if model is not None:
            InstanceListener.observe(model, many_to_many=cls.observer_many_to_many_relationships)

    @action()
    async def subscribe_instance(self, request_id=None, **kwargs):
        instance = await database_sync_to_async(self.get_object)(**kwargs)
        InstanceListener.observe(type(instance), many_to_many=self.observer_many_to_many_relationships)
        group = InstanceListener.group(type(instance), instance.pk)
        await self.follow(group, kwargs.get("action", "subscribe_instance"), action_arguments(kwargs), request_id)
        return None, status.HTTP_201_CREATED

    @action()
    async def unsubscribe_instance(self, request_id=None, **kwargs):
        """End the subscription made with this lookup and request id; the object may be gone already."""
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        if lookup_url_kwarg not in kwargs:
            raise ValidationError({lookup_url_kwarg: ["This argument is required."]})
        value = str(kwargs[lookup_url_kwarg])
        for group, context in Subscriptions.of(self).groups():
            if context is not None and str(context[1].get(lookup_url_kwarg)) == value:
                await self.unfollow(group, request_id)
        return None, status.HTTP_204_NO_CONTENT

    @change_handler
    async def handle_instance_change(self, message, request_ids, context):
        if message["relations_only"] and not self.observer_many_to_many_relationships:
            return
        await self.send_change(message, request_ids, context)


class ObserverModelListMixin(ObserverConsumerMixin, ListModelMixin):
    """``list``, plus live updates of a filtered list: ``subscribe_list`` / ``unsubscribe_list``.

    ``filter_fields`` names the fields clients may filter on (exact match), in
    ``list`` and in subscriptions alike:
    ``{"action": "subscribe_list", "room": 5, "request_id": 7}`` -> 201, then
    ``create`` when an object enters the set (created, or changed to match),
    ``update`` when an object in the set changes and still matches, and
    ``delete`` (204, ``data`` ``{"pk": ...}``) when it leaves the set or is deleted.
    """

    filter_fields = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        model = declared_model(cls)
        if model is not None:
            ListListener.observe(model, cls.filter_fields)

    def filter_queryset(self, queryset, **kwargs):
        arguments = {name: kwargs[name] for name in self.filter_fields if name in kwargs}
        filters = self.filter_values(queryset.model, arguments)
        return super().filter_queryset(queryset.filter(**filters), **kwargs)

    def filter_values(self, model, arguments):
        """``{field name: value}`` of filter arguments, each exactly a value of its field; 400 naming the others."""
        values, errors = {}, {}
        for name, value in arguments.items():
            if name not in self.filter_fields:
                errors[name] = ["Not a filter of this list."]
                continue
            try:
                model._meta.get_field(name)
                values[name] = field_value(model, name, value)
            except (FieldDoesNotExist, DjangoValidationError, ValueError, TypeError) as exc:
                errors[name] = getattr(exc, "messages", [str(exc)])
        if errors:
            raise ValidationError(errors)
        return values

    @action()
    async def subscribe_list(self, request_id=None, **kwargs):
        group, arguments = await self.list_group(kwargs)
        await self.follow(group, kwargs.get("action", "subscribe_list"), arguments, request_id)
        return None, status.HTTP_201_CREATED

    @action()
    async def unsubscribe_list(self, request_id=None, **kwargs):
        """End the subscription made with the same filters and request id."""
        group, _ = await self.list_group(kwargs)
        await self.unfollow(group, request_id)
        return None, status.HTTP_204_NO_CONTENT

    async def list_group(self, kwargs):
        """The group for a subscription's filters, and its arguments; 400 for unknown fields or bad values."""
        arguments = action_arguments(kwargs)
        model = await database_sync_to_async(self.observed_model)(**arguments)
        values = self.filter_values(model, arguments)
        attnames = {model._meta.get_field(name).attname: value for name, value in values.items()}
        return ListListener.observe(model, self.filter_fields).group(attnames), arguments

    def observed_model(self, **kwargs):
        return self.get_queryset(**kwargs).model

    @change_handler
    async def handle_list_change(self, message, request_ids, context):
        await self.send_change(message, request_ids, context)
