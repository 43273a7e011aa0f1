"""The survey worklist: the centres still missing access, signage, a recent signage check or a location,
in the order a planning region would survey them.

Priority: stops of a route first (visitors are sent there), then centres of the Mid-Baltic network
(confirmed or probable), then the rest; within each, a centre never surveyed before one surveyed long
ago, then by municipality and name. Filters and sorting come from the query string and are checked.
"""
import datetime
import unicodedata

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _  # module-level labels, written in the language of the page that shows them

from . import db, svgmap
from .datasets import route_name, snapshot
from .web import memo, release_after_request

__all__ = ["GAPS", "PRIORITIES", "SORTS", "SIGNAGE_STALE_DAYS", "gap_kinds", "gap_label", "priority_label",
           "parse", "rows", "export_rows", "FIELDS"]

SIGNAGE_STALE_DAYS = 365
GAPS = ("wheelchair", "signage", "signage_check", "location")
PRIORITIES = ("route_stop", "network", "other")
SORTS = ("priority", "centre", "municipality", "surveyed")
FIELDS = ["id", "name", "municipality", "country", "settlement", "address", "priority", "routes", "gaps",
          "last_surveyed", "wheelchair", "signage", "signage_checked_on", "lat", "lon"]
_GAP_LABELS = {"wheelchair": _("wheelchair access"), "signage": _("signage"),
               "signage_check": _("signage not checked within a year"), "location": _("location")}
_CHECK_LABELS = (_("signage never checked"), _("signage check older than a year"))
_PRIORITY_LABELS = {"route_stop": _("stop of a route"), "network": _("Mid-Baltic network"), "other": _("other centre")}


def gap_label(code, centre=None):
    """What the gap ``code`` is called; of a ``centre``, as it applies to it (never checked, or long ago)."""
    if code == "signage_check" and centre is not None:
        return _CHECK_LABELS[bool(centre["signage_checked_on"])]
    return _GAP_LABELS[code]


def priority_label(code):
    return _PRIORITY_LABELS[code]


def gap_kinds(c, today=None):
    """What a centre still lacks, as codes of GAPS. A signage value never checked, or checked over a
    year ago, needs a look; an unknown one is a signage gap of its own."""
    stale = ((today or datetime.date.today()) - datetime.timedelta(days=SIGNAGE_STALE_DAYS)).isoformat()
    return [code for code, cond in (
        ("wheelchair", c["wheelchair"] == "unknown"),
        ("signage", c["signage"] == "unknown"),
        ("signage_check", c["signage"] != "unknown" and (c["signage_checked_on"] or "") < stale),
        ("location", c["lat"] is None)) if cond]


def _last_surveyed(snap):
    """{centre id: the latest surveyed_on}, read once per data version (a survey's save bumps it)."""
    def read():
        s = db.surveys
        with db.engine().connect() as conn:
            return dict(conn.execute(sa.select(s.c.centre_id, sa.func.max(s.c.surveyed_on)).group_by(s.c.centre_id)).all())
    return memo(snap, "last-surveyed", read)


def name_key(name):
    """Sort key of a name in Latvian and Lithuanian alphabetical order: a letter with a mark comes after
    the same letter without one (S, then Š; C, then Č), case aside, and leading quotes are not letters
    ("Kristell" sveču darbnīca under K). Close enough to both languages' collation for a worklist."""
    letters = []
    for ch in unicodedata.normalize("NFD", name.lstrip('"\'„“”«»( ').casefold()):
        if unicodedata.combining(ch) and letters:
            letters[-1] = (letters[-1][0], letters[-1][1] + ch)
        else:
            letters.append((ch, ""))
    return letters


def parse(args):
    """The filters and sort of a request: ({"municipality", "route", "gap", "sort"}, None) or (None,
    (field, message)) naming the parameter that is not one of its values."""
    from flask_babel import gettext as _
    snap = snapshot()
    munis = list(current_app.extensions["craftmap.reference"].municipalities["name_local"])
    allowed = {"municipality": munis, "route": [r["id"] for r in snap.routes], "gap": list(GAPS), "sort": list(SORTS)}
    out = {"municipality": args.get("municipality", ""), "route": args.get("route", ""), "gap": args.get("gap", ""),
           "sort": args.get("sort", "") or "priority"}
    for field, value in out.items():
        if value and value not in allowed[field]:
            shown = allowed[field] if len(allowed[field]) <= 8 else allowed[field][:8] + ["…"]
            return None, (field, _("%(field)s must be one of: %(values)s", field=field, values=", ".join(shown)))
    return out, None


def _priority(c, snap):
    if snap.routes_of.get(c["id"]):
        return "route_stop"
    return "network" if c["mid_baltic_network"] in ("yes", "probable") else "other"


def rows(filters, lang, today=None):
    """The worklist under ``filters`` (from ``parse``), sorted as asked; every row a dict of FIELDS plus
    ``priority_rank`` and ``route_names``."""
    snap = snapshot()
    release_after_request()  # the rows of every active centre, gone once the page or file is sent
    surveyed = _last_surveyed(snap)
    names = {r["id"]: route_name(r, lang) for r in snap.routes}
    out = []
    for c in snap.centres:
        if c["status"] != "active":
            continue
        gaps = gap_kinds(c, today)
        if not gaps or (filters["gap"] and filters["gap"] not in gaps):
            continue
        if filters["municipality"] and c["municipality"] != filters["municipality"]:
            continue
        routes = snap.routes_of.get(c["id"], [])
        if filters["route"] and filters["route"] not in routes:
            continue
        priority = _priority(c, snap)
        out.append({k: c[k] for k in ("id", "name", "municipality", "country", "settlement", "address", "wheelchair",
                                      "signage", "signage_checked_on", "lat", "lon", "mid_baltic_network")}
                   | {"priority": priority, "priority_rank": PRIORITIES.index(priority), "gaps": gaps,
                      "routes": routes, "route_names": [names[r] for r in routes], "last_surveyed": surveyed.get(c["id"])})
    by_priority = lambda r: (r["priority_rank"], r["last_surveyed"] is not None, r["last_surveyed"] or "",
                             r["municipality"], r["name"])
    keys = {"priority": by_priority,
            "centre": lambda r: (name_key(r["name"]), r["municipality"]),
            "municipality": lambda r: (r["country"], r["municipality"], by_priority(r)),
            "surveyed": lambda r: (r["last_surveyed"] is not None, r["last_surveyed"] or "", by_priority(r))}
    return sorted(out, key=keys[filters["sort"]])


def export_rows(found):
    """Rows for CSV and XLSX: codes as codes (files keep a stable header and values), lists joined by ';'."""
    return [r | {"routes": "; ".join(r["routes"]), "gaps": "; ".join(r["gaps"]), "last_surveyed": r["last_surveyed"] or ""}
            for r in found]


def legend():
    """The XLSX export's second sheet: each column's meaning and every code's, in the page's language."""
    from flask_babel import gettext as _
    from . import labels
    own = {"priority": (_("Priority"), "; ".join(f"{code} = {priority_label(code)}" for code in PRIORITIES)),
           "routes": (_("Routes it is a stop of"), _("route ids, separated by “;”")),
           "gaps": (_("What is missing"), "; ".join(f"{code} = {gap_label(code)}" for code in GAPS)),
           "last_surveyed": (_("Last surveyed on"), _("YYYY-MM-DD; empty: never surveyed in craftmap"))}
    rows = labels.columns([f for f in FIELDS if f not in own])
    return rows + [[name, meaning, values] for name, (meaning, values) in own.items()]


def sheet_map(row, shapes, width=320, height=220, pad=8):
    """A small map for a printed survey sheet, as SVG path data: the centre's municipality and, where it
    is known, the centre."""
    shape = shapes.get((row["municipality"], row["country"]))
    if shape is None:
        return None
    frame = svgmap.Frame(shape.bounds, width, height, pad)
    point = frame.xy(row["lon"], row["lat"]) if row["lat"] is not None else None
    return {"path": frame.path(shape), "point": point, "width": width, "height": height}
