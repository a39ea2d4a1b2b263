"""Test helpers: a websocket communicator that speaks the framework's envelope."""

import itertools

from channels.testing import WebsocketCommunicator

_request_ids = itertools.count(1)


class ApiCommunicator(WebsocketCommunicator):
    """``WebsocketCommunicator`` plus ``request()``: send one action, return the next frame.

    ``accepted`` tells whether the handshake succeeded (set by ``connect()``).
    """

    accepted = False

    async def connect(self, timeout=5):
        self.accepted, detail = await super().connect(timeout)
        return self.accepted, detail

    async def request(self, action, timeout=5, request_id=None, **kwargs):
        if request_id is None:
            request_id = next(_request_ids)
        await self.send_json_to({"action": action, "request_id": request_id, **kwargs})
        return await self.receive_json_from(timeout)
