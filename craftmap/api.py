"""The API: open-data JSON twins of the pages (built by the same dataset functions) and the write API."""
import json
import re

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _

from . import auth, built, datasets, db, editing, export, openapi, photos, planner, planning, reports, surveys, trends
from .web import body, cache_headers, memo, send

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.after_request(cache_headers)

GEOJSON = "application/geo+json"


class ApiError(Exception):
    def __init__(self, status, message, field=None):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


@bp.errorhandler(ApiError)
def _api_error(exc):
    body = {"error": exc.message} | ({"field": exc.field} if exc.field else {})
    return jsonify(body), exc.status


def _near():
    raw = request.args.get("near")
    if not raw:
        return None
    try:
        lon, lat = (float(v) for v in raw.split(","))
    except ValueError:
        raise ApiError(400, _("near must be 'lon,lat' in decimal degrees"), "near") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ApiError(400, _("near is outside valid longitude/latitude"), "near")
    return lon, lat


def _day():
    """The travel day asked for with ``date=YYYY-MM-DD``, or None."""
    try:
        return datasets.parse_day(request.args.get("date"))
    except ValueError as exc:
        raise ApiError(400, str(exc), "date") from None


@bp.route("/centres")
def centres():
    filters, near, slim = datasets.parse_filters(request.args), _near(), request.args.get("fields") == "map"
    if request.args.get("fields") not in (None, "", "map", "all"):
        raise ApiError(400, _("fields must be 'all' or 'map'"), "fields")
    day = _day()
    build = lambda: body(datasets.dumps(datasets.centres_collection(filters, g.lang, near, slim, day)), GEOJSON)  # noqa: E731
    if near is not None or filters.get("q") or day is not None or not datasets.known_filters(filters):
        return send(build())  # a key per visitor, or per made-up value, would push out the map
    snap, key = datasets.snapshot(), ("api-centres", g.lang, slim, tuple(sorted(filters.items())))
    if filters:  # a part of the data, kept in memory among the memo's least recently used
        return send(memo(snap, key, build))
    # every centre, the largest body and the one the map and open-data users fetch: kept once per server
    # in files (craftmap.built), a few per data version whatever visitors send
    store = lambda: built.body(snap, key, lambda: datasets.centres_collection_json(filters, g.lang, slim), GEOJSON)  # noqa: E731
    return built.send(memo(snap, key, store), store)


def _centre_response(centre_id, status=200, day=None):
    feature = datasets.centre_detail(centre_id, g.lang, day)
    if feature is None:
        raise ApiError(404, _("no centre with id %(id)s", id=repr(centre_id)), "id")
    tag = f"v{feature['properties']['version']}-{g.lang}" + (f"-{day.isoformat()}" if day else "")
    response = send(body(datasets.dumps(feature), GEOJSON, tag=tag))
    response.status_code = status
    return response


@bp.route("/centres/<centre_id>")
def centre(centre_id):
    return _centre_response(centre_id, day=_day())


def _api_user():
    try:
        user = auth.user_for_token(request.headers.get("Authorization"))
    except auth.TokenExpired as expired:
        raise ApiError(401, _("this token expired on %(date)s; ask for a new one",
                              date=f"{expired.args[0]:%Y-%m-%d}"), "Authorization") from None
    if user is None:
        raise ApiError(401, _("send 'Authorization: Bearer <token>' with a valid token"), "Authorization")
    return user


@bp.errorhandler(editing.WriteError)
def _write_error(exc):
    """The write boundary's refusals, in its one shape; a stale version is the If-Match header's fault here."""
    if isinstance(exc, editing.Conflict):
        return _api_error(ApiError(412, _("the centre changed: it is now at version %(v)d",
                                          v=exc.current["version"]), "If-Match"))
    status = 403 if isinstance(exc, editing.Refused) else 404 if isinstance(exc, editing.NotFound) else 422
    return jsonify(exc.as_json()), status


def _json_object():
    try:
        data = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise ApiError(400, _("the body is not valid JSON"), "body") from None
    if not isinstance(data, dict):
        raise ApiError(422, _("the body must be a JSON object"), "body")
    return data


def _if_match():
    """The version If-Match names: ANY_VERSION for '*', -1 (never current) for an ETag not of ours."""
    sent = request.headers.get("If-Match", "").strip()
    if not sent:
        raise ApiError(428, _("send If-Match with the ETag from GET /api/v1/centres/<id>"), "If-Match")
    match = re.search(r"v(\d{1,9})\b", sent)
    return editing.ANY_VERSION if sent == "*" else int(match.group(1)) if match else -1


@bp.route("/centres/<centre_id>", methods=["PATCH"])
def patch_centre(centre_id):
    user = _api_user()
    editing.centre_for(user, "edit", centre_id)  # 404 and 403 before anything about the request
    version, changes = _if_match(), _json_object()
    visitors = changes.pop("visitors", None)
    editing.update(user, centre_id, changes, version, visitors)
    return _centre_response(centre_id)


@bp.route("/centres", methods=["POST"])
def post_centre():
    user = _api_user()
    editing.require(user, "add")
    centre_id = editing.create(user, _json_object())
    response = _centre_response(centre_id, status=201)
    response.headers["Location"] = url_for("api.centre", centre_id=centre_id, lang=None)
    return response


def _reader_may(centre_id, action):
    """Whether the token sent (if any) lets its user do ``action`` to the centre; 404 for no centre."""
    centre = db.get_centre(centre_id)
    if centre is None:
        raise ApiError(404, _("There is no centre with the id %(id)r.", id=centre_id), "id")
    user = _api_user() if request.headers.get("Authorization") else None
    return user is not None and editing.may(user, action, centre)


@bp.route("/centres/<centre_id>/surveys")
def centre_surveys(centre_id):
    """A centre's field surveys, newest first; who surveyed only for those who may read its history."""
    full = _reader_may(centre_id, "history")
    found = [s if full else surveys.public(s) for s in surveys.for_centre(centre_id)]
    return jsonify(centre=centre_id, surveys=found)


@bp.route("/centres/<centre_id>/surveys", methods=["POST"])
def post_survey(centre_id):
    """Record a field survey; the centre's wheelchair, signage and check date follow from it. A survey
    sent again with the same id is answered 200 with the one saved, not saved twice."""
    user = _api_user()
    editing.centre_for(user, "edit", centre_id)  # 404 and 403 before anything about the request
    version, raw = _if_match(), _json_object()
    survey, created = surveys.save(user, centre_id, raw, version)
    response = jsonify(survey)
    response.status_code = 201 if created else 200
    response.headers["Location"] = url_for("api.centre_surveys", centre_id=centre_id, lang=None) + f"#{survey['id']}"
    return response


@bp.route("/centres/<centre_id>/photos")
def centre_photos(centre_id):
    """A centre's photos: the public ones, or all of them with the token of one who may edit it."""
    full = _reader_may(centre_id, "edit")
    found = [_photo_json(p, full) for p in photos.for_centre(centre_id, public_only=not full)]
    return jsonify(centre=centre_id, photos=found)


@bp.route("/centres/<centre_id>/photos", methods=["POST"])
def post_photo(centre_id):
    """Add a photo (multipart field ``photo``; ``public`` true/false, ``caption``, ``survey_id``) to a centre
    of your municipality. It changes none of the centre's fields, so it takes no If-Match."""
    user = _api_user()
    editing.centre_for(user, "edit", centre_id)
    upload = request.files.get("photo")
    if upload is None:
        raise ApiError(422, _("send the photo as the multipart field 'photo'"), "photo")
    prepared = photos.prepare(upload.read(photos.MAX_BYTES + 1), "photo")
    flag = request.form.get("public", "false").strip().lower()
    if flag not in ("true", "false", "1", "0", "yes", "no"):
        raise ApiError(422, _("must be true or false"), "public")
    caption = photos.coerce_changes({"caption": request.form.get("caption", "")})["caption"]
    survey_id = request.form.get("survey_id") or None
    if survey_id and not any(s["id"] == survey_id for s in surveys.for_centre(centre_id)):
        raise ApiError(422, _("no survey of this centre has the id %(id)r", id=survey_id[:40]), "survey_id")
    with db.transaction() as conn:
        photo_id = photos.insert(conn, centre_id, prepared, user["email"], flag in ("true", "1", "yes"),
                                 caption, survey_id)
    response = jsonify(id=photo_id, url=url_for("public.photo", photo_id=photo_id, lang=None),
                       width=prepared["width"], height=prepared["height"])
    response.status_code = 201
    response.headers["Location"] = url_for("public.photo", photo_id=photo_id, lang=None)
    return response


def _photo_json(p, full):
    return (p if full else photos.public(p)) | {
        "url": url_for("public.photo", photo_id=p["id"], lang=None),
        "uploaded_at": p["uploaded_at"].isoformat() if p["uploaded_at"] else None}


@bp.route("/centres/<centre_id>/photos/<photo_id>", methods=["PATCH"])
def patch_photo(centre_id, photo_id):
    """Show a photo to visitors or withdraw it (``public``), or caption it (``caption``). It changes none
    of the centre's fields, so it takes no If-Match; the last change of a photo stands."""
    user = _api_user()
    editing.centre_for(user, "edit", centre_id)
    photos.change(centre_id, photo_id, photos.coerce_changes(_json_object()))
    found = next((p for p in photos.for_centre(centre_id, public_only=False) if p["id"] == photo_id), None)
    if found is None:  # deleted meanwhile
        raise ApiError(404, _("This centre has no photo with the id %(id)r.", id=photo_id[:40]), "photo")
    return jsonify(_photo_json(found, True))


@bp.route("/centres/<centre_id>/photos/<photo_id>", methods=["DELETE"])
def delete_photo(centre_id, photo_id):
    """Delete a photo of a centre of your municipality, its bytes with it."""
    user = _api_user()
    editing.centre_for(user, "edit", centre_id)
    photos.remove(centre_id, photo_id)
    return "", 204


@bp.route("/centres/<centre_id>/history")
def centre_history(centre_id):
    _centre, changes = editing.read_history(_api_user(), centre_id)
    changes = [c | {"at": c["at"].isoformat() if c["at"] else None} for c in changes]
    return jsonify(centre=centre_id, changes=changes)


def _route_feature(summary):
    props = {k: v for k, v in summary.items() if k != "geometry"}
    return {"type": "Feature", "id": summary["id"], "geometry": summary["geometry"], "properties": props}


@bp.route("/routes")
def routes():
    def build():
        features = [_route_feature(r) for r in datasets.routes_list(g.lang)]
        return datasets.dumps({"type": "FeatureCollection", "features": features, "meta": {"count": len(features)}})
    return send(memo(datasets.snapshot(), ("api-routes", g.lang), lambda: body(build(), GEOJSON)))


def _route_or_404(route_id, day=None):
    detail = datasets.route_detail(route_id, g.lang, day)
    if detail is None:
        raise ApiError(404, _("no route with id %(id)s", id=repr(route_id)), "id")
    return detail


@bp.route("/routes/<route_id>")
def route(route_id):
    return send(body(datasets.dumps(_route_feature(_route_or_404(route_id, _day()))), GEOJSON))


def _export_texts(route):
    from . import labels
    return {"km_from_previous": _("km from the previous stop"), "source": _("Source"),
            "stops": _("Stops in order"), "unlocated": _("location not yet known"),
            "closed": _("This centre is closed."), "place": labels.place_stop(),
            "planner_position": labels.planner_position(),
            "origin": f"{labels.geometry_origin(route['geometry_origin'])}. "
                      f"{labels.stop_order_origin(route['stop_order_origin'])}."}


@bp.route("/routes/<route_id>.<any(gpx, kml, geojson):fmt>")
def route_download(route_id, fmt):
    route = _route_or_404(route_id)
    if fmt == "gpx":
        b = body(export.route_gpx(route, _export_texts(route)), "application/gpx+xml")
    elif fmt == "kml":
        b = body(export.route_kml(route, _export_texts(route)), "application/vnd.google-earth.kml+xml")
    else:
        b = body(export.route_geojson(route), GEOJSON)
    return send(b, filename=f"{route_id}.{fmt}")


@bp.route("/indicators")
def indicators():
    return jsonify(indicators=planning.indicator_table(g.lang), measures=planning.measures(g.lang))


@bp.route("/indicators/history")
def indicator_history():
    return jsonify(trends.series())


def _report_json(report):
    figures = report["figures"]
    return {"id": report["id"], "name": report["name"], "frozen_at": report["frozen_at"].isoformat(),
            "data_version": report["data_version"], "indicators": reports.indicator_table(report, g.lang),
            "coverage": figures["coverage"]}


@bp.route("/reports")
def report_list():
    return jsonify(reports=[{"id": r["id"], "name": r["name"], "frozen_at": r["frozen_at"].isoformat(),
                             "data_version": r["data_version"]} for r in reports.all_reports()])


@bp.route("/reports/<int:report_id>")
def report(report_id):
    found = reports.get(report_id)
    if found is None:
        raise ApiError(404, _("There is no report with the id %(id)d.", id=report_id), "report_id")
    return jsonify(_report_json(found))


@bp.route("/coverage")
def coverage():
    by, distance, error = planner.coverage_args(request.args)
    if error:
        raise ApiError(400, error[1], error[0])
    return jsonify(planning.coverage_table(by, g.lang, distance))


@bp.route("/municipalities")
def municipalities():
    def build():
        frame = current_app.extensions["craftmap.reference"].municipalities
        doc = json.loads(frame.to_json(drop_id=True))
        doc["attribution"] = current_app.config["BOUNDARY_ATTRIBUTION"]
        return datasets.dumps(doc)
    return send(memo(datasets.snapshot(), "api-municipalities", lambda: body(build(), GEOJSON)))


@bp.route("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())
