"""The schema view (YAML/JSON, consumers, servers from the request), the docs page and who may read them."""

import json

import pytest
import yaml
from django.test import override_settings
from django.urls import reverse

from {{ cookiecutter.project_slug }}.core.tests.test_security_headers import directives, inline_code

from ..discovery import discover
from ..generator import build_document
from ..settings import DEFAULTS
from ..views import AsyncAPIYAMLRenderer

pytestmark = pytest.mark.django_db

SCHEMA = reverse("asyncapi-schema")
DOCS = reverse("asyncapi-docs")


def serving(**settings):
    """CHANNELS_SPECTACULAR_SETTINGS with these keys, and the views open to everyone unless they say otherwise."""
    return override_settings(
        CHANNELS_SPECTACULAR_SETTINGS={"SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"], **settings}
    )


CONFIG_ELEMENT = '<script id="asyncapi-config" type="application/json">'


def page_config(response):
    html = response.content.decode()
    start = html.index(CONFIG_ELEMENT) + len(CONFIG_ELEMENT)
    return json.loads(html[start : html.index("</script>", start)])


def code_in(response):
    """What the page would need inline script or style for, but its configuration (data, not code)."""
    html = response.content.decode()
    start = html.index(CONFIG_ELEMENT)
    return inline_code(html[:start] + html[html.index("</script>", start) + len("</script>") :])


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_schema_is_yaml_by_default(staff_client):
    response = staff_client.get(SCHEMA)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="asyncapi.yaml"'
    assert yaml.safe_load(response.content) == build_document(host="testserver", protocol="ws")


@pytest.mark.parametrize(
    ("query", "headers"), [({"format": "json"}, {}), ({}, {"Accept": "application/json"})], ids=["query", "accept"]
)
def test_schema_as_json(staff_client, query, headers):
    response = staff_client.get(SCHEMA, query, headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'inline; filename="asyncapi.json"'
    assert response.json() == build_document(host="testserver", protocol="ws")


def test_multi_line_strings_are_yaml_blocks():
    rendered = AsyncAPIYAMLRenderer().render({"description": "First line.\nSecond line.", "title": "One line"})
    assert rendered.decode() == "description: |-\n  First line.\n  Second line.\ntitle: One line\n"


def test_a_schema_used_twice_is_written_twice_not_as_a_yaml_alias():
    shared = {"type": "string"}
    assert b"&" not in AsyncAPIYAMLRenderer().render({"a": shared, "b": shared})


def test_one_or_several_consumers(staff_client):
    labels = [route.label for route in discover()][-2:]
    response = staff_client.get(SCHEMA, {"consumer": labels, "format": "json"})
    assert response.status_code == 200
    assert list(response.json()["channels"]) == list(build_document(labels)["channels"])
    assert set(response.json()["channels"]) == set(labels)
    assert response["Content-Disposition"] == f'inline; filename="asyncapi-{"-".join(labels)}.json"'


def test_unknown_consumer_is_a_400_naming_the_known_ones(staff_client):
    response = staff_client.get(SCHEMA, {"consumer": "nope", "format": "json"})
    assert response.status_code == 400
    message = response.json()["consumer"]
    assert "nope" in message
    assert all(route.label in message for route in discover())


def test_unknown_format_is_a_400(staff_client):
    response = staff_client.get(SCHEMA, {"format": "xml"})
    assert response.status_code == 400
    assert yaml.safe_load(response.content) == {"format": 'Unknown format "xml": use one of yaml, json.'}


def test_server_is_the_host_asked_and_wss_behind_https(staff_client, settings):
    settings.ALLOWED_HOSTS = ["api.example.com"]
    plain = staff_client.get(SCHEMA, {"format": "json"}, headers={"Host": "api.example.com"}).json()
    secure = staff_client.get(SCHEMA, {"format": "json"}, headers={"Host": "api.example.com"}, secure=True).json()
    assert plain["servers"]["default"]["host"] == "api.example.com"
    assert (plain["servers"]["default"]["protocol"], secure["servers"]["default"]["protocol"]) == ("ws", "wss")


def test_staff_only_by_default(client, user, staff_user):
    assert client.get(SCHEMA).status_code in (401, 403)
    response = client.get(DOCS)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('users:login')}?next={DOCS}"
    client.force_login(user)
    assert client.get(SCHEMA).status_code == 403
    assert client.get(DOCS).status_code == 403
    client.force_login(staff_user)
    assert client.get(SCHEMA).status_code == 200
    assert client.get(DOCS).status_code == 200


def test_a_refused_token_is_a_403_not_a_login_page(client):
    response = client.get(DOCS, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 403


def test_serve_permissions_setting_opens_them(client):
    with serving():
        assert client.get(SCHEMA).status_code == 200
        assert client.get(DOCS).status_code == 200


def test_docs_page_lists_every_documented_consumer(client):
    with serving():
        response = client.get(DOCS)
    config = page_config(response)
    documented = [route.label for route in discover() if route.documented]
    assert [spec["label"] for spec in config["specs"]] == ["All consumers", *documented]
    urls = [SCHEMA, *(f"{SCHEMA}?consumer={label}" for label in documented)]
    assert [spec["url"] for spec in config["specs"]] == urls
    assert {key: config[key] for key in ("viewer", "tryItOut", "authCookieName", "authQueryParam")} == {
        "viewer": "site",
        "tryItOut": False,
        "authCookieName": "access_token",
        "authQueryParam": "token",
    }
    html = response.content.decode()
    assert 'src="/static/asyncapi/viewer.js"' in html
    assert "console.js" not in html
    assert not code_in(response)


def test_docs_page_keeps_the_site_policy(client):
    with serving():
        response = client.get(DOCS)
    policy = directives(response["Content-Security-Policy"])
    assert (policy["script-src"], policy["style-src"]) == ("'self'", "'self'")


def test_official_viewer_from_the_pinned_cdn_files(client):
    with serving(VIEWER="asyncapi-react"):
        response = client.get(DOCS)
    html = response.content.decode()
    script = f'<script src="{DEFAULTS["VIEWER_JS_URL"]}" integrity="{DEFAULTS["VIEWER_JS_INTEGRITY"]}"'
    assert f'{script} crossorigin="anonymous">' in html
    assert f'href="{DEFAULTS["VIEWER_CSS_URL"]}" integrity="{DEFAULTS["VIEWER_CSS_INTEGRITY"]}"' in html
    assert page_config(response)["viewer"] == "asyncapi-react"
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self' 'unsafe-eval' https://unpkg.com"
    assert policy["style-src"] == "'self' https://unpkg.com"
    assert not code_in(response)


def test_official_viewer_self_hosted_is_a_static_path(client):
    with serving(VIEWER="asyncapi-react", VIEWER_JS_URL="vendor/asyncapi.js", VIEWER_CSS_URL="/assets/asyncapi.css"):
        response = client.get(DOCS)
    html = response.content.decode()
    assert '<script src="/static/vendor/asyncapi.js"' in html
    assert 'href="/assets/asyncapi.css"' in html
    policy = directives(response["Content-Security-Policy"])
    assert (policy["script-src"], policy["style-src"]) == ("'self' 'unsafe-eval'", "'self'")
