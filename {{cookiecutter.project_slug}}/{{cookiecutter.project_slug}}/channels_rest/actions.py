"""What a consumer knows about its actions: each one's signature, read once per class, and the one running.

``APIConsumerMetaclass`` collects a consumer class's ``@action`` methods when the class is created;
``ActionSpec`` checks a frame's arguments against one of them before the call. ``current_action`` and
``current_permissions`` say which action is being handled, and with which permissions, to code that is not
handed them (``get_object`` in a custom action); context variables follow the action into its detached task
and its database thread.
"""

import contextvars
import inspect

from rest_framework.exceptions import ValidationError

current_action = contextvars.ContextVar("current_action", default=None)
# The permission instances asked about the current action, so that code in its database thread knows
# whether any of them looks at objects without asking ``get_permissions`` again.
current_permissions = contextvars.ContextVar("current_permissions", default=None)

# Names the framework passes to permissions, querysets, serializers and observers next to an action's
# arguments (``has_permission(scope=..., consumer=..., action=..., **arguments)``): a message may not use them.
RESERVED_ARGUMENTS = frozenset(
    {"self", "scope", "consumer", "action", "request_id", "obj", "queryset", "view", "instance", "serializer"}
)


class ActionSpec:
    """What the consumer needs to know to call one action, read once from its signature.

    ``bind`` checks a message's arguments before the call, so that a missing or
    unexpected argument is a 400 naming it instead of a ``TypeError`` that would
    kill the socket. ``action`` and ``request_id`` are passed only to methods
    that accept them.
    """

    def __init__(self, method_name, method):
        self.method_name = method_name
        self.detached = getattr(method, "detached", False)
        parameters = list(inspect.signature(method).parameters.values())[1:]  # without self
        self.accepts_any = any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters)
        named = [
            parameter
            for parameter in parameters
            if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
        ]
        self.names = frozenset(parameter.name for parameter in named)
        self.required = frozenset(parameter.name for parameter in named if parameter.default is parameter.empty)
        self.takes_action = self.accepts_any or "action" in self.names
        self.takes_request_id = self.accepts_any or "request_id" in self.names

    def bind(self, arguments, action, request_id):
        """The keyword arguments for the call; raises ``ValidationError`` naming bad ones."""
        if self.takes_action:
            arguments["action"] = action
        if self.takes_request_id:
            arguments["request_id"] = request_id
        errors = {}
        if self.required:
            errors.update((name, ["This argument is required."]) for name in self.required - arguments.keys())
        if not self.accepts_any:
            errors.update((name, ["Unexpected argument."]) for name in arguments.keys() - self.names)
        if errors:
            raise ValidationError(dict(sorted(errors.items())))
        return arguments


class APIConsumerMetaclass(type):
    """Collects a consumer class's actions once, when the class is created.

    ``actions`` maps each action name to its ``ActionSpec``; ``available_actions``
    maps it to the method name. A method overridden without ``@action`` stops
    being an action.
    """

    def __new__(mcs, name, bases, body, **kwargs):
        cls = super().__new__(mcs, name, bases, body, **kwargs)
        cls.actions = {}
        seen = set()
        for klass in cls.__mro__:
            for method_name, method in vars(klass).items():
                if method_name in seen:
                    continue
                seen.add(method_name)
                if getattr(method, "action", None) is True:
                    action_name = method.kwargs.get("name", method_name)
                    cls.actions[action_name] = ActionSpec(method_name, method)
        cls.available_actions = {name: spec.method_name for name, spec in cls.actions.items()}
        return cls
