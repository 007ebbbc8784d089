"""Dates in running text: "9 January 1905", "January 9, 1905", "on October 24" (year from context),
each read in the calendar the reading uses for that period."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.dates import DateError, HistDate

_MONTHS = {m.lower(): i for i, names in enumerate(
    [("January", "Jan"), ("February", "Feb"), ("March", "Mar"), ("April", "Apr"), ("May",), ("June", "Jun"),
     ("July", "Jul"), ("August", "Aug"), ("September", "Sept", "Sep"), ("October", "Oct"), ("November", "Nov"),
     ("December", "Dec")], start=1) for m in names}
_M = "(" + "|".join(sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True)) + r")\.?"
_D = r"(\d{1,2})(?:st|nd|rd|th)?"
_Y = r"(1[6-9]\d\d|20\d\d)"
_DAY_MONTH_YEAR = re.compile(rf"\b{_D} {_M},? {_Y}\b")
_MONTH_DAY_YEAR = re.compile(rf"\b{_M} {_D},? {_Y}\b")
_MONTH_DAY = re.compile(rf"\b{_M} {_D}\b(?!,? ?\d)")
_DAY_MONTH = re.compile(rf"\b{_D} {_M}(?! ?,? ?\d)")
_YEAR = re.compile(rf"\b{_Y}\b")


@dataclass(frozen=True)
class FoundDate:
    date: HistDate
    phrase: str


def calendar_for(year: int, month: int, day: int, convention: str) -> str:
    """The calendar a reading uses for a date: Old Style for Russia before February 1918 where it says so."""
    if convention == "julian-until-1918" and (year, month, day) < (1918, 2, 1):
        return "julian"
    return "gregorian"


def find_dates(text: str, convention: str, context_year: int | None) -> tuple[list[FoundDate], int | None]:
    """Dates in `text`; a date without a year takes the last year seen (in this text or before it).

    Returns the dates and the year context to carry into the next passage.
    """
    hits: list[tuple[int, int, int, int | None, str]] = []  # start, day, month, year, phrase
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], day: str, month: str, year: str | None) -> None:
        if any(a < m.end() and m.start() < b for a, b in taken):
            return
        taken.append((m.start(), m.end()))
        hits.append((m.start(), int(day), _MONTHS[month.lower().rstrip(".")], int(year) if year else None, m.group()))

    for m in _DAY_MONTH_YEAR.finditer(text):
        add(m, m.group(1), m.group(2), m.group(3))
    for m in _MONTH_DAY_YEAR.finditer(text):
        add(m, m.group(2), m.group(1), m.group(3))
    for m in _MONTH_DAY.finditer(text):
        add(m, m.group(2), m.group(1), None)
    for m in _DAY_MONTH.finditer(text):
        add(m, m.group(1), m.group(2), None)
    years = [(m.start(), int(m.group(1))) for m in _YEAR.finditer(text)]
    out: list[FoundDate] = []
    for start, day, month, year, phrase in sorted(hits):
        if year is None:
            before = [y for pos, y in years if pos < start]
            year = before[-1] if before else context_year
        if year is None:
            continue
        try:
            out.append(FoundDate(HistDate.parse(f"{year:04d}-{month:02d}-{day:02d}",
                                                calendar_for(year, month, day, convention)), phrase))
        except DateError:
            continue
    if years:
        context_year = years[-1][1]
    return out, context_year
