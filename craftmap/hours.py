"""A checker for the common part of OpenStreetMap's opening_hours syntax.

Accepts rules separated by ';' or ',' such as '24/7', 'Mo-Fr 10:00-18:00', 'Sa,Su 10:00-14:00',
'May-Sep Tu-Su 10:00-17:00; PH off', 'Mo-Fr 09:00-12:00,13:00-17:00', 'by appointment' is not
accepted (use a comment: 'Mo-Fr "by appointment"').
"""
import re

__all__ = ["is_valid"]

_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"(?:[01]\d|2[0-4]):[0-5]\d"
_SPAN = rf"{_TIME}-{_TIME}\+?"
_DAYS = rf"(?:{_DAY}(?:-{_DAY})?|PH|SH)(?:,(?:{_DAY}(?:-{_DAY})?|PH|SH))*"
_MONTHS = rf"{_MONTH}(?: ?\d{{1,2}})?(?:-{_MONTH}(?: ?\d{{1,2}})?)?(?:,{_MONTH}(?:-{_MONTH})?)*"
_STATE = r'(?:off|closed|open|unknown)'
_COMMENT = r'"[^"]*"'
_RULE = re.compile(
    rf"^(?:24/7|(?:{_MONTHS} )?(?:{_DAYS} )?(?:{_SPAN}(?:,{_SPAN})*(?: {_COMMENT})?|{_STATE}(?: {_COMMENT})?|{_COMMENT})"
    rf"|(?:{_MONTHS} )?{_DAYS}(?: {_STATE})?)$")


def is_valid(text):
    """True when every rule of ``text`` follows the supported opening_hours syntax."""
    rules = [r.strip() for r in re.split(r";|\|\|", text)]
    return bool(rules) and all(rule and _RULE.match(rule) for rule in rules)
