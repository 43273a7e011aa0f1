"""The open-data API: GeoJSON, filters, caching headers, errors, and its OpenAPI document."""
import json

import pytest

from craftmap.openapi import PATHS


def geojson(response):
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    return json.loads(response.data)


def ids(collection):
    return {f["id"] for f in collection["features"]}


def test_centres_are_rfc7946_features(client):
    doc = geojson(client.get("/api/v1/centres"))
    assert doc["type"] == "FeatureCollection"
    dobele = next(f for f in doc["features"] if f["id"] == "dobele-crafts-house")
    assert dobele["geometry"] == {"type": "Point", "coordinates": [23.2751, 56.62372]}
    assert dobele["properties"]["wheelchair"] == "unknown"
    assert dobele["properties"]["source"].startswith("https://www.dobele.lv/")
    vipe = next(f for f in doc["features"] if f["id"].startswith("vipe-craft-centre"))
    assert vipe["geometry"] is None and vipe["properties"]["location_known"] is False


@pytest.mark.parametrize("query, present, absent", [
    ("country=LT", "upyte-traditional-crafts-centre", "dobele-crafts-house"),
    ("craft=candle_making", "kristell-candle-workshop", "dobele-crafts-house"),
    ("municipality=Dobeles+novads", "dobele-crafts-house", "bauska-craft-centre"),
    ("route=uzzini-ka-top", "laima-ceramics-workshop", "dobele-crafts-house"),
    ("q=rokišk", "rokiskis-tourism-and-traditional-crafts-information-and-coor", "dobele-crafts-house"),
])
def test_filters_narrow_the_centres(client, query, present, absent):
    found = ids(geojson(client.get(f"/api/v1/centres?{query}")))
    assert present in found and absent not in found


def test_wheelchair_filter_follows_the_data(client):
    assert ids(geojson(client.get("/api/v1/centres?wheelchair=yes"))) == set()
    assert len(ids(geojson(client.get("/api/v1/centres?wheelchair=unknown")))) == 46


def test_signage_filter_follows_the_data(app, client):
    from craftmap import db, editing
    assert ids(geojson(client.get("/api/v1/centres?signage=yes"))) == set()
    with app.app_context():
        c = db.get_centre("dobele-crafts-house")
        editing.save_centre(c["id"], {"signage": "yes"}, c["version"], "test")
    assert ids(geojson(client.get("/api/v1/centres?signage=yes"))) == {"dobele-crafts-house"}
    html = client.get("/centres?signage=yes&lang=en").get_data(as_text=True)
    assert 'id="filter-signage"' in html and "Dobeles Amatu māja" in html and "Bauskas amatniecības centrs" not in html


def test_near_me_sorts_by_distance(client):
    doc = geojson(client.get("/api/v1/centres?near=23.71278,56.65"))
    distances = [f["properties"]["distance_km"] for f in doc["features"]]
    assert distances == sorted(distances) and distances[0] < 1
    assert doc["features"][0]["properties"]["settlement"] == "Jelgava"
    assert all(d <= 50 for d in distances)


def test_bad_near_names_the_parameter(client):
    response = client.get("/api/v1/centres?near=here")
    assert response.status_code == 400 and response.get_json()["field"] == "near"


def test_route_has_ordered_stops_and_length(client):
    doc = geojson(client.get("/api/v1/routes/balts-road-selonian"))
    props = doc["properties"]
    assert [s["seq"] for s in props["stops"]] == list(range(1, 20))
    assert props["stops"][0]["name"] == "Aizkraukle" and props["stops"][-1]["name"] == "Biržai"
    assert props["geometry_origin"] == "drawn_between_stops"
    known_legs = [s["distance_from_previous_km"] for s in props["stops"] if s["distance_from_previous_km"]]
    assert props["length_km"] == pytest.approx(sum(known_legs), abs=0.2)
    assert 300 < props["length_km"] < 730  # straight lines are shorter than the 730 km road route


def test_derived_order_is_said(client):
    props = geojson(client.get("/api/v1/routes/uzzini-ka-top"))["properties"]
    assert props["stop_order_origin"] == "derived"
    assert [s["location_known"] for s in props["stops"]][-3:] == [False, False, False]


def test_routes_collection(client):
    doc = geojson(client.get("/api/v1/routes?lang=lv"))
    names = {f["id"]: f["properties"]["name"] for f in doc["features"]}
    assert names == {"balts-road-selonian": "Baltu ceļš: Sēļu loks", "uzzini-ka-top": "Uzzini, kā top!"}


@pytest.mark.parametrize("url", ["/api/v1/centres/nope", "/api/v1/routes/nope", "/api/v1/routes/nope.gpx",
                                 "/api/v1/nothing-here"])
def test_unknown_ids_give_json_404(client, url):
    response = client.get(url)
    assert response.status_code == 404 and "error" in response.get_json()


GETS = ["/api/v1/centres", "/api/v1/centres/dobele-crafts-house", "/api/v1/routes",
        "/api/v1/routes/uzzini-ka-top", "/api/v1/routes/uzzini-ka-top.gpx", "/api/v1/indicators",
        "/api/v1/municipalities", "/api/v1/openapi.json", "/", "/centres", "/routes/uzzini-ka-top"]


@pytest.mark.parametrize("url", GETS)
def test_etag_and_304(client, url):
    first = client.get(url)
    assert first.headers["ETag"] and "max-age" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_every_api_endpoint_is_documented(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    rules = {r.rule.replace("<centre_id>", "{id}").replace("<route_id>", "{id}").replace("<int:report_id>", "{report_id}").replace("<photo_id>", "{photo_id}")
             for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    rules = {r.replace(".<any(gpx, kml, geojson):fmt>", ext) for r in rules for ext in (".gpx", ".kml", ".geojson")}
    assert rules == set(doc["paths"]) == set(PATHS)


def test_indicators_carry_the_seed_values(client):
    indicators = {i["id"]: i for i in client.get("/api/v1/indicators").get_json()["indicators"]}
    assert indicators["p3-accessibility"]["target_value"] == "90"
    assert indicators["p3-accessibility"]["reported_2016_value"] == "67"
    assert indicators["p1-routes"]["reported_2016_value"] == "11"


@pytest.mark.parametrize("path", ["/api/v1/centres", "/api/v1/centres?fields=map"])
def test_gzip_and_brotli_for_clients_that_accept_them(client, path):
    import gzip

    import brotli
    plain = client.get(path)
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    squeezed = client.get(path, headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert squeezed.headers["Content-Encoding"] == "br" and "Accept-Encoding" in squeezed.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data and len(zipped.data) < len(plain.data) / 3
    assert brotli.decompress(squeezed.data) == plain.data and len(squeezed.data) < len(zipped.data)
    assert int(zipped.headers["Content-Length"]) == len(zipped.data)
    assert len({plain.headers["ETag"], zipped.headers["ETag"], squeezed.headers["ETag"]}) == 3
    again = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_parameter_refusals_are_in_the_callers_language(client):
    near = client.get("/api/v1/centres?near=abc&lang=lv")
    assert near.status_code == 400 and near.get_json() == {
        "error": "near jānorāda kā 'garums,platums' decimālgrādos", "field": "near"}
    missing = client.get("/api/v1/routes/nowhere?lang=lt").get_json()
    assert missing["error"] == "nėra maršruto su id 'nowhere'"
