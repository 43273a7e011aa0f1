"""Spatial analysis: pure functions over (Geo)DataFrames, measured in a metric CRS.

Inputs and outputs are in WGS 84 (EPSG:4326); every distance is computed in
EPSG:3035 (ETRS89 / LAEA Europe), which covers Latvia and Lithuania.
"""
import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Point

__all__ = [
    "METRIC_CRS", "WGS84", "order_stops_nearest", "leg_lengths_km", "line_length_km",
    "centres_near_line", "centres_near_point", "line_through", "simplify_line", "lies_near",
]

METRIC_CRS = "EPSG:3035"
WGS84 = "EPSG:4326"


_DEGREE_DIGITS = 7  # about 1 cm: undoes the round trip's last-digit noise, so 23.27 stays 23.27
_near_areas = {}


def _to_metric(geoms):
    return gpd.GeoSeries(geoms, crs=WGS84).to_crs(METRIC_CRS)


def order_stops_nearest(lonlats):
    """Order points by nearest neighbour, starting from the westernmost.

    Parameters
    ----------
    lonlats : sequence of (lon, lat)
        Points in WGS 84.

    Returns
    -------
    list of int
        Indices into ``lonlats`` in visiting order.
    """
    if not lonlats:
        return []
    xy = np.array([[p.x, p.y] for p in _to_metric([Point(p) for p in lonlats])])
    todo = list(range(len(xy)))
    current = min(todo, key=lambda i: (xy[i][0], i))
    order = [current]
    todo.remove(current)
    while todo:
        current = min(todo, key=lambda i: (np.hypot(*(xy[i] - xy[current])), i))
        order.append(current)
        todo.remove(current)
    return order


def leg_lengths_km(lonlats):
    """Straight-line distance from each point to the next.

    Parameters
    ----------
    lonlats : sequence of (lon, lat) or None
        Points in WGS 84; None marks a point whose location is unknown.

    Returns
    -------
    list of float or None
        One entry per point after the first: km from the previous located point,
        or None where this point or every earlier point is unknown.
    """
    metric = {i: p for i, p in zip(
        [i for i, p in enumerate(lonlats) if p is not None],
        _to_metric([Point(p) for p in lonlats if p is not None]))}
    legs, last = [], None
    for i in range(len(lonlats)):
        here = metric.get(i)
        if i > 0:
            legs.append(round(here.distance(last) / 1000, 3) if here is not None and last is not None else None)
        last = here if here is not None else last
    return legs


def line_length_km(geometry):
    """Length of a (Multi)LineString given in WGS 84, in km."""
    if geometry is None or geometry.is_empty:
        return 0.0
    return float(_to_metric([geometry]).length.iloc[0] / 1000)


def line_through(lonlats):
    """A LineString through the located points, in order; None with fewer than two."""
    pts = [p for p in lonlats if p is not None]
    return LineString(pts) if len(pts) >= 2 else None


def centres_near_line(centres, line, buffer_m, exclude_ids=()):
    """Centres within ``buffer_m`` metres of a line.

    Parameters
    ----------
    centres : GeoDataFrame
        Point geometries in WGS 84 with an ``id`` column; empty geometries are ignored.
    line : shapely geometry
        The route line in WGS 84.
    buffer_m : float
        Distance in metres.
    exclude_ids : iterable of str
        Centre ids to leave out (for example, the route's own stops).

    Returns
    -------
    DataFrame
        ``id`` and ``distance_km``, nearest first.
    """
    if centres.crs is None or centres.crs.to_epsg() != 4326:
        raise ValueError("centres must be in EPSG:4326")
    located = centres[~centres.geometry.is_empty & centres.geometry.notna()]
    located = located[~located["id"].isin(list(exclude_ids))]
    if line is None or located.empty:
        return located.iloc[:0].assign(distance_km=[])[["id", "distance_km"]]
    metric_line = _to_metric([line]).iloc[0]
    dist = located.geometry.to_crs(METRIC_CRS).distance(metric_line)
    near = located.assign(distance_km=(dist / 1000).round(2))[dist <= buffer_m]
    return near.sort_values(["distance_km", "id"])[["id", "distance_km"]]


def centres_near_point(centres, lonlat, radius_m):
    """Centres within ``radius_m`` of a point, as ``id`` and ``distance_km``, nearest first."""
    line = shapely.Point(lonlat)
    return centres_near_line(centres, line, radius_m)


def simplify_line(line, tolerance_m):
    """A (Multi)LineString in WGS 84, simplified in EPSG:3035 to within ``tolerance_m`` metres.

    Topology is preserved (a part never collapses or crosses itself anew); the result is in WGS 84
    with coordinates rounded to 7 decimals (about 1 cm).
    """
    simple = shapely.simplify(_to_metric([line]).iloc[0], tolerance_m, preserve_topology=True)
    back = gpd.GeoSeries([simple], crs=METRIC_CRS).to_crs(WGS84).iloc[0]
    return shapely.transform(back, lambda xy: np.round(xy, _DEGREE_DIGITS))


def lies_near(geometry, area, distance_m):
    """Whether every part of ``geometry`` lies within ``distance_m`` of ``area`` (both WGS 84).

    The area's buffer is built once per area and distance and kept for later calls.
    """
    key = (id(area), distance_m)
    if key not in _near_areas:
        zone = shapely.simplify(_to_metric([area]).iloc[0], distance_m / 20).buffer(distance_m)
        shapely.prepare(zone)
        _near_areas[key] = (area, zone)  # the area is kept so that its id is not reused
    return bool(_near_areas[key][1].covers(_to_metric([geometry]).iloc[0]))
