"""Municipalities edit their own centres: scoped, validated, versioned, recorded, reversible."""
import html as htmllib
import io
import re

import pytest

from craftmap import db

OWN, OTHER = "dobele-crafts-house", "bauska-craft-centre"


def snapshot_of(app):
    with app.app_context():
        return db.all_centres(), db.all_visitor_counts(), db.data_version()


def form_of(app, centre_id, **changes):
    with app.app_context():
        c = db.get_centre(centre_id)
    data = {k: ("" if c[k] is None else c[k]) for k in (
        "name", "name_en", "kind", "settlement", "address", "lat", "lon", "coord_precision", "phone", "email",
        "website", "opening_hours", "opening_hours_source", "opening_hours_as_of", "wheelchair",
        "wheelchair_description", "toilets_wheelchair", "signage", "signage_checked_on", "status", "notes")}
    data |= {"version": c["version"], "crafts": c["crafts"].split(";")} | changes
    return data


@pytest.fixture
def editor(auth):
    auth.login("dobele@example.test")
    return auth


def test_editor_sees_own_centres_with_gaps(editor, client):
    html = client.get("/manage/?lang=en").get_data(as_text=True)
    assert "Dobeles Amatu māja" in html and "Bauskas amatniecības centrs" not in html
    assert "wheelchair access" in html and "visitor count for" in html


def test_edit_shows_at_once_on_map_api_and_planner(editor, client, app):
    response = editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, wheelchair="yes", signage="yes",
                                                            signage_checked_on="2026-11-01", phone="+371 6372 0000",
                                                            visitors_year="2025", visitors_count="1234"))
    assert response.status_code == 302
    props = client.get(f"/api/v1/centres/{OWN}?lang=en").get_json()["properties"]
    assert (props["wheelchair"], props["signage"], props["phone"]) == ("yes", "yes", "+371 6372 0000")
    assert OWN in {f["id"] for f in client.get("/api/v1/centres?wheelchair=yes").get_json()["features"]}
    rows = {r["area"]: r for r in client.get("/api/v1/coverage?by=municipality").get_json()["rows"]}
    assert rows["Dobeles novads"]["wheelchair_yes"] == 1
    assert "1,234" in client.get("/planner/?lang=en").get_data(as_text=True)


def test_signed_in_editor_never_gets_a_reusable_copy_of_a_public_page(editor, client, app):
    page = client.get(f"/centres/{OWN}?lang=en")
    assert "private" in page.headers["Cache-Control"] and "no-cache" in page.headers["Cache-Control"]
    assert "public" not in page.headers["Cache-Control"]
    editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, phone="+371 6372 1111"))
    again = client.get(f"/centres/{OWN}?lang=en", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 200 and "+371 6372 1111" in again.get_data(as_text=True)
    client.post("/manage/logout", data={"csrf_token": editor.csrf("/manage/")})
    assert "public" in client.get(f"/centres/{OWN}?lang=en").headers["Cache-Control"]


@pytest.mark.parametrize("field, value, message", [
    ("opening_hours", "whenever", "cannot be read as opening hours"),
    ("wheelchair", "maybe", "is not one of"),
    ("lat", "56.40794", "lies outside Dobeles novads"),  # Bauska's coordinates
    ("signage_checked_on", "yesterday", "is not a date"),
    ("website", "javascript:alert(document.domain)", "is not a web address starting with http"),
    ("email", "not-an-email", "is not an email address"),
    ("phone", "call me maybe", "is not a phone number"),
])
def test_field_errors_beside_the_field_and_nothing_saved(editor, client, app, field, value, message):
    before = snapshot_of(app)
    changes = {field: value} | ({"lon": "24.19443"} if field == "lat" else {})
    response = editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, **({"phone": "+371 1"} | changes)))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="e-{field}"' in html
    assert message in html
    assert snapshot_of(app) == before


def test_stale_save_is_refused_with_both_versions(editor, client, app):
    first = form_of(app, OWN, phone="+371 111")
    second = form_of(app, OWN, phone="+371 222")
    assert editor.post(f"/manage/centres/{OWN}", first).status_code == 302
    response = editor.post(f"/manage/centres/{OWN}", second)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "+371 111" in html and "+371 222" in html
    assert client.get(f"/api/v1/centres/{OWN}").get_json()["properties"]["phone"] == "+371 111"


def test_a_refused_save_keeps_the_typed_visitor_count(editor, client, app):
    first = form_of(app, OWN, phone="+371 111")
    second = form_of(app, OWN, phone="+371 222", visitors_year="2025", visitors_count="4321")
    assert editor.post(f"/manage/centres/{OWN}", first).status_code == 302
    html = editor.post(f"/manage/centres/{OWN}", second).get_data(as_text=True)
    assert 'name="visitors_year" type="number" min="2000" max="2100" value="2025"' in html
    assert 'value="4321"' in html


def test_reordering_crafts_is_no_change(editor, app):
    from craftmap import editing
    form = form_of(app, OWN, phone="+371 3333")
    editor.post(f"/manage/centres/{OWN}", form | {"crafts": list(reversed(form["crafts"]))})
    with app.app_context():
        assert [c["field"] for c in editing.history(OWN)] == ["phone"]


def test_close_a_centre_never_delete(editor, client, app):
    editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, status="closed"))
    assert OWN not in {f["id"] for f in client.get("/api/v1/centres").get_json()["features"]}
    assert "This centre is closed." in client.get(f"/centres/{OWN}?lang=en").get_data(as_text=True)


def test_add_a_centre(editor, client, app):
    data = form_of(app, OWN, id="dobele-new-workshop", name="Jauna darbnīca", source="municipality survey 2026",
                   lat="56.62", lon="23.28", coord_precision="address", version="")
    del data["version"]
    response = editor.post("/manage/centres/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/api/v1/centres/dobele-new-workshop").get_json()["properties"]["municipality"] == "Dobeles novads"


# --- refusals: an editor of Dobele can never touch Bauska's centres --------------------------------

def test_cannot_open_other_municipalitys_centre_for_editing(editor, client):
    assert client.get(f"/manage/centres/{OTHER}").status_code == 403
    assert client.get(f"/manage/centres/{OTHER}/history").status_code == 403


def test_cannot_change_other_municipalitys_centre(editor, client, app):
    before = snapshot_of(app)
    assert editor.post(f"/manage/centres/{OTHER}", form_of(app, OTHER, phone="+371 999")).status_code == 403
    assert snapshot_of(app) == before


def _csv(rows):
    header = "id,version,phone,wheelchair\n"
    return io.BytesIO(("\ufeff" + header + "".join(f"{a},1,{b},{c}\n" for a, b, c in rows)).encode("utf-8"))


def test_import_preview_then_apply(editor, client, app):
    before = snapshot_of(app)
    preview = editor.post("/manage/import", {"file": (_csv([(OWN, "+371 444", "limited")]), "c.csv")},
                          content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "+371 444" in html and "Limited wheelchair access" in html
    assert snapshot_of(app) == before  # a preview writes nothing
    carried = re.search(r'name="upload" value="([^"]+)"', html).group(1)
    applied = editor.post("/manage/import", {"upload": carried, "apply": "1"})
    assert applied.status_code == 302
    assert client.get(f"/api/v1/centres/{OWN}").get_json()["properties"]["wheelchair"] == "limited"


def test_import_rows_of_other_municipality_are_errors(editor, client, app):
    before = snapshot_of(app)
    response = editor.post("/manage/import", {"file": (_csv([(OWN, "+371 1", "yes"), (OTHER, "+371 2", "yes")]),
                                                       "c.csv")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "row 3, column municipality" in html and "is not your municipality" in html
    applied = editor.post("/manage/import", {"csv_text": f"id,version,phone\n{OWN},1,+371 1\n{OTHER},1,+371 2\n",
                                             "apply": "1"})
    assert applied.status_code == 422 and snapshot_of(app) == before


def test_import_failing_on_last_row_leaves_everything_as_before(editor, client, app):
    before = snapshot_of(app)
    csv_text = f"id,version,phone,wheelchair\n{OWN},1,+371 1,yes\nfolk-applied-art-studio-auce,1,+371 2,perhaps\n"
    response = editor.post("/manage/import", {"csv_text": csv_text, "apply": "1"})
    assert "row 3, column wheelchair" in response.get_data(as_text=True)
    assert snapshot_of(app) == before


DOBELE = {"email": "dobele@example.test", "role": "editor", "municipality": "Dobeles novads"}


def test_import_killed_after_its_last_statement_leaves_everything_as_before(editor, app, monkeypatch):
    from craftmap import importing
    before = snapshot_of(app)
    with app.test_request_context():
        plan = importing.plan(DOBELE, [{"id": OWN, "version": "1", "phone": "+371 7"},
                                       {"id": "dobele-x", "name": "X", "kind": "workshop", "source": "s"}])
        assert [p["action"] for p in plan] == ["update", "create"] and not any(p["errors"] for p in plan)

        def killed(conn):
            raise KeyboardInterrupt("killed")
        monkeypatch.setattr(importing.db, "bump_data_version", killed)  # the write's very last statement
        with pytest.raises(KeyboardInterrupt):
            importing.apply(DOBELE, plan)
    assert snapshot_of(app) == before


def test_export_is_spreadsheet_safe_and_own_only(editor, client, app):
    editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, notes="=HYPERLINK(\"http://x\")"))
    text = client.get("/manage/export.csv").data.decode("utf-8")
    assert text.startswith("\ufeff") and "Dobeles Amatu māja" in text and "Bauskas" not in text
    assert "'=HYPERLINK" in text


def test_export_imports_back_unchanged(editor, client, app):
    editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, phone="+371 6372 0000", notes="=1+2 is kept as text"))
    before = snapshot_of(app)
    exported = client.get("/manage/export.csv").data.decode("utf-8-sig")
    assert ",+371 6372 0000," in exported  # a phone number runs nothing: no visible guard
    response = editor.post("/manage/import", {"csv_text": exported, "apply": "1"})
    assert response.status_code == 302
    assert snapshot_of(app)[:2] == before[:2]
    props = client.get(f"/api/v1/centres/{OWN}").get_json()["properties"]
    assert (props["phone"], props["notes"]) == ("+371 6372 0000", "=1+2 is kept as text")


@pytest.mark.parametrize("csv_text, message", [
    (f"id,phone\n{OWN},+371 1\n{OWN},+371 2\n", f"row 3, column id: '{OWN}' is already on row 2"),
    (f"id,phone,notes\n{OWN}\n", "row 2, column phone: missing: the row has fewer cells than the header"),
    (f"id,phone\n{OWN},+371 1,surplus\n", "row 2, column row: the row has 1 more cells than the header"),
])
def test_import_refuses_repeated_ids_and_misshapen_rows(editor, app, csv_text, message):
    before = snapshot_of(app)
    response = editor.post("/manage/import", {"csv_text": csv_text, "apply": "1"})
    assert message in htmllib.unescape(re.sub("<[^>]+>", "", response.get_data(as_text=True)))
    assert snapshot_of(app) == before


def test_refusals_are_pages_in_the_site_and_its_language_saying_why(editor, client):
    response = client.get(f"/manage/centres/{OTHER}?lang=lt")
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and '<html lang="lt">' in html and "Neleidžiama" in html
    assert "Bauskas novads" in html and "Dobeles novads" in html and 'class="site-footer"' in html
    assert "Only planners enter and edit routes." in client.get("/manage/routes?lang=en").get_data(as_text=True)
    expired = client.post(f"/manage/centres/{OWN}?lang=lv", data={"csrf_token": "ēkspired"})
    assert expired.status_code == 400 and "Veidlapas derīgums ir beidzies" in expired.get_data(as_text=True)


def test_import_of_an_outdated_export_never_undoes_a_colleagues_edit(editor, client, app):
    exported = client.get("/manage/export.csv").data.decode("utf-8-sig")
    editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, phone="+371 7777"))  # a colleague, meanwhile
    before = snapshot_of(app)
    mine = exported.replace("Dobeles Amatu māja", "Dobeles Amatu māja (mine)")
    response = editor.post("/manage/import", {"csv_text": mine, "apply": "1"})
    text = htmllib.unescape(re.sub("<[^>]+>", "", response.get_data(as_text=True)))
    assert "column version: the centre was changed after this file was exported" in text
    assert snapshot_of(app) == before
    assert client.get(f"/api/v1/centres/{OWN}").get_json()["properties"]["phone"] == "+371 7777"


def test_apply_refuses_a_plan_overtaken_by_an_edit(app):
    from craftmap import editing, importing
    with app.test_request_context(), app.app_context():
        version = db.get_centre(OWN)["version"]
        plan = importing.plan(DOBELE, [{"id": OWN, "phone": "+371 8888", "version": str(version)}])
        assert plan[0]["errors"] == []
        editing.save_centre(OWN, {"phone": "+371 9999"}, version, "colleague")
        with pytest.raises(editing.Conflict):
            importing.apply(DOBELE, plan)
        assert db.get_centre(OWN)["phone"] == "+371 9999"


def test_planner_lists_and_exports_every_centre_read_only(auth, client):
    auth.login("planner@example.test")
    html = client.get("/manage/?lang=en").get_data(as_text=True)
    assert "Dobeles Amatu māja" in html and "Bauskas amatniecības centrs" in html
    assert f'href="/centres/{OWN}?lang=en"' in html and f'href="/manage/centres/{OWN}?' not in html
    assert f'href="/manage/centres/{OWN}/history?lang=en"' in html  # planners read histories, here as in the API
    assert client.get(f"/manage/centres/{OWN}/history").status_code == 200
    assert "Bauskas" in client.get("/manage/export.csv").data.decode("utf-8")


def test_error_summary_names_fields_by_their_labels_and_links_to_them(editor, app):
    html = editor.post(f"/manage/centres/{OWN}?lang=lv", form_of(app, OWN, opening_hours="whenever")).get_data(
        as_text=True)
    assert '<a href="#f-opening_hours">Darba laiks</a>' in html


def test_history_shows_local_time(editor, client, app):
    import datetime
    from zoneinfo import ZoneInfo
    editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, phone="+371 4444"))
    html = client.get(f"/manage/centres/{OWN}/history?lang=lv").get_data(as_text=True)
    hour, minute = map(int, re.search(r"<small>[^<]*?(\d{1,2}):(\d{2})", html).groups())
    now = datetime.datetime.now(ZoneInfo("Europe/Riga"))
    shown = now.replace(hour=hour, minute=minute)
    assert abs((now - shown).total_seconds()) < 180, (hour, minute, now)


def test_the_form_takes_its_length_limits_from_the_registry(editor, client):
    from craftmap.validation import MAX_CHARS
    html = client.get(f"/manage/centres/{OWN}").get_data(as_text=True)
    for field in ("name", "notes", "website", "address"):
        assert re.search(rf'name="{field}" [^>]*maxlength="{MAX_CHARS[field]}"', html), field


@pytest.mark.parametrize("changes, field", [
    ({"name": "Dobeles\x00Amatu māja"}, "name"),
    ({"notes": "x" * 4001}, "notes"),
    ({"visitors_year": "2025", "visitors_count": str(10**30)}, "visitors"),
    ({"visitors_year": "2025", "visitors_count": "10000001"}, "visitors"),
])
def test_form_refuses_control_characters_overlong_text_and_impossible_counts(editor, app, changes, field):
    before = snapshot_of(app)
    response = editor.post(f"/manage/centres/{OWN}?lang=lv", form_of(app, OWN, **changes))
    html = htmllib.unescape(response.get_data(as_text=True))
    label = {"name": "Nosaukums", "notes": "Piezīmes", "visitors": "Apmeklētāji"}[field]
    assert response.status_code == 422 and f'<a href="#f-{"visitors_year" if field == "visitors" else field}">{label}</a>' in html
    assert snapshot_of(app) == before


def test_a_refused_name_is_kept_in_its_field_but_the_heading_names_the_centre(editor, app):
    with app.app_context():
        stored = db.get_centre(OWN)["name"]
    response = editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, name="N" * 300))
    html = htmllib.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and f"<h1>{stored}</h1>" in html and 'value="' + "N" * 300 in html


@pytest.mark.parametrize("typed, stored", [("14.05.2025", "2025-05-14"), ("4.5.2025", "2025-05-04"),
                                           ("2025-05-14", "2025-05-14")])
def test_the_form_takes_dates_as_people_type_them(editor, client, app, typed, stored):
    response = editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, signage_checked_on=typed, lat="56,6251"))
    assert response.status_code == 302
    props = client.get(f"/api/v1/centres/{OWN}").get_json()
    assert props["properties"]["signage_checked_on"] == stored and props["geometry"]["coordinates"][1] == 56.6251


def test_an_impossible_date_is_kept_as_typed_and_named_in_the_page_language(editor, client, app):
    editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, signage_checked_on="2025-05-14"))
    response = editor.post(f"/manage/centres/{OWN}?lang=lv", form_of(app, OWN, signage_checked_on="2026-13-40"))
    html = htmllib.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and 'value="2026-13-40"' in html
    assert "'2026-13-40' nav datums: rakstiet dienu kā dd.mm.gggg" in html and 'placeholder="dd.mm.gggg"' in html
    assert client.get(f"/api/v1/centres/{OWN}").get_json()["properties"]["signage_checked_on"] == "2025-05-14"


def test_a_refused_save_names_every_problem_at_once_not_the_first_kind(editor, client, app):
    before = snapshot_of(app)
    response = editor.post(f"/manage/centres/{OWN}?lang=en", form_of(
        app, OWN, signage_checked_on="2026-13-40", email="not-an-email", wheelchair="maybe",
        visitors_year="2025", visitors_count="-3"))
    html = htmllib.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    for field in ("signage_checked_on", "email", "wheelchair", "visitors"):
        assert f'id="e-{field}"' in html, field
    assert "'2026-13-40' is not a date" in html and "is not an email address" in html and "is not one of" in html
    assert snapshot_of(app) == before


def test_a_new_centre_refused_for_a_date_also_names_its_missing_name(editor, app):
    response = editor.post("/manage/centres/new?lang=en", {"id": "a-new-place", "signage_checked_on": "40.13.2026",
                                                           "source": "field visit"})
    html = htmllib.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and 'id="e-signage_checked_on"' in html and 'id="e-name"' in html


def test_an_import_row_with_a_bad_date_still_names_its_other_problems(editor, app):
    before = snapshot_of(app)
    csv_text = f"id,version,signage_checked_on,wheelchair\n{OWN},999,14.13.2025,maybe\n"
    response = editor.post("/manage/import?lang=en", {"csv_text": csv_text})
    text = htmllib.unescape(re.sub("<[^>]+>", "", response.get_data(as_text=True)))
    assert response.status_code == 422
    assert "'14.13.2025' is not a date" in text and "'maybe' is not one of" in text
    assert "the centre was changed after this file was exported" in text
    assert snapshot_of(app) == before
