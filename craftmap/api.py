"""The open-data API, read-only: JSON twins of the pages, built by the same dataset functions."""
import json

from flask import Blueprint, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _

from . import datasets, export, openapi, planner, planning
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


def _body(build, mimetype):
    return body(build(), mimetype)


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
    filters, near = datasets.parse_filters(request.args), _near()
    build = lambda: _body(lambda: _dumps(datasets.centres_collection(filters, g.lang, near)), GEOJSON)  # noqa: E731
    if near is not None:
        return send(build())
    return send(memo(datasets.snapshot(), ("api-centres", g.lang, tuple(sorted(filters.items()))), build))


@bp.route("/centres/<centre_id>")
def centre(centre_id):
    feature = datasets.centre_detail(centre_id, g.lang)
    if feature is None:
        raise ApiError(404, f"no centre with id {centre_id!r}", "id")
    return send(_body(lambda: _dumps(feature), GEOJSON))


def _route_feature(summary):
    props = {k: v for k, v in summary.items() if k != "geometry"}
    return {"type": "Feature", "id": summary["id"], "geometry": summary["geometry"], "properties": props}


@bp.route("/routes")
def routes():
    def build():
        features = [_route_feature(r) for r in datasets.routes_list(g.lang)]
        return _dumps({"type": "FeatureCollection", "features": features, "meta": {"count": len(features)}})
    return send(memo(datasets.snapshot(), ("api-routes", g.lang), lambda: _body(build, GEOJSON)))


def _route_or_404(route_id):
    detail = datasets.route_detail(route_id, g.lang)
    if detail is None:
        raise ApiError(404, f"no route with id {route_id!r}", "id")
    return detail


@bp.route("/routes/<route_id>")
def route(route_id):
    return send(_body(lambda: _dumps(_route_feature(_route_or_404(route_id))), GEOJSON))


def _export_texts(route):
    from . import labels
    return {"km_from_previous": _("km from the previous stop"), "source": _("Source"),
            "origin": f"{labels.geometry_origin(route['geometry_origin'])}. "
                      f"{labels.stop_order_origin(route['stop_order_origin'])}."}


@bp.route("/routes/<route_id>.<any(gpx, kml, geojson):fmt>")
def route_download(route_id, fmt):
    route = _route_or_404(route_id)
    if fmt == "gpx":
        cached = _body(lambda: export.route_gpx(route, _export_texts(route)), "application/gpx+xml")
    elif fmt == "kml":
        cached = _body(lambda: export.route_kml(route, _export_texts(route)), "application/vnd.google-earth.kml+xml")
    else:
        cached = _body(lambda: export.route_geojson(route), GEOJSON)
    return send(cached, filename=f"{route_id}.{fmt}")


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
    return send(memo(datasets.snapshot(), "api-municipalities", lambda: _body(build, GEOJSON)))


@bp.route("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())
