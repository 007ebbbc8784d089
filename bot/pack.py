"""Content packs: YAML files -> validated records. Pure, no database.

Every problem in a pack is collected with its file and line and reported together (PackInvalid), so an
author fixes a pack in one pass and never sees a traceback. The format is documented in content/README.md.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.packfiles import PackInvalid, Problem, fingerprint, pack_files  # noqa: F401  (kept importable from here)
from bot.dates import CalendarRule, RUSSIA_SWITCH_NS, DateError, HistDate, calendar_module
from bot.names import TITLE_WORDS, Candidate, Matcher, is_title, name_key
from bot.services.grading import grade

# a question's period: a year or a range of years, one of those its pack lists under `periods`
Period = Annotated[str, Field(pattern=r"^[0-9]{3,4}(?:-[0-9]{3,4})?$")]
TermKind = Literal["party", "institution", "organisation", "concept", "policy", "place", "document"]
SECTIONS = ("people", "terms", "events", "questions")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class SourceRef(_Strict):
    """A citation of one reading, optionally with where in it ("para 412", a chapter title)."""

    reading: str
    loc: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_bare_id(cls, v: Any) -> Any:
        return {"reading": v} if isinstance(v, str) else v

    @field_validator("loc", mode="before")
    @classmethod
    def _loc_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v


def _text_list(v: Any) -> Any:
    if v is None:
        return []
    if isinstance(v, (str, int)):
        return [str(v)]
    return [str(x) if isinstance(x, (int, float)) else x for x in v] if isinstance(v, list) else v


class _Entry(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    name: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=20, max_length=2000)
    aliases: list[str] = []
    related: list[str] = []
    sources: list[SourceRef] = Field(min_length=1)

    _lists = field_validator("aliases", "related", mode="before")(classmethod(lambda cls, v: _text_list(v)))


class Person(_Entry):
    full_name: str | None = None
    born: str | None = None
    died: str | None = None
    roles: list[str] = []
    variants: list[str] = []
    # Offices this pack's readers mean this person by when they type the title alone: "Tsar", "the Kaiser".
    # Several people may hold one; /who offers those who list it first, then those whose names begin with it
    # ("Tsar Alexander II"), likeliest first. Stored with the other names (a name made only of title words is
    # a title to the matcher, never a name of its own), so they are also in `variants`.
    titles: list[str] = []
    disambiguation: str | None = None

    _more_lists = field_validator("roles", "variants", "titles", mode="before")(classmethod(lambda cls, v: _text_list(v)))

    @model_validator(mode="before")
    @classmethod
    def _titles_are_names_too(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("titles"):
            titles, variants = _text_list(data["titles"]), _text_list(data.get("variants"))
            if isinstance(titles, list) and isinstance(variants, list):
                data = {**data, "variants": [*variants, *(t for t in titles if isinstance(t, str))]}
        return data

    @field_validator("titles")
    @classmethod
    def _only_title_words(cls, v: list[str]) -> list[str]:
        for t in v:
            if not is_title(t):
                words = ", ".join(sorted(set(TITLE_WORDS) - {"the"}))
                raise ValueError(f"title {t!r} must be made of title words only (the, {words})")
        return v

    @field_validator("born", "died", mode="before")
    @classmethod
    def _life_date(cls, v: Any) -> Any:
        if v is None:
            return None
        try:
            return HistDate.parse(v if not isinstance(v, int) else str(v)).iso()
        except DateError as e:
            raise ValueError(str(e)) from None


class Term(_Entry):
    kind: TermKind
    # the term's one-word names that are also adjectives meaning something else ("Soviet" of Soviet troops, Soviet
    # power: the USSR's, not a council's): such a word alone links a reading's passage to the term only where it
    # stands as a noun (bot/ingest/link.py, LinkTables.adjectives); lookups take it as ever
    adjectives: list[str] = []

    _adjective_list = field_validator("adjectives", mode="before")(classmethod(lambda cls, v: _text_list(v)))

    @model_validator(mode="after")
    def _adjectives_are_its_names(self) -> Term:
        names = {self.name, *self.aliases}
        for word in self.adjectives:
            if word not in names or len(word.split()) != 1:
                raise ValueError(f"adjective {word!r} must be one word, and the term's name or one of its aliases")
        return self


class Event(_Entry):
    date: str
    calendar: Literal["julian", "gregorian"]
    end: str | None = None
    people: list[str] = []
    # domestic: in Russia, so Old Style before 14 Feb 1918; international: wars abroad, treaties with foreign
    # powers, events outside Russia, always New Style
    scope: Literal["domestic", "international"] = "domestic"
    # about people after their death (a reburial, a statue toppled, a speech denouncing the dead): the people
    # listed may have died before it
    posthumous: bool = False

    _people_list = field_validator("people", mode="before")(classmethod(lambda cls, v: _text_list(v)))

    @field_validator("date", "end", mode="before")
    @classmethod
    def _date_text(cls, v: Any) -> Any:
        if isinstance(v, (dt.date, int)):
            return v.isoformat() if isinstance(v, dt.date) else str(v)
        return v

    @model_validator(mode="after")
    def _dates_exist(self) -> Event:
        try:
            start = HistDate.parse(self.date, self.calendar)
            if self.end is not None and HistDate.parse(self.end, self.calendar).sort_key() < start.sort_key():
                raise ValueError(f"end {self.end} is before date {self.date}")
        except DateError as e:
            raise ValueError(str(e)) from None
        return self

    @property
    def when(self) -> HistDate:
        return HistDate.parse(self.date, self.calendar)

    @property
    def until(self) -> HistDate | None:
        return HistDate.parse(self.end, self.calendar) if self.end else None


class Question(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    question: str = Field(min_length=10, max_length=500)
    answer: str = Field(min_length=1, max_length=200)
    options: list[str] = Field(min_length=2, max_length=6)
    accept: list[str] = []
    difficulty: Literal["easy", "medium", "hard"]
    period: Period
    topic: str = Field(min_length=1, max_length=100)
    about: list[str] = []
    explanation: str = Field(min_length=10, max_length=1000)
    sources: list[SourceRef] = Field(min_length=1)

    _lists = field_validator("options", "accept", "about", mode="before")(classmethod(lambda cls, v: _text_list(v)))
    _answer = field_validator("answer", mode="before")(classmethod(lambda cls, v: str(v) if isinstance(v, int) else v))

    @model_validator(mode="after")
    def _answer_in_options(self) -> Question:
        if self.options.count(self.answer) != 1:
            raise ValueError(f"answer {self.answer!r} must appear exactly once in options")
        if len(set(self.options)) != len(self.options):
            raise ValueError("options repeat")
        return self


class Reading(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    author: str
    year: int | None = None
    kind: str | None = None
    file: str | None = None
    # how the reading writes unmarked dates; None: read from the reading's own marks when it is ingested
    calendar: Literal["julian-until-1918", "julian-domestic-until-1918", "gregorian", "unknown",
                      "gregorian-outside-russia"] | None = None
    note: str | None = None


class Span(_Strict):
    start: dt.date = Field(alias="from")
    until: dt.date


class Calendars(_Strict):
    """pack.yaml `calendars:` which calendars the pack's dates are shown in, and when (none: Gregorian only).
    Russia: `old_style_until: 1918-02-14`; France: `republican: {from: 1792-09-22, until: 1805-12-31}`."""

    old_style_until: dt.date | None = None
    republican: Span | None = None


class PackMeta(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str | None = None
    banner: str | None = None  # what the pack is about, as the start banner says it: "ask about {banner}"
    # the quiz periods its questions fall in; none listed: any year or range of years will do
    periods: list[Annotated[str, Field(pattern=r"^[0-9]{3,4}(?:-[0-9]{3,4})?$")]] = []
    calendars: Calendars = Field(default_factory=lambda: Calendars())
    readings: list[Reading] = []

    @property
    def rule(self) -> CalendarRule:
        """How the pack's dates are shown (bot.dates.CalendarRule)."""
        return CalendarRule.from_pack(self.calendars.model_dump(by_alias=True) if self.calendars else None)


@dataclass
class Pack:
    """A loaded, valid content pack."""

    meta: PackMeta
    people: list[Person] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def readings(self) -> dict[str, Reading]:
        return {r.id: r for r in self.meta.readings}

    def entries(self) -> list[Person | Term | Event]:
        return [*self.people, *self.terms, *self.events]


_MODELS: dict[str, type[BaseModel]] = {"people": Person, "terms": Term, "events": Event, "questions": Question}


# libyaml's parser where PyYAML was built with it (its wheels are): the same nodes and lines, a quarter of the time
# of the pure-Python one (a pack of 2 MB of YAML took 3.5 s to parse, the slowest part of indexing it)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(text: str) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML and remember the line of every value by its path (keys and list indexes)."""
    lines: dict[tuple, int] = {}
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    constructor = _LOADER("")

    def walk(n: yaml.Node, path: tuple) -> Any:
        lines[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            out = {}
            for k, v in n.value:
                key = constructor.construct_object(k, deep=True)
                out[key] = walk(v, path + (key,))
            return out
        if isinstance(n, yaml.SequenceNode):
            return [walk(v, path + (i,)) for i, v in enumerate(n.value)]
        return constructor.construct_object(n, deep=True)

    return (walk(node, ()) if node is not None else None), lines


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [] if v is None else [v]


def _line_for(lines: dict[tuple, int], path: tuple) -> int:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


@dataclass(frozen=True)
class _Where:
    """Where a valid record was written: its file, the lines of every value there, and its own path."""

    file: str
    lines: dict[tuple, int]
    base: tuple
    text: list[str]  # the file's lines

    def line(self, *path: Any) -> int:
        return _line_for(self.lines, self.base + path)


def load_pack(pack_dir: Path | str) -> Pack:
    """Load and validate a pack directory.

    Raises:
        PackInvalid: listing every problem found, each with file and line.
    """
    pack_dir = Path(pack_dir)
    problems: list[Problem] = []
    if not pack_dir.is_dir():
        raise PackInvalid([Problem(str(pack_dir), 0, "no such content pack directory")])
    meta: PackMeta | None = None
    records: dict[str, list[tuple[BaseModel, str, int]]] = defaultdict(list)
    where: dict[int, _Where] = {}  # id(record) -> where its fields are, for the content checks
    raw: dict[str, list[tuple[Any, str, int]]] = defaultdict(list)

    def schema_problems(err: ValidationError, fname: str, lines: dict, base: tuple) -> None:
        for e in err.errors():
            loc = base + tuple(e["loc"])
            where = ".".join(str(x) for x in loc)
            msg = e["msg"].removeprefix("Value error, ")
            problems.append(Problem(fname, _line_for(lines, loc), f"{where}: {msg}"))

    files = pack_files(pack_dir)
    if not any(p.stem == "pack" for p in files):
        problems.append(Problem(str(pack_dir / "pack.yaml"), 0, "missing pack.yaml (id, title, readings)"))
    for path in files:
        fname = f"{pack_dir.name}/{path.name}"
        try:
            text = path.read_text(encoding="utf-8")
            data, lines = _load_yaml(text)
        except UnicodeDecodeError as e:
            problems.append(Problem(fname, 1, f"not UTF-8 text ({e.reason})"))
            continue
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            problems.append(Problem(fname, (mark.line + 1) if mark else 1, f"YAML syntax: {getattr(e, 'problem', e)}"))
            continue
        if path.stem == "pack":
            try:
                meta = PackMeta.model_validate(data)
            except ValidationError as e:
                schema_problems(e, fname, lines, ())
            continue
        if not isinstance(data, dict) or not data:
            problems.append(Problem(fname, 1, f"expected a mapping with one of: {', '.join(SECTIONS)}"))
            continue
        for section, items in data.items():
            if section not in _MODELS:
                problems.append(Problem(fname, _line_for(lines, (section,)), f"unknown section {section!r} (use {', '.join(SECTIONS)})"))
                continue
            if not isinstance(items, list):
                problems.append(Problem(fname, _line_for(lines, (section,)), f"{section} must be a list"))
                continue
            for i, item in enumerate(items):
                raw[section].append((item, fname, _line_for(lines, (section, i))))
                try:
                    rec = _MODELS[section].model_validate(item)
                    records[section].append((rec, fname, _line_for(lines, (section, i))))
                    where[id(rec)] = _Where(fname, lines, (section, i), text.splitlines())
                except ValidationError as e:
                    schema_problems(e, fname, lines, (section, i))

    # Cross-references are checked on every entry as written, valid or not, so one pass finds them all.
    raws = [(sec, item, f, ln) for sec in SECTIONS for item, f, ln in raw[sec] if isinstance(item, dict)]
    readings = {r.id for r in meta.readings} if meta else set()
    ids: dict[str, tuple[str, int]] = {}
    for _, item, fname, line in raws:
        rid = str(item.get("id"))
        if rid in ids:
            problems.append(Problem(fname, line, f"duplicate id {rid!r} (first at {ids[rid][0]}:{ids[rid][1]})"))
        else:
            ids[rid] = (fname, line)
    periods = set(meta.periods) if meta else set()
    for sec, item, fname, line in raws:
        if (periods and sec == "questions" and isinstance(item.get("period"), str)
                and item["period"] not in periods):
            problems.append(Problem(fname, line, f"{item.get('id')}: period {item['period']!r} is not one of the "
                                                 f"pack's periods ({', '.join(sorted(periods))})"))
    entity_ids = {str(item.get("id")) for sec, item, _, _ in raws if sec != "questions"}
    person_ids = {str(item.get("id")) for sec, item, _, _ in raws if sec == "people"}
    for _, item, fname, line in raws:
        rid = item.get("id")
        for src in _as_list(item.get("sources")):
            reading = src.get("reading") if isinstance(src, dict) else src
            if meta and isinstance(reading, str) and reading not in readings:
                problems.append(Problem(fname, line, f"{rid}: unknown reading {reading!r} in sources"))
        for key, known in (("related", entity_ids), ("about", entity_ids), ("people", person_ids)):
            for t in _as_list(item.get(key)):
                if str(t) not in known:
                    what = "person" if key == "people" else "entry"
                    problems.append(Problem(fname, line, f"{rid}: {key} names unknown {what} {t!r}"))
    person_names: dict[str, list[tuple[Person, str, int]]] = defaultdict(list)
    for rec, fname, line in records["people"]:
        assert isinstance(rec, Person)
        for alias in {name_key(a) for a in [rec.name, *([rec.full_name] if rec.full_name else []), *rec.aliases, *rec.variants]
                      if not is_title(a)}:  # a title ("Tsar") is meant to be shared
            if alias:
                person_names[alias].append((rec, fname, line))
    for alias, owners in person_names.items():
        distinct = {p.id: (p, f, ln) for p, f, ln in owners}
        if len(distinct) > 1 and not all(p.disambiguation for p, _, _ in distinct.values()):
            names = ", ".join(sorted(distinct))
            for p, f, ln in distinct.values():
                problems.append(Problem(f, ln, f"{p.id}: name or alias {alias!r} is shared by {names}; remove it or add a disambiguation note to each"))
    problems += _content_problems(records, where, meta)
    problems += _draft_problems(files, pack_dir)

    if problems:
        raise PackInvalid(sorted(set(problems), key=lambda p: (p.file, p.line, p.message)))
    assert meta is not None
    pack = Pack(meta=meta, fingerprint=fingerprint(pack_dir))
    for section in SECTIONS:
        getattr(pack, section).extend(rec for rec, _, _ in records[section])
    return pack


# --- content checks: what a schema cannot see -------------------------------------------------------


def _draft_problems(files: list[Path], pack_dir: Path) -> list[Problem]:
    """Every TODO a draft (`clio pack draft`) left for its editor, outside comments."""
    out = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue  # reported as unreadable above
        for n, line in enumerate(lines, 1):
            if "TODO" in line.split("#", 1)[0] if not line.lstrip().startswith("#") else False:
                out.append(Problem(f"{pack_dir.name}/{path.name}", n, "still a draft: write this TODO in your own words"))
    return out


def _content_problems(records: dict[str, list[tuple[BaseModel, str, int]]], where: dict[int, _Where],
                      meta: PackMeta | None) -> list[Problem]:
    """Problems in what valid entries say: an Old Style rule broken, a summary that dates the event
    otherwise, a wrong option the quiz would grade right, a person named in an event outside their life."""
    people = {rec.id: rec for rec, _, _ in records["people"] if isinstance(rec, Person)}
    events = [rec for rec, _, _ in records["events"] if isinstance(rec, Event)]
    questions = [rec for rec, _, _ in records["questions"] if isinstance(rec, Question)]
    cited = _reading_words(meta)
    out: list[Problem] = []
    for e in events:
        w = where[id(e)]
        out += _calendar_problems(e, w, meta.rule if meta else CalendarRule())
        out += _summary_date_problems(e, w, cited)
        out += _life_problems(e, w, people)
    if questions:
        matcher = _pack_matcher([rec for sec in ("people", "terms", "events") for rec, _, _ in records[sec]])
        for q in questions:
            out += _question_problems(q, where[id(q)], matcher)
    return out


def _calendar_problems(e: Event, w: _Where, rule: CalendarRule) -> list[Problem]:
    """A domestic event before the switch stored in New Style (in a pack that shows Old Style dates)."""
    if e.scope != "domestic" or e.calendar != "gregorian" or not e.when.in_julian_era(rule):
        return []
    twin = f" ({e.when.plain()} N.S. is {e.when.old_style.plain()} O.S.)" if e.when.precise else ""
    return [Problem(w.file, w.line("date"),
                    f"{e.id}: dated New Style, but a domestic event before {RUSSIA_SWITCH_NS.day} Feb "
                    f"{RUSSIA_SWITCH_NS.year} is dated Old Style{twin}: give the Old Style date with calendar: julian, "
                    "or mark an event abroad scope: international")]


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_M = "|".join(_MONTHS)
_DAY_MONTH = (rf"(?:(?P<d1>\d{{1,2}})(?:\s*[-–]\s*\d{{1,2}})?\s+(?P<m1>{_M})(?:,?\s+(?P<y1>\d{{4}}))?"
              rf"|(?P<m2>{_M})\s+(?P<d2>\d{{1,2}})(?:\s*[-–]\s*\d{{1,2}})?(?:,?\s+(?P<y2>\d{{4}}))?)\b")
# A summary ties a date to its own event in two ways only (anything else may be the date of something else,
# "after Austria declared war on Serbia on 28 July"): by opening with it, "On 24 October ...", or by a
# dating statement about it, "standard accounts put the raid in the early hours of 24 October". A dating
# statement whose subject is a reading ("Figes dates it ...") reports that reading's claim, not the pack's.
_OPENING = re.compile(rf"^(?:On|Early on|Late on|(?:On|In) the (?:night|morning|afternoon|evening|early hours) of)"
                      rf"\s+{_DAY_MONTH}")
_DATING = re.compile(rf"(?P<who>(?:[\w'’-]+\s+){{0,2}})(?:puts?|placed|places|dates?|dated|sets?)\s+"
                     rf"(?:it|(?:the|this|its|that)(?:\s+[\w'’-]+){{1,3}}?)\s+(?:(?:to|on|in|at|as|from)\s+)?"
                     rf"(?:the\s+(?:early\s+hours|night|morning|afternoon|evening)\s+of\s+)?{_DAY_MONTH}")
_PRONOUNS = frozenset({"he", "she"})  # "He dates the attack from 16 June": the reading's author just named


def _reading_words(meta: PackMeta | None) -> frozenset[str]:
    """Words that name one of the pack's readings in a summary: Figes, the Spark, the Petrograd articles."""
    words = set(_PRONOUNS)
    for r in meta.readings if meta else []:
        for text in (r.id.replace("-", " "), r.author.split("(")[0]):
            words |= {w.lower() for w in re.findall(r"[A-Za-z]+", text) if len(w) >= 4 and w.lower() != "the"}
    return frozenset(words)


def _ns_bounds(h: HistDate) -> tuple[dt.date, dt.date]:
    """The first and last New Style day a date (perhaps only a month or a year) can mean."""
    month = h.month or 12
    last_day = calendar_module("julian").month_length(h.year, month) if h.calendar == "julian" else calendar.monthrange(h.year, month)[1]
    lo = HistDate(h.year, h.month or 1, h.day or 1, h.calendar).new_style
    hi = HistDate(h.year, month, h.day or last_day, h.calendar).new_style
    return dt.date(lo.year, lo.month or 1, lo.day or 1), dt.date(hi.year, hi.month or 1, hi.day or 1)


def _summary_date_problems(e: Event, w: _Where, cited: frozenset[str]) -> list[Problem]:
    """A day and month (and year, when given) the summary ties to the event that its date does not allow, in
    either calendar."""
    text = " ".join(e.summary.split())
    lo, hi = _ns_bounds(e.when)[0], _ns_bounds(e.until or e.when)[1]
    found = [m for m in [_OPENING.match(text)] if m]
    found += [m for m in _DATING.finditer(text) if cited.isdisjoint(m["who"].lower().split())]
    out = []
    for m in found:
        day, month = int(m["d1"] or m["d2"]), _MONTHS.index(m["m1"] or m["m2"]) + 1
        year = m["y1"] or m["y2"]
        years = [int(year)] if year else range(lo.year - 1, hi.year + 2)
        if not any(lo <= d <= hi for d in _days_meant(day, month, years)):
            start = m.start("d1") if m["d1"] else m.start("m2")
            dated = e.when.display() + (f" to {e.until.display()}" if e.until else "")
            out.append(Problem(w.file, _text_line(w, "summary", text, start),
                               f"{e.id}: the summary dates the event {text[start:m.end()]!r}, but its date is {dated}"))
    return out


def _days_meant(day: int, month: int, years: Any) -> list[dt.date]:
    """The New Style days a day and month may mean, read in either calendar."""
    out = []
    for y in years:
        for cal in ("julian", "gregorian"):
            try:
                ns = HistDate.parse(f"{y:04d}-{month:02d}-{day:02d}", cal).new_style
            except DateError:
                continue
            out.append(dt.date(ns.year, ns.month or 1, ns.day or 1))
    return out


def _text_line(w: _Where, key: str, text: str, pos: int) -> int:
    """The file line of the word at `pos` in a field's text (its words joined by single spaces)."""
    line = w.line(key)
    first = w.text[line - 1] if 0 < line <= len(w.text) else ""
    block = re.search(r":\s*[>|][-+0-9]*\s*(#.*)?$", first)
    words_before = len(text[:pos].split())
    i = line if block else line - 1  # 0-based index of the first line holding text
    seen = 0 if block else -len(first.split(":", 1)[0].split())  # the key's own words on its line
    while i < len(w.text):
        seen += len(w.text[i].split())
        if seen > words_before:
            return i + 1
        i += 1
    return line


def _life_problems(e: Event, w: _Where, people: dict[str, Person]) -> list[Problem]:
    """A person listed in an event dated wholly before their birth or after their death (posthumous events
    excepted; a funeral or burial within a year of the death)."""
    lo, hi = _ns_bounds(e.when)[0], _ns_bounds(e.until or e.when)[1]
    grace = None if e.posthumous or _POSTHUMOUS.search(e.name) else 366 if _FUNERAL.search(e.name) else 0
    out = []
    for j, pid in enumerate(e.people):
        p = people.get(pid)
        if p is None:
            continue
        dated = e.when.display() + (f" to {e.until.display()}" if e.until else "")
        if p.born and hi < _ns_bounds(HistDate.parse(p.born))[0]:
            out.append(Problem(w.file, w.line("people", j),
                               f"{e.id}: people names {pid}, born {p.born}, but the event is dated {dated}"))
        if p.died and grace is not None and lo > _ns_bounds(HistDate.parse(p.died))[1] + dt.timedelta(days=grace):
            out.append(Problem(w.file, w.line("people", j),
                               f"{e.id}: people names {pid}, who died {p.died}, but the event is dated {dated}; "
                               "list them under related, or mark a posthumous event posthumous: true"))
    return out


_POSTHUMOUS = re.compile(r"rebur|rehabilitat|posthum|exhum", re.IGNORECASE)  # any time after the death
_FUNERAL = re.compile(r"funeral|burial|buried|memorial|lying in state", re.IGNORECASE)  # within a year of it


def _pack_matcher(entries: list[BaseModel]) -> Matcher:
    """The quiz's name matcher over this pack's entries, as the index would build it."""
    matcher = Matcher()
    kinds = {Person: "person", Term: "term", Event: "event"}
    for e in entries:
        assert isinstance(e, (Person, Term, Event))
        names = [e.name, *([e.full_name] if isinstance(e, Person) and e.full_name else []),
                 *(e.variants if isinstance(e, Person) else []), *e.aliases]
        matcher.add(Candidate(e.id, e.name, kinds[type(e)]), list(dict.fromkeys(n.strip() for n in names if n.strip())),
                    person=isinstance(e, Person))
    return matcher


def _question_problems(q: Question, w: _Where, matcher: Matcher) -> list[Problem]:
    """A wrong option that the quiz's grader would take for the answer key (the answer or an accepted form):
    typed in an open-mode quiz, it would score."""
    out = []
    for j, option in enumerate(q.options):
        if option == q.answer:
            continue
        if grade(option, q.answer, q.accept, matcher).correct:
            accepted = f" or its accepted forms {q.accept}" if q.accept else ""
            out.append(Problem(w.file, w.line("options", j),
                               f"{q.id}: the quiz would grade the wrong option {option!r} right: it matches the "
                               f"answer {q.answer!r}{accepted}"))
    return out
