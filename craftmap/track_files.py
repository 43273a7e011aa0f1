"""Reading an uploaded route track: GPX 1.0/1.1, KML or GeoJSON, told apart by content, never by name.

Each format has a parser that cannot open files or URLs: defusedxml (no DTD, so no entities) for
the XML of GPX and KML, then gpxpy for GPX and a walk over the already parsed KML elements;
``json`` and shapely for GeoJSON. A KML NetworkLink is refused, never followed. Nothing here
hands bytes to GDAL/OGR, which would open whatever format it recognises (an OGR VRT document
reads local files and URLs). Messages are for the planner: no library text, no paths.
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
KML_NAMESPACES = ("http://www.opengis.net/kml/2.2", "http://earth.google.com/kml/2.0",
                  "http://earth.google.com/kml/2.1", "http://earth.google.com/kml/2.2", "")
ARCHIVES = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!")
LINE_TYPES = ("LineString", "MultiLineString")
WGS84_NAMES = re.compile(r"^(urn:ogc:def:crs:(OGC:1\.3:CRS84|OGC::CRS84|EPSG::4326)|EPSG:4326)$")


class TrackError(ValueError):
    """An uploaded track that cannot be used; ``str()`` is the message for the planner."""


def read_track(data):
    """The line of an uploaded GPX, KML or GeoJSON file as a shapely (Multi)LineString in WGS 84.

    Parameters
    ----------
    data : bytes
        The file's content, at most ``MAX_TRACK_BYTES``; its name plays no part.

    Raises
    ------
    TrackError
        For a file that is too large, an archive (KMZ included), none of the three formats,
        unreadable, without a line, linking to other files, or with more than ``MAX_INPUT_POINTS`` points.
    """
    if len(data) > MAX_TRACK_BYTES:
        raise TrackError(_("The file is larger than %(mb)d MB.", mb=MAX_TRACK_BYTES // 1_000_000))
    if data.startswith(ARCHIVES):
        raise TrackError(_("The file is compressed (KMZ, zip or gzip). Unpack it and upload the GPX, KML or "
                           "GeoJSON file inside."))
    try:
        text = data.decode("utf-8-sig").lstrip()
    except UnicodeDecodeError:
        raise TrackError(_("The file is not text in UTF-8, as GPX, KML and GeoJSON files are.")) from None
    if text.startswith("<"):
        lines = _xml_lines(text)
    elif text.startswith("{"):
        lines = _geojson_lines(text)
    else:
        raise TrackError(_("The file is not GPX, KML or GeoJSON."))
    return _joined(lines)


def _xml_lines(text):
    try:
        root = SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise TrackError(_("The file declares a DTD or entities, which GPX and KML files never need; "
                           "it was not read.")) from None
    except SafeET.ParseError:
        raise TrackError(_("The file is not well-formed XML (it may be cut short), so it cannot be read.")) from None
    namespace, tag = _name(root)
    if tag == "gpx" and namespace in GPX_NAMESPACES:
        return _gpx_lines(text)
    if tag == "kml" and namespace in KML_NAMESPACES:
        return _kml_lines(root)
    raise TrackError(_("The file is XML, but neither GPX 1.0/1.1 nor KML (its first element is <%(tag)s>).",
                       tag=tag[:40]))


def _name(element):
    """(namespace, local name) of an element."""
    tag = element.tag if isinstance(element.tag, str) else ""
    namespace, _sep, local = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
    return namespace, local


def _gpx_lines(text):
    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXException:
        raise TrackError(_("The file is GPX but cannot be read: a point lacks a valid lat or lon.")) from None
    segments = [s.points for t in gpx.tracks for s in t.segments]
    routes = [r.points for r in gpx.routes]
    _check_count(sum(map(len, segments)) + sum(map(len, routes)))
    # tracks where they hold a line; else the route (<rte>), as a route planner saves it
    parts = [p for p in segments if len(p) >= 2] or [p for p in routes if len(p) >= 2]
    return [[(p.longitude, p.latitude) for p in points] for points in parts]


def _kml_lines(root):
    """Every LineString and gx:Track in the KML's Placemarks (MultiGeometry and gx:MultiTrack included)."""
    elements = list(root.iter())
    if any(_name(e)[1] == "NetworkLink" for e in elements):
        raise TrackError(_("The KML file links to other files (NetworkLink), which craftmap never fetches. "
                           "Upload a KML file that holds the line itself."))
    parts, count = [], 0
    for placemark in (e for e in elements if _name(e)[1] == "Placemark"):
        for geom in placemark.iter():
            kind = _name(geom)[1]
            if kind == "LineString":
                text = " ".join(c.text or "" for c in geom if _name(c)[1] == "coordinates")
                tuples = [t.split(",") for t in text.split()]
            elif kind == "Track":
                tuples = [(c.text or "").split() for c in geom if _name(c)[1] == "coord"]
            else:
                continue
            count += len(tuples)
            _check_count(count)
            parts.append([_kml_position(t) for t in tuples])
    return [p for p in parts if len(p) >= 2]


def _kml_position(values):
    try:
        if len(values) not in (2, 3):
            raise ValueError
        return float(values[0]), float(values[1])
    except ValueError:
        raise TrackError(_("The KML file has a line whose coordinates are not longitude,latitude numbers.")) from None


def _refuse_constant(word):
    raise ValueError(f"{word} is not a number in JSON")


def _geojson_lines(text):
    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise TrackError(_("The file is not valid JSON, so it cannot be read as GeoJSON.")) from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        geometries = [f.get("geometry") for f in doc["features"] if isinstance(f, dict)]
    elif kind == "Feature":
        geometries = [doc.get("geometry")]
    elif kind in LINE_TYPES:
        geometries = [doc]
    else:
        raise TrackError(_("The file is JSON but not GeoJSON (a Feature, FeatureCollection, LineString or "
                           "MultiLineString)."))
    crs = doc.get("crs") if isinstance(doc.get("crs"), dict) else {}
    crs = crs.get("properties") if isinstance(crs.get("properties"), dict) else {}
    crs = crs.get("name")
    if crs is not None and not WGS84_NAMES.match(str(crs)):
        raise TrackError(_("The GeoJSON file must be in WGS 84 longitude/latitude."))
    lines = [g for g in geometries if isinstance(g, dict) and g.get("type") in LINE_TYPES]
    parts = [part for g in lines for part in ([g.get("coordinates")] if g["type"] == "LineString"
                                              else g.get("coordinates") if isinstance(g.get("coordinates"), list)
                                              else [None])]
    if not all(isinstance(p, list) and all(_is_position(c) for c in p) for p in parts):
        raise TrackError(_("The GeoJSON file has a line whose coordinates are not [longitude, latitude] pairs."))
    _check_count(sum(len(p) for p in parts))
    return [[(c[0], c[1]) for c in p] for p in parts if len(p) >= 2]


def _is_position(value):
    return (isinstance(value, list) and 2 <= len(value) <= 3
            and all(isinstance(v, float) or type(v) is int and abs(v) < 10**300 for v in value))  # no bool, no int beyond float


def _check_count(points):
    if points > MAX_INPUT_POINTS:
        raise TrackError(_("The file has more than %(max)d points; at most %(max)d are read.", max=MAX_INPUT_POINTS))


def _joined(lines):
    if not lines:
        raise TrackError(_("The file holds no line: a GPX track or route, a KML LineString or gx:Track, or a "
                           "GeoJSON LineString."))
    with np.errstate(invalid="ignore"):  # NaN is kept, for the line's checks to name
        return MultiLineString(lines) if len(lines) > 1 else LineString(lines[0])
