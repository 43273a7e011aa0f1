"""Where the signal ends: a route page a visitor opened once keeps working on that phone, its map tiles,
stops and GPX with it, and says that it is a saved copy and from when."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import gpxpy

from craftmap.assets import STATIC_DIR
from tests.browser.conftest import Watched, start_server

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TILE = (STATIC_DIR / "img" / "blank-tile.png").read_bytes()


class TileServer:
    """A base map on another origin, as OpenStreetMap's tiles are: counts the tiles it serves."""

    def __init__(self):
        served = self.served = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the standard library's name)
                served.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(TILE)))
                self.end_headers()
                self.wfile.write(TILE)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_port}/{{z}}/{{x}}/{{y}}.png"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def _tiles_shown(page):
    return page.evaluate("""[...document.querySelectorAll('.leaflet-tile-pane img')]
        .filter(i => i.complete && i.naturalWidth > 0 && i.classList.contains('leaflet-tile-loaded')).length""")


def test_a_route_page_opened_once_works_offline_with_its_stops_tiles_and_gpx(browser, tmp_path_factory):
    tiles = TileServer()
    server = start_server(tmp_path_factory, tile_url=tiles.url)
    context = browser.new_context(locale="lv-LV", **PHONE)
    try:
        page = Watched(context.new_page(), server.url).open("/routes/balts-road-selonian?lang=lv")
        page.wait_for_selector("body[data-offline=ready]", timeout=15000)
        assert "Saglabāts šajā ierīcē" in page.locator(".offline-note").inner_text()
        page.wait_for_function("() => document.querySelectorAll('.leaflet-tile-loaded').length > 0")
        online_tiles = _tiles_shown(page)
        online_stops = page.locator("table.stops tbody tr").all_inner_texts()
        gpx_url = page.locator("a[download]", has_text="GPX").get_attribute("href")
        fetch = "url => fetch(url).then(r => r.ok ? r.text() : 'HTTP ' + r.status)"
        online_gpx = page.evaluate(fetch, gpx_url)

        context.set_offline(True)  # the signal ends
        page.reload()
        page.wait_for_selector("body[data-loaded]", timeout=15000)
        note = page.locator(".offline-note")
        assert note.is_visible() and note.inner_text().startswith("Saglabāta kopija (")
        assert "2026" in note.inner_text() and "nav savienojuma" in note.inner_text()
        assert page.locator("table.stops tbody tr").all_inner_texts() == online_stops
        assert page.locator(".leaflet-overlay-pane path").count() >= 1  # the route is drawn: Leaflet came from the copy
        assert _tiles_shown(page) == online_tiles > 0  # the base map seen before is there
        offline_gpx = page.evaluate(fetch, gpx_url)
        assert offline_gpx == online_gpx and len(gpxpy.parse(offline_gpx).waypoints) == 11  # the located stops
        # a route never opened is not there: the phone says it is offline, no stale page of another route
        other = context.new_page()
        try:
            other.goto(server.url + "/routes/uzzini-ka-top?lang=lv")
            failed = False
        except Exception:  # noqa: BLE001 (Playwright raises its own Error for a failed navigation)
            failed = True
        assert failed or "Uzzini" not in other.content()

        context.set_offline(False)  # the signal is back: the page is the live one again
        page.reload()
        page.wait_for_selector("body[data-offline=ready]", timeout=15000)
        assert "Saglabāta kopija" not in page.locator(".offline-note").inner_text()
    finally:
        context.close()
        server.stop()
        tiles.stop()
