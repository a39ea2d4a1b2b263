"""The framework vendored in the baked project (``<slug>.channels_rest``)."""

from django.conf import settings

from benchapp.variants.api import build_consumer

ItemConsumer = build_consumer(f"{settings.APPS_DIR.name}.channels_rest")
