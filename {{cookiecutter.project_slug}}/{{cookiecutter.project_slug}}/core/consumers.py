import json

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class PingConsumer(AsyncJsonWebsocketConsumer):
    """Answers every JSON frame with a pong naming the connected user.

    The smallest proof that websockets, sessions and authentication reach a consumer.
    """

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            content = json.loads(text_data or bytes_data or "")
        except ValueError:
            await self.send_json({"type": "error", "detail": "Frames must be JSON."})
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        user = self.scope["user"]
        await self.send_json(
            {
                "type": "pong",
                "echo": content,
                "user": user.get_username() if user.is_authenticated else None,
            }
        )
