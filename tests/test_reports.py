"""Frozen reports: a planner keeps a period's figures; later edits move the live figures and never the
frozen ones, on the page, in the CSV and in the API. Only planners freeze, and a bad name is named."""
import re

import pytest

from tests.conftest import Auth

DOBELE = "dobele-crafts-house"


def _freeze(auth, name="report 2026", lang="en"):
    return auth.post(f"/planner/reports?lang={lang}", {"name": name})


def _access_row(html):
    """The cells of the accessibility indicator's row on a frozen report's page, as text."""
    row = re.search(r"<tr>\s*<th scope=\"row\"[^>]*>Accessibility.*?</tr>", html, re.S).group(0)
    return [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _set_wheelchair(app, client, value):
    token = app.test_cli_runner().invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    headers = {"Authorization": f"Bearer {token}"}
    etag = client.get(f"/api/v1/centres/{DOBELE}", headers=headers).headers["ETag"]
    answer = client.patch(f"/api/v1/centres/{DOBELE}", json={"wheelchair": value}, headers=headers | {"If-Match": etag})
    assert answer.status_code == 200, answer.get_json()


def test_a_frozen_report_keeps_its_figures_while_the_live_ones_move(app, client, auth):
    auth.login("planner@example.test")
    answer = _freeze(auth)
    assert answer.status_code == 303
    url = answer.headers["Location"].split("?")[0]
    report_id = int(url.rsplit("/", 1)[1])
    before = _access_row(client.get(url + "?lang=en").get_data(as_text=True))
    csv_before = client.get(f"{url}.csv?lang=en").data
    api_before = client.get(f"/api/v1/reports/{report_id}").get_json()
    # cells: target, frozen value, basis, status, then the live value, basis, status
    assert before[1:4] == before[4:7] and before[2].startswith("0 of")  # they agree on the day of freezing

    _set_wheelchair(app, client, "yes")
    after = _access_row(client.get(url + "?lang=en").get_data(as_text=True))
    assert after[:4] == before[:4]            # the frozen value, basis and status
    assert after[5].startswith("1 of")        # the live basis moved by one
    assert client.get(f"{url}.csv?lang=en").data == csv_before
    assert client.get(f"/api/v1/reports/{report_id}").get_json() == api_before
    dobele = next(r for r in api_before["coverage"]["municipality"] if r["area"] == "Dobeles novads")
    assert dobele["wheelchair_known"] == 0
    listed = client.get("/api/v1/reports").get_json()["reports"]
    assert [r["name"] for r in listed] == ["report 2026"] and listed[0]["data_version"] == api_before["data_version"]
    assert "report 2026" in client.get("/planner/?lang=lv").get_data(as_text=True)


def test_a_frozen_report_reads_in_every_language(client, auth):
    auth.login("planner@example.test")
    url = _freeze(auth).headers["Location"].split("?")[0]
    for lang, word in (("lv", "Iesaldēts"), ("lt", "Užfiksuota"), ("en", "Frozen on")):
        page = client.get(f"{url}?lang={lang}")
        assert page.status_code == 200 and word in page.get_data(as_text=True), lang


@pytest.mark.parametrize("name, field_text", [
    ("", "Nosauciet"), ("   ", "Nosauciet"), ("x" * 81, "80"), ("report\x00 2026", "80"), ("y" * 100_000, "80")])
def test_a_bad_name_is_refused_in_the_pages_language(client, auth, name, field_text):
    auth.login("planner@example.test")
    answer = _freeze(auth, name, lang="lv")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'id="e-name"' in page and field_text in page
    assert "y" * 200 not in page  # a huge name is not sent back whole
    assert client.get("/api/v1/reports").get_json()["reports"] == []


def test_a_name_is_used_once(client, auth):
    auth.login("planner@example.test")
    assert _freeze(auth, "report 2026").status_code == 303
    again = _freeze(auth, "  report   2026 ", lang="lt")
    assert again.status_code == 400 and "jau yra" in again.get_data(as_text=True)
    assert len(client.get("/api/v1/reports").get_json()["reports"]) == 1


def test_only_planners_freeze(app, client, auth):
    assert client.post("/planner/reports", data={"name": "x"}).status_code == 302  # to the sign-in page
    auth.login("dobele@example.test")
    assert _freeze(auth).status_code == 403
    assert "Freeze the figures" not in client.get("/planner/reports?lang=en").get_data(as_text=True)
    other = Auth(app.test_client())
    other.login("planner@example.test")
    assert other.client.post("/planner/reports", data={"name": "x"}).status_code == 400  # no CSRF token
    assert client.get("/api/v1/reports").get_json()["reports"] == []


def test_an_unknown_report_is_404(client):
    assert client.get("/planner/reports/999").status_code == 404
    assert client.get("/planner/reports/999.csv").status_code == 404
    answer = client.get("/api/v1/reports/999")
    assert answer.status_code == 404 and answer.get_json()["field"] == "report_id"
