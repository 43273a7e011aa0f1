"""Reading the open-data files in data/, each record checked by the rules in ``validation``.

Every problem is reported with the file, the row (or feature) and the field;
a file with any problem is refused whole, so nothing is silently dropped.
"""
import csv
import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

from .validation import CENTRE_FIELDS, as_float, check_route, validate_centre

__all__ = ["DataError", "Reference", "load_reference", "read_centres", "read_routes"]

MAX_ERRORS = 50


class DataError(Exception):
    """Raised when a data file is invalid; ``problems`` lists 'file, row N, field: message'."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("invalid data:\n  " + "\n  ".join(self.problems[:MAX_ERRORS]))


@dataclass
class Reference:
    """Data that does not change with editing: vocabularies, boundaries, the programme."""

    vocabulary: dict            # group -> key -> {"en":..,"lv":..,"lt":..}
    municipalities: gpd.GeoDataFrame
    study_region: object        # shapely geometry
    indicators: list
    measures: list

    def __post_init__(self):
        shapely.prepare(self.study_region)
        self.shapes = {(n, c): g for n, c, g in zip(self.municipalities["name_local"],
                                                   self.municipalities["country_code"],
                                                   self.municipalities.geometry)}
        for geom in self.shapes.values():
            shapely.prepare(geom)


def _read_csv(path):
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            return reader.fieldnames or [], list(reader)
    except FileNotFoundError:
        raise DataError([f"{path.name}: file not found in {path.parent}"]) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError([f"{path.name}: cannot be read as UTF-8 CSV ({exc})"]) from None


def _read_geojson(path):
    """A GeoJSON FeatureCollection (RFC 7946, so WGS 84) as a GeoDataFrame, through shapely: reading it
    with gpd.read_file loaded GDAL into every worker, 36 MB each, for two small files."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        frame = gpd.GeoDataFrame.from_features(doc["features"], crs="EPSG:4326")
    except FileNotFoundError:
        raise DataError([f"{path.name}: file not found in {path.parent}"]) from None
    except Exception as exc:  # broken JSON, no features, a geometry shapely cannot read
        raise DataError([f"{path.name}: cannot be read as GeoJSON ({type(exc).__name__}: {exc})"]) from None
    return frame[[c for c in frame.columns if c != "geometry"] + ["geometry"]]


def load_reference(data_dir):
    """Read and check the reference files in ``data_dir``."""
    data_dir = Path(data_dir)
    _, vocab_rows = _read_csv(data_dir / "vocabulary.csv")
    vocabulary = {}
    for row in vocab_rows:
        vocabulary.setdefault(row["group"], {})[row["key"]] = {k: row[k] for k in ("en", "lv", "lt")}
    municipalities = _read_geojson(data_dir / "municipalities.geojson")
    region = _read_geojson(data_dir / "study_region.geojson")
    _, indicators = _read_csv(data_dir / "indicators.csv")
    _, measures = _read_csv(data_dir / "measures.csv")
    return Reference(vocabulary, municipalities, shapely.union_all(region.geometry.values),
                     indicators, measures)


def read_centres(path, ref):
    """Read centres.csv; return validated rows (lat/lon as float or None) or raise DataError."""
    path = Path(path)
    fields, rows = _read_csv(path)
    missing = [f for f in CENTRE_FIELDS if f not in fields]
    if missing:
        raise DataError([f"{path.name}, header: missing column(s) {', '.join(missing)}"])
    problems, seen = [], {}
    for row_no, row in enumerate(rows, start=2):
        where = f"{path.name}, row {row_no}"
        problems += validate_centre(row, ref, where)
        if row["id"] in seen:
            problems.append(f"{where}, field id: {row['id']!r} already used on row {seen[row['id']]}")
        seen.setdefault(row["id"], row_no)
    if problems:
        raise DataError(problems)
    for row in rows:
        row["lat"], row["lon"] = as_float(row["lat"]), as_float(row["lon"])
    return rows


def read_routes(path, centre_ids, region):
    """Read routes.geojson; return route dicts (stops in order) or raise DataError.

    ``region`` is the study region, which every line and located stop must lie in or near."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError([f"{path.name}: file not found in {path.parent}"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError([f"{path.name}: not valid JSON ({exc})"]) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise DataError([f"{path.name}: must be a GeoJSON FeatureCollection"])
    problems, seen, routes = [], set(), []
    for n, feature in enumerate(doc.get("features") or [], start=1):
        where = f"{path.name}, feature {n} ({feature.get('id', 'no id')})"
        problems += check_route(feature, centre_ids, where, region)
        if feature.get("id") in seen:
            problems.append(f"{where}, field id: {feature.get('id')!r} is used twice")
        seen.add(feature.get("id"))
        routes.append({"id": feature.get("id"), **(feature.get("properties") or {}),
                       "geometry": feature.get("geometry")})
    if problems:
        raise DataError(problems)
    return routes
