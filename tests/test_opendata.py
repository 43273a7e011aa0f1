"""Loading data/ again updates what the open data says and keeps what people entered; a reset is
its own command that says what it deletes and asks first."""
import csv
import json
import re

import sqlalchemy as sa

from craftmap import db
from tests.conftest import DATA, PASSWORD


def _edit_centre_csv(data_dir, centre_id, **values):
    path = data_dir / "centres.csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row["id"] == centre_id:
            row.update(values)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _edited_by_editor(app, centre_id, **changes):
    from craftmap import editing
    with app.app_context():
        editing.save_centre(centre_id, changes, db.get_centre(centre_id)["version"], "dobele@example.test",
                            visitors={2025: 900})


def _counts(app):
    with app.extensions["craftmap.engine"].connect() as conn:
        return {t: conn.execute(sa.select(sa.func.count()).select_from(getattr(db, t))).scalar_one()
                for t in ("users", "api_tokens", "changes", "visitor_counts", "centres", "routes")}


def test_reload_updates_from_data_and_keeps_what_people_entered(make_app, data_dir):
    app = make_app(data_dir)
    runner = app.test_cli_runner()
    runner.invoke(args=["user", "add", "dobele@example.test", "--role", "editor", "--municipality", "Dobeles novads"],
                  input=PASSWORD + "\n")
    runner.invoke(args=["token", "create", "dobele@example.test"])
    _edited_by_editor(app, "dobele-crafts-house", phone="+371 63 700 000")
    with app.app_context():
        old_address = db.get_centre("dobele-crafts-house")["address"]
    _edit_centre_csv(data_dir, "dobele-crafts-house", phone="+371 11 111 111", address="(test) a corrected address")
    before = _counts(app)

    preview = runner.invoke(args=["data", "reload"], input="n\n")
    assert f"update centre dobele-crafts-house, address: {old_address!r} -> '(test) a corrected address'" in preview.output
    assert "keep centre dobele-crafts-house, phone: '+371 63 700 000' (edited in craftmap" in preview.output
    with app.app_context():
        assert db.get_centre("dobele-crafts-house")["address"] == old_address  # the preview wrote nothing

    applied = runner.invoke(args=["data", "reload", "--yes"])
    assert applied.exit_code == 0, applied.output
    with app.app_context():
        centre = db.get_centre("dobele-crafts-house")
        assert (centre["address"], centre["phone"]) == ("(test) a corrected address", "+371 63 700 000")
        assert db.visitors("dobele-crafts-house") == {2025: 900}
    after = _counts(app)
    assert after | {"changes": None} == before | {"changes": None}
    assert after["changes"] == before["changes"] + 1  # the address, recorded as the loader's change
    assert "Nothing to change" in runner.invoke(args=["data", "reload"]).output


def test_reload_keeps_a_centre_a_person_added_when_data_gains_its_id(make_app, data_dir):
    from craftmap import editing
    app = make_app(data_dir)
    with app.app_context():
        own = db.get_centre("dobele-crafts-house")
        record = {k: v for k, v in own.items() if k in editing.CENTRE_FIELDS} | {
            "id": "dobele-added-centre", "name": "Entered by the municipality", "phone": "+371 63 700 001"}
        editing.create_centre(record, "dobele@example.test")
    path = data_dir / "centres.csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    rows.append(next(r for r in rows if r["id"] == "dobele-crafts-house") | {
        "id": "dobele-added-centre", "name": "Older open data name", "phone": "+371 11 111 111"})
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    applied = app.test_cli_runner().invoke(args=["data", "reload", "--yes"])
    assert "keep centre dobele-added-centre, name: 'Entered by the municipality'" in applied.output
    with app.app_context():
        centre = db.get_centre("dobele-added-centre")
        assert (centre["name"], centre["phone"]) == ("Entered by the municipality", "+371 63 700 001")


def test_reload_keeps_a_route_a_planner_edited(make_app, data_dir):
    app = make_app(data_dir)
    with app.app_context(), db.transaction() as conn:
        conn.execute(db.routes.update().where(db.routes.c.id == "uzzini-ka-top")
                     .values(version=2, updated_by="planner@example.test", doc=sa.func.replace(db.routes.c.doc, "Uzzini", "Uzzini!")))
    doc = json.loads((data_dir / "routes.geojson").read_text(encoding="utf-8"))
    for feature in doc["features"]:
        feature["properties"]["notes"] += " Checked again."
    (data_dir / "routes.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    output = app.test_cli_runner().invoke(args=["data", "reload", "--yes"]).output
    assert "update route balts-road-selonian" in output
    assert "keep route uzzini-ka-top (edited by a planner" in output
    with app.app_context():
        routes = {r["id"]: r for r in db.all_routes()}
    assert routes["balts-road-selonian"]["notes"].endswith("Checked again.")
    assert routes["uzzini-ka-top"]["name_lv"] == "Uzzini!, kā top!"


def test_reset_says_what_it_deletes_and_asks(make_app, accounts, app):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["data", "reset"], input="n\n")
    assert "This deletes all accounts (3), API tokens (0)" in refused.output
    assert refused.exit_code != 0
    assert _counts(app)["users"] == 3
    done = runner.invoke(args=["data", "reset"], input="y\n")
    assert done.exit_code == 0, done.output
    assert _counts(app) | {"centres": 46} == {"users": 0, "api_tokens": 0, "changes": 0, "visitor_counts": 0,
                                              "centres": 46, "routes": 2}


def test_no_command_drops_everything_under_the_old_name(runner):
    assert runner.invoke(args=["reseed"]).exit_code != 0


def test_a_route_saved_in_the_route_editor_is_kept_by_a_reload(auth, app, data_dir):
    auth.login("planner@example.test")
    page = auth.client.get("/manage/routes/uzzini-ka-top").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    form = {f: re.search(rf'name="{f}"[^>]*value="([^"]*)"', page).group(1) for f in ("name_en", "colour", "source")}
    saved = auth.post("/manage/routes/uzzini-ka-top", form | {
        "version": version, "name_lv": "Uzzini, kā top! (labots)", "stops_text": "folk-applied-art-studio-auce\nml-koks-beehive-workshop",
        "stop_order_origin": "source"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    doc = json.loads((DATA / "routes.geojson").read_text(encoding="utf-8"))
    doc["features"][1]["properties"]["notes"] += " (test) changed in data/."
    (data_dir / "routes.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with app.app_context():
        before = db.get_route("uzzini-ka-top")
    app.config["DATA_DIR"] = data_dir
    output = app.test_cli_runner().invoke(args=["data", "reload", "--yes"]).output
    assert "keep route uzzini-ka-top (edited by a planner" in output
    with app.app_context():
        assert db.get_route("uzzini-ka-top") == before
