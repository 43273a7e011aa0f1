"""Loading data/: every bad input is refused with the file, row and field, and nothing is written."""
import csv
import json

import pytest
import sqlalchemy as sa

from craftmap.seed import DataError
from tests import conftest


def _edit_centres(data_dir, row_index, **changes):
    path = data_dir / "centres.csv"
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    rows[row_index].update(changes)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _refused(make_app, data_dir, monkeypatch):
    urls = []
    real = conftest.fresh_database_url
    monkeypatch.setattr(conftest, "fresh_database_url", lambda folder: urls.append(real(folder)) or urls[-1])
    with pytest.raises(DataError) as info:
        make_app(data=data_dir)
    engine = sa.create_engine(urls[0], poolclass=sa.NullPool)
    assert sa.inspect(engine).get_table_names() == []  # nothing half-written
    engine.dispose()
    return str(info.value)


def test_real_data_loads_every_centre_and_route(client):
    centres = client.get("/api/v1/centres").get_json()
    assert centres["meta"]["count"] == 46
    assert centres["meta"]["unlocated"] == 16
    assert len(client.get("/api/v1/routes").get_json()["features"]) == 2


@pytest.mark.parametrize("changes, expected", [
    ({"wheelchair": "maybe"}, "centres.csv, row 2, field wheelchair: 'maybe' is not one of"),
    ({"signage": "Yes"}, "centres.csv, row 2, field signage: 'Yes' is not one of"),
    ({"crafts": "ceramics;pottery"}, "centres.csv, row 2, field crafts: 'pottery' is not one of craftmap's crafts"),
    ({"lat": "59.44", "lon": "24.75"}, "centres.csv, row 2, field lat: 59.44, 24.75 lies outside the study region"),
    ({"lat": "56.62372", "lon": "23.2751"}, "centres.csv, row 2, field lat: 56.62372, 23.2751 lies outside Jēkabpils novads"),
    ({"lat": "56.2x"}, "centres.csv, row 2, field lat: '56.2x' is not a number"),
    ({"municipality": "Rīga"}, "centres.csv, row 2, field municipality: 'Rīga' is not a municipality"),
    ({"source": ""}, "centres.csv, row 2, field source: is required"),
    ({"signage_checked_on": "31.12.2025"}, "field signage_checked_on: '31.12.2025' is not a date"),
])
def test_bad_centre_value_is_named(make_app, data_dir, monkeypatch, changes, expected):
    _edit_centres(data_dir, 0, **changes)
    assert expected in _refused(make_app, data_dir, monkeypatch)


def test_duplicate_id_names_both_rows(make_app, data_dir, monkeypatch):
    rows = _edit_centres(data_dir, 0)
    _edit_centres(data_dir, 3, id=rows[0]["id"])
    assert f"centres.csv, row 5, field id: '{rows[0]['id']}' already used on row 2" in _refused(
        make_app, data_dir, monkeypatch)


def test_missing_column_is_named(make_app, data_dir, monkeypatch):
    text = (data_dir / "centres.csv").read_text(encoding="utf-8").replace(",signage_checked_on,", ",checked,", 1)
    (data_dir / "centres.csv").write_text(text, encoding="utf-8")
    assert "centres.csv, header: missing column(s) signage_checked_on" in _refused(make_app, data_dir, monkeypatch)


def _edit_routes(data_dir, edit):
    path = data_dir / "routes.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_route_stop_naming_no_centre(make_app, data_dir, monkeypatch):
    def edit(doc):
        doc["features"][0]["properties"]["stops"][1] = {"centre_id": "no-such-centre"}
    _edit_routes(data_dir, edit)
    message = _refused(make_app, data_dir, monkeypatch)
    assert "routes.geojson, feature 1 (balts-road-selonian), stop 2, field centre_id: 'no-such-centre' names no centre" in message


@pytest.mark.parametrize("field, value, expected", [
    ("colour", "red", "field colour: 'red' is not a colour written #rrggbb"),
    ("geometry_origin", "guessed", "field geometry_origin: 'guessed' is not one of"),
    ("stops", [], "field stops: must be a non-empty list"),
])
def test_bad_route_property_is_named(make_app, data_dir, monkeypatch, field, value, expected):
    _edit_routes(data_dir, lambda doc: doc["features"][1]["properties"].__setitem__(field, value))
    assert f"routes.geojson, feature 2 (uzzini-ka-top), {expected}" in _refused(make_app, data_dir, monkeypatch)


def test_duplicate_route_id(make_app, data_dir, monkeypatch):
    _edit_routes(data_dir, lambda doc: doc["features"][1].__setitem__("id", doc["features"][0]["id"]))
    assert "field id: 'balts-road-selonian' is used twice" in _refused(make_app, data_dir, monkeypatch)


def test_unreadable_file_is_named(make_app, data_dir, monkeypatch):
    (data_dir / "routes.geojson").write_text("{not json", encoding="utf-8")
    assert "routes.geojson: not valid JSON" in _refused(make_app, data_dir, monkeypatch)


def test_seeded_once_then_kept(make_app, tmp_path):
    app = make_app()
    url = app.config["DATABASE_URL"]
    with app.app_context():
        from craftmap import db
        with db.transaction() as conn:
            conn.execute(db.centres.update().where(db.centres.c.id == "dobele-crafts-house").values(phone="+371 1"))
    again = make_app(DATABASE_URL=url)  # a second start, or a second server, on the same database
    with again.app_context():
        from craftmap import db
        assert len(db.all_centres()) == 46
        assert db.get_centre("dobele-crafts-house")["phone"] == "+371 1"


def _set_line(coords):
    return lambda doc: doc["features"][1].__setitem__("geometry", {"type": "LineString", "coordinates": coords})


@pytest.mark.parametrize("edit, expected", [
    (_set_line([[23.27, 56.62], [23.1, 95.0]]),
     "field geometry: the line has a longitude outside -180…180 or a latitude outside -90…90"),
    (_set_line([[23.27, 56.62], [float("nan"), 56.5]]),
     "field geometry: the line has coordinates that are not finite numbers (NaN or infinity)"),
    (_set_line([[23.27, 56.62], [24.75, 59.44]]), "field geometry: the line goes farther than 40 km outside the study region"),
    (_set_line([[23.0 + i * 1e-4, 56.5 + (i % 2) * 1e-3] for i in range(5_001)]),
     "field geometry: the line has 5001 points; at most 5000 are allowed"),
    (lambda doc: doc["features"][1]["properties"]["stops"].append(
        {"name": "Tallinn", "lat": 59.44, "lon": 24.75, "source": "x", "coord_precision": "approximate"}),
     "field lat/lon: 59.44, 24.75 lies farther than 40 km outside the study region"),
])
def test_impossible_or_far_route_geometry_is_named(make_app, data_dir, monkeypatch, edit, expected):
    _edit_routes(data_dir, edit)
    message = _refused(make_app, data_dir, monkeypatch)
    assert "routes.geojson, feature 2 (uzzini-ka-top), " in message and expected in message


@pytest.mark.parametrize("name", ["municipalities.geojson", "study_region.geojson"])
@pytest.mark.parametrize("text", ["", "{not json", '{"type": "FeatureCollection"}', "[1, 2]",
                                  '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
                                  ' "geometry": {"type": "Polygon", "coordinates": "x"}}]}'])
def test_a_boundary_file_that_cannot_be_read_is_named(make_app, data_dir, monkeypatch, name, text):
    (data_dir / name).write_text(text, encoding="utf-8")
    assert f"{name}: cannot be read as GeoJSON" in _refused(make_app, data_dir, monkeypatch)


def test_a_missing_boundary_file_is_named(make_app, data_dir, monkeypatch):
    (data_dir / "study_region.geojson").unlink()
    assert "study_region.geojson: file not found" in _refused(make_app, data_dir, monkeypatch)
