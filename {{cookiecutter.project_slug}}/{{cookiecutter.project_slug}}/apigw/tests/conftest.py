"""Fixtures of the apigw tests: the local gateway in front of the site under daphne."""

import asyncio
import contextlib
import threading

import pytest
from channels.layers import channel_layers, get_channel_layer

from {{ cookiecutter.project_slug }}.apigw import bridge, sender
from {{ cookiecutter.project_slug }}.apigw.checks import configured_secrets
from {{ cookiecutter.project_slug }}.apigw.local_gateway import LocalGateway
from {{ cookiecutter.project_slug }}.apigw.management.commands.apigw_local import API_ID, STAGE, register

AWS_TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """A channel layer per test: channels-redis binds its connections and locks to the event loop that used them,
    and every async test (and every test client request to the async event view) has a loop of its own."""
    yield
    channel_layers.backends.clear()


class Relays:
    """The relays of the test's event loop, and relays standing in for other server processes (``another()``)."""

    def __init__(self):
        self.others = []

    async def another(self):
        relay = bridge.Relay(get_channel_layer())
        await relay.start()
        self.others.append(relay)
        return relay

    @staticmethod
    async def stop(relay):
        """Stop a relay as its process would stop: its consumers get their disconnect, its reading ends.

        A cancelled channels-redis receive can swallow the cancellation (redis-py turns it into a read timeout
        and retries), so the relay's task is cancelled until it is done.
        """
        for live in list(relay.connections.values()):
            live.end(bridge.STOP, bridge.CLIENT_LEFT)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(live.consumer_task), 5)
        while not relay.task.done():
            relay.task.cancel()
            await asyncio.wait([relay.task], timeout=0.5)


@pytest.fixture
async def relays():
    """For tests whose gateway connections live on the test's event loop: once the test is over, every relay of
    that loop is stopped before the loop closes (see ``Relays.stop``)."""
    relays = Relays()
    yield relays
    loop = asyncio.get_running_loop()
    mine = [relay for (_layer, relay_loop), relay in list(bridge._relays.items()) if relay_loop is loop]
    for relay in mine + relays.others:
        await relays.stop(relay)


@pytest.fixture
def local_gateway(site_server, settings, monkeypatch):
    """The local gateway on a free port in front of ``site_server``, which posts its replies to it.

    The gateway's record (with the ``default`` and ``dashboard`` routes) is registered, the site restarted with
    the gateway's management endpoint and test AWS credentials (boto3 signs; the gateway accepts any signature),
    and this process's sender pointed at it too. The counts are printed at the end.
    """
    gateway = LocalGateway(target=site_server.url, secret=configured_secrets()[0], api_id=API_ID, stage=STAGE)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(gateway.start(), loop).result(10)
    register(gateway.host, gateway.port)
    site_server.environment.update(AWS_TEST_CREDENTIALS, APIGW_MANAGEMENT_ENDPOINT=gateway.management_endpoint)
    site_server.stop()
    site_server.start()
    for name, value in AWS_TEST_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    settings.APIGW_MANAGEMENT_ENDPOINT = gateway.management_endpoint
    sender.clear_client_cache()
    yield gateway
    asyncio.run_coroutine_threadsafe(gateway.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    sender.clear_client_cache()
    print(gateway.counts.summary())
