"""``manage.py export_asyncapi``: the AsyncAPI document on stdout or in a file, for CI and client generators."""

from django.core.management.base import BaseCommand, CommandError

from ...formats import as_json, as_yaml
from ...generator import DocumentError, build_document


class Command(BaseCommand):
    help = "Write the AsyncAPI 3.0 document of the websocket API (YAML by default) to stdout or a file."
    # The checks would only repeat the generation (asyncapi.E001) and hide its traceback.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
        parser.add_argument("--file", "-o", help="Write to this file instead of stdout.")
        parser.add_argument(
            "--consumer",
            action="append",
            dest="consumers",
            metavar="LABEL",
            help="Only this route (its label, e.g. chat-room, or the consumer's dotted path); repeatable.",
        )
        parser.add_argument("--host", default="localhost:8000", help="The server host (unless WS_HOST is set).")
        parser.add_argument("--protocol", default="ws", choices=["ws", "wss"])

    def handle(self, *args, format, file, consumers, host, protocol, **options):
        try:
            document = build_document(consumers, host=host, protocol=protocol)
        except (LookupError, DocumentError) as exc:
            raise CommandError(str(exc)) from exc
        for channel in document["channels"].values():
            if channel.get("x-undocumented"):
                self.stderr.write(f"Warning: {channel['address']}: {channel['description']}")
        text = as_json(document) if format == "json" else as_yaml(document)
        if file:
            with open(file, "w", encoding="utf-8") as output:
                output.write(text)
        else:
            self.stdout.write(text, ending="")
