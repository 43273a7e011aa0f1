"""Human-readable, translated names for the coded values."""
from flask_babel import gettext as _

__all__ = ["wheelchair", "signage", "country", "geometry_origin", "stop_order_origin", "precision"]


def wheelchair(value):
    return {"yes": _("Wheelchair accessible"), "limited": _("Limited wheelchair access"),
            "no": _("Not wheelchair accessible"), "unknown": _("Wheelchair access unknown")}.get(value, value)


def signage(value):
    return {"yes": _("Signposted"), "no": _("No signage"), "planned": _("Signage planned"),
            "unknown": _("Signage unknown")}.get(value, value)


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
