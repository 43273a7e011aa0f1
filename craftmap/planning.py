"""Datasets for planners: indicators against targets, coverage, data gaps.

Each function builds one dataset; the planner page, its CSV export and the API call it.
"""
import datetime

import geopandas as gpd
import pandas as pd
from flask import current_app
from flask_babel import gettext as _
from shapely.geometry import Point, mapping, shape

from . import coverage, indicators, worklist
from .datasets import route_name, route_summary, snapshot
from .i18n import pick
from .spatial import WGS84
from .web import memo

__all__ = ["live_now", "indicator_table", "coverage_table", "centre_gaps", "visitors_per_year", "missing_translations",
           "BY", "DISTANCES_KM"]

BY = ("municipality", "country", "route")
DISTANCES_KM = (1, 2, 5, 10, 20, 50)


def _active(snap):
    frame = pd.DataFrame(snap.centres, columns=["id", "name", "status", "wheelchair", "signage", "country",
                                                "municipality", "lat", "lon", "signage_checked_on"])
    return frame[frame["status"] == "active"]


def _basis(metric, live):
    if metric == "routes_count":
        return _("%(n)d routes held", n=live["value"])
    if metric == "visitor_growth":
        if not live["known"]:
            return _("no centre has visitor counts for two consecutive years")
        return _("%(n)d centres counted in both %(previous)d and %(year)d",
                 n=live["known"], previous=live["year"] - 1, year=live["year"])
    return _("%(known)d of %(total)d centres known", known=live["known"], total=live["total"])


def live_now(snap):
    """The live metrics of the data at ``snap`` (indicators.live_indicators)."""
    counts = pd.DataFrame(snap.counts, columns=["centre_id", "year", "visitors"])
    return indicators.live_indicators(_active(snap), len(snap.routes), counts)


def indicator_table(lang, live=None, programme=None):
    """Every indicator of the seed with target, 2016 value, and live value where the data answers.

    A frozen report passes the ``live`` metrics and the ``programme``'s indicators it kept, and gets its
    table as it was.
    """
    live = live_now(snapshot()) if live is None else live
    rows = []
    for ind in programme or current_app.extensions["craftmap.reference"].indicators:
        name, name_lang = pick({"lv": ind["name_lv"], "en": ind["name_en"]}, lang)
        row = {k: ind[k] for k in ("id", "priority", "seq", "name_lv", "name_en", "target_lv", "target_en",
                                   "comparator", "target_value", "target_unit", "reported_2016_lv",
                                   "reported_2016_en", "reported_2016_value", "live_metric", "seed_table")}
        row.update(name=name, name_lang=name_lang, live=None, basis=None, status=None, status_label=None)
        metric = ind["live_metric"]
        if metric:
            value = live[metric]
            row.update(live=value["value"], basis=_basis(metric, value), known=value["known"],
                       total=value["total"],
                       status=indicators.status(value["value"], ind["comparator"], ind["target_value"],
                                                value["enough"]))
            row["status_label"] = {"met": _("met"), "not_met": _("not met"),
                                   "not_enough_data": _("not enough data")}[row["status"]]
        rows.append(row)
    return rows


def measures(lang):
    ref = current_app.extensions["craftmap.reference"]
    labels = {"done": _("done"), "partly": _("partly done"), "not_done": _("not done"), "unknown": _("not known")}
    return [m | {"status_label": labels.get(m["status"], m["status"])} for m in ref.measures]


def _area_rows(snap, by):
    table = coverage.by_area(_active(snap), by)
    if by == "municipality":
        munis = current_app.extensions["craftmap.reference"].municipalities
        every = pd.DataFrame({"municipality": munis["name_local"], "country": munis["country_code"]})
        table = every.merge(table, on="municipality", how="left") if not table.empty else every
        table = table.fillna({c: 0 for c in table.columns if c not in ("municipality", "country")
                              and not c.endswith("_pct")})
    records = table.astype(object).where(table.notna(), None).to_dict("records")
    for r in records:
        r["area"] = r[by]
        for k, v in r.items():
            if isinstance(v, float) and not k.endswith("_pct"):
                r[k] = int(v)
        for field in ("wheelchair", "signage"):  # a share is judged, and coloured, only from enough known
            r[f"{field}_judged"] = bool(r["total"]) and r[f"{field}_known"] >= indicators.MIN_KNOWN_SHARE * r["total"] > 0
    return records


def known_totals(rows):
    """How much is known over all the rows: {field: {"known", "total", "pct"}}, said before any share."""
    total, out = sum(r["total"] for r in rows), {}
    for field in ("wheelchair", "signage"):
        known = sum(r[f"{field}_known"] for r in rows)
        out[field] = {"known": known, "total": total, "pct": round(100 * known / total) if total else 0}
    return out


def _route_cover(snap, distance_km):
    """Per route id, its length coverage and the known share near it: the costly, language-free part."""
    frame = _active(snap)
    located = frame.dropna(subset=["lat", "lon"])
    points = gpd.GeoDataFrame(located[["id", "wheelchair"]], crs=WGS84,
                              geometry=[Point(x, y) for x, y in zip(located["lon"], located["lat"])])
    drawn = [r for r in snap.routes if r["geometry"]]  # the snapshot serves a line that breaks the rules as none
    if not drawn:
        return None, {}
    lines = gpd.GeoDataFrame({"id": [r["id"] for r in drawn]}, geometry=[shape(r["geometry"]) for r in drawn], crs=WGS84)
    cover = coverage.route_length_coverage(lines, points[points["wheelchair"] == "yes"], distance_km * 1000)
    return cover.set_index("id"), coverage.known_share_near(lines, points, distance_km * 1000)


def _route_rows(snap, lang, distance_km):
    cover, known_near = memo(snap, ("route-cover", distance_km), lambda: _route_cover(snap, distance_km))
    rows = []
    for r in snap.routes:
        summary = route_summary(r, lang, snap)
        known = sum(s["wheelchair"] != "unknown" and not s["closed"] for s in summary["stops"])
        judged = known > 0 and known >= indicators.MIN_KNOWN_SHARE * len(summary["stops"])
        row = {"area": route_name(r, lang), "route": r["id"], "stops": len(summary["stops"]),
               "stops_accessible": summary["stops_accessible"], "stops_known": known,
               "stops_accessible_pct": round(100 * summary["stops_accessible"] / known, 1) if judged else None,
               "length_km": None, "covered_km": None, "covered_pct": None, "uncovered": None}
        if cover is not None and r["id"] in cover.index:
            c = cover.loc[r["id"]]
            row["length_km"] = c["length_km"]
            # unknown access near the route is not "no": judge the covered length only when most is known
            if (known_near[r["id"]] or 0) >= indicators.MIN_KNOWN_SHARE:
                row.update(covered_km=c["covered_km"], covered_pct=c["covered_pct"],
                           uncovered=mapping(c.geometry) if not c.geometry.is_empty else None)
        rows.append(row)
    return rows


def coverage_table(by, lang, distance_km=10.0):
    """Accessibility and signage coverage per municipality, country or route.

    Built once per data version, ``by``, ``lang`` and ``distance_km`` (one of DISTANCES_KM), then shared
    by every request: a visitor's query never triggers the analysis again.
    """
    snap = snapshot()
    return memo(snap, ("coverage-table", by, lang, float(distance_km)), lambda: {
        "by": by, "distance_km": distance_km, "data_version": snap.version,
        "rows": _route_rows(snap, lang, distance_km) if by == "route" else _area_rows(snap, by)})


def centre_gaps(c, today=None):
    """What a centre still lacks, in words: wheelchair access, signage, a signage check within a year, a
    location (worklist.gap_kinds)."""
    return [worklist.gap_label(code, c) for code in worklist.gap_kinds(c, today)]


def missing_translations(lang):
    """Texts that exist in some of lv, lt, en but not all: route names and descriptions, vocabulary."""
    snap = snapshot()
    missing = []
    for r in snap.routes:
        for field in ("name", "description"):
            absent = [code for code in ("lv", "lt", "en") if not r.get(f"{field}_{code}")]
            if absent:
                missing.append({"kind": _("route"), "item": route_name(r, lang), "field": field, "languages": absent})
    vocabulary = current_app.extensions["craftmap.reference"].vocabulary
    for group, entries in vocabulary.items():
        for key, names in entries.items():
            absent = [code for code in ("lv", "lt", "en") if not names.get(code)]
            if absent:
                missing.append({"kind": group, "item": key, "field": "name", "languages": absent})
    return missing


def visitors_per_year():
    """Total visitors per year over the centres with counts, with how many centres were counted."""
    counts = pd.DataFrame(snapshot().counts, columns=["centre_id", "year", "visitors"])
    if counts.empty:
        return []
    grouped = counts.groupby("year").agg(visitors=("visitors", "sum"), centres=("centre_id", "nunique"))
    return [{"year": int(y), "visitors": int(r.visitors), "centres": int(r.centres)} for y, r in grouped.iterrows()]
