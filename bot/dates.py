"""Historical dates with their calendar: parse, convert Old Style <-> New Style, and show both.

Russia kept the Julian calendar (Old Style) until 31 January 1918 O.S.; the next day was 14 February 1918
N.S. A date is stored as the source gives it, with its calendar; the other is computed with convertdate.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import re
import sys
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from bot.text import roman


def _convertdate_without_its_calendars() -> None:
    """Register the convertdate package without running its __init__, which imports every calendar it has (the
    Baha'i and French Republican ones load an astronomy library): `clio ask` needs at most the Julian one. A
    calendar is then imported on its own (`calendar_module`, or `from convertdate import julian` anywhere), and
    anything else asked of the package (`convertdate.__version__`, `convertdate.holidays`) runs the __init__
    first, so the package behaves as if imported whole."""
    if "convertdate" in sys.modules:
        return
    spec = importlib.util.find_spec("convertdate")  # finds the package; runs nothing
    if spec is None or spec.loader is None:
        return  # not installed: the import below fails as it always did
    package = importlib.util.module_from_spec(spec)
    lock = threading.Lock()

    def whole(attr: str) -> object:
        with lock:  # once, whichever thread asks first; the others wait for it
            if package.__dict__.pop("__getattr__", None) is not None:
                spec.loader.exec_module(package)  # type: ignore[union-attr]
        return getattr(package, attr)

    package.__getattr__ = whole  # type: ignore[attr-defined]  # PEP 562: asked only for what is not there yet
    sys.modules["convertdate"] = package


_convertdate_without_its_calendars()


def calendar_module(name: str) -> ModuleType:
    """One of convertdate's calendars ("julian", "french_republican"), imported on first use, alone."""
    return sys.modules.get(f"convertdate.{name}") or importlib.import_module(f"convertdate.{name}")


Calendar = Literal["julian", "gregorian"]
CALENDARS: tuple[Calendar, ...] = ("julian", "gregorian")

# First New Style day of the Gregorian calendar in Russia (the day after 31 January 1918 O.S.).
RUSSIA_SWITCH_NS = dt.date(1918, 2, 14)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
_DATE_RE = re.compile(r"^(-?\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class DateError(ValueError):
    """A date that does not parse or does not exist in its calendar."""


@dataclass(frozen=True)
class CalendarRule:
    """Which calendars a pack's dates are shown in, and when (pack.yaml `calendars:`). A plain Gregorian pack
    shows one date. Russia: Old Style beside New Style until `old_style_until` ("25 Oct 1917 O.S. / 7 Nov
    1917 N.S."), and its Old Style anniversaries count on /onthisday. France: the Republican date beside the
    Gregorian one from its adoption to its end ("9 Thermidor Year II / 27 Jul 1794")."""

    old_style_until: dt.date | None = None  # first day shown in New Style alone (Russia: 14 Feb 1918)
    republican: tuple[dt.date, dt.date] | None = None  # first and last day the Republican date is shown

    @classmethod
    def from_pack(cls, data: dict | None) -> CalendarRule:
        """The rule a pack declares: {old_style_until: DATE, republican: {from: DATE, until: DATE}}."""
        data = data or {}
        rep = data.get("republican")
        return cls(_day(data.get("old_style_until")),
                   (_day(rep["from"]), _day(rep["until"])) if rep else None)  # type: ignore[arg-type]

    def to_json(self) -> dict:
        return {"old_style_until": self.old_style_until.isoformat() if self.old_style_until else None,
                "republican": {"from": self.republican[0].isoformat(), "until": self.republican[1].isoformat()}
                if self.republican else None}


def _day(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value  # type: ignore[return-value]
    return dt.date.fromisoformat(str(value))


RUSSIA = CalendarRule(old_style_until=RUSSIA_SWITCH_NS)
GREGORIAN = CalendarRule()
REPUBLICAN_MONTHS = ("Vendémiaire", "Brumaire", "Frimaire", "Nivôse", "Pluviôse", "Ventôse", "Germinal", "Floréal",
                     "Prairial", "Messidor", "Thermidor", "Fructidor")


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
            last = calendar_module("julian").month_length(year, month) if calendar == "julian" else _gregorian_month_length(year, month)
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
            y, m, d = calendar_module("julian").to_gregorian(self.year, self.month, self.day)
        else:
            y, m, d = calendar_module("julian").from_gregorian(self.year, self.month, self.day)
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

    @property
    def precision(self) -> int:
        """0 for a day, 1 for a month, 2 for a year alone."""
        return 0 if self.day is not None else 1 if self.month is not None else 2

    def first_day(self) -> HistDate:
        """The first day this date can mean, as a New Style (Gregorian) day: the day itself, the first of its
        month or 1 January of its year, each counted in the date's OWN calendar ("Mar 1917" Old Style is
        1 Mar 1917 O.S., so 14 Mar 1917 N.S.)."""
        return HistDate(self.year, self.month or 1, self.day or 1, self.calendar).new_style

    def time_order(self) -> tuple[int, int, int, int]:
        """Sorts dates by when they truly begin, whatever their calendar: by their first New Style day, and on
        the same day a day before a month before a year (so "Mar 1917" O.S. comes after 19 Feb 1917 O.S., which
        is 4 Mar 1917 N.S., and after 1 Mar 1917 O.S. too)."""
        first = self.first_day()
        assert first.month is not None and first.day is not None
        return first.year, first.month, first.day, self.precision

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

    def in_julian_era(self, rule: CalendarRule = RUSSIA) -> bool:
        """Whether the pack's people still lived by the Old Style calendar on this day (never, for a pack
        that shows no Old Style dates)."""
        if rule.old_style_until is None:
            return False
        ns = self.new_style
        return (ns.year, ns.month or 1, ns.day or 1) < rule.old_style_until.timetuple()[:3]

    def display(self, rule: CalendarRule = RUSSIA) -> str:
        """The date in each calendar the pack shows on that day: "25 Oct 1917 O.S. / 7 Nov 1917 N.S.",
        "9 Thermidor Year II / 27 Jul 1794", or one date."""
        if not self.precise:  # a year or a month: marked Old Style only while Old Style was in use ("1921" is plain)
            until = rule.old_style_until
            julian = self.calendar == "julian" and until is not None and (self.year, self.month or 1) < (
                until.year, until.month)
            return self.plain() + (" (O.S.)" if julian else "")
        if self.in_julian_era(rule):
            return f"{self.old_style.plain()} O.S. / {self.new_style.plain()} N.S."
        republican = self.republican(rule)
        if republican:
            return f"{republican} / {self.new_style.plain()}"
        return self.new_style.plain()

    def republican(self, rule: CalendarRule) -> str | None:
        """"9 Thermidor Year II" when the rule shows the French Republican calendar on this day, else None."""
        if rule.republican is None or not self.precise:
            return None
        ns = self.new_style
        assert ns.month is not None and ns.day is not None
        if not rule.republican[0] <= dt.date(ns.year, ns.month, ns.day) <= rule.republican[1]:
            return None
        year, month, day = calendar_module("french_republican").from_gregorian(ns.year, ns.month, ns.day)
        if month == 13:  # the five or six complementary days closing a year
            return f"Sansculottide {day}, Year {roman(year)}"
        return f"{day} {REPUBLICAN_MONTHS[month - 1]} Year {roman(year)}"

    def display_as_stated(self) -> str:
        """A date a reading states: an Old Style one in both calendars, a New Style one as it stands (it may be
        French, or marked N.S.; no Old Style twin is implied)."""
        return self.display() if self.calendar == "julian" else self.plain()


def _gregorian_month_length(year: int, month: int) -> int:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).day


_REPUBLICAN_YEAR = re.compile(r"^(?:year|an|l'an)\s+([ivx]+|\d{1,2})$", re.IGNORECASE)
_ROMAN_YEARS = {roman(n).lower(): n for n in range(1, 31)}


def republican_year(text: str) -> int | None:
    """The number of a French Republican year written as "Year II", "an 2" or "l'an II" (0 for a numeral that is
    no year, "Year XL"); None for any other text. The calendar ran from Year I (1792) to Year XIV (1805)."""
    m = _REPUBLICAN_YEAR.match(text.strip())
    if m is None:
        return None
    raw = m.group(1).lower()
    return int(raw) if raw.isdigit() else _ROMAN_YEARS.get(raw, 0)
