"""Historical dates with their calendar: parse, convert Old Style <-> New Style, and show both.

Russia kept the Julian calendar (Old Style) until 31 January 1918 O.S.; the next day was 14 February 1918
N.S. A date is stored as the source gives it, with its calendar; the other is computed with convertdate.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from convertdate import julian

Calendar = Literal["julian", "gregorian"]
CALENDARS: tuple[Calendar, ...] = ("julian", "gregorian")

# First New Style day of the Gregorian calendar in Russia (the day after 31 January 1918 O.S.).
RUSSIA_SWITCH_NS = dt.date(1918, 2, 14)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE_RE = re.compile(r"^(-?\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class DateError(ValueError):
    """A date that does not parse or does not exist in its calendar."""


@dataclass(frozen=True, order=True)
class HistDate:
    """A date as a source gives it: year, optional month and day, and the calendar they belong to."""

    year: int
    month: int | None = None
    day: int | None = None
    calendar: Calendar = "gregorian"

    @classmethod
    def parse(cls, text: str | dt.date | int, calendar: str = "gregorian") -> HistDate:
        """Parse "YYYY", "YYYY-MM" or "YYYY-MM-DD" in `calendar`.

        Raises:
            DateError: with a message fit to show a content author.
        """
        if calendar not in CALENDARS:
            raise DateError(f"unknown calendar {calendar!r} (use julian or gregorian)")
        if isinstance(text, dt.date):
            text = text.isoformat()
        m = _DATE_RE.match(str(text).strip())
        if not m:
            raise DateError(f"date {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        year = int(m.group(1))
        month = int(m.group(2)) if m.group(2) else None
        day = int(m.group(3)) if m.group(3) else None
        if month is not None and not 1 <= month <= 12:
            raise DateError(f"date {text!r} has no month {month}")
        if day is not None:
            assert month is not None
            last = julian.month_length(year, month) if calendar == "julian" else _gregorian_month_length(year, month)
            if not 1 <= day <= last:
                raise DateError(f"date {text!r} does not exist in the {calendar} calendar")
        return cls(year, month, day, calendar)  # type: ignore[arg-type]

    @property
    def precise(self) -> bool:
        """True when the date has a day, so it can be converted and matched on its anniversary."""
        return self.day is not None

    def to(self, calendar: Calendar) -> HistDate:
        """The same day in `calendar` (a date without a day is returned unchanged but relabelled)."""
        if calendar == self.calendar:
            return self
        if not self.precise:
            return HistDate(self.year, self.month, None, calendar)
        assert self.month is not None and self.day is not None
        if calendar == "gregorian":
            y, m, d = julian.to_gregorian(self.year, self.month, self.day)
        else:
            y, m, d = julian.from_gregorian(self.year, self.month, self.day)
        return HistDate(y, m, d, calendar)

    @property
    def old_style(self) -> HistDate:
        return self.to("julian")

    @property
    def new_style(self) -> HistDate:
        return self.to("gregorian")

    def iso(self) -> str:
        """"YYYY", "YYYY-MM" or "YYYY-MM-DD" in this date's own calendar."""
        out = f"{self.year:04d}"
        if self.month is not None:
            out += f"-{self.month:02d}"
        if self.day is not None:
            out += f"-{self.day:02d}"
        return out

    def sort_key(self) -> str:
        """A New Style ISO string that sorts events in time order whatever their calendar."""
        ns = self.new_style
        return f"{ns.year:04d}-{ns.month or 0:02d}-{ns.day or 0:02d}"

    def plain(self) -> str:
        """"25 Oct 1917", "Oct 1917" or "1917", without a calendar label."""
        parts = []
        if self.day is not None:
            parts.append(str(self.day))
        if self.month is not None:
            parts.append(MONTHS[self.month - 1])
        parts.append(str(self.year))
        return " ".join(parts)

    def in_julian_era(self) -> bool:
        """Whether Russians were still living by the Old Style calendar on this day."""
        ns = self.new_style
        return (ns.year, ns.month or 1, ns.day or 1) < (1918, 2, 14)

    def display(self) -> str:
        """Both calendars where they differ: "25 Oct 1917 O.S. / 7 Nov 1917 N.S."; otherwise one date."""
        if not self.precise:
            label = " (O.S.)" if self.calendar == "julian" else ""
            return self.plain() + label
        if not self.in_julian_era():
            return self.new_style.plain()
        return f"{self.old_style.plain()} O.S. / {self.new_style.plain()} N.S."

    def display_as_stated(self) -> str:
        """A date a reading states: an Old Style one in both calendars, a New Style one as it stands (it may be
        French, or marked N.S.; no Old Style twin is implied)."""
        return self.display() if self.calendar == "julian" else self.plain()


def _gregorian_month_length(year: int, month: int) -> int:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).day
