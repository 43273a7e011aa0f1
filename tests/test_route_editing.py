"""Planners enter routes: ordered stops from centres, a line drawn between them or imported."""
from html import unescape

import gpxpy
import gpxpy.gpx
import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from craftmap import db, editing, route_editing


@pytest.fixture
def planner(auth):
    auth.login("planner@example.test")
    return auth


def route_form(**changes):
    return {"id": "test-route", "name_lv": "Pārbaudes maršruts", "name_lt": "", "name_en": "Test route",
            "description_en": "Entered by a planner", "colour": "#336699", "theme": "crafts",
            "source": "Zemgale Planning Region", "stop_order_origin": "source",
            "stops_text": "dobele-crafts-house\nfolk-applied-art-studio-auce\nTērvete | 56.47989 | 23.38895 | settlements list"} | changes


def test_planner_adds_a_route_drawn_between_stops(planner, client):
    response = planner.post("/manage/routes/new", route_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    props = client.get("/api/v1/routes/test-route?lang=lv").get_json()["properties"]
    assert props["name"] == "Pārbaudes maršruts" and props["geometry_origin"] == "drawn_between_stops"
    assert [s["name"] for s in props["stops"]][2] == "Tērvete" and props["length_km"] > 20
    assert "3 routes and" in client.get("/?lang=en").get_data(as_text=True)


def test_planner_imports_a_gpx_track(planner, client, tmp_path):
    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack()
    segment = gpxpy.gpx.GPXTrackSegment()
    for lat, lon in [(56.62, 23.27), (56.55, 23.1), (56.46, 22.9)]:
        segment.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon))
    track.segments.append(segment)
    gpx.tracks.append(track)
    import io
    data = route_form() | {"track": (io.BytesIO(gpx.to_xml().encode()), "track.gpx")}
    response = planner.post("/manage/routes/new", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    props = client.get("/api/v1/routes/test-route").get_json()
    assert props["properties"]["geometry_origin"] == "surveyed_track"
    assert props["geometry"]["coordinates"][0] == [23.27, 56.62]
    html = client.get("/routes/test-route?lang=en").get_data(as_text=True)
    assert "Surveyed track" in html


@pytest.mark.parametrize("changes, message", [
    ({"stops_text": "no-such-centre"}, "Stop 1 (no-such-centre), centre: 'no-such-centre' is not a centre in craftmap"),
    ({"colour": "blue"}, "is not a colour written #rrggbb"),
    ({"stops_text": "Place | north | 23 | x"}, "Line 1 of the stops: “north”, “23” are not a latitude and a longitude"),
    ({"id": "new"}, "names the form that adds a route"),
])
def test_bad_route_input_is_named_and_nothing_saved(planner, client, app, changes, message):
    response = planner.post("/manage/routes/new", route_form(**changes))
    assert response.status_code == 422 and message in unescape(response.get_data(as_text=True))
    with app.app_context():
        assert db.get_route("test-route") is None


def test_unreadable_track_is_refused(planner, app):
    import io
    data = route_form() | {"track": (io.BytesIO(b"not a track"), "t.gpx")}
    response = planner.post("/manage/routes/new", data, content_type="multipart/form-data")
    assert response.status_code == 422 and "t.gpx: The file is not GPX, KML or GeoJSON." in response.get_data(as_text=True)


@pytest.mark.parametrize("stops_text", ["dobele-crafts-house", "Tērvete |  |  | settlements list\nAuce |  |  | list"])
def test_a_route_with_fewer_than_two_located_stops_has_its_pages(planner, client, stops_text):
    assert planner.post("/manage/routes/new", route_form(stops_text=stops_text)).status_code == 302
    assert client.get("/api/v1/routes/test-route").get_json()["geometry"] is None
    for page in ("/routes/test-route", "/api/v1/routes/test-route", "/api/v1/routes/test-route.gpx",
                 "/api/v1/routes/test-route.kml", "/api/v1/routes/test-route.geojson", *PUBLIC_PAGES):
        assert client.get(page).status_code == 200, page


def test_editors_cannot_edit_routes(auth, client):
    auth.login("dobele@example.test")
    assert client.get("/manage/routes/uzzini-ka-top").status_code == 403
    assert auth.post("/manage/routes/uzzini-ka-top", route_form()).status_code == 403


def test_second_planner_saving_a_stale_route_is_refused(planner, client):
    assert planner.post("/manage/routes/new", route_form()).status_code == 302
    loaded = client.get("/manage/routes/test-route").get_data(as_text=True)
    version = loaded.split('name="version" value="')[1].split('"')[0]
    first = route_form(description_en="First planner's notes", version=version)
    assert planner.post("/manage/routes/test-route", first).status_code == 302
    second = planner.post("/manage/routes/test-route", route_form(name_en="Renamed", version=version))
    assert second.status_code == 409 and "Someone else saved this route" in second.get_data(as_text=True)
    props = client.get("/api/v1/routes/test-route?lang=en").get_json()["properties"]
    assert (props["name"], props["description"]) == ("Test route", "First planner's notes")


def test_planners_adding_one_new_route_id_at_once_get_one_route_and_no_500(app):
    import threading
    outcomes = []
    for trial in range(5):  # on PostgreSQL the losers' INSERTs wait on the winner's key, then fail
        barrier = threading.Barrier(8)

        def save():
            with app.app_context():
                barrier.wait()
                try:
                    route_editing.save_route(f"race-{trial}", route_form(), [{"centre_id": "dobele-crafts-house"}],
                                             None, None, user="planner@example.test")
                    outcomes.append("saved")
                except editing.EditError as exc:
                    outcomes.append(exc.problems[0][0])
                except Exception as exc:  # noqa: BLE001 - the test is that there is none
                    outcomes.append(type(exc).__name__)
        threads = [threading.Thread(target=save) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(set(outcomes)) == ["id", "saved"] and outcomes.count("saved") == 5


def test_a_centre_put_on_a_route_is_not_answered_with_a_stale_304(planner, client):
    before = client.get("/api/v1/centres/dobele-crafts-house?lang=en")
    assert "test-route" not in before.get_json()["properties"]["routes"]
    assert planner.post("/manage/routes/new", route_form()).status_code == 302
    again = client.get("/api/v1/centres/dobele-crafts-house?lang=en", headers={"If-None-Match": before.headers["ETag"]})
    assert again.status_code == 200 and "test-route" in again.get_json()["properties"]["routes"]


def test_a_bad_track_and_bad_stops_are_reported_together(planner):
    import io
    data = route_form(stops_text="no-such-centre") | {"track": (io.BytesIO(b"not a track"), "t.gpx")}
    html = planner.post("/manage/routes/new", data, content_type="multipart/form-data").get_data(as_text=True)
    assert "t.gpx: The file is not GPX, KML or GeoJSON." in html and "is not a centre in craftmap" in unescape(html)


# --- Uploaded tracks: only GPX and GeoJSON, read by parsers that cannot open files or URLs ---------

ROUTE = "uzzini-ka-top"
PUBLIC_PAGES = ("/planner/report", "/planner/coverage?by=route", "/api/v1/coverage?by=route")


def _upload(planner, client, content, filename, **changes):
    """Post the seeded route's own form with a track file; return (response, its page text)."""
    import io
    html = client.get(f"/manage/routes/{ROUTE}").get_data(as_text=True)
    version = html.split('name="version" value="')[1].split('"')[0]
    stops = client.get(f"/api/v1/routes/{ROUTE}").get_json()["properties"]["stops"]
    form = route_form(id=ROUTE, version=version, stops_text="\n".join(s["centre_id"] for s in stops if s["centre_id"]))
    track = FileStorage(io.BytesIO(content), filename, content_type="application/octet-stream")
    # encoded in memory: the test client spools a large body to a file it never closes
    boundary, body = encode_multipart(form | changes | {"csrf_token": planner.csrf("/manage/"), "track": track})
    response = client.post(f"/manage/routes/{ROUTE}", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    return response, response.get_data(as_text=True)


def _refused_and_unchanged(planner, client, content, filename, message, pages=()):
    before = client.get(f"/api/v1/routes/{ROUTE}").data
    response, html = _upload(planner, client, content, filename)
    assert response.status_code == 422, html
    assert f'<a href="#r-track">Track file</a>: {filename}: {message}' in unescape(html)
    assert client.get(f"/api/v1/routes/{ROUTE}").data == before
    for page in pages:
        assert client.get(page).status_code == 200, page


def _gpx(points, version="1.1"):
    gpx = gpxpy.gpx.GPX()
    gpx.version = version
    segment = gpxpy.gpx.GPXTrackSegment([gpxpy.gpx.GPXTrackPoint(lat, lon) for lat, lon in points])
    track = gpxpy.gpx.GPXTrack()
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml(version=version).encode("utf-8")


def _vrt(source):
    return (f'<?xml version="1.0"?>\n<OGRVRTDataSource><OGRVRTLayer name="leak">'
            f'<SrcDataSource relativeToVRT="0">{source}</SrcDataSource><GeometryType>wkbLineString</GeometryType>'
            '<GeometryField encoding="PointFromColumns" x="field_1" y="field_2"/></OGRVRTLayer>'
            '</OGRVRTDataSource>').encode("utf-8")


@pytest.fixture
def secret_key(app):
    from pathlib import Path
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("23.5,56.5\n23.6,56.6\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("filename", ["track.gpx", "track.geojson", "track.json"])
@pytest.mark.parametrize("source", ["CSV:instance/secret_key", "/vsicurl/http://127.0.0.1:5000/",
                                    "/vsizip/{secret}.zip/a.csv", "{secret}"])
def test_an_ogr_vrt_document_is_refused_under_every_name(planner, client, secret_key, filename, source):
    content = _vrt(source.format(secret=secret_key))
    _refused_and_unchanged(planner, client, content, filename,
                           "The file is XML, but neither GPX 1.0/1.1 nor KML (its first element is <OGRVRTDataSource>).")


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                  '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>'
                  '<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1"><metadata><name>&d;</name></metadata>'
                  '<trk><trkseg><trkpt lat="56.6" lon="23.7"/><trkpt lat="56.5" lon="23.6"/></trkseg></trk></gpx>')
EXTERNAL_ENTITY = ('<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY key SYSTEM "file://{secret}">]>'
                   '<{root} xmlns="{ns}"><metadata><name>&key;</name></metadata></{root}>')


@pytest.mark.parametrize("filename, content", [
    ("laughs.gpx", BILLION_LAUGHS),
    ("entity.gpx", EXTERNAL_ENTITY.replace("{root}", "gpx").replace("{ns}", "http://www.topografix.com/GPX/1/1")),
    ("entity.kml", EXTERNAL_ENTITY.replace("{root}", "kml").replace("{ns}", "http://www.opengis.net/kml/2.2")),
])
def test_xml_entities_are_refused(planner, client, secret_key, filename, content):
    content = content.replace("{secret}", str(secret_key)).encode("utf-8")
    _refused_and_unchanged(planner, client, content, filename,
                           "The file declares a DTD or entities, which GPX and KML files never need; it was not read.")


def test_a_kml_track_is_read_by_content_whatever_its_name(planner, client):
    kml = (b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><LineString>'
           b'<coordinates>23.27,56.62 23.1,56.55 22.9,56.46</coordinates></LineString></Placemark></kml>')
    response, html = _upload(planner, client, kml, "track.gpx")
    assert response.status_code == 302, html
    assert client.get(f"/api/v1/routes/{ROUTE}").get_json()["geometry"]["coordinates"] == \
        [[23.27, 56.62], [23.1, 56.55], [22.9, 56.46]]


def _zipped(data):
    import io
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("track.gpx", data)
    return out.getvalue()


@pytest.mark.parametrize("pack", [_zipped, __import__("gzip").compress])
def test_archives_are_refused_by_content(planner, client, pack):
    content = pack(_gpx([(56.62, 23.27), (56.55, 23.1)]))
    _refused_and_unchanged(planner, client, content, "track.gpx",
                           "The file is compressed (KMZ, zip or gzip). Unpack it and upload the GPX, KML or GeoJSON file inside.")


def test_a_track_over_5_mb_is_refused_and_the_form_says_the_limit(planner, client):
    assert "at most 5 MB" in client.get("/manage/routes/new?lang=en").get_data(as_text=True)
    content = b'{"type": "LineString", "coordinates": [[23.7, 56.6], [23.6, 56.5]]}' + b" " * 5_000_000
    _refused_and_unchanged(planner, client, content, "big.geojson", "The file is larger than 5 MB.")


def _line(coords):
    import json
    return json.dumps({"type": "Feature", "properties": {}, "geometry": {"type": "LineString",
                                                                        "coordinates": coords}}).encode()


@pytest.mark.parametrize("filename, content, message", [
    ("north.gpx", _gpx([(56.62, 23.27), (95.0, 23.1)]),
     "the line has a longitude outside -180…180 or a latitude outside -90…90"),
    ("nan.gpx", _gpx([(56.62, 23.27), (56.55, 23.1)]).replace(b'lat="56.55"', b'lat="NaN"'),
     "the line has coordinates that are not finite numbers (NaN or infinity)"),
    ("north.geojson", _line([[23.27, 56.62], [23.1, 95.0]]),
     "the line has a longitude outside -180…180 or a latitude outside -90…90"),
    ("inf.geojson", _line([[23.27, 56.62], [23.1, 56.55]]).replace(b"56.55", b"1e999"),
     "the line has coordinates that are not finite numbers (NaN or infinity)"),
    ("tallinn.geojson", _line([[23.27, 56.62], [24.75, 59.44]]),
     "the line goes farther than 40 km outside the study region"),
    ("huge.geojson", _line([[23.0 + i * 1e-5, 56.5] for i in range(50_001)]),
     "The file has more than 50000 points; at most 50000 are read."),
])
def test_impossible_or_far_tracks_are_refused_and_public_pages_stay_up(planner, client, filename, content, message):
    _refused_and_unchanged(planner, client, content, filename, message, PUBLIC_PAGES)


def _zigzag(n, leg_m):
    """``n`` points near Jelgava, each leg ``leg_m`` long and turning sharply, so simplification keeps them."""
    import pyproj
    to_m = pyproj.Transformer.from_crs(4326, 3035, always_xy=True)
    x0, y0 = to_m.transform(23.72, 56.65)
    lonlat = [to_m.transform(x0 + 20 * i, y0 + (leg_m if i % 2 else 0), direction="INVERSE") for i in range(n)]
    return [[round(x, 7), round(y, 7)] for x, y in lonlat]


@pytest.mark.parametrize("content", [
    _line([[23.7, 56.6], [23.7, 56.6], [23.7, 56.6]]),
    b'{"type": "MultiLineString", "coordinates": [[[23.27, 56.62], [23.1, 56.55]], [[23.1, 56.55], [23.1, 56.55]]]}'])
def test_a_track_with_a_part_of_no_length_is_refused_and_coverage_stays_up(planner, client, content):
    _refused_and_unchanged(planner, client, content, "still.geojson",
                           "the line has a part whose points all lie in one place", PUBLIC_PAGES)


def test_a_route_drawn_between_one_place_twice_is_refused_and_coverage_stays_up(planner, client):
    response = planner.post("/manage/routes/new", route_form(stops_text="dobele-crafts-house\ndobele-crafts-house"))
    assert response.status_code == 422
    assert "the line has a part whose points all lie in one place" in unescape(response.get_data(as_text=True))
    for page in PUBLIC_PAGES:
        assert client.get(page).status_code == 200, page


def test_a_route_of_thousands_of_stops_is_refused_before_it_slows_every_route_page(planner, client):
    stops = "\n".join(f"Place {i} |  |  | survey" for i in range(201))
    response = planner.post("/manage/routes/new", route_form(stops_text=stops))
    assert response.status_code == 422
    assert "The route has 201 stops; at most 200 are allowed." in unescape(response.get_data(as_text=True))
    assert client.get("/api/v1/routes/test-route").status_code == 404


@pytest.mark.parametrize("changes, message", [
    ({"name_en": "Test\x01route"}, 'href="#r-name_en">Name in English</a>: contains a control character'),
    ({"stops_text": "dobele-crafts-house\nT\x02ervete | 56.47989 | 23.38895 | list"},
     "Stop 2 (T?ervete), name: contains a control character"),
    ({"description_en": "x" * 2_001}, 'href="#r-description_en">Description in English</a>: is 2001 characters long; at most 2000'),
    ({"stops_text": "dobele-crafts-house\nTervete | 56.47989 | 23.38895 | " + "s" * 501},
     "Stop 2 (Tervete), source: is 501 characters long; at most 500"),
])
def test_route_text_that_would_break_the_gpx_or_swell_pages_is_refused(planner, client, changes, message):
    response = planner.post("/manage/routes/new", route_form(**changes))
    assert response.status_code == 422 and message in unescape(response.get_data(as_text=True))
    assert client.get("/api/v1/routes/test-route").status_code == 404


@pytest.mark.parametrize("n, leg_m, message", [
    (5_001, 300, "the line has 5001 points; at most 5000 are allowed"),
    (1_000, 3_000, "the line is 2997 km long; at most 2000 km are allowed"),
])
def test_tracks_over_the_stored_caps_are_refused(planner, client, n, leg_m, message):
    _refused_and_unchanged(planner, client, _line(_zigzag(n, leg_m)), "zigzag.geojson", message)


def test_a_dense_track_is_stored_simplified(planner, client):
    straight = [(56.6 - i * 1e-5, 23.7 - i * 1e-5) for i in range(20_000)]  # a point every 1.3 m
    response, html = _upload(planner, client, _gpx(straight), "dense.gpx")
    assert response.status_code == 302, html
    coords = client.get(f"/api/v1/routes/{ROUTE}").get_json()["geometry"]["coordinates"]
    assert coords[0] == [23.7, 56.6] and coords[-1] == [round(23.7 - 19_999e-5, 7), round(56.6 - 19_999e-5, 7)]
    assert len(coords) < 10
    for page in PUBLIC_PAGES:
        assert client.get(page).status_code == 200


@pytest.mark.parametrize("filename, content", [
    ("old.gpx", _gpx([(56.62, 23.27), (56.55, 23.1), (56.46, 22.9)], version="1.0")),
    ("route-only.gpx", b'<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" '
                       b'creator="x"><rte><rtept lat="56.62" lon="23.27"/><rtept lat="56.55" lon="23.1"/>'
                       b'<rtept lat="56.46" lon="22.9"/></rte></gpx>'),
    ("feature.geojson", _line([[23.27, 56.62], [23.1, 56.55], [22.9, 56.46]])),
    ("bare.json", b'{"type": "MultiLineString", "coordinates": [[[23.27, 56.62], [23.1, 56.55]], '
                  b'[[23.1, 56.55], [22.9, 56.46]]]}'),
    ("collection.geojson", b'\xef\xbb\xbf{"type": "FeatureCollection", "features": [{"type": "Feature", '
                           b'"properties": {}, "geometry": {"type": "Point", "coordinates": [23.0, 56.5]}}, '
                           b'{"type": "Feature", "properties": {}, "geometry": {"type": "LineString", '
                           b'"coordinates": [[23.27, 56.62, 40], [23.1, 56.55, 41], [22.9, 56.46, 42]]}}]}'),
])
def test_every_offered_kind_of_track_is_read(planner, client, filename, content):
    response, html = _upload(planner, client, content, filename)
    assert response.status_code == 302, html
    geometry = client.get(f"/api/v1/routes/{ROUTE}").get_json()["geometry"]
    line = [[23.27, 56.62], [23.1, 56.55], [22.9, 56.46]]
    assert geometry == ({"type": "MultiLineString", "coordinates": [line[:2], line[1:]]} if "Multi" in content.decode()
                        else {"type": "LineString", "coordinates": line})


@pytest.mark.parametrize("line, message", [
    ("Place | 95 | 23.5 | survey", "Stop 2 (Place), position: 95.0, 23.5 are not valid coordinates"),
    ("Place | nan | 23.5 | survey", "Line 2 of the stops: “nan”, “23.5” are not a latitude and a longitude"),
    ("Place | 56.5 | inf | survey", "Line 2 of the stops: “56.5”, “inf” are not a latitude and a longitude"),
    ("Tallinn | 59.44 | 24.75 | survey",
     "Stop 2 (Tallinn), position: 59.44, 24.75 lies farther than 40 km outside the study region"),
])
def test_stops_with_impossible_or_far_coordinates_are_refused(planner, client, line, message):
    before = client.get(f"/api/v1/routes/{ROUTE}").data
    response = planner.post("/manage/routes/new", route_form(stops_text="dobele-crafts-house\n" + line))
    assert response.status_code == 422 and message in unescape(response.get_data(as_text=True))
    assert client.get("/api/v1/routes/test-route").status_code == 404
    assert client.get(f"/api/v1/routes/{ROUTE}").data == before
    for page in PUBLIC_PAGES:
        assert client.get(page).status_code == 200


@pytest.mark.parametrize("coords", [[[23.27, 56.62], [23.1, 95.0]], [[23.27, 56.62], [float("nan"), 56.5]]])
def test_the_write_path_itself_refuses_an_impossible_line(app, coords):
    import numpy as np
    from shapely.geometry import LineString
    with np.errstate(invalid="ignore"):
        line = LineString(coords)
    with app.app_context():
        with pytest.raises(editing.EditError) as info:
            route_editing.save_route("test-route", route_form(), [{"centre_id": "dobele-crafts-house"}],
                                     line, None, user="planner@example.test")
        assert db.get_route("test-route") is None
    assert "geometry: the line has" in str(info.value)


def test_planners_see_route_names_in_the_pages_language(planner, client):
    listing = client.get("/manage/routes?lang=lt").get_data(as_text=True)
    assert "Baltų kelias: sėlių atkarpa" in listing and "Selonian loop" not in listing
    page = client.get("/manage/routes/balts-road-selonian?lang=lv").get_data(as_text=True)
    assert "<h1>Baltu ceļš: Sēļu loks</h1>" in page
