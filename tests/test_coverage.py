"""Coverage: per area counts, and route length near accessible centres against a hand computation."""
import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point

from craftmap import coverage


def test_by_area_counts_and_shares():
    centres = pd.DataFrame({"municipality": ["A", "A", "A", "B"], "wheelchair": ["yes", "no", "unknown", "unknown"],
                            "signage": ["yes", "planned", "unknown", "no"]})
    table = coverage.by_area(centres, "municipality").set_index("municipality")
    assert table.loc["A", "wheelchair_yes_pct"] == 50.0 and table.loc["A", "wheelchair_unknown"] == 1
    assert pd.isna(table.loc["B", "wheelchair_yes_pct"])
    assert table.loc["A", "signage_yes_pct"] == 50.0 and table.loc["B", "signage_yes_pct"] == 0.0


def test_straight_route_hand_computed():
    # A 100 km straight route due north along 24°E from 56°N; an accessible centre at its start
    # covers its first 10 km (distance 10 km), one 5 km east of the point 60 km along covers
    # sqrt(10² - 5²) = 8.66 km either side: 17.32 km. Covered: 27.32 of 100 km.
    geod = Geod(ellps="WGS84")
    _, end_lat, _ = geod.fwd(24.0, 56.0, 0, 100_000)
    _, at60_lat, _ = geod.fwd(24.0, 56.0, 0, 60_000)
    east_lon, east_lat, _ = geod.fwd(24.0, at60_lat, 90, 5_000)
    routes = gpd.GeoDataFrame({"id": ["r"]}, geometry=[LineString([(24.0, 56.0), (24.0, end_lat)])], crs="EPSG:4326")
    accessible = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(24.0, 56.0), Point(east_lon, east_lat)],
                                  crs="EPSG:4326")
    result = coverage.route_length_coverage(routes, accessible, 10_000).iloc[0]
    assert result["length_km"] == pytest.approx(100, abs=0.3)
    assert result["covered_km"] == pytest.approx(10 + 2 * 75 ** 0.5, abs=0.5)  # within one 250 m step per end
    uncovered = gpd.GeoSeries([result.geometry], crs="EPSG:4326").to_crs("EPSG:3035").length.iloc[0] / 1000
    assert uncovered == pytest.approx(100 - 10 - 2 * 75 ** 0.5, abs=0.6)
    assert result.geometry.geom_type == "MultiLineString" and len(result.geometry.geoms) == 2


def test_no_accessible_centre_covers_nothing():
    routes = gpd.GeoDataFrame({"id": ["r"]}, geometry=[LineString([(24, 56), (24.5, 56)])], crs="EPSG:4326")
    none = gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4326")
    result = coverage.route_length_coverage(routes, none, 10_000).iloc[0]
    assert result["covered_pct"] == 0.0


def test_wrong_crs_refused():
    routes = gpd.GeoDataFrame({"id": ["r"]}, geometry=[LineString([(0, 0), (1, 1)])], crs="EPSG:3035")
    with pytest.raises(ValueError, match="routes must be in EPSG:4326"):
        coverage.route_length_coverage(routes, routes, 10)


def test_fully_covered_route_has_no_uncovered_stretch():
    routes = gpd.GeoDataFrame({"id": ["r"]}, geometry=[LineString([(24, 56), (24.05, 56)])], crs="EPSG:4326")
    centre = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(24.02, 56)], crs="EPSG:4326")
    result = coverage.route_length_coverage(routes, centre, 10_000).iloc[0]
    assert result["covered_pct"] == 100.0 and result.geometry.is_empty


def test_known_share_near_counts_only_centres_within_the_distance():
    routes = gpd.GeoDataFrame({"id": ["east", "far"]}, crs="EPSG:4326", geometry=[
        LineString([(24.0, 56.5), (24.2, 56.5)]), LineString([(21.0, 55.0), (21.1, 55.0)])])
    centres = gpd.GeoDataFrame({"wheelchair": ["yes", "unknown", "no", "unknown"]}, crs="EPSG:4326",
                               geometry=[Point(24.05, 56.51), Point(24.1, 56.49), Point(24.15, 56.5),  # ~1 km off
                                         Point(24.1, 57.5)])  # ~111 km off
    share = coverage.known_share_near(routes, centres, 5_000)
    assert share["east"] == pytest.approx(2 / 3) and share["far"] is None
