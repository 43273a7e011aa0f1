"""The tourist map in a real browser, offline: layers, clusters, popups, filters."""
import re

from craftmap import db, editing
from tests.browser.conftest import Watched, start_server

ROUTE_COLOURS = {"Balts' Road: Selonian loop": "#1b6ca8", "Find out how it's made!": "#b5541c"}


def route_paths(page, colour):
    return page.locator(f"path.leaflet-interactive[stroke='{colour}']").count()


def test_map_renders_offline_with_local_tiles_only(watched):
    page = watched.open("/?lang=en")
    assert page.locator(".leaflet-container").is_visible()
    assert page.locator(".leaflet-tile-loaded").count() > 0
    assert page.locator(".marker-cluster, .pin-marker").count() > 0
    assert re.search(r"Centres shown: 46 \(on the map: 30; location not yet known: 16\)", page.locator("#result-count").inner_text())
    assert watched.foreign_requests() == []
    assert watched.errors == []


def test_each_route_layer_toggles(watched):
    page = watched.open("/?lang=en")
    for name, colour in ROUTE_COLOURS.items():
        box = page.get_by_role("checkbox", name=name)
        assert box.is_checked() and route_paths(page, colour) == 1
        box.uncheck()
        assert route_paths(page, colour) == 0
        box.check()
        assert route_paths(page, colour) == 1


def test_cluster_expands_on_click(watched):
    page = watched.open("/?lang=en")
    zoom = page.evaluate("craftmap.map.getZoom()")
    clusters = page.locator(".marker-cluster")
    assert clusters.count() > 0
    clusters.first.click()
    page.wait_for_function(f"() => craftmap.map.getZoom() > {zoom} || document.querySelector('.leaflet-marker-icon.pin-marker[style*=\"opacity: 1\"]') !== null")
    page.wait_for_timeout(400)
    assert page.evaluate("craftmap.map.getZoom()") > zoom or page.locator(".pin-marker").count() > 0


def test_popup_shows_name_access_signage_and_link(watched):
    page = watched.open("/?lang=en&country=LT&municipality=Joni%C5%A1kio+rajono+savivaldyb%C4%97")
    page.wait_for_selector(".pin-marker")
    page.locator(".pin-marker").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.locator("a").wait_for()
    text = popup.inner_text()
    assert "Joniškio istorijos ir kultūros muziejus" in text
    assert "Wheelchair access unknown" in text and "Signage unknown" in text
    assert "From an undated page of www.muziejai.lt: check before you go." in text  # hours keep their source
    assert popup.get_by_role("link", name="Details").get_attribute("href").startswith("/centres/joniskis-museum")


def test_filter_changes_markers_list_and_url(watched):
    page = watched.open("/?lang=en")
    assert page.locator("#centre-items li").count() == 46
    page.select_option("#filter-country", "LT")
    page.wait_for_function("() => document.querySelectorAll('#centre-items li').length === 19")
    assert "country=LT" in page.url
    shared = page.url
    page.select_option("#filter-craft", "candle_making")
    page.wait_for_function("() => document.querySelectorAll('#centre-items li').length === 4")
    page.goto(shared)
    page.wait_for_function("() => document.querySelectorAll('#centre-items li').length === 19")
    assert page.locator("#filter-country").input_value() == "LT"
    assert "country=LT" in page.locator(".languages a[data-lang=lv]").get_attribute("href")


def test_centres_near_me(watched, browser, live):
    context = browser.new_context(geolocation={"latitude": 56.65, "longitude": 23.71}, permissions=["geolocation"])
    page = context.new_page()
    page.goto(live.url + "/?lang=en")
    page.wait_for_selector("body[data-loaded]")
    page.get_by_role("button", name="Centres near me").click()
    page.wait_for_function("() => document.getElementById('list-title').textContent === 'Centres near you'")
    first = page.locator("#centre-items li").first.inner_text()
    assert "Jelgava" in first and " km" in first
    context.close()


def test_route_page_map_shows_numbered_stops(watched):
    page = watched.open("/routes/uzzini-ka-top?lang=en")
    assert page.locator(".stop-marker").count() == 7
    assert route_paths(page, ROUTE_COLOURS["Find out how it's made!"]) == 1
    assert watched.foreign_requests() == []


def test_switching_language_changes_legend_and_popup(watched):
    page = watched.open("/?lang=en&country=LT&municipality=Joni%C5%A1kio+rajono+savivaldyb%C4%97")
    assert "Wheelchair access unknown" in page.locator(".legend").inner_text()
    page.get_by_role("link", name="Latviešu").click()
    page.wait_for_selector("body[data-loaded]")
    assert page.locator("html").get_attribute("lang") == "lv"
    assert "country=LT" in page.url and page.locator("#filter-country").input_value() == "LT"
    legend = page.locator(".legend").inner_text()
    assert "Wheelchair access unknown" not in legend and "Piekļuve ratiņkrēslā nav zināma" in legend
    assert "Baltu ceļš: Sēļu loks" in page.locator(".leaflet-control-layers").inner_text()
    page.locator(".pin-marker").first.focus()
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup-content a").wait_for()
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "Joniškio istorijos" in popup and "Signage unknown" not in popup
    assert page.locator(".leaflet-popup-content a").inner_text() != "Details"


def test_planner_coverage_map_shows_uncovered_stretches(browser, watched, tmp_path_factory):
    uncovered = "path.leaflet-interactive[stroke='#b2322a']"
    page = watched.open("/planner/coverage?by=route&lang=en")  # no centre's access known yet: nothing to judge
    assert page.locator(uncovered).count() == 0 and "not enough data" in page.content()
    server = start_server(tmp_path_factory)
    try:
        with server.app.app_context():
            for c in db.all_centres():
                wheelchair = "yes" if c["id"] == "kristell-candle-workshop" else "no"
                editing.save_centre(c["id"], {"wheelchair": wheelchair}, c["version"], "test")
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        known = Watched(context.new_page(), server.url)
        page = known.open("/planner/coverage?by=route&lang=en")
        assert page.locator(uncovered).count() >= 1
        assert page.get_by_role("checkbox", name=re.compile("Stretches farther than")).is_checked()
        assert known.foreign_requests() == [] and watched.foreign_requests() == []
        context.close()
    finally:
        server.stop()


def test_on_a_phone_the_layer_list_starts_folded_and_opens_on_request(browser, live):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="en-GB")
    page = Watched(context.new_page(), live.url).open("/?lang=en")
    layers = page.locator(".leaflet-control-layers")
    assert "leaflet-control-layers-expanded" not in layers.get_attribute("class")
    page.locator(".leaflet-control-layers-toggle").click()
    assert "leaflet-control-layers-expanded" in layers.get_attribute("class")
    context.close()
    wide = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = Watched(wide.new_page(), live.url).open("/?lang=en")
    assert "leaflet-control-layers-expanded" in page.locator(".leaflet-control-layers").get_attribute("class")
    wide.close()


def test_on_a_phone_a_repeat_visit_fetches_no_asset_again(browser, tmp_path_factory):
    server = start_server(tmp_path_factory)
    asked, inner = [], server.app.wsgi_app
    server.app.wsgi_app = lambda environ, start: asked.append(environ["PATH_INFO"]) or inner(environ, start)
    try:
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
        first = Watched(context.new_page(), server.url)
        statuses = []
        first.page.on("response", lambda r: statuses.append((r.status, r.url)))
        page = first.open("/?lang=en")
        page.wait_for_function("() => document.querySelectorAll('.marker-cluster').length > 0")
        # Leaflet's own images, named by its CSS: the folded layer control's icon, and the default marker
        page.wait_for_function("() => [...document.querySelectorAll('img.leaflet-tile')].some(i => i.naturalWidth)")
        page.evaluate("L.marker(craftmap.map.getCenter()).addTo(craftmap.map)")
        page.wait_for_function("() => [...document.querySelectorAll('img.leaflet-marker-icon, img.leaflet-marker-shadow')]"
                               ".filter(i => i.complete && i.naturalWidth > 0).length === 2")
        page.wait_for_load_state("networkidle")
        assert not [s for s in statuses if s[0] >= 400] and first.errors == []
        assert any(url.endswith("/vendor/leaflet/images/layers.png") for _, url in statuses)
        assert any(url.endswith("/vendor/leaflet/images/marker-shadow.png") for _, url in statuses)
        assert len([p for p in asked if p.startswith("/static/")]) >= 8
        asked.clear()
        again = Watched(context.new_page(), server.url).open("/?lang=en")
        again.wait_for_function("() => document.querySelectorAll('.marker-cluster').length > 0")
        again.wait_for_load_state("networkidle")
        assert asked and not [p for p in asked if p.startswith("/static/")], asked  # only the page and its data
        context.close()
    finally:
        server.stop()
