"""Accessibility and signage coverage: pure functions over (Geo)DataFrames, in a metric CRS."""
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .spatial import METRIC_CRS, WGS84

__all__ = ["WHEELCHAIR", "SIGNAGE", "by_area", "route_length_coverage", "known_share_near"]

WHEELCHAIR = ("yes", "limited", "no", "unknown")
SIGNAGE = ("yes", "no", "planned", "unknown")
STEP_M = 250.0


def by_area(centres, key):
    """Counts of each wheelchair and signage value per area, with shares over the known.

    Parameters
    ----------
    centres : DataFrame
        Active centres with ``wheelchair``, ``signage`` and the ``key`` column.
    key : str
        Column to group by, e.g. ``municipality`` or ``country``.

    Returns
    -------
    DataFrame
        One row per area: ``total``, ``wheelchair_<value>``, ``signage_<value>``,
        ``wheelchair_yes_pct`` and ``signage_yes_pct`` (NaN where nothing is known).
    """
    rows = []
    for area, group in centres.groupby(key, sort=True):
        row = {key: area, "total": len(group)}
        for field, values in (("wheelchair", WHEELCHAIR), ("signage", SIGNAGE)):
            counts = group[field].value_counts()
            for v in values:
                row[f"{field}_{v}"] = int(counts.get(v, 0))
            known = row["total"] - row[f"{field}_unknown"]
            row[f"{field}_known"] = known
            row[f"{field}_yes_pct"] = round(100 * row[f"{field}_yes"] / known, 1) if known else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def route_length_coverage(routes, accessible, distance_m, step_m=STEP_M):
    """Share of each route's length within ``distance_m`` of an accessible centre.

    Each line is cut into pieces of at most ``step_m``; a piece counts as covered when its
    midpoint lies within ``distance_m`` of an accessible centre (found with an STRtree), so
    the covered length is exact to within ``step_m`` at each end of a covered stretch.

    Parameters
    ----------
    routes : GeoDataFrame
        ``id`` and (Multi)LineString geometry, EPSG:4326.
    accessible : GeoDataFrame
        Points of the accessible centres, EPSG:4326.
    distance_m : float
        Distance in metres.
    step_m : float
        Length of the pieces the lines are measured in.

    Returns
    -------
    GeoDataFrame
        ``id``, ``length_km``, ``covered_km``, ``covered_pct``, and the uncovered stretches
        as geometry (EPSG:4326; empty when the whole route is covered).
    """
    for frame, name in ((routes, "routes"), (accessible, "accessible")):
        if frame.crs is None or frame.crs.to_epsg() != 4326:
            raise ValueError(f"{name} must be in EPSG:4326")
    points = accessible.geometry.to_crs(METRIC_CRS).values
    tree = shapely.STRtree(points[~shapely.is_empty(points)])
    out = []
    for route_id, line in zip(routes["id"], routes.geometry.to_crs(METRIC_CRS).values):
        starts, ends = _pieces(line, step_m)
        lengths = np.hypot(*(ends - starts).T)
        mids = shapely.points((starts + ends) / 2)
        covered = np.zeros(len(mids), dtype=bool)
        if len(tree.geometries):
            hit = tree.query_nearest(mids, max_distance=distance_m, all_matches=False)[0]
            covered[hit] = True
        gaps = shapely.linestrings(np.stack([starts[~covered], ends[~covered]], axis=1)) if (~covered).any() else []
        uncovered = shapely.simplify(shapely.line_merge(shapely.MultiLineString(list(gaps))), 1.0)
        total = float(lengths.sum())
        out.append({"id": route_id, "length_km": round(total / 1000, 1),
                    "covered_km": round(float(lengths[covered].sum()) / 1000, 1),
                    "covered_pct": round(100 * float(lengths[covered].sum()) / total, 1) if total else None,
                    "geometry": uncovered})
    return gpd.GeoDataFrame(out, geometry="geometry", crs=METRIC_CRS).to_crs(WGS84)


def known_share_near(routes, centres, distance_m):
    """Per route, the share of centres within ``distance_m`` whose wheelchair access is known.

    Parameters
    ----------
    routes : GeoDataFrame
        ``id`` and (Multi)LineString geometry, EPSG:4326.
    centres : GeoDataFrame
        Points with ``wheelchair``, EPSG:4326.
    distance_m : float
        Distance in metres.

    Returns
    -------
    dict
        Route id to the known share in [0, 1], or None where no centre lies that near.
    """
    points = centres.geometry.to_crs(METRIC_CRS).values
    known = (centres["wheelchair"] != "unknown").to_numpy()
    tree = shapely.STRtree(points)
    out = {}
    for route_id, line in zip(routes["id"], routes.geometry.to_crs(METRIC_CRS).values):
        near = tree.query(line, predicate="dwithin", distance=distance_m)
        out[route_id] = float(known[near].mean()) if len(near) else None
    return out


def _pieces(line, step_m):
    """Start and end coordinates of the pieces of a (Multi)LineString cut at ``step_m``."""
    starts, ends = [], []
    for part in getattr(line, "geoms", [line]):
        coords = shapely.get_coordinates(shapely.segmentize(part, step_m))
        starts.append(coords[:-1])
        ends.append(coords[1:])
    if not starts:
        return np.empty((0, 2)), np.empty((0, 2))
    return np.vstack(starts), np.vstack(ends)
