"""The live indicators over time, rebuilt from the change history.

Every save records each changed field's old and new value (editing.record), so the centres as they
stood at any moment are today's centres with every later change undone. The value of an indicator at
the end of a month is the live computation (indicators.live_indicators) over the centres as they stood
then, so the series and the live figure can never disagree about today. Month ends are taken in the
region's time zone (Latvia and Lithuania share one).

Routes keep no history of their own, so the number of routes is known for today only and earlier
points say not known.
"""
import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from flask import current_app

from . import db, indicators
from .datasets import snapshot
from .web import memo

__all__ = ["METRICS", "series", "month_ends", "state_at"]

METRICS = ("wheelchair_share", "signage_share", "visitor_growth", "routes_count")
_FIELDS = ("wheelchair", "signage", "status", "created")


def _changes():
    """Every recorded change that moves an indicator, latest first: (centre_id, at (UTC), field, old)."""
    c = db.changes
    with db.engine().connect() as conn:
        rows = conn.execute(sa.select(c.c.centre_id, c.c.at, c.c.field, c.c.old, c.c.id)
                            .where(sa.or_(c.c.field.in_(_FIELDS), c.c.field.like("visitors\\_%", escape="\\")))).all()
    # by time, then by the order of writing (servers' clocks may differ by a little)
    rows = sorted(((cid, _utc(at), field, old, i) for cid, at, field, old, i in rows),
                  key=lambda r: (r[1], r[4]), reverse=True)
    return [r[:4] for r in rows]


def _utc(at):
    return at.replace(tzinfo=datetime.timezone.utc) if at.tzinfo is None else at.astimezone(datetime.timezone.utc)


def month_ends(first, now, zone):
    """The end of every month from ``first``'s to the one before ``now``'s, as (label "YYYY-MM", the
    first instant of the next month in ``zone``, as UTC), oldest first."""
    local, out = first.astimezone(zone).replace(day=1, hour=0, minute=0, second=0, microsecond=0), []
    while True:
        label = f"{local.year:04d}-{local.month:02d}"
        local = local.replace(year=local.year + local.month // 12, month=local.month % 12 + 1)
        end = local.astimezone(datetime.timezone.utc)
        if end > now:
            return out
        out.append((label, end))


class _State:
    """The centres' indicator fields and the visitor counts, moved back in time one change at a time."""

    def __init__(self, snap):
        self.centres = {c["id"]: {"id": c["id"], "wheelchair": c["wheelchair"], "signage": c["signage"],
                                  "status": c["status"], "exists": True} for c in snap.centres}
        self.counts = {(r["centre_id"], int(r["year"])): int(r["visitors"]) for r in snap.counts}

    def undo(self, centre_id, field, old):
        centre = self.centres.get(centre_id)
        if centre is None:
            return
        if field == "created":
            centre["exists"] = False
        elif field.startswith("visitors_"):
            key = (centre_id, int(field.removeprefix("visitors_")))
            if old in (None, ""):
                self.counts.pop(key, None)
            else:
                self.counts[key] = int(old)
        else:
            centre[field] = old or "unknown"

    def live(self, routes_count):
        frame = pd.DataFrame([c for c in self.centres.values() if c["exists"]],
                             columns=["id", "wheelchair", "signage", "status", "exists"])
        counts = pd.DataFrame([(cid, y, n) for (cid, y), n in self.counts.items()],
                              columns=["centre_id", "year", "visitors"])
        return indicators.live_indicators(frame[frame["status"] == "active"], routes_count, counts)


def state_at(snap, moments, changes):
    """The live indicators at each of ``moments`` (UTC, any order), the ``changes`` (from _changes) undone
    back to each: {moment: live_indicators(...)}."""
    state, out = _State(snap), {}
    i = 0
    for moment in sorted(moments, reverse=True):
        while i < len(changes) and changes[i][1] >= moment:
            state.undo(changes[i][0], changes[i][2], changes[i][3])
            i += 1
        out[moment] = state.live(None)
    return out


def _point(label, live, metric, ind, now_label):
    value = live[metric]
    if metric == "routes_count":  # routes keep no history: their count is known for today only
        value = value | ({"value": None, "known": None, "total": None, "enough": False}
                         if label != now_label else {})
    return {"period": label, "value": value["value"], "known": value["known"], "total": value["total"],
            "status": indicators.status(value["value"], ind["comparator"], ind["target_value"], value["enough"])}


def _build(snap, now):
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    changes = _changes()
    first = min((at for _c, at, _f, _o in changes), default=now)
    ends = month_ends(first, now, zone)
    values = state_at(snap, [end for _label, end in ends], changes)
    local_now = now.astimezone(zone)
    now_label = f"{local_now.year:04d}-{local_now.month:02d}"
    rows = [(label, values[end]) for label, end in ends]
    rows.append((now_label, _State(snap).live(len(snap.routes))))
    out = []
    for ind in current_app.extensions["craftmap.reference"].indicators:
        metric = ind["live_metric"]
        if not metric:
            continue
        months = [_point(label, live, metric, ind, now_label) for label, live in rows]
        years = [p | {"period": p["period"][:4], "to_date": p["period"] == now_label}
                 for p in months if p["period"].endswith("-12") or p["period"] == now_label]
        out.append({"id": ind["id"], "metric": metric, "comparator": ind["comparator"],
                    "target_value": ind["target_value"], "target_unit": ind["target_unit"],
                    "months": months, "years": years})
    return {"data_version": snap.version, "time_zone": zone.key, "month_now": now_label, "indicators": out}


def series(now=None):
    """Every live indicator at the end of each month and year since the first recorded change, and
    today's value as the current month's and year's point ("to date").

    Built once per data version (and month): a visitor's request never walks the history again.
    """
    snap, now = snapshot(), now or datetime.datetime.now(datetime.timezone.utc)
    return memo(snap, ("indicator-series", now.strftime("%Y-%m")), lambda: _build(snap, now))
