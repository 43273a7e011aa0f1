"""The one write boundary for centres: the form, the JSON API and the CSV import all come through here.

It owns the coercion of input into field values, the defaults of a new centre, the policy (who may
edit, add, import, read history) and the error shape: (field, message) pairs whose field names are
those of the form and the API. Every save is one transaction (on SQLite it takes the write lock up
front): the version is checked in the UPDATE itself, so of two people saving the same version only
one lands.
"""
import datetime
import uuid

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _

from . import db, entry, hours
from .validation import CENTRE_FIELDS, DATE_FIELDS, EDITABLE, MAX_CHARS, MAX_VISITORS, centre_problems

__all__ = ["EDITABLE", "ANY_VERSION", "WriteError", "EditError", "Refused", "NotFound", "Conflict", "may",
           "require", "centre_for", "coerce", "coerce_values", "other_problems", "coerce_visitors", "coerce_edit",
           "new_centre", "update", "create",
           "close", "read_history", "save_centre", "save_in", "current_in", "create_centre", "history",
           "blank_centre", "same", "record", "typed", "check"]

ANY_VERSION = "*"  # If-Match: * — whatever version the centre is at (RFC 9110, 13.1.1)


class WriteError(Exception):
    """A refused write; ``problems`` is a list of (field, message), nothing was saved."""

    def __init__(self, problems):
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems

    def by_field(self):
        """The first message for each field, as the form shows them beside the fields."""
        return {f: m for f, m in reversed(self.problems)}

    def as_json(self):
        field, message = self.problems[0]
        return {"error": f"{field}: {message}", "field": field,
                "problems": [{"field": f, "error": m} for f, m in self.problems]}


class EditError(WriteError):
    """Invalid input."""


class Refused(WriteError):
    """The policy does not let this account do this."""


class NotFound(WriteError, LookupError):
    """No such centre or change."""


class Conflict(WriteError):
    """The centre changed since it was read; ``current`` is its present state."""

    def __init__(self, current):
        super().__init__([("version", _("the centre was changed meanwhile: it is now at version %(v)d",
                                        v=current["version"]))])
        self.current = current


# --- policy: who may do what, decided here only ------------------------------------------------

def _may_edit(user, centre):
    return user["role"] == "admin" or (user["role"] == "editor" and centre["municipality"] == user["municipality"])


_POLICY = {
    "edit": _may_edit,  # change, close, revert
    "add": lambda user, centre: user["role"] == "editor" and centre["municipality"] == user["municipality"],
    "import": lambda user, centre: user["role"] == "editor",
    "history": lambda user, centre: user["role"] == "planner" or _may_edit(user, centre),
    "list": lambda user, centre: user["role"] == "planner" or _may_edit(user, centre),  # and export
}


def may(user, action, centre=None):
    """Whether ``user`` may do ``action`` (edit, add, import, history, list) to ``centre``."""
    return user is not None and _POLICY[action](user, centre or {"municipality": user["municipality"]})


def require(user, action, centre=None):
    if not may(user, action, centre):
        raise Refused([_refusal(user, action, centre)])


def _refusal(user, action, centre):
    if action in ("add", "import") and user["role"] != "editor":
        return "municipality", _("Only editors of a municipality add and import centres.")
    if centre is None or action == "add":
        return "municipality", _("You may add centres only in %(yours)s.", yours=user["municipality"] or "–")
    return "id", _("%(name)s is in %(municipality)s; you may edit only the centres of %(yours)s.",
                   name=centre["name"], municipality=centre["municipality"], yours=user["municipality"] or "–")


def centre_for(user, action, centre_id):
    """The centre, if it exists and ``user`` may do ``action`` to it; raises NotFound or Refused."""
    centre = db.get_centre(centre_id)
    if centre is None:
        raise NotFound([("id", _("There is no centre with the id %(id)r.", id=centre_id))])
    require(user, action, centre)
    return centre


# --- coercion: input of any channel into field values ------------------------------------------

def coerce(raw, fields, country=None):
    """``raw`` (form, JSON or CSV values) as field values; raises EditError naming each bad field."""
    values, problems = coerce_values(raw, fields, country)
    if problems:
        raise EditError(problems)
    return values


def coerce_values(raw, fields, country=None):
    """(field values, problems) of ``raw`` (form, JSON or CSV values); a bad field has a problem and no value.

    Text stays text (stripped, line ends as newline); lat and lon become numbers or None (a decimal
    comma is read too); dates typed dd.mm.yyyy become YYYY-MM-DD (``entry``); opening hours as typed
    in ``country`` become the library's normalised form when they can be read.
    """
    values, problems = {}, []
    for field, value in raw.items():
        if field not in fields:
            problems.append((field, _("is not a field that can be written")))
        elif field in ("lat", "lon"):
            values[field] = _coordinate(value)
        elif field in DATE_FIELDS and isinstance(value, str):
            values[field] = entry.iso_date(value)
            if values[field] and not entry.is_iso_date(values[field]):
                problems.append((field, _("%(value)r is not a date: write the day as dd.mm.yyyy or YYYY-MM-DD",
                                          value=values.pop(field).strip())))
        elif field == "opening_hours_as_of" and isinstance(value, str):
            values[field] = entry.iso_date(value)  # a day typed dd.mm.yyyy; a year or month stays as typed
        elif value is None or isinstance(value, str):
            values[field] = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
            if field == "opening_hours":
                values[field] = hours.stored_form(values[field], country, MAX_CHARS[field])
        else:
            problems.append((field, _("must be text, not %(type)s", type=_json_type(value))))
    return values, problems


def other_problems(record, problems):
    """The validation problems of ``record`` in fields that ``problems`` does not name already: a
    refused edit names every problem at once, not only those of the first kind found."""
    named = {field for field, _message in problems}
    return [p for p in centre_problems(_as_text(record), current_app.extensions["craftmap.reference"])
            if p[0] not in named]


def _coordinate(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if abs(value) < 1e300 else f"{str(value)[:20]}…"  # a JSON integer beyond any float
    if isinstance(value, bool):
        return repr(value)  # not 1.0 and 0.0
    if isinstance(value, str):
        return entry.decimal(value)  # text that is no number is kept, so that validation names it
    return None if value is None else repr(value)


def _json_type(value):
    return {bool: "true/false", int: _("a number"), float: _("a number"), list: _("a list"),
            dict: _("an object")}.get(type(value), type(value).__name__)


def coerce_visitors(raw):
    """{year: count} from form or JSON input; counts are whole numbers 0..MAX_VISITORS or None (delete)."""
    if not isinstance(raw, dict):
        raise EditError([("visitors", _("must be an object {year: count}"))])
    counts = {}
    for year, count in raw.items():
        y, n = _whole(year), _whole(count)
        if y is None or not 2000 <= y <= 2100:
            raise EditError([("visitors", _("%(year)r is not a year between 2000 and 2100", year=year))])
        if count not in (None, "") and (n is None or not 0 <= n <= MAX_VISITORS):
            raise EditError([("visitors", _("%(count)r for %(year)d is not a whole number of visitors from 0 to "
                                            "%(max)s", count=count, year=y, max=format_decimal(MAX_VISITORS)))])
        counts[y] = n
    return counts


def _whole(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return entry.whole_number(value)


# --- defaults of a new centre ------------------------------------------------------------------

def blank_centre():
    """An empty active centre with no location; required fields must still be given."""
    return {f: "" for f in CENTRE_FIELDS} | {"lat": None, "lon": None, "status": "active"}


def new_centre(user):
    """What a new centre of ``user``'s municipality starts as, whichever way it is added."""
    munis = current_app.extensions["craftmap.reference"].municipalities
    country = dict(zip(munis["name_local"], munis["country_code"])).get(user["municipality"], "")
    unknown = {f: "unknown" for f in ("wheelchair", "signage", "toilets_wheelchair", "mid_baltic_network")}
    return blank_centre() | unknown | {"municipality": user["municipality"] or "", "country": country,
                                       "coord_precision": "none"}


# --- the operations, each checked against the policy -------------------------------------------

def update(user, centre_id, raw, expected_version, raw_visitors=None):
    """Apply raw changes (and visitor counts) for ``user``; ``expected_version`` may be ANY_VERSION."""
    centre = centre_for(user, "edit", centre_id)
    changes, visitors = coerce_edit(raw, raw_visitors, centre)
    version = centre["version"] if expected_version == ANY_VERSION else expected_version
    return save_centre(centre_id, changes, version, user["email"], visitors)


def coerce_edit(raw, raw_visitors, centre):
    """(field values, visitor counts) of an edit of ``centre``; one EditError naming every problem."""
    def fields():
        values, problems = coerce_values(raw, EDITABLE, centre["country"])
        if problems:
            raise EditError(problems + other_problems(centre | values, problems))
        return values
    return _both(fields, lambda: coerce_visitors(raw_visitors or {}))


def _both(first, second):
    """The results of two coercions, or one EditError with the problems of both."""
    results, problems = [], []
    for step in (first, second):
        try:
            results.append(step())
        except EditError as exc:
            problems += exc.problems
    if problems:
        raise EditError(problems)
    return results


def create(user, raw):
    """Add a centre in ``user``'s municipality; returns its id."""
    require(user, "add")
    blank = new_centre(user)
    values, problems = coerce_values(raw, CENTRE_FIELDS, blank["country"])
    record = blank | {k: v for k, v in values.items() if v not in ("", None)}
    if problems:
        raise EditError(problems + other_problems(record, problems))
    require(user, "add", record)
    return create_centre(record, user["email"])


def close(user, centre_id, expected_version):
    """Close a centre (it stays in the data, shown as closed); returns the new version."""
    centre_for(user, "edit", centre_id)
    return save_centre(centre_id, {"status": "closed"}, expected_version, user["email"])


def read_history(user, centre_id):
    """(centre, its changes, newest first) if ``user`` may read them."""
    centre = centre_for(user, "history", centre_id)
    return centre, history(centre_id)


# --- the trusted core: already coerced values, already allowed ---------------------------------

def check(row):
    problems = centre_problems(_as_text(row), current_app.extensions["craftmap.reference"])
    if problems:
        raise EditError(problems)


def _as_text(row):
    """The row as validation reads it: coordinates as text, like a CSV cell."""
    return row | {k: "" if row.get(k) is None else str(row[k]) for k in ("lat", "lon")}


def record(centre_id, batch, user, diffs, version, reverts=None, survey=None):
    """The history rows of one change set (one save: {field: (old, new)} that made ``version``), for
    ``conn.execute(db.changes.insert(), rows)``. Every writer of centres records through this."""
    return [{"centre_id": centre_id, "batch": batch, "by": user, "field": f, "version": version,
             "old": None if old is None else str(old), "new": None if new is None else str(new),
             "reverts": reverts, "survey_id": survey} for f, (old, new) in diffs.items()]


def typed(field, text):
    """A recorded value (text or None) as the field holds it: coordinates and visitor counts are numbers."""
    if text is None or (text == "" and (field in ("lat", "lon") or field.startswith("visitors_"))):
        return None
    if field in ("lat", "lon"):
        return float(text)
    return int(text) if field.startswith("visitors_") else text


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


def save_in(conn, current, changes, expected_version, user, visitors=None, reverts=None, survey=None):
    """The write itself, in ``conn``'s transaction: check, version-checked UPDATE, visitor counts, one
    change set (from the field survey ``survey``, if one gave it). ``current`` is the centre as read in
    that transaction. Returns the new version."""
    if current["version"] != expected_version:
        raise Conflict(current)
    changes = with_hours_provenance(current, {k: v for k, v in changes.items() if k in EDITABLE})
    check(current | changes)
    diffs = {f: (current[f], v) for f, v in changes.items() if not same(f, current[f], v)}
    result = conn.execute(
        db.centres.update().where(db.centres.c.id == current["id"], db.centres.c.version == expected_version)
        .values(**{f: changes[f] for f in diffs}, version=expected_version + 1, updated_by=user,
                updated_at=sa.func.now()))
    if result.rowcount != 1:
        raise Conflict(current)
    _set_visitors(conn, current["id"], visitors or {}, diffs)
    if diffs:
        conn.execute(db.changes.insert(), record(current["id"], uuid.uuid4().hex, user, diffs, expected_version + 1,
                                                 reverts, survey))
    db.bump_data_version(conn)
    return expected_version + 1


HOURS_PROVENANCE = ("opening_hours_source", "opening_hours_as_of")


def with_hours_provenance(current, changes, today=None):
    """``changes`` with where the hours come from: hours changed without a word on their source are the
    editor's own, as of today (the history says who), so the page they were once copied from and its
    date no longer speak for them; hours removed have neither."""
    if "opening_hours" not in changes or same("opening_hours", current["opening_hours"], changes["opening_hours"]):
        return changes
    if any(f in changes and changes[f] != current[f] for f in HOURS_PROVENANCE):
        return changes
    today = (today or datetime.date.today()).isoformat() if changes["opening_hours"] else ""
    return changes | {"opening_hours_source": "", "opening_hours_as_of": today}


def same(field, old, new):
    """Equal values; crafts are a set, so another order of the same crafts is no change."""
    if field == "crafts":
        return set(filter(None, (old or "").split(";"))) == set(filter(None, (new or "").split(";")))
    return old == new


def current_in(conn, centre_id):
    row = conn.execute(sa.select(db.centres).where(db.centres.c.id == centre_id)).first()
    if row is None:
        raise NotFound([("id", _("There is no centre with the id %(id)r.", id=centre_id))])
    return dict(row._mapping)


def save_centre(centre_id, changes, expected_version, user, visitors=None):
    """Apply coerced ``changes`` (and visitor counts {year: n}) to a centre at ``expected_version``.

    Returns the new version; raises EditError (nothing saved), Conflict or NotFound.
    """
    with db.transaction() as conn:
        return save_in(conn, current_in(conn, centre_id), changes, expected_version, user, visitors)


def create_centre(record_, user):
    """Add a complete, coerced centre record; returns its id. Raises EditError naming each invalid field."""
    check(record_)
    taken = EditError([("id", _("%(id)r is already used", id=record_["id"]))])
    try:
        with db.transaction() as conn:
            if conn.execute(sa.select(db.centres.c.id).where(db.centres.c.id == record_["id"])).first():
                raise taken
            conn.execute(db.centres.insert().values(**record_, updated_by=user))
            conn.execute(db.changes.insert(), record(record_["id"], uuid.uuid4().hex, user,
                                                     {"created": (None, record_["name"])}, 1))
            db.bump_data_version(conn)
    except sa.exc.IntegrityError:  # another request added the same id in the same instant
        raise taken from None
    return record_["id"]


def history(centre_id):
    with db.engine().connect() as conn:
        rows = conn.execute(sa.select(db.changes).where(db.changes.c.centre_id == centre_id)
                            .order_by(db.changes.c.id.desc()))
        return [dict(r._mapping) for r in rows]
