"""On this day: the pack's events and the readings' dated passages for a calendar day, in both calendars."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: `clio ask` reads the database without importing sqlite-utils
    import sqlite_utils

from bot import store
from bot.dates import MONTHS, REPUBLICAN_MONTHS, HistDate, calendar_module
from bot.errors import BadInput
from bot.response import Citation, Field, Reply
from bot.text import echo, excerpt, first_sentence
from bot.storage.readings import Readings, SqliteReadings
from bot.storage.workspace_data import WorkspaceData, packs_of
from bot.citing import by

NEARBY_DAYS = 3  # a day without events offers that week's: three days either side
MAX_SPAN_DAYS = 8  # an event of up to this many days shows on each of them (a war only on its first)
MAX_EVENTS_SHOWN = 8
MAX_PASSAGES_SHOWN = 3
_MONTH_NAMES = {name.lower(): i for i, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTH_NAMES.update({m.lower(): i for i, m in enumerate(MONTHS, start=1)})
_MONTH_NAMES["sept"] = 9
_MONTH = "(" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\.?"


_REPUBLICAN = {unicodedata.normalize("NFKD", m).encode("ascii", "ignore").decode().lower(): i
               for i, m in enumerate(REPUBLICAN_MONTHS, start=1)}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10, "xi": 11,
          "xii": 12, "xiii": 13, "xiv": 14}


@dataclass(frozen=True)
class Day:
    """A day of the year: Gregorian month and day, or (month 0) a day of the French Republican calendar's year,
    "9 Thermidor", matched on the events whose Republican date it is."""

    month: int
    day: int
    republican_month: int = 0
    # the year, in New Style, when the query named one ("7 Nov 1917", "9 Thermidor Year II"); a day is the same
    # day of the year with it or without it
    year: int = field(default=0, compare=False)

    def text(self) -> str:
        if self.republican_month:
            return f"{self.day} {REPUBLICAN_MONTHS[self.republican_month - 1]}"
        return f"{self.day} {MONTHS[self.month - 1]}"


class NoSuchDay(BadInput):
    """A text shaped as a day that names no day ("31 Feb 1918"): said so, never looked up as a name."""


def parse_days(text: str) -> tuple[list[Day], str | None]:
    """The day or days a query names, and a note when it is ambiguous ("7/11": 7 November or 11 July).

    Raises:
        NoSuchDay: the text has a day's shape, but no such day ever was ("31 Feb", "29 Feb 1917").
        BadInput: the text is not a day.
    """
    t = text.strip().lower().replace(",", " ")
    t = re.sub(r"\s+", " ", t)
    candidates: list[tuple[int, int]] = []
    note = None
    republican = _republican_day(text)
    if republican is not None:
        return republican
    year = 0
    if m := re.fullmatch(r"(\d{3,4})-(\d{1,2})-(\d{1,2})", t):
        candidates, year = [(int(m.group(2)), int(m.group(3)))], int(m.group(1))
    elif m := re.fullmatch(r"(\d{1,2})-(\d{1,2})", t):
        candidates = [(int(m.group(1)), int(m.group(2)))]
    elif m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? (?:of )?" + _MONTH + r"(?: (\d{3,4}))?", t):
        candidates, year = [(_MONTH_NAMES[m.group(2)], int(m.group(1)))], int(m.group(3) or 0)
    elif m := re.fullmatch(_MONTH + r" (\d{1,2})(?:st|nd|rd|th)?(?: (\d{3,4}))?", t):
        candidates, year = [(_MONTH_NAMES[m.group(1)], int(m.group(2)))], int(m.group(3) or 0)
    elif m := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?", t):
        year = int(m.group(3)) if m.group(3) and len(m.group(3)) > 2 else 0  # "25/10/17": which century?
        a, b = int(m.group(1)), int(m.group(2))
        readings = [(b, a), (a, b)]  # day/month first (most of the world), then month/day
        valid = [r for r in dict.fromkeys(readings) if _exists(*r)]
        if len(valid) == 2:
            note = (f"“{echo(text, 20)}” could be {Day(*valid[0]).text()} (day/month) or {Day(*valid[1]).text()} "
                    "(month/day); here are both. Write 11-07 or 7 Nov to be exact.")
        candidates = valid
    else:
        raise BadInput("Give a day like 7 Nov, November 7, 11-07 or YYYY-MM-DD.")
    days = [Day(mo, d, year=year) for mo, d in candidates if _exists(mo, d, year)]
    if not days:
        raise NoSuchDay(f"There is no such day as “{echo(text, 20)}”.")
    return days, note


def _republican_day(text: str) -> tuple[list[Day], str | None] | None:
    """"9 Thermidor" (that day of any Republican year) or "9 Thermidor Year II" / "an II" / "year 2" (that one
    day, given as its Gregorian date); None when the text names no Republican month.

    Raises:
        BadInput: a Republican month with a day or year that does not exist."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    m = re.fullmatch(r"\s*(\d{1,2})(?:st|nd|rd|th|er|e)?\s+([a-z]+)(?:\s+(?:year|an|l'an)\s+([ivx]+|\d{1,2}))?\s*",
                     plain)
    if not m or m.group(2) not in _REPUBLICAN:
        return None
    day, month = int(m.group(1)), _REPUBLICAN[m.group(2)]
    name = f"{day} {REPUBLICAN_MONTHS[month - 1]}"
    if not 1 <= day <= 30:
        raise BadInput(f"A Republican month has 30 days; there is no {echo(name, 30)}.")
    if m.group(3) is None:
        return [Day(0, day, month)], None
    year = int(m.group(3)) if m.group(3).isdigit() else _ROMAN.get(m.group(3), 0)
    if not 1 <= year <= 14:
        raise BadInput("The Republican calendar ran from Year I (1792) to Year XIV (1805).")
    y, mo, d = calendar_module("french_republican").to_gregorian(year, month, day)
    return [Day(mo, d, year=y)], f"{name} Year {m.group(3).upper()} was {d} {MONTHS[mo - 1]} {y}."


def _exists(month: int, day: int, year: int = 0) -> bool:
    """Whether a day exists: in some year (29 Feb has anniversaries), or in `year` in either calendar (29 Feb
    1900 was a Julian day, not a Gregorian one; 29 Feb 1917 was neither)."""
    if not 1 <= month <= 12:
        return False
    try:
        dt.date(2000, month, day)  # a leap year
    except ValueError:
        return False
    if year and (month, day) == (2, 29):
        return year % 4 == 0  # a Julian leap year; every Gregorian one is one too
    return True


class OnThisDay:
    def __init__(self, db: sqlite_utils.Database, readings: Readings | None = None,
                 data: WorkspaceData | None = None):
        self.db = db
        self.readings = readings or SqliteReadings(db)  # the readings' dated passages
        self.data = data  # where a workspace's chosen packs are (None: the SQLite file `db`)
        self.rule = store.calendar_rule(db)  # how the packs show their dates (set per reply: its workspace's)
        self.packs: tuple[str, ...] | None = None

    def events_on_day(self, month: int, day: int, workspace: str,
                      packs: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """The packs' events on this day, those the workspace's readings link to most first. `packs`: the
        workspace's, when the caller has read them already."""
        packs = packs if packs is not None else packs_of(self.db, self.data, workspace)
        return store.events_on_day(self.db, month, day, packs,
                                   read_about=lambda ids: self.readings.link_counts(ids, workspace))

    def reply(self, days: list[Day], workspace: str, note: str | None = None) -> Reply:
        """The days' events of the packs `workspace` reads, and its readings' dated passages; those of the
        day's year first when it has one ("7 Nov 1941")."""
        self.packs = packs_of(self.db, self.data, workspace)
        self.rule = store.calendar_rule(self.db, self.packs)
        return self._reply(days, workspace, note)

    def _reply(self, days: list[Day], workspace: str, note: str | None = None) -> Reply:
        fields: list[Field] = []
        cites: list[Citation] = []
        for day in days:
            f, c = self._day(day, workspace, label=len(days) > 1)
            fields.extend(f)
            cites.extend(c)
        title = "On this day: " + " / ".join(d.text() for d in days)
        notes = [n for n in (note, *(self._never_lived(d) for d in days)) if n]
        return Reply(ok=True, kind="list", title=title, body=" ".join(notes), fields=fields, citations=cites)

    def _never_lived(self, day: Day) -> str | None:
        """A day the pack's country skipped when it changed calendar ("13 Feb 1918" in Russia: after 31 January
        Old Style came 14 February): what that date was there, in Old Style."""
        switch = self.rule.old_style_until
        if not day.year or switch is None or day.month == 0:
            return None
        try:
            asked = dt.date(day.year, day.month, day.day)
        except ValueError:
            return None
        eve = switch - dt.timedelta(days=1)  # the last day of the Old Style: 31 Jan 1918 O.S. (13 Feb N.S.)
        last_old = HistDate(eve.year, eve.month, eve.day, "gregorian").old_style
        assert last_old.month is not None and last_old.day is not None
        if not (switch.year == asked.year and last_old.month <= asked.month <= switch.month
                and (asked.month, asked.day) > (last_old.month, last_old.day) and asked < switch):
            return None
        os_day = HistDate(asked.year, asked.month, asked.day, "gregorian").old_style
        skipped = dt.date(switch.year, last_old.month, last_old.day) + dt.timedelta(days=1)  # 1 Feb 1918
        return (f"Where the pack's Old Style ran, {skipped.day}–{switch.day - 1} {MONTHS[switch.month - 1]} "
                f"{switch.year} never came: the day after {last_old.day} {MONTHS[last_old.month - 1]} (Old Style) "
                f"was {switch.day} {MONTHS[switch.month - 1]} (New Style). {day.text()} {day.year} New Style was "
                f"{os_day.day} {MONTHS[(os_day.month or 1) - 1]} {os_day.year} Old Style there.")

    def _continuing(self, day: Day) -> list[dict]:
        """Events of a few days that began before `day` and were still going on it: the execution of the
        Romanovs (the night of 16-17 July 1918) shows on 17 Jul too. A day counts in New Style and, in the
        Julian era, in Old Style, as anniversaries do."""
        out = []
        for e in store.spanning_events(self.db, self.packs):
            start = HistDate.parse(e["date"], e["calendar"]).new_style
            end = HistDate.parse(e["end_date"], e["calendar"]).new_style
            first = dt.date(start.year, start.month or 1, start.day or 1)
            length = (dt.date(end.year, end.month or 1, end.day or 1) - first).days + 1
            if not 1 < length <= MAX_SPAN_DAYS:
                continue
            for n in range(1, length):  # the first day is the event's own anniversary (events_on_day)
                d = first + dt.timedelta(days=n)
                ns = HistDate(d.year, d.month, d.day, "gregorian")
                os_ = ns.old_style
                if (d.month, d.day) == (day.month, day.day):
                    out.append({**e, "ns_match": True, "day_of": (n + 1, length)})
                    break
                if ns.in_julian_era(self.rule) and (os_.month, os_.day) == (day.month, day.day):
                    out.append({**e, "ns_match": False, "day_of": (n + 1, length)})
                    break
        return out

    def _republican(self, day: Day, prefix: str) -> tuple[list[Field], list[Citation]]:
        """The pack's events whose Republican date, while the pack shows that calendar, is `day` ("9 Thermidor":
        the fall of Robespierre in Year II)."""
        found = []
        if self.rule.republican is not None:
            first, last = self.rule.republican
            for e in store.events_between(self.db, first.isoformat(), last.isoformat(), self.packs):
                ns = HistDate.parse(e["date"], e["calendar"]).new_style
                assert ns.month is not None and ns.day is not None
                _, month, d = calendar_module("french_republican").from_gregorian(ns.year, ns.month, ns.day)
                if (month, d) == (day.republican_month, day.day):
                    found.append({**e, "ns_match": True})
        if not found:
            shown = "shows the Republican calendar" if self.rule.republican else "does not use the Republican calendar"
            return [Field(f"{prefix}Nothing happened on {day.text()} in this pack", f"This pack {shown}.")], []
        shown_events = found[:MAX_EVENTS_SHOWN]
        return ([self._event_field(e, prefix) for e in shown_events],
                [c for e in shown_events for c in self._event_cites(e["id"])])

    def _day(self, day: Day, workspace: str, label: bool) -> tuple[list[Field], list[Citation]]:
        prefix = f"{day.text()}: " if label else ""
        if day.republican_month:
            return self._republican(day, prefix)
        events = self.events_on_day(day.month, day.day, workspace, self.packs)
        seen = {e["id"] for e in events}
        events += [e for e in self._continuing(day) if e["id"] not in seen]
        passages = self.readings.dates_on_day(day.month, day.day, workspace, limit=MAX_PASSAGES_SHOWN)
        if day.year:  # that year's first (stable: the usual order within each), as stated or in New Style
            def other_year(row: dict) -> bool:
                when = HistDate.parse(row["date"], row["calendar"])
                return day.year not in (when.year, when.new_style.year)
            events, passages = sorted(events, key=other_year), sorted(passages, key=other_year)
        if not events and not passages:
            return self._nearby(day, workspace, prefix)
        fields, cites = [], []
        for e in events[:MAX_EVENTS_SHOWN]:
            fields.append(self._event_field(e, prefix))
            cites.extend(self._event_cites(e["id"]))
        for p in passages:
            when = HistDate.parse(p["date"], p["calendar"])
            fields.append(Field(f"{prefix}{when.year} in {by(p['author'], p['title'])} ({p['loc']})",
                                f"{when.display_as_stated()}: {excerpt(p['text'], 240)}"))
            cites.append(Citation(p["source_id"], p["title"], p["author"], p["loc"]))
        return fields, cites

    def _event_field(self, e: dict, prefix: str) -> Field:
        when = HistDate.parse(e["date"], e["calendar"])
        anniversary = "" if e["ns_match"] else " (Old Style anniversary)"
        span = when.display(self.rule)
        if e.get("end_date"):
            span += " – " + HistDate.parse(e["end_date"], e["calendar"]).display(self.rule)
        if "day_of" in e:
            anniversary += " (day {} of {})".format(*e["day_of"])
        return Field(f"{prefix}{when.new_style.year} — {e['name']}{anniversary}",
                     f"{span} — {first_sentence(e['summary'])}")

    def _event_cites(self, entity_id: str) -> list[Citation]:
        return [Citation(c["reading_id"], c["title"], c["author"], c["loc"])
                for c in store.citations(self.db, entity_id)[:1]]

    def _nearby(self, day: Day, workspace: str, prefix: str) -> tuple[list[Field], list[Citation]]:
        """Nothing on the day itself: say so plainly, then that week's events (three days either side), in
        calendar order, never an empty reply."""
        base = dt.date(2000, day.month, day.day)  # a leap year, so 29 Feb has neighbours
        found = []
        for delta in [*range(-NEARBY_DAYS, 0), *range(1, NEARBY_DAYS + 1)]:
            d = base + dt.timedelta(days=delta)
            found += [(Day(d.month, d.day), e) for e in self.events_on_day(d.month, d.day, workspace, self.packs)]
        first, last = base - dt.timedelta(days=NEARBY_DAYS), base + dt.timedelta(days=NEARBY_DAYS)
        week = f"{Day(first.month, first.day).text()} – {Day(last.month, last.day).text()}"
        if not found:
            return [Field(f"{prefix}Nothing happened on {day.text()} in this pack",
                          f"Nor in the week around it ({week}). Try /timeline for a year.")], []
        shown = found[:MAX_EVENTS_SHOWN]
        fields = [Field(f"{prefix}Nothing happened on {day.text()} in this pack",
                        f"That week ({week}) has {len(found)} event{'s' if len(found) != 1 else ''}:")]
        fields += [self._event_field(e, f"{d.text()}: ") for d, e in shown]
        return fields, [c for _, e in shown for c in self._event_cites(e["id"])]
