from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

urlpatterns = [
    path("", include("{{ cookiecutter.project_slug }}.core.urls")),
    path("accounts/", include("{{ cookiecutter.project_slug }}.users.urls")),
    path("api/token/", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("api/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
{%- if cookiecutter.use_user_consumers %}
    path("api/", include("{{ cookiecutter.project_slug }}.users.api_urls")),
{%- endif %}
{%- if cookiecutter.use_asyncapi_docs %}
    path("api/asyncapi/", include("{{ cookiecutter.project_slug }}.asyncapi.urls")),
{%- endif %}
{%- if cookiecutter.use_api_gateway %}
    path("apigw/", include("{{ cookiecutter.project_slug }}.apigw.urls")),
{%- endif %}
{%- if cookiecutter.use_chat_demo %}
    path("chat/", include("{{ cookiecutter.project_slug }}.chat.urls")),
{%- endif %}
    path(settings.ADMIN_URL, admin.site.urls),
]
