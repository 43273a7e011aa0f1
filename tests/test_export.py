"""Route downloads, read back by libraries that did not write them (gpxpy, GDAL through pyogrio)."""
from html import unescape

import gpxpy
import pyogrio
import pytest


def test_gpx_has_stops_as_waypoints_in_order(client):
    response = client.get("/api/v1/routes/balts-road-selonian.gpx?lang=en")
    assert response.mimetype == "application/gpx+xml"
    assert "attachment" in response.headers["Content-Disposition"]
    gpx = gpxpy.parse(response.get_data(as_text=True))
    names = [w.name for w in gpx.waypoints]
    assert names[0] == "1. Aizkraukle" and names[-1] == "19. Biržai"
    assert len(names) == 11  # the 8 stops with unknown coordinates are not invented
    # ... but named, in order, so a reader does not take 11 points for the whole route
    desc = gpx.description
    assert "Stops in order: 1. Aizkraukle;" in desc and "19. Biržai." in desc
    assert desc.count("(location not yet known)") == 8 and desc.count(";") >= 18
    assert all(w.type.startswith("wheelchair=unknown;signage=unknown") for w in gpx.waypoints)
    assert "Wheelchair access unknown" in gpx.waypoints[0].description
    assert [p.name for p in gpx.routes[0].points][:2] == ["Aizkraukle", "Baltaines radošā māja (biedrība \"Baltaine\")"]
    track_km = gpx.tracks[0].length_2d() / 1000
    api_km = client.get("/api/v1/routes/balts-road-selonian").get_json()["properties"]["length_km"]
    assert track_km == pytest.approx(api_km, rel=0.01)


def test_geojson_download_reads_in_gdal(client, tmp_path):
    path = tmp_path / "route.geojson"
    path.write_bytes(client.get("/api/v1/routes/uzzini-ka-top.geojson").data)
    frame = pyogrio.read_dataframe(path)
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[0].geom_type == "LineString"
    stops = frame.iloc[1:]
    assert len(stops) == 10 and stops["geometry"].isna().sum() == 3


def test_kml_download_reads_in_gdal(client, tmp_path):
    path = tmp_path / "route.kml"
    path.write_bytes(client.get("/api/v1/routes/uzzini-ka-top.kml?lang=lv").data)
    frame = pyogrio.read_dataframe(path)
    assert list(frame.geometry.geom_type).count("Point") == 7
    assert frame["Name"].iloc[0] == "Uzzini, kā top!"
    stops = frame.iloc[1:]  # every stop in order, the three without a location as placemarks with no point
    assert list(stops["Name"].str.split(".").str[0]) == [str(n) for n in range(1, 11)]
    unlocated = stops[stops.geometry.isna()]
    assert len(unlocated) == 3 and unlocated["description"].str.contains("atrašanās vieta vēl nav zināma").all()


def test_centres_geojson_reads_in_gdal(client, tmp_path):
    path = tmp_path / "centres.geojson"
    path.write_bytes(client.get("/api/v1/centres").data)
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == 46 and frame.geometry.notna().sum() == 30


def test_a_closed_centre_on_a_route_says_so_and_counts_as_no_accessible_stop(app, client):
    from craftmap import db, editing
    with app.app_context():
        c = db.get_centre("kristell-candle-workshop")
        editing.save_centre(c["id"], {"wheelchair": "yes", "status": "closed"}, c["version"], "test")
    route = client.get("/api/v1/routes/uzzini-ka-top?lang=en").get_json()["properties"]
    stop = next(s for s in route["stops"] if s["centre_id"] == "kristell-candle-workshop")
    assert stop["closed"] and route["stops_accessible"] == 0
    html = unescape(client.get("/routes/uzzini-ka-top?lang=en").get_data(as_text=True))
    assert "This centre is closed." in html.split(stop["name"] + "</a>")[1].split("</th>")[0]
    gpx = gpxpy.parse(client.get("/api/v1/routes/uzzini-ka-top.gpx?lang=en").get_data(as_text=True))
    waypoint = next(w for w in gpx.waypoints if stop["name"] in w.name)
    assert waypoint.description.startswith("This centre is closed. Wheelchair accessible")


def test_gpx_stays_plain_gpx_while_kml_renders_in_other_threads(client):
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from craftmap import export
    doc = client.get("/api/v1/routes/uzzini-ka-top?lang=en").get_json()
    route = doc["properties"] | {"geometry": doc["geometry"]}
    texts = {"km_from_previous": "km from the previous stop", "source": "Source", "closed": "Closed.",
             "origin": "Drawn.", "place": "Not a craft centre.", "planner_position": "Entered by the planner.",
             "stops": "Stops in order", "unlocated": "location not yet known"}
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns often, as on a busy server
    try:
        with ThreadPoolExecutor(8) as pool:
            outputs = list(pool.map(lambda render: (render, render(route, texts)),
                                    [export.route_kml, export.route_gpx] * 40))
    finally:
        sys.setswitchinterval(interval)
    gpx_outputs = [xml for render, xml in outputs if render is export.route_gpx]
    assert all(xml.split(b"?>", 1)[1].lstrip().startswith(b"<gpx ") for xml in gpx_outputs)
    assert all(len(gpxpy.parse(xml.decode("utf-8")).waypoints) == 7 for xml in gpx_outputs)
