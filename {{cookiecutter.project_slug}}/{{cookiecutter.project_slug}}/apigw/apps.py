from django.apps import AppConfig


class ApigwConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}.apigw"
    label = "apigw"
    verbose_name = "API Gateway"

    def ready(self):
        from . import checks, lifecycle  # noqa: F401  (system checks; receivers that end connections)
