"""Fixtures of the apigw tests: the local gateway in front of the site under daphne."""

import asyncio
import threading

import pytest

from {{ cookiecutter.project_slug }}.apigw import sender
from {{ cookiecutter.project_slug }}.apigw.checks import configured_secrets
from {{ cookiecutter.project_slug }}.apigw.local_gateway import LocalGateway
from {{ cookiecutter.project_slug }}.apigw.management.commands.apigw_local import API_ID, STAGE, register

AWS_TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


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
