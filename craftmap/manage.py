"""Pages for municipalities: keep their own centres current. Access is decided once, here at the edge."""
import csv
import datetime
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from shapely.geometry import shape

from . import auth, db, editing, labels, planning, route_editing
from .planner import csv_response
from .validation import CENTRE_FIELDS, ENUMS

bp = Blueprint("manage", __name__, url_prefix="/manage")
OPEN = {"manage.login"}
MAX_IMPORT_BYTES = 2_000_000


@bp.before_request
def guard():
    if request.method == "POST":
        auth.check_csrf()
    if request.endpoint not in OPEN and auth.current_user() is None:
        return redirect(url_for("manage.login", next=request.full_path))


@bp.after_request
def private(response):
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


def centre_for_edit(centre_id):
    """The centre, if it exists and the current user may edit it (404 / 403 otherwise)."""
    centre = db.get_centre(centre_id) or abort(404)
    user = auth.current_user()
    if not auth.may_edit(user, centre):
        abort(403, description=_("%(name)s is in %(municipality)s; you may edit only the centres of %(yours)s.",
                                 name=centre["name"], municipality=centre["municipality"],
                                 yours=user["municipality"] or "–"))
    return centre


def _safe_next(target):
    """``next`` if it is a path on this site, else the manage index: never another host, never a header break."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(c) < 32 or ord(c) == 127 for c in target)):
        return url_for("manage.index")
    return target


def _login_page(error, status, headers=None):
    return render_template("manage/login.html", error=error), status, headers or {}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("manage/login.html", error=None)
    try:
        user = auth.attempt_login(request.form.get("email", ""), request.form.get("password", ""),
                                  request.remote_addr)
    except auth.RateLimited as limited:
        return _login_page(_("Too many failed attempts. Wait %(minutes)d minutes and try again.",
                             minutes=limited.seconds // 60), 429, {"Retry-After": str(limited.seconds)})
    except auth.Disabled:
        return _login_page(_("This account has been disabled. Ask the administrator to enable it."), 403)
    if user is None:
        return _login_page(_("Wrong email or password."), 401)
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    auth.logout()
    return redirect(url_for("public.index"))


@bp.route("/password", methods=["GET", "POST"])
def password():
    error = None
    if request.method == "POST":
        user = auth.current_user()
        new = request.form.get("new_password", "")
        if not auth.verify_password(user, request.form.get("password", "")):
            error = _("The current password is wrong.")
        elif len(new) < 12:
            error = _("The new password must have at least 12 characters.")
        else:
            auth.change_password(user, new)
            return redirect(url_for("manage.login"))
    return render_template("manage/password.html", error=error)


def _gaps(c, last_year, visitors):
    counted = [] if last_year in visitors.get(c["id"], {}) else [_("visitor count for %(year)d", year=last_year)]
    return planning.centre_gaps(c) + counted


def _listed(user, centre):
    """Editors list (and export) their own centres; planners, who read everything, all of them."""
    return user["role"] == "planner" or auth.may_edit(user, centre)


@bp.route("/")
def index():
    user = auth.current_user()
    centres = [c for c in db.all_centres() if _listed(user, c)]
    counts = {}
    for row in db.all_visitor_counts():
        counts.setdefault(row["centre_id"], {})[row["year"]] = row["visitors"]
    last_year = datetime.date.today().year - 1
    rows = [(c, _gaps(c, last_year, counts)) for c in centres]
    return render_template("manage/index.html", rows=rows, user=user)


def _form_changes(form):
    changes = {f: form.get(f, "") for f in editing.EDITABLE if f != "crafts"}
    changes["crafts"] = ";".join(form.getlist("crafts"))
    return changes


def _form_visitors(form):
    year, count = form.get("visitors_year", "").strip(), form.get("visitors_count", "").strip()
    if not year and not count:
        return {}
    try:
        return {int(year): int(count) if count else None}
    except ValueError:
        return {year: count}


def _field_errors(exc):
    """Problems keyed by the form field they belong beside."""
    errors = {}
    for field, message in exc.problems:
        errors.setdefault("lat" if field == "lat/lon" else field, message)
    return errors


def _edit_page(centre, values, errors=None, conflict=None, status=200):
    ref = current_app.extensions["craftmap.reference"]
    return render_template("manage/edit.html", centre=centre, values=values, errors=errors or {},
                           conflict=conflict, enums=ENUMS, crafts=ref.vocabulary["craft"],
                           visitors=db.visitors(centre["id"]) if centre.get("version") else {},
                           texts=labels.map_texts()), status


def _posted_version():
    """The version the form was loaded at; a missing or garbled one counts as stale (a conflict)."""
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        return -1


@bp.route("/centres/<centre_id>", methods=["GET", "POST"])
def edit(centre_id):
    centre = centre_for_edit(centre_id)
    if request.method == "GET":
        return _edit_page(centre, centre)
    changes = _form_changes(request.form)
    values = centre | changes | {k: request.form.get(k, "") for k in ("visitors_year", "visitors_count")}
    try:
        editing.save_centre(centre_id, changes, _posted_version(),
                            auth.current_user()["email"], _form_visitors(request.form))
    except editing.EditError as exc:
        return _edit_page(centre, values, errors=_field_errors(exc), status=422)
    except editing.Conflict as exc:
        return _edit_page(exc.current, values, conflict=exc.current, status=409)
    flash(_("Saved."))
    return redirect(url_for("manage.edit", centre_id=centre_id))


@bp.route("/centres/new", methods=["GET", "POST"])
def new():
    user = auth.current_user()
    if user["role"] != "editor":
        abort(403)
    munis = current_app.extensions["craftmap.reference"].municipalities
    country = dict(zip(munis["name_local"], munis["country_code"]))[user["municipality"]]
    blank = editing.blank_centre() | {
        "municipality": user["municipality"], "country": country, "wheelchair": "unknown", "signage": "unknown",
        "toilets_wheelchair": "unknown", "mid_baltic_network": "unknown", "coord_precision": "none"}
    if request.method == "GET":
        return _edit_page(blank, blank)
    values = blank | _form_changes(request.form) | {k: request.form.get(k, "") for k in ("id", "source")}
    try:
        editing.create_centre(values, user["email"])
    except editing.EditError as exc:
        return _edit_page(blank, values, errors=_field_errors(exc), status=422)
    flash(_("Added."))
    return redirect(url_for("manage.edit", centre_id=values["id"]))


@bp.route("/centres/<centre_id>/history")
def history(centre_id):
    centre = centre_for_edit(centre_id)
    return render_template("manage/history.html", centre=centre, changes=editing.history(centre_id))


@bp.route("/changes/<int:change_id>/revert", methods=["POST"])
def revert(change_id):
    change = editing.get_change(change_id) or abort(404)
    centre_for_edit(change["centre_id"])
    try:
        editing.revert(change, auth.current_user()["email"])
    except editing.EditError as exc:
        flash("; ".join(f"{f}: {m}" for f, m in exc.problems))
    return redirect(url_for("manage.history", centre_id=change["centre_id"]))


def _uploaded_rows():
    data = request.files.get("file").read(MAX_IMPORT_BYTES + 1) if request.files.get("file") else \
        request.form.get("csv_text", "").encode("utf-8")
    if len(data) > MAX_IMPORT_BYTES:
        raise ValueError(_("The file is larger than 2 MB."))
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    if "id" not in (reader.fieldnames or []):
        raise ValueError(_("The file has no 'id' column."))
    return text, list(reader)


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    user = auth.current_user()
    if user["role"] != "editor":
        abort(403)
    if request.method == "GET":
        return render_template("manage/import.html", plan=None)
    try:
        text, rows = _uploaded_rows()
    except (ValueError, UnicodeDecodeError) as exc:
        return render_template("manage/import.html", plan=None, error=str(exc)), 422
    plan = editing.plan_import(rows, user["municipality"])
    if request.form.get("apply") and not any(p["errors"] for p in plan):
        try:
            editing.apply_import(plan, user["email"])
        except editing.Conflict:  # a centre changed between this plan and its write: plan again and show why
            plan = editing.plan_import(rows, user["municipality"])
        else:
            flash(_("Imported %(n)d rows.", n=len(plan)))
            return redirect(url_for("manage.index"))
    return render_template("manage/import.html", plan=plan, csv_text=text,
                           has_errors=any(p["errors"] for p in plan)), 200


@bp.route("/export.csv")
def export_csv():
    user = auth.current_user()
    rows = [c for c in db.all_centres() if _listed(user, c)]
    return csv_response(rows, list(CENTRE_FIELDS) + ["version"], "craftmap-centres.csv")


def planner_only():
    if auth.current_user()["role"] not in ("planner", "admin"):
        abort(403, description=_("Only planners enter and edit routes."))


@bp.route("/routes")
def routes():
    planner_only()
    return render_template("manage/routes.html", routes=db.all_routes())


def _route_page(route, values, errors=(), status=200):
    return render_template("manage/route.html", route=route, values=values, errors=errors,
                           centres=db.all_centres(), enums=ENUMS), status


@bp.route("/routes/<route_id>", methods=["GET", "POST"])
@bp.route("/routes/new", methods=["GET", "POST"], defaults={"route_id": None})
def edit_route(route_id):
    planner_only()
    route = (db.get_route(route_id) or abort(404)) if route_id else {"id": "", "stops": [], "version": None}
    values = route | {"stops_text": route_editing.stops_text(route["stops"])}
    if request.method == "GET":
        return _route_page(route, values)
    values = values | request.form.to_dict()
    stops, problems = route_editing.parse_stops(request.form.get("stops_text", ""))
    track, upload = None, request.files.get("track")
    if upload and upload.filename:
        try:
            track = route_editing.track_from_file(upload.filename, upload.read())
        except editing.EditError as exc:  # reported together with the stops' problems
            problems = list(problems) + exc.problems
    if track is None and route.get("geometry_origin") == "surveyed_track" and not request.form.get("redraw"):
        track = shape(route["geometry"])
    new_id = route_id or request.form.get("id", "").strip()
    try:
        route_editing.save_route(new_id, request.form, stops, track, route_id and _posted_version(), problems,
                                 user=auth.current_user()["email"])
    except editing.EditError as exc:
        return _route_page(route, values, exc.problems, 422)
    except editing.Conflict:
        return _route_page(route, values, [("version", _("Someone else saved this route meanwhile; reload it."))], 409)
    flash(_("Saved."))
    return redirect(url_for("manage.edit_route", route_id=new_id))
