"""Every message the validator can give, produced by bad input, and read in Latvian and Lithuanian.

The messages are produced once and written out in each language afterwards: they are lazy, so a
message made while handling a request is written in the language of the page that shows it.
"""
import re
from pathlib import Path

import numpy as np
import pytest
from babel.messages.extract import extract
from flask import g
from flask_babel import force_locale
from shapely.geometry import LineString, MultiLineString

from craftmap import db, editing, hours, validation
from tests.test_manage import editor, form_of  # noqa: F401 (editor is a fixture)

ROOT = Path(__file__).resolve().parents[1]
VALIDATOR = ["craftmap/validation.py", "craftmap/hours.py", "craftmap/hours_input.py"]
FOREIGN = ("centres.csv", "vocabulary.csv", "coord_precision", "'none'", "YYYY-MM-DD)", "Traceback", "shapely",
           "GDAL", "codec")
TEXTS = ("is required", "is not", "the line", "give both", "lies", "contains", "characters long", "allowed")

CENTRE_CASES = {
    "name": "", "id": "Not An Id", "wheelchair": "maybe", "crafts": "weaving;zither-making", "kind": "castle",
    "notes": "bell \x07", "address": "x" * 301, "website": "ftp://example.test", "email": "at-nowhere",
    "phone": "call us", "signage_checked_on": "2026-13-40", "opening_hours": "whenever",
    "opening_hours_source": "the museum's leaflet", "opening_hours_as_of": "2023-13",
}
PLACE_CASES = [  # a centre's location: (lat, lon, precision, municipality)
    ("", "", "address", None), ("north", "23.3", "address", None), ("56.62", "23.28", "none", None),
    ("10", "10", "address", None), ("56.41", "24.19", "address", None), ("56.62", "23.28", "address", "Atlantis"),
]
HOURS_CASES = [("S 10-14", "LT"), ("Mo-Fr 9.10-17.00", "LV"), ("P-Pk 9-5", "LV"), ("whenever", "LV")]
STOP_CASES = ["not a stop", {"centre_id": "nowhere"}, {"name": "", "source": ""}, {"name": "Hill", "source": "map",
              "lat": 56.6}, {"name": "Hill", "source": "map", "lat": 956.6, "lon": 23.3},
              {"name": "Hill", "source": "map", "lat": 40.0, "lon": 3.0}]
with np.errstate(invalid="ignore"):
    NAN_LINE = LineString([(23.3, 56.6), (float("nan"), 56.7)])
LINES = [LineString(), NAN_LINE, LineString([(23.3, 56.6), (200, 56.7)]),
         LineString([(23.3 + i / 1e4, 56.6) for i in range(12)]), MultiLineString([[(23.3, 56.6), (23.3, 56.6)]]),
         LineString([(23.3, 56.6), (3.0, 40.0)]), LineString([(3.0, 40.0), (3.1, 40.1)])]


def route(**props):
    base = {"name_en": "A route", "source": "a leaflet", "colour": "#b03a2e", "geometry_origin": "drawn_between_stops",
            "stop_order_origin": "source", "stops": [{"centre_id": "dobele-crafts-house"}]}
    return {"id": props.pop("id", "a-route"), "properties": base | props, "geometry": props.pop("geometry", None)}


ROUTES = [route(id="Bad Id"), route(id="new"), route(name_en="", source=""), route(colour="red"),
          route(geometry_origin="guessed", stop_order_origin="random"), route(stops=[]),
          route(stops=[{"centre_id": "dobele-crafts-house"}] * (validation.MAX_STOPS + 1)),
          {"id": "a-route", "properties": route()["properties"], "geometry": {"type": "LineString", "coordinates": 5}},
          {"id": "a-route", "properties": route()["properties"], "geometry": {"type": "Point", "coordinates": [23, 56]}}]


def every_message(app):
    """(field, message) for each bad input above, made while handling a request."""
    ref, found = app.extensions["craftmap.reference"], []
    centre = editing._as_text(db.get_centre("dobele-crafts-house"))
    row = {f: centre.get(f) or "" for f in validation.CENTRE_FIELDS}
    for field, bad in CENTRE_CASES.items():
        found += validation.centre_problems(row | {field: bad}, ref)
    found += validation.centre_problems(row | {"id": "new"}, ref)
    for lat, lon, precision, municipality in PLACE_CASES:
        found += validation.centre_problems(row | {"lat": lat, "lon": lon, "coord_precision": precision,
                                                   "municipality": municipality or row["municipality"]}, ref)
    found += [("opening_hours", m) for text, country in HOURS_CASES for m in validation.hours_problems(text, country)]
    found += [p for stop in STOP_CASES for p in validation.stop_problems(stop, {"dobele-crafts-house"},
                                                                         ref.study_region)]
    found += [("line", m) for line in LINES for m in validation.line_problems(line, ref.study_region, 10)]
    found += [p for r in ROUTES for p in validation.route_problems(r, {"dobele-crafts-house"}, ref.study_region)]
    return found


def validator_msgids():
    ids = set()
    for path in VALIDATOR:
        with open(ROOT / path, "rb") as f:
            ids |= {m[1] for m in extract("python", f, keywords={"_": None})}
    return ids


def as_pattern(msgid):
    return re.compile(re.sub(r"%\\\(\w+\\\)[rsd]", ".+", re.escape(msgid)), re.DOTALL)


@pytest.fixture
def messages(app):
    with app.test_request_context("/manage/"):
        g.lang = "en"
        yield every_message(app)


def test_the_cases_produce_every_message_of_the_validator(app, messages):
    with app.test_request_context(), force_locale("en"):
        english = [str(m) for _f, m in messages]
    unproduced = [m for m in validator_msgids() if not any(as_pattern(m).fullmatch(e) for e in english)]
    assert not unproduced, f"no case above produces: {unproduced}"


@pytest.mark.parametrize("lang", ["lv", "lt"])
def test_no_message_is_english_or_names_a_file_on_a_latvian_or_lithuanian_page(app, messages, lang):
    with app.test_request_context(), force_locale("en"):
        english = [str(m) for _f, m in messages]
    with app.test_request_context(), force_locale(lang):
        g.lang = lang
        local = [str(m) for _f, m in messages]
    for field, en, text in zip((f for f, _m in messages), english, local):
        assert text != en, f"{field}: still English in {lang}: {text}"
        assert not any(word in text for word in TEXTS), f"{field}: English words in {lang}: {text}"
        assert not any(word in text for word in FOREIGN), f"{field}: names a file, code or library: {text}"


def test_allowed_values_are_named_in_the_pages_language(app):
    with app.test_request_context():
        message = validation.not_one_of("wheelchair", "maybe")
        with force_locale("lv"):
            g.lang = "lv"
            latvian = str(message)
        with force_locale("en"):
            g.lang = "en"
            english = str(message)
    assert "limited (" in latvian and "Limited wheelchair access" not in latvian
    assert "limited (Limited wheelchair access)" in english


def test_a_form_error_is_in_the_pages_language(editor, app):  # noqa: F811
    response = editor.post("/manage/centres/dobele-crafts-house?lang=lt", data=form_of(
        app, "dobele-crafts-house", lat="56.62", lon="23.28", coord_precision="none"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "koordinatės nurodytos" in html and "'none'" not in html


def test_hours_messages_follow_the_page_not_the_moment_they_were_made(app):
    with app.test_request_context():
        g.lang = "en"
        (message,) = validation.hours_problems("S 10-14", "LT")
        with force_locale("lt"):
            assert "šeštadienį" in str(message)
        with force_locale("en"):
            assert "Saturday" in str(message)
    assert hours.problem("S 10-14", "LT")
