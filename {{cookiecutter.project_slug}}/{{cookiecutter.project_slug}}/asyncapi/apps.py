from django.apps import AppConfig


class AsyncAPIConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}.asyncapi"
    label = "asyncapi"
    verbose_name = "AsyncAPI docs"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
