"""Browser tests: Debian's chromium driven by Playwright, against the app on a local port.

Where chromium is missing they skip, unless CRAFTMAP_REQUIRE_BROWSER is set (CI sets it),
in which case they fail.
"""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import DATA, fresh_database_url

CHROMIUM = os.environ.get("CRAFTMAP_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        if os.environ.get("CRAFTMAP_REQUIRE_BROWSER"):
            pytest.fail(f"chromium not found at {CHROMIUM}, and CRAFTMAP_REQUIRE_BROWSER is set")
        pytest.skip(f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join()
        self.app.extensions["craftmap.engine"].dispose()
        self.app.extensions["craftmap.write_engine"].dispose()


def start_server(tmp_path_factory, data=DATA, tile_url=None):
    """The app on a local port; its base map is a blank tile of its own unless ``tile_url`` names another."""
    from craftmap import create_app
    from craftmap.assets import asset_url
    url = fresh_database_url(tmp_path_factory.mktemp("db"))
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": url, "DATA_DIR": data, "TILE_URL": tile_url or "",
                      "TILE_ATTRIBUTION": "blank test tiles"})
    if not tile_url:
        with app.test_request_context():
            app.config["TILE_URL"] = asset_url("img/blank-tile.png")  # a path on this server: the policy needs no change
    return LiveServer(app)


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    server = start_server(tmp_path_factory)
    yield server
    server.stop()


class Watched:
    """A page that records every request and every dialog, so tests can assert none escaped."""

    def __init__(self, page, base):
        self.page, self.base, self.requests, self.dialogs, self.errors = page, base, [], [], []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_selector("body[data-loaded]", timeout=15000)
        return self.page

    def foreign_requests(self):
        return [u for u in self.requests if not u.startswith(("http://127.0.0.1:", "data:", "blob:"))]


@pytest.fixture
def watched(browser, live):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    yield Watched(page, live.url)
    context.close()
