"""Planners enter routes: ordered stops from centres, a line drawn between them or imported."""
import gpxpy
import gpxpy.gpx
import pytest

from craftmap import db


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
    ({"stops_text": "no-such-centre"}, "names no centre"),
    ({"colour": "blue"}, "is not a #rrggbb colour"),
    ({"stops_text": "Place | north | 23 | x"}, "are not coordinates"),
])
def test_bad_route_input_is_named_and_nothing_saved(planner, client, app, changes, message):
    response = planner.post("/manage/routes/new", route_form(**changes))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.get_route("test-route") is None


def test_unreadable_track_is_refused(planner, app):
    import io
    data = route_form() | {"track": (io.BytesIO(b"not a track"), "t.gpx")}
    response = planner.post("/manage/routes/new", data, content_type="multipart/form-data")
    assert response.status_code == 422 and "t.gpx: cannot be read" in response.get_data(as_text=True)


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
    assert "t.gpx: cannot be read" in html and "names no centre" in html
