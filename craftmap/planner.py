"""Pages for planners: the programme's indicators live, coverage, data gaps, exports.

The programme's figures are public, so these pages are open to every visitor.
"""
import datetime

from flask import Blueprint, Response, abort, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import format_date
from markupsafe import Markup, escape
from flask_babel import gettext as _

from . import auth, labels, mapbuild, planning, reports, sheets, surveys, svgmap, trends, worklist
from .assets import asset_url
from .datasets import route_name, snapshot
from .editing import EditError, Refused
from .web import cache_headers, map_parts, memo, page_number, paged, send

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
    # an area is coloured only from enough known centres; with fewer it is hatched, with how many are known
    rows = {r["area"]: r for r in table["rows"]} if by != "route" else {}
    row_of = {m: rows.get(c if by == "country" else m) for m, c in zip(munis["name_local"], munis["country_code"])}
    features, labels = [], []
    for name, geom in zip(munis["name_local"], munis.geometry):
        r = row_of[name]
        judged = bool(r and r["wheelchair_judged"])
        hatched = bool(r and r["total"] and not judged)
        features.append({"type": "Feature", "geometry": geom.__geo_interface__, "properties": {
            "fill": colour(r["wheelchair_yes_pct"] if judged else None), "hatched": hatched}})
        if hatched and by == "municipality":
            at = geom.representative_point()
            labels.append((at.y, at.x, f'{r["wheelchair_known"]}/{r["total"]}'))
    if by == "country":  # one label a country, where its largest municipality is
        for r in (r for r in table["rows"] if r["total"] and not r["wheelchair_judged"]):
            geom = max((g for g, c in zip(munis.geometry, munis["country_code"]) if c == r["area"]), key=lambda g: g.area)
            at = geom.representative_point()
            labels.append((at.y, at.x, f'{r["wheelchair_known"]}/{r["total"]}'))
    areas = {"type": "FeatureCollection", "features": features}
    uncovered = [{"type": "Feature", "properties": {}, "geometry": r["uncovered"]}
                 for r in table["rows"] if r.get("uncovered")] if by == "route" else []
    layers = [{"name": _("Accessibility share"), "geojson": areas, "style": "fill", "labels": labels}] if by != "route" else [
        {"name": _("Stretches farther than %(km)s km from an accessible centre", km=f'{table["distance_km"]:g}'),
         "geojson": {"type": "FeatureCollection", "features": uncovered}, "style": "uncovered"}]
    cfg = current_app.config
    names = {r["id"]: route_name(r, g.lang) for r in snap.routes}
    return mapbuild.build_map(snap.routes, names, (cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"], _("Base map")),
                              cfg["MAX_ZOOM"], asset_url, extra_layers=layers,
                              unlined_label=_("no line: too few of its stops have a known location"))


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
                           known=None if by == "route" else planning.known_totals(table["rows"]),
                           route_colours={r["id"]: r["colour"] for r in snap.routes})


@bp.route("/coverage.js")
def coverage_script():
    """The coverage map's set-up script, at its own URL (the CSP runs no inline script)."""
    by, distance, error = coverage_args(request.args)
    return _error_page(error) if error else send(_coverage_parts(snapshot(), by, distance)["script"])


def _worklist():
    """The worklist of a request's filters: (filters, rows), or aborts with a page naming the parameter."""
    filters, error = worklist.parse(request.args)
    if error:
        abort(make_response(*_error_page(error)))
    return filters, worklist.rows(filters, g.lang)


@bp.route("/gaps")
def gaps():
    filters, found = _worklist()
    try:
        shown, page = paged(found, page_number(request.args))
    except ValueError as exc:
        return _error_page(("page", str(exc)))
    snap = snapshot()
    munis = current_app.extensions["craftmap.reference"].municipalities
    return render_template("planner/gaps.html", rows=shown, page=page, found=found, filters=filters,
                           translations=planning.missing_translations(g.lang),
                           total=sum(c["status"] == "active" for c in snap.centres),
                           municipalities=sorted(zip(munis["country_code"], munis["name_local"])),
                           routes=[(r["id"], route_name(r, g.lang)) for r in snap.routes],
                           gap_kinds=worklist.GAPS, gap_label=worklist.gap_label,
                           priority_label=worklist.priority_label, sorts=worklist.SORTS, link=_linker(filters),
                           page_link=lambda **changes: _linker(filters)("planner.gaps", **changes))


def _linker(filters):
    """url_for with the worklist's filters kept, changed by keyword; defaults left out of the URL."""
    def link(endpoint, **changes):
        query = {k: v for k, v in (filters | changes).items() if v and not (k == "sort" and v == "priority")}
        return url_for(endpoint, **query)
    return link


WORKLIST_FIELDS = worklist.FIELDS


@bp.route("/gaps.csv")
def gaps_csv():
    _filters, found = _worklist()
    return csv_response(worklist.export_rows(found), WORKLIST_FIELDS, "craftmap-worklist.csv")


@bp.route("/gaps.xlsx")
def gaps_xlsx():
    _filters, found = _worklist()
    data = sheets.xlsx_bytes(worklist.export_rows(found), WORKLIST_FIELDS, _("Worklist"), numbers=("lat", "lon"),
                             legend=(_("Columns"), worklist.legend()))
    response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = 'attachment; filename="craftmap-worklist.xlsx"'
    return response


@bp.route("/gaps/sheets")
def survey_sheets():
    """One printable page a centre: what to check at the door, where it is, what is known now."""
    filters, found = _worklist()
    ref = current_app.extensions["craftmap.reference"]
    return render_template("planner/sheets.html", rows=found, filters=filters, data_version=snapshot().version,
                           now_date=format_date(datetime.date.today(), "long"),
                           maps={r["id"]: worklist.sheet_map(r, ref.shapes) for r in found},
                           questions=surveys.question_labels(), step_max=surveys.STEP_MAX_CM,
                           door_min=surveys.DOOR_MIN_CM, gap_label=worklist.gap_label,
                           priority_label=worklist.priority_label, value_label=labels.value,
                           link=_linker(filters))


SUMMARY_NEXT = 10  # centres named under "what to survey next"; the rest are in the worklist


def _report_maps(table):
    """The report's two choropleths, access and signage by municipality, as SVG: coloured from enough
    known centres only; hatched, with how many are known, where too few are."""
    ref = current_app.extensions["craftmap.reference"]
    rows = {(r["area"], r["country"]): r for r in table["rows"]}
    frame, areas = memo(snapshot(), "report-map-frame", lambda: svgmap.area_map(ref.shapes))
    maps = {}
    for field in ("wheelchair", "signage"):
        drawn = []
        for a in areas:
            r = rows.get(a["key"])
            judged = bool(r and r[f"{field}_judged"])
            drawn.append(a | {"name": a["key"][0], "fill": colour(r[f"{field}_yes_pct"] if judged else None),
                              "hatched": bool(r and r["total"] and not judged),
                              "count": f'{r[f"{field}_known"]}/{r["total"]}' if r and r["total"] and not judged else None})
        maps[field] = _apart(drawn)
    return {"width": frame.width, "height": frame.height, "maps": maps}


def _apart(areas, width=40, height=22):
    """The areas with each count label moved down until it overlaps no label placed before it: a town
    inside its county (Jelgava in Jelgavas novads) has its label point a few pixels from the county's."""
    placed = []
    for a in areas:
        if a["count"]:
            x, y = a["label_at"]
            while any(abs(x - px) < width and abs(y - py) < height for px, py in placed):
                y += height
            a["label_at"] = (x, y)
            placed.append((x, y))
    return areas


@bp.route("/report")
def report():
    """The printable report: a dated summary (what is known, what is met, what to survey next), then the
    maps and charts, then the tables; every printed page carries the date and the data version."""
    snap = snapshot()
    indicator_rows = planning.indicator_table(g.lang)
    tables = {by: planning.coverage_table(by, g.lang) for by in planning.BY}
    filters, _error = worklist.parse({})
    work = worklist.rows(filters, g.lang)
    computed = [r for r in indicator_rows if r["live_metric"]]
    return render_template("planner/report.html", indicators=indicator_rows, computed=computed,
                           tables=tables, known=planning.known_totals(tables["municipality"]["rows"]),
                           next_up=work[:SUMMARY_NEXT], work_count=len(work),
                           active=sum(c["status"] == "active" for c in snap.centres),
                           maps=_report_maps(tables["municipality"]), bins=BINS, no_data=NO_DATA,
                           series=trends.series(), gap_label=worklist.gap_label,
                           priority_label=worklist.priority_label,
                           today=format_date(datetime.date.today(), "long"), data_version=snap.version)


def css_string(text):
    """``text`` as a CSS string literal: quotes, backslashes and line ends escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ") + '"'


# the planner pages that print with a stamp on every page, and what the stamp calls each
PRINTED = {"report": lambda: _("Programme report"), "indicators": lambda: _("Programme indicators"),
           "coverage": lambda: _("Coverage"), "gaps": lambda: _("Survey worklist"), "sheets": lambda: _("Survey sheets")}


@bp.app_context_processor
def _print_stylesheet():
    def print_stylesheet(of):
        """The <link> to the print stylesheet that stamps each printed page of this planner page."""
        href = url_for("planner.print_css", of=of, v=snapshot().version, lang=g.lang)
        return Markup(f'<link rel="stylesheet" href="{escape(href)}" media="print">')
    return {"print_stylesheet": print_stylesheet}


@bp.route("/print.css")
def print_css():
    """Page margins for printing a planner page: what it is, the date and the data version on every
    printed page, and its number. A stylesheet of its own, as the page's policy allows no inline style."""
    of = request.args.get("of", "report")
    if of not in PRINTED:
        abort(400, description=_("%(field)s must be one of: %(values)s", field="of", values=", ".join(PRINTED)))
    stamp = _("%(what)s · %(date)s · data version %(version)d", what=PRINTED[of](),
              date=format_date(datetime.date.today(), "long"), version=snapshot().version)
    mark = "\x00"
    pages = _("page %(page)s of %(pages)s", page=f"{mark}page{mark}", pages=f"{mark}pages{mark}").split(mark)
    counter = " ".join(f"counter({p})" if i % 2 else css_string(p) for i, p in enumerate(pages) if p)
    css = ("@page { size: A4; margin: 16mm 14mm 18mm;\n"
           f"  @bottom-left {{ content: {css_string(stamp)}; font: 9pt system-ui, sans-serif; color: #333; }}\n"
           f"  @bottom-right {{ content: {counter}; font: 9pt system-ui, sans-serif; color: #333; }}\n}}\n")
    return Response(css, mimetype="text/css")


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
