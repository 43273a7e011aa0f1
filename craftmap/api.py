"""The API: open-data JSON twins of the pages (built by the same dataset functions) and the write API."""
import json
import re

from flask import Blueprint, current_app, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from . import auth, datasets, db, editing, export, openapi, planner, planning
from .validation import CENTRE_FIELDS
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


@bp.app_errorhandler(404)
def _not_found(exc):
    if request.path.startswith("/api/"):
        return jsonify(error="not found", path=request.path), 404
    return render_template("public/404.html"), 404


@bp.app_errorhandler(400)
@bp.app_errorhandler(403)
def _refused(exc):
    """A page in the site's layout and language; the reason when the code gave one, else a general one."""
    if request.path.startswith("/api/"):
        return jsonify(error=exc.description), exc.code
    headings = {400: _("The request could not be handled"), 403: _("Not allowed")}
    general = {400: _("Check the address or the form, and try again."), 403: _("This page is not open to your account.")}
    message = general[exc.code] if exc.description == type(exc).description else exc.description
    return render_template("public/error.html", heading=headings[exc.code], message=message), exc.code


def _dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _near():
    raw = request.args.get("near")
    if not raw:
        return None
    try:
        lon, lat = (float(v) for v in raw.split(","))
    except ValueError:
        raise ApiError(400, "near must be 'lon,lat' in decimal degrees", "near") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ApiError(400, "near is outside valid longitude/latitude", "near")
    return lon, lat


@bp.route("/centres")
def centres():
    filters, near, slim = datasets.parse_filters(request.args), _near(), request.args.get("fields") == "map"
    if request.args.get("fields") not in (None, "", "map", "all"):
        raise ApiError(400, "fields must be 'all' or 'map'", "fields")
    build = lambda: body(_dumps(datasets.centres_collection(filters, g.lang, near, slim)), GEOJSON)  # noqa: E731
    if near is not None or filters.get("q"):  # free text: a key per visitor, it would push out the map
        return send(build())
    key = ("api-centres", g.lang, slim, tuple(sorted(filters.items())))
    return send(memo(datasets.snapshot(), key, build))


def _centre_response(centre_id, status=200):
    feature = datasets.centre_detail(centre_id, g.lang)
    if feature is None:
        raise ApiError(404, f"no centre with id {centre_id!r}", "id")
    response = send(body(_dumps(feature), GEOJSON, tag=f"v{feature['properties']['version']}-{g.lang}"))
    response.status_code = status
    return response


@bp.route("/centres/<centre_id>")
def centre(centre_id):
    return _centre_response(centre_id)


def _api_user():
    try:
        user = auth.user_for_token(request.headers.get("Authorization"))
    except auth.TokenExpired as expired:
        raise ApiError(401, f"this token expired on {expired.args[0]:%Y-%m-%d}; ask for a new one",
                       "Authorization") from None
    if user is None:
        raise ApiError(401, "send 'Authorization: Bearer <token>' with a valid token", "Authorization")
    return user


def _json_body(allowed):
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(422, "the body must be a JSON object", "body")
    unknown = sorted(set(data) - set(allowed) - {"visitors"})
    if unknown:
        raise ApiError(422, f"{unknown[0]!r} is not a field that can be written", unknown[0])
    visitors = data.pop("visitors", {}) or {}
    if not isinstance(visitors, dict):
        raise ApiError(422, "visitors must be an object {year: count}", "visitors")
    if any(isinstance(v, bool) for v in visitors.values()):
        raise ApiError(422, "visitors counts must be whole numbers", "visitors")
    try:
        return data, {int(y): v for y, v in visitors.items()}
    except ValueError:
        raise ApiError(422, "visitors keys must be years", "visitors") from None


def _edit_error(exc):
    field, message = exc.problems[0]
    body = {"error": f"{field}: {message}", "field": field, "problems": [{"field": f, "error": m} for f, m in exc.problems]}
    return jsonify(body), 422


@bp.route("/centres/<centre_id>", methods=["PATCH"])
def patch_centre(centre_id):
    user = _api_user()
    current = db.get_centre(centre_id)
    if current is None:
        raise ApiError(404, f"no centre with id {centre_id!r}", "id")
    if not auth.may_edit(user, current):
        raise ApiError(403, f"{user['email']} may not edit centres of {current['municipality']}", "id")
    match = re.search(r"v(\d+)", request.headers.get("If-Match", ""))
    if not request.headers.get("If-Match"):
        raise ApiError(428, "send If-Match with the ETag from GET /api/v1/centres/<id>", "If-Match")
    changes, visitors = _json_body(editing.EDITABLE)
    try:
        editing.save_centre(centre_id, changes, int(match.group(1)) if match else -1, user["email"], visitors)
    except editing.EditError as exc:
        return _edit_error(exc)
    except editing.Conflict as exc:
        raise ApiError(412, f"the centre changed: it is now at version {exc.current['version']}", "If-Match") from None
    return _centre_response(centre_id)


@bp.route("/centres", methods=["POST"])
def post_centre():
    user = _api_user()
    if user["role"] != "editor":
        raise ApiError(403, "only editors add centres, in their own municipality", "municipality")
    row, _ = _json_body(CENTRE_FIELDS)
    if row.setdefault("municipality", user["municipality"]) != user["municipality"]:
        raise ApiError(403, f"{user['email']} may add centres only in {user['municipality']}", "municipality")
    try:
        centre_id = editing.create_centre(row, user["email"])
    except editing.EditError as exc:
        return _edit_error(exc)
    response = _centre_response(centre_id, status=201)
    response.headers["Location"] = url_for("api.centre", centre_id=centre_id, lang=None)
    return response


@bp.route("/centres/<centre_id>/history")
def centre_history(centre_id):
    user = _api_user()
    current = db.get_centre(centre_id)
    if current is None:
        raise ApiError(404, f"no centre with id {centre_id!r}", "id")
    if not (auth.may_edit(user, current) or user["role"] == "planner"):
        raise ApiError(403, f"{user['email']} may not read the history of this centre", "id")
    changes = [c | {"at": c["at"].isoformat() if c["at"] else None} for c in editing.history(centre_id)]
    return jsonify(centre=centre_id, changes=changes)


def _route_feature(summary):
    props = {k: v for k, v in summary.items() if k != "geometry"}
    return {"type": "Feature", "id": summary["id"], "geometry": summary["geometry"], "properties": props}


@bp.route("/routes")
def routes():
    def build():
        features = [_route_feature(r) for r in datasets.routes_list(g.lang)]
        return _dumps({"type": "FeatureCollection", "features": features, "meta": {"count": len(features)}})
    return send(memo(datasets.snapshot(), ("api-routes", g.lang), lambda: body(build(), GEOJSON)))


def _route_or_404(route_id):
    detail = datasets.route_detail(route_id, g.lang)
    if detail is None:
        raise ApiError(404, f"no route with id {route_id!r}", "id")
    return detail


@bp.route("/routes/<route_id>")
def route(route_id):
    return send(body(_dumps(_route_feature(_route_or_404(route_id))), GEOJSON))


def _export_texts(route):
    from . import labels
    return {"km_from_previous": _("km from the previous stop"), "source": _("Source"),
            "closed": _("This centre is closed."),
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
        return _dumps(doc)
    return send(memo(datasets.snapshot(), "api-municipalities", lambda: body(build(), GEOJSON)))


@bp.route("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())
