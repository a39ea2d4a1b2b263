"""``manage.py apigw_local``: run the loopback API Gateway (local_gateway) in front of a running site."""

import asyncio
import signal

from asgiref.sync import sync_to_async
from django.core.management.base import BaseCommand

from {{ cookiecutter.project_slug }}.apigw.checks import configured_secrets
from {{ cookiecutter.project_slug }}.apigw.local_gateway import LocalGateway
from {{ cookiecutter.project_slug }}.apigw.models import ApiGateway, ApiGatewayRoute

API_ID = "local"
STAGE = "local"
REGION = "us-east-1"


def register(host, port):
    """The local gateway's record (created or updated), with the routes the demo pages look up."""
    gateway, _created = ApiGateway.objects.update_or_create(
        api_id=API_ID,
        defaults={"name": "local", "region": REGION, "stage_name": STAGE, "domain_name": f"{host}:{port}"},
    )
    for route_key in ("default", "dashboard"):
        ApiGatewayRoute.objects.get_or_create(api_gateway=gateway, route_key=route_key)
    return gateway


class Command(BaseCommand):
    help = "Run a loopback stand-in for AWS API Gateway's WebSocket API in front of the site."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--target", default="http://127.0.0.1:8000", help="The site's base URL.")

    def handle(self, *args, port, host, target, **options):
        secret = configured_secrets()[0]
        gateway = LocalGateway(target=target, secret=secret, api_id=API_ID, stage=STAGE, host=host, port=port)
        asyncio.run(self.serve(gateway))
        self.stdout.write(gateway.counts.summary())

    async def serve(self, gateway):
        await gateway.start()
        await sync_to_async(register)(gateway.host, gateway.port)
        self.stdout.write(
            f"Local API Gateway on ws://{gateway.host}:{gateway.port} for {gateway.target}\n"
            f"Run the site with APIGW_MANAGEMENT_ENDPOINT={gateway.management_endpoint}"
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        await gateway.stop()
