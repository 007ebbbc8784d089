"""On this day: the pack's events and the readings' dated passages for a calendar day, in both calendars."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlite_utils

from bot import store
from bot.dates import MONTHS, HistDate
from bot.errors import BadInput
from bot.response import Citation, Field, Reply
from bot.text import echo, excerpt, first_sentence

NEARBY_DAYS = 3
MAX_EVENTS_SHOWN = 8
MAX_PASSAGES_SHOWN = 3
_MONTH_NAMES = {name.lower(): i for i, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTH_NAMES.update({m.lower(): i for i, m in enumerate(MONTHS, start=1)})
_MONTH_NAMES["sept"] = 9
_MONTH = "(" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\.?"


@dataclass(frozen=True)
class Day:
    month: int
    day: int

    def text(self) -> str:
        return f"{self.day} {MONTHS[self.month - 1]}"


def parse_days(text: str) -> tuple[list[Day], str | None]:
    """The day or days a query names, and a note when it is ambiguous ("7/11": 7 November or 11 July).

    Raises:
        BadInput: the text is not a day.
    """
    t = text.strip().lower().replace(",", " ")
    t = re.sub(r"\s+", " ", t)
    candidates: list[tuple[int, int]] = []
    note = None
    if m := re.fullmatch(r"(\d{3,4})-(\d{1,2})-(\d{1,2})", t):
        candidates = [(int(m.group(2)), int(m.group(3)))]
    elif m := re.fullmatch(r"(\d{1,2})-(\d{1,2})", t):
        candidates = [(int(m.group(1)), int(m.group(2)))]
    elif m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? (?:of )?" + _MONTH + r"(?: \d{3,4})?", t):
        candidates = [(_MONTH_NAMES[m.group(2)], int(m.group(1)))]
    elif m := re.fullmatch(_MONTH + r" (\d{1,2})(?:st|nd|rd|th)?(?: \d{3,4})?", t):
        candidates = [(_MONTH_NAMES[m.group(1)], int(m.group(2)))]
    elif m := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})(?:[/.]\d{2,4})?", t):
        a, b = int(m.group(1)), int(m.group(2))
        readings = [(b, a), (a, b)]  # day/month first (most of the world), then month/day
        valid = [r for r in dict.fromkeys(readings) if _exists(*r)]
        if len(valid) == 2:
            note = (f"“{echo(text, 20)}” could be {Day(*valid[0]).text()} (day/month) or {Day(*valid[1]).text()} "
                    "(month/day); here are both. Write 11-07 or 7 Nov to be exact.")
        candidates = valid
    else:
        raise BadInput("Give a day like 7 Nov, November 7, 11-07 or 1917-11-07.")
    days = [Day(mo, d) for mo, d in candidates if _exists(mo, d)]
    if not days:
        raise BadInput(f"There is no such day as “{echo(text, 20)}”.")
    return days, note


def _exists(month: int, day: int) -> bool:
    if not 1 <= month <= 12:
        return False
    try:
        dt.date(2000, month, day)  # a leap year: 29 Feb is a day with anniversaries
    except ValueError:
        return False
    return True


class OnThisDay:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def reply(self, days: list[Day], workspace: str, note: str | None = None) -> Reply:
        fields: list[Field] = []
        cites: list[Citation] = []
        for day in days:
            f, c = self._day(day, workspace, label=len(days) > 1)
            fields.extend(f)
            cites.extend(c)
        title = "On this day: " + " / ".join(d.text() for d in days)
        return Reply(ok=True, kind="list", title=title, body=note or "", fields=fields, citations=cites)

    def _day(self, day: Day, workspace: str, label: bool) -> tuple[list[Field], list[Citation]]:
        events = store.events_on_day(self.db, day.month, day.day, workspace)
        passages = store.passage_dates_on_day(self.db, day.month, day.day, workspace, limit=MAX_PASSAGES_SHOWN)
        prefix = f"{day.text()}: " if label else ""
        if not events and not passages:
            return self._nearby(day, workspace, prefix)
        fields, cites = [], []
        for e in events[:MAX_EVENTS_SHOWN]:
            fields.append(self._event_field(e, prefix))
            cites.extend(self._event_cites(e["id"]))
        for p in passages:
            when = HistDate.parse(p["date"], p["calendar"])
            fields.append(Field(f"{prefix}{when.year} in {p['author']}, {p['title']} ({p['loc']})",
                                f"{when.display_as_stated()}: {excerpt(p['text'], 240)}"))
            cites.append(Citation(p["source_id"], p["title"], p["author"], p["loc"]))
        return fields, cites

    def _event_field(self, e: dict, prefix: str) -> Field:
        when = HistDate.parse(e["date"], e["calendar"])
        anniversary = "" if e["ns_match"] else " (Old Style anniversary)"
        return Field(f"{prefix}{when.new_style.year} — {e['name']}{anniversary}",
                     f"{when.display()} — {first_sentence(e['summary'])}")

    def _event_cites(self, entity_id: str) -> list[Citation]:
        return [Citation(c["reading_id"], c["title"], c["author"], c["loc"])
                for c in store.citations(self.db, entity_id)[:1]]

    def _nearby(self, day: Day, workspace: str, prefix: str) -> tuple[list[Field], list[Citation]]:
        """Nothing on the day itself: the nearest events that week, never an empty reply."""
        base = dt.date(2000, day.month, day.day)
        for distance in range(1, NEARBY_DAYS + 1):
            found = []
            for delta in (-distance, distance):
                d = base + dt.timedelta(days=delta)
                found += [(Day(d.month, d.day), e) for e in store.events_on_day(self.db, d.month, d.day, workspace)]
            if found:
                fields = [Field(f"{prefix}Nothing on {day.text()} itself; nearby",
                                f"The closest events are {distance} day(s) away.")]
                fields += [self._event_field(e, f"{d.text()}: ") for d, e in found[:MAX_EVENTS_SHOWN]]
                return fields, [c for _, e in found[:MAX_EVENTS_SHOWN] for c in self._event_cites(e["id"])]
        return [Field(f"{prefix or day.text() + ': '}nothing found",
                      "Nothing in the pack or the readings within a week of this day. Try /timeline for a year.")], []
