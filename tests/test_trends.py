"""The live indicators over time, rebuilt from the change history: a month's value is the data as it
stood at the end of that month in the region's time zone, and the current month is today's figure."""
import datetime

import sqlalchemy as sa

from craftmap import db, editing, planning, trends

UTC = datetime.timezone.utc
DOBELE, BAUSKA = "dobele-crafts-house", "bauska-craft-centre"


def _save(app, centre_id, at, visitors=None, **changes):
    """Save ``changes`` through the one write path, then date the change set ``at`` as if saved then."""
    with app.test_request_context("/?lang=en"):
        version = db.get_centre(centre_id)["version"]
        editing.save_centre(centre_id, changes, version, "test", visitors)
        with db.transaction() as conn:
            newest = conn.execute(sa.select(sa.func.max(db.changes.c.version))
                                  .where(db.changes.c.centre_id == centre_id)).scalar()
            conn.execute(db.changes.update().where(db.changes.c.centre_id == centre_id,
                                                   db.changes.c.version == newest).values(at=at))
            db.bump_data_version(conn)


def _series(app, lang="en"):
    with app.test_request_context(f"/?lang={lang}"):
        app.preprocess_request()
        return {ind["metric"]: ind for ind in trends.series()["indicators"]}


def _points(ind, key="months"):
    return {p["period"]: p for p in ind[key]}


def test_each_month_holds_the_data_as_it_stood_at_its_end(app):
    _save(app, DOBELE, datetime.datetime(2026, 3, 10, 12, tzinfo=UTC), wheelchair="yes")
    _save(app, BAUSKA, datetime.datetime(2026, 5, 20, 12, tzinfo=UTC), wheelchair="no")
    _save(app, DOBELE, datetime.datetime(2026, 7, 2, 12, tzinfo=UTC), wheelchair="limited")
    months = _points(_series(app)["wheelchair_share"])
    assert min(months) == "2026-03"  # the series starts with the first recorded change
    assert (months["2026-03"]["known"], months["2026-04"]["known"], months["2026-05"]["known"]) == (1, 1, 2)
    assert months["2026-03"]["value"] == 100.0 and months["2026-05"]["value"] == 50.0
    assert months["2026-07"]["value"] == 0.0  # limited is not yes
    assert all(p["status"] == "not_enough_data" for p in months.values())  # 2 of 46 known judges nothing


def test_the_current_month_is_todays_live_figure(app):
    _save(app, DOBELE, datetime.datetime(2026, 1, 5, tzinfo=UTC), wheelchair="yes", signage="yes",
          signage_checked_on="2026-01-05")
    series = _series(app)
    with app.test_request_context("/?lang=en"):
        live = {r["live_metric"]: r for r in planning.indicator_table("en") if r["live_metric"]}
    for metric, ind in series.items():
        now = ind["months"][-1]
        assert (now["value"], now["known"], now["status"]) == (live[metric]["live"], live[metric]["known"],
                                                                live[metric]["status"]), metric
        assert ind["years"][-1]["to_date"] and ind["years"][-1]["value"] == now["value"]


def test_month_ends_are_taken_in_the_regions_time_zone(app):
    # 31 March 22:30 UTC is already 1 April in Riga and Vilnius: the change belongs to April
    _save(app, DOBELE, datetime.datetime(2026, 3, 1, 9, tzinfo=UTC), wheelchair="no")
    _save(app, BAUSKA, datetime.datetime(2026, 3, 31, 22, 30, tzinfo=UTC), wheelchair="yes")
    months = _points(_series(app)["wheelchair_share"])
    assert months["2026-03"]["known"] == 1 and months["2026-04"]["known"] == 2


def test_an_undone_save_is_undone_in_the_months_after_it(app, accounts):
    _save(app, DOBELE, datetime.datetime(2026, 2, 1, tzinfo=UTC), wheelchair="yes")
    with app.test_request_context("/?lang=en"):
        from craftmap import auth, changesets
        user = auth.user_by_email("dobele@example.test")
        batch = editing.history(DOBELE)[0]["batch"]
        changesets.undo(user, DOBELE, batch, db.get_centre(DOBELE)["version"])
        with db.transaction() as conn:  # the undo was done in April
            conn.execute(db.changes.update().where(db.changes.c.reverts == batch)
                         .values(at=datetime.datetime(2026, 4, 3, tzinfo=UTC)))
            db.bump_data_version(conn)
    months = _points(_series(app)["wheelchair_share"])
    assert months["2026-02"]["known"] == 1 and months["2026-03"]["known"] == 1
    assert months["2026-04"]["known"] == 0


def test_a_centre_counts_from_the_month_it_was_added_until_it_closed(app):
    with app.test_request_context("/?lang=en"):
        total = planning.indicator_table("en")
    total = next(r for r in total if r["live_metric"] == "wheelchair_share")["total"]
    _save(app, DOBELE, datetime.datetime(2026, 2, 1, tzinfo=UTC), wheelchair="yes")
    with app.test_request_context("/?lang=en"):
        record = db.get_centre(DOBELE) | {"id": "new-centre", "name": "A centre made by the test",
                                          "wheelchair": "unknown"}
        record = {k: v for k, v in record.items() if k not in ("version", "updated_at", "updated_by")}
        editing.create_centre(record, "test")
        with db.transaction() as conn:
            conn.execute(db.changes.update().where(db.changes.c.centre_id == "new-centre")
                         .values(at=datetime.datetime(2026, 4, 15, tzinfo=UTC)))
            db.bump_data_version(conn)
    _save(app, BAUSKA, datetime.datetime(2026, 6, 15, tzinfo=UTC), status="closed")
    months = _points(_series(app)["wheelchair_share"])
    assert (months["2026-03"]["total"], months["2026-04"]["total"], months["2026-06"]["total"]) == (
        total, total + 1, total)


def test_visitor_growth_is_known_from_the_month_both_years_were_counted(app):
    _save(app, DOBELE, datetime.datetime(2026, 2, 10, tzinfo=UTC), visitors={2024: 1000})
    _save(app, DOBELE, datetime.datetime(2026, 5, 10, tzinfo=UTC), visitors={2025: 1100})
    months = _points(_series(app)["visitor_growth"])
    assert months["2026-04"]["value"] is None and months["2026-04"]["known"] == 0
    assert months["2026-05"]["value"] == 10.0 and months["2026-05"]["known"] == 1


def test_routes_are_known_for_today_only(app):
    _save(app, DOBELE, datetime.datetime(2026, 2, 10, tzinfo=UTC), wheelchair="yes")
    ind = _series(app)["routes_count"]
    assert all(p["value"] is None for p in ind["months"][:-1])
    assert ind["months"][-1]["value"] == 2 and ind["months"][-1]["status"] == "met"


def test_without_history_the_series_is_today_alone(app):
    for ind in _series(app).values():
        assert len(ind["months"]) == 1 and len(ind["years"]) == 1 and ind["years"][0]["to_date"]


def test_the_series_is_on_the_planner_page_and_in_the_api(app, client):
    _save(app, DOBELE, datetime.datetime(2026, 2, 10, tzinfo=UTC), wheelchair="yes")
    doc = client.get("/api/v1/indicators/history").get_json()
    assert doc["time_zone"] == "Europe/Riga" and doc["data_version"] >= 2
    access = next(i for i in doc["indicators"] if i["metric"] == "wheelchair_share")
    assert access["months"][0] == {"period": "2026-02", "value": 100.0, "known": 1, "total": access["months"][0]["total"],
                                   "status": "not_enough_data"}
    page = client.get("/planner/?lang=lv").get_data(as_text=True)
    assert "2026-02" in page and "Centri ar zināmiem datiem: 1 no" in page
    assert client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/indicators/history"]


def test_the_history_is_walked_once_per_data_version(app, client, monkeypatch):
    calls = []
    real = trends._changes
    monkeypatch.setattr(trends, "_changes", lambda: calls.append(1) or real())
    for _ in range(3):
        assert client.get("/api/v1/indicators/history").status_code == 200
        assert client.get("/planner/").status_code == 200
    assert len(calls) == 1
