"""One function per dataset: each HTML page and its JSON twin are built from the same call."""
import datetime
import functools
import hashlib
import json
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock
from urllib.parse import quote

import geopandas as gpd
from flask import current_app, has_request_context, request, session, url_for
from flask_babel import format_decimal, gettext, ngettext
from shapely.geometry import Point, shape

from . import db, entry, hours, hours_text, labels, spatial, surveys, validation, web
from .i18n import pick

__all__ = ["snapshot", "centre_feature", "centres_collection", "filter_options", "centre_detail",
           "route_summary", "route_detail", "routes_list", "parse_filters", "FILTERS"]

FILTERS = ("craft", "country", "municipality", "route", "wheelchair", "signage", "q")
NEAR_ROUTE_M = 5000
NEAR_ME_M = 50000
_lock = Lock()


@dataclass
class Snapshot:
    """Everything read from the database at one data version, shared by all requests."""

    version: int
    centres: list
    routes: list
    counts: list
    by_id: dict = field(init=False)
    routes_of: dict = field(init=False)
    memo: OrderedDict = field(default_factory=OrderedDict)  # see web.memo
    building: dict = field(default_factory=dict)

    def __post_init__(self):
        self.by_id = {c["id"]: c for c in self.centres}
        self.routes_of = {}
        for r in self.routes:
            for s in r["stops"]:
                if s.get("centre_id"):
                    self.routes_of.setdefault(s["centre_id"], []).append(r["id"])

    @functools.cached_property
    def frame(self):
        """The centres' points as a GeoDataFrame, built at the first spatial question (near me, near a route)."""
        return gpd.GeoDataFrame(
            {"id": [c["id"] for c in self.centres]},
            geometry=[Point(c["lon"], c["lat"]) if c["lat"] is not None else None for c in self.centres],
            crs=spatial.WGS84)

    @functools.cached_property
    def fingerprint(self):
        """A hash of every centre's and route's id and record version: what this data is, beyond its number."""
        digest = hashlib.sha1()
        for kind, records in (("c", self.centres), ("r", self.routes)):
            digest.update("".join(f"{kind}{r['id']}\0{r['version']}\n" for r in records).encode())
        return digest.hexdigest()

    @functools.cached_property
    def search_text(self):
        """Per centre id, its names and settlement folded for search, built at the first search."""
        return {c["id"]: tuple(_folded(c[k]) for k in ("name", "name_en", "settlement")) for c in self.centres}


def _signed_in():
    return has_request_context() and bool(request.authorization or session.get("uid"))


def snapshot():
    """The current data, read once per data version.

    Editors and API clients, who read in order to write, always get the latest version; the public
    may get one up to VERSION_CHECK_SECONDS old.
    """
    version = db.data_version(fresh=_signed_in())
    snap = current_app.extensions.get("craftmap.snapshot")
    if snap is None or snap.version != version:
        with _lock:
            snap = current_app.extensions.get("craftmap.snapshot")
            if snap is None or snap.version != version:
                region = current_app.extensions["craftmap.reference"].study_region
                routes = [_served_line(r, region) for r in db.all_routes()]
                snap = Snapshot(version, db.shared_centres(), routes, db.all_visitor_counts())
                current_app.extensions["craftmap.snapshot"] = snap
                web.release_after_request()
    return snap


def _served_line(route, region):
    """A line stored before today's rules (a latitude of 95, NaN) is served as no line, never sent on."""
    if route["geometry"] and validation.geometry_problems(route["geometry"], region):
        return route | {"geometry": None}
    return route


def parse_filters(args):
    """The filters a request asks for, as {name: value}, empty ones left out."""
    return {k: args.get(k, "").strip() for k in FILTERS if args.get(k, "").strip()}


FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)  # the holiday tables' years


def parse_day(raw):
    """The travel day of ``date=YYYY-MM-DD``, or None when none is asked; ValueError with the message
    for the visitor when it is no such day."""
    text = (raw or "").strip()
    if not text:
        return None
    day = datetime.date.fromisoformat(text) if entry.is_iso_date(text) else None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(gettext("date must be a day written YYYY-MM-DD, between %(first)s and %(last)s",
                           first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()))
    return day


def _folded(text):
    """Text for matching: case and diacritics dropped, so 'jekabpils' finds Jēkabpils and 'siauliu' Šiaulių."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()


def _matches(c, f, snap, q):
    """Whether a centre passes the filters ``f``; ``q`` is the search text, already folded."""
    return ((not f.get("craft") or f["craft"] in c["crafts"].split(";"))
            and (not f.get("country") or c["country"] == f["country"])
            and (not f.get("municipality") or c["municipality"] == f["municipality"])
            and (not f.get("wheelchair") or c["wheelchair"] == f["wheelchair"])
            and (not f.get("signage") or c["signage"] == f["signage"])
            and (not f.get("route") or f["route"] in snap.routes_of.get(c["id"], ()))
            and (not q or any(q in text for text in snap.search_text[c["id"]])))


def _vocab_list(keys, group, lang):
    vocab = current_app.extensions["craftmap.reference"].vocabulary[group]
    return [{"key": k, "label": pick(vocab[k], lang)[0]} for k in filter(None, keys.split(";"))]


class _Labels:
    """What every feature of one build shares, looked up once: with gettext and url_for per feature,
    a 100 000-centre collection took 25 s to build."""

    def __init__(self, lang):
        self.url = url_for("public.centre", centre_id="__id__", lang=lang, _external=False)
        self.wheelchair = functools.cache(labels.wheelchair)
        self.signage = functools.cache(labels.signage)


def centre_feature(c, lang, snap, shared=None):
    """A centre as a GeoJSON Feature with labels in ``lang``; ``shared`` is a _Labels for ``lang``."""
    shared = shared or _Labels(lang)
    located = c["lat"] is not None
    props = {k: c[k] for k in (
        "id", "name", "name_en", "country", "municipality", "settlement", "address", "coord_precision",
        "phone", "email", "website", "opening_hours", "opening_hours_source", "opening_hours_as_of",
        "wheelchair", "wheelchair_description", "toilets_wheelchair", "signage", "signage_checked_on",
        "mid_baltic_network", "status", "source", "notes", "version")}
    props.update(
        kind=_vocab_list(c["kind"], "kind", lang), crafts=_vocab_list(c["crafts"], "craft", lang),
        wheelchair_label=shared.wheelchair(c["wheelchair"]), signage_label=shared.signage(c["signage"]),
        opening_hours_text=hours_text.describe(c["opening_hours"], c["country"], lang),
        opening_hours_provenance=_hours_provenance(c, lang),
        location_known=located, routes=snap.routes_of.get(c["id"], []),
        url=shared.url.replace("__id__", quote(c["id"], safe="")))
    geometry = {"type": "Point", "coordinates": [c["lon"], c["lat"]]} if located else None
    return {"type": "Feature", "id": c["id"], "geometry": geometry, "properties": props}


def _hours_provenance(c, lang):
    return hours_text.provenance(c["opening_hours"], c["opening_hours_source"], c["opening_hours_as_of"], lang)


def _map_feature(c):
    """The few properties the map needs to draw and list a centre; the popup fetches the rest."""
    geometry = {"type": "Point", "coordinates": [c["lon"], c["lat"]]} if c["lat"] is not None else None
    return {"type": "Feature", "id": c["id"], "geometry": geometry,
            "properties": {"name": c["name"], "settlement": c["settlement"], "wheelchair": c["wheelchair"]}}


def centres_collection(filters, lang, near=None, slim=False, day=None):
    """Centres matching ``filters`` as a FeatureCollection; with ``near`` (lon, lat), nearest first.

    ``slim`` keeps only what the map draws (name, settlement, wheelchair); with ``day`` each centre says
    whether it is open that day (``open_on``).
    """
    snap, chosen = _chosen(filters)
    shared = _Labels(lang)
    features = [_map_feature(c) if slim else centre_feature(c, lang, snap, shared) for c in chosen]
    if near is not None:
        dist = spatial.centres_near_point(snap.frame[snap.frame["id"].isin([c["id"] for c in chosen])],
                                          near, NEAR_ME_M)
        by_id = {f["id"]: f for f in features}
        features = [by_id[i] | {"properties": by_id[i]["properties"] | {"distance_km": d}}
                    for i, d in zip(dist["id"], dist["distance_km"])]
    if day is not None:
        for f in features:
            c = snap.by_id[f["id"]]
            f["properties"]["open_on"] = hours.open_on(c["opening_hours"], day, c["country"], lang)
    located = sum(1 for f in features if f["geometry"])
    return {"type": "FeatureCollection", "features": features,
            "meta": _collection_meta(filters, snap, len(features), located, found=len(chosen))}


def centres_page(filters, lang, number):
    """Page ``number`` of the centres matching ``filters``, as a FeatureCollection whose ``meta`` counts
    them all and whose ``page`` (a web.Page) says where this page lies."""
    snap, chosen = _chosen(filters)
    shown, page = web.paged(chosen, number)
    shared = _Labels(lang)
    located = sum(c["lat"] is not None for c in chosen)
    return {"type": "FeatureCollection", "features": [centre_feature(c, lang, snap, shared) for c in shown],
            "meta": _collection_meta(filters, snap, len(chosen), located), "page": page}


def centres_collection_json(filters, lang, slim=False):
    """The JSON text of ``centres_collection(filters, lang, slim=slim)``, in pieces, one feature at a
    time: at 100 000 centres the whole collection as dicts, then as one string, took 0.5 GB."""
    snap, chosen = _chosen(filters)
    shared, located = _Labels(lang), 0
    yield '{"type":"FeatureCollection","features":['
    for n, c in enumerate(chosen):
        located += c["lat"] is not None
        yield ("," if n else "") + dumps(_map_feature(c) if slim else centre_feature(c, lang, snap, shared))
    yield '],"meta":' + dumps(_collection_meta(filters, snap, len(chosen), located)) + "}"


def dumps(obj):
    """JSON as the API sends it: UTF-8 text, no spaces."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _chosen(filters):
    snap, q = snapshot(), _folded(filters.get("q", ""))
    return snap, [c for c in snap.centres if c["status"] == "active" and _matches(c, filters, snap, q)]


def _collection_meta(filters, snap, count, located, found=None):
    """``found``: how many centres the filters found, before ``near`` kept those close by."""
    meta = {"count": count, "located": located, "unlocated": count - located, "filters": filters,
            "data_version": snap.version}
    if not (count if found is None else found):
        meta |= _unknown_basis(filters, snap, _folded(filters.get("q", "")))
    return meta


def _unknown_basis(filters, snap, q):
    """When a wheelchair or signage filter finds nothing: how many of the centres the other filters find
    have that value unknown, so "none" is never read as "none are" where nobody knows yet."""
    for key in ("wheelchair", "signage"):
        if filters.get(key) and filters[key] != "unknown":
            others = [c for c in snap.centres if c["status"] == "active"
                      and _matches(c, {k: v for k, v in filters.items() if k != key}, snap, q)]
            unknown = sum(c[key] == "unknown" for c in others)
            if unknown:
                return {"unknown": {"field": key, "count": unknown, "of": len(others)}}
    return {}


def known_filters(filters):
    """Whether every filter value is one of its choices (filter_options), ``q`` aside: a value that is
    none finds nothing, and is not worth keeping."""
    snap = snapshot()
    choices = web.memo(snap, "filter-choices", lambda: {
        name: {key for key, _label in options} for name, options in filter_options("en").items()})
    return all(value in choices[name] for name, value in filters.items() if name != "q")


def filter_options(lang):
    """Choices for each filter, built from the data itself."""
    snap = snapshot()
    ref = current_app.extensions["craftmap.reference"]
    crafts = sorted({k for c in snap.centres for k in c["crafts"].split(";") if k})
    return {
        "craft": sorted(((k, pick(ref.vocabulary["craft"][k], lang)[0]) for k in crafts), key=lambda o: _folded(o[1])),
        "country": [(k, labels.country(k)) for k in ("LV", "LT")],
        "municipality": [(m, m) for m in sorted({c["municipality"] for c in snap.centres})],
        "route": [(r["id"], route_name(r, lang)) for r in snap.routes],
        "wheelchair": [(k, labels.wheelchair(k)) for k in ("yes", "limited", "no", "unknown")],
        "signage": [(k, labels.signage(k)) for k in ("yes", "planned", "no", "unknown")],
    }


def centre_detail(centre_id, lang, day=None):
    snap = snapshot()
    c = snap.by_id.get(centre_id)
    if c is None:
        return None
    feature = centre_feature(c, lang, snap)
    if day is not None:
        feature["properties"]["open_on"] = hours.open_on(c["opening_hours"], day, c["country"], lang)
    feature["properties"]["visitors"] = {str(y): n for y, n in db.visitors(centre_id).items()}
    feature["properties"] |= _surveyed(c)
    feature["properties"]["route_names"] = [
        {"id": r["id"], "name": route_name(r, lang)} for r in snap.routes if r["id"] in snap.routes_of.get(c["id"], [])]
    return feature


def _surveyed(c):
    """Beside each value, the day of the survey that gave it: the last saved survey that answered it, as
    long as the value is still the one it gave (an edit since then speaks for the value instead)."""
    done = surveys.for_centre(c["id"])
    found = {f: surveys.giving(done, f) for f in ("wheelchair", "signage")}
    return {f"{f}_surveyed_on": s["surveyed_on"] if s and s[f] == c[f] else None for f, s in found.items()}


def route_name(route, lang):
    return pick({k: route.get(f"name_{k}") for k in ("en", "lv", "lt")}, lang)[0]


def _resolved_stops(route, snap, lang):
    stops = []
    for seq, s in enumerate(route["stops"], start=1):
        c = snap.by_id.get(s.get("centre_id"))
        lat, lon = (c["lat"], c["lon"]) if c else (s.get("lat"), s.get("lon"))
        stops.append({
            "seq": seq, "name": c["name"] if c else s["name"], "centre_id": c["id"] if c else None,
            "closed": bool(c) and c["status"] == "closed",
            "lat": lat, "lon": lon, "location_known": lat is not None,
            "coord_precision": c["coord_precision"] if c else s.get("coord_precision", "none"),
            "wheelchair": c["wheelchair"] if c else "unknown",
            "wheelchair_label": labels.wheelchair(c["wheelchair"] if c else "unknown"),
            "signage": c["signage"] if c else "unknown",
            "signage_label": labels.signage(c["signage"] if c else "unknown"),
            "source": c["source"] if c else s.get("source", ""),
            # whose position this is: the centre's record, a planner's click or entry, or the route's source
            "position_origin": "centre" if c else s.get("position_origin", "source"),
            "url": url_for("public.centre", centre_id=c["id"], lang=lang) if c else None,
            # what a day out needs of each stop; a stop that is no centre has none of it recorded
            "country": c["country"] if c else None,
            "opening_hours": c["opening_hours"] if c else "",
            "opening_hours_text": hours_text.describe(c["opening_hours"], c["country"], lang) if c else "",
            "opening_hours_source": c["opening_hours_source"] if c else "",
            "opening_hours_provenance": _hours_provenance(c, lang) if c else "",
            "phone": c["phone"] if c else "", "website": c["website"] if c else "",
            "wheelchair_description": c["wheelchair_description"] if c else "",
        })
    return stops


DRIVE_KMH = 50


def drive_minutes(straight_km):
    """An estimate of the drive over a leg measured as a straight line: at an average DRIVE_KMH over the
    straight distance (roads are longer, and the average allows for it), to the nearest 5 minutes."""
    if straight_km is None or straight_km < 0.05:  # no leg: the two stops share a point
        return None
    return max(5, 5 * round(straight_km / DRIVE_KMH * 60 / 5))


def route_summary(route, lang, snap=None):
    """A route with its stops in order, leg and total lengths in km."""
    snap = snap or snapshot()
    stops = _resolved_stops(route, snap, lang)
    legs = spatial.leg_lengths_km([(s["lon"], s["lat"]) if s["location_known"] else None for s in stops])
    stops[0]["distance_from_previous_km"] = stops[0]["distance_from_stop"] = None
    measured_from = stops[0]["seq"] if stops[0]["location_known"] else None
    stops[0]["drive_from_previous_min"] = None
    for stop, leg in zip(stops[1:], legs):  # from the last stop whose location is known, named when not adjacent
        stop["distance_from_previous_km"], stop["distance_from_stop"] = leg, measured_from if leg is not None else None
        stop["drive_from_previous_min"] = drive_minutes(leg)
        measured_from = stop["seq"] if stop["location_known"] else measured_from
    geometry = shape(route["geometry"]) if route["geometry"] else None
    texts = {k: route.get(f"description_{k}") for k in ("en", "lv", "lt")}
    description, description_lang = pick(texts, lang)
    return {
        "id": route["id"], "name": route_name(route, lang),
        "names": {k: route.get(f"name_{k}") for k in ("lv", "lt", "en")},
        "description": description, "description_lang": description_lang,
        "colour": route["colour"], "theme": route.get("theme", ""), "source": route["source"],
        "notes": route.get("notes", ""), "geometry_origin": route["geometry_origin"],
        "stop_order_origin": route["stop_order_origin"], "stops": stops,
        "stops_located": sum(s["location_known"] for s in stops),
        "stops_accessible": sum(s["wheelchair"] == "yes" and not s["closed"] for s in stops),
        "stops_wheelchair_unknown": sum(s["wheelchair"] == "unknown" for s in stops),
        "length_km": round(spatial.line_length_km(geometry), 1),
        # how the legs are measured, and the drive times derived from them, said in the data itself
        "legs_measured": "straight_line", "drive_estimate_kmh": DRIVE_KMH,
        "geometry": route["geometry"],
        "url": url_for("public.route", route_id=route["id"], lang=lang),
    }


def routes_list(lang):
    snap = snapshot()
    return [route_summary(r, lang, snap) for r in snap.routes]


def route_links(lang):
    """What the map page says of each route: beside the map, and in the popup a tap on its line opens."""
    links = []
    for r in routes_list(lang):
        n, km = len(r["stops"]), r["length_km"] if r["geometry"] else None
        summary = (ngettext("%(num)d stop, no line yet", "%(num)d stops, no line yet", n) if km is None else
                   gettext("%(stops)d stops, %(km)s km drawn", stops=n, km=format_decimal(km, "#,##0.0")))
        links.append({"id": r["id"], "name": r["name"], "url": r["url"], "colour": r["colour"], "summary": summary,
                      "geometry_origin": r["geometry_origin"]})
    return links


def route_detail(route_id, lang, day=None):
    snap = snapshot()
    route = next((r for r in snap.routes if r["id"] == route_id), None)
    if route is None:
        return None
    summary = route_summary(route, lang, snap)
    geometry = shape(route["geometry"]) if route["geometry"] else None
    stop_ids = [s["centre_id"] for s in summary["stops"] if s["centre_id"]]
    active = snap.frame[[snap.by_id[i]["status"] == "active" for i in snap.frame["id"]]]
    near = spatial.centres_near_line(active, geometry, NEAR_ROUTE_M, exclude_ids=stop_ids)
    if day is not None:  # a stop that is no centre has no recorded hours: unknown, never closed
        for stop in summary["stops"]:
            stop["open_on"] = hours.open_on(stop["opening_hours"], day, stop["country"], lang)
    summary["nearby_km"] = NEAR_ROUTE_M / 1000
    summary["nearby"] = [centre_feature(snap.by_id[i], lang, snap) | {"distance_km": d}
                         for i, d in zip(near["id"], near["distance_km"])]
    return summary
