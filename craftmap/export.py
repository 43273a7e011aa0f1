"""A route to take along: GPX 1.1, KML 2.2 and GeoJSON, built from a route summary."""
import json
import xml.etree.ElementTree as ET

from shapely.geometry import shape

__all__ = ["route_gpx", "route_kml", "route_geojson"]

GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"


def _stop_description(stop, texts):
    parts = ([texts["closed"].rstrip(".")] if stop["closed"] else []) + [stop["wheelchair_label"], stop["signage_label"]]
    if stop["distance_from_previous_km"] is not None:
        parts.append(f"{stop['distance_from_previous_km']:.1f} {texts['km_from_previous']}")
    return ". ".join(parts) + "."


def _lines(geometry):
    if not geometry:
        return []
    geom = shape(geometry)
    return [list(g.coords) for g in getattr(geom, "geoms", [geom])]


def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = str(text)
    return el


def route_gpx(route, texts):
    """GPX 1.1: each located stop a waypoint, the stops as a <rte>, the geometry as a <trk>."""
    ET.register_namespace("", GPX_NS)
    q = lambda tag: f"{{{GPX_NS}}}{tag}"  # noqa: E731
    gpx = ET.Element(q("gpx"), {"version": "1.1", "creator": "craftmap"})
    meta = _sub(gpx, q("metadata"))
    _sub(meta, q("name"), route["name"])
    _sub(meta, q("desc"), f"{route['description']} {texts['origin']} {texts['source']}: {route['source']}")
    located = [s for s in route["stops"] if s["location_known"]]
    for s in located:
        wpt = _sub(gpx, q("wpt"), lat=f"{s['lat']:.6f}", lon=f"{s['lon']:.6f}")
        _sub(wpt, q("name"), f"{s['seq']}. {s['name']}")
        _sub(wpt, q("desc"), _stop_description(s, texts))
        _sub(wpt, q("type"), f"wheelchair={s['wheelchair']};signage={s['signage']}")
    rte = _sub(gpx, q("rte"))
    _sub(rte, q("name"), route["name"])
    for s in located:
        _sub(_sub(rte, q("rtept"), lat=f"{s['lat']:.6f}", lon=f"{s['lon']:.6f}"), q("name"), s["name"])
    trk = _sub(gpx, q("trk"))
    _sub(trk, q("name"), route["name"])
    _sub(trk, q("desc"), texts["origin"])
    for line in _lines(route["geometry"]):
        seg = _sub(trk, q("trkseg"))
        for lon, lat in line:
            _sub(seg, q("trkpt"), lat=f"{lat:.6f}", lon=f"{lon:.6f}")
    return ET.tostring(gpx, encoding="utf-8", xml_declaration=True)


def route_kml(route, texts):
    """KML 2.2: a folder with the route line and one placemark per located stop."""
    ET.register_namespace("", KML_NS)
    q = lambda tag: f"{{{KML_NS}}}{tag}"  # noqa: E731
    kml = ET.Element(q("kml"))
    doc = _sub(kml, q("Document"))
    _sub(doc, q("name"), route["name"])
    _sub(doc, q("description"), f"{route['description']} {texts['origin']} {texts['source']}: {route['source']}")
    for line in _lines(route["geometry"]):
        pm = _sub(doc, q("Placemark"))
        _sub(pm, q("name"), route["name"])
        _sub(_sub(pm, q("LineString")), q("coordinates"), " ".join(f"{x:.6f},{y:.6f}" for x, y in line))
    for s in route["stops"]:
        if s["location_known"]:
            pm = _sub(doc, q("Placemark"))
            _sub(pm, q("name"), f"{s['seq']}. {s['name']}")
            _sub(pm, q("description"), _stop_description(s, texts))
            _sub(_sub(pm, q("Point")), q("coordinates"), f"{s['lon']:.6f},{s['lat']:.6f}")
    return ET.tostring(kml, encoding="utf-8", xml_declaration=True)


def route_geojson(route):
    """GeoJSON (RFC 7946): the route line and each located stop as a point, in order."""
    keep = ("id", "name", "names", "description", "colour", "source", "notes", "geometry_origin",
            "stop_order_origin", "length_km")
    features = [{"type": "Feature", "id": route["id"], "geometry": route["geometry"],
                 "properties": {k: route[k] for k in keep}}]
    for s in route["stops"]:
        features.append({
            "type": "Feature", "id": f"{route['id']}-stop-{s['seq']}",
            "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]} if s["location_known"] else None,
            "properties": {k: v for k, v in s.items() if k not in ("lat", "lon")}})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
