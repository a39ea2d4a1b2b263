"""What a consumer knows about its actions: each one's signature, read once per class, and the one running.

``APIConsumerMetaclass`` collects a consumer class's ``@action`` methods when the class is created;
``ActionSpec`` checks a frame's arguments against one of them before the call. ``current_action`` is the
``RunningAction`` being handled, for code that is not handed it (``get_object`` in a custom action, the
observers' sends); context variables follow the action into its database thread.
"""

import asyncio
import concurrent.futures
import contextvars
import inspect

from rest_framework.exceptions import ValidationError


class RunningAction:
    """The action being handled: its name, the permissions asked about it, and the work its reply waits for.

    ``permissions`` lets code in the action's database thread know whether any of them looks at objects
    without asking ``get_permissions`` again. ``start`` is for work the action causes but need not do
    itself, such as sending a saved row's observer messages: the database thread, which every sync action
    of the process shares, hands it to the event loop instead of blocking until the loop has done it, and
    the reply still follows it (``finish``), so an acknowledged change has been sent.
    """

    def __init__(self, name, loop, permissions=None):
        self.name = name
        self.loop = loop
        self.permissions = permissions
        self.unfinished = []
        self.ended = False
        self.token = None

    def __enter__(self):
        """Make this the ``current_action`` until the block ends; then it has ended."""
        self.token = current_action.set(self)
        return self

    def __exit__(self, *exc_info):
        self.ended = True
        current_action.reset(self.token)

    def start(self, coroutine):
        """Run ``coroutine`` on the action's event loop, from the loop or the action's worker thread.

        Returns ``False`` (and runs nothing) once the action has ended: tasks it started outlive it, and
        their work has no reply to hold back; so does a worker thread still running after its loop closed.
        """
        if self.ended or self.loop.is_closed():
            coroutine.close()
            return False
        try:
            on_loop = asyncio.get_running_loop() is self.loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            self.unfinished.append(asyncio.ensure_future(coroutine))
        else:
            self.unfinished.append(asyncio.run_coroutine_threadsafe(coroutine, self.loop))
        return True

    async def finish(self):
        """Wait for the work started so far, in order; the first failure is raised after all are done."""
        unfinished, self.unfinished = self.unfinished, []
        futures = [
            asyncio.wrap_future(future) if isinstance(future, concurrent.futures.Future) else future
            for future in unfinished
        ]
        for result in await asyncio.gather(*futures, return_exceptions=True):
            if isinstance(result, BaseException):
                raise result


current_action = contextvars.ContextVar("current_action", default=None)

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
