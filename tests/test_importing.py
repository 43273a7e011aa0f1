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


# --- files as spreadsheets save them (synthetic rows, built here) ------------------------------

def upload_file(editor, data, name, apply=False, lang="en"):
    import io
    response = editor.post(f"/manage/import?lang={lang}", {"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    page = htmllib.unescape(re.sub("<[^>]+>", " ", response.get_data(as_text=True)))
    if apply and response.status_code == 200:
        carried = re.search(r'name="upload" value="([^"]+)"', response.get_data(as_text=True)).group(1)
        response = editor.post(f"/manage/import?lang={lang}", {"upload": carried, "apply": "1"})
        page = htmllib.unescape(re.sub("<[^>]+>", " ", response.get_data(as_text=True)))
    return response, re.sub(r"\s+", " ", page)


def props(client, centre_id):
    return client.get(f"/api/v1/centres/{centre_id}").get_json()["properties"]


def test_a_semicolon_csv_with_bom_dates_and_decimal_commas_as_latvian_excel_saves_it(editor, client):
    text = f"id;version;signage_checked_on;lat;lon;coord_precision\r\n{OWN};1;4.5.2025;56,6251;23,2801;approximate\r\n"
    response, page = upload_file(editor, b"\xef\xbb\xbf" + text.encode("utf-8"), "centri.csv", lang="lv")
    assert response.status_code == 200 and "UTF-8" in page and "semikoliem" in page, page[-1500:]
    response, page = upload_file(editor, b"\xef\xbb\xbf" + text.encode("utf-8"), "centri.csv", apply=True)
    assert response.status_code == 302
    p = props(client, OWN)
    assert p["signage_checked_on"] == "2025-05-04"
    geometry = client.get(f"/api/v1/centres/{OWN}").get_json()["geometry"]
    assert geometry["coordinates"] == [23.2801, 56.6251]


def test_a_windows_1257_file_reads_with_its_letters_and_says_so(editor, client):
    lv, lt = "ā č ē ģ ī ķ ļ ņ š ū ž", "ą č ę ė į š ų ū ž"
    data = f"id,version,notes\n{OWN},1,{lv}\n{SECOND},1,{lt}\n".encode("cp1257")
    response, page = upload_file(editor, data, "export.csv")
    assert response.status_code == 200 and "Windows-1257 (Baltic)" in page and lv in page and lt in page
    assert "2 centres would change" in page
    own_name = props(client, OWN)["name"]  # the editor recognises a row by its centre's name, the id beneath it
    assert f" 2 {own_name} {OWN} " in page  # row, name, id
    response, _ = upload_file(editor, data, "export.csv", apply=True)
    assert response.status_code == 302
    assert (props(client, OWN)["notes"], props(client, SECOND)["notes"]) == (lv, lt)


def test_an_impossible_date_is_refused_naming_row_and_field(editor, app):
    before = state(app)
    response, page = upload(editor, f"id,version,signage_checked_on\n{OWN},1,31.02.2025\n", apply=True)
    assert response.status_code == 422
    assert "row 2, column signage_checked_on (Signage checked on) : '31.02.2025' is not a date: write the day as dd.mm.yyyy" in page
    assert state(app) == before


def export_xlsx(client, lang="en"):
    import io

    import openpyxl
    response = client.get(f"/manage/export.xlsx?lang={lang}")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(response.data))


def test_xlsx_export_edited_with_openpyxl_imports_the_edit_only(editor, client, app):
    import io
    book = export_xlsx(client)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == OWN)
    row[header.index("phone")].value = "+371 63 7 12345"
    row[header.index("signage_checked_on")].value = "14.05.2025"
    out = io.BytesIO()
    book.save(out)
    response, page = upload_file(editor, out.getvalue(), "centres.xlsx")
    assert "Excel workbook (XLSX)" in page and "1 centre would change" in page and "0 added" in page
    response, page = upload_file(editor, out.getvalue(), "centres.xlsx", apply=True)
    assert response.status_code == 302
    assert (props(client, OWN)["phone"], props(client, OWN)["signage_checked_on"]) == ("+371 63 7 12345",
                                                                                     "2025-05-14")
    flash = htmllib.unescape(client.get("/manage/").get_data(as_text=True))
    assert "1 centre changed, 1 unchanged." in flash


def test_the_workbook_explains_its_stable_header_in_the_readers_language(editor, client):
    book = export_xlsx(client, "lv")
    centres, columns = book.worksheets
    header = [c.value for c in centres[1]]
    assert header[:3] == ["id", "name", "name_en"]  # the machine header is the same in every language
    meaning = {r[0]: r[1:] for r in columns.iter_rows(min_row=2, values_only=True)}
    assert list(meaning) == header
    assert meaning["wheelchair"][0] == "Piekļuve ratiņkrēslā" and "limited = " in meaning["wheelchair"][1]
    assert "weaving = aušana" in meaning["crafts"][1] and "dd.mm.gggg" in meaning["signage_checked_on"][1]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_imports_back_with_zero_rows_changed(editor, client, app, kind):
    editor.post(f"/manage/centres/{OWN}", {})  # nothing; the export is of the data as it is
    data = client.get(f"/manage/export.{kind}").data
    response, page = upload_file(editor, data, f"centres.{kind}")
    assert response.status_code == 200 and "0 centres would change" in page and "2 unchanged" in page, page[-800:]
    assert "nothing to apply" in page


def test_formula_guard_only_where_a_spreadsheet_would_run_it(app):
    from craftmap import sheets
    kept = ["+371 63 7 12345", "-5", "-", "Dobeles 'Amatu māja'"]
    guarded = ['=HYPERLINK("http://x")', "@SUM(A1)", "+A1", "-2+3+cmd|' /C calc'!A0", "'=1"]
    assert [sheets.safe_cell(v) for v in kept] == kept
    assert all(sheets.safe_cell(v) == "'" + v for v in guarded)
    assert all(sheets.from_cell(sheets.safe_cell(v)) == v for v in kept + guarded)


def _xlsx(rows):
    import io

    import openpyxl
    book = openpyxl.Workbook()
    for r in rows:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(parts):
    import io
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def _bomb():
    parts = {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>",
             "xl/worksheets/sheet1.xml": "<" + " " * 60_000_000 + "/>"}
    return _zip(parts)


@pytest.mark.parametrize("data, name, message", [
    (lambda: _xlsx([["id", "version", "phone"], [OWN, 1, "=HYPERLINK(\"http://x\")"]]), "c.xlsx",
     "Row 2, column phone: '=HYPERLINK(\"http://x\")' is a formula; type its value instead"),
    (_bomb, "c.xlsx", "The workbook unpacks to more than 40 MB"),
    (lambda: _zip({"readme.txt": "hello"}), "c.xlsx", "The file is a zip archive but not an Excel workbook"),
    (lambda: _zip({"[Content_Types].xml": "<x", "xl/workbook.xml": "<y"}), "c.xlsx", "not an Excel workbook"),
    (lambda: _xlsx([["id", "version"]] + [[f"x{i}", 1] for i in range(5001)]), "c.xlsx", "at most 5,000 rows"),
    (lambda: bytes(range(256)) * 40, "centres.csv", "The file is not a CSV text file or an Excel workbook"),
    (lambda: f"id;version;phone\n{OWN},1,+371 1\n".encode(), "c.csv", "row 2, column version : missing"),
    (lambda: "id;x\n".encode() + bytes([0x81, 0x83, 0x88]) * 10, "c.csv", "neither UTF-8 nor Windows-1257"),
])
def test_hostile_files_are_refused_naming_the_file_row_or_field(editor, app, data, name, message):
    before = state(app)
    response, page = upload_file(editor, data(), name)
    assert response.status_code == 422 and message in page, page[-1200:]
    assert state(app) == before


def test_a_formula_message_is_in_the_editors_language(editor):
    _, page = upload_file(editor, _xlsx([["id", "version", "phone"], [OWN, 1, "=1+2"]]), "c.xlsx", lang="lv")
    assert "ir formula" in page and "is a formula" not in page


def test_openpyxl_parses_with_defusedxml(app):
    import openpyxl
    from openpyxl.xml import functions
    assert openpyxl.DEFUSEDXML and functions.iterparse.__module__.startswith("defusedxml")


def test_columns_named_as_the_form_names_them_are_read_and_unknown_ones_refused_by_name(editor, client, app):
    # the header an editor types in Latvian: the form's own field names, any case
    text = f"id;Versija;Darba laiks;PIEZĪMES\r\n{OWN};1;P-Pk 10-17;Auž un ada\r\n"
    response, page = upload_file(editor, text.encode("utf-8"), "centri.csv", apply=True, lang="lv")
    assert response.status_code == 302, page[-600:]
    p = props(client, OWN)
    assert (p["opening_hours"], p["notes"]) == ("Mo-Fr 10:00-17:00", "Auž un ada")
    before = state(app)
    text = f"id;version;Nosaukums;Darba laiki;Piezīmes 2\r\n{OWN};2;Jauns nosaukums;P-Pk 9-17;x\r\n"
    response, page = upload_file(editor, text.encode("utf-8"), "centri.csv", apply=True, lang="lv")
    assert response.status_code == 422 and "'Darba laiki', 'Piezīmes 2'" in page  # never dropped unread
    assert "Nezināmas kolonnas" in page and "Unknown" not in page
    assert state(app) == before
