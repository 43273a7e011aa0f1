"""Static and vendor files: under content-hashed URLs, kept a year, compressed once, gzip and brotli."""
import gzip
import re
import shutil
from pathlib import Path
from urllib.parse import urljoin

import brotli
import pytest

from craftmap import assets
from craftmap.assets import asset_url

from .test_security import PAGES

ROOT = Path(__file__).resolve().parents[1]
HASHED = re.compile(r"^/static/[0-9a-f]{16}/")
LINKED = re.compile(r'(?:src|href)="(/(?:static|vendor)/[^"]+)"')
CSS_URL = re.compile(r"url\((?![\"']?(?:data:|#))[\"']?([^\"')]+)")
EDITOR_PAGES = ["/manage/?lang=en", "/manage/centres/dobele-crafts-house?lang=en", "/manage/import?lang=en"]


def file_of(app, url):
    """The file on disk that an asset URL names."""
    name = HASHED.sub("", url)
    if name.startswith("vendor/"):
        package, _, inner = name.removeprefix("vendor/").partition("/")
        return Path(app.config["VENDOR_DIR"]) / assets.VENDOR[package] / inner
    return assets.STATIC_DIR / name


def asset_urls(client, pages):
    """Every file the pages link to, and every image their stylesheets name (Leaflet's layers.png, marker icon)."""
    urls = {url for page in pages for url in LINKED.findall(client.get(page).get_data(as_text=True))}
    for css in [u for u in urls if u.endswith(".css")]:
        urls |= {urljoin(css, ref) for ref in CSS_URL.findall(client.get(css).get_data(as_text=True))}
    return urls


def decoded(response):
    encoding = response.headers.get("Content-Encoding")
    return {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding](response.data)


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_asset_on_every_page_is_hashed_kept_a_year_and_compressed(app, client, auth, signed_in):
    if signed_in:
        auth.login("dobele@example.test")
    urls = asset_urls(client, PAGES + (EDITOR_PAGES if signed_in else []))
    assert {"js/map.js", "css/craftmap.css", "vendor/leaflet/leaflet.js", "vendor/leaflet/images/layers.png",
            "vendor/leaflet/images/marker-icon.png"} <= {HASHED.sub("", u) for u in urls}
    for url in urls:
        assert HASHED.match(url), url
        plain = file_of(app, url).read_bytes()
        for accept, expected in (("br, gzip", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip"), ("", None)):
            response = client.get(url, headers={"Accept-Encoding": accept})
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
            assert "Accept-Encoding" in response.headers["Vary"]
            compressible = not url.endswith(".png") and len(plain) >= 1024
            assert response.headers.get("Content-Encoding") == (expected if compressible else None), (url, accept)
            assert decoded(response) == plain


def test_no_template_names_a_file_by_a_fixed_path():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert "url_for('static'" not in text and not re.search(r"[\"'(]/(static|vendor)/", text), template


def test_a_changed_file_gets_a_new_url_and_the_old_one_leads_to_it(make_app, tmp_path, monkeypatch):
    static, vendor = tmp_path / "static", tmp_path / "node_modules"
    shutil.copytree(assets.STATIC_DIR, static)
    for folder in assets.VENDOR.values():
        shutil.copytree(ROOT / "node_modules" / folder, vendor / folder)
    monkeypatch.setattr(assets, "STATIC_DIR", static)
    app = make_app(VENDOR_DIR=vendor)
    client = app.test_client()

    def urls():
        with app.test_request_context():
            return {name: asset_url(name) for name in ("js/map.js", "css/craftmap.css", "vendor/leaflet/leaflet.css",
                                                       "vendor/leaflet/images/layers.png")}
    before = urls()
    (static / "js/map.js").write_text("/* changed */")
    (vendor / "leaflet/dist/leaflet.css").write_text(".changed {}")
    after = urls()
    assert after["css/craftmap.css"] == before["css/craftmap.css"]  # one file's change leaves the others' URLs
    assert after["js/map.js"] != before["js/map.js"] and client.get(after["js/map.js"]).data == b"/* changed */"
    # a package moves as one, so its stylesheet's relative image URLs stay right
    assert after["vendor/leaflet/images/layers.png"] != before["vendor/leaflet/images/layers.png"]
    assert client.get(after["vendor/leaflet/leaflet.css"]).data == b".changed {}"
    old = client.get(before["js/map.js"])  # a page still cached names the old digest
    assert old.status_code == 302 and old.location == after["js/map.js"] and "no-store" in old.headers["Cache-Control"]


@pytest.mark.parametrize("name", ["js/nothing.js", "vendor/left-pad/index.js", "vendor/leaflet/../../package.json",
                                  "../__init__.py", "vendor/leaflet"])
def test_unknown_files_are_not_found(client, name):
    assert client.get(f"/static/{'0' * 16}/{name}").status_code == 404


@pytest.mark.parametrize("url", ["/static/js/map.js", "/static/css/craftmap.css", "/vendor/leaflet/leaflet.js"])
def test_the_unhashed_urls_are_gone(client, url):
    assert client.get(url).status_code == 404


def test_a_revalidation_is_answered_304(app, client):
    with app.test_request_context():
        url = asset_url("vendor/leaflet/leaflet.js")
    first = client.get(url, headers={"Accept-Encoding": "br"})
    again = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]


def test_each_file_is_compressed_once(app, monkeypatch):
    calls = []
    real = brotli.compress
    monkeypatch.setattr(brotli, "compress", lambda *a, **k: calls.append(1) or real(*a, **k))
    with app.test_request_context():
        url = asset_url("css/craftmap.css")
    for _ in range(3):
        app.test_client().get(url, headers={"Accept-Encoding": "br"})
    assert len(calls) <= 1


def test_the_response_store_replays_the_encoding_each_client_asked_for(app):
    with app.test_request_context():
        url = asset_url("vendor/leaflet/leaflet.js")
    plain = (ROOT / "node_modules/leaflet/dist/leaflet.js").read_bytes()
    for _ in range(2):  # the second round comes from the store
        for accept, expected in (("br, gzip", "br"), ("gzip", "gzip"), ("identity", None)):
            response = app.test_client().get(url, headers={"Accept-Encoding": accept})
            assert response.headers.get("Content-Encoding") == expected and decoded(response) == plain
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert sum(1 for key in app.wsgi_app.entries if key[3] == url) == 3
