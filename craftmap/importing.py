"""CSV import of centres through the write boundary: read the file, plan every row outside any
transaction, then write the plan in one short transaction of precomputed statements.

The plan is made from a snapshot; the write checks in its UPDATE that every centre is still at the
version planned, so all rows land or none does, and the write lock is held only for the statements.
"""
import uuid

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _

from . import db, editing, entry, labels, sheets
from .editing import Conflict, EditError
from .sheets import MAX_BYTES, MAX_ROWS
from .validation import CENTRE_FIELDS, EDITABLE

__all__ = ["MAX_BYTES", "MAX_ROWS", "read_rows", "plan", "counts", "apply"]


def read_rows(data):
    """The rows of a CSV or XLSX file (bytes) as dicts by column, and what was read (``sheets.read_table``);
    raises EditError naming the file, row or column.

    Line ends may be LF, CRLF or CR, even mixed. Cells a row lacks are None; surplus cells are under None.
    """
    header, records, source = sheets.read_table(data)
    header = _check_header(header)
    return [_as_dict(header, cells) for cells in records], source


COLUMNS = CENTRE_FIELDS + ("version",)


def _column_names():
    """Column header (case-folded) -> field: the field's own name, or its label as the form shows it in
    Latvian, Lithuanian or English, whole or without its explanation in brackets ("Status")."""
    names = {f.casefold(): f for f in COLUMNS}
    for lang in ("lv", "lt", "en"):
        with force_locale(lang):
            for f, label in labels.fields().items():
                if f in COLUMNS:
                    for text in (label, label.split(" (")[0]):
                        names.setdefault(text.strip().casefold(), f)
    return names


def _check_header(header):
    """The header as field names; a column that names no field is refused by name, never dropped unread."""
    names = _column_names()
    names[""] = ""  # a column without a name (a trailing separator) holds nothing the import reads
    unknown = [h for h in header if (h or "").strip().casefold() not in names]
    if unknown:
        raise EditError([("file", _("Unknown columns: %(columns)s. Use the column names of an export, or the "
                                    "field names of the form.", columns=", ".join(repr(h) for h in unknown[:10])))])
    header = [names[(h or "").strip().casefold()] for h in header]
    if "id" not in header:
        raise EditError([("id", _("The file has no 'id' column."))])
    seen = set()
    for column in header:
        if column and column in seen:
            raise EditError([(column, _("The column %(column)r appears twice in the header; keep one.", column=column))])
        seen.add(column)
    return header


def _as_dict(header, cells):
    row = dict(zip(header, cells)) | {h: None for h in header[len(cells):]}
    return row | ({None: cells[len(header):]} if len(cells) > len(header) else {})


def plan(user, rows):
    """A dry run: for each row, its changes or its errors (by row and column); nothing is written.

    Returns a list of {"row", "id", "action" (update/create/none/refused), "changes", "errors"}.
    """
    editing.require(user, "import")
    existing = {c["id"]: c for c in db.all_centres()}
    entries, first_row = [], {}
    for row_no, raw in enumerate(rows, start=2):
        entry = _plan_row(user, raw, existing)
        entry["row"] = row_no
        if entry["id"] in first_row:
            entry["errors"].append(("id", _("%(id)r is already on row %(row)d", id=entry["id"], row=first_row[entry["id"]])))
        first_row.setdefault(entry["id"], row_no)
        entries.append(entry)
    return entries


def _plan_row(user, raw, existing):
    current = existing.get((raw.get("id") or "").strip())
    # hours are read in the shorthand of the centre's country; a bad cell (a date that is no day) has no
    # value, and the row's other problems are still named beside it
    values, unread = editing.coerce_values({k: v for k, v in raw.items() if k in CENTRE_FIELDS and v is not None},
                                           CENTRE_FIELDS, (current or editing.new_centre(user))["country"])
    entry = {"id": values.get("id", (raw.get("id") or "").strip()), "changes": {}, "errors": _shape_problems(raw)}
    target = current or editing.new_centre(user) | {k: v for k, v in values.items() if v not in ("", None)}
    if not editing.may(user, "edit" if current else "add", target):
        entry["errors"].append(("municipality", _("%(value)r is not your municipality", value=target["municipality"])))
        return entry | {"action": "refused"}
    if current:
        entry["version"], moved = _exported_version(raw.get("version"), current)
        entry["errors"] += moved
        changes = editing.with_hours_provenance(current, {f: v for f, v in values.items() if f in EDITABLE})
        changes = {f: v for f, v in changes.items() if not editing.same(f, current[f], v)}
        entry |= {"action": "update" if changes else "none", "changes": {f: (current[f], v) for f, v in changes.items()},
                  "record": current | changes}
    else:
        entry |= {"action": "create", "record": target,
                  "changes": {f: (None, v) for f, v in values.items() if v not in ("", None)}}
    entry["errors"] += unread + editing.other_problems(entry["record"], unread)
    return entry


def _exported_version(cell, current):
    """The version a row was exported at, and a problem if it is missing or the centre moved since."""
    text = (cell or "").strip()
    if not text:
        return None, [("version", _("is needed for a row that changes an existing centre: export the centres "
                                    "again and make your changes in that file"))]
    if entry.whole_number(text) is None:
        return None, [("version", _("%(value)r is not a version number", value=text))]
    if int(text) != current["version"]:
        return int(text), [("version", _("the centre was changed after this file was exported (file: version "
                                         "%(file)s, now: %(now)d); export again and redo your changes there",
                                         file=text, now=current["version"]))]
    return int(text), []


def _shape_problems(raw):
    """A row with fewer or more cells than the header would blank or shift fields: refuse it."""
    missing = [k for k, v in raw.items() if k is not None and v is None]
    if missing:
        return [(missing[0], _("missing: the row has fewer cells than the header (%(columns)s)",
                               columns=", ".join(missing)))]
    if raw.get(None):
        return [("row", _("the row has %(n)d more cells than the header", n=len(raw[None])))]
    return []


def counts(entries):
    """How many rows of a plan change a centre, add one, change nothing."""
    actions = [e["action"] for e in entries]
    return {"changed": actions.count("update"), "added": actions.count("create"), "unchanged": actions.count("none")}


def apply(user, entries):
    """Write a plan without errors in one short transaction: every row lands, or none does."""
    editing.require(user, "import")
    if any(e["errors"] for e in entries):
        raise EditError([("row", _("row %(row)d has errors", row=e["row"])) for e in entries if e["errors"]])
    dialect = db.write_dialect()
    updates, creates, history = _parameters(user["email"], entries)
    statements = [_compiled(dialect, statement, rows) for statement, rows in (
        (_UPDATE, updates), (db.centres.insert().values({k: sa.bindparam(k) for k in creates[:1] and creates[0]}), creates),
        (db.changes.insert().values({k: sa.bindparam(k) for k in history[:1] and history[0]}), history)) if rows]
    try:
        with db.transaction() as conn:  # only precompiled statements run while the write lock is held
            for sql, params in statements:
                if conn.exec_driver_sql(sql, params).rowcount != len(params) and sql.startswith("UPDATE"):
                    raise Conflict(_moved(conn, updates))
            db.bump_data_version(conn)
    except sa.exc.IntegrityError:  # a centre of the file was added by someone else meanwhile
        raise EditError([("id", _("a centre of this file was added meanwhile by someone else; "
                                  "preview the file again"))]) from None


_UPDATE = (db.centres.update().where(db.centres.c.id == sa.bindparam("b_id"),
                                     db.centres.c.version == sa.bindparam("b_version"))
           .values(**{f: sa.bindparam(f) for f in EDITABLE}, version=sa.bindparam("b_next"),
                   updated_by=sa.bindparam("b_by"), updated_at=sa.func.now()))


def _parameters(user, entries):
    updates, creates, history = [], [], []
    for e in entries:
        if e["action"] == "update":
            updates.append({"b_id": e["id"], "b_version": e["version"], "b_next": e["version"] + 1, "b_by": user,
                            **{f: e["record"][f] for f in EDITABLE}})
        elif e["action"] == "create":
            creates.append(e["record"] | {"updated_by": user})
        diffs = {"created": (None, e["record"]["name"])} if e["action"] == "create" else e["changes"]
        version = e["version"] + 1 if e["action"] == "update" else 1
        history += editing.record(e["id"], uuid.uuid4().hex, user, diffs, version) if e["action"] != "none" else []
    return updates, creates, history


def _compiled(dialect, statement, rows):
    """The statement's SQL for ``dialect`` and its parameters for every row, ready for the driver."""
    compiled = statement.compile(dialect=dialect)
    params = [compiled.construct_params(row) for row in rows]
    if compiled.positional:
        params = [tuple(p[name] for name in compiled.positiontup) for p in params]
    return str(compiled), params


def _moved(conn, updates):
    """The first centre of the plan that is no longer at the version planned."""
    planned = {u["b_id"]: u["b_version"] for u in updates}
    rows = conn.execute(sa.select(db.centres).where(db.centres.c.id.in_(list(planned))))
    return next((dict(r._mapping) for r in rows if r.version != planned[r.id]), {"id": None, "version": -1})
