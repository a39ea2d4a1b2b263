"""The listeners of each model, and the signal receivers that feed them.

A listener (``listeners.Listener``) registers with ``ModelListeners.of(model).add(listener)``; the model's
``post_save``/``post_delete`` receivers (and ``pre_save`` and ``m2m_changed`` once a listener needs them)
record each edit with ``transactions``, which announces it to those listeners after the commit. ``notify``
records the changes that send no signals.
"""

import threading

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from .changes import Action
from .transactions import pending_change, record


class ModelListeners:
    """The listeners of one model (``listeners.Listener``), and the signal receivers that feed them.

    A listener whose ``many_to_many`` turns true later is added again, to connect ``m2m_changed``.
    """

    registry = {}
    _lock = threading.Lock()

    @classmethod
    def of(cls, model):
        listeners = cls.registry.get(model)
        if listeners is None:
            with cls._lock:
                listeners = cls.registry.get(model) or cls(model)
                cls.registry[model] = listeners
        return listeners

    def __init__(self, model):
        self.model = model
        self.listeners = ()
        self.reads_previous = False
        self.many_to_many = False
        self.uid = f"channels_rest.observer:{model._meta.label}"
        post_save.connect(self.saved, sender=model, weak=False, dispatch_uid=self.uid)
        post_delete.connect(self.deleted, sender=model, weak=False, dispatch_uid=self.uid)

    def add(self, listener):
        with self._lock:
            if listener not in self.listeners:
                self.listeners = (*self.listeners, listener)
            if listener.reads_previous and not self.reads_previous:
                self.reads_previous = True
                pre_save.connect(self.saving, sender=self.model, weak=False, dispatch_uid=self.uid)
            if listener.many_to_many and not self.many_to_many:
                self.many_to_many = True
                for through in self.through_models():
                    m2m_changed.connect(self.relations_changed, sender=through, weak=False, dispatch_uid=self.uid)

    def through_models(self):
        opts = self.model._meta
        forward = [field.remote_field.through for field in opts.many_to_many]
        reverse = [relation.through for relation in opts.related_objects if relation.many_to_many]
        return list(dict.fromkeys(forward + reverse))

    # Signal receivers

    def saving(self, sender, instance, using, **kwargs):
        """Keep the row's state from before the transaction, for listeners whose groups depend on fields."""
        pk = instance.pk
        pk_field = self.model._meta.pk
        if pk is None or (instance._state.adding and (pk_field.has_default() or pk_field.has_db_default())):
            return  # a new row
        if pending_change(self.model, pk, using) is not None:
            return  # already edited in this transaction: its state before it is known
        instance._state.observer_previous = self.model._base_manager.using(using).filter(pk=pk).first()

    def saved(self, sender, instance, created, using, **kwargs):
        previous = instance._state.__dict__.pop("observer_previous", None)
        action = Action.CREATE if created else Action.UPDATE
        record(self.model, instance.pk, action, instance, using, self.listeners, previous)

    def deleted(self, sender, instance, using, **kwargs):
        record(self.model, instance.pk, Action.DELETE, instance, using, self.listeners)

    def relations_changed(self, sender, instance, action, model, pk_set, using, **kwargs):
        """A many-to-many change is an update of the observed objects on either side."""
        if isinstance(instance, self.model):
            if action in ("post_add", "post_remove", "post_clear"):
                record(self.model, instance.pk, Action.UPDATE, instance, using, self.listeners, relations=True)
            return
        if model is not self.model:
            return
        if action == "pre_clear":
            # The related rows are about to be unlinked: remember which they were.
            links = sender._base_manager.using(using).filter(**{self.relation_field(sender): instance.pk})
            instance._state.observer_cleared = set(links.values_list(self.relation_field(sender, own=True), flat=True))
            return
        if action == "post_clear":
            pk_set = instance._state.__dict__.pop("observer_cleared", None)
        elif action not in ("post_add", "post_remove"):
            return
        if pk_set:
            for related in self.model._base_manager.using(using).filter(pk__in=pk_set):
                record(self.model, related.pk, Action.UPDATE, related, using, self.listeners, relations=True)

    def relation_field(self, through, own=False):
        """The through model's foreign key to the observed model (``own``) or to the other side."""
        for field in through._meta.concrete_fields:
            if field.is_relation and (field.related_model is self.model) == own:
                return field.attname
        raise LookupError(f"{through._meta.label} has no foreign key for this side of the relation")


def notify(objects, action=Action.UPDATE, using=None):
    """Announce changes that sent no signals: ``bulk_create``, ``bulk_update``, ``QuerySet.update``.

    ``objects`` is a queryset (read once, here) or an iterable of instances of
    one model. Every observer of the model hears about them as if each had been
    saved (``action="create"``/``"update"``) or deleted (``"delete"``), after the
    commit when called inside a transaction. Groups that depend on fields are
    computed from the current state only: a subscriber whose set an object left
    is not told, since the previous state is unknown.
    """
    action = Action(action)
    if isinstance(objects, QuerySet):
        using = using or objects.db
    for instance in objects:
        listeners = ModelListeners.registry.get(type(instance))
        if listeners is not None:
            record(listeners.model, instance.pk, action, instance, using or instance._state.db, listeners.listeners)
