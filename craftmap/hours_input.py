"""Opening hours as people type them, rewritten into OpenStreetMap syntax for opening-hours-py to read.

Only what the library does not know is handled here: Latvian day abbreviations (P O T C Pk S Sv),
Lithuanian ones (Pr An Tr Kt Pn Š Sk) and roman numerals (I–VII), English day names (Mon, Friday),
dashes other than '-', '9.00', bare hours ('10-17'), 'val.'/'st.'/'h' after a time, day lists with a
space after the comma, and line breaks between rules. Input that could mean two things raises
Unclear with a message for the editor; nothing is guessed. Quoted comments are left as they are.
"""
import re

from flask_babel import gettext as _

__all__ = ["Unclear", "to_osm", "EXAMPLES"]

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
LOCAL_DAYS = {"LV": ("P", "O", "T", "C", "Pk", "S", "Sv"), "LT": ("Pr", "An", "Tr", "Kt", "Pn", "Š", "Sk")}
ROMAN_DAYS = ("I", "II", "III", "IV", "V", "VI", "VII")  # Lithuanian pages number the weekdays
ENGLISH_DAYS = {"mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2,
                "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4, "sat": 5,
                "saturday": 5, "sun": 6, "sunday": 6}
EXAMPLES = {"LV": "P-Pk 10-17; S 10-14", "LT": "I-V 10-17; VI 10-14", None: "Mo-Fr 10:00-17:00; Sa 10:00-14:00"}

_DASHES = re.compile(r"\s*[\u2010-\u2015\u2212-]\s*")
_SUFFIX = re.compile(r"(?<=\d)\s*(?:val|st|h)\b\.?", re.IGNORECASE)
_DOT_TIME = re.compile(r"(?<![\d.:])(\d{1,2})\.(\d{2})(?![\d.])")
_RANGE = re.compile(r"(?<![\w:.+/-])(\d{1,2})(?::(\d{2}))?-(\d{1,2})(?::(\d{2}))?(?![\w:.+/])")
_DATE_BEFORE = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|week)\s*$", re.IGNORECASE)
_DAY_LIST = re.compile(r"\b((?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?)\s*,\s+(?=(?:Mo|Tu|We|Th|Fr|Sa|Su)\b)")


class Unclear(ValueError):
    """Input that could be read in more than one way; ``str()`` is the message for the editor."""


def _day_pattern(tokens, flags=re.IGNORECASE):
    alternatives = "|".join(sorted(map(re.escape, tokens), key=len, reverse=True))
    return re.compile(rf"(?<!\w)({alternatives})\.?(?![\w.])", flags)


_PATTERNS = {country: _day_pattern(days) for country, days in LOCAL_DAYS.items()}
_ROMAN = _day_pattern(ROMAN_DAYS, 0)
_ENGLISH = _day_pattern(ENGLISH_DAYS)


def _days(text, country):
    if country == "LT" and re.search(r"(?<!\w)S\.?(?![\w.])", text, re.IGNORECASE):
        raise Unclear(_("'S' could mean Saturday or Sunday: write %(saturday)s for Saturday or %(sunday)s for "
                        "Sunday, e.g. %(example)s", saturday="Š", sunday="Sk", example=EXAMPLES["LT"]))
    if country in _PATTERNS:
        lower = {d.lower(): i for i, d in enumerate(LOCAL_DAYS[country])}
        text = _PATTERNS[country].sub(lambda m: OSM_DAYS[lower[m.group(1).lower()]], text)
    text = _ROMAN.sub(lambda m: OSM_DAYS[ROMAN_DAYS.index(m.group(1))], text)
    return _ENGLISH.sub(lambda m: OSM_DAYS[ENGLISH_DAYS[m.group(1).lower()]], text)


def _dot_time(match):
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 24 or not (minute == 0 or 13 <= minute <= 59):  # 9.10 may be 9 October as well as 9:10
        raise Unclear(_("'%(value)s' could be a date or a time: write a time as %(example)s",
                        value=match.group(0), example=f"{hour:02d}:{minute:02d}"))
    return f"{hour:02d}:{minute:02d}"


def _times(text):
    def span(match):
        if _DATE_BEFORE.search(text[:match.start()]):  # 'Dec 24-26' is a range of days
            return match.group(0)
        h1, m1, h2, m2 = match.groups()
        if max(int(h1), int(h2)) > 24:
            return match.group(0)  # the library names it
        if m1 is None and m2 is None and int(h2) <= int(h1):
            raise Unclear(_("'%(value)s' is unclear: write the hours on the 24-hour clock, e.g. %(example)s",
                            value=match.group(0), example="09:00-17:00"))
        return f"{int(h1):02d}:{m1 or '00'}-{int(h2):02d}:{m2 or '00'}"
    return _RANGE.sub(span, text)


def _outside_quotes(text, change):
    parts = text.split('"')
    return '"'.join(change(p) if i % 2 == 0 else p for i, p in enumerate(parts))


def _rewrite(part, country):
    part = _SUFFIX.sub("", _DASHES.sub("-", part))
    part = _times(_DOT_TIME.sub(_dot_time, _days(part, country)))
    while _DAY_LIST.search(part):  # 'Mo, We 10:00-12:00' would be Monday all day and Wednesday 10-12
        part = _DAY_LIST.sub(r"\1,", part)
    return re.sub(r"\s+", " ", part)  # a no-break space pasted from a web page, too


def to_osm(text, country=None):
    """``text`` in OpenStreetMap opening_hours syntax, as far as the shorthand of ``country``
    ("LV", "LT" or None) goes; raises Unclear for input that could mean two things."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    joined = "; ".join(line.rstrip(";").strip() for line in lines)
    return _outside_quotes(joined, lambda part: _rewrite(part, country)).strip()
