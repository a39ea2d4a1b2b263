"""The AsyncAPI document of the site's websockets, served like drf-spectacular serves OpenAPI, and its docs page."""

from urllib.parse import urlencode

from csp.decorators import csp_update
from django.conf import settings
from django.http import Http404
from django.templatetags.static import static
from django.urls import reverse
from django.views.generic import TemplateView
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from .discovery import discover
from .formats import as_yaml
from .generator import build_document
from .permissions import ServePermissionsMixin, serve_permissions
from .settings import asyncapi_settings


class AsyncAPIYAMLRenderer(BaseRenderer):
    media_type = "application/yaml"
    format = "yaml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return as_yaml(data).encode()


class AsyncAPIJSONRenderer(JSONRenderer):
    format = "json"


class AsyncAPISpecView(APIView):
    """The AsyncAPI 3.0 document: YAML by default, JSON for ``?format=json`` or ``Accept: application/json``.

    ``?consumer=<label>`` (repeatable) narrows it to those routes. The server is the host the document was
    asked from, ``wss`` behind HTTPS, unless the settings name one (SERVERS, WS_HOST, WS_PROTOCOL).
    """

    renderer_classes = [AsyncAPIYAMLRenderer, AsyncAPIJSONRenderer]

    def get_permissions(self):
        return serve_permissions()

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            asked = request.query_params[api_settings.URL_FORMAT_OVERRIDE]
            known = ", ".join(renderer.format for renderer in self.renderer_classes)
            raise ValidationError({"format": f'Unknown format "{asked}": use one of {known}.'}) from None

    def get(self, request):
        consumers = request.query_params.getlist("consumer") or None
        protocol = "wss" if request.is_secure() else "ws"
        try:
            document = build_document(consumers, host=request.get_host(), protocol=protocol)
        except LookupError as error:
            raise ValidationError({"consumer": str(error.args[0] if error.args else error)}) from None
        name = "-".join(["asyncapi", *(consumers or [])])
        filename = f"{name}.{request.accepted_renderer.format}"
        return Response(document, headers={"Content-Disposition": f'inline; filename="{filename}"'})


class AsyncAPIDocView(ServePermissionsMixin, TemplateView):
    """The docs page: the document rendered by the site's own script (no network), or by the official viewer.

    ``specs`` lists ``(label, url)`` pairs for the consumer selector; by default "All consumers" and one per
    documented route. ``spec_url`` is the document shown first (the first of ``specs``).
    """

    template_name = "asyncapi/docs.html"
    specs = None
    spec_url = None

    def get_specs(self):
        if self.specs is not None:
            return list(self.specs)
        schema = reverse("asyncapi-schema")
        routes = [route for route in discover() if route.documented]
        return [("All consumers", schema)] + [
            (route.label, f"{schema}?{urlencode({'consumer': route.label})}") for route in routes
        ]

    def get_context_data(self, **kwargs):
        specs = self.get_specs()
        if self.spec_url:
            specs = [spec for spec in specs if spec[1] != self.spec_url]
            specs.insert(0, ("Document", self.spec_url))
        viewer = asyncapi_settings.VIEWER
        config = {
            "specs": [{"label": label, "url": url} for label, url in specs],
            "tryItOut": asyncapi_settings.TRY_IT_OUT_ENABLED,
            "expanded": asyncapi_settings.TRY_IT_OUT_EXPANDED,
            "authCookieName": asyncapi_settings.AUTH_COOKIE_NAME,
            "authQueryParam": asyncapi_settings.AUTH_QUERY_PARAM,
            "sessionCookieName": settings.SESSION_COOKIE_NAME,
            "viewer": viewer,
        }
        context = super().get_context_data(**kwargs)
        context.update(
            title=asyncapi_settings.TITLE,
            asyncapi_config=config,
            try_it_out=asyncapi_settings.TRY_IT_OUT_ENABLED,
            viewer=viewer,
        )
        if viewer == "asyncapi-react":
            context.update(
                viewer_js_url=asset_url(asyncapi_settings.VIEWER_JS_URL),
                viewer_js_integrity=asyncapi_settings.VIEWER_JS_INTEGRITY,
                viewer_css_url=asset_url(asyncapi_settings.VIEWER_CSS_URL),
                viewer_css_integrity=asyncapi_settings.VIEWER_CSS_INTEGRITY,
            )
        return context

    def render_to_response(self, context, **response_kwargs):
        render = super().render_to_response
        if context["viewer"] == "asyncapi-react":
            render = csp_update(official_viewer_policy(context["viewer_js_url"], context["viewer_css_url"]))(render)
        return render(context, **response_kwargs)


def asset_url(url):
    """An absolute or site-relative URL as given; anything else is a static file's path."""
    return url if url.startswith(("http://", "https://", "/")) else static(url)


def official_viewer_policy(js_url, css_url):
    """What the page needs beyond the site's policy to run @asyncapi/react-component's standalone bundle.

    The bundle's parser compiles JSON Schemas into functions, which only ``'unsafe-eval'`` allows (it renders
    nothing without); the bundle and its stylesheet may come from another origin (a CDN).
    """
    return {"script-src": ["'unsafe-eval'", *origin(js_url)], "style-src": origin(css_url)}


def origin(url):
    """``["https://unpkg.com"]`` for an absolute URL, nothing for one on this site."""
    if not url.startswith(("http://", "https://")):
        return []
    scheme, rest = url.split("://", 1)
    return [f"{scheme}://{rest.split('/', 1)[0]}"]
