"""Uploaded tracks are told apart by content and read without GDAL: what each kind of file gives."""
import gpxpy
import gpxpy.gpx
import pytest

from craftmap.track_files import TrackError, read_track


def _gpx_with_segments(*segments):
    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack()
    for points in segments:
        track.segments.append(gpxpy.gpx.GPXTrackSegment([gpxpy.gpx.GPXTrackPoint(lat, lon) for lat, lon in points]))
    gpx.tracks.append(track)
    return gpx.to_xml().encode("utf-8")


def test_separate_gpx_segments_stay_separate_parts():
    line = read_track("t.gpx", _gpx_with_segments([(56.6, 23.7), (56.5, 23.6)], [(56.4, 23.5), (56.3, 23.4)]))
    assert line.geom_type == "MultiLineString"
    assert [list(p.coords) for p in line.geoms] == [[(23.7, 56.6), (23.6, 56.5)], [(23.5, 56.4), (23.4, 56.3)]]


def test_a_gpx_written_by_gpxpy_reads_back_the_same_points():
    data = _gpx_with_segments([(56.62, 23.27), (56.55, 23.1), (56.46, 22.9)])
    assert [(p.latitude, p.longitude) for p in gpxpy.parse(data.decode()).tracks[0].segments[0].points] == \
        [(56.62, 23.27), (56.55, 23.1), (56.46, 22.9)]
    assert list(read_track("t.gpx", data).coords) == [(23.27, 56.62), (23.1, 56.55), (22.9, 56.46)]


@pytest.mark.parametrize("content, message", [
    (b"", "is neither GPX nor GeoJSON"),
    (b"SQLite format 3\x00" + bytes(100), "is neither GPX nor GeoJSON"),
    ("<gpx/>".encode("utf-16"), "is not a GPX or GeoJSON text file (UTF-8)"),
    (b'{"type": "LineString", "coordinates": [[23.7, NaN], [23.6, 56.5]]}', "is not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "is neither GPX nor GeoJSON"),
    (b'{"type": "Feature", "geometry": ' * 5_000 + b"{}" + b"}" * 5_000, "is not valid JSON"),
    (b'{"type": "LineString", "coordinates": [[23.7, 56.6], [23.6, 56.5]], '
     b'"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3059"}}}',
     "GeoJSON must be in WGS 84 longitude/latitude"),
    (b'{"type": "LineString", "coordinates": [["23.7", "56.6"], [23.6, 56.5]]}',
     "has a line whose coordinates are not [longitude, latitude] pairs"),
    (b'{"type": "Point", "coordinates": [23.7, 56.6]}', "is JSON but not GeoJSON"),
    (b'{"type": "MultiLineString", "coordinates": 5}', "has a line whose coordinates are not"),
    (b'{"type": "MultiLineString", "coordinates": true}', "has a line whose coordinates are not"),
    (b'{"type": "LineString", "coordinates": [[1' + b"0" * 400 + b', 56.6], [23.6, 56.5]]}',
     "has a line whose coordinates are not"),
    (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null}]}', "holds no line"),
    (b'<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>', "is not well-formed XML"),
])
def test_files_that_are_not_usable_tracks_are_named(content, message):
    with pytest.raises(TrackError, match="^t.json: " + message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        read_track("t.json", content)


@pytest.mark.parametrize("crs", [b'{"properties": [1]}', b'{"properties": "EPSG:4326"}', b'[]'])
def test_a_malformed_crs_member_is_read_as_no_crs(crs):
    content = b'{"type": "LineString", "coordinates": [[23.7, 56.6], [23.6, 56.5]], "crs": ' + crs + b'}'
    assert list(read_track("t.json", content).coords) == [(23.7, 56.6), (23.6, 56.5)]
