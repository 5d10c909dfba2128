"""Meeting dates written the way council papers write them ("4th February, 2015", "6<sup>th</sup> Nov 2013")."""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

MONTH_NAME = "|".join(sorted(MONTHS, key=len, reverse=True))
"""A regex alternation of the month names and abbreviations, longest first ("september" before "sep")."""
DAY = r"(\d{1,2})(?:\s*(?:<sup>\s*)?(?:st|nd|rd|th)(?:\s*</sup>)?)?\s+"
"""A day of the month before its month: "4", "4th", "14 th", "6<sup>th</sup>". The white space before a
suffix belongs to the suffix, so a digit followed by a long run of spaces is read in linear time (an optional
suffix between two runs of white space made it quadratic: 2.7 s for a digit and 4,000 spaces)."""
DATE = re.compile(r"(?<![\d/])" + DAY + r"(" + MONTH_NAME + r")\.?,?\s+(\d{4}|\d{2}\b)", re.IGNORECASE)


def parse_date(match: re.Match[str]) -> date | None:
    day, month, year = int(match.group(1)), MONTHS[match.group(2).lower()], int(match.group(3))
    if year < 100:
        year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        return None


def first_date(text: str) -> date | None:
    """The first real calendar date written out in `text`, or None."""
    for match in DATE.finditer(text):
        found = parse_date(match)
        if found:
            return found
    return None


def format_date(value: date | None) -> str:
    """ "4 February 2015", the form every citation uses."""
    return f"{value.day} {value:%B %Y}" if value else ""


WRITTEN_DATE = re.compile(
    r"(?<![\d/.])(?P<day>\d{1,2})\s?(?:st|nd|rd|th|[™°”“\"'’`]{1,3})?\s?(?:of\s+)?(?P<month>" + MONTH_NAME + r")\b"
    r"(?:\.?,?\s{0,2}(?P<year>(?:19|20)\d{2})\b)?",
    re.IGNORECASE,
)
"""A date in flattened text as minutes refer to an earlier meeting, the year optional and the day's suffix as
scanned: "6th January", "28"" of November 2016", "7°” MAY, 2014", "20th March.2014"."""


def written_date(match: re.Match[str], before: date | None = None) -> date | None:
    """The date a `WRITTEN_DATE` match names; a date without a year is the last such day on or before `before`."""
    from datetime import datetime

    from dateutil import parser

    day, month, year = match.group("day"), match.group("month"), match.group("year")
    if not year and before is None:
        return None
    base = datetime(int(year) if year else before.year, 1, 1)
    try:
        found = parser.parse(f"{int(day)} {month[:3]} {year or ''}".strip(), default=base).date()
    except (ValueError, OverflowError):
        return None
    if not year and found > before:
        try:
            found = found.replace(year=found.year - 1)
        except ValueError:
            return None
    return found
