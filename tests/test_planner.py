"""Planner pages, exports and the coverage API."""
import csv
import io
import re

import pytest

from craftmap import db, editing, planner
from tests.conftest import map_script_of


@pytest.mark.parametrize("url", ["/planner/", "/planner/coverage?by=municipality", "/planner/coverage?by=country",
                                 "/planner/coverage?by=route", "/planner/gaps", "/planner/report"])
def test_planner_pages(client, url):
    response = client.get(url + ("&" if "?" in url else "?") + "lang=en")
    assert response.status_code == 200 and "<h1" in response.get_data(as_text=True)


@pytest.mark.parametrize("query, field", [("by=town", "by"), ("by=route&distance_km=abc", "distance_km"),
                                          ("by=route&distance_km=0", "distance_km")])
def test_bad_coverage_parameters_are_named(client, query, field):
    response = client.get(f"/api/v1/coverage?{query}")
    assert response.status_code == 400 and response.get_json()["field"] == field
    assert client.get(f"/planner/coverage?{query}").status_code == 400


def test_coverage_by_municipality_lists_every_municipality(client):
    rows = client.get("/api/v1/coverage?by=municipality").get_json()["rows"]
    assert len(rows) == 19
    dobele = next(r for r in rows if r["area"] == "Dobeles novads")
    assert dobele["total"] == 2 and dobele["wheelchair_unknown"] == 2 and dobele["wheelchair_yes_pct"] is None
    empty = next(r for r in rows if r["area"] == "Akmenės rajono savivaldybė")
    assert empty["total"] == 0


def test_route_coverage_follows_accessible_centres(app, client):
    before = client.get("/api/v1/coverage?by=route").get_json()["rows"]  # no centre's access is known yet
    assert all(r["covered_pct"] is None and r["length_km"] > 0 for r in before)
    assert "not enough data" in client.get("/planner/coverage?by=route&lang=en").get_data(as_text=True)
    with app.app_context():
        c = db.get_centre("kristell-candle-workshop")
        editing.save_centre(c["id"], {"wheelchair": "yes"}, c["version"], "test")
    one = {r["route"]: r for r in client.get("/api/v1/coverage?by=route").get_json()["rows"]}
    assert one["uzzini-ka-top"]["stops_accessible"] == 1 and one["uzzini-ka-top"]["stops_known"] == 1
    assert one["uzzini-ka-top"]["covered_pct"] is None  # one known of many near the route: still too little
    with app.app_context():
        for c in db.all_centres():
            if c["id"] != "kristell-candle-workshop":
                editing.save_centre(c["id"], {"wheelchair": "no"}, c["version"], "test")
    after = {r["route"]: r for r in client.get("/api/v1/coverage?by=route&distance_km=10").get_json()["rows"]}
    assert 0 < after["uzzini-ka-top"]["covered_pct"] < 100
    wider = {r["route"]: r for r in client.get("/api/v1/coverage?by=route&distance_km=50").get_json()["rows"]}
    assert wider["uzzini-ka-top"]["covered_pct"] > after["uzzini-ka-top"]["covered_pct"]
    html = client.get("/planner/coverage?by=route&lang=en").get_data(as_text=True)
    assert "Stretches farther than 10 km from an accessible centre" in map_script_of(client, html)


def test_csv_exports_open_in_a_spreadsheet(client):
    response = client.get("/planner/coverage.csv?by=municipality")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff") and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert any(r["area"] == "Šiaulių rajono savivaldybė" for r in rows)
    indicators = list(csv.DictReader(io.StringIO(client.get("/planner/indicators.csv").data.decode("utf-8-sig"))))
    visitors = next(r for r in indicators if r["id"] == "p1-visitors")
    assert visitors["reported_2016_value"] == "-2"  # a number stays a number
    assert all(not r["comparator"].startswith("=") for r in indicators)  # text never starts a formula


def test_planners_see_missing_translations(make_app, data_dir):
    import json
    doc = json.loads((data_dir / "routes.geojson").read_text(encoding="utf-8"))
    doc["features"][1]["properties"]["description_lt"] = ""
    (data_dir / "routes.geojson").write_text(json.dumps(doc), encoding="utf-8")
    html = make_app(data=data_dir).test_client().get("/planner/gaps?lang=en").get_data(as_text=True)
    section = html.split("Missing translations")[1]
    assert "route: Find out how it" in section and "<td>description</td>" in section and "<td>LT</td>" in section


def test_chart_draws_no_bar_for_a_share_resting_on_too_little_data(app, client):
    bar = 'fill="#0b5d8a"'
    with app.app_context():
        c = db.get_centre("dobele-crafts-house")
        editing.save_centre(c["id"], {"signage": "yes"}, c["version"], "test")
    html = client.get("/planner/?lang=en").get_data(as_text=True)
    assert bar not in html.split('class="chart"')[1] and "not enough data /" in html  # 1 of 46 known
    with app.app_context():
        for c in db.all_centres():
            editing.save_centre(c["id"], {"signage": "no" if c["id"] != "dobele-crafts-house" else "yes"},
                                c["version"], "test")
    assert bar in client.get("/planner/?lang=en").get_data(as_text=True).split('class="chart"')[1]


@pytest.mark.parametrize("distance", ["7", "100", "nan", "1e400"])
def test_coverage_distance_is_one_of_a_short_list(client, distance):
    response = client.get(f"/api/v1/coverage?by=route&distance_km={distance}")
    assert response.status_code == 400
    assert response.get_json() == {"field": "distance_km", "error": "distance_km must be one of: 1, 2, 5, 10, 20, 50"}
    html = client.get("/planner/coverage?by=route&lang=en").get_data(as_text=True)
    assert '<option value="20">20</option>' in html and '<option value="10" selected>10</option>' in html


def test_coverage_is_computed_once_per_data_version_and_distance(app, client, monkeypatch):
    from craftmap import coverage
    calls = []
    real = coverage.route_length_coverage
    monkeypatch.setattr(coverage, "route_length_coverage", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    for lang in ("en", "lv", "lt", "en"):
        assert client.get(f"/api/v1/coverage?by=route&distance_km=20&lang={lang}").status_code == 200
        assert client.get(f"/planner/coverage?by=route&distance_km=20&lang={lang}").status_code == 200
        assert client.get(f"/planner/coverage.csv?by=route&distance_km=20&lang={lang}").status_code == 200
    assert calls == [20_000]
    with app.app_context():
        c = db.get_centre("kristell-candle-workshop")
        editing.save_centre(c["id"], {"wheelchair": "yes"}, c["version"], "test")
    client.get("/api/v1/coverage?by=route&distance_km=20")
    assert calls == [20_000, 20_000]  # a new data version is analysed again


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # shapely on NaN, as in production
@pytest.mark.parametrize("coords", [[[23.27, 56.62], [23.1, 95.0]], [[23.27, 56.62], [None, 56.5]]])
def test_a_line_saved_before_the_rules_is_served_as_no_line(app, client, coords):
    import json

    with app.app_context(), db.transaction() as conn:  # as an old database may hold it; no channel accepts it now
        text = json.dumps({"type": "LineString", "coordinates": coords}).replace("null", "NaN")
        conn.execute(db.routes.update().where(db.routes.c.id == "uzzini-ka-top").values(geometry=text))
        db.bump_data_version(conn)
    for page in ("/planner/report", "/planner/coverage?by=route", "/api/v1/coverage?by=route", "/", "/routes",
                 "/routes/uzzini-ka-top", "/maps/routes/uzzini-ka-top.js"):
        response = client.get(page)
        assert response.status_code == 200 and "NaN" not in response.get_data(as_text=True), page
    for api in ("/api/v1/routes", "/api/v1/routes/uzzini-ka-top", "/api/v1/routes/uzzini-ka-top.geojson"):
        json.loads(client.get(api).get_data(as_text=True), parse_constant=lambda c: pytest.fail(f"{api} sends {c}"))
    assert client.get("/api/v1/routes/uzzini-ka-top").get_json()["geometry"] is None  # served as no line
    rows = {r["route"]: r for r in client.get("/api/v1/coverage?by=route").get_json()["rows"]}
    assert rows["uzzini-ka-top"]["length_km"] is None and rows["balts-road-selonian"]["length_km"] > 0


@pytest.mark.parametrize("signage, checked_on, says", [
    ("yes", None, "signage never checked"), ("no", "2020-05-14", "signage check older than a year"),
    ("yes", "2026-11-30", None), ("unknown", None, "signage")])
def test_a_centre_never_checked_is_not_called_checked_long_ago(app, signage, checked_on, says):
    import datetime

    from craftmap import planning
    centre = {"wheelchair": "yes", "signage": signage, "signage_checked_on": checked_on, "lat": 56.6}
    with app.test_request_context():
        gaps = planning.centre_gaps(centre, today=datetime.date(2026, 12, 1))
    assert gaps == ([says] if says else [])


@pytest.mark.parametrize("url", ["/planner/", "/planner/report"])
def test_lithuanian_planners_are_told_why_indicator_names_are_english(client, url):
    lt = client.get(url + "?lang=lt").get_data(as_text=True)
    assert "Programos ataskaita parašyta latviškai" in lt
    assert 'lang="en">Sector marketing strategy' in lt and 'lang="lv">Zemgales-Ziemeļlietuvas' in lt
    for lang in ("lv", "en"):  # there the names are in the page's language
        assert 'class="origin">' not in client.get(f"{url}?lang={lang}").get_data(as_text=True).split("<table")[0]


def test_coverage_leads_with_how_much_is_known_and_colours_no_area_from_too_few(app, client):
    """One of the five centres of an area surveyed: its share is not given, nor coloured, without its basis."""
    munis = {r["area"]: r for r in client.get("/api/v1/coverage?by=municipality").get_json()["rows"]}
    area = next(a for a, r in munis.items() if r["total"] >= 3)
    with app.app_context():
        c = next(c for c in db.all_centres() if c["municipality"] == area and c["status"] == "active")
        editing.save_centre(c["id"], {"wheelchair": "no"}, c["version"], "test")
    row = next(r for r in client.get("/api/v1/coverage?by=municipality").get_json()["rows"] if r["area"] == area)
    assert row["wheelchair_known"] == 1 and row["wheelchair_yes_pct"] == 0.0 and row["wheelchair_judged"] is False
    for lang, lead, basis in (("en", "Wheelchair access is known for 1 of ", f"not enough data <small>(known: 1 of {row['total']})"),
                              ("lv", "Piekļuve ratiņkrēslā ir zināma 1 no ", f"nepietiek datu <small>(zināms: 1 no {row['total']})"),
                              ("lt", "Prieinamumas neįgaliojo vežimėliu žinomas 1 iš ", f"nepakanka duomenų <small>(žinoma: 1 iš {row['total']})")):
        html = client.get(f"/planner/coverage?by=municipality&lang={lang}").get_data(as_text=True)
        assert lead in html and basis in html
        cells = html.split(area)[1].split("</tr>")[0]
        assert "0,0 %" not in cells and "0.0 %" not in cells  # no share from one known centre
    script = map_script_of(client, client.get("/planner/coverage?by=municipality&lang=en").get_data(as_text=True))
    assert planner.colour(0.0) not in script  # the one 'no' does not paint its municipality red
    # it is hatched as unknown, with how many are known written on it; so is every area with centres
    with_centres = sum(1 for r in munis.values() if r["total"])
    assert script.count('"hatched": true') == with_centres and '"className": "area-unknown"' in script
    assert f'class=\\"area-count\\"\\u003e1/{row["total"]}\\u003c' in script


def test_a_judged_area_is_coloured_and_not_hatched(app, client):
    area = next(r for r in client.get("/api/v1/coverage?by=municipality").get_json()["rows"] if r["total"] == 2)
    with app.app_context():
        for c in [c for c in db.all_centres() if c["municipality"] == area["area"]][:1]:
            editing.save_centre(c["id"], {"wheelchair": "yes"}, c["version"], "test")
    script = map_script_of(client, client.get("/planner/coverage?by=municipality&lang=en").get_data(as_text=True))
    assert planner.colour(100.0) in script  # one of two known is half: judged, and coloured
    assert script.count('"hatched": true') == sum(
        1 for r in client.get("/api/v1/coverage?by=municipality").get_json()["rows"] if r["total"]) - 1


def test_the_route_map_names_every_route_and_what_it_draws(client):
    html = client.get("/planner/coverage?by=route&lang=en").get_data(as_text=True)
    heading, legend = html.index("Map: the routes and their stretches"), html.split('<div class="legend"')[1].split("</div>")[0]
    assert heading < html.index('class="map-wrap') < html.index('<div class="legend"') < html.index("<table")
    for name in ("Balts' Road: Selonian loop", "Find out how it's made!"):
        assert f"{name}:" in legend.replace("&#39;", "'")
    assert legend.count("the uncovered stretches are not drawn") == 2  # no access known near either
    assert "Wheelchair access is known for 0 of 29 stops of the routes." in html


def test_the_target_chart_names_each_indicator_in_full(client):
    html = client.get("/planner/?lang=en").get_data(as_text=True)
    chart = html.split('class="chart"')[1].split("</svg>")[0]
    shown = " ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", chart)).replace("&#39;", "'")
    long_name = "Accessibility of sites for persons with reduced mobility (share of the total number of sites)"
    assert long_name in shown and "…" not in shown
