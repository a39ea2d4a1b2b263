"""The actions of a ``view_as_consumer`` route: each is one request to the view.

A frame carries ``query``, ``parameters`` (the view's keyword arguments) and ``data`` (the JSON
body). When the view is a DRF viewset, or a function calling viewsets by name, the viewset's
serializer describes ``data`` and the replies.
"""

import inspect

from .actions import Action, docstring_parts
from .documentation import documentation_of
from .schemas import serializer_schema

# The wire action names of ``view_as_consumer`` and the DRF viewset actions they usually map to.
VIEWSET_ACTIONS = {"patch": "partial_update", "delete": "destroy"}
WRITE_METHODS = {"POST": "write", "PUT": "write", "PATCH": "partial"}


def view_actions(consumer, components):
    """The mapped actions of a ``view_as_consumer`` route: ``query``, ``parameters`` and ``data``."""
    view = consumer.view
    summary, description = docstring_parts(view)
    routes = viewset_routes(view)
    actions = []
    for name, method in consumer.mapped_actions.items():
        viewset_class, viewset_action = viewset_route(routes, name, method)
        serializer = getattr(viewset_class, "serializer_class", None)
        mode = WRITE_METHODS.get(method)
        data = serializer_schema(serializer, mode, components) if serializer and mode else {"type": "object"}
        action = Action(
            name,
            f"action {name!r} of {view_name(view)}",
            summary or f"{method} to the view.",
            description,
            properties={
                "query": {"type": ["object", "null"], "description": "The request's query string (request.GET)."},
                "parameters": view_parameters(view),
                "data": nullable_object(data, f"The {method} request's JSON body."),
            },
            strict=True,
            statuses=None,
            reply=view_reply(viewset_class, viewset_action, serializer, components),
            documentation=documentation_of(view),
        )
        actions.append(action)
    return actions


def view_name(view):
    return f"{getattr(view, '__module__', '')}.{getattr(view, '__qualname__', type(view).__name__)}"


def nullable_object(schema, description):
    return {"oneOf": [schema, {"type": "null"}], "description": description}


def viewset_routes(view):
    """``[(viewset class, {http method: viewset action})]`` of the view, or of the views it calls by name."""
    candidates = [view]
    code, scope = getattr(view, "__code__", None), getattr(view, "__globals__", {})
    if code is not None:
        candidates += [scope[name] for name in code.co_names if name in scope]
    return [
        (candidate.cls, getattr(candidate, "actions", None) or {})
        for candidate in candidates
        if isinstance(getattr(candidate, "cls", None), type)
    ]


def viewset_route(routes, name, method):
    """``(view class, viewset action)`` serving wire action ``name`` sent as ``method``."""
    wanted = VIEWSET_ACTIONS.get(name, name)
    matches = [(cls, actions.get(method.lower())) for cls, actions in routes if method.lower() in actions]
    for cls, viewset_action in matches:
        if viewset_action == wanted:
            return cls, viewset_action
    if len(matches) == 1:
        return matches[0]
    if len(routes) == 1 and not routes[0][1]:
        return routes[0][0], None
    return None, None


def view_parameters(view):
    """The view's keyword arguments (its URL kwargs), from its signature."""
    try:
        parameters = list(inspect.signature(view).parameters.values())[1:]
    except (TypeError, ValueError):
        parameters = []
    named = [p for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    schema = {
        "type": ["object", "null"],
        "description": "The view's keyword arguments, as a URL pattern would give them.",
        "properties": {p.name: {"type": ["string", "integer"]} for p in named},
    }
    required = [p.name for p in named if p.default is p.empty]
    if required:
        schema["required"] = required
    if named and not any(p.kind is p.VAR_KEYWORD for p in parameters):
        schema["additionalProperties"] = False
    return schema


def view_reply(viewset_class, viewset_action, serializer, components):
    """What the view answers: the serializer's objects when the viewset action says which."""
    if serializer is None or viewset_action is None:
        return {}
    item = serializer_schema(serializer, "read", components)
    if viewset_action == "destroy":
        return {"type": "null"}
    if viewset_action == "list":
        if getattr(viewset_class, "pagination_class", None) is not None:
            return {"type": "object", "properties": {"results": {"type": "array", "items": item}}}
        return {"type": "array", "items": item}
    return item
