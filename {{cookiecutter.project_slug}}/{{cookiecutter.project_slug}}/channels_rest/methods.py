"""The HTTP method each websocket action stands for, in one table for the whole project.

DRF permissions and Django views reason about HTTP methods. When a websocket action is asked of a DRF
permission (``permissions.WrappedDRFPermission``) or served by a view (``view_as_consumer``), it becomes the
request a REST client would send for the same thing: ``create`` is a ``POST`` to the list, ``update`` a
``PUT``, and so on, so ``DjangoModelPermissions`` asks for ``add`` on create and a ``ModelViewSet`` answers
every action. Opening the socket is a ``HEAD``: it reads nothing. An action missing here is its own name in
capitals (``shout`` -> ``SHOUT``), which no safe-method check lets through.
"""

ACTION_METHODS = {
    "connect": "HEAD",
    "list": "GET",
    "retrieve": "GET",
    "create": "POST",
    "update": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
}


def http_method(action, mapped_actions=ACTION_METHODS):
    """The HTTP method for ``action`` in ``mapped_actions``, else the action's name in capitals."""
    return mapped_actions.get(action) or str(action).upper()
