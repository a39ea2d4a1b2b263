"""The listener interface: what turns a committed change of a model into channel-layer messages.

Three kinds of listener exist: ``@model_observer`` (``ModelObserver``, groups and body of its own), and the
subscription mixins' ``InstanceListener`` and ``ListListener`` (``generics``), shared by every consumer class of
a model. Each registers with ``ModelListeners.of(model)``; after a commit, ``transactions.announce`` asks each
listener of the changed model for its ``messages(change)``, built here, in one way for all: the groups the row
left are told ``delete``, those it entered ``create``, those it stayed in the change's own action, and each
action's payload is computed once, however many groups it goes to.
"""

from .changes import Action
from .layer import json_safe, layer_message


class Listener:
    """A subclass says which groups a row belongs to and what a message about its change carries.

    ``message_type`` names the consumer handler that receives the messages (``handle.instance.change`` ->
    ``handle_instance_change``). ``reads_previous``: the groups depend on fields, so an update needs the row's
    state from before the transaction. ``many_to_many``: many-to-many changes count as updates.
    """

    message_type = None
    reads_previous = False
    many_to_many = False

    def groups_of(self, instance):
        """The layer groups ``instance`` belongs to, in its current state."""
        raise NotImplementedError

    def payload(self, change, action):
        """The fields of the message telling ``action`` about ``change`` (besides ``type``, ``group``, ``action``)."""
        raise NotImplementedError

    def messages(self, change):
        """``(group, message)`` pairs for a settled change; one JSON-safe payload per action."""
        payloads = {}
        messages = []
        for group, action in group_actions(change, self.groups_of):
            if action not in payloads:
                payloads[action] = json_safe({"action": action.value, **self.payload(change, action)})
            messages.append((group, layer_message(self.message_type, group, payloads[action])))
        return messages


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
