"""Model changes, gathered per transaction and announced to observers once it commits.

Observers hear about saves and deletes through Django's signals, but clients
must only hear about changes that are durable: never before the commit, never
after a rollback. Every save or delete is an *edit* of one row, and the edits
of a row within one transaction fold into one *change*, keyed by model and
primary key: several saves of an object produce one event, a create followed
by updates is still a ``create``, a create followed by a delete is nothing.

Savepoints: each edit registers itself with ``on_commit``, so Django forgets
it when its savepoint rolls back, and the transaction appends its flush after
it, outside every savepoint. When the transaction commits the surviving edits
are marked first and the flush then folds only those. (The flush is appended
to the connection's ``run_on_commit`` list directly, in the
``(savepoint ids, callable, robust)`` form ``on_commit`` itself uses, because
``on_commit`` would tie it to the current savepoint.)

Nothing happens when rows are loaded. The state a row had before the
transaction is read only when the row is saved and an observer's groups depend
on its fields (one query per row and transaction, see ``reads_previous``).

Many-to-many changes (``add``, ``remove``, ``clear``, ``set``, from either
side) are edits too, folded with the others; a change made of nothing else is
``relations_only`` and reaches only the listeners that asked for them.
"""

import copy
import logging
import threading
import uuid
import weakref
from enum import StrEnum

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils.encoding import is_protected_type

from .layer import send_to_groups

logger = logging.getLogger(__name__)


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class Edit:
    """One save, delete or relations change of a row; ``on_commit`` calls it when its savepoint survived."""

    __slots__ = ("action", "instance", "committed", "relations")

    def __init__(self, action, instance, committed=False, relations=False):
        self.action = action
        self.instance = instance
        self.committed = committed
        self.relations = relations

    def __call__(self):
        self.committed = True


class Change:
    """What happened to one row in one transaction, as observers are told about it.

    ``instance`` is the row's last saved state (for a delete, the object as it
    was deleted); ``previous`` its state before the transaction, when an
    observer asked for it; ``event`` identifies the change across processes.
    """

    __slots__ = ("model", "pk", "previous", "edits", "action", "instance", "event", "relations_only", "_row")

    def __init__(self, model, pk, previous=None):
        self.model = model
        self.pk = pk
        self.previous = previous
        self.edits = []
        self.action = None
        self.instance = None
        self.event = None
        self.relations_only = False
        self._row = None

    def settle(self):
        """Fold the committed edits into one action; false when nothing is left to announce."""
        edits = [edit for edit in self.edits if edit.committed]
        if not edits:
            return False
        first, last = edits[0].action, edits[-1].action
        if first is Action.CREATE:
            self.action = None if last is Action.DELETE else Action.CREATE
        else:
            self.action = Action.DELETE if last is Action.DELETE else Action.UPDATE
        self.instance = edits[-1].instance
        self.event = uuid.uuid4().hex
        self.relations_only = all(edit.relations for edit in edits)
        return self.action is not None

    def groups_before(self, groups_of):
        """The groups the row was in before this change's transaction."""
        first = self.edits[0]
        if first.action is Action.CREATE:
            return set()
        return set(groups_of(self.previous or first.instance))

    def row(self):
        """The instance's concrete field values, JSON-ready, to rebuild it with ``restore``."""
        if self._row is None:
            instance = self.instance
            self._row = {}
            for field in instance._meta.concrete_fields:
                value = field.value_from_object(instance)
                self._row[field.attname] = value if is_protected_type(value) else field.value_to_string(instance)
        return self._row


def restore(model, row):
    """An unsaved ``model`` instance from a ``Change.row()``, e.g. to check permissions on a deleted object."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    instance = model(**{name: fields[name].to_python(value) for name, value in row.items() if name in fields})
    instance._state.adding = False
    return instance


def group_actions(change, groups_of):
    """``(group, action)`` pairs for a change, given a function from an instance to its groups.

    A group the object left is told ``delete``, a group it entered ``create``,
    a group it stayed in the change's own action.
    """
    if change.action is Action.DELETE:
        return [(group, Action.DELETE) for group in groups_of(change.previous or change.instance)]
    new = groups_of(change.instance)
    if change.action is Action.CREATE or change.previous is None:
        return [(group, change.action) for group in new]
    old = groups_of(change.previous)
    left = [(group, Action.DELETE) for group in old if group not in new]
    return left + [(group, Action.UPDATE if group in old else Action.CREATE) for group in new]


def announce(changes):
    """Send every listener's messages for the settled changes; failures are logged, never raised.

    Runs after the commit: raising would make a committed write look failed.
    """
    messages = []
    for change in changes:
        if not change.settle():
            continue
        for listener in ModelChanges.of(change.model).listeners:
            if change.relations_only and not listener.many_to_many:
                continue
            try:
                messages.extend(listener.messages(change))
            except Exception:
                logger.exception("%r failed to describe a change of %s", listener, change.model._meta.label)
    try:
        send_to_groups(messages)
    except Exception:
        logger.exception("Sending %d observer messages failed", len(messages))


class TransactionChanges:
    """The changes made in one transaction on one connection, announced once after it commits."""

    def __init__(self, connection):
        self.changes = {}
        self.hooks = connection.run_on_commit
        self.pending_flushes = 0
        self.flushed = False
        # One bound method, so that it can be recognised in the hook list.
        self.flush_hook = self.flush

    def is_open(self, connection):
        """Whether the transaction is still running (a rolled-back savepoint does not end it)."""
        if self.flushed:
            return False
        hooks = connection.run_on_commit
        if hooks is not self.hooks:
            # Django replaced the list: a savepoint or the whole transaction was rolled back.
            # Flush hooks sit outside every savepoint, so only a rollback removes them.
            if not any(hook is self.flush_hook for _, hook, _ in hooks):
                return False
            self.hooks = hooks
        return True

    def add(self, connection, change, edit):
        connection.on_commit(edit)
        # Flush after every edit recorded so far; earlier flush hooks see pending_flushes > 0 and wait.
        connection.run_on_commit.append((set(), self.flush_hook, False))
        self.pending_flushes += 1
        self.hooks = connection.run_on_commit

    def flush(self):
        self.pending_flushes -= 1
        if self.pending_flushes:
            return
        self.flushed = True
        announce(self.changes.values())


# The open transaction of each connection (connections are per thread).
_transactions = weakref.WeakKeyDictionary()


def open_transaction(connection, create=True):
    changes = _transactions.get(connection)
    if changes is None or not changes.is_open(connection):
        if not create:
            return None
        changes = _transactions[connection] = TransactionChanges(connection)
    return changes


def pending_change(model, pk, using):
    """The change of a row recorded in the open transaction of ``using``, or ``None``."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return None
    changes = open_transaction(connection, create=False)
    return None if changes is None else changes.changes.get((model, pk))


def record(model, pk, action, instance, using, previous=None, relations=False):
    """Record an edit of a row; it is announced after the commit (at once outside transactions)."""
    if action is Action.DELETE:
        # Django clears the deleted object's primary key right after the signal; ``committed_groups`` needs it.
        instance._state.observer_deleted_pk = pk
        instance = copy.copy(instance)
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        change = Change(model, pk, previous)
        change.edits.append(Edit(action, instance, committed=True, relations=relations))
        announce([change])
        return
    changes = open_transaction(connection)
    change = changes.changes.get((model, pk))
    if change is None:
        change = changes.changes[model, pk] = Change(model, pk, previous)
    edit = Edit(action, instance, relations=relations)
    change.edits.append(edit)
    changes.add(connection, change, edit)


def committed_groups(instance, groups_of, reads_fields):
    """The groups of ``instance``'s row as committed, for ``groups_of(instance)`` -> group names.

    While a transaction that changed the row is open, they are those from before it; otherwise those
    of the row as stored: ``groups_of(instance)`` when the groups do not depend on fields, else
    ``groups_of`` the row read again (one query when ``reads_fields``), so that assignments not
    saved yet do not count. Nothing is kept per loaded instance.
    """
    pk = instance.pk if instance.pk is not None else instance._state.__dict__.get("observer_deleted_pk")
    if pk is None or instance._state.adding:
        return set()
    change = pending_change(type(instance), pk, instance._state.db)
    if change is not None:
        return change.groups_before(groups_of)
    if instance.pk is None:
        return set()  # its deletion committed
    if not reads_fields:
        return set(groups_of(instance))
    stored = type(instance)._base_manager.using(instance._state.db).filter(pk=pk).first()
    return set() if stored is None else set(groups_of(stored))


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
        model = type(instance)
        if model in ModelChanges.registry:
            record(model, instance.pk, action, instance, using or instance._state.db)


class ModelChanges:
    """The listeners of one model, and the signal receivers that feed them.

    A listener has ``reads_previous`` (its groups depend on fields, so the
    previous state of an updated row is needed), ``many_to_many`` (many-to-many
    changes count as updates; it may turn true later, and the listener is then
    added again) and ``messages(change)``, which returns ``(group, message)`` pairs.
    """

    registry = {}
    _lock = threading.Lock()

    @classmethod
    def of(cls, model):
        changes = cls.registry.get(model)
        if changes is None:
            with cls._lock:
                changes = cls.registry.get(model) or cls(model)
                cls.registry[model] = changes
        return changes

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
        record(self.model, instance.pk, Action.CREATE if created else Action.UPDATE, instance, using, previous)

    def deleted(self, sender, instance, using, **kwargs):
        record(self.model, instance.pk, Action.DELETE, instance, using)

    def relations_changed(self, sender, instance, action, model, pk_set, using, **kwargs):
        """A many-to-many change is an update of the observed objects on either side."""
        if isinstance(instance, self.model):
            if action in ("post_add", "post_remove", "post_clear"):
                record(self.model, instance.pk, Action.UPDATE, instance, using, relations=True)
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
                record(self.model, related.pk, Action.UPDATE, related, using, relations=True)

    def relation_field(self, through, own=False):
        """The through model's foreign key to the observed model (``own``) or to the other side."""
        for field in through._meta.concrete_fields:
            if field.is_relation and (field.related_model is self.model) == own:
                return field.attname
        raise LookupError(f"{through._meta.label} has no foreign key for this side of the relation")
