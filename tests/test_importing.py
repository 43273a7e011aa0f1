"""CSV import: any file a spreadsheet or a person can make gets a clear answer, and nothing half-written."""
import html as htmllib
import re

import pytest
import sqlalchemy as sa

from craftmap import db, importing

OWN, OTHER = "dobele-crafts-house", "bauska-craft-centre"
SECOND = "folk-applied-art-studio-auce"  # the other centre of Dobeles novads in data/centres.csv


@pytest.fixture
def editor(auth):
    auth.login("dobele@example.test")
    return auth


def state(app):
    with app.app_context():
        return db.all_centres(), db.data_version()


def upload(editor, text, apply=False, lang="en"):
    data = {"csv_text": text} | ({"apply": "1"} if apply else {})
    response = editor.post(f"/manage/import?lang={lang}", data)
    return response, htmllib.unescape(re.sub("<[^>]+>", " ", response.get_data(as_text=True)))


def phone(client, centre_id):
    return client.get(f"/api/v1/centres/{centre_id}").get_json()["properties"]["phone"]


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n", "mixed"])
def test_any_line_ending_imports(editor, client, ending):
    lines = ["id,version,phone", f"{OWN},1,+371 6300 0001", f"{SECOND},1,+371 6300 0002"]
    text = "\r\n".join(lines[:2]) + "\r" + lines[2] + "\n" if ending == "mixed" else ending.join(lines) + ending
    response, _ = upload(editor, text, apply=True)
    assert response.status_code == 302
    assert (phone(client, OWN), phone(client, SECOND)) == ("+371 6300 0001", "+371 6300 0002")


@pytest.mark.parametrize("text, message", [
    (f"id,version,phone\n{OWN},1,{'9' * 200_000}\n", "Row 2 cannot be read"),
    (f"id,version,notes\n{OWN},1,{'x' * 4001}\n", "row 2, column notes : is 4001 characters long; at most 4000"),
    (f"id,version,notes\n{OWN},1,a\x00b\n", "row 2, column notes : contains a control character"),
    (f"id,phone,version,phone\n{OWN},+371 1,1,+371 2\n", "The column 'phone' appears twice in the header"),
    ("id,version,phone\n" + "".join(f"dobele-x{i},,\n" for i in range(importing.MAX_ROWS + 1)),
     "The file has more than 5,000 rows"),
    (f"id,phone\n{OWN},+371 6300 0003\n", "row 2, column version : is needed for a row that changes an existing"),
    (f"id,version,phone\n{OWN},\u00b2,+371 6300 0003\n", "row 2, column version : '\u00b2' is not a version number"),
    (f"id,version,phone\n{OWN},{'1' * 5000},+371 6300 0003\n", "row 2, column version : '111"),
])
def test_a_file_that_cannot_be_imported_says_why_and_changes_nothing(editor, app, text, message):
    before = state(app)
    response, page = upload(editor, text, apply=True)
    assert response.status_code == 422 and message in page, page[-2000:]
    assert state(app) == before


def test_messages_are_in_the_editors_language(editor):
    _, page = upload(editor, f"id,phone,phone\n{OWN},1,2\n", lang="lt")
    assert "Stulpelis 'phone' antraštėje yra du kartus" in page


def test_an_old_export_without_versions_never_undoes_a_colleagues_edit(editor, client, app):
    exported = client.get("/manage/export.csv").data.decode("utf-8-sig")
    header, *rows = exported.splitlines()
    version_at = header.split(",").index("version")
    old = "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != version_at) for line in [header] + rows)
    assert editor.post(f"/manage/centres/{OWN}/close", {"version": "1"}).status_code == 302  # a colleague, meanwhile
    response, page = upload(editor, old + "\n", apply=True)
    assert response.status_code == 422 and "column version : is needed" in page
    assert client.get(f"/api/v1/centres/{OWN}").get_json()["properties"]["status"] == "closed"


def test_new_centres_need_no_version(editor, client):
    response, _ = upload(editor, "id,name,kind,source\ndobele-new-loom,Jaunās stelles,workshop,survey 2026\n",
                         apply=True)
    assert response.status_code == 302
    assert client.get("/api/v1/centres/dobele-new-loom").get_json()["properties"]["wheelchair"] == "unknown"


def test_the_write_is_a_few_statements_whatever_the_number_of_rows(editor, app):
    """The write lock is held for precomputed statements only: their number does not grow with the rows."""
    rows = "".join(f"dobele-bulk-{i},Darbnīca {i},workshop,survey\n" for i in range(300))
    statements = []
    engine = app.extensions["craftmap.write_engine"]
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        response, _ = upload(editor, "id,name,kind,source\n" + rows, apply=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)
    assert response.status_code == 302
    writes = [s for s in statements if not s.lstrip().upper().startswith(("SELECT", "BEGIN", "SAVEPOINT"))]
    assert len(writes) <= 6, writes


@pytest.mark.parametrize("lang, says", [("en", "At most 2 MB and 5,000 rows."), ("lv", "Ne vairāk kā 2 MB un 5 000 rindu.")])
def test_the_form_says_the_limits_before_the_upload(editor, client, lang, says):
    page = htmllib.unescape(client.get(f"/manage/import?lang={lang}").get_data(as_text=True))
    assert says in page.replace("\xa0", " ")
