"""Pages for tourists: the map, the directory of centres, the routes, the sources."""
import datetime

from flask import Blueprint, abort, current_app, g, render_template, request, url_for
from flask_babel import format_date, format_decimal, gettext as _

from . import auth, datasets, db, editing, hours, labels, mapbuild, photos, security
from .assets import STATIC_DIR, asset_url
from .web import body, cache_headers, map_parts, memo, page_number, send

bp = Blueprint("public", __name__)
bp.after_request(cache_headers)
bp.app_template_global()(labels.precision)
bp.app_template_global()(labels.place_stop)
bp.app_template_global()(labels.planner_position)
bp.app_template_global(name="geometry_origin_label")(labels.geometry_origin)
bp.app_template_global(name="status_label")(labels.status)
bp.app_template_global(name="network_label")(labels.network)
bp.app_template_global(name="country_label")(labels.country)
bp.app_template_global(name="field_label")(labels.field)
bp.app_template_global(name="value_label")(labels.value)
bp.app_template_global(name="stop_order_label")(labels.stop_order_origin)


@bp.app_template_filter("number")
def _number(value):
    """A whole number as the page's language writes it: 100 000 in Latvian and Lithuanian, 100,000 in English."""
    return format_decimal(value, "#,##0")


@bp.app_template_filter("isodate")
def _isodate(value):
    """An ISO date (YYYY-MM-DD) in the page's language."""
    return format_date(datetime.date.fromisoformat(value), "long") if value else ""


def _map_parts(snap, key, routes):
    cfg = current_app.config
    tiles = (cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"], _("Base map"))
    names = {r["id"]: datasets.route_name(r, g.lang) for r in routes}
    return map_parts(snap, (*key, g.lang), lambda: mapbuild.build_map(routes, names, tiles, cfg["MAX_ZOOM"], asset_url))


def _overview_map(snap):
    return _map_parts(snap, ("index-map",), snap.routes)


def _small_map(snap):
    return _map_parts(snap, ("small-map",), [])


def _route_map(snap, route_id):
    route_row = next((r for r in snap.routes if r["id"] == route_id), None) or abort(404)
    return _map_parts(snap, ("route-map", route_id), [route_row])


@bp.route("/")
def index():
    snap = datasets.snapshot()
    return send(memo(snap, ("index", g.lang), lambda: body(render_template(
        "public/map.html", map=_overview_map(snap), map_script=url_for("public.overview_script", v=snap.version),
        options=datasets.filter_options(g.lang), texts=labels.map_texts(), route_count=len(snap.routes),
        centre_count=len(snap.centres), boundary_attribution=labels.boundary_attribution(),
        routes=datasets.route_links(g.lang)),
        "text/html")))


@bp.route("/centres")
def centres():
    filters = datasets.parse_filters(request.args)
    try:
        number = page_number(request.args)
    except ValueError as exc:
        abort(400, description=str(exc))
    collection = datasets.centres_page(filters, g.lang, number)
    return render_template("public/centres.html", collection=collection, filters=filters,
                           options=datasets.filter_options(g.lang), json_url=url_for("api.centres", **filters),
                           link=lambda **changes: url_for("public.centres", **(filters | changes)))


@bp.route("/centres/<centre_id>")
def centre(centre_id):
    feature = datasets.centre_detail(centre_id, g.lang) or abort(404)
    snap = datasets.snapshot()
    return render_template("public/centre.html", c=feature["properties"], feature=feature,
                           map=_small_map(snap), map_script=url_for("public.small_script", v=snap.version),
                           texts=labels.map_texts(), photos=photos.for_centre(centre_id))


@bp.route("/routes")
def routes():
    return render_template("public/routes.html", routes=datasets.routes_list(g.lang))


@bp.route("/routes/<route_id>")
def route(route_id):
    try:
        day, day_error = datasets.parse_day(request.args.get("date")), None
    except ValueError as exc:  # the page still serves the route, and says what to type
        day, day_error = None, str(exc)
    detail = datasets.route_detail(route_id, g.lang, day) or abort(404)
    snap = datasets.snapshot()
    return render_template("public/route.html", r=detail, map=_route_map(snap, route_id),
                           map_script=url_for("public.route_script", route_id=route_id, v=snap.version),
                           texts=labels.map_texts(), day=day, day_error=day_error, data_version=snap.version,
                           day_holidays=_holidays_on(day),
                           typed_day=request.args.get("date", "")[:40]), 400 if day_error else 200


def _holidays_on(day):
    """The public holidays of Latvia and Lithuania on ``day``: a stop that is no centre has no hours to
    say so, and a route may cross the border."""
    found = [(country, hours.holiday_name(country, day, g.lang)) for country in hours.COUNTRIES] if day else []
    return [{"country": c, "name": n[0], "lang": n[1]} for c, n in found if n]


# The maps' set-up scripts, one URL each; ``v`` (the data version) only makes the URL change with the data.
@bp.route("/maps/overview.js")
def overview_script():
    return send(_overview_map(datasets.snapshot())["script"])


@bp.route("/maps/centre.js")
def small_script():
    return send(_small_map(datasets.snapshot())["script"])


@bp.route("/maps/routes/<route_id>.js")
def route_script(route_id):
    return send(_route_map(datasets.snapshot(), route_id)["script"])


@bp.route("/photos/<photo_id>.jpg")
def photo(photo_id):
    """A centre's photo: a public one for anyone, another only for those who may edit the centre."""
    found = photos.get(photo_id) if len(photo_id) <= 40 else None
    if found is None:
        abort(404)
    if not found["public"]:
        user = auth.current_user()
        if user is None or not editing.may(user, "edit", db.get_centre(found["centre_id"])):
            abort(404)  # as if it were not there: a private photo's existence is not told
    response = send(body(found["data"], "image/jpeg", tag=found["sha256"][:16]))
    if not found["public"]:
        response.headers["Cache-Control"] = "private, no-store"
    return response


_WORKER = {}


@bp.route("/offline.js")
def offline_worker():
    """The offline worker (static/js/offline.js), at the site's root, since a service worker looks
    after the pages under its own folder only. Its policy lets it fetch the base map's tiles."""
    if "body" not in _WORKER:
        _WORKER["body"] = body((STATIC_DIR / "js" / "offline.js").read_bytes(), "text/javascript", brotli_quality=11)
    response = send(_WORKER["body"])
    response.headers["Content-Security-Policy"] = security.worker_policy(current_app.config["TILE_URL"])
    return response


@bp.route("/sources")
def sources():
    return render_template("public/sources.html",
                           boundary_attribution=labels.boundary_attribution())
