"""Decorators for what the code cannot say: summaries, tags, examples, explicit schemas, deprecation.

``@document_action`` goes on an action (above or below ``@action``), ``@document_event`` on an
observer (above ``@model_observer``/``@observer``, or right on the handler below it). They only
attach a ``Documentation`` to the function; nothing changes at run time.

``payload`` and ``reply`` are a JSON Schema dict or a DRF serializer (class or instance,
``many=True`` for a list): an action's ``payload`` replaces its arguments, ``reply`` the reply's
``data``; an event's ``payload`` is the ``data`` its frames carry and ``actions`` their ``action``
values. ``deprecated`` marks the messages' payload schemas (AsyncAPI 3.0 has no deprecated
operation). ``examples`` are payloads: a list of dicts, or a dict of named dicts.
"""

from dataclasses import dataclass

ATTRIBUTE = "asyncapi_documentation"


@dataclass(frozen=True)
class Documentation:
    summary: str = None
    description: str = None
    tags: tuple = ()
    examples: tuple = ()  # ((name, payload), ...)
    payload: object = None
    reply: object = None
    deprecated: bool = False
    # Actions: the observers (attribute names) whose events the action starts or stops.
    events: tuple = ()
    # Events: the ``action`` values of the frames.
    actions: tuple = None


NOTHING = Documentation()


def named_examples(examples):
    if examples is None:
        return ()
    if isinstance(examples, dict):
        return tuple(examples.items())
    return tuple((f"example-{number}", payload) for number, payload in enumerate(examples, start=1))


def document_action(
    *, summary=None, description=None, tags=(), examples=None, payload=None, reply=None, deprecated=False, events=()
):
    documentation = Documentation(
        summary, description, tuple(tags), named_examples(examples), payload, reply, deprecated, tuple(events)
    )
    return attach(documentation)


def document_event(
    *, summary=None, description=None, tags=(), examples=None, payload=None, actions=None, deprecated=False
):
    documentation = Documentation(
        summary,
        description,
        tuple(tags),
        named_examples(examples),
        payload,
        deprecated=deprecated,
        actions=None if actions is None else tuple(actions),
    )
    return attach(documentation)


def attach(documentation):
    def decorator(target):
        setattr(target, ATTRIBUTE, documentation)
        return target

    return decorator


def documentation_of(target):
    """The ``Documentation`` of an action method or an observer (also when set on its handler)."""
    for candidate in (target, getattr(target, "func", None), getattr(target, "__wrapped__", None)):
        documentation = getattr(candidate, ATTRIBUTE, None)
        if documentation is not None:
            return documentation
    return NOTHING
