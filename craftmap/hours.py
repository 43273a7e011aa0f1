"""Opening hours, read by opening-hours-py (the OpenStreetMap ``opening_hours`` grammar in full, with
Latvian and Lithuanian public holidays for ``PH``), after hours_input has rewritten the shorthand
editors type. Stored is the library's normalised form; shown is hours_text's reading of it.
"""
import datetime
import functools
import re

from flask_babel import gettext as _
from opening_hours import OpeningHours, State

from .hours_input import EXAMPLES, Unclear, to_osm

__all__ = ["HoursError", "normalise", "problem", "stored_form", "parse", "day_intervals", "state_on",
           "open_on", "holidays", "holiday_name", "EXAMPLES"]

COUNTRIES = ("LV", "LT")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # as validation.CONTROL: refused there, not read here


class HoursError(ValueError):
    """Text that is not opening hours; ``str()`` is the message for the editor, in the page's language."""


def _country(country):
    return country if country in COUNTRIES else None


@functools.lru_cache(maxsize=4096)
def _parsed(osm, country):
    try:
        return OpeningHours(osm, country=country, auto_country=False, auto_timezone=False)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # ParserError, and a Rust panic (pyo3's PanicException is no Exception)
        return None


def parse(text, country=None):
    """The library's reading of stored opening hours ``text``, or None when it cannot read them."""
    return _parsed(text, _country(country)) if text else None


def _unreadable(text, country):
    return HoursError(_("%(value)r cannot be read as opening hours: write them e.g. as %(example)s or "
                        "%(osm)s; PH off", value=text, example=EXAMPLES[_country(country)],
                        osm=EXAMPLES[None]))


def normalise(text, country=None):
    """``text`` as the library's normalised opening_hours (e.g. 'P-Pk 9-17' → 'Mo-Fr 09:00-17:00').

    Raises HoursError saying what to write instead.
    """
    try:
        osm = to_osm(text, _country(country))
    except Unclear as exc:
        raise HoursError(str(exc)) from None
    parsed = _parsed(osm, _country(country))
    if parsed is None:
        raise _unreadable(text, country)
    return str(parsed.normalize())


def problem(text, country=None):
    """The message for ``text`` that is not opening hours, else None."""
    try:
        normalise(text, country)
    except HoursError as exc:
        return str(exc)
    return None


def stored_form(text, country=None, max_chars=500):
    """What to store for ``text``: its normalised form, or ``text`` itself for validation to refuse."""
    if not text or len(text) > max_chars or _CONTROL.search(text):
        return text
    try:
        return normalise(text, country)
    except HoursError:
        return text


def _clock(moment, day):
    return "24:00" if moment.date() > day else moment.strftime("%H:%M")


def day_intervals(parsed, day):
    """([(start, end) 'HH:MM' of each open interval of ``day``], whether any of it is unknown or has a comment)."""
    start = datetime.datetime.combine(day, datetime.time())
    spans, doubtful = [], False
    for begin, end, state, comment in parsed.intervals(start, start + datetime.timedelta(days=1)):
        doubtful |= state == State.UNKNOWN or bool(comment)
        if state == State.OPEN:
            spans.append((_clock(max(begin, start), day), _clock(end, day)))
    return spans, doubtful


def state_on(hours, day, country=None):
    """Whether a centre with opening hours ``hours`` is open on ``day`` (a date) in ``country``.

    Returns {"state": "open" | "closed" | "unknown", "intervals": [("10:00", "17:00"), ...]}: open
    when it opens at some time that day, closed when the hours say so for the whole day, unknown
    when the hours are missing, unreadable or say 'unknown'. Public holidays of LV and LT count.
    """
    parsed = parse(hours, country)
    if parsed is None:
        return {"state": "unknown", "intervals": []}
    spans, doubtful = day_intervals(parsed, day)
    state = "open" if spans else "unknown" if doubtful else "closed"
    return {"state": state, "intervals": spans}


@functools.lru_cache(maxsize=8)
def holidays(country, year):
    """The public holidays of ``country`` in ``year`` as the library knows them (those ``PH`` means)."""
    parsed = _parsed("PH", _country(country))
    start = datetime.datetime(year, 1, 1)
    days = set()
    for begin, end, state, _comment in parsed.intervals(start, datetime.datetime(year + 1, 1, 1)):
        day = begin.date()
        while state == State.OPEN and day < end.date() + datetime.timedelta(days=end.time() != datetime.time()):
            days.add(day)
            day += datetime.timedelta(days=1)
    return tuple(sorted(days))


# the holidays package names the day in these languages; it has no Lithuanian for Latvia's holidays
# nor Latvian for Lithuania's, so there the country's own language is used and said
_HOLIDAY_LANGUAGES = {"LV": {"lv": "lv", "en": "en_US"}, "LT": {"lt": "lt", "en": "en_US"}}


def holiday_name(country, day, lang):
    """(name, language) of the public holiday ``day`` in ``country``, as the holidays package names it,
    when opening-hours-py counts the day as ``PH`` (which decides whether a centre is open); else None."""
    country = _country(country)
    if country is None or day not in holidays(country, day.year):
        return None
    language = _HOLIDAY_LANGUAGES[country].get(lang, country.lower())
    name = _holiday_names(country, day.year, language).get(day)
    return (name, language.split("_")[0]) if name else None


@functools.lru_cache(maxsize=32)
def _holiday_names(country, year, language):
    """{day: name} of ``country``'s holidays in ``year``: built once, not once per centre of a collection."""
    import holidays as named  # the holiday names only; opening-hours-py decides which days are PH
    return dict(named.country_holidays(country, years=year, language=language))


def open_on(text, day, country, lang):
    """What a visitor planning ``day`` needs of opening hours ``text``: {"date", "state" (open, closed or
    unknown), "intervals" [{"opens", "closes"}], "holiday" ({"name", "lang"} or None)}."""
    state = state_on(text, day, country)
    named = holiday_name(country, day, lang)
    return {"date": day.isoformat(), "state": state["state"],
            "intervals": [{"opens": a, "closes": b} for a, b in state["intervals"]],
            "holiday": {"name": named[0], "lang": named[1]} if named else None}
