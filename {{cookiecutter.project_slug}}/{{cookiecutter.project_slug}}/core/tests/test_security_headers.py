"""The Content-Security-Policy and Permissions-Policy headers, and pages that keep to them.

The test settings enforce the production policy (config/settings/base.py), so the pages are checked under
it here; the production and local settings are loaded in a process of their own. Chromium runs the pages
under the policy in core/tests/test_browser_security.py{% if cookiecutter.use_chat_demo %} and chat/tests/test_browser_security.py{% endif %}.
"""

import json
import os
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

{%- if cookiecutter.use_chat_demo %}

from {{ cookiecutter.project_slug }}.chat.models import Room
{%- endif %}

from ..middleware import permissions_policy

# The policy, but for connect-src: "'self'" and the wss: origins of ALLOWED_HOSTS.
DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "object-src": "'none'",
}
DENIED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb"]


def directives(header):
    """``"a x; b y z"`` as ``{"a": "x", "b": "y z"}``."""
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def assert_policy(header, connect_src=None):
    """The policy, with this connect-src; by default any that starts with 'self' (ALLOWED_HOSTS adds to it)."""
    policy = directives(header)
    if connect_src is None:
        assert policy["connect-src"].split()[0] == "'self'"
        connect_src = policy["connect-src"]
    assert policy == {**DIRECTIVES, "connect-src": connect_src}


class InlineCode(HTMLParser):
    """What a page would need ``'unsafe-inline'`` for: script bodies, event handlers, style blocks and attributes."""

    def __init__(self):
        super().__init__()
        self.found = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        self.found += [f"<{tag} {name}=...>" for name in names if name.startswith("on") or name == "style"]
        if tag == "style":
            self.found.append("<style>")
        self.in_script = tag == "script" and "src" not in names

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.found.append(f"<script>{data.strip()[:40]}")

    def handle_endtag(self, tag):
        self.in_script = False


def inline_code(html):
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.mark.django_db
def test_pages_send_the_policies_and_nothing_inline(client, user):
    anonymous = [reverse("home"), reverse("users:login"), reverse("users:signup"), reverse("admin:login")]
    for url in anonymous:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_policy(response["Content-Security-Policy"])
        assert all(f"{feature}=()" in response["Permissions-Policy"] for feature in DENIED_FEATURES), url
        assert inline_code(response.content.decode()) == [], url
{%- if cookiecutter.use_chat_demo %}

    room = Room.objects.create(name="lobby", host=user)
    client.force_login(user)
    for url in [reverse("chat:index"), reverse("chat:room", args=[room.pk])]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_policy(response["Content-Security-Policy"])
        assert inline_code(response.content.decode()) == [], url
{%- endif %}


def test_inline_code_is_found():
    html = '<p style="color: red" onclick="go()">x</p><style>p {}</style><script>go()</script><script src="/a.js">'
    assert inline_code(html) == ["<p style=...>", "<p onclick=...>", "<style>", "<script>go()"]


def test_permissions_policy_syntax():
    policy = {"camera": (), "fullscreen": ("self", "https://example.org"), "autoplay": ("*",)}
    assert permissions_policy(policy) == 'camera=(), fullscreen=(self "https://example.org"), autoplay=(*)'


# Prints the policy headers of one request, made with the settings of DJANGO_SETTINGS_MODULE.
HEADERS_OF_ONE_REQUEST = """
import json, sys
import django
django.setup()
from django.test import Client
response = Client().get(sys.argv[1], secure=True, headers={"host": sys.argv[2]})
names = ["Content-Security-Policy", "Content-Security-Policy-Report-Only", "Permissions-Policy"]
print(json.dumps({name: response.get(name) for name in names}))
"""


def headers_with(settings_module, path, host, **environment):
    result = subprocess.run(
        [sys.executable, "-c", HEADERS_OF_ONE_REQUEST, path, host],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_enforces_the_policies_for_its_hosts():
    headers = headers_with(
        "config.settings.production",
        "/no-such-page/",  # any response; a page would need collectstatic's manifest
        "example.com",
        DJANGO_SECRET_KEY="production-like-secret-key-for-this-test-only-0123456789",
        DJANGO_ADMIN_URL="hidden-admin/",
        DJANGO_ALLOWED_HOSTS="example.com,.example.org",
        DATABASE_URL="postgres://site@127.0.0.1:1/site",  # never connected to
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    assert_policy(headers["Content-Security-Policy"], "'self' wss://example.com wss://example.org wss://*.example.org")
    assert headers["Content-Security-Policy-Report-Only"] is None
    assert all(f"{feature}=()" in headers["Permissions-Policy"] for feature in DENIED_FEATURES)


def test_local_development_reports_the_policy_without_enforcing_it():
    headers = headers_with(
        "config.settings.local", reverse("users:login"), "localhost", DJANGO_ALLOWED_HOSTS="localhost,[::1]"
    )
    assert headers["Content-Security-Policy"] is None
    assert_policy(headers["Content-Security-Policy-Report-Only"], "'self' wss://localhost")  # no CSP for [::1]
    assert all(f"{feature}=()" in headers["Permissions-Policy"] for feature in DENIED_FEATURES)
