"""Stored opening hours as text a visitor reads, in their language: 'Mo-Fr 09:00-17:00; PH off' is
'Monday–Friday 09:00–17:00; closed on public holidays'.

The text is read off the library, never off the string: the hours of each day of a week without
public holidays, days with equal hours grouped, and how the public holidays of the country are kept.
Where a weekly text would be wrong (months, weeks, sunrise, open ends, comments, 'unknown',
holidays kept differently from one to another, hours past midnight) the normalised string is shown.
"""
import datetime
import functools
import re

from babel.dates import get_day_names
from flask_babel import force_locale, gettext as _

from . import hours

__all__ = ["describe", "reading"]

_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)"
_WEEKLY_TOKEN = re.compile(rf"{_DAY}(?:-{_DAY})?|24/7|off|closed|open|(\d\d:\d\d)-(\d\d:\d\d)")
REFERENCE_YEAR = 2026  # the week and the holidays the text is read from: a fixed year, so the text is stable


def _weekly(normalised):
    """Whether the normalised hours are the same every week apart from public holidays."""
    for token in filter(None, re.split(r"[ ,;]+", normalised)):
        match = _WEEKLY_TOKEN.fullmatch(token)
        if not match or (match.group(1) and not match.group(1) < match.group(2) <= "24:00"):
            return False
    return True


@functools.lru_cache(maxsize=4)
def _reference_monday(country):
    days = set(hours.holidays(country, REFERENCE_YEAR))
    monday = datetime.date(REFERENCE_YEAR, 1, 5)
    while any(monday + datetime.timedelta(days=i) in days for i in range(7)):
        monday += datetime.timedelta(days=7)
    return monday


def _week(parsed, country):
    """The open intervals of each weekday (0 = Monday) in a week without holidays, or None if doubtful."""
    monday = _reference_monday(country)
    week = [hours.day_intervals(parsed, monday + datetime.timedelta(days=i)) for i in range(7)]
    return None if any(doubtful for _spans, doubtful in week) else [tuple(spans) for spans, _d in week]


def _holiday_hours(parsed, country, week):
    """() when the holidays are kept as closed days, their intervals when all alike, None when the hours
    say nothing of them (each is an ordinary day), False when they differ (no short text is right)."""
    kept = set()
    for day in hours.holidays(country, REFERENCE_YEAR) + hours.holidays(country, REFERENCE_YEAR + 1):
        spans, doubtful = hours.day_intervals(parsed, day)
        if doubtful:
            return False
        kept.add((tuple(spans), tuple(spans) == week[day.weekday()]))
    if all(ordinary for _spans, ordinary in kept):
        return None
    return kept.pop()[0] if len({spans for spans, _o in kept}) == 1 else False


def _runs(days):
    runs = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _days_text(days, names):
    parts = []
    for run in _runs(days):
        parts.append(f"{names[run[0]]}–{names[run[-1]]}" if len(run) > 2 else ", ".join(names[d] for d in run))
    return ", ".join(parts)


def _spans_text(spans):
    return ", ".join(f"{start}–{end}" for start, end in spans)


def _text(week, holiday, lang):
    names = get_day_names("wide", locale=lang)
    groups = {}
    for day, spans in enumerate(week):
        if spans:
            groups.setdefault(spans, []).append(day)
    parts = [f"{_days_text(days, names)} {_spans_text(spans)}" for spans, days in groups.items()]
    if holiday == ():
        parts.append(_("closed on public holidays"))
    elif holiday:
        parts.append(_("on public holidays %(hours)s", hours=_spans_text(holiday)))
    return "; ".join(parts) or _("closed")


@functools.lru_cache(maxsize=8192)
def reading(text, country, lang):
    """(normalised hours, readable text or None) for stored ``text``; ("", None) when there are none."""
    parsed = hours.parse(text, country)
    if parsed is None:
        return text, None
    normalised = str(parsed.normalize())
    week = _week(parsed, country) if _weekly(normalised) else None
    holiday = False if week is None else _holiday_hours(parsed, country, week)
    if holiday is False:
        return normalised, None
    with force_locale(lang):
        return normalised, _text(week, holiday, lang)


def describe(text, country, lang):
    """What to show for stored opening hours: the readable text, else the normalised string, else ''."""
    normalised, readable = reading(text or "", country if country in hours.COUNTRIES else None, lang)
    return readable or normalised
