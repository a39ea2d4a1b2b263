from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}.users"
    label = "users"
    verbose_name = "Users"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers that end sockets with their sessions)
