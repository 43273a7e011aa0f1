"""Human-readable, translated names for the coded values and the fields of a centre."""
from flask import current_app, g
from flask_babel import format_decimal
from flask_babel import gettext as _

from .i18n import pick

__all__ = ["wheelchair", "signage", "status", "network", "country", "geometry_origin", "stop_order_origin", "precision",
           "toilets", "fields", "field", "value", "columns", "place_stop", "planner_position", "map_texts"]


def wheelchair(value):
    return {"yes": _("Wheelchair accessible"), "limited": _("Limited wheelchair access"),
            "no": _("Not wheelchair accessible"), "unknown": _("Wheelchair access unknown")}.get(value, value)


def signage(value):
    return {"yes": _("Signposted"), "no": _("No signage"), "planned": _("Signage planned"),
            "unknown": _("Signage unknown")}.get(value, value)


def status(value):
    return {"active": _("open"), "closed": _("closed")}.get(value, value)


def network(value):
    return {"yes": _("part of the network"), "probable": _("probably part of the network"),
            "no": _("not part of the network"), "unknown": _("not known")}.get(value, value)


def country(value):
    return {"LV": _("Latvia"), "LT": _("Lithuania")}.get(value, value)


def geometry_origin(value):
    return {"surveyed_track": _("Surveyed track"),
            "drawn_between_stops": _("Drawn by craftmap as straight lines between the stops, not along roads")
            }.get(value, value)


def stop_order_origin(value):
    return {"source": _("Order of stops as given by the source"),
            "derived": _("Order of stops derived by craftmap (the source gives none)")}.get(value, value)


def precision(value):
    return {"address": _("address"), "settlement": _("settlement centre (approximate)"),
            "approximate": _("approximate"), "surveyed": _("surveyed"),
            "none": _("location not yet known")}.get(value, value)


def toilets(value):
    return {"yes": _("has a wheelchair-accessible toilet"), "no": _("no wheelchair-accessible toilet"),
            "unknown": _("not known")}.get(value, value)


def fields():
    """The label of every field of a centre as the editing form shows it."""
    return {
        "id": _("Identifier (lower-case letters, digits and -)"), "source": _("Source (where the information comes from)"),
        "name": _("Name"), "name_en": _("Name in English"), "kind": _("Kind of place"),
        "settlement": _("Settlement"), "address": _("Address"), "phone": _("Phone"), "email": _("Email"),
        "website": _("Website"), "opening_hours": _("Opening hours"), "crafts": _("Crafts"),
        "opening_hours_source": _("Opening hours: where they come from (web address)"),
        "opening_hours_as_of": _("Opening hours: valid as of"),
        "wheelchair": _("Wheelchair access"), "wheelchair_description": _("Wheelchair access: description"),
        "toilets_wheelchair": _("Wheelchair-accessible toilet"), "signage": _("Signage"),
        "signage_checked_on": _("Signage checked on"), "lat": _("Latitude"), "lon": _("Longitude"),
        "coord_precision": _("Precision of the location"), "visitors": _("Visitors"),
        "status": _("Status (close a centre instead of deleting it)"), "notes": _("Notes"),
        "created": _("Centre added"), "location": _("Location"), "country": _("Country"),
        "municipality": _("Municipality"), "coord_note": _("Note on the location"),
        "mid_baltic_network": _("Part of the Mid-Baltic craft network"),
        "mid_baltic_evidence": _("Evidence of the Mid-Baltic network"), "version": _("Version"),
    }


def columns(names):
    """What each column of an exported or imported file holds, in the page's language: [column, meaning,
    the values it takes]. The header itself stays the field names, the same in every language."""
    from .validation import DATE_FIELDS, ENUMS
    vocab = current_app.extensions["craftmap.reference"].vocabulary
    rows = [[_("Column"), _("Meaning"), _("Values")]]
    for name in names:
        if name in ENUMS:
            values = "; ".join(f"{code} = {value(name, code)}" for code in ENUMS[name])
        elif name in ("kind", "crafts"):
            values = _("one or more, separated by “;”: %(codes)s", codes="; ".join(
                f"{code} = {value(name, code)}" for code in vocab["kind" if name == "kind" else "craft"]))
        elif name in DATE_FIELDS:
            values = _("a day written dd.mm.yyyy or YYYY-MM-DD")
        elif name == "opening_hours_as_of":
            values = _("a day (dd.mm.yyyy or YYYY-MM-DD), a month (YYYY-MM) or a year (YYYY); empty: not known")
        elif name == "version":
            values = _("as exported: the import refuses a row whose centre changed since")
        else:
            values = ""
        rows.append([name, field(name), values])
    return rows


def field(name):
    """One field's label; a recorded visitor count ``visitors_2025`` is named with its year."""
    if name.startswith("visitors_"):
        return _("Visitors in %(year)s", year=name[len("visitors_"):])
    return fields().get(name, name)


_CODED = {"wheelchair": wheelchair, "signage": signage, "status": status, "coord_precision": precision,
          "toilets_wheelchair": toilets, "mid_baltic_network": network, "country": country,
          "geometry_origin": geometry_origin, "stop_order_origin": stop_order_origin}


def value(name, text, lang=None):
    """A recorded value of field ``name`` as a person reads it in ``lang``: codes and crafts by their
    names, counts with digit grouping, nothing as a dash."""
    if text is None or text == "":
        return "–"
    if name in _CODED:
        return _CODED[name](text)
    if name in ("crafts", "kind"):
        vocab = current_app.extensions["craftmap.reference"].vocabulary["craft" if name == "crafts" else "kind"]
        return ", ".join(pick(vocab[k], lang or g.get("lang", "en"))[0] if k in vocab else k
                         for k in filter(None, str(text).split(";")))
    if name.startswith("visitors_"):
        return format_decimal(int(text))
    return str(text)
def place_stop():
    return _("Not a craft centre of craftmap: a place this route names.")


def planner_position():
    return _("Its position and source were entered by the route's planner, not taken from a centre's record.")


def map_texts():
    """Texts the map's script shows, in the page's language."""
    return {
        "centres": _("Craft centres"), "boundaries": _("Municipality boundaries"),
        "details": _("Details"), "crafts": _("Crafts"), "hours": _("Opening hours"),
        "unknown": _("not known"), "km": _("km"),
        "status": _("Centres shown: %(count)s (on the map: %(located)s; location not yet known: %(unlocated)s)"),
        "unlocated": _("location not yet known, not on the map"),
        "stop": _("Stop"), "near_error": _("Your location could not be found."),
        "near_denied": _("Your browser was not allowed to tell the map where you are. To allow it, open the "
                         "site settings beside the address bar, allow location, then try again."),
        "near_far": _("No centre within 50 km of you: the map covers Zemgale and North Lithuania, and the "
                      "nearest centre is %(km)s km away."),
        "near_none": _("No centre within 50 km of you: the map covers Zemgale and North Lithuania."),
        "near_title": _("Centres near you"), "loading": _("Loading…"), "no_results": _("No centres match."),
        "zoom_in": _("Zoom in"), "zoom_out": _("Zoom out"), "you_are_here": _("You are here"),
        "wheelchair": {k: wheelchair(k) for k in ("yes", "limited", "no", "unknown")},
        "more": _("%(n)s more centres: open the full list"),
        "popup_error": _("The details could not be loaded. Open the marker again to retry."),
        "load_error": _("The centres could not be loaded. Check your connection and change a filter to retry."),
        "boundaries_error": _("The municipality boundaries could not be loaded."),
        "attribution": _("Map data and licences"), "open_route": _("Open the route"),
        "none_in_view": _("No centre in this part of the map: zoom out or move the map."),
        "today_open": _("Open today"), "today_closed": _("Closed today"),
        "today_unknown": _("Not known whether open today"),
        "day_open": _("Open on %(date)s"), "day_closed": _("Closed on %(date)s"),
        "day_unknown": _("Not known whether open on %(date)s"),
        "day_status": _("%(date)s, on the map: open %(open)s, closed %(closed)s, not known %(unknown)s"),
        "holiday": _("public holiday"),
        "unlocated_more": _("%(n)s more centres have no known location yet: see the full list"),
        "unknown_wheelchair": _("None is known yet: wheelchair access is unknown for %(count)s of the "
                                "%(total)s centres the other filters find."),
        "unknown_signage": _("None is known yet: signage is unknown for %(count)s of the %(total)s centres "
                             "the other filters find."),
    }


def boundary_attribution():
    """The boundaries' attribution as HTML in the page's language (the API keeps the configured English)."""
    osm = '<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    return _("Boundaries: &copy; %(osm)s contributors (ODbL), Lithuanian municipalities; State Land Service of "
             "Latvia / Geoportal of Latvia via geoBoundaries (CC BY 4.0) and World-GeoJSON, Latvian "
             "municipalities", osm=osm)
