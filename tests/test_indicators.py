"""Indicators: the seed's figures exactly, and live values that follow the data."""
import csv
import re
from pathlib import Path

import pandas as pd
from markupsafe import escape
import pytest

from craftmap import db, editing, indicators

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = (DATA / "sources" / "zpr_programme_report_2011-2016.txt").read_text(encoding="utf-8")


def squash(text):
    return re.sub(r"\s+", "", text)


def seed_rows():
    with open(DATA / "indicators.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", seed_rows(), ids=lambda r: r["id"])
def test_targets_and_2016_values_are_the_seeds(row):
    assert squash(row["target_lv"]) in squash(SEED)
    reported = re.sub(r" \((apmeklētāju skaits amatniecības centros|amatniecības centri)\)$", "",
                      row["reported_2016_lv"])  # footnote texts, see data/indicators_NOTES.md
    assert squash(reported) in squash(SEED)
    assert squash(row["name_lv"])[:40] in squash(SEED)


def test_the_figures_the_design_names(client):
    rows = {r["id"]: r for r in client.get("/api/v1/indicators").get_json()["indicators"]}
    assert (rows["p3-accessibility"]["target_value"], rows["p3-accessibility"]["reported_2016_value"]) == ("90", "67")
    assert (rows["p1-signage"]["target_value"], rows["p1-signage"]["reported_2016_en"]) == ("90", "Such data are not collected.")
    assert (rows["p1-routes"]["target_value"], rows["p1-routes"]["reported_2016_value"]) == ("2", "11")
    assert (rows["p1-visitors"]["target_value"], rows["p1-visitors"]["reported_2016_value"]) == ("5", "-2")
    assert len(rows) == 26


def test_planner_page_shows_targets_and_2016_values_exactly(client):
    html = client.get("/planner/?lang=lv").get_data(as_text=True)
    for row in seed_rows():
        assert str(escape(row["reported_2016_lv"])) in html
        assert str(escape(row["target_lv"])) in html


def test_all_unknown_is_not_enough_data_not_zero(client):
    rows = {r["id"]: r for r in client.get("/api/v1/indicators?lang=en").get_json()["indicators"]}
    for key in ("p1-signage", "p3-accessibility"):
        assert rows[key]["live"] is None and rows[key]["status"] == "not_enough_data"
        assert rows[key]["basis"] == "0 of 46 centres known"
    assert rows["p1-visitors"]["status"] == "not_enough_data"
    assert rows["p1-routes"]["live"] == 2 and rows["p1-routes"]["status"] == "met"
    html = client.get("/planner/?lang=en").get_data(as_text=True)
    assert "not enough data" in html and "0.0 %" not in html


def _set_all(app, **values):
    with app.app_context():
        for c in db.all_centres():
            editing.save_centre(c["id"], values(c) if callable(values) else values, c["version"], "test")


def test_live_accessibility_follows_the_data(app, client):
    ids = sorted(c["id"] for c in client.get("/api/v1/centres").get_json()["features"])
    accessible, not_accessible = set(ids[:15]), set(ids[15:30])
    with app.app_context():
        for c in db.all_centres():
            if c["id"] in accessible | not_accessible:
                editing.save_centre(c["id"], {"wheelchair": "yes" if c["id"] in accessible else "no"},
                                 c["version"], "test")
    rows = {r["id"]: r for r in client.get("/api/v1/indicators?lang=en").get_json()["indicators"]}
    acc = rows["p3-accessibility"]
    assert acc["basis"] == "30 of 46 centres known"
    assert acc["live"] == pytest.approx(100 * 15 / 30, abs=0.1) and acc["status"] == "not_met"
    table = client.get("/api/v1/coverage?by=country").get_json()["rows"]
    assert sum(r["wheelchair_yes"] for r in table) == 15 and sum(r["wheelchair_unknown"] for r in table) == 16


def test_signage_status_turns_met(app, client):
    _set_all(app, signage="yes", signage_checked_on="2026-10-01")
    row = next(r for r in client.get("/api/v1/indicators").get_json()["indicators"] if r["id"] == "p1-signage")
    assert (row["live"], row["status"]) == (100.0, "met")


def test_visitor_growth_follows_counts(app, client):
    with app.app_context():
        editing.save_centre("dobele-crafts-house", {}, 1, "test", {2024: 1000, 2025: 1100})
        editing.save_centre("bauska-craft-centre", {}, 1, "test", {2025: 500})  # no 2024: not like-for-like
    row = next(r for r in client.get("/api/v1/indicators?lang=en").get_json()["indicators"] if r["id"] == "p1-visitors")
    assert row["live"] == 10.0 and row["status"] == "not_enough_data"  # one centre of 46 is no basis
    assert row["basis"] == "1 centres counted in both 2024 and 2025"
    html = client.get("/planner/?lang=en").get_data(as_text=True)
    assert "1,600" in html  # 2025 total in the visitors table
    with app.app_context():
        for c in db.all_centres()[:24]:  # more than half counted in both years
            if c["id"] != "dobele-crafts-house":
                editing.save_centre(c["id"], {}, c["version"], "test", {2024: 100, 2025: 110})
    row = next(r for r in client.get("/api/v1/indicators?lang=en").get_json()["indicators"] if r["id"] == "p1-visitors")
    assert row["status"] == "met" and row["basis"].startswith("2")


@pytest.mark.parametrize("value, comparator, target, expected", [
    (67, ">=", "90", "not_met"), (90, ">=", "90", "met"), (19, "<=", "10", "not_met"),
    (-2, "increase_pct", "5", "not_met"), (None, ">=", "90", "not_enough_data")])
def test_status(value, comparator, target, expected):
    assert indicators.status(value, comparator, target) == expected


def test_shares_ignore_unknown():
    share = indicators.share_known(pd.Series(["yes", "no", "unknown", "unknown", "limited"]))
    assert share == {"percent": pytest.approx(33.3), "yes": 1, "known": 3, "total": 5}
