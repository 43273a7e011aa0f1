"""Where things are on the map page, as a visitor sees them on a phone (390x844, touch) and a laptop
(1366x800), in the three languages: the map first on a phone, what is needed first within the first
screen on a laptop, a tap on a route line leading to its page, the attribution out of the way."""
import pytest

from tests.browser.conftest import Watched

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1366, "height": 800}}
BOX = "s => { const b = document.querySelector(s).getBoundingClientRect(); return [b.top, b.bottom, b.left, b.right]; }"


def opened(browser, live, context, path):
    context = browser.new_context(locale="en-GB", **context)
    watched = Watched(context.new_page(), live.url)
    page = watched.open(path)
    page.wait_for_function("() => document.querySelectorAll('.marker-cluster, .pin-marker').length > 0")
    settled(page)
    return context, page, watched


def settled(page):
    """Waits until the map's first view has stopped moving: the fit to every route animates."""
    page.wait_for_function("""() => { const m = window.craftmap.map; let clustering = false;
      m.eachLayer(l => { clustering = clustering || Boolean(l._inZoomAnimation); });  // markercluster's own
      return !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress) && !clustering; }""")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def nearest_km(lat, lon):
    """The distance to the nearest located active centre of data/centres.csv, by pyproj's geodesic."""
    import csv
    from pyproj import Geod
    from tests.conftest import DATA
    with open(DATA / "centres.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["lat"] and r["status"] == "active"]
    return min(Geod(ellps="WGS84").inv(lon, lat, float(r["lon"]), float(r["lat"]))[2] for r in rows) / 1000


def box(page, selector):
    return page.evaluate(f"({BOX})({selector!r})")


@pytest.mark.parametrize("lang, filters", [("lv", "Filtri"), ("lt", "Filtrai"), ("en", "Filters")])
def test_on_a_phone_the_map_fills_the_first_screen_and_the_filters_wait_behind_a_button(browser, live, lang, filters):
    context, page, watched = opened(browser, live, PHONE, f"/?lang={lang}")
    top, bottom, _, _ = box(page, ".map-wrap")
    assert top < 844 * 0.4 and bottom >= 843, (top, bottom)  # the map takes the rest of the first screen
    assert not page.locator("#filter-craft").is_visible()
    count = page.locator("#result-count")
    c_top, c_bottom, _, _ = box(page, "#result-count")
    assert top <= c_top and c_bottom <= bottom and "46" in count.inner_text()  # the count sits on the map
    toggle = page.get_by_role("button", name=filters)
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and page.locator("#filter-craft").is_visible()
    page.select_option("#filter-country", "LT")
    page.wait_for_function("() => /\\b19\\b/.test(document.getElementById('result-count').textContent)")
    assert "(1)" in toggle.inner_text()  # how many filters are set, while they are folded away
    page.locator("#filters-done").click()
    assert not page.locator("#filter-craft").is_visible() and "(1)" in toggle.inner_text()
    assert "country=LT" in page.url
    assert watched.errors == []
    context.close()


@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
def test_on_a_laptop_what_a_visitor_needs_first_is_in_the_first_screen(browser, live, lang):
    context, page, watched = opened(browser, live, LAPTOP, f"/?lang={lang}")
    for selector in ("#near-me", "button[form=filters]", "#result-count", ".legend", ".route-links", "#filter-q"):
        top, bottom, left, right = box(page, selector)
        assert 0 <= top and bottom <= 800 and right <= 1366, (selector, top, bottom)
        assert page.evaluate(f"document.querySelector({selector!r}).closest('.panel, .panel-more, .map-wrap')"
                             ".scrollTop === 0")
    assert page.locator("#filter-craft").is_visible()  # wide screens keep the filters open
    assert watched.errors == []
    context.close()


@pytest.mark.parametrize("context", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_first_view_holds_every_route_and_every_located_centre(browser, live, context):
    context, page, _ = opened(browser, live, context, "/?lang=en")
    inside = page.evaluate("""() => {
      const map = window.craftmap.map, view = map.getBounds(), layers = window.craftmap.routeLayers;
      const routes = Object.keys(layers).every(id => view.contains(layers[id].getBounds()));
      let centres = true;
      map.eachLayer(l => { if (l.getAllChildMarkers) { l.getAllChildMarkers().forEach(m => {
        centres = centres && view.contains(m.getLatLng()); }); } });
      return [routes, centres, Object.keys(layers).length];
    }""")
    assert inside == [True, True, 2]
    context.close()


IN_VIEW = """() => {
  const map = window.craftmap.map, view = map.getBounds(), layers = window.craftmap.routeLayers;
  return Object.keys(layers).map(id => view.contains(layers[id].getBounds())); }"""


def _first_view(browser, live, path, size):
    context = browser.new_context(locale="lv-LV", **(PHONE | {"viewport": size}))
    page = Watched(context.new_page(), live.url).open(path)
    settled(page)
    return context, page


def _turn(page, size):
    page.set_viewport_size(size)
    page.wait_for_timeout(400)  # the map waits for the turn to end before it fits again
    settled(page)
    return page.evaluate("window.craftmap.map.getZoom()")


@pytest.mark.parametrize("path", ["/?lang=lv", "/routes/balts-road-selonian?lang=lv"])
def test_turning_the_phone_gives_the_view_it_would_open_with_until_the_visitor_moves_the_map(browser, live, path):
    upright, sideways = {"width": 320, "height": 568}, {"width": 568, "height": 320}  # a small phone
    zooms = {}
    for name, size in (("upright", upright), ("sideways", sideways)):
        context, page = _first_view(browser, live, path, size)
        zooms[name] = page.evaluate("window.craftmap.map.getZoom()")
        context.close()
    assert zooms["upright"] < zooms["sideways"]  # the two shapes have different first views
    context, page = _first_view(browser, live, path, upright)
    assert _turn(page, sideways) == zooms["sideways"] and all(page.evaluate(IN_VIEW))
    assert _turn(page, upright) == zooms["upright"] and all(page.evaluate(IN_VIEW))
    page.locator(".leaflet-control-zoom-in").tap()  # the visitor takes over: their view stays
    settled(page)
    assert _turn(page, sideways) == zooms["upright"] + 1
    context.close()


def test_a_tap_on_a_route_line_opens_its_name_and_a_link_to_its_page(browser, live):
    context, page, watched = opened(browser, live, PHONE, "/?lang=lv")
    # a point 6 px beside the drawn line of the first route, clear of markers: a finger lands near a
    # 4 px line, not on it
    x, y = page.evaluate("""() => {
      const route = JSON.parse(document.getElementById('craftmap-config').textContent).routes[0];
      const line = [...document.querySelectorAll('path.leaflet-interactive')].find(
        p => p.getAttribute('stroke-width') === '4' && p.getAttribute('stroke') === route.colour);
      const m = line.getScreenCTM(), total = line.getTotalLength();
      for (let f = 0.05; f < 1; f += 0.05) {
        const q = line.getPointAtLength(total * f), x = q.x * m.a + m.e, y = q.y * m.d + m.f + 6;
        const hit = document.elementFromPoint(x, y);
        const clear = [[-20, -20], [20, -20], [-20, 20], [20, 20], [0, 0]].every(([dx, dy]) => {
          const h = document.elementFromPoint(x + dx, y + dy);
          return !h || !h.closest('.leaflet-marker-icon'); });
        if (clear && hit && (hit.tagName === 'CANVAS' || hit.classList.contains('leaflet-container'))) { return [x, y]; }
      }
      return [null, null];
    }""")
    assert x is not None, "no point beside the line takes a tap"
    page.touchscreen.tap(x, y)
    popup = page.locator(".popup-route")
    popup.wait_for()
    text = popup.inner_text()
    assert "Baltu ceļš" in text and "Pieturas: 19" in text
    link = popup.get_by_role("link", name="Atvērt maršrutu")
    assert "/routes/" in link.get_attribute("href")
    link.click()
    page.wait_for_url("**/routes/**")  # the click starts the navigation; the old page is loaded already
    assert "Baltu ceļš" in page.locator("h1").inner_text()
    assert watched.errors == []
    context.close()


@pytest.mark.parametrize("context", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_attribution_folds_into_a_button_and_leaves_the_scale_visible(browser, live, context):
    context, page, _ = opened(browser, live, context, "/?lang=en")
    attribution = page.locator(".leaflet-control-attribution")
    assert not attribution.is_visible()
    s_top, s_bottom, s_left, s_right = box(page, ".leaflet-control-scale")
    at = page.evaluate(f"document.elementFromPoint({(s_left + s_right) / 2}, {(s_top + s_bottom) / 2})"
                       ".closest('.leaflet-control-scale') !== null")
    assert at  # nothing lies over the scale bar
    button = page.get_by_role("button", name="Map data and licences")
    _, _, left, right = box(page, ".attribution-toggle")
    if page.evaluate("matchMedia('(pointer: coarse)').matches"):  # a finger-sized target on a touch screen
        assert right - left >= 44
    button.click()
    assert attribution.is_visible() and "blank test tiles" in attribution.inner_text()
    assert button.get_attribute("aria-expanded") == "true"
    button.click()
    assert not attribution.is_visible()
    context.close()


@pytest.mark.parametrize("context", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_every_filter_label_sits_with_its_own_control_on_the_centre_list(browser, live, context):
    context = browser.new_context(locale="en-GB", **context)
    page = context.new_page()
    page.goto(f"{live.url}/centres?lang=lv")
    pairs = page.evaluate("""() => [...document.querySelectorAll('form.filters label[for]')].map(l => {
      const c = document.getElementById(l.htmlFor), a = l.getBoundingClientRect(), b = c.getBoundingClientRect();
      return [l.htmlFor, a.bottom <= b.top + 1 && b.top - a.bottom < 12 && a.left < b.right && b.left < a.right];
    })""")
    assert len(pairs) == 7 and all(ok for _, ok in pairs), pairs
    context.close()


def test_near_me_far_from_the_region_says_what_the_map_covers_and_how_far_the_nearest_centre_is(browser, live):
    context = browser.new_context(geolocation={"latitude": 59.437, "longitude": 24.745}, permissions=["geolocation"],
                                  locale="lv-LV", **LAPTOP)  # Tallinn, far north of the region
    page = Watched(context.new_page(), live.url).open("/?lang=lv")
    page.get_by_role("button", name="Centri man tuvumā").click()
    page.wait_for_function("() => /karte aptver Zemgali/.test(document.getElementById('result-count').textContent)")
    text = page.locator("#result-count").inner_text()
    km = float(text.split("ir ")[-1].split(" km")[0].replace(",", "."))
    reference = nearest_km(59.437, 24.745)  # a sphere against the ellipsoid: within half a per cent
    assert abs(km - reference) / reference < 0.005 and "," in text.split("ir ")[-1]  # a decimal comma
    assert page.locator(".marker-cluster, .pin-marker").count() > 0  # the region is shown, not an empty map
    assert page.locator("#list-title").inner_text() == "Centri šajā skatā"
    context.close()


def test_near_me_refused_says_how_to_allow_it(browser, live):
    context = browser.new_context(locale="en-GB", **LAPTOP)  # no permission given: the browser refuses
    page = Watched(context.new_page(), live.url).open("/?lang=en")
    page.get_by_role("button", name="Centres near me").click()
    page.wait_for_function("() => /not allowed/.test(document.getElementById('result-count').textContent)")
    assert "allow location" in page.locator("#result-count").inner_text()
    context.close()


def test_a_filter_after_near_me_drops_the_heading_with_the_distances(browser, live):
    context = browser.new_context(geolocation={"latitude": 56.65, "longitude": 23.71}, permissions=["geolocation"],
                                  locale="en-GB", **LAPTOP)
    page = Watched(context.new_page(), live.url).open("/?lang=en")
    page.get_by_role("button", name="Centres near me").click()
    page.wait_for_function("() => document.getElementById('list-title').textContent === 'Centres near you'")
    assert "." in page.locator("#centre-items li").first.inner_text().split(" km")[0][-4:]  # one decimal
    page.select_option("#filter-country", "LV")
    page.wait_for_function("() => document.getElementById('list-title').textContent === 'Centres in this view'")
    assert " km" not in page.locator("#centre-items").inner_text()
    context.close()


def test_the_list_follows_the_map_view(browser, live):
    context, page, _ = opened(browser, live, LAPTOP, "/?lang=en")
    everything = page.locator("#centre-items li").count()
    assert everything == 46
    page.evaluate("window.craftmap.map.setView([56.62, 23.72], 13, { animate: false })")  # Jelgava
    page.wait_for_function(f"() => document.querySelectorAll('#centre-items li').length < {everything}")
    items = page.locator("#centre-items").inner_text()
    assert "Jelgava" in items and "Bauska" not in items
    # centres with no known location are in no view: one line says how many, instead of 16 list entries
    assert "location not yet known" not in items
    assert "16 more centres have no known location yet" in page.locator(".unlocated-note").inner_text()
    page.evaluate("window.craftmap.map.setZoom(6, { animate: false })")
    page.wait_for_function(f"() => document.querySelectorAll('#centre-items li').length === {everything}")
    assert page.locator(".unlocated-note").count() == 0
    context.close()


def test_a_popup_opened_by_keyboard_takes_focus_and_escape_gives_it_back(browser, live):
    context, page, _ = opened(browser, live, LAPTOP, "/?lang=en&country=LT&municipality=Joni%C5%A1kio+rajono+savivaldyb%C4%97")
    marker = page.locator(".pin-marker").first
    marker.focus()
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup-content a").wait_for()
    page.wait_for_function("() => document.activeElement.closest('.leaflet-popup') !== null")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('.leaflet-popup')")
    assert page.evaluate("document.activeElement.classList.contains('pin-marker')")
    context.close()


def test_a_filter_that_finds_nothing_because_nobody_knows_yet_says_so(browser, live):
    context = browser.new_context(locale="en-GB", **LAPTOP)
    page = Watched(context.new_page(), live.url).open("/?lang=en&wheelchair=yes")
    page.wait_for_function("() => /None is known yet/.test(document.getElementById('result-count').textContent)")
    text = page.locator("#result-count").inner_text()
    assert "wheelchair access is unknown for 46 of the 46 centres" in text
    assert text in page.locator("#centre-items").inner_text()
    context.close()


def test_on_a_touch_screen_markers_take_a_finger_and_centres_at_one_point_spread_at_the_first_tap(browser, live):
    context, page, _ = opened(browser, live, PHONE, "/?lang=en")
    sizes = page.evaluate("""() => [...document.querySelectorAll('.pin-marker, .marker-cluster')].map(
      e => Math.min(e.getBoundingClientRect().width, e.getBoundingClientRect().height))""")
    assert sizes and min(sizes) >= 43.5, sizes  # 44 px, give or take a sub-pixel transform
    # a cluster whose centres all share one point (an approximate location shared by several)
    found = page.evaluate("""() => { let hit = null, at = null;
      window.craftmap.map.eachLayer(l => { if (!hit && l.getAllChildMarkers && l.getChildCount && l.getElement()) {
        const b = l.getBounds(), r = l.getElement().getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2, top = document.elementFromPoint(x, y);
        if (b.getNorthEast().equals(b.getSouthWest()) && top && top.closest('.marker-cluster') === l.getElement()) {
          hit = l; at = [x, y]; } } });
      return hit && [at[0], at[1], hit.getChildCount(), window.craftmap.map.getZoom()]; }""")
    assert found, "the data has centres sharing one point, in view"
    x, y, n, zoom = found
    page.touchscreen.tap(x, y)
    page.wait_for_function(f"""() => {{ let spread = 0; window.craftmap.map.eachLayer(l => {{
      if (l._spiderfied) {{ spread = l._spiderfied.getChildCount(); }} }}); return spread === {n}; }}""")
    assert page.evaluate("window.craftmap.map.getZoom()") == zoom  # where it is, not zoomed in first
    context.close()


def test_without_a_base_map_the_municipality_boundaries_are_drawn(browser, tmp_path_factory):
    from tests.browser.conftest import start_server
    server = start_server(tmp_path_factory)
    server.app.config["TILE_URL"] = ""  # no base map configured
    try:
        context = browser.new_context(locale="en-GB", **LAPTOP)
        page = Watched(context.new_page(), server.url).open("/?lang=en")
        assert page.locator(".leaflet-tile").count() == 0
        page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane path:not(.leaflet-interactive)')"
                               ".length > 10")  # the boundaries, drawn as lines that take no taps
        boxes = page.locator(".leaflet-control-layers-overlays input:checked + span").all_inner_texts()
        assert any("Municipality boundaries" in b for b in boxes)
        context.close()
    finally:
        server.stop()


def test_on_a_phone_the_centre_list_starts_with_results_and_the_filters_fold_behind_their_summary(browser, live):
    context = browser.new_context(locale="lt-LT", **PHONE)
    page = context.new_page()
    page.goto(f"{live.url}/centres?lang=lt&country=LT")
    assert not page.locator("#filter-craft").is_visible()
    summary = page.locator("details.filter-box summary")
    assert "Filtrai (1)" in summary.inner_text()
    top = page.evaluate("document.querySelector('table.data tbody tr').getBoundingClientRect().top")
    assert top < 844  # the first result is on the first screen
    summary.click()
    assert page.locator("#filter-craft").is_visible()
    context.close()
    wide = browser.new_context(locale="lt-LT", **LAPTOP)
    page = wide.new_page()
    page.goto(f"{live.url}/centres?lang=lt")
    assert page.locator("#filter-craft").is_visible()  # a laptop keeps them open
    wide.close()


@pytest.mark.parametrize("lang, printed", [("lv", "Izdrukāts"), ("lt", "Išspausdinta"), ("en", "Printed on")])
def test_a_printed_route_holds_every_stop_on_its_map_and_says_when_it_was_printed(browser, live, lang, printed):
    context = browser.new_context(locale="en-GB", **LAPTOP)
    page = Watched(context.new_page(), live.url).open(f"/routes/balts-road-selonian?lang={lang}")
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    inside = page.evaluate("""() => { const m = document.querySelector('.map-route').getBoundingClientRect();
      return [...document.querySelectorAll('.stop-marker')].map(s => { const r = s.getBoundingClientRect();
        return r.left >= m.left && r.right <= m.right && r.top >= m.top && r.bottom <= m.bottom; }); }""")
    assert len(inside) == 11 and all(inside), inside  # the 11 located stops of 19
    width = page.evaluate("document.querySelector('.map-route').getBoundingClientRect().width")
    assert 600 < width < 680  # 17 cm, the printed width, not the screen's
    stamp = page.locator(".print-stamp").inner_text()
    assert stamp.startswith(printed) and "craftmap" in stamp
    assert page.locator(".print-date").inner_text().strip() != ""
    assert page.locator(".site-header").is_hidden() and page.locator(".print-stamp").is_visible()
    assert page.locator(".travel-day").is_hidden()  # no controls on paper
    context.close()
