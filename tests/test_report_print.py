"""The printable report: its dated summary, its maps, and the stylesheet that stamps every printed page."""
import csv
import html as htmllib
import io
import re

import pytest

from craftmap import db, editing, planner
from craftmap.datasets import snapshot


def _text(markup):
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def _survey(app, municipality):
    """Record Dobele's centres as surveyed: access and signage known, signage checked now."""
    with app.app_context():
        done = [c for c in db.all_centres() if c["municipality"] == municipality]
        for c in done:
            editing.save_centre(c["id"], {"wheelchair": "yes", "signage": "yes", "signage_checked_on": "2026-11-30"},
                                c["version"], "test")
        snap = snapshot()
        return done, snap.version, sum(c["status"] == "active" for c in snap.centres)


def _parts(markup):
    order = [markup.index(f'id="{part}-title"') for part in ("summary", "figures", "tables")]
    assert order == sorted(order), "summary, then maps and charts, then tables"
    return markup[:order[0]], markup[order[0]:order[1]], markup[order[1]:order[2]], markup[order[2]:]


def test_the_summary_comes_first_and_says_what_is_known_met_and_next(app, client):
    done, version, active = _survey(app, "Dobeles novads")
    head, summary, _figures, _tables = _parts(client.get("/planner/report?lang=en").get_data(as_text=True))
    assert f"data version {version}" in _text(head)
    said = _text(summary)
    assert f"Wheelchair access is known for {len(done)} of {active} active centres" in said
    assert "Enough is known to give a share of accessible centres in 1 of the" in said
    assert re.search(r"computes from its data: met \d+, not met \d+, not enough data to say \d+\.", said)
    # what to survey next: the head of the worklist, in its order; the centres just surveyed are not in it
    listed = [htmllib.unescape(n) for n in re.findall(r"<li><strong>([^<]+)</strong>", summary)]
    rows = list(csv.DictReader(io.StringIO(client.get("/planner/gaps.csv?lang=en").get_data(as_text=True).lstrip("\ufeff"))))
    assert listed == [r["name"] for r in rows][:planner.SUMMARY_NEXT] and len(listed) == planner.SUMMARY_NEXT
    assert not {c["name"] for c in done} & set(listed)
    assert rows[0]["priority"] == "route_stop" and "stop of a route" in said.split(listed[0])[1][:60]


def test_the_maps_colour_only_what_enough_known_centres_carry(app, client):
    _survey(app, "Dobeles novads")
    _head, _summary, figures, _tables = _parts(client.get("/planner/report?lang=en").get_data(as_text=True))
    access = figures.split('id="map-wheelchair"')[1].split("</svg>")[0]
    dobele = re.search(r'<path d="[^"]+" fill="([^"]+)"[^>]*><title>Dobeles novads</title>', access)
    assert dobele and dobele.group(1) == planner.colour(100.0)  # all its centres known and accessible
    rows = client.get("/api/v1/coverage?by=municipality").get_json()["rows"]
    unjudged = [r for r in rows if r["total"] and r["area"] != "Dobeles novads"]
    assert access.count('class="area-unknown"') == len(unjudged)  # hatched, not red or green
    assert access.count('class="area-count"') == len(unjudged) and ">0/" in access
    assert planner.colour(0.0) not in access  # no area painted as "none accessible" from nothing known


@pytest.mark.parametrize("lang, words", [("lv", "datu versija"), ("lt", "duomenų versija"), ("en", "data version")])
def test_every_printed_page_is_stamped_with_the_date_and_version(client, lang, words):
    html = client.get(f"/planner/report?lang={lang}").get_data(as_text=True)
    href = htmllib.unescape(re.search(r'<link rel="stylesheet" href="([^"]+)" media="print">', html).group(1))
    response = client.get(href)
    css = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/css"
    version = re.search(rf"{words} (\d+)", _text(html)).group(1)
    assert re.search(rf'@bottom-left {{ content: "[^"]*{words} {version}"', css)
    assert "counter(page)" in css and "counter(pages)" in css


@pytest.mark.parametrize("text, literal", [('say "hi"', r'"say \"hi\""'), ("a\\b", r'"a\\b"'),
                                           ("two\nlines", r'"two\A lines"'), ("Ķekava · 7.", '"Ķekava · 7."')])
def test_css_strings_are_escaped(text, literal):
    assert planner.css_string(text) == literal


def test_a_municipality_without_centres_is_said_to_have_none_not_too_little_data(client):
    _head, _summary, _figures, tables = _parts(client.get("/planner/report?lang=en").get_data(as_text=True))
    empty = [r["area"] for r in client.get("/api/v1/coverage?by=municipality").get_json()["rows"] if not r["total"]]
    assert empty and "(0/0)" not in tables
    for area in empty:
        row = _text(tables.split(f'<th scope="row">{area}</th>')[1].split("</tr>")[0])
        assert row == "0 no active centre no active centre"


@pytest.mark.parametrize("path, what", [("/planner/", "Programme indicators"), ("/planner/coverage", "Coverage"),
                                        ("/planner/gaps", "Survey worklist"), ("/planner/gaps/sheets", "Survey sheets"),
                                        ("/planner/report", "Programme report")])
def test_each_printed_planner_page_names_itself_with_date_and_version(client, path, what):
    html = client.get(f"{path}?lang=en").get_data(as_text=True)
    href = htmllib.unescape(re.search(r'<link rel="stylesheet" href="([^"]+)" media="print">', html).group(1))
    assert re.search(rf'@bottom-left {{ content: "{what} · [^"]+ · data version \d+"', client.get(href).get_data(as_text=True))


@pytest.mark.parametrize("of", ["", "zzqq", "report\"}", "../report", "ā" * 300])
def test_an_unknown_page_to_print_is_named_not_echoed(client, of):
    response = client.get("/planner/print.css", query_string={"of": of, "lang": "lv"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "report, indicators, coverage, gaps, sheets" in text
    assert not of or htmllib.escape(of) not in text


def test_no_two_counts_on_the_report_map_lie_on_top_of_each_other(client):
    _head, _summary, figures, _tables = _parts(client.get("/planner/report?lang=en").get_data(as_text=True))
    access = figures.split('id="map-wheelchair"')[1].split("</svg>")[0]
    at = [(float(x), float(y)) for x, y in re.findall(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*class="area-count"', access)]
    assert len(at) >= 10
    assert all(abs(a[0] - b[0]) >= 40 or abs(a[1] - b[1]) >= 22 for i, a in enumerate(at) for b in at[i + 1:])
