"""Gathering each transaction's edits and announcing its changes once it commits.

Clients must only hear about changes that are durable: never before the
commit, never after a rollback. Outside a transaction an edit is announced at
once.

Savepoints: each edit registers itself with ``on_commit``, so Django forgets
it when its savepoint rolls back, and the transaction appends its flush after
it, outside every savepoint. When the transaction commits the surviving edits
are marked first and the flush then folds only those. (The flush is appended
to the connection's ``run_on_commit`` list directly, in the
``(savepoint ids, callable, robust)`` form ``on_commit`` itself uses, because
``on_commit`` would tie it to the current savepoint.)

Nothing happens when rows are loaded. The state a row had before the
transaction is read only when the row is saved and a listener's groups depend
on its fields (one query per row and transaction, see ``reads_previous``).
"""

import copy
import logging
import weakref

from django.db import transaction

from .changes import Action, Change, Edit
from .layer import send_to_groups

logger = logging.getLogger(__name__)


def announce(changes):
    """Send every listener's messages for the settled changes; failures are logged, never raised.

    Runs after the commit: raising would make a committed write look failed.
    """
    messages = []
    for change in changes:
        if not change.settle():
            continue
        for listener in change.listeners:
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


def record(model, pk, action, instance, using, listeners, previous=None, relations=False):
    """Record an edit of a row for ``listeners``; it is announced after the commit (at once outside transactions)."""
    if action is Action.DELETE:
        # Django clears the deleted object's primary key right after the signal; ``committed_groups`` needs it.
        instance._state.observer_deleted_pk = pk
        instance = copy.copy(instance)
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        change = Change(model, pk, listeners, previous)
        change.edits.append(Edit(action, instance, committed=True, relations=relations))
        announce([change])
        return
    changes = open_transaction(connection)
    change = changes.changes.get((model, pk))
    if change is None:
        change = changes.changes[model, pk] = Change(model, pk, listeners, previous)
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
