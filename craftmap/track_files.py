"""Reading an uploaded route track: GPX 1.0/1.1 or GeoJSON, told apart by content, never by name.

Each format has a parser that cannot open files or URLs: defusedxml (no DTD, so no entities) and
gpxpy for GPX, ``json`` and shapely for GeoJSON. Nothing here hands bytes to GDAL/OGR, which
would open whatever format it recognises (an OGR VRT document reads local files and URLs).
"""
import json
import re

import defusedxml
import defusedxml.ElementTree as SafeET
import gpxpy
import gpxpy.gpx
import numpy as np
from flask_babel import gettext as _
from shapely.geometry import LineString, MultiLineString

__all__ = ["TrackError", "read_track", "MAX_TRACK_BYTES", "MAX_INPUT_POINTS"]

MAX_TRACK_BYTES = 5_000_000
MAX_INPUT_POINTS = 50_000
GPX_NAMESPACES = ("http://www.topografix.com/GPX/1/0", "http://www.topografix.com/GPX/1/1", "")
ARCHIVES = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!")
LINE_TYPES = ("LineString", "MultiLineString")
WGS84_NAMES = re.compile(r"^(urn:ogc:def:crs:(OGC:1\.3:CRS84|OGC::CRS84|EPSG::4326)|EPSG:4326)$")


class TrackError(ValueError):
    """An uploaded track that cannot be used; ``str()`` is the message for the planner."""


def read_track(filename, data):
    """The line of an uploaded GPX or GeoJSON file as a shapely (Multi)LineString in WGS 84.

    Parameters
    ----------
    filename : str
        The name the file was sent under; used only in messages.
    data : bytes
        The file's content, at most ``MAX_TRACK_BYTES``.

    Raises
    ------
    TrackError
        For a file that is too large, an archive, neither GPX nor GeoJSON, unreadable, without a
        line, or with more than ``MAX_INPUT_POINTS`` points.
    """
    name = (filename or "")[:80]
    if len(data) > MAX_TRACK_BYTES:
        raise TrackError(_("%(file)s: is larger than %(mb)d MB", file=name, mb=MAX_TRACK_BYTES // 1_000_000))
    if data.startswith(ARCHIVES):
        raise TrackError(_("%(file)s: is an archive (zip or gzip); upload the GPX or GeoJSON file itself", file=name))
    try:
        text = data.decode("utf-8-sig").lstrip()
    except UnicodeDecodeError:
        raise TrackError(_("%(file)s: is not a GPX or GeoJSON text file (UTF-8)", file=name)) from None
    if text.startswith("<"):
        lines = _gpx_lines(name, text)
    elif text.startswith("{"):
        lines = _geojson_lines(name, text)
    else:
        raise TrackError(_("%(file)s: is neither GPX nor GeoJSON", file=name))
    return _joined(name, lines)


def _gpx_lines(name, text):
    try:
        root = SafeET.fromstring(text, forbid_dtd=True)
    except defusedxml.DefusedXmlException:
        raise TrackError(_("%(file)s: declares a DTD or entities, which a GPX file never needs", file=name)) from None
    except SafeET.ParseError as exc:
        raise TrackError(_("%(file)s: is not well-formed XML (%(error)s)", file=name, error=exc)) from None
    namespace, _sep, tag = root.tag[1:].rpartition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if tag != "gpx" or namespace not in GPX_NAMESPACES:
        raise TrackError(_("%(file)s: is XML but not GPX 1.0 or 1.1 (its root element is <%(tag)s>)",
                           file=name, tag=tag[:40]))
    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXException as exc:
        raise TrackError(_("%(file)s: cannot be read as GPX (%(error)s)", file=name, error=exc)) from None
    parts = [s.points for t in gpx.tracks for s in t.segments] or [r.points for r in gpx.routes]
    _check_count(name, sum(len(p) for p in parts))
    return [[(p.longitude, p.latitude) for p in points] for points in parts if len(points) >= 2]


def _refuse_constant(word):
    raise ValueError(f"{word} is not a number in JSON")


def _geojson_lines(name, text):
    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise TrackError(_("%(file)s: is not valid JSON (%(error)s)", file=name, error=str(exc)[:120])) from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        geometries = [f.get("geometry") for f in doc["features"] if isinstance(f, dict)]
    elif kind == "Feature":
        geometries = [doc.get("geometry")]
    elif kind in LINE_TYPES:
        geometries = [doc]
    else:
        raise TrackError(_("%(file)s: is JSON but not GeoJSON (a Feature, FeatureCollection, LineString or "
                           "MultiLineString)", file=name))
    crs = doc.get("crs") if isinstance(doc.get("crs"), dict) else {}
    crs = crs.get("properties") if isinstance(crs.get("properties"), dict) else {}
    crs = crs.get("name")
    if crs is not None and not WGS84_NAMES.match(str(crs)):
        raise TrackError(_("%(file)s: GeoJSON must be in WGS 84 longitude/latitude", file=name))
    lines = [g for g in geometries if isinstance(g, dict) and g.get("type") in LINE_TYPES]
    parts = [part for g in lines for part in ([g.get("coordinates")] if g["type"] == "LineString"
                                              else g.get("coordinates") if isinstance(g.get("coordinates"), list)
                                              else [None])]
    if not all(isinstance(p, list) and all(_is_position(c) for c in p) for p in parts):
        raise TrackError(_("%(file)s: has a line whose coordinates are not [longitude, latitude] pairs", file=name))
    _check_count(name, sum(len(p) for p in parts))
    return [[(c[0], c[1]) for c in p] for p in parts if len(p) >= 2]


def _is_position(value):
    return (isinstance(value, list) and 2 <= len(value) <= 3
            and all(isinstance(v, float) or type(v) is int and abs(v) < 10**300 for v in value))  # no bool, no int beyond float


def _check_count(name, points):
    if points > MAX_INPUT_POINTS:
        raise TrackError(_("%(file)s: has %(n)d points; at most %(max)d are read",
                           file=name, n=points, max=MAX_INPUT_POINTS))


def _joined(name, lines):
    if not lines:
        raise TrackError(_("%(file)s: holds no line (GPX track or route, GeoJSON LineString)", file=name))
    with np.errstate(invalid="ignore"):  # NaN is kept, for the line's checks to name
        return MultiLineString(lines) if len(lines) > 1 else LineString(lines[0])
