"""The write path for centres: validated, version-checked, recorded in history, all or nothing.

Every save is one transaction (on SQLite it takes the write lock up front): the version is
checked in the UPDATE itself, so of two people saving the same version only one lands.
"""
import uuid

import sqlalchemy as sa
from flask import current_app

from . import db
from .validation import CENTRE_FIELDS, centre_problems

__all__ = ["EDITABLE", "EditError", "Conflict", "save_centre", "create_centre", "history", "revert",
           "plan_import", "apply_import", "get_change", "blank_centre", "FORMULA_STARTS"]

EDITABLE = ("name", "name_en", "kind", "crafts", "settlement", "address", "lat", "lon", "coord_precision",
            "phone", "email", "website", "opening_hours", "wheelchair", "wheelchair_description",
            "toilets_wheelchair", "signage", "signage_checked_on", "status", "notes")


class EditError(Exception):
    """Invalid input; ``problems`` is a list of (field, message)."""

    def __init__(self, problems):
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems


class Conflict(Exception):
    """The centre changed since it was read; ``current`` is its present state."""

    def __init__(self, current):
        super().__init__(f"centre {current['id']} is now at version {current['version']}")
        self.current = current


def _text(value):
    return "" if value is None else str(value).strip()


FORMULA_STARTS = ("=", "+", "-", "@")  # a spreadsheet runs a cell starting so as a formula


def _from_cell(value):
    """A CSV cell as the editor meant it: the apostrophe the export puts before a FORMULA_STARTS
    character is dropped, so an exported file imports unchanged."""
    text = _text(value)
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_STARTS else text


def _normalise(changes):
    out = {}
    for field, value in changes.items():
        if field in ("lat", "lon"):
            text = _text(value)
            try:
                out[field] = float(text) if text else None
            except ValueError:
                out[field] = text  # kept as text so validation names it
        else:
            out[field] = _text(value)
    return out


def _as_text(row):
    """The row as validation reads it: coordinates as text, like a CSV cell."""
    return row | {k: "" if row.get(k) is None else str(row[k]) for k in ("lat", "lon")}


def _check(row):
    problems = centre_problems(_as_text(row), current_app.extensions["craftmap.reference"])
    if problems:
        raise EditError(problems)


def _record(conn, centre_id, batch, user, diffs, reverts=None):
    if diffs:
        conn.execute(db.changes.insert(), [
            {"centre_id": centre_id, "batch": batch, "by": user, "field": f,
             "old": None if old is None else str(old), "new": None if new is None else str(new),
             "reverts": reverts} for f, (old, new) in diffs.items()])


def _set_visitors(conn, centre_id, visitors, diffs):
    before = db.visitors(centre_id, conn)
    for year, count in visitors.items():
        if before.get(year) == count:
            continue
        conn.execute(db.visitor_counts.delete().where(db.visitor_counts.c.centre_id == centre_id,
                                                      db.visitor_counts.c.year == year))
        if count is not None:
            conn.execute(db.visitor_counts.insert().values(centre_id=centre_id, year=year, visitors=count,
                                                           source="municipality"))
        diffs[f"visitors_{year}"] = (before.get(year), count)


def _visitor_problems(visitors):
    problems = []
    for year, count in visitors.items():
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            problems.append(("visitors", f"{year!r} is not a year"))
        elif count is not None and (not isinstance(count, int) or count < 0):
            problems.append(("visitors", f"{count!r} for {year} is not a whole number of visitors"))
    return problems


def _save(conn, current, changes, expected_version, user, visitors=None, reverts=None):
    if current["version"] != expected_version:
        raise Conflict(current)
    changes = _normalise({k: v for k, v in changes.items() if k in EDITABLE})
    merged = current | changes
    problems = _visitor_problems(visitors or {})
    try:
        _check(merged)
    except EditError as exc:
        problems = exc.problems + problems
    if problems:
        raise EditError(problems)
    diffs = {f: (current[f], v) for f, v in changes.items() if not _same(f, current[f], v)}
    result = conn.execute(
        db.centres.update().where(db.centres.c.id == current["id"], db.centres.c.version == expected_version)
        .values(**{f: changes[f] for f in diffs}, version=expected_version + 1, updated_by=user,
                updated_at=sa.func.now()))
    if result.rowcount != 1:
        raise Conflict(current)
    _set_visitors(conn, current["id"], visitors or {}, diffs)
    _record(conn, current["id"], uuid.uuid4().hex, user, diffs, reverts)
    db.bump_data_version(conn)
    return expected_version + 1


def _same(field, old, new):
    """Equal values; crafts are a set, so another order of the same crafts is no change."""
    if field == "crafts":
        return set(filter(None, (old or "").split(";"))) == set(filter(None, (new or "").split(";")))
    return old == new


def _current(conn, centre_id):
    row = conn.execute(sa.select(db.centres).where(db.centres.c.id == centre_id)).first()
    if row is None:
        raise LookupError(centre_id)
    return dict(row._mapping)


def save_centre(centre_id, changes, expected_version, user, visitors=None):
    """Apply ``changes`` (and visitor counts {year: n}) to a centre at ``expected_version``.

    Returns the new version; raises EditError (nothing saved), Conflict or LookupError.
    """
    with db.transaction() as conn:
        return _save(conn, _current(conn, centre_id), changes, expected_version, user, visitors)


def blank_centre():
    """An empty active centre with no location; required fields must still be given."""
    return {f: "" for f in CENTRE_FIELDS} | {"lat": None, "lon": None, "status": "active"}


def create_centre(row, user):
    """Add a centre; returns its id. Raises EditError naming each invalid field."""
    record = blank_centre() | {k: v for k, v in _normalise(row).items() if k in CENTRE_FIELDS and v not in ("", None)}
    _check(record)
    with db.transaction() as conn:
        if conn.execute(sa.select(db.centres.c.id).where(db.centres.c.id == record["id"])).first():
            raise EditError([("id", f"{record['id']!r} is already used")])
        _insert(conn, record, user)
        db.bump_data_version(conn)
    return record["id"]


def _insert(conn, record, user):
    conn.execute(db.centres.insert().values(**record, updated_by=user))
    _record(conn, record["id"], uuid.uuid4().hex, user, {"created": (None, record["name"])})


def history(centre_id):
    with db.engine().connect() as conn:
        rows = conn.execute(sa.select(db.changes).where(db.changes.c.centre_id == centre_id)
                            .order_by(db.changes.c.id.desc()))
        return [dict(r._mapping) for r in rows]


def get_change(change_id):
    with db.engine().connect() as conn:
        row = conn.execute(sa.select(db.changes).where(db.changes.c.id == change_id)).first()
    return dict(row._mapping) if row else None


def revert(change, user):
    """Undo one recorded change; the undoing is itself a change. Returns the new version."""
    with db.transaction() as conn:
        current = _current(conn, change["centre_id"])
        field = change["field"]
        if field.startswith("visitors_"):
            old = None if change["old"] is None else int(change["old"])
            return _save(conn, current, {}, current["version"], user, {int(field[9:]): old}, change["batch"])
        if field not in EDITABLE:
            raise EditError([(field, "this change cannot be reverted")])
        undo = {field: change}
        if field in ("lat", "lon"):  # a location is undone whole, never one coordinate of it
            same_batch = sa.select(db.changes).where(db.changes.c.batch == change["batch"],
                                                     db.changes.c.field.in_(("lat", "lon")))
            undo |= {c.field: dict(c._mapping) for c in conn.execute(same_batch)}
        moved = [(f, f"has changed again since (now {current[f]!r}); undoing would lose that, so edit it instead")
                 for f, c in undo.items() if (None if current[f] is None else str(current[f])) != c["new"]]
        if moved:
            raise EditError(moved)
        return _save(conn, current, {f: c["old"] for f, c in undo.items()}, current["version"], user,
                     reverts=change["batch"])


def plan_import(rows, municipality):
    """A dry run: for each CSV row, its changes or its errors (by row and column); nothing is written.

    Returns a list of {"row", "id", "action" (update/create/none), "changes", "errors"}.
    """
    ref = current_app.extensions["craftmap.reference"]
    existing = {c["id"]: c for c in db.all_centres()}
    plan, first_row = [], {}
    for row_no, raw in enumerate(rows, start=2):
        row = _normalise({k: _from_cell(v) for k, v in raw.items() if k in CENTRE_FIELDS})
        entry = {"row": row_no, "id": row.get("id", ""), "changes": {}, "errors": _shape_problems(raw)}
        if entry["id"] in first_row:
            entry["errors"].append(("id", f"{entry['id']!r} is already on row {first_row[entry['id']]}"))
        first_row.setdefault(entry["id"], row_no)
        current = existing.get(entry["id"])
        target_muni = current["municipality"] if current else row.get("municipality")
        if target_muni != municipality:
            entry["errors"].append(("municipality", f"{target_muni!r} is not your municipality"))
            entry["action"] = "refused"
        elif current:
            entry["version"], moved = _exported_version(raw.get("version"), current)
            entry["errors"] += moved
            changes = {f: v for f, v in row.items() if f in EDITABLE and not _same(f, current[f], v)}
            entry["action"] = "update" if changes else "none"
            entry["changes"] = {f: (current[f], v) for f, v in changes.items()}
            entry["errors"] += centre_problems(_as_text(current | changes), ref)
        else:
            entry["action"] = "create"
            entry["changes"] = {f: (None, v) for f, v in row.items() if v not in ("", None)}
            entry["errors"] += centre_problems(_as_text(blank_centre() | row), ref)
        plan.append(entry)
    return plan


def _exported_version(cell, current):
    """The version a row was exported at (None when the file has none), and a problem if it moved since."""
    text = _text(cell)
    if not text:
        return None, []
    if not text.isdigit():
        return None, [("version", f"{text!r} is not a version number")]
    if int(text) != current["version"]:
        return int(text), [("version", f"the centre was changed after this file was exported (file: version {text}, "
                                       f"now: {current['version']}); export again and redo your changes there")]
    return int(text), []


def _shape_problems(raw):
    """A row with fewer or more cells than the header would blank or shift fields: refuse it."""
    missing = [k for k, v in raw.items() if k is not None and v is None]
    if missing:
        return [(missing[0], f"missing: the row has fewer cells than the header ({', '.join(missing)})")]
    if raw.get(None):
        return [("row", f"the row has {len(raw[None])} more cells than the header")]
    return []


def apply_import(plan, user, on_row=None):
    """Apply a plan without errors in one transaction: every row lands, or none does."""
    if any(p["errors"] for p in plan):
        raise EditError([("row", f"row {p['row']} has errors") for p in plan if p["errors"]])
    with db.transaction() as conn:
        for entry in plan:
            if on_row:
                on_row(entry)
            if entry["action"] == "update":
                current = _current(conn, entry["id"])
                _save(conn, current, {f: new for f, (_, new) in entry["changes"].items()},
                      entry.get("version") or current["version"], user)
            elif entry["action"] == "create":
                _insert(conn, blank_centre() | {f: new for f, (_, new) in entry["changes"].items()}, user)
        db.bump_data_version(conn)
