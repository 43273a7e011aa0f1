"""Bytes on the wire for a first view of the map page at the real data (data/), in headless chromium.

    python bench/first_view.py [repo]      (repo: another checkout to measure, e.g. main before a change)

A fresh browser context at 390×844 asks with ``Accept-Encoding: br, gzip``; the figure is the sum of
every response's headers and body as sent (before decompression), without tiles (no tile URL). Then
the same view again in the same context: the requests that reached the server (chromium reports the
stored headers' size for files it took from its cache, so sizes would mislead there).
"""
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from craftmap import create_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def _view(context, url):
    """[(bytes, url)] of one view of ``url`` in a new page of ``context``."""
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda r: finished.append(r))
    page.goto(url)
    page.wait_for_selector("body[data-loaded]", timeout=30000)
    page.wait_for_load_state("networkidle")
    return [(sum(max(v, 0) for k, v in r.sizes().items() if k.startswith("response")), r.url) for r in finished]


def views(url, asked):
    """The first view of ``url`` in a fresh context, then what a repeat visit in the same context asks
    the server for (``asked``, filled by the server as requests arrive)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])
        context = browser.new_context(viewport={"width": 390, "height": 844},
                                      extra_http_headers={"Accept-Encoding": "br, gzip"})
        first = _view(context, url)
        asked.clear()
        _view(context, url)
        browser.close()
    return first, list(asked)


def _recording(wsgi_app, asked):
    def app(environ, start_response):
        def start(status, headers, exc_info=None):
            asked.append(f"{status.split()[0]} {environ['PATH_INFO']}")
            return start_response(status, headers, exc_info)
        return wsgi_app(environ, start)
    return app


def main():
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                          "DATA_DIR": ROOT / "data", "TILE_URL": ""})
        asked = []
        app.wsgi_app = _recording(app.wsgi_app, asked)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        first, repeat = views(f"http://127.0.0.1:{server.server_port}/?lang=en", asked)
        server.shutdown()
    for n, url in sorted(first, reverse=True):
        print(f"{n:>9,}  {url}")
    print(f"{sum(n for n, _ in first):>9,}  first view, bytes on the wire ({len(first)} responses)")
    print(f"repeat visit in the same context asked the server for: {', '.join(repeat)}")

if __name__ == "__main__":
    main()
