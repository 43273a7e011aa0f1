"""The tourist pages: what they show, that they link their JSON twin, and that they need no CDN."""
import re

import pytest

from bench.synthetic import synthetic_data_dir
from craftmap import datasets
from tests.conftest import DATA

PAGES = ["/", "/centres", "/centres/dobele-crafts-house", "/routes", "/routes/balts-road-selonian",
         "/routes/uzzini-ka-top", "/sources"]


@pytest.mark.parametrize("url", PAGES)
def test_page_is_complete_and_self_hosted(client, url):
    response = client.get(url + "?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="en">' in html and "<title>" in html and '<main id="main"' in html
    assert 'class="skip-link"' in html and "<h1" in html
    assert "user-scalable=no" not in html
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert not [u for u in external if re.search(r"\.(js|css)(\?|$)", u)], external


def test_map_page_shows_counts_layers_and_filters(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "2 routes and 46 craft places" in html
    assert "Balts&#39; Road: Selonian loop" in html or "Balts&amp;#39; Road" in html or "Balts' Road" in html
    for name in ("craft", "country", "municipality", "route", "wheelchair"):
        assert f'name="{name}"' in html
    assert "/vendor/leaflet/leaflet.js" in html and "/api/v1/centres" in html  # under its digest


def test_centres_list_works_without_javascript(client):
    html = client.get("/centres?country=LT&lang=en").get_data(as_text=True)
    assert "Upytės tradicinių amatų centras" in html and "Dobeles Amatu māja" not in html
    assert "19 centres match; 8 of them have no known location yet." in html
    assert 'href="/api/v1/centres?country=LT' in html


def test_unlocated_centre_says_so(client):
    html = client.get("/centres/svete-ceramics-workshop?lang=en").get_data(as_text=True)
    assert "location not yet known" in html and "Wheelchair access unknown" in html
    assert 'id="craftmap-config"' not in html  # no map without a location


def test_route_page_lists_stops_in_order_with_distances(client):
    html = client.get("/routes/balts-road-selonian?lang=en").get_data(as_text=True)
    order = [html.index(n) for n in ("Aizkraukle", "Baltaines radošā māja", "Nereta", "Biržai")]
    assert order == sorted(order)
    assert "Drawn by craftmap as straight lines between the stops" in html
    assert "Total drawn length" in html and ".gpx" in html and ".kml" in html
    assert 'class="print-button"' in html  # page.js shows it and prints


def test_route_page_lists_other_centres_near_the_route(client):
    html = client.get("/routes/balts-road-selonian?lang=en").get_data(as_text=True)
    nearby = html.split("Other centres within 5 km of the route")[1]
    assert "Sēlijas prasmju muzejs" in nearby  # in Zasa, not itself a stop


def test_routes_page_says_how_many_and_that_the_official_ones_are_missing(client):
    html = client.get("/routes?lang=en").get_data(as_text=True)
    assert "craftmap holds 2 routes" in html and "11 Mid-Baltic" in html


def test_unknown_page_is_404(client):
    assert client.get("/centres/nope").status_code == 404


def test_map_page_size_does_not_grow_with_centres(make_app, client, tmp_path):
    real = len(client.get("/?lang=en").data)
    big = make_app(data=synthetic_data_dir(tmp_path / "synthetic", 10_000, DATA))
    synthetic = len(big.test_client().get("/?lang=en").data)
    assert abs(synthetic - real) / real < 0.05, (real, synthetic)


def test_centre_page_names_codes_in_the_visitors_language(client):
    html = client.get("/centres/dobele-crafts-house?lang=lv").get_data(as_text=True)
    assert "Dobeles novads (Latvija)" in html and "ir tīkla dalībnieks" in html


def test_a_leg_measured_across_unlocated_stops_names_its_start(client):
    route = client.get("/api/v1/routes/balts-road-selonian").get_json()["properties"]
    skipped = next(s for s in route["stops"] if s["distance_from_stop"] not in (None, s["seq"] - 1))
    html = client.get("/routes/balts-road-selonian?lang=en").get_data(as_text=True)
    assert f"(from stop {skipped['distance_from_stop']})" in html


@pytest.mark.parametrize("typed, found", [("jekabpils", "Jēkabpils"), ("SIAULIU", "Šiaul")])
def test_search_ignores_case_and_diacritics(client, typed, found):
    names = [f["properties"]["name"] + f["properties"]["settlement"]
             for f in client.get(f"/api/v1/centres?q={typed}").get_json()["features"]]
    assert names and all(found.casefold() in _fold(n) or found in n for n in names)


def _fold(text):
    import unicodedata
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


@pytest.mark.parametrize("km, minutes", [(None, None), (0.0, None), (0.2, 5), (4.0, 5), (6.3, 10), (12.3, 15), (41.5, 50)])
def test_a_drive_time_is_estimated_from_the_straight_leg(km, minutes):
    assert datasets.drive_minutes(km) == minutes


def test_each_leg_says_its_drive_time_and_that_both_are_estimates_from_a_straight_line(client):
    props = client.get("/api/v1/routes/balts-road-selonian").get_json()["properties"]
    assert props["legs_measured"] == "straight_line" and props["drive_estimate_kmh"] == 50
    legs = [(s["distance_from_previous_km"], s["drive_from_previous_min"]) for s in props["stops"]]
    assert legs[0] == (None, None) and all((k is None) == (m is None) for k, m in legs)
    assert any(m for k, m in legs)
    for lang, note, drive in (("en", "straight lines, not along roads", "min by car"),
                              ("lv", "mērīti pa taisni, nevis pa ceļiem", "min ar auto"),
                              ("lt", "matuojami tiesia linija, o ne keliais", "min automobiliu")):
        html = client.get(f"/routes/balts-road-selonian?lang={lang}").get_data(as_text=True)
        assert note in html and "50 km/h" in html
        km, minutes = next((k, m) for k, m in legs if m)
        assert f"≈ {minutes} {drive}" in html
