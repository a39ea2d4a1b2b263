"""One action sent over each path of the user API, so tests can compare the paths.

``rest_call`` uses ``/api/users/``; ``ws_call`` uses either websocket route: the consumer takes ``pk``
and ``data`` as arguments, the view takes the URL's ``pk`` in ``parameters``.
"""

from rest_framework.test import APIClient

CONSUMER = "/ws/users/"
VIEW = "/ws/users/view/"

METHODS = {"list": "get", "retrieve": "get", "create": "post", "update": "put", "patch": "patch", "delete": "delete"}


def client_for(account):
    """A REST client signed in as ``account`` (anonymous for ``None``)."""
    client = APIClient()
    if account is not None:
        client.force_login(account)
    return client


def rest_call(client, action, pk=None, data=None):
    """Send one action the REST way; return ``(status, body)``."""
    url = "/api/users/" if pk is None else f"/api/users/{pk}/"
    response = getattr(client, METHODS[action])(url, data, format="json")
    return response.status_code, response.data


async def ws_call(socket, route, action, pk=None, data=None):
    """Send one action over a websocket opened on ``route``; return the reply frame."""
    arguments = {} if data is None else {"data": data}
    if pk is not None:
        arguments.update({"pk": pk} if route == CONSUMER else {"parameters": {"pk": pk}})
    return await socket.request(action, **arguments)


def ws_outcome(route, reply):
    """``(status, body)`` of a reply frame, shaped like ``rest_call``'s.

    The consumer reports errors in ``errors`` (a 400's field errors as its one item, anything else as
    messages); the view answers with the REST API's body as ``data``.
    """
    status = reply["response_status"]
    if route == VIEW or status < 300:
        return status, reply["data"]
    if status == 400:
        return status, reply["errors"][0]
    return status, {"detail": reply["errors"][0]}
