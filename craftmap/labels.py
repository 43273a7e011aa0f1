"""Human-readable, translated names for the coded values."""
from flask_babel import gettext as _

__all__ = ["wheelchair", "signage", "status", "network", "country", "geometry_origin", "stop_order_origin", "precision", "place_stop",
           "planner_position", "map_texts"]


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
        "near_title": _("Centres near you"), "loading": _("Loading…"), "no_results": _("No centres match."),
        "zoom_in": _("Zoom in"), "zoom_out": _("Zoom out"), "you_are_here": _("You are here"),
        "wheelchair": {k: wheelchair(k) for k in ("yes", "limited", "no", "unknown")},
        "more": _("%(n)s more centres: open the full list"),
        "popup_error": _("The details could not be loaded. Open the marker again to retry."),
        "load_error": _("The centres could not be loaded. Check your connection and change a filter to retry."),
        "boundaries_error": _("The municipality boundaries could not be loaded."),
    }
