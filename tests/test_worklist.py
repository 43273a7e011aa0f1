"""The survey worklist: in priority order (route stops, the Mid-Baltic network, the rest; never surveyed
before surveyed long ago), filtered, sorted, exported, printed as survey sheets, and on an editor's start
page for their own municipality only."""
import csv
import html
import io
import re
import uuid

import pytest
from python_calamine import CalamineWorkbook

from craftmap import auth as accounts, db, surveys, worklist

ROUTE = "balts-road-selonian"


def _ids(html):
    return re.findall(r'<tr data-centre="([^"]+)"', html)


def _survey(app, centre_id, on, answers=None):
    """A survey on day ``on`` that leaves access unknown (only the door is measured)."""
    with app.test_request_context("/?lang=en"):
        user = accounts.user_by_email("dobele@example.test") | {"role": "admin"}
        surveys.save(user, centre_id, {"id": uuid.uuid4().hex, "surveyed_on": on,
                                       "answers": answers or {"door_width_cm": "95"}}, db.get_centre(centre_id)["version"])


def test_route_stops_come_first_then_the_network_then_the_rest(client):
    html = client.get("/planner/gaps?lang=en").get_data(as_text=True)
    priorities = re.findall(r'data-label="Priority">(stop of a route|Mid-Baltic network|other centre)', html)
    assert len(priorities) == 46 and priorities == sorted(priorities, key=["stop of a route", "Mid-Baltic network",
                                                                             "other centre"].index)
    assert "46 of 46 active centres to survey" in html
    assert "Stops of routes: 10; in the Mid-Baltic network: 5; other centres: 31." in html


def test_never_surveyed_comes_before_surveyed_long_ago_before_surveyed_lately(app, client, accounts):
    stops = _ids(client.get(f"/planner/gaps?route={ROUTE}").get_data(as_text=True))
    first, second = stops[0], stops[1]
    _survey(app, first, "2025-06-01")
    _survey(app, second, "2021-04-20")
    again = _ids(client.get(f"/planner/gaps?route={ROUTE}&lang=en").get_data(as_text=True))
    assert again[-2:] == [second, first] and set(again) == set(stops)
    html = client.get(f"/planner/gaps?route={ROUTE}&lang=en").get_data(as_text=True)
    assert "April 20, 2021" in html and html.count(">never<") == len(stops) - 2
    by_date = _ids(client.get(f"/planner/gaps?route={ROUTE}&sort=surveyed").get_data(as_text=True))
    assert by_date[-2:] == [second, first]


@pytest.mark.parametrize("query, field", [
    ("municipality=Nowhere", "municipality"), ("route=no-such-route", "route"), ("gap=colour", "gap"),
    ("sort=rating", "sort"), ("municipality=" + "x" * 50_000, "municipality"), ("gap=%00%01", "gap")])
def test_a_filter_that_is_not_one_of_its_values_is_named(client, query, field):
    for path in ("/planner/gaps", "/planner/gaps.csv", "/planner/gaps.xlsx", "/planner/gaps/sheets"):
        answer = client.get(f"{path}?{query}&lang=lv")
        page = answer.get_data(as_text=True)
        main = page.split('<main id="main"')[-1].split("</main>")[0]  # the message, not the language links
        assert answer.status_code == 400 and f"{field} " in main and "x" * 100 not in main, path


def test_filters_narrow_the_list_and_the_sort_links_keep_them(client):
    dobele = client.get("/planner/gaps?municipality=Dobeles+novads&lang=en").get_data(as_text=True)
    with client.application.app_context():
        own = {c["id"] for c in db.all_centres() if c["municipality"] == "Dobeles novads"}
    assert set(_ids(dobele)) == own and f"{len(own)} of 46 active centres to survey" in dobele
    assert 'href="/planner/gaps?municipality=Dobeles+novads&amp;sort=centre&amp;lang=en"' in dobele
    located = _ids(client.get("/planner/gaps?gap=location").get_data(as_text=True))
    with client.application.app_context():
        unlocated = {c["id"] for c in db.all_centres() if c["lat"] is None}
    assert set(located) == unlocated and len(located) == 16
    by_name = client.get("/planner/gaps?sort=centre&lang=en").get_data(as_text=True)
    names = [html.unescape(n) for n in re.findall(r'<th scope="row" data-label="Centre"><a [^>]*>([^<]+)</a>', by_name)]
    assert names == sorted(names, key=worklist.name_key) and 'aria-sort="ascending"' in by_name


def test_the_worklist_exports_as_csv_and_xlsx_with_its_filters(client):
    text = client.get(f"/planner/gaps.csv?route={ROUTE}").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    html = client.get(f"/planner/gaps?route={ROUTE}").get_data(as_text=True)
    assert [r["id"] for r in rows] == _ids(html) and rows[0]["priority"] == "route_stop"
    assert all(ROUTE in r["routes"].split("; ") for r in rows) and rows[0]["gaps"] == "wheelchair; signage"
    book = CalamineWorkbook.from_filelike(io.BytesIO(client.get(f"/planner/gaps.xlsx?route={ROUTE}&lang=lv").data))
    sheet = book.get_sheet_by_index(0).to_python()
    assert sheet[0][:3] == ["id", "name", "municipality"] and [r[0] for r in sheet[1:]] == [r["id"] for r in rows]
    legend = book.get_sheet_by_index(1).to_python()
    assert any(r[0] == "gaps" and "location = atrašanās vieta" in r[2] for r in legend)


def test_survey_sheets_give_one_page_a_centre_with_what_to_check(client):
    html = client.get("/planner/gaps/sheets?municipality=Dobeles+novads&lang=lv").get_data(as_text=True)
    sheets = re.findall(r'<section class="sheet".*?</section>', html, re.S)
    assert len(sheets) == len(_ids(client.get("/planner/gaps?municipality=Dobeles+novads").get_data(as_text=True)))
    for sheet in sheets:
        assert "Augstākais pakāpiens pie ieejas, cm" in sheet and "Norāde pie ieejas" in sheet
        assert 'class="sheet-map"' in sheet and "<circle" in sheet  # both Dobele centres are located
        assert re.search(r"datu versija \d+", sheet)


def test_an_editor_sees_their_own_worklist_first(client, auth):
    auth.login("dobele@example.test")
    html = client.get("/manage/?lang=en").get_data(as_text=True)
    own = re.search(r'<section class="own-worklist".*?</section>', html, re.S).group(0)
    listed = re.findall(r'<li data-centre="([^"]+)"', own)
    assert listed == _ids(client.get("/planner/gaps?municipality=Dobeles+novads").get_data(as_text=True))
    assert listed and "survey" in own and "never surveyed" in own
    with client.application.app_context():
        bauska = {c["id"] for c in db.all_centres() if c["municipality"] == "Bauskas novads"}
    assert not bauska & set(listed)


def test_sorted_by_centre_in_latvian_and_lithuanian_letter_order():
    names = ["Šiaulių dailės galerija", "Vīpes amatu māja", "Svētes muiža", "Sēlijas sēta", "\"Kristell\" sveču darbnīca",
             "Čiekurs", "Cirulīši", "Ābeles", "Zeltiņi"]
    assert sorted(names, key=worklist.name_key) == [
        "Ābeles", "Cirulīši", "Čiekurs", "\"Kristell\" sveču darbnīca", "Sēlijas sēta", "Svētes muiža",
        "Šiaulių dailės galerija", "Vīpes amatu māja", "Zeltiņi"]
