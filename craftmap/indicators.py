"""Programme indicators computed live from the data: pure functions over DataFrames.

Unknown is never counted as yes or as no: a share is taken over the centres whose value
is known, and a figure resting on too little known data says "not enough data".
"""
import pandas as pd

__all__ = ["MIN_KNOWN_SHARE", "share_known", "visitor_growth", "live_indicators", "status"]

MIN_KNOWN_SHARE = 0.5  # below this share of centres known, a share is not judged against its target
UNKNOWN = "unknown"


def share_known(values, yes=("yes",)):
    """Share of ``yes`` among the known values.

    Parameters
    ----------
    values : pandas.Series of str
        One value per centre, ``unknown`` where not known.
    yes : tuple of str
        Values that count as meeting the indicator.

    Returns
    -------
    dict
        ``percent`` (None when nothing is known), ``yes``, ``known``, ``total``.
    """
    known = values[values != UNKNOWN]
    n_yes = int(known.isin(yes).sum())
    return {"percent": round(100 * n_yes / len(known), 1) if len(known) else None,
            "yes": n_yes, "known": int(len(known)), "total": int(len(values))}


def visitor_growth(counts, year=None):
    """Like-for-like change in visitors between ``year`` - 1 and ``year``.

    Parameters
    ----------
    counts : DataFrame
        Columns ``centre_id``, ``year``, ``visitors``.
    year : int, optional
        The later year; by default the latest year with any count.

    Returns
    -------
    dict
        ``percent`` (None without a centre counted in both years), ``year``, ``known``
        (centres counted in both years), ``previous`` and ``current`` totals.
    """
    if counts.empty:
        return {"percent": None, "year": year, "known": 0, "previous": 0, "current": 0}
    year = int(year or counts["year"].max())
    wide = counts.pivot_table(index="centre_id", columns="year", values="visitors", aggfunc="sum")
    if year not in wide or year - 1 not in wide:
        return {"percent": None, "year": year, "known": 0, "previous": 0, "current": 0}
    both = wide[[year - 1, year]].dropna()
    previous, current = int(both[year - 1].sum()), int(both[year].sum())
    percent = round(100 * (current - previous) / previous, 1) if previous else None
    return {"percent": percent, "year": year, "known": int(len(both)), "previous": previous,
            "current": current}


def status(value, comparator, target, enough=True):
    """'met', 'not_met' or 'not_enough_data' for a live value against its target."""
    if value is None or not enough:
        return "not_enough_data"
    target = float(target)
    met = {">=": value >= target, "<=": value <= target, "=": value == target,
           "increase_pct": value >= target, "decrease_pct": -value >= target}.get(comparator)
    return "not_enough_data" if met is None else ("met" if met else "not_met")


def _judged(share):
    return share["known"] > 0 and share["known"] >= MIN_KNOWN_SHARE * share["total"]


def live_indicators(centres, routes_count, counts):
    """Live value, basis and whether it is judged, for each live metric.

    Parameters
    ----------
    centres : DataFrame
        Active centres with ``wheelchair`` and ``signage``.
    routes_count : int
        Number of routes held.
    counts : DataFrame
        Visitor counts (``centre_id``, ``year``, ``visitors``).

    Returns
    -------
    dict
        metric -> {"value", "unit", "known", "total", "enough", ...}.
    """
    signage = share_known(centres["signage"])
    wheelchair = share_known(centres["wheelchair"])
    growth = visitor_growth(counts)
    total = int(pd.Series(centres.get("id", [])).size)
    return {
        "routes_count": {"value": routes_count, "unit": "count", "known": routes_count,
                         "total": routes_count, "enough": True},
        "signage_share": {"value": signage["percent"], "unit": "percent", **signage, "enough": _judged(signage)},
        "wheelchair_share": {"value": wheelchair["percent"], "unit": "percent", **wheelchair,
                             "enough": _judged(wheelchair)},
        "visitor_growth": {"value": growth["percent"], "unit": "percent", **growth, "total": total,
                           "enough": growth["percent"] is not None and _judged({**growth, "total": total})},
    }
