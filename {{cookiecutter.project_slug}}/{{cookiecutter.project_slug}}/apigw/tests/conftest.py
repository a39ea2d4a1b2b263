"""Fixtures of the apigw tests: the local gateway in front of the site under daphne."""

import asyncio
import threading

import pytest
from channels.layers import channel_layers, get_channel_layer

from {{ cookiecutter.project_slug }}.apigw import bridge, sender
from {{ cookiecutter.project_slug }}.apigw.checks import configured_secrets
from {{ cookiecutter.project_slug }}.apigw.local_gateway import LocalGateway
from {{ cookiecutter.project_slug }}.apigw.management.commands.apigw_local import API_ID, STAGE, register

from .gateway import ServerLoop, stop_relay, stop_relays_of_this_loop

AWS_TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """A channel layer per test: channels-redis binds its connections and locks to the event loop that used them,
    and every async test (and every test client request to the async event view) has a loop of its own."""
    yield
    channel_layers.backends.clear()


class Relays:
    """Relays standing in for other server processes (``another()``), on the test's event loop."""

    def __init__(self):
        self.others = []

    async def another(self):
        relay = bridge.Relay(get_channel_layer())
        await relay.start()
        self.others.append(relay)
        return relay

    stop = staticmethod(stop_relay)


@pytest.fixture
async def relays():
    """For tests whose gateway connections live on the test's event loop: once the test is over, every relay of
    that loop is stopped before the loop closes."""
    relays = Relays()
    yield relays
    await stop_relays_of_this_loop()
    for relay in relays.others:
        await stop_relay(relay)


@pytest.fixture
def server():
    """A server process's event loop for sync tests that post gateway events (``ServerLoop``)."""
    server = ServerLoop()
    yield server
    server.stop()


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
