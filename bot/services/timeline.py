"""/timeline: the pack's dated events of a year, a range of years, a month or a range of months, in time order and
a page at a time.

What a user types: `1917`, `1917-1921`, `Oct 1917`, `October 1917`, `1917-10`, `Oct 1917 to Mar 1918`, each with
an optional `page N`. Each page carries Previous and Next buttons that run `/timeline RANGE page N` through the
same door as a typed command, so every event of a range can be reached on every platform.

Order is by when an event truly begins (bot.dates.HistDate.time_order): a month-only date sits at the first day
of its month in its own calendar ("Mar 1917" Old Style is 14 Mar 1917 N.S.), a year-only one at 1 January, and
either comes after the events dated to that very day. An event belongs to a range when its date falls in it by
the calendar it is stated in or by New Style (25 Oct 1917 O.S. is in October 1917 and in November 1917); a
year-only event belongs to a range that covers its whole year. The range check uses the years the pack's own
events span, so any pack (the Russian one, 1891-1991, or a French one of 1774-1815) gets the right reply.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import store
from bot.citing import by
from bot.dates import MONTH_NAMES, MONTHS, HistDate, calendar_module, republican_year
from bot.errors import BadInput
from bot.response import Button, Reply
from bot.text import echo, excerpt, roman

if TYPE_CHECKING:
    from bot.services.lookup import Lookup
    from bot.storage.readings import Readings

PAGE_SIZE = 15  # events a page: a screenful in a chat message, well inside every platform's limits
READINGS_MAX = 2_000  # dated passages a timeline from the readings considers
MAX_EVENTS = 1_000_000  # no cap on a range: every event of it is reachable, page by page
_MONTH_WORDS = {**{m.lower(): i + 1 for i, m in enumerate(MONTH_NAMES)},
                **{m.lower(): i + 1 for i, m in enumerate(MONTHS)}, "sept": 9}
USAGE = ("Give a year, a range of years or a month: /timeline 1917, /timeline 1917-1921, /timeline Oct 1917 or "
         "/timeline 1917-10 (add “page 2” for the next page); or an event that lasted, a person or a term, for theirs")

_PAGE = re.compile(r"^(?P<rest>.*?)[\s,;]*\bpage\b\s*(?P<page>.*)$", re.IGNORECASE | re.DOTALL)
_YEAR = re.compile(r"^(\d{3,4})$")
_YEAR_MONTH = re.compile(r"^(\d{3,4})\s*[-/.]\s*(\d{1,2})$")  # 1917-10, 1917/10
_MONTH_YEAR_DIGITS = re.compile(r"^(\d{1,2})\s*[/.]\s*(\d{3,4})$")  # 10/1917
_NAMED_MONTH = re.compile(r"^([^\W\d_]+)\.?,?\s*(\d{3,4})$")  # Oct 1917, October 1917, Oct. 1917
_YEAR_NAMED_MONTH = re.compile(r"^(\d{3,4}),?\s+([^\W\d_]+)\.?$")  # 1917 October
_SHORT_RANGE = re.compile(r"^(\d{4})\s*[-–—]\s*(\d{2})$")  # 1941-45: a range of years, where 45 is no month
_SEPARATOR = re.compile(r"\s*(?:–|—|-|\.\.|\bto\b|\buntil\b|\bthrough\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Bound:
    """One end of a range: a year, or a month of a year."""

    year: int
    month: int | None = None

    @property
    def first(self) -> tuple[int, int]:
        return self.year, self.month or 1

    @property
    def last(self) -> tuple[int, int]:
        return self.year, self.month or 12

    def short(self) -> str:
        """"1917" or "Oct 1917": the form buttons and hints use (it parses back to this bound)."""
        return f"{MONTHS[self.month - 1]} {self.year}" if self.month else str(self.year)

    def long(self) -> str:
        """"1917" or "October 1917", for titles."""
        return f"{MONTH_NAMES[self.month - 1]} {self.year}" if self.month else str(self.year)


@dataclass(frozen=True)
class Range:
    """The months first..last (inclusive) a timeline covers."""

    start: Bound
    end: Bound

    @property
    def lo(self) -> tuple[int, int]:
        return self.start.first

    @property
    def hi(self) -> tuple[int, int]:
        return self.end.last

    @property
    def single(self) -> bool:
        return self.start == self.end

    @property
    def by_month(self) -> bool:
        return self.start.month is not None or self.end.month is not None

    def label(self) -> str:
        """"1917", "1917–1921", "October 1917", "Oct 1917 – Mar 1918"."""
        if self.single:
            return self.start.long()
        if not self.by_month:
            return f"{self.start.year}–{self.end.year}"
        return f"{self.start.short()} – {self.end.short()}"

    def query(self) -> str:
        """What to type after /timeline for this range: "1917", "1917-1921", "Oct 1917", "Oct 1917 to Mar 1918"."""
        if self.single:
            return self.start.short()
        if not self.by_month:
            return f"{self.start.year}-{self.end.year}"
        return f"{self.start.short()} to {self.end.short()}"

    def holds(self, when: HistDate) -> bool:
        """Whether an event dated `when` belongs here: by its own calendar or by New Style; a year alone only
        when the range covers that whole year."""
        if when.month is None:
            return self.lo <= (when.year, 1) and (when.year, 12) <= self.hi
        ns = when.first_day()
        assert ns.month is not None
        return any(self.lo <= ym <= self.hi for ym in ((when.year, when.month), (ns.year, ns.month)))


def _month_number(text: str, whole: str) -> int:
    n = int(text)
    if not 1 <= n <= 12:
        raise BadInput(f"There is no month {n} in “{echo(whole, 40)}”: months run from 1 to 12. For a month: "
                       "/timeline 1917-10 or /timeline Oct 1917; for a range of years: /timeline 1917-1921")
    return n


def _month_word(word: str, whole: str) -> int:
    n = _MONTH_WORDS.get(word.lower())
    if n is None:
        raise BadInput(f"“{echo(word, 30)}” is not a month. Try /timeline Oct 1917, /timeline October 1917 or "
                       "/timeline 1917-10")
    return n


def parse_bound(text: str) -> Bound | None:
    """A year or a month of a year, or None when `text` is neither shape. A month that does not exist ("1917-13",
    "Foo 1917") raises BadInput saying so."""
    text = text.strip()
    if m := _YEAR.match(text):
        return Bound(int(m.group(1)))
    if m := _YEAR_MONTH.match(text):
        return Bound(int(m.group(1)), _month_number(m.group(2), text))
    if m := _MONTH_YEAR_DIGITS.match(text):
        return Bound(int(m.group(2)), _month_number(m.group(1), text))
    if m := _NAMED_MONTH.match(text):
        return Bound(int(m.group(2)), _month_word(m.group(1), text))
    if m := _YEAR_NAMED_MONTH.match(text):
        return Bound(int(m.group(1)), _month_word(m.group(2), text))
    return None


def parse_range(text: str) -> Range:
    """"1917", "1917-1921", "Oct 1917", "1917-10", "Oct 1917 to Mar 1918" -> a Range (ends in time order);
    "1941-45", a later year of the same century in two digits that no month has, is 1941-1945."""
    text = text.strip()
    if (m := _SHORT_RANGE.match(text)) and int(m.group(2)) > 12:
        first = int(m.group(1))
        last = first // 100 * 100 + int(m.group(2))
        if last > first:
            return Range(Bound(first), Bound(last))
    one = parse_bound(text)
    if one is not None:
        return Range(one, one)
    for sep in _SEPARATOR.finditer(text):
        left, right = text[:sep.start()], text[sep.end():]
        if not left.strip() or not right.strip():
            continue
        a = parse_bound(left)
        b = parse_bound(right) if a is not None else None
        if a is not None and b is not None:
            if (b.first, b.last) < (a.first, a.last):
                a, b = b, a
            return Range(a, b)
    raise BadInput(USAGE)


def parse(text: str) -> tuple[Range, int]:
    """The range and the page asked for ("1917 page 2" -> (1917, 2); no page is page 1)."""
    text, page = _page_of(text)
    if not text.strip():
        raise BadInput(USAGE)
    return parse_range(text), page


def _page_of(text: str) -> tuple[str, int]:
    """The text before "page N", and N (1 when no page is asked for)."""
    page = 1
    m = _PAGE.match(text.strip())
    if m:
        number = m.group("page").strip().rstrip(".")
        if not number:
            raise BadInput("Which page? For example /timeline 1917 page 2")
        if not re.fullmatch(r"[+-]?\d{1,6}", number):
            raise BadInput(f"“{echo(number, 20)}” is not a page number: /timeline 1917 page 2")
        page = int(number)
        if page < 1:
            raise BadInput(f"Pages start at 1: /timeline {m.group('rest').strip() or '1917'} page 1")
        text = m.group("rest")
    return text, page


@dataclass(frozen=True)
class Entry:
    """One event on a timeline."""

    id: str
    name: str
    when: HistDate

    @property
    def order(self) -> tuple[int, int, int, int, str]:
        return (*self.when.time_order(), self.name)


def events(db: Any, rng: Range, packs: Any = None) -> list[Entry]:
    """Every event of the range (of `packs`, every pack when None), by when it truly begins."""
    rows = store.events_in_years(db, rng.start.year, rng.end.year, limit=MAX_EVENTS, packs=packs)
    entries = [Entry(r["id"], r["name"], HistDate.parse(r["date"], r["calendar"])) for r in rows]
    return sorted((e for e in entries if rng.holds(e.when)), key=lambda e: e.order)


def pack_years(db: Any, packs: Any = None) -> tuple[int, int] | None:
    """The first and last year of the packs' dated events (by either calendar), or None when they have none."""
    cond, params = store.in_packs(packs, "e")
    row = db.execute("select min(cast(substr(ev.date, 1, 4) as integer)), max(cast(substr(ev.date, 1, 4) as integer)), "
                     "max(cast(substr(ev.sort_key, 1, 4) as integer)) from events ev join entities e on e.id = ev.id "
                     f"where {cond}", params).fetchone()
    if row is None or row[0] is None:
        return None
    return row[0], max(row[1], row[2])


def _neighbours(db: Any, rng: Range, packs: Any = None) -> tuple[int | None, int | None]:
    """The nearest years before and after the range that have events."""
    cond, params = store.in_packs(packs, "e")
    year = "cast(substr(ev.date, 1, 4) as integer)"
    before = db.execute(f"select max({year}) from events ev join entities e on e.id = ev.id "
                        f"where {year} < ? and {cond}", [rng.start.year, *params]).fetchone()[0]
    after = db.execute(f"select min({year}) from events ev join entities e on e.id = ev.id "
                       f"where {year} > ? and {cond}", [rng.end.year, *params]).fetchone()[0]
    return before, after


def _empty(lookup: Lookup, rng: Range) -> Reply:
    """No events in the range: where the pack's events are instead."""
    title = f"No dated events in {rng.label()}"
    span = pack_years(lookup.db, lookup.packs)
    if span is None:
        return Reply(ok=False, kind="not_found", exit_code=1, title="This pack has no dated events",
                     body="Its entries carry no dates, so there is no timeline to show.")
    first, last = span
    if rng.end.year < first or rng.start.year > last:
        return Reply(ok=False, kind="not_found", exit_code=1, title=title,
                     body=f"This pack's dated events run from {first} to {last}; try a year in that span.",
                     buttons=[Button(str(first if rng.end.year < first else last), "timeline",
                                     str(first if rng.end.year < first else last))])
    buttons: list[Button] = []
    if rng.by_month:
        whole = Range(Bound(rng.start.year), Bound(rng.end.year))
        if events(lookup.db, whole, lookup.packs):
            buttons.append(Button(whole.label(), "timeline", whole.query()))
    if not buttons:
        before, after = _neighbours(lookup.db, rng, lookup.packs)
        buttons = [Button(str(y), "timeline", str(y)) for y in (before, after) if y is not None]
    body = ("Nearest with events: " + " and ".join(b.label for b in buttons) + ".") if buttons else ""
    return Reply(ok=False, kind="not_found", exit_code=1, title=title, body=body, buttons=buttons)


def readings_events(readings: Readings, rng: Range, workspace: str) -> list[Entry]:
    """The days the workspace's readings state within the range, one entry per day and passage, named by a
    short excerpt of the sentence that states it: a timeline for a subject the pack does not cover."""
    entries: dict[tuple[str, str], Entry] = {}
    for r in readings.dates_in_years(workspace, rng.start.year, rng.end.year, limit=READINGS_MAX):
        when = HistDate.parse(r["date"], r["calendar"])
        if not rng.holds(when) or (r["date"], r["passage_id"]) in entries:
            continue
        entries[(r["date"], r["passage_id"])] = Entry(
            r["passage_id"], f"{_sentence(r['text'], r['phrase'])} ({by(r.get('author') or '', r['title'])}, {r['loc']})", when)
    return sorted(entries.values(), key=lambda e: e.order)


def _sentence(text: str, phrase: str) -> str:
    """The sentence of `text` that holds `phrase`, shortened to a line."""
    at = max(text.find(phrase) if phrase else 0, 0)
    before = text.rfind(". ", 0, at)
    start = before + 2 if before >= 0 else 0
    end = text.find(". ", at)
    return excerpt(text[start:end + 1 if end >= 0 else len(text)].strip(), 160)


def reply(lookup: Lookup, text: str, workspace: str = store.SHARED) -> Reply:
    """`/timeline TEXT`: one page of the range's events, with Previous and Next buttons. A range the pack has
    no events for shows the days the group's readings state in it instead, saying so. An event with a span
    ("the Civil War") is the timeline of its span; a person ("Stalin"), the events the pack ties to them."""
    try:
        rng, page = parse(text)
    except BadInput:
        named = _republican_year(lookup, text) or _named(lookup, text, workspace)
        if named is None:
            raise
        return named
    found = events(lookup.db, rng, lookup.packs)
    from_readings = False
    if not found:
        found = readings_events(lookup.readings, rng, workspace)
        from_readings = bool(found)
    if not found:
        return _empty(lookup, rng)
    return _listed(lookup, found, rng.label(), rng.query(), page, rng=rng, from_readings=from_readings)


def _listed(lookup: Lookup, found: list[Entry], label: str, query: str, page: int, rng: Range | None = None,
            from_readings: bool = False, lead: str | None = None, of: bool = False) -> Reply:
    """One page of a timeline's entries, titled by `label` ("Timeline 1917", or with `of` "Timeline of
    Joseph Stalin"), with the buttons that page on (`query`: what to type after /timeline for it)."""
    pages = -(-len(found) // PAGE_SIZE)
    if page > pages:
        last = Button(f"Page {pages}", "timeline", f"{query} page {pages}")
        return Reply(ok=False, kind="error", exit_code=2, title=f"There is no page {page} of {label}",
                     body=f"{label} has {len(found)} event{'s' * (len(found) != 1)} on {pages} "
                          f"page{'s' * (pages != 1)}: the last is /timeline {query} page {pages}",
                     buttons=[last])
    start = (page - 1) * PAGE_SIZE
    shown = found[start:start + PAGE_SIZE]
    lines = [f"• {e.when.display(lookup.rule) if not from_readings else e.when.display_as_stated()}: {e.name}"
             for e in shown]
    if from_readings:
        lines.insert(0, f"The pack has no events in {label}; these are the days the group's readings state:")
    if rng is not None and rng.by_month and lookup.rule.old_style_until is not None and \
            rng.lo < (lookup.rule.old_style_until.year, lookup.rule.old_style_until.month):
        lines.insert(0, f"Dated in {label} by either calendar, Old Style or New Style:")
    if lead:
        lines.insert(0, lead)
    if pages > 1:
        lines.append(f"\nPage {page} of {pages} (events {start + 1}–{start + len(shown)} of {len(found)})")
    else:
        lines.append(f"\n{len(found)} event{'s' * (len(found) != 1)}")
    buttons = []
    if page > 1:
        buttons.append(Button("◀ Previous", "timeline", f"{query} page {page - 1}"))
    if page < pages:
        buttons.append(Button("Next ▶", "timeline", f"{query} page {page + 1}"))
    cites = [c for e in shown for c in lookup.citations(e.id)[:1]] if not from_readings else []
    title = f"Timeline {'of ' if of else ''}{label}" + (f" (page {page} of {pages})" if pages > 1 else "")
    return Reply(ok=True, kind="list", title=title, body="\n".join(lines), citations=cites, buttons=buttons)


def _named(lookup: Lookup, text: str, workspace: str) -> Reply | None:
    """The timeline of an entry named instead of a date: an event's span ("the Civil War": October 1917 to
    1921), or the events the pack ties to a person or a term, in order. None when the text names none of them
    for sure."""
    rest, page = _page_of(text)
    if not rest.strip():
        return None
    rank = lookup.prominence.for_workspace(workspace)
    res = lookup.matcher.resolve(rest, {"event", "person"}, prominence=rank)
    entry = store.entity(lookup.db, res.match.candidate.id) if res.match else None
    if entry is None or entry["type"] == "event" and not entry["end_date"]:  # a day is /when's, not a timeline
        # "the Terror", "the Duma", "NEP" (a term, and the day it began): the events the pack ties to the term
        term = lookup.matcher.resolve(rest, {"term"}, prominence=rank).match
        named = store.entity(lookup.db, term.candidate.id) if term else None
        return of_term(lookup, named, page) if named is not None else None
    if entry["type"] == "event":
        begins, ends = HistDate.parse(entry["date"], entry["calendar"]), HistDate.parse(entry["end_date"],
                                                                                       entry["calendar"])
        rng = Range(Bound(begins.year, begins.month), Bound(ends.year, ends.month))
        # the span itself, by when each event truly begins: not the months around it in either calendar
        first, after = _span(begins, ends)
        found = [e for e in _beginning(lookup, first, after, (rng.start.year, rng.end.year))
                 if e.id != entry["id"]]  # not the span itself
        if not found:
            return None
        return _listed(lookup, found, f"{entry['name']}, {rng.label()}", entry["name"], page, of=True,
                       lead=f"The events from {begins.display(lookup.rule)} to {ends.display(lookup.rule)}:")
    return of_person(lookup, entry, page)


def of_person(lookup: Lookup, person: dict, page: int = 1, lead: str | None = None) -> Reply | None:
    """The events the pack ties to a person (its entry row), in order, one page of them; `lead` opens the
    list. None when the pack ties none to them."""
    return _tied(lookup, person, store.events_of_person(lookup.db, person["id"], lookup.packs), page, lead)


def of_term(lookup: Lookup, term: dict, page: int = 1) -> Reply | None:
    """The events the pack ties to a term (its entry row: the events in its `related`, and those naming it in
    theirs), in order ("/timeline the Duma"); None when it ties none. Never events that only share a word with
    it: the White Terror of 1795 is not the Terror's. An event of more than a year is the period around the
    term, not one of its events (the French Revolution, begun in 1789, is no event of the Terror)."""
    rows = store.events_among(lookup.db, store.related_ids(lookup.db, term["id"]), lookup.packs)
    return _tied(lookup, term, [r for r in rows if not _longer_than_a_year(r)], page)


def _longer_than_a_year(row: dict) -> bool:
    """Whether an event row's span (date to end_date) lasts more than a year."""
    if not row["end_date"]:
        return False
    begins, after = _span(HistDate.parse(row["date"], row["calendar"]), HistDate.parse(row["end_date"], row["calendar"]))
    return (dt.date(*after) - dt.date(*begins)).days > 366


def _tied(lookup: Lookup, entry: dict, rows: list[dict], page: int, lead: str | None = None) -> Reply | None:
    found = sorted((Entry(r["id"], r["name"], HistDate.parse(r["date"], r["calendar"])) for r in rows),
                   key=lambda e: e.order)
    if not found:
        return None
    return _listed(lookup, found, entry["name"], entry["name"], page, of=True,
                   lead=lead or f"The events the pack ties to {entry['name']}:")


def _span(begins: HistDate, ends: HistDate) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The first New Style day of a span and the day after its last, as (year, month, day)."""
    return _ymd(begins.first_day()), _ymd(_after(ends))


def _beginning(lookup: Lookup, first: tuple[int, int, int], after: tuple[int, int, int],
               years: tuple[int, int]) -> list[Entry]:
    """The events of these years (by either calendar) that truly begin from the New Style day `first` to before
    `after`, in order."""
    return [e for e in events(lookup.db, Range(Bound(years[0]), Bound(years[1])), lookup.packs)
            if first <= _ymd(e.when.first_day()) < after]


def _ymd(day: HistDate) -> tuple[int, int, int]:
    return day.year, day.month or 1, day.day or 1


def _after(when: HistDate) -> HistDate:
    """The first New Style day after the day, month or year `when` names (in its own calendar)."""
    if when.month is None:
        return HistDate(when.year + 1, 1, 1, when.calendar).new_style
    if when.day is None:
        y, m = (when.year + 1, 1) if when.month == 12 else (when.year, when.month + 1)
        return HistDate(y, m, 1, when.calendar).new_style
    ns = when.new_style
    assert ns.month is not None and ns.day is not None
    nxt = dt.date(ns.year, ns.month, ns.day) + dt.timedelta(days=1)
    return HistDate(nxt.year, nxt.month, nxt.day, "gregorian")


def _republican_year(lookup: Lookup, text: str) -> Reply | None:
    """"/timeline Year II" in a pack that shows the French Republican calendar: the events of that year, 22
    September 1793 to 21 September 1794, by the day each began. None for any other text or pack."""
    rest, page = _page_of(text)
    year = republican_year(rest)
    if year is None or lookup.rule.republican is None:
        return None
    if not 1 <= year <= 14:
        raise BadInput("The Republican calendar ran from Year I (1792) to Year XIV (1805).")
    to_gregorian = calendar_module("french_republican").to_gregorian
    first, after = to_gregorian(year, 1, 1), to_gregorian(year + 1, 1, 1)
    found = _beginning(lookup, first, after, (first[0], after[0]))
    last = dt.date(*after) - dt.timedelta(days=1)
    label = f"Year {roman(year)}, {first[2]} {MONTHS[first[1] - 1]} {first[0]} – {last.day} {MONTHS[last.month - 1]} {last.year}"
    if not found:
        return Reply(ok=False, kind="not_found", exit_code=1, title=f"No dated events in Year {roman(year)}",
                     body=f"Year {roman(year)} of the Republic ran from {first[2]} {MONTHS[first[1] - 1]} {first[0]}.")
    return _listed(lookup, found, label, f"Year {roman(year)}", page)


def event_years(lookup: Lookup, text: str) -> tuple[int, int] | None:
    """The first and last year of the event that lasted that `text` names for sure ("the Civil War": 1917,
    1921), or None."""
    res = lookup.matcher.resolve(text.strip(), {"event"})
    entry = store.entity(lookup.db, res.match.candidate.id) if res.match else None
    if entry is None or not entry["end_date"]:
        return None
    return (HistDate.parse(entry["date"], entry["calendar"]).year,
            HistDate.parse(entry["end_date"], entry["calendar"]).year)
