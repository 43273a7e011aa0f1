"""Frozen reports: a planner freezes a reporting period ("report 2026") and its figures, their basis and
the data version are kept as they were, to be shown and exported unchanged beside the live figures.

What is kept is the data the figures were computed from (the live metrics, the programme's indicators
and the coverage counts), not their wording, so a frozen report reads in every language and a later
change to the data, the code's rules or the programme's seed files cannot alter it.
"""
import datetime
import json

import sqlalchemy as sa
from flask_babel import gettext as _

from . import db, planning
from .datasets import snapshot
from .editing import EditError, Refused
from .validation import CONTROL

__all__ = ["NAME_MAX", "COVERAGE_BY", "may_freeze", "freeze", "all_reports", "get", "indicator_table"]

NAME_MAX = 80
COVERAGE_BY = ("municipality", "country")  # counts per area; routes are compared live only


def may_freeze(user):
    return user is not None and user["role"] in ("planner", "admin")


def _name(raw):
    name = " ".join((raw or "").split())
    if not name:
        raise EditError([("name", _("Give the report a name, such as “report 2026”."))])
    if len(name) > NAME_MAX or CONTROL.search(name):
        raise EditError([("name", _("The name is at most %(n)d characters of text.", n=NAME_MAX))])
    return name


def freeze(user, raw_name, lang):
    """Keep today's figures under a new name; returns the report's id. Raises Refused or EditError."""
    if not may_freeze(user):
        raise Refused([("name", _("Only planners freeze reports."))])
    name = _name(raw_name)
    snap = snapshot()
    from flask import current_app
    figures = {
        "programme": [dict(ind) for ind in current_app.extensions["craftmap.reference"].indicators],
        "live": planning.live_now(snap),
        "coverage": {by: [{k: v for k, v in r.items() if k != "uncovered"}
                          for r in planning.coverage_table(by, lang)["rows"]] for by in COVERAGE_BY},
    }
    taken = EditError([("name", _("A report named “%(name)s” exists already.", name=name))])
    try:
        with db.transaction() as conn:
            if conn.execute(sa.select(db.reports.c.id).where(db.reports.c.name == name)).first():
                raise taken
            return conn.execute(db.reports.insert().values(
                name=name, frozen_by=user["email"], data_version=snap.version,
                figures=json.dumps(figures, default=float, ensure_ascii=False))).inserted_primary_key[0]
    except sa.exc.IntegrityError:  # the same name frozen by another request in the same instant
        raise taken from None


def _summary(row):
    at = row.frozen_at  # SQLite hands back UTC without its zone
    at = at.replace(tzinfo=datetime.timezone.utc) if at.tzinfo is None else at
    return {"id": row.id, "name": row.name, "frozen_at": at, "frozen_by": row.frozen_by,
            "data_version": row.data_version}


def all_reports():
    """Every frozen report, newest first, without its figures."""
    r = db.reports
    with db.engine().connect() as conn:
        rows = conn.execute(sa.select(r.c.id, r.c.name, r.c.frozen_at, r.c.frozen_by, r.c.data_version)
                            .order_by(r.c.id.desc())).all()
    return [_summary(row) for row in rows]


def get(report_id):
    """A frozen report with its figures, or None."""
    with db.engine().connect() as conn:
        row = conn.execute(sa.select(db.reports).where(db.reports.c.id == report_id)).first()
    return None if row is None else _summary(row) | {"figures": json.loads(row.figures)}


def indicator_table(report, lang):
    """The report's indicator table as it was frozen, in ``lang``."""
    return planning.indicator_table(lang, live=report["figures"]["live"], programme=report["figures"]["programme"])
