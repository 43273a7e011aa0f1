"""The editor's and the planner's flows, driven as a person would, in Latvian and in Lithuanian.

Hours typed as people write them, a new centre placed by a map click, undo of one save, the
three-way merge of two people's saves, and the route editor (search, map click, reordering, a GPX
route file). Texts change while these tests are kept, so nothing here asserts on wording: elements
are found by id, name and value, and the results are checked where they are stored (the API) and
where the user sees them (field values, the page's language, its URL, messages being shown).
"""
import math
import re

import gpxpy.gpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Watched, start_server
from tests.conftest import PASSWORD

EDITOR, COLLEAGUE, PLANNER = "dobele@example.test", "dobele-2@example.test", "planner@example.test"
OWN, OTHER = "dobele-crafts-house", "folk-applied-art-studio-auce"  # both in Dobeles novads
LANGS = ["lv", "lt"]
WAIT = 8000  # ms: long enough for a slow machine, short enough that a broken flow fails fast


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_server(tmp_path_factory)
    runner = server.app.test_cli_runner()
    for args in (["user", "add", EDITOR, "--role", "editor", "--municipality", "Dobeles novads"],
                 ["user", "add", COLLEAGUE, "--role", "editor", "--municipality", "Dobeles novads"],
                 ["user", "add", PLANNER, "--role", "planner"]):
        result = runner.invoke(args=args, input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
    yield server
    server.stop()


@pytest.fixture
def contexts(browser):
    made = []

    def make(**options):
        made.append(browser.new_context(viewport={"width": 1280, "height": 900}, **options))
        return made[-1]
    yield make
    for context in made:
        context.close()


def api(server, path):
    response = server.app.test_client().get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_json()


def centre(server, centre_id):
    return api(server, f"/api/v1/centres/{centre_id}")


def signed_in(contexts, server, lang, email=EDITOR, _sessions={}):
    """A page signed in at the Latvian login; for Lithuanian the language is then switched on the page.

    Each account and language signs in like this once per server; later tests start from its cookies."""
    key = (server.url, email, lang)
    if key in _sessions:
        watched = Watched(contexts(storage_state=_sessions[key]).new_page(), server.url)
        watched.page.goto(f"{server.url}/manage/?lang={lang}")
        expect(watched.page.locator("html")).to_have_attribute("lang", lang)
        return watched
    context = contexts()
    watched = Watched(context.new_page(), server.url)
    page = watched.page
    page.goto(f"{server.url}/manage/login?lang=lv")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form.narrow button[type=submit]").click()
    page.wait_for_url(re.compile(r"/manage/(\?.*)?$"))
    expect(page.locator("html")).to_have_attribute("lang", "lv")
    if lang != "lv":
        page.locator(f"nav.languages a[data-lang={lang}]").click()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert "/manage/" in page.url  # the switch stays on the page, signed in
    _sessions[key] = context.storage_state()
    return watched


def save_centre_form(page, lang):
    """Press the edit form's Save and wait for the page that comes back to say it was saved."""
    page.locator("form.form > button[type=submit]").click()
    page.locator(".flash").wait_for(timeout=WAIT)
    expect(page.locator("html")).to_have_attribute("lang", lang)  # the language outlives the redirect
    assert page.locator("div.error[role=alert]").count() == 0


def no_trouble(watched):
    assert watched.errors == [] and watched.foreign_requests() == [] and watched.dialogs == []


# --- 1. opening hours as typed -------------------------------------------------------------

HOURS = [
    ("lv", "P-Pk 9-17", "Mo-Fr 09:00-17:00"),
    ("lt", "P-Pk 9-17", "Mo-Fr 09:00-17:00"),  # the centre is Latvian: its hours are read as Latvians write them
    ("lt", "I-V 10-17", "Mo-Fr 10:00-17:00"),  # Lithuanian-style, typed on the Lithuanian page
]


@pytest.mark.parametrize("lang, typed, stored", HOURS)
def test_hours_typed_as_people_write_them_are_saved_normalised(contexts, server, lang, typed, stored):
    watched = signed_in(contexts, server, lang)
    page = watched.page
    page.goto(f"{server.url}/manage/centres/{OWN}?lang={lang}")
    page.fill("#f-opening_hours", typed)
    # as a person pauses after typing: saving while the preview is asked can lose the "saved" message, since
    # the preview's answer, sent with the session cookie from before the save, sets that cookie back
    expect(page.locator("#hours-understood")).to_have_attribute("data-checked", typed, timeout=WAIT)
    save_centre_form(page, lang)
    assert page.url.split("?")[0].endswith(f"/manage/centres/{OWN}")
    expect(page.locator("#f-opening_hours")).to_have_value(stored)
    understood = page.locator("#hours-understood")  # the reloaded form reads them back, as stored and in words
    expect(understood.locator(".understood-stored")).to_have_text(stored)
    assert understood.locator(".understood-text").inner_text().strip() not in ("", stored)
    assert centre(server, OWN)["properties"]["opening_hours"] == stored
    assert watched.errors == [] and watched.foreign_requests() == []


@pytest.mark.parametrize("lang, typed, stored", [HOURS[0], HOURS[2]])
def test_hours_live_preview_shows_how_typed_hours_are_understood(contexts, server, lang, typed, stored):
    watched = signed_in(contexts, server, lang)
    page = watched.page
    page.goto(f"{server.url}/manage/centres/{OTHER}?lang={lang}")
    page.fill("#f-opening_hours", typed)
    understood = page.locator("#hours-understood")
    expect(understood).to_have_attribute("data-checked", typed, timeout=WAIT)  # the live preview answered
    assert understood.locator(".error").count() == 0
    expect(understood.locator(".understood-stored")).to_have_text(stored, timeout=1000)
    assert understood.locator(".understood-text").inner_text().strip() not in ("", stored)
    assert centre(server, OTHER)["properties"]["opening_hours"] == ""  # a preview saves nothing
    assert watched.errors == [] and watched.foreign_requests() == []


# --- 2. a new centre placed by a click on the map --------------------------------------------

def _mercator_y(lat):
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def municipality_shape(server, name):
    from shapely.geometry import shape
    doc = api(server, "/api/v1/municipalities")
    return shape(next(f for f in doc["features"] if f["properties"]["name_local"] == name)["geometry"])


@pytest.mark.parametrize("lang", LANGS)
def test_new_centre_placed_by_a_map_click(contexts, server, lang):
    from shapely.geometry import Point
    watched = signed_in(contexts, server, lang)
    page = watched.page
    page.goto(f"{server.url}/manage/centres/new?lang={lang}")
    new_id = f"map-click-{lang}"
    page.fill("#f-id", new_id)
    page.fill("#f-source", f"https://example.test/{new_id}")
    page.fill("#f-name", f"Kartes klikšķa centrs {lang}")
    page.check('#f-kind input[value="craft_centre"]')  # the kind of place is chosen, not typed
    page.fill("#f-settlement", "Dobele")
    page.locator("#f-crafts input[value=weaving]").check()
    expect(page.locator("#f-coord_precision")).to_have_value("none")
    expect(page.locator("#pick-map")).to_have_attribute("data-loaded", "", timeout=WAIT)  # not "failed"

    # Dobele's own outline is drawn and fitted into view: click a point inside it, found from its bounds
    dobele = municipality_shape(server, "Dobeles novads")
    outline = page.locator("#pick-map .leaflet-overlay-pane path[stroke='#0b5d8a']")
    expect(outline).to_have_count(1)
    pick_map = page.locator("#pick-map")
    pick_map.scroll_into_view_if_needed()
    box, frame = outline.bounding_box(), pick_map.bounding_box()
    west, south, east, north = dobele.bounds
    target = dobele.representative_point()
    x = box["x"] + box["width"] * (target.x - west) / (east - west)
    top, bottom = _mercator_y(north), _mercator_y(south)
    y = box["y"] + box["height"] * (top - _mercator_y(target.y)) / (top - bottom)
    pick_map.click(position={"x": x - frame["x"], "y": y - frame["y"]})

    expect(page.locator("#f-coord_precision")).to_have_value("approximate")
    expect(page.locator("#pick-status")).not_to_be_empty()
    assert page.locator("#pick-map .leaflet-marker-icon").count() == 1
    lat, lon = float(page.input_value("#f-lat")), float(page.input_value("#f-lon"))
    assert abs(lat - target.y) < 0.02 and abs(lon - target.x) < 0.02, (lat, lon, target)
    assert dobele.contains(Point(lon, lat))
    page.locator("form.form > button[type=submit]").click()
    page.locator(".flash").wait_for(timeout=WAIT)
    assert page.url.split("?")[0].endswith(f"/manage/centres/{new_id}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("#f-lat")).to_have_value(f"{lat:.5f}".rstrip("0"))
    feature = centre(server, new_id)
    assert feature["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)
    assert feature["properties"]["coord_precision"] == "approximate"
    assert feature["properties"]["municipality"] == "Dobeles novads"
    assert "craft_centre" in str(feature["properties"]["kind"])
    no_trouble(watched)


# --- 3. undo of one save ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_undo_of_one_save_restores_both_fields(contexts, server, lang):
    before = centre(server, OTHER)["properties"]
    watched = signed_in(contexts, server, lang)
    page = watched.page
    page.goto(f"{server.url}/manage/centres/{OTHER}?lang={lang}")
    address, notes = f"Raiņa iela 1, Auce ({lang})", f"Atsaukšanas pārbaude {lang}"
    page.fill("#f-address", address)
    page.fill("#f-notes", notes)
    save_centre_form(page, lang)
    saved = centre(server, OTHER)["properties"]
    assert (saved["address"], saved["notes"]) == (address, notes)

    page.locator(f"a[href^='/manage/centres/{OTHER}/history']").click()
    page.wait_for_url(re.compile(rf"/manage/centres/{OTHER}/history"))
    newest = page.locator("ol.changesets > li.changeset").first
    expect(newest.locator("tbody tr")).to_have_count(2)  # one save, one entry, with both fields
    assert address in newest.inner_text() and notes in newest.inner_text()
    newest.locator("a.button").click()

    page.wait_for_url(re.compile(rf"/manage/centres/{OTHER}/changes/[^/]+/undo"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("table.data tbody tr")).to_have_count(2)  # what would be restored, shown first
    assert centre(server, OTHER)["properties"]["notes"] == notes  # nothing undone before confirming
    page.locator("form.form button[type=submit]").click()

    page.wait_for_url(re.compile(rf"/manage/centres/{OTHER}/history"))
    page.locator(".flash").wait_for(timeout=WAIT)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    after = centre(server, OTHER)["properties"]
    assert (after["address"], after["notes"]) == (before["address"], before["notes"])
    page.goto(f"{server.url}/manage/centres/{OTHER}?lang={lang}")
    expect(page.locator("#f-address")).to_have_value(before["address"])
    expect(page.locator("#f-notes")).to_have_value(before["notes"])
    no_trouble(watched)


# --- 4. two people save the same centre: the three-way merge ------------------------------

@pytest.mark.parametrize("lang, keep", [("lv", "yours"), ("lt", "theirs")])
def test_two_saves_merge_and_only_the_field_both_changed_is_asked(contexts, server, lang, keep):
    a, b = signed_in(contexts, server, lang, COLLEAGUE), signed_in(contexts, server, lang)  # two people
    for side in (a, b):  # both open the form before either saves
        side.page.goto(f"{server.url}/manage/centres/{OWN}?lang={lang}")
    before = centre(server, OWN)["properties"]
    name_en, address = f"Dobele Crafts House ({lang}, A)", f"Baznīcas iela 6, Dobele ({lang}, B)"
    notes_a, notes_b = f"A piezīme {lang}", f"B piezīme {lang}"

    a.page.fill("#f-name_en", name_en)
    a.page.fill("#f-notes", notes_a)
    save_centre_form(a.page, lang)

    b.page.fill("#f-address", address)
    b.page.fill("#f-notes", notes_b)
    b.page.locator("form.form > button[type=submit]").click()
    conflict = b.page.locator(".conflict[role=alert]")
    conflict.wait_for(timeout=WAIT)
    expect(b.page.locator("html")).to_have_attribute("lang", lang)
    expect(conflict.locator("fieldset.choice")).to_have_count(1)  # name_en and address merged by themselves
    expect(conflict.locator("fieldset#choose-notes")).to_be_visible()
    assert notes_a in conflict.inner_text() and notes_b in conflict.inner_text() and COLLEAGUE in conflict.inner_text()
    assert centre(server, OWN)["properties"]["address"] == before["address"]  # nothing of B's saved yet

    b.page.locator(f"#choose-notes-{keep}").check()
    save_centre_form(b.page, lang)
    result = centre(server, OWN)["properties"]
    assert result["name_en"] == name_en  # A's
    assert result["address"] == address  # B's
    assert result["notes"] == (notes_b if keep == "yours" else notes_a)
    expect(b.page.locator("#f-notes")).to_have_value(result["notes"])
    expect(b.page.locator("#f-name_en")).to_have_value(name_en)
    no_trouble(a)
    no_trouble(b)


# --- 5. the planner's route editor -----------------------------------------------------------

AUCE, DOBELE, JELGAVA = OTHER, OWN, "yard-of-folk-wisdom-and-trades-weaving-workshop-austras-raks"
# a surveyed route that bends, so simplification to within 5 m keeps every point: Dobele towards the north-east
SURVEYED = [(56.62, 23.28), (56.628, 23.30), (56.626, 23.315), (56.637, 23.33), (56.641, 23.342), (56.65, 23.35)]


def route_only_gpx():
    gpx = gpxpy.gpx.GPX()
    route = gpxpy.gpx.GPXRoute(name="Dobele")
    route.points = [gpxpy.gpx.GPXRoutePoint(lat, lon) for lat, lon in SURVEYED]
    gpx.routes.append(route)
    text = gpx.to_xml()
    assert "<rte>" in text and "<trk>" not in text
    return text


def stop_names(page):
    return [t.strip() for t in page.locator("#stop-list .stop-text strong").all_inner_texts()]


@pytest.mark.parametrize("lang", LANGS)
def test_planner_builds_a_route_by_search_and_map_reorders_it_and_uploads_a_gpx_route(contexts, server, lang,
                                                                                       tmp_path):
    watched = signed_in(contexts, server, lang, PLANNER)
    page = watched.page
    page.goto(f"{server.url}/manage/routes/new?lang={lang}")
    expect(page.locator("#stop-editor")).to_have_attribute("data-loaded", "", timeout=WAIT)
    expect(page.locator("#stops-fallback")).to_be_hidden()
    route_id = f"dobele-loop-{lang}"
    page.fill("#r-id", route_id)
    page.fill("#r-name_en", f"Dobele loop ({lang})")
    page.fill("#r-source", "https://example.test/survey")
    names = {c["id"]: c["name"] for c in page.evaluate(
        "() => JSON.parse(document.getElementById('route-centres').textContent)")}

    # by the searchable list, typed without diacritics
    page.fill("#stop-search", "lietiskas maksl")
    result = page.locator("#stop-results button.result", has_text=names[AUCE])
    expect(result).to_have_count(1)
    result.click()
    # by a click on the centre's marker on the map
    page.locator(f"#route-map .centre-pin[title='{names[DOBELE]}']").click()
    # and one more from the list
    page.fill("#stop-search", "dziveszinas")
    page.locator("#stop-results button.result", has_text=names[JELGAVA]).click()
    assert stop_names(page) == [f"1. {names[AUCE]}", f"2. {names[DOBELE]}", f"3. {names[JELGAVA]}"]
    expect(page.locator("#route-map .stop-marker")).to_have_count(3)

    page.locator("#stop-list > li").nth(2).locator(".stop-up").click()  # Jelgava's up: Auce, Jelgava, Dobele
    expect(page.locator("#stop-announce")).not_to_be_empty()
    page.locator("#stop-list > li").nth(0).locator(".stop-down").click()  # Auce's down: Jelgava, Auce, Dobele
    assert stop_names(page) == [f"1. {names[JELGAVA]}", f"2. {names[AUCE]}", f"3. {names[DOBELE]}"]
    assert page.input_value("#r-stops").split("\n") == [JELGAVA, AUCE, DOBELE]  # what the form sends

    gpx = tmp_path / "dobele.gpx"
    gpx.write_text(route_only_gpx(), encoding="utf-8")
    page.locator("#r-track").set_input_files(str(gpx))
    page.locator("form.route-form > button[type=submit]").click()
    page.locator(".flash").wait_for(timeout=WAIT)
    assert page.locator("div.error[role=alert]").count() == 0
    assert page.url.split("?")[0].endswith(f"/manage/routes/{route_id}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("#stop-list .stop-text strong")).to_have_count(3)  # the saved order, shown again
    assert stop_names(page) == [f"1. {names[JELGAVA]}", f"2. {names[AUCE]}", f"3. {names[DOBELE]}"]

    feature = api(server, f"/api/v1/routes/{route_id}")
    assert [s["centre_id"] for s in feature["properties"]["stops"]] == [JELGAVA, AUCE, DOBELE]
    assert feature["properties"]["geometry_origin"] == "surveyed_track"
    assert feature["geometry"]["type"] == "LineString"
    coordinates = [c for point in feature["geometry"]["coordinates"] for c in point]
    assert coordinates == pytest.approx([c for lat, lon in SURVEYED for c in (lon, lat)], abs=1e-5)
    no_trouble(watched)
