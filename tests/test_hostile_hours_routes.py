"""Hostile input to the opening-hours preview and the planners' route form: what a user would notice.

Each request must come back with a 4xx (never a 5xx), say which field is wrong (the preview's JSON
``field``; the route page's error-list link, ``#stops`` or ``#r-track``), leave the stored routes as
they were, answer in the language asked for, and show nothing of the server: no traceback, no file
paths, no exception class names, no file contents pulled in through XML entities. Message wording
is deliberately not asserted, so these tests survive the rewording of messages.
"""
import bz2
import json
import lzma
import re
import socket
import threading
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from craftmap import create_app, db
from tests.conftest import ACCOUNTS, DATA, PASSWORD, Auth, fresh_database_url

PREVIEW = "/manage/hours/preview"
ROUTE = "uzzini-ka-top"  # a seeded route the planner edits
NEW = "hostile-route"    # the id a refused new route would have had
LEAKS = ("Traceback", "/work/", "site-packages", "centres.csv", ".py\"", ".py,", "File \"", "root:x:0:0",
         "ValueError", "TypeError", "KeyError", "IndexError", "AttributeError", "UnicodeDecodeError",
         "UnicodeEncodeError", "RecursionError", "OverflowError", "JSONDecodeError", "ParseError", "ExpatError",
         "DefusedXmlException", "DTDForbidden", "EntitiesForbidden", "ExternalReferenceForbidden", "GPXException",
         "GPXXMLSyntaxException", "PanicException", "ParserError", "GEOSException", "OperationalError",
         "IntegrityError", "sqlalchemy", "werkzeug", "shapely")
HANG_GUARD_S = 30  # only so that a hang fails the test instead of the whole run; not a speed requirement


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory):
    """One app for the module's many refused requests (each test compares what is stored before and after);
    tests whose request is meant to save use conftest's fresh ``app``."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATA_DIR": DATA, "TILE_URL": "",
                      "DATABASE_URL": fresh_database_url(tmp_path_factory.mktemp("hostile"))})
    runner = app.test_cli_runner()
    for email, (role, municipality) in ACCOUNTS.items():
        args = ["user", "add", email, "--role", role] + (["--municipality", municipality] if municipality else [])
        assert runner.invoke(args=args, input=PASSWORD + "\n").exit_code == 0
    yield app
    app.extensions["craftmap.engine"].dispose()
    app.extensions["craftmap.write_engine"].dispose()


def _signed_in(app, email):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


@pytest.fixture(scope="module")
def editor(shared_app):
    return _signed_in(shared_app, "dobele@example.test")


@pytest.fixture(scope="module")
def planner(shared_app):
    return Auth(_signed_in(shared_app, "planner@example.test"))


@pytest.fixture(scope="module")
def anonymous(shared_app):
    return shared_app.test_client()


def assert_no_leak(text):
    found = [word for word in LEAKS if word in text]
    assert not found, found
    assert "root:" not in text  # /etc/passwd's first line, had an entity been expanded


def answered(send):
    """The response of ``send()``, run in a thread so that a request that never returns fails the test."""
    out = {}
    worker = threading.Thread(target=lambda: out.setdefault("response", send()), daemon=True)
    worker.start()
    worker.join(HANG_GUARD_S)
    assert "response" in out, f"no answer within {HANG_GUARD_S} s"
    return out["response"]


# --- /manage/hours/preview ------------------------------------------------------------------------

def q(text=None, country="LV", **more):
    pairs = ([] if text is None else [("text", text)]) + ([] if country is None else [("country", country)])
    return urlencode(pairs + list(more.items()), errors="surrogatepass")


MEGABYTE = "M" * 1_000_000
HOSTILE_QUERIES = [  # (id, raw query string, statuses allowed, field an error must name)
    ("no-params", "", {400}, "country"),
    ("no-country", q("Mo-Fr 10-17", None), {400}, "country"),
    ("unknown-country", q("Mo-Fr 10-17", "XX"), {400}, "country"),
    ("lower-case-country", q("Mo-Fr 10-17", "lv"), {400}, "country"),
    ("country-invalid-utf8", "text=Mo-Fr+10-17&country=%ff%fe", {400}, "country"),
    ("country-nul", "text=Mo-Fr+10-17&country=LV%00", {400}, "country"),
    ("country-huge", q("Mo-Fr 10-17", "L" * 100_000), {400}, "country"),
    ("repeated-country-unknown-first", "text=Mo-Fr+10-17&country=XX&country=LV", {400}, "country"),
    ("no-text", q(None), {200, 422}, "opening_hours"),
    ("one-megabyte", q(MEGABYTE), {422}, "opening_hours"),
    ("one-megabyte-of-spaces-around-hours", q(" " * 1_000_000 + "Mo 10-12"), {200, 422}, "opening_hours"),
    ("nul", q("Mo-Fr\x0010:00-18:00"), {422}, "opening_hours"),
    ("nul-only", "text=%00&country=LV", {422}, "opening_hours"),
    ("control-characters", q("Mo-Fr 10:00-18:00\x1b[31m\x7f\x85"), {422}, "opening_hours"),
    ("invalid-utf8", "text=%ff%fe%c3&country=LV", {422}, "opening_hours"),
    ("lone-surrogate", "text=%ed%a0%80+Mo+10-12&country=LV", {422}, "opening_hours"),
    ("overlong-utf8-nul", "text=Mo%c0%80+10-12&country=LV", {422}, "opening_hours"),
    ("right-to-left-override", q("\u202eMo-Fr 10-17"), {422}, "opening_hours"),
    ("repeated-text", "text=Mo+10-12&text=%00&country=LV", {200, 422}, "opening_hours"),
    ("semicolon-alternation-10000", q("Mo 10-12;" * 10_000), {422}, "opening_hours"),
    ("semicolon-alternation-under-the-limit", q("Mo 10-12;" * 55), {200, 422}, "opening_hours"),
    ("fallback-alternation", q("Mo-Fr 10:00-12:00 || " * 3_000), {422}, "opening_hours"),
    ("open-parentheses-5000", q("Mo-Fr " + "(" * 5_000), {422}, "opening_hours"),
    ("open-parentheses-under-the-limit", q("Mo-Fr " + "(" * 490), {422}, "opening_hours"),
    ("open-brackets", q("Mo" + "[" * 495), {422}, "opening_hours"),
    ("quotes-unbalanced", q('Mo 10-12 "' + '"' * 480), {200, 422}, "opening_hours"),
    ("twenty-four-seven-3000", q("24/7;" * 3_000), {422}, "opening_hours"),
    ("twenty-four-seven-under-the-limit", q("24/7;" * 99), {200}, "opening_hours"),
    ("week-range", q("week 1-53/2 Mo 10:00-12:00"), {200}, "opening_hours"),
    ("week-range-every-week-all-day", q("week 01-53/1 Mo-Su 00:00-24:00"), {200}, "opening_hours"),
    ("week-range-backwards", q("week 99-1 Mo 10:00-12:00"), {422}, "opening_hours"),
    ("public-holidays-off-alone", q("PH off"), {200}, "opening_hours"),
    ("school-holidays-off-alone", q("SH off"), {200, 422}, "opening_hours"),
    ("year-range-far", q("1900-9999 Mo 10:00-12:00"), {200, 422}, "opening_hours"),
    ("year-huge", q("9999999999 Mo 10:00-12:00"), {422}, "opening_hours"),
    ("easter-offset-huge", q("easter -9999 days off"), {200, 422}, "opening_hours"),
    ("sun-offsets", q("(sunrise+23:59)-(sunset-23:59)"), {200, 422}, "opening_hours"),
    ("minute-periods", q("00:00-48:00/00:01"), {200, 422}, "opening_hours"),
    ("hour-overflow", q("Mo 00:00-1000:00"), {422}, "opening_hours"),
    ("dots-that-could-be-dates", q("9.10-17.00 " * 40), {422}, "opening_hours"),
    ("bare-ranges", q("1-2 " * 120), {200, 422}, "opening_hours"),
    ("newlines-only", q("\n" * 100_000), {200, 422}, "opening_hours"),
    ("no-break-spaces-only", q("\u00a0" * 400), {200, 422}, "opening_hours"),
    ("emoji", q("😀" * 400), {422}, "opening_hours"),
    ("lithuanian-ambiguous-s", q("S 10-14", "LT"), {422}, "opening_hours"),
]


def _check_preview(response, statuses, field):
    assert response.status_code in statuses, (response.status_code, response.data[:300])
    assert response.is_json
    assert len(response.data) < 5_000  # an error does not echo a megabyte back
    assert_no_leak(response.get_data(as_text=True))
    body = response.get_json()
    if response.status_code == 200:
        assert set(body) == {"stored", "text"} and all(isinstance(v, str) for v in body.values())
    else:
        assert isinstance(body.get("error"), str) and body["error"].strip()
        assert body.get("field") == field


@pytest.mark.parametrize("query, statuses, field", [case[1:] for case in HOSTILE_QUERIES],
                         ids=[case[0] for case in HOSTILE_QUERIES])
def test_hostile_preview_queries_get_json_naming_the_field_and_never_a_500(editor, query, statuses, field):
    response = answered(lambda: editor.get(f"{PREVIEW}?{query}&lang=lv"))
    _check_preview(response, statuses, field)


def test_a_preview_that_is_read_gives_a_stored_form_the_preview_reads_again_unchanged(editor):
    for text in ("PH off", "week 1-53/2 Mo 10:00-12:00", "24/7;" * 99, "P-Pk 9-17\nS 10-14"):
        first = editor.get(PREVIEW, query_string={"text": text, "country": "LV"})
        assert first.status_code == 200 and first.get_json()["stored"]
        stored = first.get_json()["stored"]
        again = editor.get(PREVIEW, query_string={"text": stored, "country": "LV"})
        assert again.status_code == 200 and again.get_json()["stored"] == stored


@pytest.mark.parametrize("query", ["", q(MEGABYTE), "text=%00%ff&country=%ed%a0%80", q("Mo-Fr " + "(" * 5_000),
                                   q("Mo 10-12;" * 10_000), "text=a&text=b&country=LV&country=LT"])
def test_hostile_preview_queries_without_a_login_get_the_json_refusal(anonymous, query):
    response = answered(lambda: anonymous.get(f"{PREVIEW}?{query}"))
    assert response.status_code == 401 and response.is_json
    assert response.get_json()["field"] == "session" and response.get_json()["error"]
    assert "Location" not in response.headers  # not the login page's redirect, which a script cannot read
    assert_no_leak(response.get_data(as_text=True))


def test_a_forged_session_cookie_gets_the_json_refusal(shared_app):
    client = shared_app.test_client()
    client.set_cookie("session", "eyJ1c2VyIjoxfQ.AAAAAA.forged" + "A" * 3000)
    response = client.get(f"{PREVIEW}?{q('Mo 10-12')}")
    assert response.status_code == 401 and response.get_json()["field"] == "session"


HOURS_TOKENS = ["Mo", "Tu", "We", "Fr", "Sa", "Su", "P", "O", "Pk", "S", "Sv", "Pr", "An", "Š", "Sk", "I", "IV", "V",
                "VII", "Mon", "friday", "PH", "SH", "off", "closed", "open", "unknown", "24/7", "week", "easter",
                "sunrise", "sunset", "dawn", "Jan", "May", "Dec", "2024", "1970-2100/1", "10:00", "17:00", "24:00",
                "25:00", "9.00", "9.10", "10", "17", "-", "–", "—", ",", ", ", ";", "; ", " ", "\n", "||", "[", "]",
                "1", "-1", "/", "+", '"', '"x"', ":", "(", ")", "val.", "h", "st.", "\u00a0", "\t", "00:00", "23:59",
                "week 1-53/2", "Mo[1,-1]", "Dec 24-26", "10:00-26:00", "sunrise-sunset", "/00:01", "+2 days",
                "\x00", "\x7f", "\ufffd", "\u202e"]
hours_texts = st.one_of(st.lists(st.sampled_from(HOURS_TOKENS), max_size=20).map(" ".join),
                        st.lists(st.sampled_from(HOURS_TOKENS), max_size=20).map("".join),
                        st.text(max_size=60))


def test_fuzzed_hours_always_get_a_reading_or_an_error_naming_opening_hours(editor):
    """Text built from the grammar's own pieces, and any text: never a 500; what is read reads again the same."""
    @settings(max_examples=200, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(text=hours_texts, country=st.sampled_from(["LV", "LT"]), lang=st.sampled_from(["lv", "lt", "en"]))
    def check(text, country, lang):
        response = editor.get(PREVIEW, query_string={"text": text, "country": country, "lang": lang})
        _check_preview(response, {200, 422}, "opening_hours")
        stored = response.get_json().get("stored")
        if stored:
            again = editor.get(PREVIEW, query_string={"text": stored, "country": country, "lang": lang})
            assert again.status_code == 200 and again.get_json()["stored"] == stored, (text, stored)
    check()


# --- the route form, as a planner -----------------------------------------------------------------

def route_fields(**changes):
    return {"id": NEW, "name_lv": "Naidīgs maršruts", "name_lt": "", "name_en": "Hostile route", "description_en": "",
            "colour": "#336699", "theme": "crafts", "source": "test", "stop_order_origin": "source",
            "stops_text": "dobele-crafts-house\nfolk-applied-art-studio-auce"} | changes


def stored_routes(app):
    with app.app_context(), db.engine().connect() as conn:
        rows = conn.execute(sa.select(db.routes).order_by(db.routes.c.id)).all()
    return [tuple(r) for r in rows]


def post_form(planner, path, fields, files=None):
    """Post ``fields`` (a dict or MultiDict, csrf token added) as multipart; files: {name: (bytes, filename)}."""
    fields = MultiDict(fields)
    fields.add("csrf_token", planner.csrf("/manage/"))
    for name, (content, filename) in (files or {}).items():
        fields.add(name, FileStorage(__import__("io").BytesIO(content), filename,
                                     content_type="application/octet-stream"))
    boundary, body = encode_multipart(fields)  # in memory: the test client spools a big body to a file it keeps open
    return answered(lambda: planner.client.post(path, data=body,
                                                content_type=f"multipart/form-data; boundary={boundary}"))


def edit_fields(planner, **changes):
    """The seeded route's own form, as loaded now, with ``changes``."""
    page = planner.client.get(f"/manage/routes/{ROUTE}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    stops = planner.client.get(f"/api/v1/routes/{ROUTE}").get_json()["properties"]["stops"]
    return route_fields(id=ROUTE, version=version,
                        stops_text="\n".join(s["centre_id"] for s in stops if s["centre_id"])) | changes


def assert_refused_page(response, anchor=None, status=422, lang="lv"):
    html = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, html[:500])
    assert f'<html lang="{lang}"' in html
    if anchor:
        errors = re.search(r'<div class="error" role="alert">(.*?)</div>', html, re.S)
        assert errors and f'href="#{anchor}"' in errors.group(1), html[:2000]
    assert_no_leak(html)
    return html


STOPS = [
    ("five-thousand-centres", "\n".join(["dobele-crafts-house", "folk-applied-art-studio-auce"] * 2_500)),
    ("five-thousand-places", "\n".join(f"Place {i} | {56.5 + i * 1e-4:.4f} | 23.5 | survey" for i in range(5_000))),
    ("ten-thousand-bars", "Place" + "|" * 10_000),
    ("too-many-parts", "Place|north|east|survey|extra|more|7"),
    ("nan-both", "dobele-crafts-house\nPlace | nan | nan | survey"),
    ("minus-inf", "dobele-crafts-house\nPlace | 56.5 | -inf | survey"),
    ("1e308", "dobele-crafts-house\nPlace | 1e308 | 1e308 | survey"),
    ("1e309", "dobele-crafts-house\nPlace | 1e309 | 23.5 | survey"),
    ("hex-float", "dobele-crafts-house\nPlace | 0x38 | 23.5 | survey"),
    ("latitude-without-longitude", "dobele-crafts-house\nPlace | 56.5 |  | survey"),
    ("three-hundred-unknown-ids", "\n".join(f"no-such-centre-{i}" for i in range(300))),
    ("unknown-id-with-markup", "dobele-crafts-house\n<img src=x onerror=alert(1)>"),
    ("nul-in-an-id", "dobele-crafts-house\x00\nfolk-applied-art-studio-auce"),
    ("escape-sequence-in-an-id", "dobele-crafts-house\n\x1b[31mfolk-applied-art-studio-auce"),
    ("delete-in-a-name", "dobele-crafts-house\nPl\x7face | 56.5 | 23.5 | survey"),
    ("ten-thousand-char-name", "dobele-crafts-house\n" + "N" * 10_000 + " | 56.5 | 23.5 | survey"),
    ("ten-thousand-char-id", "dobele-crafts-house\n" + "a" * 10_000),
    ("empty-name-and-source", "dobele-crafts-house\n | 56.5 | 23.5 | "),
    ("only-blank-lines", "\n \n\t\n" * 1_000),
]


@pytest.mark.parametrize("stops_text", [s for _n, s in STOPS], ids=[n for n, _s in STOPS])
def test_hostile_stops_are_refused_naming_the_stops_and_nothing_is_saved(shared_app, planner, stops_text):
    before = stored_routes(shared_app)
    response = post_form(planner, "/manage/routes/new?lang=lv", route_fields(stops_text=stops_text))
    html = assert_refused_page(response, "stops")
    assert "<img src=x" not in html  # an id echoed in the message is escaped
    assert stored_routes(shared_app) == before


@pytest.mark.parametrize("stops_text", [s for _n, s in STOPS[:6]], ids=[n for n, _s in STOPS[:6]])
def test_hostile_stops_on_a_stored_route_leave_it_as_it_was(shared_app, planner, stops_text):
    before = stored_routes(shared_app)
    response = post_form(planner, f"/manage/routes/{ROUTE}?lang=lv", edit_fields(planner, stops_text=stops_text))
    assert_refused_page(response, "stops")
    assert stored_routes(shared_app) == before


def test_stops_sent_as_invalid_utf8_are_refused_naming_the_stops(shared_app, planner):
    before = stored_routes(shared_app)
    body = urlencode(route_fields(stops_text="x", csrf_token=planner.csrf("/manage/"))).replace(
        "stops_text=x", "stops_text=%ff%fe%ed%a0%80%00")
    response = planner.client.post("/manage/routes/new?lang=lv", data=body,
                                   content_type="application/x-www-form-urlencoded")
    assert_refused_page(response, "stops")
    assert stored_routes(shared_app) == before


@pytest.mark.parametrize("changes", [{"name_en": "N" * 10_000}, {"name_lv": "Maršruts\x00"}, {"colour": "#33669\x00"},
                                     {"id": "a" * 10_000}, {"id": "../../etc/passwd"}, {"id": "hostile\x00route"},
                                     {"stop_order_origin": "x" * 10_000}, {"theme": "\x1b[2J"}],
                         ids=["long-name", "nul-name", "nul-colour", "long-id", "path-id", "nul-id", "long-enum",
                              "escape-theme"])
def test_hostile_route_fields_are_refused_and_nothing_is_saved(shared_app, planner, changes):
    before = stored_routes(shared_app)
    response = post_form(planner, "/manage/routes/new?lang=lv", route_fields(**changes))
    assert_refused_page(response)
    assert stored_routes(shared_app) == before


# --- track files -----------------------------------------------------------------------------------

GPX_NS = "http://www.topografix.com/GPX/1/1"
GOOD_TRKSEG = '<trk><trkseg><trkpt lat="56.62" lon="23.27"/><trkpt lat="56.55" lon="23.1"/></trkseg></trk>'
GOOD_GPX = f'<?xml version="1.0"?><gpx xmlns="{GPX_NS}" version="1.1" creator="t">{GOOD_TRKSEG}</gpx>'.encode()
KML_LINE = ('<Placemark><LineString><coordinates>23.27,56.62 23.1,56.55</coordinates></LineString></Placemark>')
GOOD_GEOJSON = json.dumps({"type": "LineString", "coordinates": [[23.27, 56.62], [23.1, 56.55]]})


def _kml(inner, doctype=""):
    return f'<?xml version="1.0"?>{doctype}<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{inner}' \
           f'</Document></kml>'.encode()


XXE = '<!DOCTYPE {root} [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
LAUGHS = ('<!DOCTYPE {root} [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
          '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
          '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>')
TRACKS = [  # (id, file name, content): each holds, or would lead to, a usable line were it read naively
    ("xxe-passwd-in-a-good-gpx", "track.gpx",
     f'<?xml version="1.0"?>{XXE.format(root="gpx")}<gpx xmlns="{GPX_NS}" version="1.1"><metadata><name>&x;'
     f'</name></metadata>{GOOD_TRKSEG}</gpx>'.encode()),
    ("xxe-passwd-in-a-good-kml", "track.kml",
     _kml(f"<name>&x;</name>{KML_LINE}", XXE.format(root="kml"))),
    ("external-dtd-over-http", "track.gpx",
     f'<?xml version="1.0"?><!DOCTYPE gpx SYSTEM "http://127.0.0.1:9/gpx.dtd"><gpx xmlns="{GPX_NS}" '
     f'version="1.1">{GOOD_TRKSEG}</gpx>'.encode()),
    ("parameter-entity", "track.gpx",
     f'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><gpx xmlns="{GPX_NS}" '
     f'version="1.1">{GOOD_TRKSEG}</gpx>'.encode()),
    ("billion-laughs-kml", "laughs.kml", _kml(f"<name>&h;</name>{KML_LINE}", LAUGHS.format(root="kml"))),
    ("network-link-to-localhost-beside-a-line", "linked.kml",
     _kml(f'{KML_LINE}<NetworkLink><Link><href>http://127.0.0.1:{{port}}/more.kml</href></Link></NetworkLink>')),
    ("bzip2", "track.gpx", bz2.compress(GOOD_GPX)),
    ("xz", "track.gpx", lzma.compress(GOOD_GPX)),
    ("gzip-named-geojson", "track.geojson", __import__("gzip").compress(GOOD_GEOJSON.encode())),
    ("png-named-gpx", "photo.gpx", b"\x89PNG\r\n\x1a\n" + bytes(200)),
    ("random-bytes-named-gpx", "track.gpx", bytes(range(256)) * 40),
    ("nul-bytes-named-gpx", "track.gpx", bytes(4_096)),
    ("geojson-in-latvian-grid", "lks92.geojson",
     b'{"type": "LineString", "coordinates": [[500000, 300000], [510000, 310000]], '
     b'"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3059"}}}'),
    ("geojson-crs-web-mercator-with-degrees", "merc.geojson",
     (GOOD_GEOJSON[:-1] + ', "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}}').encode()),
    ("gpx-just-over-the-limit", "big.gpx", GOOD_GPX + b" " * (5_000_001 - len(GOOD_GPX))),
]


@pytest.mark.parametrize("filename, content", [t[1:] for t in TRACKS], ids=[t[0] for t in TRACKS])
def test_hostile_track_files_are_refused_naming_the_track_and_the_route_is_unchanged(shared_app, planner, filename,
                                                                                     content):
    listener = socket.socket()  # a NetworkLink's target: craftmap must never connect to it
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    try:
        content = content.replace(b"{port}", str(listener.getsockname()[1]).encode())
        before = stored_routes(shared_app)
        response = post_form(planner, f"/manage/routes/{ROUTE}?lang=lv", edit_fields(planner),
                             {"track": (content, filename)})
        assert_refused_page(response, "r-track")
        assert stored_routes(shared_app) == before
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()


def test_a_good_track_in_the_same_form_is_saved(planner_client, client):
    """The control for the tests above: the form, the route and the line they use are otherwise good."""
    planner = Auth(planner_client)
    response = post_form(planner, f"/manage/routes/{ROUTE}?lang=lv", edit_fields(planner),
                         {"track": (GOOD_GPX, "track.gpx")})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert client.get(f"/api/v1/routes/{ROUTE}").get_json()["geometry"]["coordinates"] == [[23.27, 56.62],
                                                                                             [23.1, 56.55]]


def _points(n, step=1e-6):
    return json.dumps({"type": "LineString", "coordinates": [[round(23.0 + i * step, 7), 56.5] for i in range(n)]})


KEPT = [  # a forged track_kept hidden field (no file chosen): read again like any upload, never trusted
    ("not-json", "this is not a track"),
    ("huge-coordinates", json.dumps({"type": "LineString", "coordinates": [[1e308, 1e308], [-1e308, -1e308]]})),
    ("nan-literal", '{"type": "LineString", "coordinates": [[23.27, NaN], [23.1, 56.55]]}'),
    ("overflowing-number", '{"type": "LineString", "coordinates": [[1e999, 56.62], [23.1, 56.55]]}'),
    ("200k-points", _points(200_000)),
    ("a-million-points-over-the-byte-limit", '{"type": "LineString", "coordinates": [' + "[0,0]," * 1_000_000
     + "[0,0]]}"),
    ("far-away", json.dumps({"type": "LineString", "coordinates": [[24.75, 59.44], [24.7, 59.4]]})),
    ("non-wgs84-crs", GOOD_GEOJSON[:-1] + ', "crs": {"type": "name", "properties": {"name": "EPSG:3059"}}}'),
    ("deeply-nested", '{"type": "LineString", "coordinates": ' + "[" * 50_000 + "]" * 50_000 + "}"),
    ("xxe-gpx-instead-of-geojson", GOOD_GPX.decode().replace('<?xml version="1.0"?>',
                                                              '<?xml version="1.0"?>' + XXE.format(root="gpx"))
     .replace("<trk>", "<metadata><name>&x;</name></metadata><trk>")),
    ("nul", "\x00" * 100),
]


@pytest.mark.parametrize("kept", [k for _n, k in KEPT], ids=[n for n, _k in KEPT])
def test_a_forged_kept_track_is_refused_naming_the_track_and_the_route_is_unchanged(shared_app, planner, kept):
    before = stored_routes(shared_app)
    response = post_form(planner, f"/manage/routes/{ROUTE}?lang=lv",
                         edit_fields(planner, track_kept=kept, track_kept_name="kept.geojson"))
    assert_refused_page(response, "r-track")
    assert stored_routes(shared_app) == before


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", '"><img src=x onerror=alert(1)>',
                                  "</textarea><script>alert(1)</script>", "C:\\Windows\\win.ini\x00.geojson",
                                  "ā" * 10_000])
@pytest.mark.parametrize("kept", [GOOD_GEOJSON, "not a track"], ids=["readable", "unreadable"])
def test_a_forged_kept_track_name_is_shown_escaped_and_short_and_nothing_is_saved(shared_app, planner, name, kept):
    """Bad stops keep the save from going through, so the page shows the kept track (or its problem) by name."""
    before = stored_routes(shared_app)
    response = post_form(planner, f"/manage/routes/{ROUTE}?lang=lv",
                         edit_fields(planner, stops_text="no-such-centre", track_kept=kept, track_kept_name=name))
    html = assert_refused_page(response, "stops" if kept == GOOD_GEOJSON else "r-track")
    assert "<img src=x" not in html and "<script>alert(1)" not in html and "</textarea><script>" not in html
    assert "ā" * 81 not in html  # the name is cut short wherever it is shown
    assert stored_routes(shared_app) == before


# --- the form's envelope: content type, csrf, duplicated fields --------------------------------------

@pytest.mark.parametrize("content_type, body", [
    ("application/json", json.dumps(route_fields())),
    ("text/plain", "stops_text=dobele-crafts-house"),
    ("application/xml", "<route><id>x</id></route>"),
    ("multipart/form-data", "no boundary given"),
    ("multipart/form-data; boundary=zz", "--zz\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\nx"),
    ("multipart/form-data; boundary=" + "z" * 5_000, "--" + "z" * 5_000 + "\r\n"),
    ("application/x-www-form-urlencoded; charset=utf-16", "id=x".encode("utf-16").hex()),
], ids=["json", "text", "xml", "multipart-without-boundary", "multipart-cut-short", "multipart-huge-boundary",
        "urlencoded-utf16"])
@pytest.mark.parametrize("path", ["/manage/routes/new", f"/manage/routes/{ROUTE}"], ids=["new", "stored"])
def test_a_form_in_the_wrong_content_type_is_a_400_and_saves_nothing(shared_app, planner, path, content_type, body):
    planner.csrf("/manage/")  # the session has a token; the body just cannot carry it
    before = stored_routes(shared_app)
    response = planner.client.post(f"{path}?lang=lv", data=body, content_type=content_type)
    assert_refused_page(response, status=400)
    assert stored_routes(shared_app) == before


@pytest.mark.parametrize("token", [None, "", "wrong", "ā" * 10, "x" * 1_000_000, "\x00"],
                         ids=["missing", "empty", "wrong", "non-ascii", "one-megabyte", "nul"])
def test_a_route_form_without_its_csrf_token_is_a_400_and_saves_nothing(shared_app, planner, token):
    planner.csrf("/manage/")
    before = stored_routes(shared_app)
    fields = route_fields() | ({} if token is None else {"csrf_token": token})
    response = planner.client.post("/manage/routes/new?lang=lv", data=fields)
    assert_refused_page(response, status=400)
    assert stored_routes(shared_app) == before


def test_a_csrf_token_in_the_query_string_does_not_count(shared_app, planner):
    token = planner.csrf("/manage/")
    before = stored_routes(shared_app)
    response = planner.client.post(f"/manage/routes/new?lang=lv&csrf_token={quote(token)}", data=route_fields())
    assert_refused_page(response, status=400)
    assert stored_routes(shared_app) == before


def test_a_wrong_csrf_token_before_the_right_one_is_a_400(shared_app, planner):
    fields = MultiDict([("csrf_token", "wrong"), ("csrf_token", planner.csrf("/manage/"))] + list(route_fields().items()))
    before = stored_routes(shared_app)
    response = planner.client.post("/manage/routes/new?lang=lv", data=fields)
    assert_refused_page(response, status=400)
    assert stored_routes(shared_app) == before


def test_a_stale_version_sent_twice_with_a_fresh_one_is_a_conflict(shared_app, planner):
    fresh = edit_fields(planner, name_en="Renamed by a duplicated field")
    fields = MultiDict([("version", str(int(fresh["version"]) - 1))] + list(fresh.items()))
    before = stored_routes(shared_app)
    response = post_form(planner, f"/manage/routes/{ROUTE}?lang=lv", fields)
    assert_refused_page(response, status=409)
    assert stored_routes(shared_app) == before


def test_duplicated_ids_and_stops_save_at_most_one_route_of_the_first_values(app, planner_client, client):
    planner = Auth(planner_client)
    fields = MultiDict(list(route_fields().items()) + [("id", "second-id"), ("stops_text", "<b>no-such</b>")])
    before = {r[0] for r in stored_routes(app)}
    response = post_form(planner, "/manage/routes/new?lang=lv", fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert {r[0] for r in stored_routes(app)} - before == {NEW}
    stops = client.get(f"/api/v1/routes/{NEW}").get_json()["properties"]["stops"]
    assert [s["centre_id"] for s in stops] == ["dobele-crafts-house", "folk-applied-art-studio-auce"]


@pytest.mark.parametrize("version", ["٣", "-1", "9" * 30, "1e3", " ", "\x00"])
def test_a_garbled_version_is_a_conflict_not_a_500(shared_app, planner, version):
    before = stored_routes(shared_app)
    response = post_form(planner, f"/manage/routes/{ROUTE}?lang=lv", edit_fields(planner, version=version))
    assert_refused_page(response, status=409)
    assert stored_routes(shared_app) == before


@pytest.mark.parametrize("filename", ["../../etc/passwd", "/etc/passwd", "a" * 10_000 + ".gpx", "track\x00.gpx",
                                      "<img src=x onerror=alert(1)>.gpx", "\u202egpx.exe"])
def test_a_hostile_file_name_is_shown_escaped_and_short_and_nothing_is_saved(shared_app, planner, filename):
    before = stored_routes(shared_app)
    response = post_form(planner, f"/manage/routes/{ROUTE}?lang=lv", edit_fields(planner),
                         {"track": (b"not a track", filename)})
    html = assert_refused_page(response, "r-track")
    assert "<img src=x" not in html and "a" * 81 not in html
    assert stored_routes(shared_app) == before


def test_a_form_of_more_parts_than_allowed_is_refused_and_saves_nothing(shared_app, planner):
    fields = MultiDict(list(edit_fields(planner, name_en="Renamed").items()) + [(f"x{i}", "y") for i in range(1_200)])
    before = stored_routes(shared_app)
    response = post_form(planner, f"/manage/routes/{ROUTE}?lang=lv", fields)
    assert_refused_page(response, status=413)
    assert stored_routes(shared_app) == before
