"""The write path for routes (planners): ordered stops, and a line drawn between them or imported."""
import json
import unicodedata

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from shapely.geometry import mapping

from . import db, track_files, validation
from .editing import Conflict, EditError
from .spatial import line_through, simplify_line

__all__ = ["parse_stops", "stops_text", "stop_problems", "field_labels", "track_from_file", "track_geojson",
           "save_route", "ROUTE_TEXT_FIELDS"]

SIMPLIFY_M = 5  # tracks are stored simplified to within this many metres

ROUTE_TEXT_FIELDS = ("name_lv", "name_lt", "name_en", "description_lv", "description_lt", "description_en",
                     "colour", "theme", "source", "notes", "stop_order_origin", "geometry_origin")


def parse_stops(text, previous=()):
    """Stops from text, one a line: a centre id, or 'name | lat | lon | source' for another sourced place.

    The route editor's list writes this text too, so the form works the same with and without
    script. A place given exactly as one of ``previous`` (the route's stored stops) keeps its stored
    record; any other place is the planner's, and says so (``position_origin``).
    """
    kept = {_place_key(s): s for s in previous if isinstance(s, dict) and not s.get("centre_id")}
    stops, problems = [], []
    for n, line in enumerate((l.strip() for l in text.splitlines()), start=1):
        if not line:
            continue
        if "|" not in line:
            stops.append({"centre_id": line})
            continue
        parts = [p.strip() for p in line.split("|", 3)]
        if len(parts) != 4:
            problems.append(("stops", _("Line %(n)d of the stops: write “name | latitude | longitude | source” "
                                        "(latitude and longitude may be empty).", n=n)))
            continue
        name, lat, lon, source = parts
        place = {"name": name, "lat": validation.as_float(lat), "lon": validation.as_float(lon), "source": source}
        if (lat or lon) and None in (place["lat"], place["lon"]):
            problems.append(("stops", _("Line %(n)d of the stops: “%(lat)s”, “%(lon)s” are not a latitude and a "
                                        "longitude in degrees.", n=n, lat=lat[:30], lon=lon[:30])))
            continue
        stops.append(kept.get(_place_key(place)) or _planners_place(place))
    return stops, problems


def _place_key(stop):
    return tuple(stop.get(k) for k in ("name", "lat", "lon", "source"))


def _planners_place(place):
    if place["lat"] is None:
        return place | {"coord_precision": "none"}
    return place | {"coord_precision": "approximate", "position_origin": "planner"}


def stops_text(stops):
    lines = []
    for s in stops:
        if s.get("centre_id"):
            lines.append(s["centre_id"])
        else:
            coords = ["" if s.get(k) is None else str(s[k]) for k in ("lat", "lon")]
            lines.append(" | ".join([s["name"], *coords, s.get("source", "")]))
    return "\n".join(lines)


def field_labels():
    """The label of each field of the route form, as its list of problems names them."""
    return {"id": _("Identifier (lower-case letters, digits and -)"), "name_lv": _("Name in Latvian"),
            "name_lt": _("Name in Lithuanian"), "name_en": _("Name in English"),
            "description_lv": _("Description in Latvian"), "description_lt": _("Description in Lithuanian"),
            "description_en": _("Description in English"), "theme": _("Theme"), "source": _("Source"),
            "notes": _("Notes"), "colour": _("Colour"), "stop_order_origin": _("Order of stops"),
            "stops": _("Stops"), "track": _("Track file"), "geometry": _("Track file"), "version": _("Version")}


def _stop_field_labels():
    return {"centre_id": _("centre"), "name": _("name"), "source": _("source"), "lat": _("position"),
            "stop": _("stop")}


def stop_problems(stops, centres):
    """The stops' problems as ("stops", message) pairs in the planner's language, each naming the stop and field."""
    if not stops:
        return [("stops", _("Add at least one stop."))]
    if len(stops) > validation.MAX_STOPS:
        return [("stops", _("The route has %(n)d stops; at most %(max)d are allowed.",
                            n=len(stops), max=validation.MAX_STOPS))]
    labels, problems = _stop_field_labels(), []
    for n, stop in enumerate(stops, start=1):
        name = (centres.get(stop.get("centre_id")) or stop).get("name") or stop.get("centre_id") or ""
        problems += [("stops", _("Stop %(n)d (%(stop)s), %(field)s: %(problem)s", n=n,
                                 stop=validation.CONTROL.sub("?", name[:80]),
                                 field=labels.get(field, field), problem=message))
                     for field, message in validation.stop_problems(stop, set(centres), _region())]
    return problems


def centre_choices(lang):
    """Every centre as the route editor offers it: id, name in ``lang``, municipality, position, closed."""
    rows = [{"id": c["id"], "name": (c["name_en"] if lang == "en" else "") or c["name"],
             "municipality": c["municipality"], "lat": c["lat"], "lon": c["lon"], "closed": c["status"] == "closed"}
            for c in db.all_centres()]
    return sorted(rows, key=lambda r: _folded(r["name"]).lstrip("\"'„“ "))


def _folded(text):
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()


def _region():
    return current_app.extensions["craftmap.reference"].study_region


def track_from_file(filename, data):
    """The line of an uploaded GPX, KML or GeoJSON track, checked and simplified to within SIMPLIFY_M metres.

    Also reads a track kept from a refused save (its GeoJSON, sent back by the form): checked again
    like any upload, never trusted. Raises EditError naming the track field when it cannot be used.
    """
    name = (filename or "")[:80]
    try:
        line = track_files.read_track(data)
    except track_files.TrackError as exc:
        raise EditError([("track", _("%(file)s: %(problem)s", file=name, problem=str(exc)))]) from None
    problems = validation.line_problems(line, _region(), track_files.MAX_INPUT_POINTS)
    if not problems:
        line = simplify_line(line, SIMPLIFY_M)
        problems = validation.line_problems(line, _region())
    if problems:
        raise EditError([("track", _("%(file)s: %(problem)s", file=name, problem=p)) for p in problems])
    return line


def track_geojson(line):
    """A checked track as GeoJSON text, for the form to keep across a refused save."""
    return json.dumps(mapping(line))


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
    problems = (list(problems) + stop_problems(stops, centres)
                + validation.route_problems(feature, set(centres), _region(), check_stops=False))
    if problems:
        raise EditError(problems)
    doc = json.dumps(props, ensure_ascii=False)
    geom = json.dumps(feature["geometry"]) if geometry else None
    taken = EditError([("id", _("%(id)r is already used", id=route_id))])
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
