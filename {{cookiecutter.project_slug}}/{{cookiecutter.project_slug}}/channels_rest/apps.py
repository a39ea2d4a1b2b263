from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ChannelsRestConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}.channels_rest"
    label = "channels_rest"
    verbose_name = "Channels REST"

    def ready(self):
        """Import every app's ``consumers`` module, so model observers listen in every process.

        Observers connect their signal receivers when their consumer class is
        defined. Without this, a save made from the shell, a management command
        or a worker that never imported the consumers would announce nothing.
        """
        autodiscover_modules("consumers")
