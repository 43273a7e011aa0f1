"""Security headers and the Content Security Policy on every response, kept by the response store."""
import re

import pytest

from craftmap import db, editing
from craftmap.assets import asset_url
from tests.conftest import map_script_of, map_script_src

PAGES = ["/?lang=en", "/centres?lang=en", "/centres/dobele-crafts-house?lang=en", "/routes?lang=en",
         "/routes/balts-road-selonian?lang=en", "/sources?lang=en", "/planner/?lang=en",
         "/planner/coverage?by=municipality&lang=en", "/planner/coverage?by=country&lang=en",
         "/planner/coverage?by=route&lang=en", "/planner/gaps?lang=en", "/planner/report?lang=en",
         "/manage/login?lang=en"]
OTHERS = ["/api/v1/centres", "/api/v1/centres/dobele-crafts-house", "js/map.js", "vendor/leaflet/leaflet.js",
          "/centres/no-such-centre", "/api/v1/centres/no-such-centre", "/manage/"]


def policy(response):
    return dict(d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";"))


@pytest.mark.parametrize("url", PAGES + OTHERS)
def test_every_response_carries_the_security_headers(app, client, url):
    if not url.startswith("/"):  # an asset, under its current digest
        with app.test_request_context():
            url = asset_url(url)
    with client.get(url) as response:
        csp = policy(response)
        assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
        assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
        assert csp["connect-src"] == "'self'" and csp["form-action"] == "'self'" and csp["base-uri"] == "'self'"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_the_signed_in_edit_form_cannot_be_framed(client, auth):
    auth.login("dobele@example.test")
    form = client.get("/manage/centres/dobele-crafts-house?lang=en")
    assert form.status_code == 200 and b'name="csrf_token"' in form.data
    assert policy(form)["frame-ancestors"] == "'none'" and form.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("tile_url, source", [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.tiles.example.org/base/{z}/{x}/{y}.png?key=1", "https://*.tiles.example.org"),
    ("/static/img/blank-tile.png", None), ("", None)])
def test_images_come_from_the_app_and_the_configured_tile_host_only(make_app, tile_url, source):
    images = policy(make_app(TILE_URL=tile_url).test_client().get("/?lang=en"))["img-src"].split()
    assert images == ["'self'", "data:"] + ([source] if source else [])


def test_stored_responses_keep_the_headers(app):
    first = app.test_client().get("/?lang=en")
    assert len(app.wsgi_app.entries) == 1  # kept
    again = app.test_client().get("/?lang=en")  # served by the store, without entering Flask
    assert again.data == first.data
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert again.headers["X-Frame-Options"] == "DENY" and again.headers["X-Content-Type-Options"] == "nosniff"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.I)


@pytest.mark.parametrize("url", PAGES)
def test_pages_hold_no_inline_script_handler_or_style(client, url):
    html = client.get(url).get_data(as_text=True)
    assert not INLINE_SCRIPT.search(html) and "<style" not in html
    assert not HANDLER.search(html) and not STYLE_ATTR.search(html)


def test_the_editor_pages_hold_no_inline_script(client, auth):
    auth.login("dobele@example.test")
    for url in ("/manage/?lang=en", "/manage/centres/dobele-crafts-house?lang=en", "/manage/import?lang=en",
                "/manage/centres/dobele-crafts-house/history?lang=en"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert not INLINE_SCRIPT.search(html) and not HANDLER.search(html) and not STYLE_ATTR.search(html), url


@pytest.mark.parametrize("page", ["/?lang=en", "/centres/dobele-crafts-house?lang=en",
                                  "/routes/balts-road-selonian?lang=en", "/planner/coverage?by=route&lang=en"])
def test_each_map_script_is_a_cacheable_file_per_data_version(client, page):
    html = client.get(page).get_data(as_text=True)
    src = map_script_src(html)
    assert "v=" in src
    script = client.get(src)
    assert script.mimetype == "text/javascript" and b"craftmap.start(" in script.data
    assert "public" in script.headers["Cache-Control"] and script.headers["ETag"]
    assert client.get(src, headers={"If-None-Match": script.headers["ETag"]}).status_code == 304


def test_the_map_script_url_changes_with_the_data(app, client):
    before = map_script_src(client.get("/?lang=en").get_data(as_text=True))
    with app.app_context():
        c = db.get_centre("dobele-crafts-house")
        editing.save_centre(c["id"], {"wheelchair": "yes"}, c["version"], "test")
    after = map_script_src(client.get("/?lang=en").get_data(as_text=True))
    assert before != after


def test_folium_pulls_nothing_from_a_cdn(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    script = map_script_of(client, html)
    head = html[:html.index("</head>")]
    assert not re.search(r"(src|href)=\"(https?:)?//", head)
    assert "http://" not in script and "https://" not in script  # the test app has no tile URL


@pytest.mark.parametrize("tile_url, connect", [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "'self' https://tile.openstreetmap.org"), ("", "'self'")])
def test_the_offline_worker_may_fetch_the_app_and_the_tile_host_and_nothing_else(make_app, tile_url, connect):
    client = make_app(TILE_URL=tile_url).test_client()
    page = client.get("/routes/balts-road-selonian?lang=lv").get_data(as_text=True)
    assert 'data-worker="/offline.js"' in page  # one worker for every language: no lang in its URL
    worker = client.get("/offline.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert b"craftmap-routes-v1" in worker.data
    assert policy(worker) == {"default-src": "'none'", "connect-src": connect}
    assert worker.headers["X-Content-Type-Options"] == "nosniff"
