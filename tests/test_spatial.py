"""Distances in the metric CRS, checked against geodesic distances from pyproj."""
import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point

from craftmap import spatial

GEOD = Geod(ellps="WGS84")
JELGAVA, BAUSKA, DOBELE = (23.71278, 56.65), (24.19443, 56.40794), (23.2751, 56.62372)


def geodesic_km(a, b):
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000


def test_leg_lengths_match_geodesic_within_half_a_percent():
    legs = spatial.leg_lengths_km([DOBELE, JELGAVA, BAUSKA])
    assert legs[0] == pytest.approx(geodesic_km(DOBELE, JELGAVA), rel=0.005)
    assert legs[1] == pytest.approx(geodesic_km(JELGAVA, BAUSKA), rel=0.005)
    assert 26 < legs[0] < 28  # Dobele to Jelgava is about 27 km as the crow flies


def test_unknown_stop_is_skipped_and_its_leg_unknown():
    legs = spatial.leg_lengths_km([DOBELE, None, BAUSKA])
    assert legs[0] is None
    assert legs[1] == pytest.approx(geodesic_km(DOBELE, BAUSKA), rel=0.005)


def test_line_length_km():
    line = LineString([DOBELE, JELGAVA, BAUSKA])
    expected = geodesic_km(DOBELE, JELGAVA) + geodesic_km(JELGAVA, BAUSKA)
    assert spatial.line_length_km(line) == pytest.approx(expected, rel=0.005)


def test_centres_near_line_hand_computed():
    # A north-south line along 24°E; one minute of longitude at 56°N is about 1.039 km.
    line = LineString([(24.0, 56.0), (24.0, 56.5)])
    centres = gpd.GeoDataFrame(
        {"id": ["on", "two-km", "ten-km", "past-end", "stop"]},
        geometry=[Point(24.0, 56.2), Point(24.0 + 2 / 62.3, 56.25), Point(24.0 + 10 / 62.3, 56.25),
                  Point(24.0, 56.5 + 3 / 111.3), Point(24.0, 56.1)], crs="EPSG:4326")
    near = spatial.centres_near_line(centres, line, buffer_m=5000, exclude_ids=["stop"])
    assert list(near["id"]) == ["on", "two-km", "past-end"]
    assert near.set_index("id")["distance_km"]["two-km"] == pytest.approx(2.0, abs=0.05)
    assert near.set_index("id")["distance_km"]["past-end"] == pytest.approx(3.0, abs=0.05)


def test_inputs_in_another_crs_are_refused():
    centres = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(500000, 6200000)], crs="EPSG:3059")
    with pytest.raises(ValueError, match="EPSG:4326"):
        spatial.centres_near_line(centres, LineString([(24, 56), (25, 56)]), 1000)


def test_nearest_neighbour_order_starts_in_the_west():
    assert spatial.order_stops_nearest([BAUSKA, DOBELE, JELGAVA]) == [1, 2, 0]


def test_no_centre_is_near_a_route_without_a_line():
    centres = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(23.7, 56.6)], crs="EPSG:4326")
    assert spatial.centres_near_line(centres, None, 10_000).empty
