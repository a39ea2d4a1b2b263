"""What a consumer pushes without being asked: its observers and its subscription mixins' changes.

A frame is the reply envelope (``action``, ``errors``, ``data``, ``response_status``,
``request_id`` of the subscribing request), as the mixins send it and as observer handlers do
when they call ``self.reply(action=action, data=body, request_id=...)``. ``data`` is the
observer's body: its ``serializer_class``, else ``{"pk": ...}``; a ``@obs.serializer`` function
returns what it likes, so its shape comes from ``@document_event(payload=...)``.
"""

from dataclasses import dataclass, field

from ..channels_rest.observer.generics import ObserverModelInstanceMixin, ObserverModelListMixin
from ..channels_rest.observer.model_observer import ModelObserver
from .actions import as_schema, class_path, docstring_parts, observers, serializer_of
from .documentation import documentation_of
from .schemas import model_field_schema, serializer_schema

MODEL_ACTIONS = ("create", "update", "delete")


@dataclass
class Event:
    name: str  # the observer's attribute, or ``instance_change``/``list_change``
    origin: str
    summary: str = ""
    description: str = ""
    actions: tuple = None  # the frames' ``action`` values; None: not known
    data: dict = field(default_factory=dict)
    statuses: list = field(default_factory=list)
    documentation: object = None


def consumer_events(consumer, components):
    events = [observer_event(consumer, name, value, components) for name, value in observers(consumer)]
    item = serializer_schema(serializer_of(consumer), "read", components) if serializer_of(consumer) else {}
    deleted = {"type": "object", "required": ["pk"], "properties": {"pk": {}}}
    changes = {"oneOf": [item, deleted]} if item else {}
    if issubclass(consumer, ObserverModelInstanceMixin):
        events.append(
            Event(
                "instance_change",
                f"the instance subscription events of {class_path(consumer)}",
                "A subscribed object changed (`update`, 200) or was deleted (`delete`, 204, `data` its pk).",
                "Sent under the request id of each `subscribe_instance` still active for the object.",
                ("update", "delete"),
                changes,
                [200, 204],
            )
        )
    if issubclass(consumer, ObserverModelListMixin):
        events.append(
            Event(
                "list_change",
                f"the list subscription events of {class_path(consumer)}",
                "An object entered (`create`), changed in (`update`) or left (`delete`) a subscribed list.",
                "Sent under the request id of each `subscribe_list` whose filters match.",
                MODEL_ACTIONS,
                changes,
                [200, 204],
            )
        )
    return events


def observer_event(consumer, name, observer, components):
    documentation = documentation_of(observer)
    summary, description = docstring_parts(observer.func)
    event = Event(name, f"observer {name!r} of {class_path(consumer)}", summary, description)
    if isinstance(observer, ModelObserver):
        event.actions = MODEL_ACTIONS
        if observer._serializer is not None:
            event.data = {"description": f"The body made by {observer._serializer.__qualname__}."}
        elif observer.serializer_class is not None:
            event.data = serializer_schema(observer.serializer_class, "read", components)
        else:
            pk = model_field_schema(observer.model._meta.pk)
            event.data = {"type": "object", "required": ["pk"], "properties": {"pk": pk}}
    if documentation.summary:
        event.summary = documentation.summary
    if documentation.description:
        event.description = documentation.description
    if documentation.payload is not None:
        event.data = as_schema(documentation.payload, "read", components)
    if documentation.actions is not None:
        event.actions = documentation.actions
    event.documentation = documentation
    return event
