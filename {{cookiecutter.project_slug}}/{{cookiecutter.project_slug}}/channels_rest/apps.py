from django.apps import AppConfig


class ChannelsRestConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}.channels_rest"
    label = "channels_rest"
    verbose_name = "Channels REST"
