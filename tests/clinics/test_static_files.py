"""The stylesheet is served with DEBUG off, as in production (WhiteNoise, docs/operations.md)."""

import gzip

import pytest
from django.core.management import call_command
from django.test import Client, override_settings


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@override_settings(DEBUG=False)
def test_with_debug_off_the_stylesheet_is_served_even_before_collectstatic():
    response = Client().get("/static/css/base.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    css = body(response)
    assert b".button" in css and b".danger" in css


def test_the_documented_deployment_collects_compresses_and_serves_the_stylesheet(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "css" / "base.css").is_file()
    assert (tmp_path / "css" / "base.css.gz").is_file()
    with override_settings(DEBUG=False, STATIC_ROOT=tmp_path, WHITENOISE_USE_FINDERS=False):
        client = Client()
        plain = client.get("/static/css/base.css")
        packed = client.get("/static/css/base.css", HTTP_ACCEPT_ENCODING="gzip")
        htmx = client.get("/static/vendor/htmx.min.js")
    css = body(plain)
    assert plain.status_code == 200 and b".button" in css
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(body(packed)) == css
    assert htmx.status_code == 200


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_pages_link_the_stylesheet_that_is_served(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/static/css/base.css"' in page
