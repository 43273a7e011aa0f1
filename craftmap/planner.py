"""Pages for planners: the programme's indicators live, coverage, data gaps, exports.

The programme's figures are public, so these pages are open to every visitor.
"""
from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from . import auth, labels, mapbuild, planning, reports, sheets, trends
from .editing import EditError, Refused
from .assets import asset_url
from .datasets import route_name, snapshot
from .web import cache_headers, map_parts, send

bp = Blueprint("planner", __name__, url_prefix="/planner")
bp.after_request(cache_headers)

BINS = [(90, "#1a6b35"), (75, "#5a9e4b"), (50, "#c9a227"), (25, "#d9772b"), (0, "#b2322a")]
NO_DATA = "#d7d7d7"


def coverage_args(args):
    """``by`` and ``distance_km`` from a request, or (None, None, error naming the parameter)."""
    by = args.get("by", "municipality")
    if by not in planning.BY:
        return None, None, ("by", _("by must be one of: %(values)s", values=", ".join(planning.BY)))
    try:
        distance = float(args.get("distance_km", 10))
    except ValueError:
        distance = None
    if distance not in planning.DISTANCES_KM:  # a short list, so each answer is computed once per data version
        return None, None, ("distance_km", _("distance_km must be one of: %(values)s",
                                             values=", ".join(map(str, planning.DISTANCES_KM))))
    return by, distance, None


def colour(pct):
    return NO_DATA if pct is None else next(c for low, c in BINS if pct >= low)


def csv_response(rows, fields, filename):
    """UTF-8 CSV with a byte-order mark, so spreadsheets show Latvian and Lithuanian letters; no cell
    runs as a formula (``sheets.safe_cell``)."""
    response = Response(sheets.csv_text(rows, fields), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/")
def index():
    return render_template("planner/index.html", indicators=planning.indicator_table(g.lang),
                           measures=planning.measures(g.lang), visitors=planning.visitors_per_year(),
                           series=trends.series(), reports=reports.all_reports())


def _coverage_map(snap, table, by):
    munis = current_app.extensions["craftmap.reference"].municipalities
    # an area is coloured only from enough known centres; with fewer it is drawn as not enough data
    judged = {r["area"]: r.get("wheelchair_yes_pct") if r.get("wheelchair_judged") else None for r in table["rows"]}
    pct = judged if by == "municipality" else {}
    if by == "country":
        by_country = judged
        pct = {m: by_country.get(c) for m, c in zip(munis["name_local"], munis["country_code"])}
    areas = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"fill": colour(pct.get(name))}, "geometry": geom.__geo_interface__}
        for name, geom in zip(munis["name_local"], munis.geometry)]}
    uncovered = [{"type": "Feature", "properties": {}, "geometry": r["uncovered"]}
                 for r in table["rows"] if r.get("uncovered")] if by == "route" else []
    layers = [{"name": _("Accessibility share"), "geojson": areas, "style": "fill"}] if by != "route" else [
        {"name": _("Stretches farther than %(km)s km from an accessible centre", km=table["distance_km"]),
         "geojson": {"type": "FeatureCollection", "features": uncovered}, "style": "uncovered"}]
    cfg = current_app.config
    names = {r["id"]: route_name(r, g.lang) for r in snap.routes}
    return mapbuild.build_map(snap.routes, names, (cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"], _("Base map")),
                              cfg["MAX_ZOOM"], asset_url, extra_layers=layers)


def _coverage_parts(snap, by, distance, table=None):
    """The coverage map's parts, built once per data version; the table only when they are built."""
    return map_parts(snap, ("coverage-map", by, distance, g.lang), lambda: _coverage_map(
        snap, table or planning.coverage_table(by, g.lang, distance), by))


def _error_page(error):
    return render_template("planner/error.html", field=error[0], message=error[1]), 400


@bp.route("/coverage")
def coverage():
    by, distance, error = coverage_args(request.args)
    if error:
        return _error_page(error)
    table, snap = planning.coverage_table(by, g.lang, distance), snapshot()
    return render_template("planner/coverage.html", table=table, map=_coverage_parts(snap, by, distance, table),
                           map_script=url_for("planner.coverage_script", by=by, distance_km=distance, v=snap.version),
                           bins=BINS, no_data=NO_DATA, colour=colour, texts=labels.map_texts(),
                           distances=planning.DISTANCES_KM,
                           known=None if by == "route" else planning.known_totals(table["rows"]))


@bp.route("/coverage.js")
def coverage_script():
    """The coverage map's set-up script, at its own URL (the CSP runs no inline script)."""
    by, distance, error = coverage_args(request.args)
    return _error_page(error) if error else send(_coverage_parts(snapshot(), by, distance)["script"])


@bp.route("/gaps")
def gaps():
    return render_template("planner/gaps.html", gaps=planning.data_gaps(g.lang),
                           translations=planning.missing_translations(g.lang))


@bp.route("/report")
def report():
    return render_template("planner/report.html", indicators=planning.indicator_table(g.lang),
                           measures=planning.measures(g.lang),
                           tables={by: planning.coverage_table(by, g.lang) for by in planning.BY},
                           gaps=planning.data_gaps(g.lang))


INDICATOR_FIELDS = ["id", "priority", "seed_table", "name_lv", "name_en", "target_lv", "target_en", "comparator",
                    "target_value", "target_unit", "reported_2016_lv", "reported_2016_en", "reported_2016_value",
                    "live", "basis", "status"]
COVERAGE_FIELDS = {
    "municipality": ["area", "country", "total", "wheelchair_yes", "wheelchair_limited", "wheelchair_no",
                     "wheelchair_unknown", "wheelchair_yes_pct", "signage_yes", "signage_no", "signage_planned",
                     "signage_unknown", "signage_yes_pct"],
    "route": ["route", "area", "stops", "stops_known", "stops_accessible", "stops_accessible_pct", "length_km",
              "covered_km", "covered_pct"],
}
COVERAGE_FIELDS["country"] = [f for f in COVERAGE_FIELDS["municipality"] if f != "country"]


@bp.route("/indicators.csv")
def indicators_csv():
    return csv_response(planning.indicator_table(g.lang), INDICATOR_FIELDS, "craftmap-indicators.csv")


@bp.route("/coverage.csv")
def coverage_csv():
    by, distance, error = coverage_args(request.args)
    if error:
        abort(400, description=error[1])
    table = planning.coverage_table(by, g.lang, distance)
    return csv_response(table["rows"], COVERAGE_FIELDS[by], f"craftmap-coverage-{by}.csv")


@bp.route("/reports")
def report_list(error=None, name=""):
    user = auth.current_user()
    return render_template("planner/reports.html", reports=reports.all_reports(), error=error, name=name,
                           may_freeze=reports.may_freeze(user), signed_in=user is not None)


@bp.route("/reports", methods=["POST"])
@auth.login_required
def freeze_report():
    auth.check_csrf()
    name = request.form.get("name", "")
    try:
        report_id = reports.freeze(auth.current_user(), name, g.lang)
    except Refused as exc:
        abort(403, description=exc.problems[0][1])
    except EditError as exc:
        return report_list(error=exc.problems[0][1], name=name[:reports.NAME_MAX * 2]), 400
    return redirect(url_for("planner.frozen_report", report_id=report_id), 303)


def _report_or_404(report_id):
    report = reports.get(report_id)
    if report is None:
        abort(404)
    return report


@bp.route("/reports/<int:report_id>")
def frozen_report(report_id):
    report = _report_or_404(report_id)
    frozen = reports.indicator_table(report, g.lang)
    live = {row["id"]: row for row in planning.indicator_table(g.lang)}
    coverage = {by: {"frozen": report["figures"]["coverage"][by],
                     "live": {r["area"]: r for r in planning.coverage_table(by, g.lang)["rows"]}}
                for by in reports.COVERAGE_BY}
    return render_template("planner/frozen.html", report=report, frozen=frozen, live=live, coverage=coverage,
                           data_version=snapshot().version)


@bp.route("/reports/<int:report_id>.csv")
def frozen_report_csv(report_id):
    report = _report_or_404(report_id)
    return csv_response(reports.indicator_table(report, g.lang), INDICATOR_FIELDS,
                        f"craftmap-report-{report_id}.csv")
