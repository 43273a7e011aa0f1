"""An editor in Latvian imports a semicolon CSV and an XLSX round trip; screenshots of the import page."""
import os
import re
import tempfile
from pathlib import Path

import openpyxl
import pytest

from tests.browser.conftest import Watched
from tests.browser.test_manage import server  # noqa: F401  (the module's live server with Dobele's editor)
from tests.conftest import PASSWORD

SHOTS = Path(os.environ.get("CRAFTMAP_SCREENSHOTS", Path(tempfile.gettempdir()) / "craftmap-screenshots"))
OWN = "dobele-crafts-house"


def signed_in(browser, server, lang, **context):
    page = browser.new_context(**context).new_page()
    page.goto(f"{server.url}/manage/login?lang={lang}")
    page.fill("#email", "dobele@example.test")
    page.fill("#password", PASSWORD)
    page.locator("form.narrow button[type=submit]").click()
    return page


def test_semicolon_csv_with_dates_and_decimal_commas_in_latvian(browser, server, tmp_path):  # noqa: F811
    page = signed_in(browser, server, "lv")
    watched = Watched(page, server.url)
    version = server.app.test_client().get(f"/api/v1/centres/{OWN}").get_json()["properties"]["version"]
    path = tmp_path / "centri.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (f"id;version;signage_checked_on;lat;lon;coord_precision\r\n"
                                        f"{OWN};{version};14.05.2025;56,6251;23,2801;approximate\r\n").encode())
    page.goto(f"{server.url}/manage/import?lang=lv")
    page.get_by_label("CSV vai Excel fails (.csv, .xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Priekšskatīt").click()
    text = page.locator("main").inner_text()
    assert "UTF-8 ar baitu secības zīmi (BOM)" in text and "semikoliem" in text
    assert "1 centrs mainītos" in text and "2025-05-14" in text
    page.get_by_role("button", name=re.compile("Saglabāt izmaiņas")).click()
    assert "1 centrs mainīts" in page.locator(".flash").inner_text()
    assert watched.errors == [] and watched.foreign_requests() == []


def test_a_windows_1257_file_in_lithuanian_keeps_its_letters(browser, server, tmp_path):  # noqa: F811
    page = signed_in(browser, server, "lt")
    version = server.app.test_client().get(f"/api/v1/centres/{OWN}").get_json()["properties"]["version"]
    notes = "Šaukštų drožyba, ąžuolas ir ėglės"  # no UTF-8 reader takes these cp1257 bytes
    path = tmp_path / "centrai.csv"
    path.write_bytes(f"id;version;notes\r\n{OWN};{version};{notes}\r\n".encode("cp1257"))
    page.goto(f"{server.url}/manage/import?lang=lt")
    page.get_by_label("CSV arba Excel failas (.csv, .xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Peržiūrėti").click()
    text = page.locator("main").inner_text()
    assert "Windows-1257 (Baltijos)" in text and "kabliataškiais" in text and notes in text, text[-800:]
    assert "1 centras pasikeistų" in text
    page.get_by_role("button", name=re.compile("Išsaugoti 1 centro pakeitimus")).click()
    assert "1 centras pakeistas" in page.locator(".flash").inner_text()
    stored = server.app.test_client().get(f"/api/v1/centres/{OWN}").get_json()["properties"]["notes"]
    assert stored == notes


def test_xlsx_round_trip_export_edit_import(browser, server, tmp_path):  # noqa: F811
    page = signed_in(browser, server, "lv")
    page.goto(f"{server.url}/manage/import?lang=lv")
    with page.expect_download() as download:
        page.get_by_role("link", name="Eksportēt XLSX").first.click()
    path = tmp_path / "centri.xlsx"
    download.value.save_as(path)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == OWN)
    row[header.index("phone")].value = "+371 63 7 12345"
    book.save(path)
    page.get_by_label("CSV vai Excel fails (.csv, .xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Priekšskatīt").click()
    text = page.locator("main").inner_text()
    assert "Excel darbgrāmata (XLSX)" in text and "1 centrs mainītos" in text and "+371 63 7 12345" in text
    page.get_by_role("button", name=re.compile("Saglabāt izmaiņas")).click()
    assert "1 centrs mainīts" in page.locator(".flash").inner_text()


@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
@pytest.mark.parametrize("size", ["mobile", "desktop"])
def test_screenshots_of_import_page_and_preview(browser, server, lang, size, tmp_path):  # noqa: F811
    context = ({"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
               if size == "mobile" else {"viewport": {"width": 1366, "height": 800}})
    page = signed_in(browser, server, lang, **context)
    SHOTS.mkdir(exist_ok=True)
    page.goto(f"{server.url}/manage/import?lang={lang}")
    page.screenshot(path=SHOTS / f"import-{lang}-{size}.png", full_page=True)
    path = tmp_path / "c.csv"
    path.write_bytes("id;version;notes\ndobele-crafts-house;999;ā č ē ģ ī ķ ļ ņ š ū ž\n".encode("cp1257"))
    page.locator("#file").set_input_files(str(path))
    page.locator("form.narrow button[type=submit]").click()
    assert "1257" in page.locator(".file-read").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=SHOTS / f"import-preview-{lang}-{size}.png", full_page=True)
