"""Opening hours: the library's grammar, the shorthand editors type, the readable text, state on a day."""
import datetime

import pytest
from flask_babel import force_locale

from craftmap import db, hours, hours_text
from tests.test_manage import OWN, editor, form_of  # noqa: F401 (editor is a fixture)

VALID = ["24/7", "Mo-Fr 10:00-18:00", "Mo-Fr 10:00-18:00, PH off", "Mo-Fr 08:00-12:00, 13:00-17:00",
         "Mo-Fr 10:00+", "sunrise-sunset", "easter off", "Mo-Fr 09:00-17:00; PH off", "Sa,Su 10:00-14:00",
         "May-Sep Tu-Su 10:00-17:00; PH off", "Mo-Fr 08:00-12:00,13:00-17:00; Sa 10:00-14:00", "Su off",
         "Mo-Fr 10:00-18:00 \"by appointment\"", "Mo-Fr 22:00-02:00", "Dec 24-26 off", "Mo-Su 10:00-17:00; PH 10:00-14:00",
         "Mo-Fr 10:00-18:00 || unknown", "Tu-Sa 11:00-17:00; Jan-Mar off", "Mo,We,Fr 10:00-12:00",
         "Mo-Fr 10:00-26:00", "PH off; Mo-Fr 10:00-18:00", "Mo[1] 10:00-12:00"]
INVALID = ["Mo-Fr 24:30-24:45", "whenever", "by appointment", "Mo-Fr 25:00-26:00", "Mo-Fr 10:00-18:00 \"a \"b\" c\"",
           "Mo-Fr 10:00:00-18:00", "Xy 10:00-12:00", "Mo-Fr 9-5", "Mo-Fr 9.10-17.00", "10:00-"]


@pytest.mark.parametrize("text", VALID)
def test_the_library_reads_valid_osm_hours(app, text):
    with app.test_request_context():
        assert hours.problem(text, "LV") is None


@pytest.mark.parametrize("text", INVALID)
def test_unreadable_hours_are_refused_with_an_example(app, text):
    with app.test_request_context():
        message = hours.problem(text, "LV")
    assert message and ("e.g." in message or "09:10" in message)


@pytest.mark.parametrize("typed, country, stored", [
    ("Mo-Fr 9:00-17:00", "LV", "Mo-Fr 09:00-17:00"),
    ("Mo-Fr 10-17", "LV", "Mo-Fr 10:00-17:00"),
    ("P-Pk 9-17", "LV", "Mo-Fr 09:00-17:00"),
    ("P–Pk 9.00–17.00; S 10–14", "LV", "Mo-Fr 09:00-17:00; Sa 10:00-14:00"),
    ("p, t 10-12", "LV", "Mo,We 10:00-12:00"),
    ("O-Sv 10:00-17:00\nPH off", "LV", "Tu-Su 10:00-17:00; PH closed"),
    ("I–V 8–17 val., VI 9–15 val.", "LT", "Mo-Fr 08:00-17:00; Sa 09:00-15:00"),
    ("Pr-Pn 9-18; Š 10-15; Sk off", "LT", "Mo-Fr 09:00-18:00; Sa 10:00-15:00"),
    ("I-VII 10-16", "LT", "10:00-16:00"),
    ("Mon–Fri 10:00—18:00", None, "Mo-Fr 10:00-18:00"),
    ("Tuesday-Saturday 11-17 h", None, "Tu-Sa 11:00-17:00"),
    ("Mo-Fr 10:00-18:00, PH off", "LV", "Mo-Fr 10:00-18:00, PH closed"),
])
def test_shorthand_is_stored_as_the_librarys_normalised_form(app, typed, country, stored):
    with app.test_request_context():
        assert hours.normalise(typed, country) == stored
        assert hours.normalise(stored, country) == stored  # normalising again changes nothing


@pytest.mark.parametrize("typed, country, lang, says", [
    ("S 10-14", "LT", "lt", "šeštadienį arba sekmadienį"),  # S is Saturday in Latvian, Sunday in Lithuanian
    ("P-Pk 9-5", "LV", "lv", "24 stundu"),
    ("Mo-Fr 9.10-17.00", "LV", "en", "could be a date or a time"),
    ("Pk-P 10-17", "LT", "lt", "negalima perskaityti"),  # Latvian shorthand is not guessed on a Lithuanian centre
])
def test_ambiguous_input_is_refused_in_the_pages_language(app, typed, country, lang, says):
    with app.test_request_context(), force_locale(lang):
        assert says in hours.problem(typed, country)


@pytest.mark.parametrize("stored, lang, text", [
    ("Mo-Fr 09:00-17:00; PH off", "lv", "pirmdiena–piektdiena 09:00–17:00; svētku dienās slēgts"),
    ("Mo-Fr 09:00-17:00; PH off", "lt", "pirmadienis–penktadienis 09:00–17:00; švenčių dienomis uždaryta"),
    ("Mo-Fr 09:00-17:00; PH off", "en", "Monday–Friday 09:00–17:00; closed on public holidays"),
    ("Mo,We,Fr 10:00-12:00", "en", "Monday, Wednesday, Friday 10:00–12:00"),
    ("Mo-Fr 08:00-12:00,13:00-17:00; Sa 10:00-14:00", "lv",
     "pirmdiena–piektdiena 08:00–12:00, 13:00–17:00; sestdiena 10:00–14:00"),
    ("Mo-Su 10:00-17:00; PH 10:00-14:00", "en", "Monday–Sunday 10:00–17:00; on public holidays 10:00–14:00"),
    ("PH off; Mo-Fr 10:00-18:00", "en", "Monday–Friday 10:00–18:00"),  # later rule wins: weekday holidays open
    # seasons, read month by month off the library: a closed season says so, and one may run over the new year
    ("May-Sep Tu-Su 10:00-17:00; PH off", "en",
     "May–September: Tuesday–Sunday 10:00–17:00 · October–April: closed · closed on public holidays"),
    ("Oct-Apr We-Sa 09:00-17:30; May-Sep Tu 10:00-17:30; May-Sep We-Sa 10:00-18:30; May-Sep Su 10:00-17:30", "lt",
     "gegužė–rugsėjis: antradienis, sekmadienis 10:00–17:30; trečiadienis–šeštadienis 10:00–18:30 · "
     "spalis–balandis: trečiadienis–šeštadienis 09:00–17:30"),
    ("Jun-Aug Mo-Su 09:00-17:00; Sep-May Mo-Sa 09:00-17:00", "lv",
     "jūnijs–augusts: pirmdiena–svētdiena 09:00–17:00 · septembris–maijs: pirmdiena–sestdiena 09:00–17:00"),
    ("Jul Mo 10:00-12:00", "en", "July: Monday 10:00–12:00 · August–June: closed"),
    ("sunrise-sunset", "lv", "sunrise-sunset"),
    ("Mo-Fr 10:00-18:00 \"by appointment\"", "lt", "Mo-Fr 10:00-18:00 \"by appointment\""),
    ("Mo-Su 10:00-17:00; easter off", "en", "10:00-17:00; easter closed"),
])
def test_readable_text_comes_from_the_library_or_the_normalised_string(app, stored, lang, text):
    with app.test_request_context():
        assert hours_text.describe(stored, "LV", lang) == text


def test_state_on_counts_latvian_and_lithuanian_holidays():
    oh = "Mo-Su 10:00-17:00; PH off"
    assert hours.state_on(oh, datetime.date(2026, 11, 18), "LV") == {"state": "closed", "intervals": []}
    assert hours.state_on(oh, datetime.date(2026, 11, 18), "LT")["state"] == "open"
    assert hours.state_on(oh, datetime.date(2026, 2, 16), "LT") == {"state": "closed", "intervals": []}
    assert hours.state_on(oh, datetime.date(2026, 2, 16), "LV") == {"state": "open",
                                                                    "intervals": [("10:00", "17:00")]}
    assert hours.state_on("", datetime.date(2026, 2, 16), "LV")["state"] == "unknown"
    assert hours.state_on("Mo-Su unknown", datetime.date(2026, 2, 16), "LV")["state"] == "unknown"


def _stored(app):
    with app.app_context():
        return db.get_centre(OWN)["opening_hours"]


def test_form_stores_shorthand_normalised(editor, app):  # noqa: F811
    response = editor.post(f"/manage/centres/{OWN}", form_of(app, OWN, opening_hours="P-Pk 9-17"))
    assert response.status_code == 302 and _stored(app) == "Mo-Fr 09:00-17:00"
    page = editor.client.get(f"/centres/{OWN}?lang=lv").get_data(as_text=True)
    assert "pirmdiena–piektdiena 09:00–17:00" in page


def test_api_stores_shorthand_normalised(client, app, runner, accounts):
    token = runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    response = client.patch(f"/api/v1/centres/{OWN}", json={"opening_hours": "Mon–Fri 10–18"},
                            headers={"Authorization": f"Bearer {token}", "If-Match": "*"})
    assert response.status_code == 200 and _stored(app) == "Mo-Fr 10:00-18:00"
    assert response.get_json()["properties"]["opening_hours_text"] == "Monday–Friday 10:00–18:00"


def test_import_stores_shorthand_normalised(editor, app):  # noqa: F811
    with app.app_context():
        version = db.get_centre(OWN)["version"]
    csv_text = f"id,version,opening_hours\n{OWN},{version},P-Pk 9.00-17.00\n"
    response = editor.post("/manage/import", {"csv_text": csv_text, "apply": "1"})
    assert response.status_code == 302 and _stored(app) == "Mo-Fr 09:00-17:00"


@pytest.mark.parametrize("text", ["P" * 10_000, "Mo-Fr\x0010:00-18:00", "Mo-Fr 24:30-24:45", 'Mo "a "b" c"'])
def test_hostile_hours_are_refused_naming_the_field_in_the_pages_language(editor, app, text):  # noqa: F811
    before = _stored(app)
    response = editor.post(f"/manage/centres/{OWN}?lang=lv", form_of(app, OWN, opening_hours=text))
    assert response.status_code == 422 and '<a href="#f-opening_hours">Darba laiks</a>' in response.get_data(as_text=True)
    preview = editor.client.get("/manage/hours/preview", query_string={"text": text, "country": "LV", "lang": "lt"})
    assert preview.status_code == 422 and preview.get_json()["error"].startswith("Darbo laikas")
    assert _stored(app) == before


def test_preview_needs_a_login_and_a_country(client, editor):  # noqa: F811
    ok = editor.client.get("/manage/hours/preview?text=P-Pk+9-17&country=LV&lang=lv").get_json()
    assert ok == {"stored": "Mo-Fr 09:00-17:00", "text": "pirmdiena–piektdiena 09:00–17:00"}
    assert editor.client.get("/manage/hours/preview?text=x&country=XX").status_code == 400
    empty = editor.client.get("/manage/hours/preview?text=+&country=LT&lang=en")
    assert empty.status_code == 200 and empty.get_json()["text"] == "No opening hours: they are shown as unknown"
    editor.client.post("/manage/logout", data={"csrf_token": editor.csrf("/manage/")})
    refused = editor.client.get("/manage/hours/preview?text=x&country=LV")
    assert refused.status_code == 401 and refused.is_json


def test_a_late_preview_does_not_undo_the_session_of_a_save(editor):  # noqa: F811
    """The reading answers while the editor may already have saved: its cookie would bring back the
    session from before the save, and the "Saved." message with it was lost."""
    preview = editor.client.get("/manage/hours/preview?text=P-Pk+9-17&country=LV")
    assert preview.status_code == 200 and "Set-Cookie" not in preview.headers
    assert "Set-Cookie" in editor.client.get("/manage/").headers  # a page still keeps the session alive


@pytest.mark.parametrize("source, as_of, lang, text", [
    ("https://www.muziejai.lt/Pasvalys/x.htm", "", "en", "From an undated page of www.muziejai.lt: check before you go."),
    ("http://kulturaskarte.lv/lv/x", "2023", "en", "From kulturaskarte.lv, as of 2023: check before you go."),
    ("http://kulturaskarte.lv/lv/x", "2023-05", "en", "From kulturaskarte.lv, as of May 2023: check before you go."),
    ("", "2026-05-14", "en", "As of May 14, 2026 (entered in craftmap)."),
    ("", "", "en", ""),  # nothing recorded of old hours: nothing said, rather than a guess
])
def test_the_hours_say_where_they_come_from_and_how_old_they_are(app, source, as_of, lang, text):
    with app.test_request_context():
        assert hours_text.provenance("Mo 10:00-12:00", source, as_of, lang) == text
        assert hours_text.provenance("", source, as_of, lang) == ""  # no hours, nothing to date
