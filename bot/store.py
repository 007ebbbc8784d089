"""SQLite storage through sqlite-utils: schema migrations, the pack index, and every query the services run.

All SQL of the project lives here. The pack index is rebuilt in one transaction, keyed by stable ids, so a
rebuild of the same pack leaves the same rows and a failed one leaves the old index in place.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from bot import concurrency
from bot.dates import CalendarRule

if TYPE_CHECKING:  # bot.pack (pydantic) is imported only where a pack is indexed: `clio ask` never needs it
    import sqlite_utils

    from bot.pack import Event, Pack, Person, Term



class _Migrations:
    """sqlite-utils' Migrations, registered the same way (`@migrations()`), made only when a database has one
    to apply: a process that opens an up-to-date database (`clio ask`) then never imports sqlite-utils."""

    table = "_sqlite_migrations"  # sqlite-utils' own

    def __init__(self, name: str):
        self.name = name
        self._registered: list[tuple[str, Callable[..., None], bool]] = []

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable[[Any], Any]:
        def inner(fn: Any) -> Any:
            migration = name or fn.__name__
            if any(m[0] == migration for m in self._registered):
                raise ValueError(f"Migration '{migration}' is already registered in set '{self.name}'")
            self._registered.append((migration, fn, transactional))
            return fn

        return inner

    def _all_applied(self, db: sqlite_utils.Database) -> bool:
        try:
            done = {r[0] for r in db.execute(f"select name from {self.table} where migration_set = ?", [self.name])}
        except sqlite3.OperationalError:  # no migration applied yet
            return False
        return all(m[0] in done for m in self._registered)

    def apply(self, db: sqlite_utils.Database) -> None:
        if self._all_applied(db):
            return
        from sqlite_utils.migrations import Migrations

        real = Migrations(self.name)
        for name, fn, transactional in self._registered:
            real(name=name, transactional=transactional)(fn)
        real.apply(getattr(db, "full", db))  # sqlite-utils' own Database (see concurrency.LightDatabase)


migrations = _Migrations("clio")

ENTITY_FTS_COLUMNS = ["name", "full_name", "aliases_text", "summary"]


@migrations()
def m001_pack_index(db: sqlite_utils.Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["readings"].create(
        {"id": str, "pack": str, "title": str, "author": str, "year": int, "kind": str, "file": str,
         "calendar": str, "note": str},
        pk="id",
    )
    db["entities"].create(
        {"id": str, "pack": str, "type": str, "kind": str, "name": str, "full_name": str, "summary": str,
         "born": str, "died": str, "roles": str, "aliases_text": str},
        pk="id",
    )
    db["entities"].create_index(["type"])
    db["aliases"].create({"entity_id": str, "alias": str, "is_name": int}, pk=("entity_id", "alias"),
                         foreign_keys=[("entity_id", "entities", "id")])
    db["related"].create({"entity_id": str, "related_id": str}, pk=("entity_id", "related_id"),
                         foreign_keys=[("entity_id", "entities", "id")])
    db["citations"].create({"entity_id": str, "reading_id": str, "loc": str, "position": int},
                           pk=("entity_id", "position"), foreign_keys=[("entity_id", "entities", "id")])
    db["events"].create(
        {"id": str, "date": str, "calendar": str, "end_date": str, "precise": int, "sort_key": str,
         "os_month": int, "os_day": int, "ns_month": int, "ns_day": int, "people": str},
        pk="id", foreign_keys=[("id", "entities", "id")],
    )
    db["events"].create_index(["sort_key"])
    db["events"].create_index(["ns_month", "ns_day"])
    db["events"].create_index(["os_month", "os_day"])
    db["questions"].create(
        {"id": str, "pack": str, "question": str, "answer": str, "options": str, "accept": str,
         "difficulty": str, "period": str, "topic": str, "about": str, "explanation": str, "sources": str},
        pk="id",
    )
    db["entities"].enable_fts(ENTITY_FTS_COLUMNS, create_triggers=True, tokenize="porter unicode61 remove_diacritics 2")


SHARED = "shared"  # the workspace of readings every workspace sees (ingested by the operator)


@migrations()
def m002_readings_ingest(db: sqlite_utils.Database) -> None:
    db["sources"].create(
        {"id": str, "workspace": str, "title": str, "author": str, "filename": str, "kind": str, "bytes": int,
         "sha256": str, "calendar": str, "added_at": str, "passages": int},
        pk="id",
    )
    db["sources"].create_index(["workspace"])
    db["passages"].create(
        {"id": str, "source_id": str, "workspace": str, "seq": int, "para": int, "section": str, "loc": str,
         "text": str},
        pk="id", foreign_keys=[("source_id", "sources", "id")],
    )
    db["passages"].create_index(["source_id", "seq"])
    db["passages"].enable_fts(["text"], create_triggers=True, tokenize="porter unicode61 remove_diacritics 2")
    db["passage_entities"].create({"passage_id": str, "entity_id": str, "source_id": str, "mentions": int},
                                  pk=("passage_id", "entity_id"), foreign_keys=[("passage_id", "passages", "id")])
    db["passage_entities"].create_index(["entity_id"])
    db["passage_dates"].create(
        {"passage_id": str, "source_id": str, "phrase": str, "date": str, "calendar": str, "os_month": int,
         "os_day": int, "ns_month": int, "ns_day": int, "sort_key": str},
        foreign_keys=[("passage_id", "passages", "id")],
    )
    db["passage_dates"].create_index(["ns_month", "ns_day"])
    db["passage_dates"].create_index(["os_month", "os_day"])
    db["passage_dates"].create_index(["passage_id"])
    db["candidates"].create({"source_id": str, "key": str, "name": str, "mentions": int, "example_loc": str},
                            pk=("source_id", "key"), foreign_keys=[("source_id", "sources", "id")])


@migrations()
def m003_workspaces(db: sqlite_utils.Database) -> None:
    db["workspace_removals"].create({"workspace": str, "removed_at": str, "purge_after": str}, pk="workspace")


@migrations()
def m004_schedule(db: sqlite_utils.Database) -> None:
    db["subscriptions"].create(
        {"workspace": str, "channel": str, "ref": str, "post_time": str, "timezone": str, "active": int,
         "paused_reason": str, "created_by": str, "updated_at": str},
        pk=("workspace", "channel"),
    )
    db["post_claims"].create(
        {"workspace": str, "channel": str, "local_date": str, "status": str, "claimed_at": str, "attempts": int,
         "next_attempt_at": str, "event_id": str, "error": str, "sent_at": str},
        pk=("workspace", "channel", "local_date"),
    )
    db["admin_notices"].create({"id": int, "workspace": str, "message": str, "created_at": str, "delivered": int},
                               pk="id")
    db["admin_notices"].create_index(["workspace", "delivered"])


@migrations()
def m005_quiz(db: sqlite_utils.Database) -> None:
    db["quizzes"].create(
        {"id": int, "workspace": str, "channel": str, "ref": str, "status": str, "mode": str, "seconds": int,
         "total": int, "topic": str, "current": int, "deadline": str, "started_by": str, "started_at": str,
         "ended_at": str},
        pk="id",
    )
    db["quizzes"].create_index(["workspace", "channel", "status"])
    db.execute("create unique index one_running_quiz on quizzes(workspace, channel) where status = 'running'")
    db["quiz_questions"].create(
        {"quiz_id": int, "idx": int, "qid": str, "question": str, "answer": str, "options": str, "accept": str,
         "explanation": str, "sources": str, "winner": str, "opened_at": str, "closed": int},
        pk=("quiz_id", "idx"), foreign_keys=[("quiz_id", "quizzes", "id")],
    )
    db["quiz_answers"].create(
        {"quiz_id": int, "idx": int, "workspace": str, "user_id": str, "user_name": str, "answer": str,
         "correct": int, "points": int, "answered_at": str},
        pk=("quiz_id", "idx", "user_id"), foreign_keys=[("quiz_id", "quizzes", "id")],
    )
    db["quiz_answers"].create_index(["workspace", "user_id"])
    db["quiz_appeals"].create(
        {"id": int, "workspace": str, "quiz_id": int, "idx": int, "qid": str, "user_id": str, "claim": str,
         "reason": str, "status": str, "created_at": str, "resolved_by": str},
        pk="id",
    )


@migrations()
def m006_review(db: sqlite_utils.Database) -> None:
    db["review_cards"].create(
        {"workspace": str, "user_id": str, "qid": str, "card": str, "due": str, "question": str},
        pk=("workspace", "user_id", "qid"),
    )
    db["review_cards"].create_index(["workspace", "user_id", "due"])


@migrations()
def m007_prose(db: sqlite_utils.Database) -> None:
    # 1: a reading's running text; 0: its notes, references, lists, captions (searchable, never quoted or dated)
    db["passages"].add_column("prose", int, not_null_default=1)


@migrations()
def m008_own_questions(db: sqlite_utils.Database) -> None:
    # a group's own quiz questions, added by its admins in chat or from a file; seen and drawn only there
    db["own_questions"].create(
        {"id": int, "workspace": str, "question": str, "answer": str, "options": str, "accept": str, "topic": str,
         "period": str, "about": str, "explanation": str, "sources": str, "origin": str, "added_at": str},
        pk="id",
    )
    db["own_questions"].create_index(["workspace"])


# Tables holding a member's personal data, as (table, workspace column, user column). Every service that
# stores something about a member registers its table here, so forget-me and workspace deletion reach it.
MEMBER_TABLES: list[tuple[str, str, str]] = [("quiz_answers", "workspace", "user_id"),
                                             ("quiz_appeals", "workspace", "user_id"),
                                             ("review_cards", "workspace", "user_id")]
# Tables holding a workspace's own data (besides its readings), as (table, workspace column).
WORKSPACE_TABLES: list[tuple[str, str]] = [("workspace_removals", "workspace"), ("subscriptions", "workspace"),
                                           ("post_claims", "workspace"), ("admin_notices", "workspace"),
                                           ("own_questions", "workspace")]



def open_db(path: Path | str, light: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) the database file with WAL and foreign keys, migrations applied. `light`: for
    a process that answers one command and exits (see concurrency.LightDatabase)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = concurrency.connect(path, light=light)  # WAL, busy timeout, transactions that begin IMMEDIATE
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {concurrency.BUSY_TIMEOUT_MS}")
    migrations.apply(db)
    return db


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    db["meta"].upsert({"key": key, "value": value}, pk="key")


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = next(db.query("select value from meta where key = ?", [key]), None)
    return row["value"] if row else None


def index_pack(db: sqlite_utils.Database, pack: Pack, home: bool = True) -> None:
    """Replace the pack's rows with `pack`, in one transaction (idempotent for the same pack).

    Several packs share the index, each row keyed by pack: the home pack (the operator's default) keeps its
    entry, question and reading ids as they are; any other pack's are stored as "PACK:ID" (see `entry_key`),
    so an id may repeat across packs."""
    from bot.pack import Event

    pid = pack.meta.id
    rule = pack.meta.rule
    k = (lambda i: i) if home else (lambda i: entry_key(pid, i))  # noqa: E731
    with db.atomic():
        for table in ("aliases", "related", "citations"):
            db.execute(f"delete from {table} where entity_id in (select id from entities where pack = ?)", [pid])
        db.execute("delete from events where id in (select id from entities where pack = ?)", [pid])
        for table in ("entities", "questions", "readings"):
            db.execute(f"delete from {table} where pack = ?", [pid])
        db["readings"].insert_all(
            ({**r.model_dump(), "id": k(r.id), "pack": pid} for r in pack.meta.readings), pk="id")
        entities, aliases, related, citations, events = [], [], [], [], []
        for e in pack.entries():
            names = _names_of(e)
            entities.append({
                "id": k(e.id), "pack": pid, "type": _type_of(e), "kind": getattr(e, "kind", None),
                "name": e.name, "full_name": getattr(e, "full_name", None), "summary": " ".join(e.summary.split()),
                "born": getattr(e, "born", None), "died": getattr(e, "died", None),
                "roles": json.dumps(getattr(e, "roles", []), ensure_ascii=False),
                "aliases_text": " ; ".join(names[1:]), "disambiguation": getattr(e, "disambiguation", None),
            })
            adjectives = set(getattr(e, "adjectives", ()))
            aliases.extend({"entity_id": k(e.id), "alias": n, "is_name": int(i == 0), "adjective": int(n in adjectives)}
                           for i, n in enumerate(names))
            related.extend({"entity_id": k(e.id), "related_id": k(r)} for r in dict.fromkeys(e.related))
            citations.extend({"entity_id": k(e.id), "reading_id": k(s.reading), "loc": s.loc, "position": i}
                             for i, s in enumerate(e.sources))
            if isinstance(e, Event):
                when, os, ns = e.when, e.when.old_style, e.when.new_style
                old_style = when.precise and when.in_julian_era(rule)  # an Old Style anniversary, where the pack has them
                events.append({
                    "id": k(e.id), "date": e.date, "calendar": e.calendar, "end_date": e.end,
                    "precise": int(when.precise), "sort_key": when.sort_key(),
                    "os_month": os.month if old_style else None, "os_day": os.day if old_style else None,
                    "ns_month": ns.month if when.precise else None, "ns_day": ns.day,
                    "people": json.dumps([k(p) for p in e.people]),
                })
        db["entities"].insert_all(entities, pk="id")
        db["aliases"].insert_all(aliases, pk=("entity_id", "alias"), ignore=True)
        db["related"].insert_all(related, pk=("entity_id", "related_id"))
        db["citations"].insert_all(citations, pk=("entity_id", "position"))
        db["events"].insert_all(events, pk="id")
        db["questions"].insert_all(
            ({**q.model_dump(exclude={"options", "accept", "about", "sources"}), "id": k(q.id), "pack": pid,
              "options": json.dumps(q.options, ensure_ascii=False), "accept": json.dumps(q.accept, ensure_ascii=False),
              "about": json.dumps([k(a) for a in q.about]),
              "sources": json.dumps([{**s.model_dump(), "reading": k(s.reading)} for s in q.sources])}
             for q in pack.questions), pk="id")
        db["meta"].upsert({"key": f"pack:{pid}", "value": pack.fingerprint}, pk="key")
        db["meta"].upsert({"key": f"calendars:{pid}", "value": json.dumps(rule.to_json())}, pk="key")
        info = {"title": pack.meta.title, "description": pack.meta.description, "banner": pack.meta.banner,
                "periods": pack.meta.periods, "home": home, "people": len(pack.people), "terms": len(pack.terms),
                "events": len(pack.events), "questions": len(pack.questions),
                "years": _years_of(pack), "examples": _examples_of(pack)}
        db["meta"].upsert({"key": f"packinfo:{pid}", "value": json.dumps(info, ensure_ascii=False)}, pk="key")
        if home:
            db["meta"].upsert({"key": "calendars", "value": json.dumps(rule.to_json())}, pk="key")
        bump_version(db)  # every process rebuilds its lookup (bot/shared_state.py IndexWatch)


def entry_key(pack_id: str, entry_id: str) -> str:
    """How an entry (question, reading) of a pack other than the home pack is keyed in the index."""
    return f"{pack_id}:{entry_id}"


def _years_of(pack: Pack) -> list[int] | None:
    """The first and last year of the pack's dated events (what /timeline covers), None without events."""
    years = sorted(e.when.new_style.year for e in pack.events)
    return [years[0], years[-1]] if years else None


def _examples_of(pack: Pack) -> dict[str, str]:
    """A name of each kind from the pack, for the examples help gives: the entry the pack says most about."""
    def best(entries: list[Any]) -> str | None:
        return max(entries, key=lambda e: (len(e.sources) + len(e.related), -entries.index(e))).name if entries else None
    out = {"who": best(pack.people), "what": best(pack.terms), "when": best(pack.events)}
    if pack.events:
        years = [e.when.new_style.year for e in pack.events]
        out["timeline"] = str(max(set(years), key=years.count))
    return {k: v for k, v in out.items() if v}


def calendar_rule(db: sqlite_utils.Database, packs: Iterable[str] | None = None) -> CalendarRule:
    """How the indexed pack shows its dates (pack.yaml `calendars:`); Gregorian only when it says nothing.
    With `packs`, the rule of those packs together (each calendar from the first pack that declares it)."""
    if packs is None:
        raw = get_meta(db, "calendars")
        return CalendarRule.from_pack(json.loads(raw)) if raw else CalendarRule()
    rules = [CalendarRule.from_pack(json.loads(raw)) for p in packs if (raw := get_meta(db, f"calendars:{p}"))]
    return CalendarRule(next((r.old_style_until for r in rules if r.old_style_until), None),
                        next((r.republican for r in rules if r.republican), None))


def _type_of(e: Person | Term | Event) -> str:
    from bot.pack import Event, Person, Term

    return {Person: "person", Term: "term", Event: "event"}[type(e)]


def _names_of(e: Person | Term | Event) -> list[str]:
    from bot.pack import Person

    names = [e.name]
    if isinstance(e, Person):
        names += [e.full_name] if e.full_name else []
        names += e.variants
    names += e.aliases
    return list(dict.fromkeys(n.strip() for n in names if n and n.strip()))


# --- reads -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameRow:
    id: str
    type: str
    name: str
    names: list[str]


def all_names(db: sqlite_utils.Database, packs: Iterable[str] | None = None) -> list[NameRow]:
    """Every entity with its names, display name first, for the matcher (of `packs` only, when given)."""
    rows: dict[str, NameRow] = {}
    cond, params = in_packs(packs, "e")
    for r in db.query(
        "select e.id, e.type, e.name, a.alias from entities e join aliases a on a.entity_id = e.id "
        f"where {cond} order by e.id, a.is_name desc, a.rowid", params
    ):
        row = rows.setdefault(r["id"], NameRow(r["id"], r["type"], r["name"], []))
        row.names.append(r["alias"])
    return list(rows.values())


def entity(db: sqlite_utils.Database, entity_id: str) -> dict[str, Any] | None:
    row = next(db.query(
        "select e.*, ev.date, ev.calendar, ev.end_date, ev.people from entities e "
        "left join events ev on ev.id = e.id where e.id = ?", [entity_id]), None)
    if row is None:
        return None
    row["roles"] = json.loads(row["roles"] or "[]")
    row["people"] = json.loads(row["people"] or "[]")
    row["aliases"] = [a["alias"] for a in db.query(
        "select alias from aliases where entity_id = ? and is_name = 0 order by rowid", [entity_id])]
    return row


def names_of(db: sqlite_utils.Database, ids: list[str]) -> dict[str, dict[str, str]]:
    """id -> {name, type} for the given ids (unknown ids are left out)."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {r["id"]: r for r in db.query(f"select id, name, type from entities where id in ({marks})", ids)}


def related_ids(db: sqlite_utils.Database, entity_id: str) -> list[str]:
    return [r["related_id"] for r in db.query(
        "select related_id from related where entity_id = ? union "
        "select entity_id from related where related_id = ?", [entity_id, entity_id])]


def citations(db: sqlite_utils.Database, entity_id: str) -> list[dict[str, Any]]:
    """The readings an entry comes from, with title and author, in the order the pack gives."""
    return list(db.query(
        "select c.reading_id, c.loc, r.title, r.author, r.year from citations c "
        "join readings r on r.id = c.reading_id where c.entity_id = ? order by c.position", [entity_id]))


def readings(db: sqlite_utils.Database, packs: Iterable[str] | None = None) -> list[dict[str, Any]]:
    cond, params = in_packs(packs, "r")
    return list(db.query(
        "select r.*, (select count(distinct entity_id) from citations c where c.reading_id = r.id) as entries "
        f"from readings r where {cond} order by r.pack, r.author", params))


def reading(db: sqlite_utils.Database, reading_id: str) -> dict[str, Any] | None:
    return next(db.query("select * from readings where id = ?", [reading_id]), None)


_FTS_WORD = re.compile(r"\w+")
MAX_FTS_WORDS = 12


def fts_query(text: str) -> str | None:
    """An FTS5 query that matches every word of `text`, each quoted: operators, quotes and column
    filters a user types are searched for as words, never run as syntax. None when no word is left."""
    words = _FTS_WORD.findall(text)[:MAX_FTS_WORDS]
    return " ".join(f'"{w}"' for w in words) or None


def reading_for_file(db: sqlite_utils.Database, filename: str) -> dict[str, Any] | None:
    """The pack's metadata for a reading file, when the pack lists it."""
    return next(db.query("select * from readings where file = ?", [filename]), None)


def search_entities(db: sqlite_utils.Database, text: str, limit: int = 10,
                    packs: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Full-text search over names, aliases and summaries, best first (in `packs` only, when given)."""
    q = fts_query(text)
    if q is None:
        return []
    if packs is None:
        return list(db["entities"].search(q, columns=["id", "type", "name", "summary"], limit=limit))
    named = {f"pack{i}": p for i, p in enumerate(packs)}  # sqlite-utils' search takes named parameters
    cond = f"pack in ({', '.join(':' + k for k in named) or 'null'})"
    return list(db["entities"].search(q, columns=["id", "type", "name", "summary"], limit=limit,
                                      where=cond, where_args=named))


def events_in_years(db: sqlite_utils.Database, first: int, last: int, limit: int = 200,
                    packs: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Events of the years first..last, in time order; a year counts in either calendar (20 Dec 1917 O.S.
    is 2 Jan 1918 N.S.). Of `packs` only, when given."""
    lo, hi = f"{first:04d}", f"{last:04d}"
    cond, params = in_packs(packs, "e")
    return list(db.query(
        "select e.id, e.name, e.summary, ev.date, ev.calendar, ev.end_date, ev.sort_key from events ev "
        "join entities e on e.id = ev.id where (substr(ev.date, 1, 4) between ? and ? "
        f"or substr(ev.sort_key, 1, 4) between ? and ?) and {cond} order by ev.sort_key, e.name limit ?",
        [lo, hi, lo, hi, *params, limit]))


def events_among(db: sqlite_utils.Database, ids: Iterable[str], packs: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The events among these entry ids (of `packs` only, when given)."""
    cond, params = in_packs(packs, "e")
    return list(db.query(
        "select e.id, e.name, ev.date, ev.calendar, ev.end_date from events ev join entities e on e.id = ev.id "
        f"where e.id in (select value from json_each(?)) and {cond}", [json.dumps(list(ids)), *params]))


def events_of_person(db: sqlite_utils.Database, person: str, packs: Iterable[str] | None = None,
                     limit: int = 500) -> list[dict[str, Any]]:
    """The events that list `person` among their people (of `packs` only, when given)."""
    cond, params = in_packs(packs, "e")
    return list(db.query(
        "select e.id, e.name, ev.date, ev.calendar from events ev join entities e on e.id = ev.id "
        f"where exists (select 1 from json_each(ev.people) where value = ?) and {cond} limit ?",
        [person, *params, limit]))


def count(db: sqlite_utils.Database, table: str, where: str = "", params: list[Any] | None = None) -> int:
    return db.execute(f"select count(*) from {table} {where}", params or []).fetchone()[0]


def questions(db: sqlite_utils.Database, packs: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
    cond, params = in_packs(packs, "questions")
    for q in db.query(f"select * from questions where {cond} order by id", params):
        for k in ("options", "accept", "about", "sources"):
            q[k] = json.loads(q[k])
        yield q


# --- ingested readings ---------------------------------------------------------------------------------


def visible(workspace: str, alias: str = "s") -> tuple[str, list[str]]:
    """The SQL condition (and its parameters) for sources a workspace may see: the shared ones and its own.
    Every query over ingested readings goes through this, so no service can forget the scoping."""
    return f"{alias}.workspace in (?, ?)", [SHARED, workspace]


def source_by_sha(db: sqlite_utils.Database, workspace: str, sha: str) -> dict[str, Any] | None:
    return next(db.query("select * from sources where workspace = ? and sha256 = ?", [workspace, sha]), None)


def delete_source(db: sqlite_utils.Database, source_id: str) -> None:
    """Remove a source and everything derived from it (in the caller's transaction, if any; else in short
    transactions, the source hidden from every query first)."""
    if not db.conn.in_transaction:
        concurrency.delete_source(db, source_id)
        return bump_version(db)
    with db.atomic():
        for table in ("passage_entities", "passage_dates", "candidates"):
            db.execute(f"delete from {table} where source_id = ?", [source_id])
        db.execute("delete from passages where source_id = ?", [source_id])
        db.execute("delete from sources where id = ?", [source_id])
        bump_version(db)


def insert_source(db: sqlite_utils.Database, source: dict[str, Any], passages: Iterable[dict[str, Any]],
                  links: list[dict[str, Any]], dates: list[dict[str, Any]], candidates: list[dict[str, Any]],
                  within: Callable[[], None] | None = None, tail: Callable[[], Any] | None = None) -> None:
    """Store one ingested reading with its passages, links, dates and candidates, replacing the old copy
    (outside a caller's transaction: in short write transactions, published at the end). `within` (the
    workspace's limits) runs in the transaction that publishes it and may refuse it by raising. `tail`: see
    bot.storage.readings.Readings.write."""
    if not db.conn.in_transaction:
        concurrency.write_source(db, source, passages, links, dates, candidates, within=within, tail=tail)
        return bump_version(db)
    with db.atomic():
        if within is not None:
            within()
        bump_version(db)
        delete_source(db, source["id"])
        db["sources"].insert(source, pk="id")
        db["passages"].insert_all(passages, pk="id", batch_size=500)
        more = []
        if tail is not None:
            end = tail()
            if end.fields:
                db["sources"].update(source["id"], end.fields)
            dates, candidates, more = [*dates, *end.dates], [*candidates, *end.candidates], end.links
        db["passage_entities"].insert_all(links, pk=("passage_id", "entity_id"), batch_size=1000)
        concurrency.add_mentions(db, more)
        db["passage_dates"].insert_all(dates, batch_size=1000)
        db["candidates"].insert_all(candidates, pk=("source_id", "key"), batch_size=1000)


def update_source(db: sqlite_utils.Database, source_id: str, fields: dict[str, Any]) -> None:
    """Change a reading's title or author in place (its passages, links and dates stay)."""
    db["sources"].update(source_id, fields)


def replace_links(db: sqlite_utils.Database, source_id: str, links: list[dict[str, Any]],
                  candidates: list[dict[str, Any]]) -> None:
    with db.atomic():
        db.execute("delete from passage_entities where source_id = ?", [source_id])
        db.execute("delete from candidates where source_id = ?", [source_id])
        db["passage_entities"].insert_all(links, pk=("passage_id", "entity_id"), batch_size=1000)
        db["candidates"].insert_all(candidates, pk=("source_id", "key"), batch_size=1000)


def sources(db: sqlite_utils.Database, workspace: str | None) -> list[dict[str, Any]]:
    """Sources a workspace sees (every source when workspace is None: the operator's view)."""
    if workspace is None:
        return list(db.query("select * from sources s where substr(s.workspace, 1, 1) != '~' "  # not mid-write
                             "order by s.added_at, s.title"))
    cond, params = visible(workspace)
    return list(db.query(f"select * from sources s where {cond} order by s.added_at, s.title", params))


def passages_of(db: sqlite_utils.Database, source_id: str) -> list[dict[str, Any]]:
    return list(db.query("select * from passages where source_id = ? order by seq", [source_id]))


def entity_passages(db: sqlite_utils.Database, entity_id: str, workspace: str, per_source: int = 1,
                    limit: int = 6) -> list[dict[str, Any]]:
    """The passages that mention an entry most, the best `per_source` from each reading it sees."""
    cond, params = visible(workspace)
    rows = db.query(
        "select p.id, p.text, p.loc, p.source_id, s.title, s.author, pe.mentions from sources s "  # asker's sources first
        "cross join passage_entities pe on pe.source_id = s.id and pe.entity_id = ? "
        f"join passages p on p.id = pe.passage_id where {cond} "
        "and p.prose = 1 order by pe.mentions desc, length(p.text) between 200 and 900 desc, p.seq", [entity_id, *params])
    return best_per_source(rows, per_source, limit)


def best_per_source(rows: Iterable[dict[str, Any]], per_source: int,
                    limit: int | None = None) -> list[dict[str, Any]]:
    """The first `per_source` rows of each reading, in the order given (best first), stopping at `limit`
    rows so a lazy query over a much-mentioned entry is not read to its end."""
    taken: Counter[str] = Counter()
    out: list[dict[str, Any]] = []
    for r in rows:
        if taken[r["source_id"]] < per_source:
            taken[r["source_id"]] += 1
            out.append(r)
            if limit is not None and len(out) >= limit:
                break
    return out


# Kept for callers that still read it: a search ranks every match in the asker's readings now (scoped to their
# sources before FTS5 scans, see concurrency.search_passages), so `sampled` is always False.
SEARCH_RANK_CAP = 2000


class PassageHits(NamedTuple):
    rows: list[dict[str, Any]]
    sampled: bool  # more than SEARCH_RANK_CAP passages matched: rows are the best of the newest SEARCH_RANK_CAP


def search_passages(db: sqlite_utils.Database, text: str, workspace: str, limit: int = 10,
                    source_id: str | None = None, prose_only: bool = False) -> PassageHits:
    """Full-text search over the passages a workspace sees, best first; `prose_only` leaves out notes,
    references, lists and captions (for what is quoted as a reading's account)."""
    q = fts_query(text)
    if q is None:
        return PassageHits([], False)
    cond, params = visible(workspace)
    extra, more = ("and s.id = ?", [source_id]) if source_id else ("", [])
    # every match in the asker's readings is ranked (bm25), one source's rowid range at a time
    best = concurrency.search_passages(db, q, f"select s.id from sources s where {cond} {extra}",
                                       [*params, *more], limit, prose_only)
    sampled = False
    found = {r["rowid"]: r for r in db.query(
        "select p.rowid, p.id, p.text, p.loc, p.source_id, s.title, s.author from passages p "
        f"join sources s on s.id = p.source_id where p.rowid in ({', '.join('?' * len(best))})", best)}
    rows = [found[rowid] for rowid in best]
    for r in rows:
        del r["rowid"]
    return PassageHits(rows, sampled)


def candidates(db: sqlite_utils.Database, workspace: str | None) -> list[dict[str, Any]]:
    """Unknown person names across the readings a workspace sees, most mentioned first."""
    cond, params = ("1 = 1", []) if workspace is None else visible(workspace)
    return list(db.query(
        "select c.key, max(c.name) as name, sum(c.mentions) as mentions, count(*) as readings, "
        "min(s.title || ', ' || c.example_loc) as example from candidates c join sources s on s.id = c.source_id "
        f"where {cond} group by c.key order by mentions desc, name", params))


def pack_stats(db: sqlite_utils.Database, packs: Iterable[str] | None = None) -> dict[str, Any]:
    """The indexed pack's counts (the operator's view). Its coverage of the readings is the readings
    repository's `coverage` (bot/storage/readings.py), wherever the readings are kept."""
    cond, params = in_packs(packs, "e")  # the packs counted (every pack when None)
    one = lambda sql, args=(): db.execute(sql, list(args)).fetchone()[0]  # noqa: E731
    by_type = dict(db.execute(f"select type, count(*) from entities e where {cond} group by type", params).fetchall())
    periods = dict(db.execute(f"select period, count(*) from questions e where {cond} group by period order by period",
                              params).fetchall())
    return {
        "people": by_type.get("person", 0), "terms": by_type.get("term", 0), "events": by_type.get("event", 0),
        "events_day_precise": one(f"select count(*) from events ev join entities e on e.id = ev.id "
                                  f"where ev.precise = 1 and {cond}", params),
        "events_without_source": one(f"select count(*) from entities e where e.type = 'event' and {cond} and not "
                                     "exists (select 1 from citations c where c.entity_id = e.id)", params),
        "questions": sum(periods.values()), "questions_by_period": periods,
    }


def candidate(db: sqlite_utils.Database, key: str, workspace: str) -> dict[str, Any] | None:
    cond, params = visible(workspace)
    return next(db.query(
        "select c.key, max(c.name) as name, sum(c.mentions) as mentions from candidates c join sources s on s.id = c.source_id "
        f"where c.key = ? and {cond} group by c.key", [key, *params]), None)


# --- workspaces and members --------------------------------------------------------------------------------


def workspace_usage(db: sqlite_utils.Database, workspace: str, excluding: str | None = None) -> tuple[int, int]:
    """(readings, stored bytes) a workspace owns, not counting source `excluding` (about to be replaced)."""
    row = db.execute("select count(*), coalesce(sum(bytes), 0) from sources where workspace = ? and id != ?",
                     [workspace, excluding or ""]).fetchone()
    return int(row[0]), int(row[1])


# Columns that name a member beside rows that are the group's, not the member's (who started a quiz, won a
# question, set a daily post, settled an appeal): forget-me replaces the id with FORGOTTEN there. Each is
# (table, user column, SQL selecting the workspace's rows).
MEMBER_MENTIONS: list[tuple[str, str, str]] = [
    ("quizzes", "started_by", "workspace = ?"),
    ("quiz_questions", "winner", "quiz_id in (select id from quizzes where workspace = ?)"),
    ("subscriptions", "created_by", "workspace = ?"),
    ("quiz_appeals", "resolved_by", "workspace = ?"),
]
FORGOTTEN = "forgotten"


def forget_member(db: sqlite_utils.Database, workspace: str, user_id: str) -> int:
    """Delete one member's rows in one workspace from every member table, and put FORGOTTEN where the
    group's own rows name them. Returns how many rows went."""
    n = 0
    with db.atomic():
        for table, ws_col, user_col in MEMBER_TABLES:
            n += db.execute(f"delete from {table} where {ws_col} = ? and {user_col} = ?", [workspace, user_id]).rowcount
        for table, user_col, in_workspace in MEMBER_MENTIONS:
            db.execute(f"update {table} set {user_col} = ? where {user_col} = ? and {in_workspace}",
                       [FORGOTTEN, user_id, workspace])
    for hook in FORGET_HOOKS if not db.conn.in_transaction else ():  # (inside one: its rows went above)
        n += hook(workspace, user_id) or 0  # rows kept elsewhere (quizzes in PostgreSQL) count too
    return n


def delete_workspace(db: sqlite_utils.Database, workspace: str) -> dict[str, int]:
    """Delete everything a workspace owns: its readings and their passages, members' rows, settings."""
    if workspace == SHARED:
        raise ValueError("the shared readings are not a workspace")
    counts: dict[str, int] = {}
    with db.atomic():
        ids = [r["id"] for r in db.query("select id from sources where workspace = ?", [workspace])]
        for sid in ids:
            delete_source(db, sid)
        counts["readings"] = len(ids)
        for table, ws_col, _ in MEMBER_TABLES:
            counts[table] = db.execute(f"delete from {table} where {ws_col} = ?", [workspace]).rowcount
        for table, ws_col in WORKSPACE_TABLES:
            counts[table] = db.execute(f"delete from {table} where {ws_col} = ?", [workspace]).rowcount
        db.execute("delete from quiz_questions where quiz_id in (select id from quizzes where workspace = ?)", [workspace])
        counts["quizzes"] = db.execute("delete from quizzes where workspace = ?", [workspace]).rowcount
    for hook in FORGET_HOOKS if not db.conn.in_transaction else ():  # (inside one: its rows went above)
        hook(workspace, None)
    return counts


def mark_removed(db: sqlite_utils.Database, workspace: str, removed_at: str, purge_after: str) -> None:
    db["workspace_removals"].upsert({"workspace": workspace, "removed_at": removed_at, "purge_after": purge_after},
                                    pk="workspace")


def unmark_removed(db: sqlite_utils.Database, workspace: str) -> None:
    db.execute("delete from workspace_removals where workspace = ?", [workspace])


def removals_due(db: sqlite_utils.Database, now: str) -> list[str]:
    return [r["workspace"] for r in db.query("select workspace from workspace_removals where purge_after <= ?", [now])]


# --- on this day -------------------------------------------------------------------------------------------

JULIAN_ERA_END = "1918-02-14"  # sort keys (New Style) before this are days Russians counted Old Style


def events_on_day(db: sqlite_utils.Database, month: int, day: int, packs: Iterable[str] | None,
                  read_about: Callable[[list[str]], dict[str, int]] | None = None) -> list[dict[str, Any]]:
    """Pack events whose anniversary is this day in New Style, or in Old Style for the Julian era, of
    `packs` (the workspace's: every pack when None); with `read_about` (ids -> how many passages of the workspace's readings link
    to each: the readings repository's `link_counts`) each carries that count and read-about events rank
    first, else in time order."""
    in_p, p_params = in_packs(packs, "e")
    rows = list(db.query(
        "select e.id, e.name, e.summary, ev.date, ev.calendar, ev.sort_key, "
        "(ev.ns_month = ? and ev.ns_day = ?) as ns_match "
        f"from events ev join entities e on e.id = ev.id where ev.precise = 1 and {in_p} and "
        "((ev.ns_month = ? and ev.ns_day = ?) or (ev.os_month = ? and ev.os_day = ? and ev.sort_key < ?)) "
        "order by ev.sort_key",
        [month, day, *p_params, month, day, month, day, JULIAN_ERA_END]))
    counts = read_about([r["id"] for r in rows]) if read_about and rows else {}
    for r in rows:
        r["read_about"] = counts.get(r["id"], 0)
    return sorted(rows, key=lambda r: -r["read_about"])  # stable: time order among equals


def events_between(db: sqlite_utils.Database, first: str, last: str,
                   packs: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Pack events with a day-precise date from `first` to `last` (New Style ISO days), in time order."""
    cond, params = in_packs(packs, "e")
    return list(db.query(
        "select e.id, e.name, e.summary, ev.date, ev.calendar, ev.sort_key from events ev join entities e "
        f"on e.id = ev.id where ev.precise = 1 and ev.sort_key between ? and ? and {cond} order by ev.sort_key",
        [first, last, *params]))


def spanning_events(db: sqlite_utils.Database, packs: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Pack events with a day-precise start and end (a night across two days, a week-long conference)."""
    cond, params = in_packs(packs, "e")
    return list(db.query(
        "select e.id, e.name, e.summary, ev.date, ev.calendar, ev.end_date, ev.sort_key from events ev "
        "join entities e on e.id = ev.id where ev.precise = 1 and ev.end_date is not null and length(ev.end_date) = 10 "
        f"and {cond} order by ev.sort_key", params))


def passage_dates_on_day(db: sqlite_utils.Database, month: int, day: int, workspace: str,
                         limit: int = 10) -> list[dict[str, Any]]:
    """Dated passages of the readings a workspace sees that fall on this day (either calendar, as above), each
    once: with the earliest of its dates on that day (then the New Style match, the phrase), oldest first."""
    cond, params = visible(workspace)
    return list(db.query(
        "select phrase, date, calendar, sort_key, passage_id, text, loc, source_id, title, author, ns_match from ("
        "select pd.phrase, pd.date, pd.calendar, pd.sort_key, p.id as passage_id, p.text, p.loc, s.id as source_id, "
        "s.title, s.author, (pd.ns_month = ? and pd.ns_day = ?) as ns_match, row_number() over (partition by p.id "
        "order by pd.sort_key, pd.ns_month = ? and pd.ns_day = ? desc, pd.phrase, pd.date, pd.calendar) as nth "
        "from passage_dates pd join passages p on p.id = pd.passage_id join sources s on s.id = pd.source_id "
        f"where {cond} and ((pd.ns_month = ? and pd.ns_day = ?) or "
        "(pd.os_month = ? and pd.os_day = ? and pd.sort_key < ? and pd.calendar = 'julian')) and p.prose = 1"
        ") as dated where nth = 1 order by sort_key, passage_id limit ?",
        [month, day, month, day, *params, month, day, month, day, JULIAN_ERA_END, limit]))


# --- daily posts ---------------------------------------------------------------------------------------------


def set_subscription(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    db["subscriptions"].upsert(row, pk=("workspace", "channel"))


def subscription(db: sqlite_utils.Database, workspace: str, channel: str) -> dict[str, Any] | None:
    return next(db.query("select * from subscriptions where workspace = ? and channel = ?", [workspace, channel]), None)


def _platform_cond(platform: str | None) -> tuple[str, list[str]]:
    """Rows of one platform's workspaces ("discord:123" belongs to discord), or of all when None."""
    return ("1 = 1", []) if platform is None else ("workspace like ? escape '\\'", [
        platform.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ":%"])


def active_subscriptions(db: sqlite_utils.Database, platform: str | None = None) -> list[dict[str, Any]]:
    cond, params = _platform_cond(platform)
    return list(db.query(f"select * from subscriptions where active = 1 and {cond} order by workspace, channel",
                         params))


def pause_subscription(db: sqlite_utils.Database, workspace: str, channel: str, reason: str, now: str) -> None:
    db.execute("update subscriptions set active = 0, paused_reason = ?, updated_at = ? where workspace = ? and channel = ?",
               [reason, now, workspace, channel])


def claim_post(db: sqlite_utils.Database, workspace: str, channel: str, local_date: str, now: str,
               lease_expired_before: str) -> dict[str, Any] | None:
    """Take the one right to post to a channel for a local day. Returns the claim, or None when another
    process or an earlier run holds it (or it was sent). The primary key makes this exactly-once across
    processes; a claim whose holder died (lease expired) or whose retry is due is taken over."""
    with db.atomic():
        cur = db.execute(
            "insert into post_claims (workspace, channel, local_date, status, claimed_at, attempts) "
            "values (?, ?, ?, 'claimed', ?, 0) on conflict do nothing", [workspace, channel, local_date, now])
        if cur.rowcount == 0:
            cur = db.execute(
                "update post_claims set status = 'claimed', claimed_at = ? where workspace = ? and channel = ? "
                "and local_date = ? and ((status = 'claimed' and claimed_at < ?) or "
                "(status = 'retry' and next_attempt_at <= ?))",
                [now, workspace, channel, local_date, lease_expired_before, now])
            if cur.rowcount == 0:
                return None
        return next(db.query("select * from post_claims where workspace = ? and channel = ? and local_date = ?",
                             [workspace, channel, local_date]))


def finish_claim(db: sqlite_utils.Database, workspace: str, channel: str, local_date: str, **fields: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in fields)
    db.execute(f"update post_claims set {sets} where workspace = ? and channel = ? and local_date = ?",
               [*fields.values(), workspace, channel, local_date])


def recent_posted_events(db: sqlite_utils.Database, workspace: str, channel: str, since: str) -> set[str]:
    return {r["event_id"] for r in db.query(
        "select event_id from post_claims where workspace = ? and channel = ? and status = 'sent' "
        "and local_date >= ? and event_id is not null", [workspace, channel, since])}


def add_notice(db: sqlite_utils.Database, workspace: str, message: str, now: str) -> None:
    db["admin_notices"].insert({"workspace": workspace, "message": message, "created_at": now, "delivered": 0})


def take_notices(db: sqlite_utils.Database, workspace: str) -> list[str]:
    with db.atomic():
        rows = list(db.query("select id, message from admin_notices where workspace = ? and delivered = 0 order by id",
                             [workspace]))
        if rows:
            db.execute(f"update admin_notices set delivered = 1 where id in ({','.join('?' * len(rows))})",
                       [r["id"] for r in rows])
    return [r["message"] for r in rows]


# --- quizzes -------------------------------------------------------------------------------------------------
# The quiz's SQL lives in bot/storage/quiz_sqlite.py (SqliteQuizRepo, issue 23's storage seam); these are the
# old dict-returning names over it, for the tests and tools that read the SQLite file directly.


def _quizzes(db: sqlite_utils.Database) -> Any:
    from bot.storage.quiz_sqlite import SqliteQuizRepo

    return SqliteQuizRepo(db)


def _dict(row: Any) -> dict[str, Any] | None:
    from dataclasses import asdict

    return asdict(row) if row is not None else None


def running_quiz(db: sqlite_utils.Database, workspace: str, channel: str) -> dict[str, Any] | None:
    return _dict(_quizzes(db).running(workspace, channel))


def running_quizzes(db: sqlite_utils.Database, platform: str | None = None) -> list[dict[str, Any]]:
    return [_dict(q) for q in _quizzes(db).running_all(platform)]  # type: ignore[misc]


def create_quiz(db: sqlite_utils.Database, quiz: dict[str, Any], questions: list[dict[str, Any]]) -> int | None:
    """Insert a quiz with its questions; None when the channel already runs one (unique index)."""
    from bot.storage.quiz import Question, Quiz

    return _quizzes(db).start(Quiz(**{"id": 0, "deadline": "", "started_by": "", **quiz}),
                              [Question(**{"quiz_id": 0, **q}) for q in questions])


def quiz_question(db: sqlite_utils.Database, quiz_id: int, idx: int) -> dict[str, Any] | None:
    return _dict(_quizzes(db).question(quiz_id, idx))


def update_quiz(db: sqlite_utils.Database, quiz_id: int, where_status: str | None = None, **fields: Any) -> bool:
    """Update a quiz; with where_status, only if it still has that status (so two closers cannot both)."""
    sets = ", ".join(f"{k} = ?" for k in fields)
    cond = " and status = ?" if where_status else ""
    params = [*fields.values(), quiz_id, *([where_status] if where_status else [])]
    return db.execute(f"update quizzes set {sets} where id = ?{cond}", params).rowcount == 1


def record_answer(db: sqlite_utils.Database, row: dict[str, Any]) -> bool:
    """Record a member's answer to a question; False when they already answered it (a second click)."""
    from bot.storage.quiz import Answer

    return _quizzes(db).record_answer(Answer(**row))


def claim_winner(db: sqlite_utils.Database, quiz_id: int, idx: int, user_id: str) -> bool:
    """The first right answer in open mode takes the question, exactly once."""
    return _quizzes(db).claim_winner(quiz_id, idx, user_id)


def quiz_scores(db: sqlite_utils.Database, quiz_id: int) -> list[dict[str, Any]]:
    return [_dict(r) for r in _quizzes(db).scores(quiz_id)]  # type: ignore[misc]


def leaderboard(db: sqlite_utils.Database, workspace: str, since: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
    return [_dict(r) for r in _quizzes(db).leaderboard(workspace, since, limit)]  # type: ignore[misc]


def right_answers(db: sqlite_utils.Database, quiz_id: int, idx: int) -> list[dict[str, Any]]:
    """The right answers to one question, first answered first."""
    return [_dict(r) for r in _quizzes(db).right_answers(quiz_id, idx)]  # type: ignore[misc]


def member_answer(db: sqlite_utils.Database, quiz_id: int, idx: int, user_id: str) -> dict[str, Any] | None:
    return _dict(_quizzes(db).member_answer(quiz_id, idx, user_id))


def close_question(db: sqlite_utils.Database, quiz_id: int, idx: int) -> None:
    _quizzes(db).close_question(quiz_id, idx)


def pack_people(db: sqlite_utils.Database, packs: Iterable[str] | None) -> list[str]:
    """The ids of the people of these packs (every pack when None)."""
    cond, params = in_packs(packs, "e")
    return [r[0] for r in db.execute(f"select id from entities e where e.type = 'person' and {cond}", params)]


def precise_events(db: sqlite_utils.Database, packs: Iterable[str] | None) -> dict[str, dict[str, Any]]:
    """The events of these packs with a day's date: id -> name, date, calendar."""
    cond, params = in_packs(packs, "e")
    return {r["id"]: r for r in db.query(
        "select e.id, e.name, ev.date, ev.calendar from events ev join entities e on e.id = ev.id "
        f"where ev.precise = 1 and {cond}", params)}


def single_person_passages(db: sqlite_utils.Database, workspace: str, source_id: str | None,
                           limit: int, people: Iterable[str]) -> list[dict[str, Any]]:
    """Passages linked to exactly one of `people` (the persons of the packs the workspace reads: a fair
    who-is-this question), with the other entries their reading mentions (distractors of the same kind)."""
    cond, params = visible(workspace)
    extra, more = ("and s.id = ?", [source_id]) if source_id else ("", [])
    rows = list(db.query(  # the asker's sources first (cross join keeps that order), then their links
        "select p.id as passage_id, p.text, p.loc, s.id as source_id, s.title, s.author, min(pe.entity_id) as entity_id "
        "from sources s cross join passage_entities pe on pe.source_id = s.id join passages p on p.id = pe.passage_id "
        f"where {cond} {extra} and +pe.entity_id in (select value from json_each(?)) and p.prose = 1 "
        "group by p.id, s.id having count(*) = 1 "  # p's and s's other columns: one value per group (keys grouped)
        "order by length(p.text) between 200 and 900 desc, "
        "p.id limit ?", [*params, *more, json.dumps(list(people)), limit]))
    cooccurring: dict[str, set[str]] = {}  # once per reading, not once per passage
    for r in rows:
        if r["source_id"] not in cooccurring:
            cooccurring[r["source_id"]] = {x["entity_id"] for x in db.query(
                "select distinct entity_id from passage_entities where source_id = ?", [r["source_id"]])}
        r["cooccurring"] = cooccurring[r["source_id"]]
    return rows


def births(db: sqlite_utils.Database) -> dict[str, int]:
    """Each person's birth year, where the pack gives it."""
    return {pid: born for pid, (born, _) in person_lives(db).items() if born is not None}


def confusable(db: sqlite_utils.Database) -> frozenset[str]:
    """The people whose pack entry has a disambiguation note: a namesake shares their name (see m012)."""
    return frozenset(r["id"] for r in db.query(
        "select id from entities where type = 'person' and disambiguation is not null and disambiguation != ''"))


def proper_names(db: sqlite_utils.Database) -> frozenset[str]:
    """The keys of the one-word names a pack gives a term or event as "The X" with a capital ("The Right", "The
    Revolution", "The Thaw"), or a party or organisation with a capital ("Nationalists", "Cadets", "Memorial",
    "Pioneers"), and never in lower case ("the clergy", "noblesse", "émigrés"), with and without "the": a name,
    so linking takes the word for the entry only where it is written with a capital (bot.ingest.link.LinkTables):
    "Slav nationalists", "military cadets" and "a war memorial" are the common words."""
    from bot.names import name_key

    capital, lower = set(), set()
    for r in db.query("select a.alias, e.kind from aliases a join entities e on e.id = a.entity_id "
                      "where e.type != 'person'"):
        words = r["alias"].split()
        bare = words[1:] if words[:1] and words[0].lower() == "the" else words
        if len(bare) != 1:
            continue
        key = name_key(bare[0])
        if bare[0][:1].islower():
            lower.add(key)
        elif len(words) == 2 or r["kind"] in ("party", "organisation"):
            capital.add(key)
    names = capital - lower
    return frozenset(names | {f"the {k}" for k in names})


_ACRONYM = re.compile(r"[A-Z]{2,}s?")  # "SR", "USSR", "NKVD", "SRs"


def acronyms(db: sqlite_utils.Database) -> dict[str, frozenset[str]]:
    """The keys that only abbreviations give ("SR" of the Socialist Revolutionaries, "USSR"), each with the
    abbreviations as written, in capitals: keys fold doubled letters (a transliteration's "ss" is its "s"), so
    "SSR" (a Soviet republic) made the key of "SR", and linking took every "Armenian SSR" for the party; an
    abbreviation is linked only where it is written as the pack writes it (bot.ingest.link.LinkTables)."""
    from bot.names import name_key

    forms: dict[str, set[str]] = {}
    words: set[str] = set()  # keys some other one-word name gives too
    for r in db.query("select a.alias from aliases a join entities e on e.id = a.entity_id where e.type != 'person'"):
        alias = r["alias"].strip()
        if " " in alias:
            continue
        key = name_key(alias)
        if _ACRONYM.fullmatch(alias):
            forms.setdefault(key, set()).add(alias.upper())
        else:
            words.add(key)
    return {key: frozenset(written) for key, written in forms.items() if key not in words}


def stripped_names(db: sqlite_utils.Database) -> frozenset[str]:
    """The keys a term's or event's name gives only once a title word is taken off its front ("General
    Secretary" -> "secretary", "Marshall Plan" -> "plan", "President of the Soviet Union" -> "of the soviet
    union"; not "the", nor "St", whose St Petersburg is Petersburg too) and that no name or alias gives as it
    stands: a lookup may take them, linking never does (bot.ingest.link.LinkTables)."""
    from bot.names import name_words, strip_titles

    stripped, verbatim = set(), set()
    for r in db.query("select a.alias, e.type from aliases a join entities e on e.id = a.entity_id"):
        words = name_words(r["alias"])
        verbatim.add(" ".join(words))
        bare = strip_titles(words)
        if r["type"] != "person" and len(bare) < len(words) and \
                not set(words[:len(words) - len(bare)]) <= {"the", "st", "saint"}:
            stripped.add(" ".join(bare))
    return frozenset(stripped - verbatim)


_LINK_FACTS: dict[tuple[str, str], dict[str, Any]] = {}  # (database file, its packs as indexed) -> link_facts
_LINK_FACTS_KEPT = 8
_LINK_FACTS_LOCK = threading.Lock()  # the door's worker threads ingest at once


def adjective_names(db: sqlite_utils.Database) -> frozenset[str]:
    """The keys of the one-word names a pack marks as adjectives too ("Soviet": bot.pack.Term.adjectives), which
    link a reading's word to their entry only where it stands as a noun (bot.ingest.link.LinkTables)."""
    from bot.names import name_key

    return frozenset(name_key(r["alias"]) for r in db.query("select alias from aliases where adjective = 1"))


def link_facts(db: sqlite_utils.Database) -> dict[str, Any]:
    """What linking needs of the packs beside their matcher, as bot.ingest.link's keyword arguments (births,
    confusable, proper, stripped, adjectives, acronyms): every caller links as ingest does.

    Worked out once for each database file and state of its packs (bot.name_cache.packs_state, which the
    matcher's stored keys are signed with too): reading and normalising every alias again took each ingest
    0.06-0.1 s before its reading could start."""
    from bot.name_cache import packs_state

    database = next((r[2] for r in db.execute("pragma database_list").fetchall() if r[1] == "main"), "")
    key = (database, "\0".join(packs_state(db)))
    with _LINK_FACTS_LOCK:
        facts = _LINK_FACTS.get(key) if database else None  # an in-memory database: no file to know it by
    if facts is None:
        facts = {"births": births(db), "confusable": confusable(db), "proper": proper_names(db),
                 "stripped": stripped_names(db), "adjectives": adjective_names(db), "acronyms": acronyms(db)}
        # kept only if no other process indexed a pack while they were read (they would be its facts, under
        # the state before it)
        if database and "\0".join(packs_state(db)) == key[1]:
            with _LINK_FACTS_LOCK:
                while len(_LINK_FACTS) >= _LINK_FACTS_KEPT:
                    _LINK_FACTS.pop(next(iter(_LINK_FACTS)))
                _LINK_FACTS[key] = facts
    return dict(facts)


def person_lives(db: sqlite_utils.Database, packs: Iterable[str] | None = None) -> dict[str, tuple[int | None, int | None]]:
    """Each person's birth and death years (None where the pack has none)."""
    def year(v: Any) -> int | None:
        return int(str(v)[:4]) if v and str(v)[:4].isdigit() else None
    cond, params = in_packs(packs, "entities")
    return {r["id"]: (year(r["born"]), year(r["died"]))
            for r in db.query(f"select id, born, died from entities where type = 'person' and {cond}", params)}


def discussed_events(db: sqlite_utils.Database, workspace: str, source_id: str | None,
                     limit: int, events: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Of `events` (id -> name, date, calendar: the packs' events with a day's date), those the prose of the
    readings a workspace sees links to in a passage that also gives the event's year (a passing word such as
    "Red October" is no discussion of it), with the first such passage (its id and location, for the
    citation), the most discussed first."""
    cond, params = visible(workspace)
    extra, more = ("and s.id = ?", [source_id]) if source_id else ("", [])
    years = json.dumps({k: str(e["date"])[:4] for k, e in events.items()})
    rows = db.query(  # the first passage is the first stored (rowid); the count is of all of them
        "select id, loc, first_row, passage_id, source_id, author, title from ("
        "select pe.entity_id as id, p.loc as loc, p.rowid as first_row, p.id as passage_id, "
        "s.id as source_id, s.author, s.title, row_number() over (partition by pe.entity_id order by p.rowid) as nth, "
        "count(*) over (partition by pe.entity_id) as passages "
        "from sources s cross join passage_entities pe on pe.source_id = s.id join passages p on p.id = pe.passage_id "
        f"where {cond} {extra} and +pe.entity_id in (select key from json_each(?)) and p.prose = 1 "
        "and instr(p.text, json_extract(?, '$.\"' || pe.entity_id || '\"')) > 0"
        ") as discussed where nth = 1 order by passages desc, id limit ?",
        [*params, *more, years, years, limit])
    return [{**r, **{k: events[r["id"]][k] for k in ("name", "date", "calendar")}} for r in rows]


def review_card(db: sqlite_utils.Database, workspace: str, user_id: str, qid: str) -> dict[str, Any] | None:
    return next(db.query("select * from review_cards where workspace = ? and user_id = ? and qid = ?",
                         [workspace, user_id, qid]), None)


def save_review_card(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    db["review_cards"].upsert(row, pk=("workspace", "user_id", "qid"))


def due_review_cards(db: sqlite_utils.Database, workspace: str, user_id: str, now: str, limit: int = 5) -> list[dict[str, Any]]:
    return list(db.query("select * from review_cards where workspace = ? and user_id = ? and due <= ? "
                         "order by due limit ?", [workspace, user_id, now, limit]))


# --- weekly quiz nights --------------------------------------------------------------------------------------
# Kept together at the end of the file (migration included) so this feature merges without touching the
# sections above; migrations apply in the order they are registered, so this one runs after m001..m008.


@migrations()
def m009_quiz_schedule(db: sqlite_utils.Database) -> None:
    db["quiz_schedules"].create(
        {"workspace": str, "channel": str, "ref": str, "weekday": int, "start_time": str, "timezone": str,
         "args": str, "active": int, "paused_reason": str, "updated_at": str},
        pk=("workspace", "channel"),
    )
    # one row per channel, local date of the quiz night and kind ("announce" or "start"): exactly once
    db["quiz_schedule_claims"].create(
        {"workspace": str, "channel": str, "local_date": str, "kind": str, "status": str, "claimed_at": str,
         "attempts": int, "next_attempt_at": str, "quiz_id": int, "error": str, "sent_at": str},
        pk=("workspace", "channel", "local_date", "kind"),
    )


WORKSPACE_TABLES += [("quiz_schedules", "workspace"), ("quiz_schedule_claims", "workspace")]


def set_quiz_schedule(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    db["quiz_schedules"].upsert(row, pk=("workspace", "channel"))


def quiz_schedule(db: sqlite_utils.Database, workspace: str, channel: str) -> dict[str, Any] | None:
    return next(db.query("select * from quiz_schedules where workspace = ? and channel = ?", [workspace, channel]),
                None)


def active_quiz_schedules(db: sqlite_utils.Database, platform: str | None = None) -> list[dict[str, Any]]:
    cond, params = _platform_cond(platform)
    return list(db.query(f"select * from quiz_schedules where active = 1 and {cond} order by workspace, channel",
                         params))


def pause_quiz_schedule(db: sqlite_utils.Database, workspace: str, channel: str, reason: str, now: str) -> None:
    db.execute("update quiz_schedules set active = 0, paused_reason = ?, updated_at = ? "
               "where workspace = ? and channel = ?", [reason, now, workspace, channel])


def claim_quiz_night(db: sqlite_utils.Database, workspace: str, channel: str, local_date: str, kind: str, now: str,
                     lease_expired_before: str) -> dict[str, Any] | None:
    """Take the one right to announce or start a channel's quiz night of a local date, like `claim_post`:
    None when another process or an earlier run holds it or has done it; a claim whose holder died (lease
    expired) or whose retry is due is taken over."""
    key = [workspace, channel, local_date, kind]
    with db.atomic():
        cur = db.execute(
            "insert into quiz_schedule_claims (workspace, channel, local_date, kind, status, claimed_at, attempts) "
            "values (?, ?, ?, ?, 'claimed', ?, 0) on conflict do nothing", [*key, now])
        if cur.rowcount == 0:
            cur = db.execute(
                "update quiz_schedule_claims set status = 'claimed', claimed_at = ? where workspace = ? "
                "and channel = ? and local_date = ? and kind = ? and ((status = 'claimed' and claimed_at < ?) or "
                "(status = 'retry' and next_attempt_at <= ?))", [now, *key, lease_expired_before, now])
            if cur.rowcount == 0:
                return None
        return next(db.query("select * from quiz_schedule_claims where workspace = ? and channel = ? "
                             "and local_date = ? and kind = ?", key))


def finish_quiz_night_claim(db: sqlite_utils.Database, workspace: str, channel: str, local_date: str, kind: str,
                            **fields: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in fields)
    db.execute(f"update quiz_schedule_claims set {sets} where workspace = ? and channel = ? and local_date = ? "
               "and kind = ?", [*fields.values(), workspace, channel, local_date, kind])


def quiz_night_claims(db: sqlite_utils.Database, workspace: str, channel: str) -> list[dict[str, Any]]:
    return list(db.query("select * from quiz_schedule_claims where workspace = ? and channel = ? "
                         "order by local_date, kind", [workspace, channel]))


# --- a workspace's own quiz questions --------------------------------------------------------------------

_OWN_JSON = ("options", "accept", "about", "sources")


def _own_row(row: dict[str, Any]) -> dict[str, Any]:
    for k in _OWN_JSON:
        row[k] = json.loads(row[k] or "[]")
    return row


def add_own_questions(db: sqlite_utils.Database, workspace: str, rows: list[dict[str, Any]]) -> list[int]:
    """Store a batch of a workspace's own questions, all or none (one transaction). Returns their ids."""
    ids = []
    with db.atomic():
        for r in rows:
            row = {**r, "workspace": workspace, **{k: json.dumps(r.get(k) or [], ensure_ascii=False) for k in _OWN_JSON}}
            ids.append(int(db["own_questions"].insert(row).last_pk))  # type: ignore[arg-type]
    return ids


def own_questions(db: sqlite_utils.Database, workspace: str) -> list[dict[str, Any]]:
    """A workspace's own questions, oldest first (never another workspace's)."""
    return [_own_row(r) for r in db.query("select * from own_questions where workspace = ? order by id", [workspace])]


def delete_own_question(db: sqlite_utils.Database, workspace: str, question_id: int) -> dict[str, Any] | None:
    """Remove one of a workspace's own questions; None when it has no question with that id."""
    with db.atomic():
        row = next(db.query("select * from own_questions where workspace = ? and id = ?", [workspace, question_id]), None)
        if row:
            db.execute("delete from own_questions where id = ?", [question_id])
    return _own_row(row) if row else None


# --- indexes for the hot queries (issue 19: costs that depend only on the asker's library) ------------------


@migrations()
def m010_scoped_indexes(db: sqlite_utils.Database) -> None:
    # "if not exists": two processes opening an older file at once may both reach this migration
    db.execute("create index if not exists passage_entities_source on passage_entities(source_id, entity_id)")
    db.execute("create index if not exists passage_dates_source on passage_dates(source_id)")


# --- a timeline from the readings' own dates (a subject without a pack) ----------------------------------------


def passage_dates_in_years(db: sqlite_utils.Database, workspace: str, first: int, last: int,
                           limit: int = 2000) -> list[dict[str, Any]]:
    """Dated prose passages of the readings a workspace sees whose date falls in the years first..last, in
    time order, with their passage's text and reading."""
    cond, params = visible(workspace)
    return list(db.query(
        "select pd.date, pd.calendar, pd.phrase, pd.passage_id, p.text, p.loc, s.title, s.author "
        "from passage_dates pd join passages p on p.id = pd.passage_id join sources s on s.id = pd.source_id "
        f"where {cond} and p.prose = 1 and cast(substr(pd.date, 1, 4) as integer) between ? and ? "
        "order by pd.sort_key, pd.passage_id limit ?", [*params, first, last, limit]))


# --- several packs in one deployment: each workspace's choice (issue 22 item 1) ------------------------------
# Every pack under CLIO_CONTENT is indexed into the one database (rows keyed by pack, see `index_pack`); each
# workspace reads the packs it chose with /pack use, else the operator's default (CLIO_PACK).


@migrations()
def m011_workspace_packs(db: sqlite_utils.Database) -> None:
    db["workspace_packs"].create({"workspace": str, "packs": str, "chosen_by": str, "updated_at": str},
                                 pk="workspace")


WORKSPACE_TABLES += [("workspace_packs", "workspace")]
MEMBER_MENTIONS += [("workspace_packs", "chosen_by", "workspace = ?")]


def in_packs(packs: Iterable[str] | None, alias: str) -> tuple[str, list[str]]:
    """The SQL condition (and parameters) for rows of `alias` (a table with a `pack` column) in `packs`;
    every row when None."""
    if packs is None:
        return "1 = 1", []
    packs = list(packs)
    return f"{alias}.pack in ({', '.join('?' * len(packs)) or 'null'})", packs


def indexed_packs(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    """Every indexed pack: id -> its title, description, banner, periods, counts, years and examples."""
    return {r["key"].removeprefix("packinfo:"): json.loads(r["value"])
            for r in db.query("select key, value from meta where key like 'packinfo:%' order by key")}


def set_default_packs(db: sqlite_utils.Database, packs: Iterable[str]) -> None:
    """The packs a workspace that chose none reads (the operator's CLIO_PACK)."""
    value = json.dumps(list(packs))
    if get_meta(db, "default_packs") != value:
        set_meta(db, "default_packs", value)


def default_packs(db: sqlite_utils.Database) -> tuple[str, ...]:
    raw = get_meta(db, "default_packs")
    return tuple(json.loads(raw)) if raw else tuple(indexed_packs(db))


def workspace_packs(db: sqlite_utils.Database, workspace: str) -> tuple[str, ...]:
    """The packs `workspace` reads: its own choice (of indexed packs: /pack use checks), else the operator's
    default. Asked on every command, so one small query."""
    row = db.execute("select coalesce((select packs from workspace_packs where workspace = ?), "
                     "(select value from meta where key = 'default_packs'))", [workspace]).fetchone()  # one query
    packs = tuple(json.loads(row[0])) if row and row[0] else ()
    return packs or tuple(indexed_packs(db))


def chosen_packs(db: sqlite_utils.Database, workspace: str) -> tuple[str, ...] | None:
    """The packs `workspace` chose itself, None when it reads the default."""
    row = next(db.query("select packs from workspace_packs where workspace = ?", [workspace]), None)
    return tuple(json.loads(row["packs"])) if row else None


def set_workspace_packs(db: sqlite_utils.Database, workspace: str, packs: Iterable[str], by: str, now: str) -> None:
    db["workspace_packs"].upsert({"workspace": workspace, "packs": json.dumps(list(packs)), "chosen_by": by,
                                  "updated_at": now}, pk="workspace")

# --- state several processes share (issue 23: many bot processes on one database) ---------------------------
# Read and written through bot/shared_state.py (rate windows, leases) and here (the index version), so a
# PostgreSQL backend later implements the same few operations.


@migrations()
def m011_shared_state(db: sqlite_utils.Database) -> None:
    # each member's recent commands, every process counting against the same window
    db.execute("create table if not exists rate_windows (workspace text not null, user_id text not null, "
               "hits text not null, last real not null, primary key (workspace, user_id))")
    db.execute("create index if not exists rate_windows_last on rate_windows(last)")
    # who runs a platform's background work (daily posts, quiz nights, the quiz clock), until when
    db.execute("create table if not exists leases (name text primary key, holder text not null, "
               "expires_at real not null, taken_at real not null)")
    # counters bumped when what processes keep in memory changes ("index": the pack or the readings)
    db.execute("create table if not exists versions (name text primary key, version integer not null)")


@migrations()
def m012_entity_disambiguation(db: sqlite_utils.Database) -> None:
    # an entry's disambiguation note (the pack's): a person's surname alone is another person's too, so a
    # reading's bare surname links to them only once it has named them in full (bot/ingest/link.py), and their
    # card says which one they are. The packs are indexed again (and the readings relinked) when the bot next
    # starts, so the notes are there
    if "disambiguation" not in db["entities"].columns_dict:
        db["entities"].add_column("disambiguation", str)
    db.execute("delete from meta where key like 'pack:%'")


@migrations()
def m013_relink_for_candidates(db: sqlite_utils.Database) -> None:
    # the names a reading gives as people the pack lacks are found in prose alone, and never after an article
    # or a vessel, nor ending in a building's or a body's word, nor a place or its people (stop 36): the packs
    # are indexed again at the next start, which relinks every reading and makes its candidates anew
    db.execute("delete from meta where key like 'pack:%'")


@migrations()
def m014_no_entity_index_on_links(db: sqlite_utils.Database) -> None:
    # every query of the links reads them by reading (passage_entities_source: the asker's readings first), and
    # the index by entry alone was kept up on every insert at a random place among every workspace's links:
    # half the cost of storing a reading's links (0.86 against 0.41 CPU s for 83,000 links beside as many of
    # another reading's)
    db.execute("drop index if exists idx_passage_entities_entity_id")


@migrations()
def m015_adjective_names(db: sqlite_utils.Database) -> None:
    # a term's names that are also adjectives ("Soviet"): linking takes them only as nouns. The packs are indexed
    # again at the next start, which marks them and relinks every reading
    if "adjective" not in db["aliases"].columns_dict:
        db["aliases"].add_column("adjective", int, not_null_default=0)
    db.execute("delete from meta where key like 'pack:%'")


MEMBER_TABLES.append(("rate_windows", "workspace", "user_id"))
# called with (workspace, member) after forget_member, (workspace, None) after delete_workspace: what a process
# holds about members outside the database (rate-limit counts not yet written) goes too
FORGET_HOOKS: list[Callable[[str, str | None], int | None]] = []  # -> rows deleted elsewhere, if any

INDEX_VERSION = "index"  # bumped by index_pack, insert_source and delete_source: lookups are rebuilt


def bump_version(db: sqlite_utils.Database, name: str = INDEX_VERSION) -> None:
    """Count one change of `name` (in the caller's transaction, if any), for every process to see."""
    db.execute("insert into versions (name, version) values (?, 1) "
               "on conflict (name) do update set version = version + 1", [name])


def version(db: sqlite_utils.Database, name: str = INDEX_VERSION) -> int:
    """How many changes of `name` there have been (0: none yet)."""
    row = db.execute("select version from versions where name = ?", [name]).fetchone()
    return int(row[0]) if row else 0
