"""The OpenAPI 3.1 description of the API; a test fails when an endpoint is missing here."""
from .planning import DISTANCES_KM
from .surveys import ANSWERS
from .validation import CENTRE_FIELDS, MAX_CHARS, MAX_VISITORS

__all__ = ["document", "PATHS"]

_FILTERS = [
    {"name": n, "in": "query", "required": False, "schema": {"type": "string"}, "description": d}
    for n, d in (
        ("craft", "craft key from the vocabulary, e.g. weaving"),
        ("country", "LV or LT"),
        ("municipality", "municipality name as in the data, e.g. Dobeles novads"),
        ("route", "route id: only centres that are stops of this route"),
        ("wheelchair", "yes, limited, no or unknown"),
        ("signage", "yes, planned, no or unknown"),
        ("q", "text searched in names and settlements"),
        ("lang", "lv, lt or en: language of human-readable fields"),
    )
]
_FIELDS = {"name": "fields", "in": "query", "required": False, "schema": {"enum": ["all", "map"]},
           "description": "map: only name, settlement and wheelchair per centre (what the map draws)"}
_NEAR = {"name": "near", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "lon,lat: only centres within 50 km, nearest first, with distance_km"}
_DATE = {"name": "date", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
         "description": "YYYY-MM-DD, a travel day: each centre or stop gains open_on (state open, closed or "
                        "unknown, that day's intervals, the public holiday of its country if one)"}
_ID = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in ("id",)]
_LANG = [_FILTERS[-1]]
_PHOTO_ID = _ID + [{"name": "photo_id", "in": "path", "required": True, "schema": {"type": "string"}}]


def _get(summary, media="application/geo+json", params=(), not_found=False, checked=False):
    responses = {"200": {"description": "OK", "content": {media: {}}},
                 "304": {"description": "Not modified (If-None-Match matched the ETag)"}}
    if checked:
        responses |= _BAD_PARAMETER
    if not_found:
        responses["404"] = {"description": "Unknown id", "content": {"application/json": {}}}
    return {"get": {"summary": summary, "parameters": list(params), "responses": responses}}


_WRITE_ERRORS = {
    "400": {"description": "The body is not a JSON document (or is nested too deeply); 'field' is 'body'"},
    "401": {"description": "No valid bearer token"},
    "403": {"description": "The token's user may not edit this centre (another municipality)"},
    "412": {"description": "If-Match is stale: the centre changed since it was read ('*' matches any version)"},
    "422": {"description": "A field is invalid; 'field' names it, 'problems' lists all"},
    "413": {"description": "The body is over the server's limit (CRAFTMAP_MAX_UPLOAD_MB, 10 MB by default)"},
}
_BAD_PARAMETER = {"400": {"description": "A parameter is invalid; 'field' names it", "content": {"application/json": {}}}}
_FIELD_SCHEMA = {f: {"type": "number"} if f in ("lat", "lon") else {"type": "string", "maxLength": MAX_CHARS[f]}
                 for f in CENTRE_FIELDS} | {"visitors": {"type": "object", "additionalProperties": {
                     "type": ["integer", "null"], "minimum": 0, "maximum": MAX_VISITORS}}}
_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "properties": _FIELD_SCHEMA, "additionalProperties": False, "description":
    "centre fields (as in data/centres.csv; PATCH takes only the editable ones) and optionally visitors: "
    "{year: count}. A new centre starts in your municipality with unknown accessibility, signage and "
    "network, and no location."}}}}
_AUTH = [{"bearer": []}]
_SURVEY_ANSWERS = {k: {"type": ["number", "null"], "minimum": v[0], "maximum": v[1]} if isinstance(v[0], int)
                   else {"enum": list(v)} for k, v in ANSWERS.items()}


def _write(method, summary, extra):
    return {method: {"summary": summary, "security": _AUTH, "requestBody": _BODY,
                     "parameters": _ID if method == "patch" else [],
                     "responses": {**extra, **_WRITE_ERRORS}}}


PATHS = {
    "/api/v1/centres": _write("post", "Add a centre in your municipality (editors)",
                              {"201": {"description": "Created; Location and ETag of the new centre"}}) | _get("Craft centres as a GeoJSON FeatureCollection (RFC 7946); centres whose "
                            "location is not yet known have a null geometry", params=_FILTERS + [_NEAR, _FIELDS, _DATE],
                            checked=True),
    "/api/v1/centres/{id}": _get("One centre as a GeoJSON Feature; its ETag is what PATCH takes in If-Match",
                                 params=_ID + _LANG + [_DATE], not_found=True, checked=True)
    | _write("patch", "Change a centre of your municipality (Authorization: Bearer, If-Match required)",
             {"200": {"description": "The new representation, with its new ETag"},
              "404": {"description": "Unknown id", "content": {"application/json": {}}},
              "428": {"description": "If-Match missing"}}),
    "/api/v1/centres/{id}/history": {"get": {
        "summary": "Who changed which field of a centre, when, from what to what", "security": _AUTH,
        "parameters": _ID, "responses": {"200": {"description": "OK", "content": {"application/json": {}}},
                                         "401": {"description": "No valid bearer token"},
                                         "403": {"description": "Not your municipality"},
                                         "404": {"description": "Unknown id", "content": {"application/json": {}}}}}},
    "/api/v1/centres/{id}/surveys": _get(
        "A centre's field surveys, newest first: date, answers, the wheelchair and signage values they gave "
        "and why (the rules of craftmap/surveys.py); surveyed_by only with the token of one who may read "
        "the centre's history", "application/json", _ID + _LANG, not_found=True)
    | {"post": {"summary": "Record a field survey of a centre of your municipality; its wheelchair, signage, "
                           "toilets_wheelchair and signage_checked_on follow through the same version check "
                           "and history as every edit (If-Match required). Send a client-made UUID as id: "
                           "a survey sent again with the same id is answered 200 with the saved one",
                "security": _AUTH, "parameters": _ID,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "surveyed_on": {"type": "string", "format": "date"},
                        "answers": {"type": "object", "properties": _SURVEY_ANSWERS, "additionalProperties": False},
                        "notes": {"type": "string", "maxLength": 4000},
                        "wheelchair_override": {"enum": ["yes", "limited", "no"]},
                        "override_reason": {"type": "string", "maxLength": 4000}},
                    "additionalProperties": True}}}},
                "responses": {"201": {"description": "Saved; the survey with the values it gave"},
                              "200": {"description": "A survey of this id was saved before: that one"},
                              "404": {"description": "Unknown id", "content": {"application/json": {}}},
                              "428": {"description": "If-Match missing"}, **_WRITE_ERRORS}}},
    "/api/v1/centres/{id}/photos": _get(
        "A centre's photos (id, url, caption, width, height, public, survey_id): the public ones, or all with "
        "the token of one who may edit the centre", "application/json", _ID + _LANG, not_found=True)
    | {"post": {"summary": "Add a photo to a centre of your municipality: multipart/form-data with the file as "
                           "'photo' (JPEG, PNG, WebP or HEIC, checked by content, at most 8 MB and 50 megapixels), "
                           "'public' (true/false, default false), 'caption', 'survey_id'. Stored upright, at most "
                           "1600 px, as a JPEG without the original's metadata (GPS, camera). It changes none of "
                           "the centre's fields, so it takes no If-Match",
                "security": _AUTH, "parameters": _ID,
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": ["photo"], "properties": {
                        "photo": {"type": "string", "format": "binary"}, "public": {"type": "boolean"},
                        "caption": {"type": "string", "maxLength": 500}, "survey_id": {"type": "string"}}}}}},
                "responses": {"201": {"description": "Stored; Location is the photo's URL"},
                              "404": {"description": "Unknown id", "content": {"application/json": {}}},
                              **_WRITE_ERRORS}}},
    "/api/v1/centres/{id}/photos/{photo_id}": {
        "patch": {"summary": "Show a photo of a centre of your municipality to visitors or withdraw it ('public'), "
                             "or caption it ('caption'); only these two may be sent. It changes none of the "
                             "centre's fields, so it takes no If-Match: the last change of a photo stands",
                  "security": _AUTH, "parameters": _PHOTO_ID,
                  "requestBody": {"required": True, "content": {"application/json": {"schema": {
                      "type": "object", "additionalProperties": False, "properties": {
                          "public": {"type": "boolean"}, "caption": {"type": "string", "maxLength": 500}}}}}},
                  "responses": {"200": {"description": "The photo as listed under /photos"},
                                "404": {"description": "Unknown centre, or no such photo of it",
                                        "content": {"application/json": {}}}, **_WRITE_ERRORS}},
        "delete": {"summary": "Delete a photo of a centre of your municipality, its bytes with it",
                   "security": _AUTH, "parameters": _PHOTO_ID,
                   "responses": {"204": {"description": "Deleted"},
                                 "404": {"description": "Unknown centre, or no such photo of it",
                                         "content": {"application/json": {}}},
                                 **{k: v for k, v in _WRITE_ERRORS.items() if k in ("401", "403")}}}},
    "/api/v1/routes": _get("Routes as a FeatureCollection with stops in order and length_km", params=_LANG),
    "/api/v1/routes/{id}": _get("One route: stops in order with distances, length_km, nearby centres. A stop "
                                "that is not a centre has centre_id null, its own name and source, and "
                                "position_origin 'planner' (entered by a planner) or 'source' (given with the "
                                "route's source); a centre's stop has position_origin 'centre'. Each stop's "
                                "distance_from_previous_km is a straight line (legs_measured 'straight_line'), "
                                "and drive_from_previous_min an estimate from it at drive_estimate_kmh",
                                params=_ID + _LANG + [_DATE], not_found=True, checked=True),
    "/api/v1/routes/{id}.gpx": _get("The route as GPX 1.1 (stops as waypoints and route, line as track)",
                                    "application/gpx+xml", _ID + _LANG, True),
    "/api/v1/routes/{id}.kml": _get("The route as KML 2.2", "application/vnd.google-earth.kml+xml",
                                    _ID + _LANG, True),
    "/api/v1/routes/{id}.geojson": _get("The route line and its stops as GeoJSON", params=_ID + _LANG,
                                        not_found=True),
    "/api/v1/indicators": _get("The programme's indicators (target, comparator, reported_2016, live, basis, "
                               "status: met / not_met / not_enough_data) and measures", "application/json",
                               _LANG),
    "/api/v1/indicators/history": _get(
        "Every live indicator at the end of each month and year (time zone time_zone) since the first recorded "
        "change, rebuilt from the change history; the current month and year are to date and equal the live "
        "figures. Each point: period, value, known, total, status. Routes keep no history: their count is "
        "null before the current month", "application/json"),
    "/api/v1/reports": _get("The frozen reports (id, name, frozen_at, data_version), newest first",
                            "application/json"),
    "/api/v1/reports/{report_id}": _get(
        "A frozen report: its indicators (value, basis, status) and coverage counts per municipality and "
        "country as they were when frozen; they never change", "application/json",
        [{"name": "report_id", "in": "path", "required": True, "schema": {"type": "integer"}}] + _LANG,
        not_found=True),
    "/api/v1/coverage": _get("Wheelchair access and signage coverage per municipality, country or route; "
                             "per route also the share of its length within distance_km of an accessible "
                             "centre, with the uncovered stretches as GeoJSON", "application/json",
                             _LANG + [{"name": "by", "in": "query", "required": False,
                                       "schema": {"enum": ["municipality", "country", "route"]}},
                                      {"name": "distance_km", "in": "query", "required": False,
                                       "schema": {"enum": list(DISTANCES_KM), "default": 10}}], checked=True),
    "/api/v1/municipalities": _get("Municipality boundaries of the study region, with attribution"),
    "/api/v1/openapi.json": _get("This document", "application/json"),
}


def document():
    return {
        "openapi": "3.1.0",
        "info": {"title": "craftmap open data API", "version": "1",
                 "description": "Craft centres and routes of Zemgale and North Lithuania. Every GET "
                                "carries an ETag and Cache-Control; send If-None-Match for a 304."},
        "paths": PATHS,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "flask --app app token create EMAIL"}}},
    }
