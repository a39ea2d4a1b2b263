from channels.generic.websocket import AsyncJsonWebsocketConsumer

from {{ cookiecutter.project_slug }}.channels_rest import frames
from {{ cookiecutter.project_slug }}.channels_rest.outages import LayerOutageMixin


class PingConsumer(LayerOutageMixin, AsyncJsonWebsocketConsumer):
    """Answers every JSON frame with a pong naming the connected user.

    The smallest proof that websockets, sessions and authentication reach a consumer. It reads and
    writes JSON as the framework does (``channels_rest.frames``): standard JSON within the limits only,
    and like the framework's consumers it stays open through a short outage of the channel layer.
    """

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            text = text_data if text_data is not None else (bytes_data or b"").decode()
            if frames.too_big(frames.frame_size(text)):
                await self.close(code=frames.TOO_BIG_CLOSE_CODE)
                return
            content = frames.decode(text)
        except (frames.FrameError, UnicodeDecodeError) as exc:
            detail = str(exc) if isinstance(exc, frames.FrameError) else "Frames must be valid UTF-8 text."
            await self.send_json({"type": "error", "detail": detail})
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

    @classmethod
    async def encode_json(cls, content):
        return frames.encoder.encode(content)
