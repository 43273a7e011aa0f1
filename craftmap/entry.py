"""Dates and decimal numbers as people type them, read into the forms craftmap stores.

One place for the form, the API's string values and the import: ``14.05.2025`` and ``4.5.2025``
(as Latvian and Lithuanian spreadsheets write dates) become ``2025-05-14``; ``56,6512`` (a decimal
comma) becomes 56.6512. Text that is no such value is returned as typed, so that validation names it.
"""
import datetime
import re

__all__ = ["iso_date", "is_iso_date", "decimal", "whole_number"]

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")  # fromisoformat alone also takes 20240101 and 2024-W01-1
DAY_FIRST = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def iso_date(text):
    """``text`` as YYYY-MM-DD when it is a real day written dd.mm.yyyy or d.m.yyyy; else ``text`` stripped."""
    text = text.strip()
    match = DAY_FIRST.fullmatch(text)
    if not match:
        return text
    day, month, year = map(int, match.groups())
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:  # 31.02.2025 is no day: kept as typed, and validation says so
        return text


def is_iso_date(text):
    """Whether ``text`` is a real day written YYYY-MM-DD."""
    try:
        return bool(ISO.fullmatch(text)) and bool(datetime.date.fromisoformat(text))
    except ValueError:
        return False


def is_partial_iso_date(text):
    """Whether ``text`` is a real day (YYYY-MM-DD), month (YYYY-MM) or year (YYYY): how precisely a
    source is dated (ISO 8601 with reduced precision)."""
    if re.fullmatch(r"[0-9]{4}", text or ""):
        return True
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}", text or ""):
        return 1 <= int(text[5:]) <= 12
    return is_iso_date(text or "")


def whole_number(text):
    """``text`` (stripped) as an int when it is at most nine ASCII digits, else None: "²" is a digit to
    isdigit() but not to int(), and a 40-digit number is no version, page or count anyone typed."""
    text = text.strip() if isinstance(text, str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def decimal(text):
    """The number in ``text`` (a decimal point or a decimal comma), None when empty, else ``text`` stripped.

    A number that is not finite is returned too; validation refuses it.
    """
    text = text.strip()
    if not text:
        return None
    try:
        return float(text.replace(",", ".") if DECIMAL_COMMA.fullmatch(text) else text)
    except ValueError:
        return text
