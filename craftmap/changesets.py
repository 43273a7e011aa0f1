"""A centre's history as change sets (one per save) and the undoing of one of them.

An undo restores the values a change set replaced, through editing's one write path (policy, version
check, validation) as a change set of its own that records which one it reverts. A field that a later
change set wrote again is never restored unless it is asked for by name; a location (lat, lon,
coord_precision) is one unit: restored whole or not at all.
"""
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from . import db, editing

__all__ = ["LOCATION", "change_sets", "read_change_sets", "UndoPlan", "plan_undo", "undo", "unit_of"]

LOCATION = ("lat", "lon", "coord_precision")
_BATCH = re.compile(r"[0-9a-f]{1,32}")  # uuid4().hex; anything else names no change set


def unit_of(name):
    """What is restored or merged together with field ``name``: the location as one, every other field alone."""
    return "location" if name in LOCATION else name


def _grouped(rows):
    """Rows newest first → change sets newest first, each with its rows in the order they were written."""
    sets = {}
    for row in rows:
        entry = sets.setdefault(row["batch"], {"batch": row["batch"], "by": row["by"], "at": row["at"],
                                               "reverts": row["reverts"], "version": row["version"], "rows": []})
        entry["rows"].insert(0, row)
    return list(sets.values())


def change_sets(centre_id):
    """The centre's change sets, newest first; each knows the set it undid and the sets that undid it."""
    sets = _grouped(editing.history(centre_id))
    by_batch = {s["batch"]: s for s in sets}
    for s in sets:
        s["undoes"] = by_batch.get(s["reverts"])
        s["undone_by"] = [u for u in sets if u["reverts"] == s["batch"]]
        # a save already undone is not offered again: its values are back already, and the undo itself
        # can be undone to bring the save back
        s["undoable"] = not s["undone_by"] and all(
            r["field"] in editing.EDITABLE or r["field"].startswith("visitors_") for r in s["rows"])
    return sets


def read_change_sets(user, centre_id):
    """(centre, its change sets) if ``user`` may read its history."""
    return editing.centre_for(user, "history", centre_id), change_sets(centre_id)


@dataclass
class Unit:
    """Fields restored together: ``fields`` is [(field, current value, value restored)]; ``later`` the
    newest later change row that wrote one of them again, if any."""
    key: str
    fields: list = field(default_factory=list)
    later: dict | None = None


@dataclass
class UndoPlan:
    centre: dict
    change_set: dict
    version: int
    clean: list
    later: list


def _rows(conn, centre_id, batch):
    if not isinstance(batch, str) or not _BATCH.fullmatch(batch):
        return []
    query = sa.select(db.changes).where(db.changes.c.centre_id == centre_id, db.changes.c.batch == batch)
    return [dict(r._mapping) for r in conn.execute(query.order_by(db.changes.c.id))]


def _not_found(batch):
    return editing.NotFound([("batch", _("This centre has no such saved change (%(id)s).", id=str(batch)[:40]))])


def _values_before(rows, later, current):
    """Each field's value just before the change set: its recorded old value, or for a location field it
    did not touch, the old value of the first later change to it, or the current value."""
    before = {r["field"]: editing.typed(r["field"], r["old"]) for r in rows}
    for name in LOCATION:
        if name not in before and any(r["field"] in LOCATION for r in rows):
            first = next((r for r in later if r["field"] == name), None)
            before[name] = editing.typed(name, first["old"]) if first else current.get(name)
    return before


def _plan(conn, current, batch):
    rows = _rows(conn, current["id"], batch)
    if not rows:
        raise _not_found(batch)
    if any(r["field"] not in editing.EDITABLE and not r["field"].startswith("visitors_") for r in rows):
        raise editing.EditError([("batch", _("Adding a centre cannot be undone; close the centre instead."))])
    later = [dict(r._mapping) for r in conn.execute(
        sa.select(db.changes).where(db.changes.c.centre_id == current["id"], db.changes.c.id > rows[-1]["id"])
        .order_by(db.changes.c.id))]
    now = current | {f"visitors_{y}": n for y, n in db.visitors(current["id"], conn).items()}
    units = {}
    for name, old in _values_before(rows, later, now).items():
        unit = units.setdefault(unit_of(name), Unit(unit_of(name)))
        unit.fields.append((name, now.get(name), old))
    for unit in units.values():
        names = LOCATION if unit.key == "location" else (unit.key,)
        unit.later = next((r for r in reversed(later) if r["field"] in names), None)
    todo = [u for u in units.values() if any(not editing.same(f, now_, old) for f, now_, old in u.fields)]
    sets = {"batch": batch, "by": rows[0]["by"], "at": rows[0]["at"], "reverts": rows[0]["reverts"]}
    return UndoPlan(current, sets, current["version"], [u for u in todo if u.later is None],
                    [u for u in todo if u.later is not None])


def plan_undo(user, centre_id, batch):
    """What undoing change set ``batch`` would restore now, for ``user`` (who must be allowed to edit)."""
    editing.centre_for(user, "edit", centre_id)
    with db.engine().connect() as conn:
        return _plan(conn, editing.current_in(conn, centre_id), batch)


def undo(user, centre_id, batch, expected_version, include=()):
    """Undo change set ``batch`` for ``user``: every unit no later change set touched, plus the units named
    in ``include``; refused (Conflict) when the centre is no longer at ``expected_version``, the version
    the confirmation showed. Returns (the change set undone, the units restored)."""
    editing.centre_for(user, "edit", centre_id)
    with db.transaction() as conn:
        current = editing.current_in(conn, centre_id)
        if current["version"] != expected_version:
            raise editing.Conflict(current)
        plan = _plan(conn, current, batch)
        chosen = plan.clean + [u for u in plan.later if u.key in set(include)]
        if not chosen:
            raise editing.EditError([("include", _("Nothing was chosen to undo."))])
        restore = {f: old for u in chosen for f, _now, old in u.fields}
        visitors = {int(f[len("visitors_"):]): v for f, v in restore.items() if f.startswith("visitors_")}
        changes = {f: v for f, v in restore.items() if not f.startswith("visitors_")}
        editing.save_in(conn, current, changes, expected_version, user["email"], visitors, reverts=batch)
    return plan.change_set, chosen
