"""What observers are told about: one row's committed change in one transaction.

Every save or delete is an *edit* of one row, and the edits of a row within
one transaction fold into one *change*, keyed by model and primary key: several
saves of an object produce one event, a create followed by updates is still a
``create``, a create followed by a delete is nothing. Many-to-many changes
(``add``, ``remove``, ``clear``, ``set``, from either side) are edits too; a
change made of nothing else is ``relations_only``.

``transactions`` gathers the edits and settles the changes once the transaction
commits; ``model_listeners`` feeds it from Django's signals.
"""

import uuid
from enum import StrEnum

from django.utils.encoding import is_protected_type


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
    was deleted); ``previous`` its state before the transaction, when a
    listener asked for it; ``event`` identifies the change across processes;
    ``listeners`` are the model's listeners when the row was first edited.
    """

    __slots__ = (
        "model",
        "pk",
        "listeners",
        "previous",
        "edits",
        "action",
        "instance",
        "event",
        "relations_only",
        "_row",
    )

    def __init__(self, model, pk, listeners, previous=None):
        self.model = model
        self.pk = pk
        self.listeners = listeners
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
