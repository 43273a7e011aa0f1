"""Uploaded tracks are told apart by content and read without GDAL: what each kind of file gives."""
import io
import zipfile

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
    line = read_track(_gpx_with_segments([(56.6, 23.7), (56.5, 23.6)], [(56.4, 23.5), (56.3, 23.4)]))
    assert line.geom_type == "MultiLineString"
    assert [list(p.coords) for p in line.geoms] == [[(23.7, 56.6), (23.6, 56.5)], [(23.5, 56.4), (23.4, 56.3)]]


def test_a_gpx_written_by_gpxpy_reads_back_the_same_points():
    data = _gpx_with_segments([(56.62, 23.27), (56.55, 23.1), (56.46, 22.9)])
    assert [(p.latitude, p.longitude) for p in gpxpy.parse(data.decode()).tracks[0].segments[0].points] == \
        [(56.62, 23.27), (56.55, 23.1), (56.46, 22.9)]
    assert list(read_track(data).coords) == [(23.27, 56.62), (23.1, 56.55), (22.9, 56.46)]


@pytest.mark.parametrize("content, message", [
    (b"", "The file is not GPX, KML or GeoJSON."),
    (b"SQLite format 3\x00" + bytes(100), "The file is not GPX, KML or GeoJSON."),
    ("<gpx/>".encode("utf-16"), "The file is not text in UTF-8"),
    (b'{"type": "LineString", "coordinates": [[23.7, NaN], [23.6, 56.5]]}', "The file is not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "The file is not GPX, KML or GeoJSON."),
    (b'{"type": "Feature", "geometry": ' * 5_000 + b"{}" + b"}" * 5_000, "The file is not valid JSON"),
    (b'{"type": "LineString", "coordinates": [[23.7, 56.6], [23.6, 56.5]], '
     b'"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3059"}}}',
     "The GeoJSON file must be in WGS 84 longitude/latitude"),
    (b'{"type": "LineString", "coordinates": [["23.7", "56.6"], [23.6, 56.5]]}',
     "The GeoJSON file has a line whose coordinates are not [longitude, latitude] pairs"),
    (b'{"type": "Point", "coordinates": [23.7, 56.6]}', "The file is JSON but not GeoJSON"),
    (b'{"type": "MultiLineString", "coordinates": 5}', "The GeoJSON file has a line whose coordinates are not"),
    (b'{"type": "MultiLineString", "coordinates": true}', "The GeoJSON file has a line whose coordinates are not"),
    (b'{"type": "LineString", "coordinates": [[1' + b"0" * 400 + b', 56.6], [23.6, 56.5]]}',
     "The GeoJSON file has a line whose coordinates are not"),
    (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null}]}', "The file holds no line"),
    (b'<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>',
     "The file is not well-formed XML"),
    (b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><LineString><coordinates>23.7,north 23.6,56.5'
     b'</coordinates></LineString></Placemark></kml>', "The KML file has a line whose coordinates are not"),
    (b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><Point><coordinates>23.7,56.6</coordinates>'
     b'</Point></Placemark></kml>', "The file holds no line"),
])
def test_files_that_are_not_usable_tracks_are_named(content, message):
    with pytest.raises(TrackError) as info:
        read_track(content)
    assert str(info.value).startswith(message)


KML = '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2" ' \
      'xmlns:gx="http://www.google.com/kml/ext/2.2"><Document><Folder>{}</Folder></Document></kml>'
LINE_A = "<LineString><tessellate>1</tessellate><coordinates>\n 23.7,56.6,0 23.6,56.5,0\n</coordinates></LineString>"
LINE_B = "<LineString><coordinates>23.5,56.4 23.4,56.3</coordinates></LineString>"
TRACK = ("<gx:Track><when>2024-05-01T10:00:00Z</when><when>2024-05-01T10:05:00Z</when>"
         "<gx:coord>23.7 56.6 40</gx:coord><gx:coord>23.6 56.5 41</gx:coord></gx:Track>")


@pytest.mark.parametrize("placemarks, parts", [
    (f"<Placemark><name>Route</name>{LINE_A}</Placemark>", [[(23.7, 56.6), (23.6, 56.5)]]),
    (f"<Placemark><MultiGeometry>{LINE_A}<Point><coordinates>23,56</coordinates></Point>{LINE_B}</MultiGeometry>"
     "</Placemark>", [[(23.7, 56.6), (23.6, 56.5)], [(23.5, 56.4), (23.4, 56.3)]]),
    (f"<Placemark>{TRACK}</Placemark>", [[(23.7, 56.6), (23.6, 56.5)]]),
    (f"<Placemark><gx:MultiTrack>{TRACK}</gx:MultiTrack></Placemark><Placemark>{LINE_B}</Placemark>",
     [[(23.7, 56.6), (23.6, 56.5)], [(23.5, 56.4), (23.4, 56.3)]]),
])
def test_kml_lines_and_tracks_are_read(placemarks, parts):
    line = read_track(KML.format(placemarks).encode("utf-8"))
    assert [list(p.coords) for p in getattr(line, "geoms", [line])] == parts


def test_a_gpx_route_saved_with_an_empty_track_is_read_as_its_route():
    gpx = (b'<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="planner">'
           b'<wpt lat="56.62" lon="23.27"><name>Start</name></wpt><rte><name>R</name><rtept lat="56.62" lon="23.27"/>'
           b'<rtept lat="56.55" lon="23.1"/></rte><trk><name>R</name><trkseg/></trk></gpx>')
    assert list(read_track(gpx).coords) == [(23.27, 56.62), (23.1, 56.55)]


def _kmz(kml):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("doc.kml", kml)
    return out.getvalue()


@pytest.mark.parametrize("content, message", [
    (KML.format('<NetworkLink><Link><href>http://127.0.0.1:9/track.kml</href></Link></NetworkLink>'),
     "The KML file links to other files (NetworkLink)"),
    (KML.format(f"<Placemark>{LINE_A}</Placemark><NetworkLink><Link><href>file:///etc/passwd</href></Link>"
                "</NetworkLink>"), "The KML file links to other files (NetworkLink)"),
    ('<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY key SYSTEM "file:///etc/hostname">]>'
     '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&key;</name></Placemark></kml>',
     "The file declares a DTD or entities"),
    ('<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
     '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&b;</name></Placemark></kml>',
     "The file declares a DTD or entities"),
    (KML.format("<Placemark><LineString><coordinates>" + " ".join(f"{23 + i * 1e-5:.5f},56.5" for i in range(60_000))
                + "</coordinates></LineString></Placemark>"), "The file has more than 50000 points"),
    (_kmz(KML.format(f"<Placemark>{LINE_A}</Placemark>")), "The file is compressed (KMZ, zip or gzip)"),
    ('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0L1 1"/></svg>',
     "The file is XML, but neither GPX 1.0/1.1 nor KML (its first element is <svg>)"),
    ('<kml xmlns="http://example.test/not-kml"><Placemark/></kml>', "The file is XML, but neither"),
])
def test_hostile_or_foreign_kml_is_refused_with_a_plain_message(content, message):
    with pytest.raises(TrackError) as info:
        read_track(content if isinstance(content, bytes) else content.encode("utf-8"))
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("crs", [b'{"properties": [1]}', b'{"properties": "EPSG:4326"}', b'[]'])
def test_a_malformed_crs_member_is_read_as_no_crs(crs):
    content = b'{"type": "LineString", "coordinates": [[23.7, 56.6], [23.6, 56.5]], "crs": ' + crs + b'}'
    assert list(read_track(content).coords) == [(23.7, 56.6), (23.6, 56.5)]
