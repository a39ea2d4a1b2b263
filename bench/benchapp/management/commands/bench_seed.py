from django.core.management.base import BaseCommand

from benchapp.models import Item, PlainItem

DESCRIPTION = "A row of the benchmark, long enough to look like a real description of something. " * 2


class Command(BaseCommand):
    help = "Fill an empty benchmark database with the same rows in Item and PlainItem (pks 1..rows)."

    def add_arguments(self, parser):
        parser.add_argument("rows", type=int)

    def handle(self, rows, **options):
        for model in (Item, PlainItem):
            model.objects.bulk_create(
                model(feed=i % 10, name=f"item {i}", value=i, description=DESCRIPTION) for i in range(1, rows + 1)
            )
