from django.apps import AppConfig


class ObservedConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}.channels_rest.tests.observed"
    label = "observed"
    default_auto_field = "django.db.models.BigAutoField"
