"""A route to take along: GPX 1.1, KML 2.2 and GeoJSON, built from a route summary."""
import json
import xml.etree.ElementTree as ET

from shapely.geometry import shape

__all__ = ["route_gpx", "route_kml", "route_geojson"]

GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"


def _stop_description(stop, texts):
    parts = ([texts["closed"].rstrip(".")] if stop["closed"] else []) + [stop["wheelchair_label"], stop["signage_label"]]
    if not stop["centre_id"]:  # a place the route names: its position and source are not a centre's record
        parts = [texts["place"].rstrip("."), *([texts["planner_position"].rstrip(".")]
                                              if stop["position_origin"] == "planner" else []),
                 f"{texts['source']}: {stop['source']}"] + parts
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


def _document(tag, namespace, **attrs):
    """A root element declaring ``namespace`` as the default one itself, in an attribute.

    Its descendants carry plain tags, so nothing depends on ``ET.register_namespace``, which changes
    every thread's output (a KML render once turned a concurrent GPX into ``<ns0:gpx>``).
    """
    return ET.Element(tag, {"xmlns": namespace, **attrs})


def _stop_list(route, texts):
    """Every stop in order, those without a known location said to be so: a GPX or KML reader shows
    only the located ones as points, and a visitor must not take 11 points for a 19-stop route."""
    names = [f"{s['seq']}. {s['name']}" + ("" if s["location_known"] else f" ({texts['unlocated']})")
             for s in route["stops"]]
    return f"{texts['stops']}: " + "; ".join(names) + "."


def route_gpx(route, texts):
    """GPX 1.1: each located stop a waypoint, the stops as a <rte>, the geometry as a <trk>."""
    gpx = _document("gpx", GPX_NS, version="1.1", creator="craftmap")
    meta = _sub(gpx, "metadata")
    _sub(meta, "name", route["name"])
    _sub(meta, "desc", f"{route['description']} {texts['origin']} {_stop_list(route, texts)} "
                       f"{texts['source']}: {route['source']}")
    located = [s for s in route["stops"] if s["location_known"]]
    for s in located:
        wpt = _sub(gpx, "wpt", lat=f"{s['lat']:.6f}", lon=f"{s['lon']:.6f}")
        _sub(wpt, "name", f"{s['seq']}. {s['name']}")
        _sub(wpt, "desc", _stop_description(s, texts))
        _sub(wpt, "type", f"wheelchair={s['wheelchair']};signage={s['signage']}")
    rte = _sub(gpx, "rte")
    _sub(rte, "name", route["name"])
    for s in located:
        _sub(_sub(rte, "rtept", lat=f"{s['lat']:.6f}", lon=f"{s['lon']:.6f}"), "name", s["name"])
    trk = _sub(gpx, "trk")
    _sub(trk, "name", route["name"])
    _sub(trk, "desc", texts["origin"])
    for line in _lines(route["geometry"]):
        seg = _sub(trk, "trkseg")
        for lon, lat in line:
            _sub(seg, "trkpt", lat=f"{lat:.6f}", lon=f"{lon:.6f}")
    return ET.tostring(gpx, encoding="utf-8", xml_declaration=True)


def route_kml(route, texts):
    """KML 2.2: the route line and one placemark per stop, a point where its location is known."""
    kml = _document("kml", KML_NS)
    doc = _sub(kml, "Document")
    _sub(doc, "name", route["name"])
    _sub(doc, "description", f"{route['description']} {texts['origin']} {_stop_list(route, texts)} "
                             f"{texts['source']}: {route['source']}")
    for line in _lines(route["geometry"]):
        pm = _sub(doc, "Placemark")
        _sub(pm, "name", route["name"])
        _sub(_sub(pm, "LineString"), "coordinates", " ".join(f"{x:.6f},{y:.6f}" for x, y in line))
    for s in route["stops"]:  # every stop in order; one whose location is unknown has no point
        pm = _sub(doc, "Placemark")
        _sub(pm, "name", f"{s['seq']}. {s['name']}")
        _sub(pm, "description", _stop_description(s, texts) + ("" if s["location_known"] else f" {texts['unlocated']}."))
        if s["location_known"]:
            _sub(_sub(pm, "Point"), "coordinates", f"{s['lon']:.6f},{s['lat']:.6f}")
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
