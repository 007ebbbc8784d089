"""The readings aggregate behind one interface (issue 23): a reading (a source) with its passages, the pack
entries and dates its passages were linked to, and the unknown names it kept mentioning; and the full-text
search over the passages a workspace may see (the shared readings and its own).

`SqliteReadings` keeps them in the SQLite file (bot/store.py's tables, FTS5 ranked by bm25, written in short
transactions and published at the end: bot/concurrency.py). `PgReadings` (bot/storage/readings_pg.py) keeps
them in PostgreSQL: a `tsvector` column with a GIN index, ranked by `ts_rank`, the whole reading written in
one transaction (invisible to every query until it commits). tests/test_readings_repo.py runs one contract
on both.

Rows are typed dicts (`SourceRow`, `PassageHit`), so services read them as they read the store's rows.
What a workspace sees is the repository's to enforce: every read takes the asker's workspace and never
returns another group's reading."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

from bot import store

if TYPE_CHECKING:
    import sqlite_utils

# Called in the transaction that publishes a reading with (readings, bytes) its workspace then holds without
# it; raises (bot.ingest.OverLimit) to refuse it. No other upload of that workspace is between the two.
LimitCheck = Callable[[int, int], None]


@dataclass(frozen=True)
class Tail:
    """What is known of a reading only once its last passage has been read (ingest streams the passages into
    the store as the reading child makes them): its source row's final fields (title, kind, calendar, passage
    count...), its dates and candidates, and the mentions linking added or took back only at the end (see
    Readings.write)."""

    fields: dict[str, Any] = field(default_factory=dict)
    links: list[dict[str, Any]] = field(default_factory=list)
    dates: list[dict[str, Any]] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)


class SourceRow(TypedDict):
    id: str
    workspace: str
    title: str
    author: str
    filename: str
    kind: str
    bytes: int
    sha256: str
    calendar: str
    added_at: str
    passages: int


class PassageHit(TypedDict):
    id: str
    text: str
    loc: str
    source_id: str
    title: str
    author: str


class Readings(Protocol):
    """Every read and write of the readings aggregate."""

    def write(self, source: dict[str, Any], passages: Iterable[dict[str, Any]], links: list[dict[str, Any]],
              dates: list[dict[str, Any]], candidates: list[dict[str, Any]],
              check: LimitCheck | None = None, tail: Callable[[], Tail] | None = None) -> None:
        """Store a reading with its passages, links, dates and candidates, replacing an older copy with
        the same id; no query sees it until it is all written. `check` may refuse it (see LimitCheck);
        then nothing of it stays and the older copy is gone.

        `passages` may be a generator that reads them as they are stored, and `links` may grow while it does
        (a store may take each link as soon as its passage is in); `tail`, called once the passages are spent,
        gives what only the whole reading tells: its dates and candidates are added to those given, its links'
        mentions to theirs (a link given already, for the same passage and entry, counts them too; a negative
        count takes mentions back, and a link left with none is gone), its fields set on the source. Whatever
        either raises, nothing of the reading stays."""

    def delete(self, source_id: str) -> None:
        """Remove a reading and everything derived from it (hidden from every query at once)."""

    def update(self, source_id: str, fields: dict[str, Any]) -> None:
        """Change a reading's title or author in place."""

    def replace_links(self, source_id: str, links: list[dict[str, Any]], candidates: list[dict[str, Any]]) -> None:
        """A reading's links and candidates made again (after the pack changed)."""

    def source(self, source_id: str) -> SourceRow | None: ...

    def source_by_sha(self, workspace: str, sha: str) -> SourceRow | None:
        """The workspace's own reading with these bytes (a shared one is the operator's)."""

    def sources(self, workspace: str | None) -> list[SourceRow]:
        """The readings a workspace sees, oldest first (every reading when None: the operator's view)."""

    def passages_of(self, source_id: str) -> list[dict[str, Any]]:
        """A reading's passages in reading order."""

    def usage(self, workspace: str, excluding: str | None = None) -> tuple[int, int]:
        """(readings, stored bytes) the workspace owns, without `excluding`."""

    def search(self, text: str, workspace: str, limit: int = 10, source_id: str | None = None,
               prose_only: bool = False) -> list[PassageHit]:
        """The passages of the readings `workspace` sees that hold every word of `text`, best first; the
        typed words are searched as words, never run as query syntax. `prose_only` leaves out notes,
        references, lists and captions."""

    def delete_workspace(self, workspace: str) -> int:
        """Delete every reading a workspace owns; how many went."""

    def entity_passages(self, entity_id: str, workspace: str, per_source: int = 1,
                        limit: int = 6) -> list[dict[str, Any]]:
        """The prose passages that mention a pack entry most, the best `per_source` of each reading the
        workspace sees (mentions, then a passage of 200-900 characters, then reading order), at most
        `limit`: PassageHit fields and `mentions`."""

    def link_counts(self, entity_ids: Iterable[str], workspace: str) -> dict[str, int]:
        """How many passages of the readings a workspace sees link to each entry (entries with none left out)."""

    def candidate(self, key: str, workspace: str) -> dict[str, Any] | None:
        """A name the pack lacks that the workspace's readings keep mentioning: key, name, mentions."""

    def candidates(self, workspace: str | None) -> list[dict[str, Any]]:
        """Every such name, most mentioned first: key, name, mentions, readings, example."""

    def dates_on_day(self, month: int, day: int, workspace: str, limit: int = 10) -> list[dict[str, Any]]:
        """Dated prose passages falling on this day (New Style, or Old Style before the Julian era's end),
        each passage once with its earliest such date, oldest first."""

    def dates_in_years(self, workspace: str, first: int, last: int, limit: int = 2000) -> list[dict[str, Any]]:
        """Dated prose passages whose date falls in the years first..last, in time order."""

    def single_person_passages(self, workspace: str, source_id: str | None, limit: int,
                               people: Iterable[str]) -> list[dict[str, Any]]:
        """Prose passages linked to exactly one of `people` (a fair who-is-this question), shortest-fit
        first, each with `entity_id` (that person) and `cooccurring` (every entry its reading links)."""

    def discussed_events(self, workspace: str, source_id: str | None, limit: int,
                         events: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """Of `events` (id -> name, date, calendar), those a prose passage links to while giving the event's
        year, most discussed first, each with its first such passage (passage_id, loc, source_id, author)."""

    def own_passages(self, workspace: str, source_id: str | None, limit: int) -> list[dict[str, Any]]:
        """The prose passages of the workspace's own readings (not the shared ones) in the order stored."""

    def coverage(self, people: Iterable[str]) -> dict[str, int]:
        """The operator's counts over every reading: readings_indexed, passages, recurring_people_linked (of
        `people`, those linked at least twice) and recurring_names_missing (names the pack lacks, mentioned
        at least twice)."""


class SqliteReadings:
    """The readings in the SQLite file (bot/store.py's tables and functions)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def write(self, source: dict[str, Any], passages: Iterable[dict[str, Any]], links: list[dict[str, Any]],
              dates: list[dict[str, Any]], candidates: list[dict[str, Any]],
              check: LimitCheck | None = None, tail: Callable[[], Tail] | None = None) -> None:
        within = None if check is None else (
            lambda: check(*store.workspace_usage(self.db, source["workspace"], excluding=source["id"])))
        store.insert_source(self.db, source, passages, links, dates, candidates, within=within, tail=tail)

    def delete(self, source_id: str) -> None:
        store.delete_source(self.db, source_id)

    def update(self, source_id: str, fields: dict[str, Any]) -> None:
        store.update_source(self.db, source_id, fields)

    def replace_links(self, source_id: str, links: list[dict[str, Any]], candidates: list[dict[str, Any]]) -> None:
        store.replace_links(self.db, source_id, links, candidates)

    def source(self, source_id: str) -> SourceRow | None:
        return next(self.db.query("select * from sources where id = ?", [source_id]), None)  # type: ignore[return-value]

    def source_by_sha(self, workspace: str, sha: str) -> SourceRow | None:
        return store.source_by_sha(self.db, workspace, sha)  # type: ignore[return-value]

    def sources(self, workspace: str | None) -> list[SourceRow]:
        return store.sources(self.db, workspace)  # type: ignore[return-value]

    def passages_of(self, source_id: str) -> list[dict[str, Any]]:
        return store.passages_of(self.db, source_id)

    def usage(self, workspace: str, excluding: str | None = None) -> tuple[int, int]:
        return store.workspace_usage(self.db, workspace, excluding)

    def search(self, text: str, workspace: str, limit: int = 10, source_id: str | None = None,
               prose_only: bool = False) -> list[PassageHit]:
        return store.search_passages(self.db, text, workspace, limit, source_id, prose_only).rows  # type: ignore[return-value]

    def delete_workspace(self, workspace: str) -> int:
        own = [s["id"] for s in self.db.query("select id from sources where workspace = ?", [workspace])]
        for sid in own:
            store.delete_source(self.db, sid)
        return len(own)

    def entity_passages(self, entity_id: str, workspace: str, per_source: int = 1,
                        limit: int = 6) -> list[dict[str, Any]]:
        return store.entity_passages(self.db, entity_id, workspace, per_source, limit)

    def link_counts(self, entity_ids: Iterable[str], workspace: str) -> dict[str, int]:
        ids = list(dict.fromkeys(entity_ids))
        if not ids:
            return {}
        cond, params = store.visible(workspace)
        return dict(self.db.execute(  # the asker's readings first, then their links to the entries
            "select pe.entity_id, count(*) from sources s cross join passage_entities pe on pe.source_id = s.id "
            f"and pe.entity_id in ({', '.join('?' * len(ids))}) where {cond} group by pe.entity_id",
            [*ids, *params]).fetchall())

    def candidate(self, key: str, workspace: str) -> dict[str, Any] | None:
        return store.candidate(self.db, key, workspace)

    def candidates(self, workspace: str | None) -> list[dict[str, Any]]:
        return store.candidates(self.db, workspace)

    def dates_on_day(self, month: int, day: int, workspace: str, limit: int = 10) -> list[dict[str, Any]]:
        return store.passage_dates_on_day(self.db, month, day, workspace, limit)

    def dates_in_years(self, workspace: str, first: int, last: int, limit: int = 2000) -> list[dict[str, Any]]:
        return store.passage_dates_in_years(self.db, workspace, first, last, limit)

    def single_person_passages(self, workspace: str, source_id: str | None, limit: int,
                               people: Iterable[str]) -> list[dict[str, Any]]:
        return store.single_person_passages(self.db, workspace, source_id, limit, people)

    def discussed_events(self, workspace: str, source_id: str | None, limit: int,
                         events: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        return store.discussed_events(self.db, workspace, source_id, limit, events)

    def own_passages(self, workspace: str, source_id: str | None, limit: int) -> list[dict[str, Any]]:
        extra, more = ("and s.id = ?", [source_id]) if source_id else ("", [])
        return list(self.db.query(
            "select p.id as passage_id, p.text, p.loc, s.id as source_id, s.title, s.author from sources s "
            f"join passages p on p.source_id = s.id where s.workspace = ? {extra} and p.prose = 1 order by p.rowid "
            "limit ?", [workspace, *more, limit]))

    def coverage(self, people: Iterable[str]) -> dict[str, int]:
        one = lambda sql, args=(): self.db.execute(sql, list(args)).fetchone()[0]  # noqa: E731
        return {
            "readings_indexed": one("select count(*) from sources"), "passages": one("select count(*) from passages"),
            "recurring_people_linked": one(  # each reading's links to the people, by reading (m014)
                "select count(*) from (select pe.entity_id from sources s cross join passage_entities pe "
                "on pe.source_id = s.id and pe.entity_id in (select value from json_each(?)) "
                "group by pe.entity_id having sum(pe.mentions) >= 2)",
                [json.dumps(list(people))]),
            "recurring_names_missing": one(
                "select count(*) from (select key from candidates group by key having sum(mentions) >= 2)"),
        }
