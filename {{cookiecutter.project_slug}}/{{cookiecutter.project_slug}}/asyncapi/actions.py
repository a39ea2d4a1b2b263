"""What each action of a consumer takes and answers, read from its registry, signature and serializer.

The framework's mixin actions take ``**kwargs`` and read what they need through the consumer
(the lookup argument, ``data`` for the serializer, ``limit``/``offset`` for the paginator,
``filter_fields``): ``MIXIN_ACTIONS`` says which, by the mixin that defines the method.
Other actions are described by their signature and type hints; what they answer is only known
from ``@document_action(reply=...)``. ``view_as_consumer`` routes are ``view_actions``' part.
"""

import inspect
import typing
from dataclasses import dataclass, field

from rest_framework import serializers

from ..channels_rest import mixins
from ..channels_rest.actions import RESERVED_ARGUMENTS
from ..channels_rest.lookups import model_field
from ..channels_rest.observer.base_observer import BaseObserver
from ..channels_rest.observer.generics import ChangeHandler, ObserverModelInstanceMixin, ObserverModelListMixin
from .documentation import documentation_of
from .schemas import annotation_schema, json_value, model_field_schema, object_schema, serializer_schema


@dataclass(frozen=True)
class MixinAction:
    summary: str
    lookup: bool = False
    data: str = None  # serializer mode of the ``data`` argument
    reply: str = None  # "object", "list", "page" or None (``data`` null)
    status: int = 200
    filters: bool = False
    events: str = None  # "instance" or "list": the subscription mixin's change event


MIXIN_ACTIONS = {
    (mixins.CreateModelMixin, "create"): MixinAction(
        "Create an object from `data`; the reply carries it.", data="write", reply="object", status=201
    ),
    (mixins.ListModelMixin, "list"): MixinAction("Every object of the (filtered) list.", reply="list", filters=True),
    (mixins.RetrieveModelMixin, "retrieve"): MixinAction(
        "The object named by the lookup argument.", lookup=True, reply="object"
    ),
    (mixins.UpdateModelMixin, "update"): MixinAction(
        "Replace an object's fields with `data` (every required field given).",
        lookup=True,
        data="write",
        reply="object",
    ),
    (mixins.PatchModelMixin, "patch"): MixinAction(
        "Change the fields of an object that `data` gives.", lookup=True, data="partial", reply="object"
    ),
    (mixins.DeleteModelMixin, "delete"): MixinAction("Delete an object; `data` is null.", lookup=True, status=204),
    (mixins.PaginatedModelListMixin, "list"): MixinAction(
        "One page of the (filtered) list.", reply="page", filters=True
    ),
    (mixins.StreamedPaginatedListMixin, "list"): MixinAction(
        "Every page of the list from `offset` on, one reply per page.", reply="page", filters=True
    ),
    (mixins.StreamedPaginatedListMixin, "list_cancel"): MixinAction("Stop every list stream in flight."),
    (ObserverModelInstanceMixin, "subscribe_instance"): MixinAction(
        "Receive the object's later changes under this request id.", lookup=True, status=201, events="instance"
    ),
    (ObserverModelInstanceMixin, "unsubscribe_instance"): MixinAction(
        "End the subscription made with this lookup and request id.", lookup=True, status=204, events="instance"
    ),
    (ObserverModelListMixin, "subscribe_list"): MixinAction(
        "Receive the changes of the list these filters select under this request id.",
        status=201,
        filters=True,
        events="list",
    ),
    (ObserverModelListMixin, "unsubscribe_list"): MixinAction(
        "End the subscription made with these filters and request id.", status=204, filters=True, events="list"
    ),
}


@dataclass
class Action:
    """One action as the document shows it."""

    name: str  # as sent on the wire
    origin: str  # for error messages: "action 'x' of app.Consumer"
    summary: str = ""
    description: str = ""
    properties: dict = field(default_factory=dict)  # the arguments besides action and request_id
    required: list = field(default_factory=list)
    strict: bool = False  # unknown arguments are refused
    reply: dict = field(default_factory=dict)  # the schema of ``data`` in a successful reply
    statuses: list = field(default_factory=list)  # empty: any 2xx; None: any status (views answer errors as data)
    events: list = field(default_factory=list)  # observer or subscription-event names
    documentation: object = None


def class_path(consumer):
    return f"{consumer.__module__}.{consumer.__qualname__}"


def consumer_actions(consumer, components):
    """The actions of a ``channels_rest`` consumer class, in registry order."""
    return [registry_action(consumer, name, spec, components) for name, spec in consumer.actions.items()]


def defining_class(consumer, method_name):
    return next(klass for klass in consumer.__mro__ if method_name in vars(klass))


def registry_action(consumer, name, spec, components):
    method = getattr(consumer, spec.method_name)
    documentation = documentation_of(method)
    summary, description = docstring_parts(method)
    action = Action(
        name, f"action {name!r} of {class_path(consumer)}", summary, description, documentation=documentation
    )
    owner = defining_class(consumer, spec.method_name)
    mixin = MIXIN_ACTIONS.get((owner, spec.method_name))
    if mixin is not None:
        action.summary, action.description = mixin.summary, ""
        describe_mixin_action(action, consumer, mixin, components)
    else:
        describe_signature(action, consumer, inspect.unwrap(method), spec)
        action.events = observers_named(consumer, inspect.unwrap(method))
    apply_documentation(action, documentation, components)
    return action


def docstring_parts(target):
    """The first paragraph of a docstring as summary, the rest as description."""
    doc = inspect.getdoc(target) or ""
    summary, _, rest = doc.partition("\n\n")
    return " ".join(summary.split()), rest.strip()


def lookup_name(consumer):
    return getattr(consumer, "lookup_url_kwarg", None) or getattr(consumer, "lookup_field", "pk")


def lookup_schema(consumer):
    """The lookup argument's type: that of the model field it filters on."""
    queryset = getattr(consumer, "queryset", None)
    if queryset is None:
        return {"type": ["integer", "string"]}
    return model_field_schema(model_field(queryset.model, getattr(consumer, "lookup_field", "pk")))


def serializer_of(consumer):
    return getattr(consumer, "serializer_class", None)


def describe_mixin_action(action, consumer, mixin, components):
    serializer = serializer_of(consumer)
    if mixin.lookup:
        action.properties[lookup_name(consumer)] = lookup_schema(consumer)
        action.required.append(lookup_name(consumer))
    if mixin.filters and issubclass(consumer, ObserverModelListMixin):
        for name in consumer.filter_fields:
            action.properties[name] = filter_schema(consumer, name)
    page = mixin.reply == "page" and consumer.pagination_class is not None
    if page:
        limit = {"type": "integer", "minimum": 1, "description": "Page size (default: the PAGE_SIZE setting)."}
        action.properties["limit"] = limit
        action.properties["offset"] = {"type": "integer", "minimum": 0, "default": 0}
    if mixin.data is not None:
        action.properties["data"] = serializer_schema(serializer, mixin.data, components) if serializer else {}
        action.required.append("data")
    item = serializer_schema(serializer, "read", components) if serializer else {}
    if mixin.reply == "object":
        action.reply = item
    elif mixin.reply in ("list", "page"):
        action.reply = page_schema(item) if page else {"type": "array", "items": item}
    else:
        action.reply = {"type": "null"}
    action.statuses = [mixin.status]
    if mixin.events:
        action.events = [f"{mixin.events}_change"]


def filter_schema(consumer, name):
    queryset = getattr(consumer, "queryset", None)
    schema = model_field_schema(model_field(queryset.model, name)) if queryset is not None else {}
    return {**schema, "description": "Exact-match filter."}


def page_schema(item):
    """``WebsocketLimitOffsetPagination``'s page."""
    return {
        "type": "object",
        "required": ["count", "results", "limit", "offset"],
        "properties": {
            "count": {"type": "integer", "minimum": 0, "description": "Objects in the whole list."},
            "results": {"type": "array", "items": item},
            "limit": {"type": "integer", "minimum": 1},
            "offset": {"type": "integer", "minimum": 0},
        },
    }


def describe_signature(action, consumer, function, spec):
    """Arguments from the method's parameters: required without a default, typed by their hints."""
    try:
        hints = typing.get_type_hints(function)
    except Exception:
        hints = {}
    for parameter in list(inspect.signature(function).parameters.values())[1:]:
        if parameter.kind not in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
            continue
        if parameter.name in RESERVED_ARGUMENTS:
            continue
        schema = annotation_schema(hints.get(parameter.name, parameter.annotation))
        if not schema and parameter.name == lookup_name(consumer):
            schema = lookup_schema(consumer)
        if parameter.default is parameter.empty:
            action.required.append(parameter.name)
        elif json_value(parameter.default) is not None:
            schema = {**schema, "default": parameter.default}
        action.properties[parameter.name] = schema
    action.strict = not spec.accepts_any


def observers_named(consumer, function):
    """The observers an action's own code names (``self.message_activity.subscribe(...)``)."""
    names = set(function.__code__.co_names)
    return [name for name, _ in observers(consumer) if name in names]


def observers(consumer):
    """``(attribute name, observer)`` of every observer of the consumer class, subclass first.

    The subscription mixins' change handlers are documented with their mixins (``events``), not here.
    """
    seen = {}
    for klass in consumer.__mro__:
        for name, value in vars(klass).items():
            if isinstance(value, BaseObserver) and not isinstance(value, ChangeHandler) and name not in seen:
                seen[name] = value
    return list(seen.items())


def apply_documentation(action, documentation, components):
    if documentation.summary:
        action.summary = documentation.summary
    if documentation.description:
        action.description = documentation.description
    if documentation.payload is not None:
        payload = as_schema(documentation.payload, "write", components)
        action.properties = dict(payload.get("properties", {}))
        action.required = list(payload.get("required", []))
        action.strict = payload.get("additionalProperties") is False
    if documentation.reply is not None:
        action.reply = as_schema(documentation.reply, "read", components)
    if documentation.events:
        action.events = list(dict.fromkeys([*action.events, *documentation.events]))


def as_schema(value, mode, components):
    """A decorator's ``payload``/``reply``: a JSON Schema dict, or a serializer read in ``mode``."""
    if isinstance(value, dict):
        return value
    if isinstance(value, serializers.BaseSerializer) or (
        isinstance(value, type) and issubclass(value, serializers.BaseSerializer)
    ):
        if mode == "write" and not isinstance(value, serializers.ListSerializer):
            instance = value() if isinstance(value, type) else value
            return object_schema(instance.fields, mode, components)
        return serializer_schema(value, mode, components)
    raise TypeError(f"Expected a JSON Schema dict or a DRF serializer, got {value!r}.")
