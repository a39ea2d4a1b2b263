"""``@model_observer(Model)``: push saves and deletes of a model to the consumers that subscribed.

Events go out after the transaction commits, one per object and transaction
(see ``transactions``). The body is ``@obs.serializer``'s result
(``func(observer, instance, action)``), else ``serializer_class(instance).data``,
else ``{"pk": pk}``; it is computed once per event and action, whatever the
number of subscribers. Groups come from ``@obs.groups_for_signal``
(``func(observer, instance)``), by default one group for the observer; when
they depend on fields, an object that moves between groups arrives as
``delete`` in the groups it left, ``create`` in those it entered and
``update`` where it stayed.

``get_observer_state(instance).current_groups`` tells which of the observer's
groups an instance is in; it changes when a transaction that saved or deleted
the instance commits.
"""

from ..serializer_fields import CONTEXT_FREE
from .base_observer import BaseObserver
from .changes import Action
from .groups import group_name
from .listeners import Listener
from .model_listeners import ModelListeners, notify
from .transactions import committed_groups

__all__ = ["Action", "ModelObserver", "ModelObserverInstanceState"]


class ModelObserverInstanceState:
    """An instance as one observer sees it: ``current_groups``, the layer groups it is in (DCRF's API).

    Computed when read, from the committed state: a save or delete inside a transaction changes it
    only once the transaction commits. With groups that depend on fields, reading it outside a
    transaction that changed the row queries the row (call it from sync code).
    """

    def __init__(self, observer, instance):
        self.observer = observer
        self.instance = instance

    @property
    def current_groups(self):
        return committed_groups(self.instance, self.observer.groups_of, self.observer.reads_previous)


class ModelObserver(BaseObserver, Listener):
    """An observer of one consumer class that is also a listener of its model: its groups, its body."""

    def __init__(self, func, model, serializer_class=None, many_to_many=False):
        super().__init__(func)
        self.model = model
        self.serializer_class = serializer_class
        self.many_to_many = many_to_many

    @property
    def reads_previous(self):
        """Custom groups may depend on fields: an update then needs the row's previous groups."""
        return self._groups_for_signal is not None

    def bind(self):
        self._default_groups = [group_name(f"{self.id}-model-{self.model._meta.label_lower}")]
        ModelListeners.of(self.model).add(self)

    def default_group_names(self):
        return self._default_groups

    def groups_of(self, instance):
        if self._groups_for_signal is None:
            return self._default_groups
        return self.named_groups(self._groups_for_signal(self, instance))

    def get_observer_state(self, instance):
        return ModelObserverInstanceState(self, instance)

    def serialize(self, instance, action):
        if self._serializer is not None:
            return self._serializer(self, instance, action)
        if self.serializer_class is not None:
            serializer = self.serializer_class(instance)
            CONTEXT_FREE.fill(serializer)
            return serializer.data
        return {"pk": instance.pk}

    def payload(self, change, action):
        return {"body": self.serialize(change.instance, action)}

    def notify(self, objects, action=Action.UPDATE, using=None):
        """Announce bulk changes to every observer of the model (see ``model_listeners.notify``)."""
        notify(objects, action=action, using=using)
