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

from urllib.parse import urlsplit

from babel.dates import format_date, get_day_names, get_month_names
from flask_babel import force_locale, gettext as _

from . import hours

__all__ = ["describe", "provenance", "reading"]

_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_WEEKLY_TOKEN = re.compile(rf"{_DAY}(?:-{_DAY})?|{_MONTH}(?:-{_MONTH})?|24/7|off|closed|open|(\d\d:\d\d)-(\d\d:\d\d)")
REFERENCE_YEAR = 2026  # the weeks and the holidays the text is read from: a fixed year, so the text is stable


def _weekly(normalised):
    """Whether the normalised hours are the same every week of a month apart from public holidays
    (whole months may differ: 'Oct-Apr We-Sa 09:00-17:30')."""
    for token in filter(None, re.split(r"[ ,;]+", normalised)):
        match = _WEEKLY_TOKEN.fullmatch(token)
        if not match or (match.group(1) and not match.group(1) < match.group(2) <= "24:00"):
            return False
    return True


@functools.lru_cache(maxsize=32)
def _reference_monday(country, month):
    """A Monday of ``month`` whose week lies within the month and holds no public holiday."""
    days = set(hours.holidays(country, REFERENCE_YEAR))
    monday = datetime.date(REFERENCE_YEAR, month, 1)
    monday += datetime.timedelta(days=-monday.weekday() % 7)
    while any(monday + datetime.timedelta(days=i) in days for i in range(7)):
        monday += datetime.timedelta(days=7)
    return monday  # every month of the reference year has such a week (the table test reads all of them)


def _weeks(parsed, country):
    """The open intervals of each weekday (0 = Monday) in an ordinary week of each month (12 weeks), or
    None if doubtful."""
    weeks = []
    for month in range(1, 13):
        monday = _reference_monday(country, month)
        week = [hours.day_intervals(parsed, monday + datetime.timedelta(days=i)) for i in range(7)]
        if any(doubtful for _spans, doubtful in week):
            return None
        weeks.append(tuple(tuple(spans) for spans, _d in week))
    return weeks


def _holiday_hours(parsed, country, weeks):
    """() when the holidays are kept as closed days, their intervals when all alike, None when the hours
    say nothing of them (each is an ordinary day), False when they differ (no short text is right)."""
    kept = set()
    for day in hours.holidays(country, REFERENCE_YEAR) + hours.holidays(country, REFERENCE_YEAR + 1):
        spans, doubtful = hours.day_intervals(parsed, day)
        if doubtful:
            return False
        kept.add((tuple(spans), tuple(spans) == weeks[day.month - 1][day.weekday()]))
    if all(ordinary for _spans, ordinary in kept):
        return None
    return kept.pop()[0] if len({spans for spans, _o in kept}) == 1 else False


def _seasons(weeks):
    """[(first month, last month, week)] of months with the same week, in the order of the year from the
    first change (a season may run over the new year: October–April)."""
    start = next((m for m in range(12) if weeks[m] != weeks[m - 1]), 0)
    seasons = []
    for m in [(start + i) % 12 for i in range(12)]:
        if seasons and seasons[-1][2] == weeks[m]:
            seasons[-1][1] = m
        else:
            seasons.append([m, m, weeks[m]])
    return seasons


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


def _week_text(week, names):
    groups = {}
    for day, spans in enumerate(week):
        if spans:
            groups.setdefault(spans, []).append(day)
    return "; ".join(f"{_days_text(days, names)} {_spans_text(spans)}" for spans, days in groups.items()) or _("closed")


def _text(weeks, holiday, lang):
    names = get_day_names("wide", locale=lang)
    seasons = _seasons(weeks)
    if len(seasons) == 1:
        parts = [_week_text(weeks[0], names)]
    else:
        months = get_month_names("wide", context="stand-alone", locale=lang)
        parts = [f"{months[first + 1]}{'–' + months[last + 1] if last != first else ''}: {_week_text(week, names)}"
                 for first, last, week in seasons]
    if holiday == ():
        parts.append(_("closed on public holidays"))
    elif holiday:
        parts.append(_("on public holidays %(hours)s", hours=_spans_text(holiday)))
    if len(parts) > 1 and parts[0] == _("closed") and len(seasons) == 1:
        return parts[0]
    return " · ".join(parts) if len(seasons) > 1 else "; ".join(parts)


@functools.lru_cache(maxsize=8192)
def reading(text, country, lang):
    """(normalised hours, readable text or None) for stored ``text``; ("", None) when there are none."""
    parsed = hours.parse(text, country)
    if parsed is None:
        return text, None
    normalised = str(parsed.normalize())
    weeks = _weeks(parsed, country) if _weekly(normalised) else None
    holiday = False if weeks is None else _holiday_hours(parsed, country, weeks)
    if holiday is False:
        return normalised, None
    with force_locale(lang):
        return normalised, _text(weeks, holiday, lang)


def describe(text, country, lang):
    """What to show for stored opening hours: the readable text, else the normalised string, else ''."""
    normalised, readable = reading(text or "", country if country in hours.COUNTRIES else None, lang)
    return readable or normalised


def _when(as_of, lang):
    """A day, month or year (YYYY-MM-DD, YYYY-MM, YYYY) as the visitor's language writes it."""
    parts = [int(p) for p in as_of.split("-")]
    if len(parts) == 1:
        return str(parts[0])
    day = datetime.date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
    # a month as "May 2023" in each language (CLDR's Latvian year-month form reads "2023. gada. maijs")
    return format_date(day, "long" if len(parts) == 3 else "LLLL y", locale=lang)


def provenance(opening_hours, source, as_of, lang):
    """Where stored hours come from and how old they are, for a visitor to weigh them: copied from a
    web page (dated or not), or entered by an editor on a day. '' when there are no hours or nothing
    is recorded of them."""
    if not opening_hours or not (source or as_of):
        return ""
    with force_locale(lang):
        when = _when(as_of, lang) if as_of else ""
        if not source:
            return _("As of %(date)s (entered in craftmap).", date=when)
        host = urlsplit(source).hostname or source
        if when:
            return _("From %(site)s, as of %(date)s: check before you go.", site=host, date=when)
        return _("From an undated page of %(site)s: check before you go.", site=host)
