"""Every websocket route of the site, one list per app."""

{% if cookiecutter.use_chat_demo -%}
from {{ cookiecutter.project_slug }}.chat.routing import websocket_urlpatterns as chat_routes
{% endif -%}
from {{ cookiecutter.project_slug }}.core.routing import websocket_urlpatterns as core_routes
{%- if cookiecutter.use_user_consumers %}
from {{ cookiecutter.project_slug }}.users.routing import websocket_urlpatterns as user_routes
{%- endif %}

websocket_urlpatterns = [
    *core_routes,
{%- if cookiecutter.use_user_consumers %}
    *user_routes,
{%- endif %}
{%- if cookiecutter.use_chat_demo %}
    *chat_routes,
{%- endif %}
]
