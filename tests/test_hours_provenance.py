"""Opening hours keep the page they come from and its date, and lose both once someone changes the hours
without a word on where the new ones come from: the form, the API and an import alike."""
import datetime
import io

import pytest

from craftmap import db, entry
from tests.test_importing import upload_file
from tests.test_manage import form_of
from tests.test_write_api import headers, token  # noqa: F401 (token is a fixture)

OWN = "dobele-crafts-house"
PAGE = "https://example.org/dobeles-amatu-maja"  # a made-up page, for this test only


def today():
    """Read when asserting, not at import: a run that passes midnight dates the save the next day."""
    return datetime.date.today().isoformat()


@pytest.fixture
def editor(auth):
    auth.login("dobele@example.test")
    return auth


def hours_of(app):
    with app.app_context():
        c = db.get_centre(OWN)
    return c["opening_hours"], c["opening_hours_source"], c["opening_hours_as_of"]


def test_the_form_keeps_a_named_source_and_drops_it_once_the_hours_change_without_one(editor, client, app):
    sent = form_of(app, OWN, opening_hours="Tu-Sa 10:00-17:00", opening_hours_source=PAGE,
                   opening_hours_as_of="2026-05")
    assert editor.post(f"/manage/centres/{OWN}", sent).status_code == 302
    assert hours_of(app) == ("Tu-Sa 10:00-17:00", PAGE, "2026-05")
    page = client.get(f"/centres/{OWN}?lang=en").get_data(as_text=True)
    assert "From example.org, as of May 2026: check before you go." in page

    # the editor changes the hours and leaves the old page in its field: the page no longer says so
    assert editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, opening_hours="Tu-Fr 10:00-16:00")).status_code == 302
    assert hours_of(app) == ("Tu-Fr 10:00-16:00", "", today())
    page = client.get(f"/centres/{OWN}?lang=lv").get_data(as_text=True)
    assert "Ievadīts craftmap" in page and "example.org" not in page

    # another field changes: the hours and where they come from stay as they are
    assert editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, phone="+371 6372 0000")).status_code == 302
    assert hours_of(app) == ("Tu-Fr 10:00-16:00", "", today())

    assert editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, opening_hours="")).status_code == 302
    assert hours_of(app) == ("", "", "")


def test_the_api_keeps_a_source_sent_with_the_hours(client, token, app):
    etag = client.get(f"/api/v1/centres/{OWN}").headers["ETag"]
    response = client.patch(f"/api/v1/centres/{OWN}", headers=headers(token, etag), json={
        "opening_hours": "Mo-Fr 09:00-17:00", "opening_hours_source": PAGE, "opening_hours_as_of": "2026-11-30"})
    assert response.status_code == 200
    p = response.get_json()["properties"]
    assert (p["opening_hours_source"], p["opening_hours_as_of"]) == (PAGE, "2026-11-30")
    response = client.patch(f"/api/v1/centres/{OWN}", headers=headers(token, response.headers["ETag"]),
                            json={"opening_hours": "Mo-Fr 09:00-16:00"})
    assert response.get_json()["properties"]["opening_hours_source"] == ""
    assert hours_of(app) == ("Mo-Fr 09:00-16:00", "", today())


@pytest.mark.parametrize("value", ["2026-13", "2026-02-30", "26-05", "May 2026", "2026-5"])
def test_a_date_that_is_no_day_month_or_year_is_refused_naming_the_field(client, token, app, value):
    before = hours_of(app)
    etag = client.get(f"/api/v1/centres/{OWN}").headers["ETag"]
    response = client.patch(f"/api/v1/centres/{OWN}", headers=headers(token, etag),
                            json={"opening_hours": "Mo 10:00-12:00", "opening_hours_as_of": value})
    assert response.status_code == 422
    assert "opening_hours_as_of" in response.get_data(as_text=True)
    assert hours_of(app) == before


def test_an_imported_row_of_hours_is_dated_the_day_it_was_imported(editor, app):
    text = f"id;version;opening_hours\r\n{OWN};1;Sa 10:00-14:00\r\n"
    response, page = upload_file(editor, text.encode("utf-8"), "c.csv", apply=True)
    assert response.status_code == 302, page[-600:]
    assert hours_of(app) == ("Sa 10:00-14:00", "", today())


@pytest.mark.parametrize("text, ok", [
    ("2023", True), ("2023-05", True), ("2023-05-31", True), ("2024-02-29", True),
    ("2023-13", False), ("2023-00", False), ("2023-02-30", False), ("2023-02-29", False), ("", False),
    ("20234", False), ("2023-5", False), ("2023-05-1", False), ("٢٠٢٣", False)])
def test_a_source_is_dated_by_day_month_or_year(text, ok):
    assert entry.is_partial_iso_date(text) is ok


def test_the_seed_builder_takes_a_fact_only_as_the_research_file_quotes_it_as_explicit(monkeypatch, tmp_path):
    import csv
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parents[1] / "tools"))
    import build_seed
    with open(tmp_path / "facts_2026-12.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, ["source_url", "exact_quote", "confidence"])
        w.writeheader()
        w.writerow({"source_url": PAGE, "exact_quote": "Darba laiks: O-S 10-17", "confidence": "explicit"})
        w.writerow({"source_url": PAGE, "exact_quote": "Vasarā arī svētdienās", "confidence": "probable"})
    (tmp_path / "settlements.csv").write_text("name,lat,lon,source\n", encoding="utf-8")
    monkeypatch.setattr(build_seed, "RESEARCH", tmp_path)
    rows = [{"id": OWN, "opening_hours": "", "source": "https://zemgale.example/report"}]
    quoted = (PAGE, "Darba laiks: O-S 10-17", OWN, {"opening_hours": "Tu-Sa 10:00-17:00", "+source": PAGE})
    monkeypatch.setattr(build_seed, "FACTS_2026_12", [quoted])
    assert build_seed.apply_facts_2026_12([dict(r) for r in rows])[0] == {
        "id": OWN, "opening_hours": "Tu-Sa 10:00-17:00", "source": f"https://zemgale.example/report ; {PAGE}"}
    for fact in [(PAGE, "Vasarā arī svētdienās", OWN, {"opening_hours": "Tu-Su 10:00-17:00"}),
                 ("https://example.org/made-up", "Darba laiks: O-S 10-17", OWN, {"opening_hours": "24/7"})]:
        monkeypatch.setattr(build_seed, "FACTS_2026_12", [quoted, fact])
        with pytest.raises(SystemExit, match=f"no explicit row from {fact[0]}"):
            build_seed.apply_facts_2026_12([dict(r) for r in rows])
