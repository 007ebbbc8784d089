"""Content packs: YAML files -> validated records. Pure, no database.

Every problem in a pack is collected with its file and line and reported together (PackInvalid), so an
author fixes a pack in one pass and never sees a traceback. The format is documented in content/README.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.dates import DateError, HistDate
from bot.names import TITLE_WORDS, is_title, name_key

Period = Literal["1891-1916", "1917", "1918-1928", "1929-1953", "1954-1991"]
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


class Event(_Entry):
    date: str
    calendar: Literal["julian", "gregorian"]
    end: str | None = None
    people: list[str] = []

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
    calendar: Literal["julian-until-1918", "julian-domestic-until-1918", "gregorian", "unknown",
                      "gregorian-outside-russia"] = "gregorian"
    note: str | None = None


class PackMeta(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str | None = None
    readings: list[Reading] = []


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a pack, where it is."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PackInvalid(Exception):
    """A pack with problems; str() lists every one of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the content pack:\n" + "\n".join(map(str, problems)))


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


def pack_files(pack_dir: Path) -> list[Path]:
    return sorted(p for p in pack_dir.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def fingerprint(pack_dir: Path) -> str:
    """A hash of every pack file's name and bytes: changes exactly when the pack does."""
    h = hashlib.sha256()
    for p in pack_files(pack_dir):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:32]


def _load_yaml(text: str) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML and remember the line of every value by its path (keys and list indexes)."""
    lines: dict[tuple, int] = {}
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    constructor = yaml.SafeLoader("")

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
            data, lines = _load_yaml(path.read_text(encoding="utf-8"))
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
                    records[section].append((_MODELS[section].model_validate(item), fname, _line_for(lines, (section, i))))
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

    if problems:
        raise PackInvalid(sorted(set(problems), key=lambda p: (p.file, p.line, p.message)))
    assert meta is not None
    pack = Pack(meta=meta, fingerprint=fingerprint(pack_dir))
    for section in SECTIONS:
        getattr(pack, section).extend(rec for rec, _, _ in records[section])
    return pack
