"""The rules every centre and route record must meet, whichever way it arrives: the data files,
the editing form, the JSON API or an import. Each check returns (field, message) pairs or
'where, field F: message' lines, never raises.

Messages are lazy strings: each is written in the language of the request that shows it, and names
fields and coded values as the forms do, never by a data file's name or a library's wording.
"""
import math
import re

import numpy as np
import shapely
from flask_babel import LazyString
from flask_babel import lazy_gettext as _
from shapely.geometry import Point, shape

from . import entry, hours, labels, spatial

__all__ = ["ENUMS", "CENTRE_FIELDS", "DATE_FIELDS", "EDITABLE", "REQUIRED", "MAX_CHARS", "MAX_VISITORS", "MAX_LINE_POINTS",
           "MAX_LINE_KM", "NEAR_REGION_KM", "as_float", "centre_problems", "hours_problems", "validate_centre",
           "line_problems", "geometry_problems", "stop_problems", "route_problems", "check_route", "MAX_STOPS",
           "not_one_of"]

ENUMS = {
    "country": ("LV", "LT"),
    "wheelchair": ("yes", "limited", "no", "unknown"),
    "toilets_wheelchair": ("yes", "no", "unknown"),
    "signage": ("yes", "no", "planned", "unknown"),
    "mid_baltic_network": ("yes", "probable", "no", "unknown"),
    "status": ("active", "closed"),
    "coord_precision": ("address", "settlement", "approximate", "surveyed", "none"),
    "geometry_origin": ("surveyed_track", "drawn_between_stops"),
    "stop_order_origin": ("source", "derived"),
}
CENTRE_FIELDS = (
    "id", "name", "name_en", "kind", "crafts", "country", "municipality", "settlement", "address",
    "lat", "lon", "coord_precision", "coord_note", "phone", "email", "website", "opening_hours",
    "opening_hours_source", "opening_hours_as_of", "wheelchair", "wheelchair_description", "toilets_wheelchair",
    "signage", "signage_checked_on", "mid_baltic_network", "mid_baltic_evidence", "status", "source", "notes",
)
DATE_FIELDS = ("signage_checked_on",)  # stored as YYYY-MM-DD; typed also as dd.mm.yyyy (entry.iso_date)
EDITABLE = ("name", "name_en", "kind", "crafts", "settlement", "address", "lat", "lon", "coord_precision",
            "phone", "email", "website", "opening_hours", "opening_hours_source", "opening_hours_as_of",
            "wheelchair", "wheelchair_description", "toilets_wheelchair", "signage", "signage_checked_on", "status",
            "notes")  # after creation
MAX_CHARS = {f: 200 for f in CENTRE_FIELDS} | {f: 20 for f in ENUMS} | {
    "id": 80, "crafts": 500, "address": 300, "lat": 30, "lon": 30, "phone": 40, "email": 254, "website": 500,
    "opening_hours": 500, "opening_hours_source": 500, "opening_hours_as_of": 10, "signage_checked_on": 10,
    "source": 500, "coord_note": 2000,
    "wheelchair_description": 2000, "mid_baltic_evidence": 2000, "notes": 4000}
MAX_VISITORS = 10_000_000  # a year's visitors at one centre; more is a typing error
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # tab and newline are text; the rest is not
REQUIRED = ("id", "name", "kind", "country", "municipality", "wheelchair", "signage",
            "mid_baltic_network", "status", "coord_precision", "source")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
RESERVED_IDS = ("new",)  # /manage/centres/new and /manage/routes/new are the forms that add one
WEB_ADDRESS = re.compile(r"^https?://[^\s/]+\S*$", re.IGNORECASE)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()\-/.]{5,30}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_LINE_POINTS = 5_000   # a stored route line; public coverage analysis walks every one of them
MAX_LINE_KM = 2_000
MAX_STOPS = 200  # every stop is listed on the route's page and in the API, each with its distances
ROUTE_MAX_CHARS = {f"description_{lang}": 2000 for lang in ("lv", "lt", "en")} | {"source": 500, "notes": 4000}
NEAR_REGION_KM = 40  # the Balts' Road Selonian loop runs 25 km beyond the region, towards Daugavpils


def as_float(value):
    """The finite number in ``value``, else None."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def centre_problems(row, ref):
    """Check one centre record; return (field, message) pairs, empty when it is valid."""
    problems = _text_problems(row)
    if problems:  # text that breaks these rules is not read further
        return problems
    for field in REQUIRED:
        if not str(row.get(field) or "").strip():
            problems.append((field, _("is required")))
    if row.get("id") and not SLUG.match(row["id"]):
        problems.append(("id", _("%(value)r is not an identifier: use lower-case letters a–z, digits and '-'",
                                 value=row["id"])))
    elif row.get("id") in RESERVED_IDS:
        problems.append(("id", _("%(value)r names the form that adds a centre; choose another id", value=row["id"])))
    for field, allowed in ENUMS.items():
        if field in row and row[field] and row[field] not in allowed:
            problems.append((field, not_one_of(field, row[field])))
    for group, field in (("kind", "kind"), ("craft", "crafts")):
        for key in filter(None, (row.get(field) or "").split(";")):
            if key not in ref.vocabulary.get(group, {}):
                problems.append((field, _("%(value)r is not one of craftmap's crafts", value=key) if group == "craft"
                                 else _("%(value)r is not one of craftmap's kinds of place", value=key)))
    return problems + _format_problems(row) + _check_location(row, ref)


def not_one_of(field, value):
    """'value is not one of …', listing each allowed code of ``field`` with its meaning in the page's language
    (a file or an API client writes the code)."""
    allowed = LazyString(lambda: "; ".join(f"{code} ({labels.value(field, code)})" for code in ENUMS[field]))
    return _("%(value)r is not one of the allowed values: %(allowed)s", value=value, allowed=allowed)


def _text_problems(row, limits=MAX_CHARS):
    problems = []
    for field, value in row.items():
        if not isinstance(value, str):
            continue
        if CONTROL.search(value):
            problems.append((field, _("contains a control character (only tab and new line are allowed in text)")))
        elif len(value) > limits.get(field, 200):
            problems.append((field, _("is %(n)d characters long; at most %(max)d are allowed",
                                      n=len(value), max=limits.get(field, 200))))
    return problems


def _format_problems(row):
    problems = []
    for field in ("website", "opening_hours_source"):
        if row.get(field) and not WEB_ADDRESS.match(row[field]):
            problems.append((field, _("%(value)r is not a web address starting with http:// or https://",
                                      value=row[field])))
    if row.get("email") and not EMAIL.match(row["email"]):
        problems.append(("email", _("%(value)r is not an email address", value=row["email"])))
    if row.get("phone") and not PHONE.match(row["phone"]):
        problems.append(("phone", _("%(value)r is not a phone number (digits, spaces, + ( ) - /)", value=row["phone"])))
    if row.get("signage_checked_on") and not entry.is_iso_date(row["signage_checked_on"]):
        problems.append(("signage_checked_on", _("%(value)r is not a date: write the day as dd.mm.yyyy or "
                                                 "YYYY-MM-DD", value=row["signage_checked_on"])))
    if row.get("opening_hours_as_of") and not entry.is_partial_iso_date(row["opening_hours_as_of"]):
        problems.append(("opening_hours_as_of", _("%(value)r is not a date: write a day as dd.mm.yyyy or "
                                                  "YYYY-MM-DD, a month as YYYY-MM or a year as YYYY",
                                                  value=row["opening_hours_as_of"])))
    if row.get("opening_hours"):
        problems += [("opening_hours", m) for m in hours_problems(row["opening_hours"], row.get("country"))]
    return problems


def hours_problems(text, country):
    """What keeps ``text`` from being stored as a centre's opening hours in ``country``, as messages."""
    found = [m for _f, m in _text_problems({"opening_hours": text})]
    if found or not hours.problem(text, country):
        return found
    return [LazyString(hours.problem, text, country)]  # written again in the language that shows it


def validate_centre(row, ref, where):
    """Problems of one centre record as 'where, field F: message' lines."""
    return [f"{where}, field {field}: {message}" for field, message in centre_problems(row, ref)]


def _check_location(row, ref):
    lat, lon = str(row.get("lat") or "").strip(), str(row.get("lon") or "").strip()
    shape_ = ref.shapes.get((row.get("municipality"), row.get("country")))
    if row.get("municipality") and row.get("country") in ENUMS["country"] and shape_ is None:
        return [("municipality", _("%(value)r is not a municipality of the study region in %(country)s",
                                   value=row["municipality"], country=LazyString(labels.country, row["country"])))]
    if not lat and not lon:
        if row.get("coord_precision") not in (None, "", "none"):
            return [("lat", _("is missing, although the precision of the location is “%(precision)s”: give the "
                              "coordinates, or choose “%(none)s”", precision=_precision(row["coord_precision"]),
                              none=_precision("none")))]
        return []
    if as_float(lat) is None or as_float(lon) is None:
        field = "lat" if as_float(lat) is None else "lon"
        return [(field, _("%(value)r is not a number: give both latitude and longitude as numbers, or neither",
                          value=row[field]))]
    point = Point(as_float(lon), as_float(lat))
    if row.get("coord_precision") == "none":
        return [("coord_precision", _("is “%(none)s”, but coordinates are given: choose how precise they are, "
                                      "or clear them", none=_precision("none")))]
    if not ref.study_region.intersects(point):
        return [("lat", _("%(lat)s, %(lon)s lies outside the study region (Zemgale, Šiauliai and Panevėžys "
                          "counties)", lat=lat, lon=lon))]
    if shape_ is not None and not shape_.intersects(point):
        return [("lat", _("%(lat)s, %(lon)s lies outside %(municipality)s", lat=lat, lon=lon,
                          municipality=row["municipality"]))]
    return []


def _precision(code):
    return LazyString(labels.precision, code)


def line_problems(line, region, max_points=MAX_LINE_POINTS):
    """What keeps a route line (a shapely (Multi)LineString in WGS 84) from being stored, as messages.

    Coordinates must be finite longitude/latitude, at most ``max_points`` of them, the line at most
    MAX_LINE_KM long and all of it within NEAR_REGION_KM of ``region``; empty when it may be stored.
    """
    xy = shapely.get_coordinates(line)
    if not len(xy):
        return [_("the line has no points")]
    if not np.isfinite(xy).all():
        return [_("the line has coordinates that are not finite numbers (NaN or infinity)")]
    if not ((np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()):
        return [_("the line has a longitude outside -180…180 or a latitude outside -90…90")]
    if len(xy) > max_points:
        return [_("the line has %(n)d points; at most %(max)d are allowed", n=len(xy), max=max_points)]
    if any(part.length == 0 for part in getattr(line, "geoms", [line])):
        return [_("the line has a part whose points all lie in one place")]
    problems = []
    length_km = spatial.line_length_km(line)
    if length_km > MAX_LINE_KM:
        problems.append(_("the line is %(km)d km long; at most %(max)d km are allowed",
                          km=round(length_km), max=MAX_LINE_KM))
    if not spatial.lies_near(line, region, NEAR_REGION_KM * 1000):
        problems.append(_("the line goes farther than %(km)d km outside the study region", km=NEAR_REGION_KM))
    return problems


def stop_problems(stop, centre_ids, region):
    """What keeps one route stop (a centre, or a named and sourced place) from being stored, as (field,
    message) pairs; a place's position, when given, must lie within NEAR_REGION_KM of ``region``."""
    if not isinstance(stop, dict):
        return [("stop", _("is not an object"))]
    if stop.get("centre_id") is not None:
        if stop["centre_id"] not in centre_ids:
            return [("centre_id", _("%(value)r is not a centre in craftmap", value=stop["centre_id"]))]
        return []
    problems = [(f, _("is required for a stop that is not a centre")) for f in ("name", "source") if not stop.get(f)]
    problems += _text_problems({f: stop.get(f) for f in ("name", "source")}, ROUTE_MAX_CHARS)
    lat, lon = stop.get("lat"), stop.get("lon")
    if (lat is None) != (lon is None):
        problems.append(("lat", _("give both latitude and longitude, or neither")))
    elif lat is not None and not (isinstance(lat, (int, float)) and isinstance(lon, (int, float))
                                  and -90 <= lat <= 90 and -180 <= lon <= 180):
        problems.append(("lat", _("%(lat)r, %(lon)r are not valid coordinates", lat=lat, lon=lon)))
    elif lat is not None and not spatial.lies_near(Point(lon, lat), region, NEAR_REGION_KM * 1000):
        problems.append(("lat", _("%(lat)s, %(lon)s lies farther than %(km)d km outside the study region",
                                  lat=lat, lon=lon, km=NEAR_REGION_KM)))
    return problems


def route_problems(feature, centre_ids, region, check_stops=True):
    """Problems of one route feature (GeoJSON, stops in its properties) as (field, message) pairs;
    ``region`` is the study region, which the line and the stops must lie in or near. ``check_stops``
    False leaves the stops to the caller (the route form names them in the planner's words)."""
    props = feature.get("properties") or {}
    problems = _text_problems({f: v for f, v in props.items() if f != "stops"}, ROUTE_MAX_CHARS)
    if not SLUG.match(str(feature.get("id", ""))):
        problems.append(("id", _("%(value)r is not an identifier: use lower-case letters a–z, digits and '-'",
                                 value=feature.get("id"))))
    elif feature["id"] in RESERVED_IDS:
        problems.append(("id", _("%(value)r names the form that adds a route; choose another id", value=feature["id"])))
    problems += [(f, _("is required")) for f in ("name_en", "source") if not props.get(f)]
    if not COLOUR.match(str(props.get("colour", ""))):
        problems.append(("colour", _("%(value)r is not a colour written #rrggbb (e.g. #b03a2e)",
                                     value=props.get("colour"))))
    problems += [(f, not_one_of(f, props.get(f))) for f in ("geometry_origin", "stop_order_origin")
                 if props.get(f) not in ENUMS[f]]
    stops = props.get("stops") if check_stops else []
    if check_stops and (not isinstance(stops, list) or not stops):
        problems.append(("stops", _("must be a non-empty list")))
    elif check_stops and len(stops) > MAX_STOPS:
        problems.append(("stops", _("The route has %(n)d stops; at most %(max)d are allowed.", n=len(stops),
                                    max=MAX_STOPS)))
    elif check_stops:
        problems += [(f"stop {i}, {f}", m) for i, stop in enumerate(stops, start=1)
                     for f, m in stop_problems(stop, centre_ids, region)]
    return problems + [("geometry", p) for p in geometry_problems(feature.get("geometry"), region)]


def check_route(feature, centre_ids, where, region):
    """Problems of a route read from data/ as 'where, field F: message' lines; a stop naming no centre
    is named against centres.csv."""
    lines = []
    for field, message in route_problems(feature, centre_ids, region):
        if field.startswith("stop ") and field.endswith(", centre_id"):
            i = int(field.split(",")[0][5:])
            message = f"{feature['properties']['stops'][i - 1]['centre_id']!r} names no centre in centres.csv"
        stop, _sep, name = field.rpartition(", ")
        lines.append(f"{where}, {stop + ', ' if stop else ''}field {'lat/lon' if name == 'lat' and stop else name}: "
                     f"{message}")
    return lines


def geometry_problems(geom, region):
    """What keeps a route's GeoJSON geometry (or None, for no line) from being stored, as messages."""
    if geom is None:
        return []
    try:
        with np.errstate(invalid="ignore"):  # NaN is named below, not warned about
            line = shape(geom)
    except Exception:  # shapely reports malformed GeoJSON in several ways, in its own words
        return [_("the line cannot be read as a GeoJSON geometry")]
    if line.geom_type not in ("LineString", "MultiLineString"):
        return [_("the line must be a GeoJSON LineString or MultiLineString, not %(type)s", type=line.geom_type)]
    return line_problems(line, region)
