"""Pages for municipalities: keep their own centres current. Access is decided once, here at the edge."""
import base64
import binascii
import datetime
import uuid

from flask import Blueprint, Response, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import ngettext
from shapely.geometry import shape
from werkzeug.exceptions import Forbidden, NotFound

from . import (auth, changesets, db, editing, entry, hours, hours_text, importing, labels, merging, planning, route_editing,
               photos, sheets, surveys, track_files, worklist)
from .planner import csv_response
from .validation import CENTRE_FIELDS, ENUMS, MAX_CHARS, hours_problems, not_one_of

bp = Blueprint("manage", __name__, url_prefix="/manage")
OPEN = {"manage.login"}
JSON = {"manage.hours_preview"}  # answer in JSON, refusals too


@bp.before_request
def guard():
    if request.endpoint not in OPEN and auth.current_user() is None:
        if request.endpoint in JSON:
            return jsonify(error=_("Sign in to use this."), field="session"), 401
        return redirect(url_for("manage.login", next=request.full_path))
    if request.method == "POST":
        auth.check_csrf()


@bp.errorhandler(editing.Refused)
def _refused(exc):
    """Refused by the write boundary's policy: the site's 403 page, saying why."""
    return current_app.handle_http_exception(Forbidden(description=exc.problems[0][1]))


@bp.errorhandler(editing.NotFound)
def _not_found(exc):
    return current_app.handle_http_exception(NotFound())


@bp.after_request
def private(response):
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


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
        try:
            right = auth.check_current_password(user, request.form.get("password", ""), request.remote_addr)
        except auth.RateLimited as limited:
            return render_template("manage/password.html", error=_(
                "Too many failed attempts. Wait %(minutes)d minutes and try again.", minutes=limited.seconds // 60)), \
                429, {"Retry-After": str(limited.seconds)}
        if not right:
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


@bp.route("/")
def index():
    user = auth.current_user()
    centres = [c for c in db.all_centres() if editing.may(user, "list", c)]
    counts = {}
    for row in db.all_visitor_counts():
        counts.setdefault(row["centre_id"], {})[row["year"]] = row["visitors"]
    last_year = datetime.date.today().year - 1
    rows = [(c, _gaps(c, last_year, counts)) for c in centres]
    editable = {c["id"] for c in centres if editing.may(user, "edit", c)}
    todo = worklist.rows({"municipality": user["municipality"], "route": "", "gap": "", "sort": "priority"}, g.lang) \
        if user["municipality"] else None
    return render_template("manage/index.html", rows=rows, user=user, editable=editable, todo=todo,
                           gap_label=worklist.gap_label, priority_label=worklist.priority_label)


def _form_changes(form):
    changes = {f: form.get(f, "") for f in editing.EDITABLE if f not in ("kind", "crafts")}
    changes |= {f: ";".join(form.getlist(f)) for f in ("kind", "crafts")}
    return changes


def _form_visitors(form):
    year, count = form.get("visitors_year", "").strip(), form.get("visitors_count", "").strip()
    return {year: count} if year or count else {}


def _hours_reading(text, country):
    """{"stored", "text"} for opening hours as typed, or None when they cannot be read."""
    if not text or hours_problems(text, country):
        return None
    stored = hours.normalise(text, country)
    return {"stored": stored, "text": hours_text.describe(stored, country, g.lang)}


def _edit_page(centre, values, errors=None, merge=None, status=200):
    ref = current_app.extensions["craftmap.reference"]
    return render_template("manage/edit.html", centre=centre, values=values, errors=errors or {},
                           merge=merge, enums=ENUMS, crafts=ref.vocabulary["craft"], kinds=ref.vocabulary["kind"],
                           limits=MAX_CHARS,
                           visitors=db.visitors(centre["id"]) if centre.get("version") else {},
                           texts=labels.map_texts(), field_labels=labels.fields(), value_label=labels.value,
                           start_version=_posted_version() if merge else centre.get("version"),
                           hours_reading=_hours_reading(values.get("opening_hours"), centre.get("country")),
                           hours_examples={"osm": hours.EXAMPLES[None], "local": hours.EXAMPLES.get(
                               centre.get("country"), hours.EXAMPLES[None])}), status


@bp.route("/hours/preview")
def hours_preview():
    """How the edit form's opening hours will be stored and read: {"stored", "text"}, or 422 {"error"}."""
    text, country = request.args.get("text", ""), request.args.get("country", "")
    if country not in ENUMS["country"]:
        return jsonify(error=not_one_of("country", country[:20]), field="country"), 400
    if not text.strip():  # empty hours save fine: they are unknown
        return jsonify(stored="", text=_("No opening hours: they are shown as unknown"))
    problems = hours_problems(text.strip(), country)
    if problems:
        return jsonify(error=f"{_('Opening hours')}: {problems[0]}", field="opening_hours"), 422
    return jsonify(_hours_reading(text.strip(), country) or {"stored": "", "text": ""})


def _posted_version(name="version"):
    """The version the form was loaded at; a missing or garbled one counts as stale (a conflict)."""
    number = entry.whole_number(request.form.get(name, ""))
    return -1 if number is None else number


def _choices(form):
    return {k.removeprefix("choose-"): v for k, v in form.items() if k.startswith("choose-")}


def _when(at):
    return format_datetime(at, "short") if at else "–"


def _merged_message(merged):
    """'Saved, merged with …' naming each colleague, when, and the fields of theirs that were kept."""
    by = {}
    for key, who, at in merged.theirs:
        by.setdefault((who, _when(at)), []).append(labels.field(key))
    return " ".join([_("Saved.")] + [_("Merged with the change by %(who)s (%(when)s) to: %(fields)s.", who=who,
                                         when=when, fields=", ".join(names)) for (who, when), names in by.items()])


@bp.route("/centres/<centre_id>", methods=["GET", "POST"])
def edit(centre_id):
    user = auth.current_user()
    centre = editing.centre_for(user, "edit", centre_id)
    if request.method == "GET":
        return _edit_page(centre, centre)
    changes = _form_changes(request.form)
    values = centre | changes | {k: request.form.get(k, "") for k in ("visitors_year", "visitors_count")}
    try:
        _version, merged = merging.save_merging(user, centre_id, changes, _form_visitors(request.form),
                                                _posted_version(), _posted_version("seen"), _choices(request.form))
    except editing.EditError as exc:
        return _edit_page(centre, values, errors=exc.by_field(), status=422)
    except merging.NeedsChoice as exc:
        return _edit_page(exc.current, values, merge=exc, status=409)
    except editing.Conflict as exc:  # saved by someone else between the merge and its write: merge again
        return _edit_page(exc.current, values, errors={"version": exc.problems[0][1]}, status=409)
    flash(_merged_message(merged) if merged else _("Saved."))
    return redirect(url_for("manage.edit", centre_id=centre_id))


def _survey_context(centre, values, survey_id, errors=None, saved=None):
    done = surveys.for_centre(centre["id"])
    return dict(
        centre=centre, values=values, errors=errors or {}, saved=saved,
        survey_id=survey_id, version=centre["version"], surveys=done,
        last=done[0] if done else None, today=datetime.date.today().isoformat(),
        question_labels=surveys.question_labels(), radio_fields=[k for k, v in surveys.ANSWERS.items()
                                                           if not isinstance(v[0], int)],
        step_max=surveys.STEP_MAX_CM, door_min=surveys.DOOR_MIN_CM, value_label=labels.value,
        own_photos=photos.for_centre(centre["id"], public_only=False), photo_max_mb=photos.MAX_BYTES // 2**20,
        upload_max_bytes=current_app.config["MAX_CONTENT_LENGTH"] - 2**16,  # the answers need room too
        upload_max_mb=current_app.config["MAX_UPLOAD_MB"])


def _survey_page(centre, values, survey_id, errors=None, saved=None, status=200):
    return render_template("manage/survey.html", **_survey_context(centre, values, survey_id, errors, saved)), status


def _posted_photos(form):
    """The survey's photos, each prepared for storing; EditError naming each file that is not one."""
    prepared, problems = [], []
    for upload in request.files.getlist("photos"):
        data = upload.read(photos.MAX_BYTES + 1)
        if not data and not upload.filename:
            continue  # the field left empty
        try:
            prepared.append(photos.prepare(data, "photos") | {"public": bool(form.get("photos_public"))})
        except photos.PhotoError as exc:
            problems.append(("photos", f"{(upload.filename or '?')[:80]}: {exc.problems[0][1]}"))
    if problems:
        raise editing.EditError(problems)
    return prepared


@bp.route("/centres/<centre_id>/survey", methods=["GET", "POST"])
def survey(centre_id):
    """The field survey of a centre, made to be filled in on a phone at its door."""
    user = auth.current_user()
    centre = editing.centre_for(user, "edit", centre_id)
    if request.method == "GET":
        saved = next((s for s in surveys.for_centre(centre_id) if s["id"] == request.args.get("saved")), None)
        # after a save the form starts from its answers, so one wrong answer is put right without the rest
        start = (saved["answers"] | {k: saved[k] for k in ("notes", "override_reason")}
                 | {"wheelchair_override": saved["wheelchair"] if saved["wheelchair"] != saved["wheelchair_derived"]
                    else ""}) if saved else {}
        return _survey_page(centre, start | {"surveyed_on": datetime.date.today().isoformat()}, uuid.uuid4().hex,
                            saved=saved)
    form = request.form
    raw = {k: form.get(k, "") for k in ("id", "surveyed_on", "notes", "wheelchair_override", "override_reason")}
    raw["answers"] = {k: form.get(k, "") for k in surveys.ANSWERS if form.get(k, "") not in ("", "unknown")}
    values = dict(form.items())
    problems, evidence = [], []
    for step in (lambda: surveys.coerce(raw), lambda: evidence.extend(_posted_photos(form))):
        try:  # every problem at once: a bad photo does not hide a bad answer
            step()
        except editing.EditError as exc:
            problems += exc.problems
    if problems:
        errors = {f.removeprefix("answers."): m for f, m in editing.EditError(problems).by_field().items()}
        return _survey_page(centre, values, raw["id"], errors=errors, status=422)
    try:
        saved, _created = surveys.save(user, centre_id, raw, _survey_version(centre_id), evidence)
    except editing.Conflict as exc:  # a field the survey sets was changed meanwhile: the worker decides
        return _survey_page(exc.current, values, raw["id"], errors={"version": _(
            "Wheelchair access or signage of this centre was changed while you surveyed it: check the values "
            "above and send the survey again (choose the photos again).")}, status=409)
    return redirect(url_for("manage.survey", centre_id=centre_id, saved=saved["id"]))


def _photos_page(centre, errors=None, values=None, status=200):
    return render_template("manage/photos.html", centre=centre, caption_max=photos.MAX_CAPTION,
                           own_photos=photos.for_centre(centre["id"], public_only=False),
                           photo_errors=errors or {}, photo_values=values or {}), status


@bp.route("/centres/<centre_id>/photos")
def photos_page(centre_id):
    """A centre's photos, on a page of their own: saving one never touches a survey being filled in."""
    return _photos_page(editing.centre_for(auth.current_user(), "edit", centre_id))


@bp.route("/centres/<centre_id>/photos/<photo_id>", methods=["POST"])
def photo(centre_id, photo_id):
    """Show a photo to visitors or withdraw it, caption it, or delete it (the button named ``delete``)."""
    centre = editing.centre_for(auth.current_user(), "edit", centre_id)
    if "delete" in request.form:
        photos.remove(centre_id, photo_id)
        flash(_("The photo was deleted."))
    else:
        sent = {"public": bool(request.form.get("public")), "caption": request.form.get("caption", "")}
        try:
            changes = photos.coerce_changes(sent)
        except editing.EditError as exc:  # the page again, with what was typed and ticked
            return _photos_page(centre, {photo_id: exc.problems[0][1]}, {photo_id: sent}, 422)
        photos.change(centre_id, photo_id, changes)
        flash(_("Photo saved: shown to visitors.") if changes["public"] else _("Photo saved: not shown to visitors."))
    return redirect(url_for("manage.photos_page", centre_id=centre_id))


def _survey_version(centre_id):
    """The version to save the survey against: the current one when nothing the survey sets changed since
    the form was loaded (a phone number edited meanwhile is no reason to send the survey again)."""
    posted = _posted_version()
    with db.engine().connect() as conn:
        current = editing.current_in(conn, centre_id)
        base, since = merging.base_at(conn, current, posted)  # the edit form's merge reads the same history
    if base is None or set(since) & set(surveys.SETS):
        return posted  # current already, or not a version of this centre, or a survey's field changed
    return current["version"]


@bp.route("/centres/new", methods=["GET", "POST"])
def new():
    user = auth.current_user()
    editing.require(user, "add")
    blank = editing.new_centre(user)
    if request.method == "GET":
        return _edit_page(blank, blank)
    posted = _form_changes(request.form) | {k: request.form.get(k, "") for k in ("id", "source")}
    try:
        centre_id = editing.create(user, posted)
    except editing.EditError as exc:
        return _edit_page(blank, blank | posted, errors=exc.by_field(), status=422)
    flash(_("Added."))
    return redirect(url_for("manage.edit", centre_id=centre_id))


@bp.route("/centres/<centre_id>/close", methods=["POST"])
def close(centre_id):
    user = auth.current_user()
    try:
        editing.close(user, centre_id, _posted_version())
    except editing.Conflict:
        flash(_("Someone else saved this centre meanwhile, so it was not closed. Check it and close it again."))
    except editing.EditError as exc:
        flash("; ".join(f"{f}: {m}" for f, m in exc.problems))
    else:
        flash(_("Closed. The centre stays in the data and is shown as closed."))
    return redirect(url_for("manage.edit", centre_id=centre_id))


@bp.route("/centres/<centre_id>/history")
def history(centre_id):
    user = auth.current_user()
    centre, sets = changesets.read_change_sets(user, centre_id)
    return render_template("manage/history.html", centre=centre, sets=sets, field_label=labels.field,
                           value_label=labels.value, may_undo=editing.may(user, "edit", centre))


def _undo_page(plan, message=None, status=200):
    return render_template("manage/undo.html", plan=plan, message=message, field_label=labels.field,
                           value_label=labels.value), status


@bp.route("/centres/<centre_id>/changes/<batch>/undo", methods=["GET", "POST"])
def undo(centre_id, batch):
    """Undo one save: GET shows exactly what would be restored, POST (from that page) restores it."""
    user = auth.current_user()
    if request.method == "GET":
        return _undo_page(changesets.plan_undo(user, centre_id, batch))
    try:
        done = changesets.undo(user, centre_id, batch, _posted_version(), request.form.getlist("include"))
    except editing.Conflict:
        return _undo_page(changesets.plan_undo(user, centre_id, batch), _(
            "Someone saved this centre meanwhile, so nothing was undone. Check below what undoing would restore "
            "now."), 409)
    except editing.EditError as exc:
        return _undo_page(changesets.plan_undo(user, centre_id, batch), exc.problems[0][1], 422)
    undone, units = done
    flash(_("Undone the save by %(who)s (%(when)s): %(fields)s restored.", who=undone["by"], when=_when(undone["at"]),
            fields=", ".join(labels.field(u.key) for u in units)))
    return redirect(url_for("manage.history", centre_id=centre_id))


def _uploaded_bytes():
    """The file uploaded, else the one the preview carried to its apply button (base64), else pasted text."""
    upload = request.files.get("file")
    if upload:
        return upload.read(importing.MAX_BYTES + 1)
    carried = request.form.get("upload", "")
    if carried:
        try:
            return base64.b64decode(carried[:importing.MAX_BYTES * 2], validate=True)
        except binascii.Error:
            raise editing.EditError([("file", _("The file could not be carried from the preview; upload it again."))]) \
                from None
    return request.form.get("csv_text", "").encode("utf-8")


def _import_template(**context):
    limits = {"mb": importing.MAX_BYTES // 1_000_000, "rows": importing.MAX_ROWS}
    return render_template("manage/import.html", import_limits=limits, **context)


def _import_page(plan, source, data, status=200):
    has_errors = any(p["errors"] for p in plan)
    return _import_template(plan=plan, source=source, upload=base64.b64encode(data).decode("ascii"),
                            counts=importing.counts(plan), has_errors=has_errors), \
        422 if has_errors else status


def _imported_message(counts):
    parts = [ngettext("%(num)d centre changed", "%(num)d centres changed", counts["changed"])]
    if counts["added"]:
        parts.append(ngettext("%(num)d added", "%(num)d added", counts["added"]))
    parts.append(ngettext("%(num)d unchanged", "%(num)d unchanged", counts["unchanged"]))
    return ", ".join(parts) + "."


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    user = auth.current_user()
    editing.require(user, "import")
    if request.method == "GET":
        return _import_template(plan=None)
    try:
        data = _uploaded_bytes()
        rows, source = importing.read_rows(data)
    except editing.EditError as exc:
        return _import_template(plan=None, error=" ".join(m for _f, m in exc.problems)), 422
    plan = importing.plan(user, rows)
    if request.form.get("apply") and not any(p["errors"] for p in plan):
        try:
            importing.apply(user, plan)
        except editing.WriteError:  # a centre changed between this plan and its write: plan again and show why
            return _import_page(importing.plan(user, rows), source, data, 409)
        flash(_imported_message(importing.counts(plan)))
        return redirect(url_for("manage.index"))
    return _import_page(plan, source, data)


def _exported_centres():
    user = auth.current_user()
    return [c for c in db.all_centres() if editing.may(user, "list", c)], list(CENTRE_FIELDS) + ["version"]


@bp.route("/export.csv")
def export_csv():
    return csv_response(*_exported_centres(), "craftmap-centres.csv")


@bp.route("/export.xlsx")
def export_xlsx():
    rows, fields = _exported_centres()
    response = Response(sheets.xlsx_bytes(rows, fields, _("Centres"), legend=(_("Columns"), labels.columns(fields))),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = 'attachment; filename="craftmap-centres.xlsx"'
    return response


def planner_only():
    if auth.current_user()["role"] not in ("planner", "admin"):
        abort(403, description=_("Only planners enter and edit routes."))


@bp.route("/routes")
def routes():
    planner_only()
    return render_template("manage/routes.html", routes=db.all_routes())


def _route_page(route, values, errors=(), status=200, kept=None):
    return render_template("manage/route.html", route=route, values=values, errors=errors, kept=kept,
                           field_labels=route_editing.field_labels(),
                           centres=route_editing.centre_choices(g.lang), enums=ENUMS, track_limits={
                               "mb": track_files.MAX_TRACK_BYTES // 1_000_000, "points": track_files.MAX_INPUT_POINTS,
                               "m": route_editing.SIMPLIFY_M}), status


def _posted_track(route):
    """(the line to save or None, the track to keep on the form if the save is refused, problems).

    A new file wins; else the track kept from a refused save (checked again); else the stored track."""
    upload, form = request.files.get("track"), request.form
    kept = {"name": form.get("track_kept_name", "")[:80], "geojson": form.get("track_kept", "")}
    if form.get("redraw"):
        return None, None, []
    if upload and upload.filename:
        name, data = upload.filename[:80], upload.read(track_files.MAX_TRACK_BYTES + 1)
    elif kept["geojson"]:
        name, data = kept["name"], kept["geojson"].encode("utf-8")
    else:
        stored = route.get("geometry_origin") == "surveyed_track" and route.get("geometry")
        return (shape(route["geometry"]) if stored else None), None, []
    try:
        track = route_editing.track_from_file(name, data)
    except editing.EditError as exc:  # reported together with the stops' problems
        return None, kept if kept["geojson"] and upload and upload.filename else None, exc.problems
    return track, {"name": name, "geojson": route_editing.track_geojson(track)}, []


@bp.route("/routes/<route_id>", methods=["GET", "POST"])
@bp.route("/routes/new", methods=["GET", "POST"], defaults={"route_id": None})
def edit_route(route_id):
    planner_only()
    route = (db.get_route(route_id) or abort(404)) if route_id else {"id": "", "stops": [], "version": None}
    values = route | {"stops_text": route_editing.stops_text(route["stops"])}
    if request.method == "GET":
        return _route_page(route, values)
    values = values | request.form.to_dict()
    stops, problems = route_editing.parse_stops(request.form.get("stops_text", ""), route["stops"])
    track, kept, track_problems = _posted_track(route)
    new_id = route_id or request.form.get("id", "").strip()
    try:
        route_editing.save_route(new_id, request.form, stops, track, route_id and _posted_version(),
                                 problems + track_problems, user=auth.current_user()["email"])
    except editing.EditError as exc:
        return _route_page(route, values, exc.problems, 422, kept)
    except editing.Conflict:
        return _route_page(route, values, [("version", _("Someone else saved this route meanwhile; reload it."))],
                           409, kept)
    flash(_("Saved."))
    return redirect(url_for("manage.edit_route", route_id=new_id))
