"""The write path for routes (planners): ordered stops, and a line drawn between them or imported."""
import json
import math

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from shapely.geometry import mapping

from . import db, track_files, validation
from .editing import Conflict, EditError
from .spatial import line_through, simplify_line

__all__ = ["parse_stops", "stops_text", "track_from_file", "save_route", "ROUTE_TEXT_FIELDS"]

SIMPLIFY_M = 5  # tracks are stored simplified to within this many metres

ROUTE_TEXT_FIELDS = ("name_lv", "name_lt", "name_en", "description_lv", "description_lt", "description_en",
                     "colour", "theme", "source", "notes", "stop_order_origin", "geometry_origin")


def parse_stops(text):
    """Stops from text, one a line: a centre id, or 'name | lat | lon | source' for another sourced place."""
    stops, problems = [], []
    for n, line in enumerate((l.strip() for l in text.splitlines()), start=1):
        if not line:
            continue
        if "|" not in line:
            stops.append({"centre_id": line})
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4:
            problems.append(("stops", f"line {n}: write 'name | lat | lon | source' (lat and lon may be empty)"))
            continue
        name, lat, lon, source = parts
        try:
            lat, lon = (float(lat), float(lon)) if lat or lon else (None, None)
            if lat is not None and not (math.isfinite(lat) and math.isfinite(lon)):
                raise ValueError
        except ValueError:
            problems.append(("stops", f"line {n}: {parts[1]!r}, {parts[2]!r} are not coordinates"))
            continue
        stops.append({"name": name, "lat": lat, "lon": lon, "source": source,
                      "coord_precision": "approximate" if lat is not None else "none"})
    return stops, problems


def stops_text(stops):
    lines = []
    for s in stops:
        if s.get("centre_id"):
            lines.append(s["centre_id"])
        else:
            coords = ["" if s.get(k) is None else str(s[k]) for k in ("lat", "lon")]
            lines.append(" | ".join([s["name"], *coords, s.get("source", "")]))
    return "\n".join(lines)


def _region():
    return current_app.extensions["craftmap.reference"].study_region


def track_from_file(filename, data):
    """The line of an uploaded GPX or GeoJSON track, checked and simplified to within SIMPLIFY_M metres.

    Raises EditError naming the track field when the file cannot be used.
    """
    try:
        line = track_files.read_track(filename, data)
    except track_files.TrackError as exc:
        raise EditError([("track", str(exc))]) from None
    name = (filename or "")[:80]
    problems = validation.line_problems(line, _region(), track_files.MAX_INPUT_POINTS)
    if not problems:
        line = simplify_line(line, SIMPLIFY_M)
        problems = validation.line_problems(line, _region())
    if problems:
        raise EditError([("track", _("%(file)s: %(problem)s", file=name, problem=p)) for p in problems])
    return line


def _drawn(stops, centres):
    places = (centres.get(s.get("centre_id"), s) for s in stops)
    return line_through([(p["lon"], p["lat"]) if p.get("lat") is not None else None for p in places])


def save_route(route_id, fields, stops, track, expected_version, problems=(), *, user):
    """Create (expected_version None) or update a route; the line is drawn unless a track is given.

    ``problems`` already found in the form (stop lines, the track file) are reported together with
    the route's own, so the planner sees every one at once.
    """
    centres = {c["id"]: c for c in db.all_centres()}
    props = {k: (fields.get(k) or "").strip() for k in ROUTE_TEXT_FIELDS} | {"stops": stops}
    if track is not None:
        props["geometry_origin"] = "surveyed_track"
        geometry = track
    else:
        props["geometry_origin"] = "drawn_between_stops"
        geometry = _drawn(stops, centres)
    feature = {"id": route_id, "properties": props, "geometry": mapping(geometry) if geometry else None}
    problems = list(problems) + [("route", p) for p in validation.check_route(feature, set(centres), "route", _region())]
    if problems:
        raise EditError(problems)
    doc = json.dumps(props, ensure_ascii=False)
    geom = json.dumps(feature["geometry"]) if geometry else None
    taken = EditError([("id", f"{route_id!r} is already used")])
    try:
        with db.transaction() as conn:
            if expected_version is None:
                if conn.execute(sa.select(db.routes.c.id).where(db.routes.c.id == route_id)).first():
                    raise taken
                conn.execute(db.routes.insert().values(id=route_id, doc=doc, geometry=geom, updated_by=user))
            else:
                result = conn.execute(db.routes.update()
                                      .where(db.routes.c.id == route_id, db.routes.c.version == expected_version)
                                      .values(doc=doc, geometry=geom, version=expected_version + 1, updated_by=user))
                if result.rowcount != 1:
                    raise Conflict({"id": route_id, "version": expected_version})
            db.bump_data_version(conn)
    except sa.exc.IntegrityError:  # another planner added the same id in the same instant (PostgreSQL)
        raise taken from None
