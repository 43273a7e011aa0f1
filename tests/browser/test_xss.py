"""Text that editors control is shown as text on every page and popup, and never runs."""
import csv
import json
import shutil
from urllib.parse import quote

import pytest

from tests.browser.conftest import Watched, start_server
from tests.conftest import DATA

EVIL = {
    "dobele-crafts-house": "<img src=x onerror=\"window.__xss=1;alert(1)\">",
    "kristell-candle-workshop": "${window.__xss=1}${alert(1)}",
    "baltaine-creative-house": "Back`tick` </script><script>window.__xss=1;alert(1)</script>",
}
EVIL_ROUTE = "<img src=x onerror=\"window.__xss=1\"> ${alert(1)} `x`"


@pytest.fixture(scope="module")
def evil_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("evil") / "data"
    shutil.copytree(DATA, data)
    with open(data / "centres.csv", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row["id"] in EVIL:
            row.update(name=EVIL[row["id"]], wheelchair_description=EVIL[row["id"]], settlement=EVIL[row["id"]])
    with open(data / "centres.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    routes = json.loads((data / "routes.geojson").read_text(encoding="utf-8"))
    routes["features"][1]["properties"]["name_en"] = EVIL_ROUTE
    (data / "routes.geojson").write_text(json.dumps(routes), encoding="utf-8")
    server = start_server(tmp_path_factory, data)
    yield server
    server.stop()


@pytest.fixture
def evil(browser, evil_server):
    context = browser.new_context()
    watched = Watched(context.new_page(), evil_server.url)
    yield watched
    assert watched.dialogs == []
    assert watched.page.evaluate("window.__xss") is None
    context.close()


@pytest.mark.parametrize("centre_id", sorted(EVIL))
def test_popup_shows_evil_name_as_text(evil, centre_id):
    name = EVIL[centre_id]
    page = evil.open(f"/?lang=en&q={quote(name[:12])}")
    page.wait_for_selector(".pin-marker")
    page.locator(".pin-marker").first.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.locator("a").wait_for()
    assert name in popup.inner_text()
    assert name in page.locator("#centre-items").inner_text()


@pytest.mark.parametrize("path", ["/centres?lang=en", "/routes?lang=en", "/routes/uzzini-ka-top?lang=en",
                                  "/routes/balts-road-selonian?lang=en"] +
                         [f"/centres/{i}?lang=en" for i in sorted(EVIL)])
def test_pages_show_evil_text_as_text(evil, path):
    page = evil.page
    page.goto(evil.base + path)
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)
    body = page.locator("body").inner_text()
    shown = [n for n in list(EVIL.values()) + [EVIL_ROUTE] if n in body]
    assert shown, "the evil names should appear literally"


def test_layer_control_shows_evil_route_name_as_text(evil):
    page = evil.open("/?lang=en")
    assert EVIL_ROUTE in page.locator(".leaflet-control-layers").inner_text()
    page.goto(evil.base + "/routes/uzzini-ka-top?lang=en")
    page.wait_for_selector("body[data-loaded]")
    page.locator(".stop-marker").first.focus()
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup-content").wait_for()
