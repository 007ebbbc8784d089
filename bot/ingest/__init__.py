"""Ingest: a reading -> cleaned passages -> links to the pack, dates, candidates -> the store, the passages
written as they come, the reading published once it is all in.

Re-ingesting the same bytes changes nothing (content hash); a changed file replaces its old passages.
A file that cannot be read raises ReadError and leaves the index as it was: a new reading's passages
written so far are deleted again; a reading that replaces an older copy is read in full before anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from bot import concurrency, store
from bot.errors import BotError
from bot.ingest import bounded
from bot.ingest.datefind import CONVENTIONS, FoundDate
from bot.ingest.link import PROGRESS_EVERY, candidates_of, link_passages, link_tables
from bot.ingest.passages import Passage
from bot.ingest.readers import MAX_FILE_BYTES, Block, ReadError, check_file
from bot.names import Matcher
from bot.storage.readings import Readings, SqliteReadings, Tail
from bot.text import counted

Progress = Callable[[int, int], None]
# a staged copy (SQLite: a reading written in short transactions) renewed this lately is another ingest's, still
# running: every batch it writes renews it, and the longest it may go without one is a reading child's whole
# budget (the time the bot links a batch is a small part of it); an older one is a killed process's leftover
LIVE_STAGING_SECONDS = bounded.budget(MAX_FILE_BYTES)[0] + 60
CALENDAR_CONVENTIONS = CONVENTIONS


@dataclass(frozen=True)
class IngestResult:
    source_id: str
    title: str
    status: Literal["added", "replaced", "updated", "unchanged"]
    passages: int
    linked: int
    dates: int
    candidates: int
    bytes: int
    seconds: float

    def text(self) -> str:
        if self.status == "unchanged":
            return f"{self.title}: already indexed, unchanged ({self.passages} passages)"
        if self.status == "updated":
            return f"{self.title}: already indexed; title and author updated ({self.passages} passages)"
        return (f"{self.title}: {self.status}, {counted(self.passages, 'passage')}, "
                f"{counted(self.linked, 'pack entry', 'pack entries')} linked, {counted(self.dates, 'date')}, "
                f"{counted(self.candidates, 'unknown name')} ({self.bytes / 1e6:.2f} MB in {self.seconds:.1f} s)")


class OverLimit(BotError):
    """A workspace's readings would pass its limits; nothing was changed."""


@dataclass(frozen=True)
class Limits:
    """What one workspace may hold of readings added from chat."""

    readings: int
    megabytes: int

    def check(self, readings: int, used: int, size: int) -> None:
        """Raise OverLimit when a workspace that holds `readings` readings of `used` bytes may not add one of
        `size` bytes."""
        if readings >= self.readings:
            raise OverLimit(f"This group already has {readings} readings, its limit. /forget one before adding another.")
        if used + size > self.megabytes * 2**20:
            raise OverLimit(f"This group's readings would take {(used + size) / 2**20:,.1f} MB, over its "
                            f"{self.megabytes} MB limit. /forget a reading first.")


def source_id_for(workspace: str, filename: str) -> str:
    """Stable per workspace and file name, so a changed file replaces its earlier version."""
    return hashlib.sha256(f"{workspace}\0{filename}".encode()).hexdigest()[:16]


def ingest_file(db: sqlite_utils.Database, matcher: Matcher, person_ids: set[str], path: Path, *,
                title: str | None = None, author: str | None = None, calendar: str | None = None,
                workspace: str = store.SHARED, data: bytes | None = None, max_bytes: int = MAX_FILE_BYTES,
                progress: Progress | None = None, limits: Limits | None = None,
                readings: Readings | None = None) -> IngestResult:
    """Ingest one file (or uploaded `data` named like `path`) into `workspace`.

    `calendar`: how the reading writes unmarked dates (see bot/ingest/datefind.py); None infers it from the
    reading's own marks. Ingesting unchanged bytes again with another title, author or calendar updates them.
    `limits`: the workspace's, checked before the file is read and again in the transaction that publishes it,
    so uploads running at once (in any process) cannot together pass them. `readings`: where the reading is
    stored (bot/storage/readings.py); the SQLite file `db` by default.

    Raises:
        ReadError: the file cannot be read; the index is as it was.
        OverLimit: the reading would pass `limits`; the index is as it was.
    """
    started = time.perf_counter()
    if calendar is not None and calendar not in CALENDAR_CONVENTIONS:
        raise ReadError(f"calendar must be one of {', '.join(CALENDAR_CONVENTIONS)}")
    raw = check_file(path, data, max_bytes)
    size = len(raw)
    sha = hashlib.sha256(raw).hexdigest()
    sid = source_id_for(workspace, path.name)
    readings = readings or SqliteReadings(db)
    check = None if limits is None else (lambda n, used: limits.check(n, used, size))
    existing = readings.source(sid)
    if existing is not None and existing["workspace"].startswith("~"):  # hidden: being written or deleted
        if concurrency.staged_lately(existing, LIVE_STAGING_SECONDS):
            raise ReadError(f"{path.name} is being added by another ingest right now; try again in a few minutes.")
        existing = None  # a copy a killed process left unpublished or half deleted; the write below replaces it
    same = existing if existing and existing["sha256"] == sha else readings.source_by_sha(workspace, sha)
    if same is not None and (calendar is None or calendar == same["calendar"]):
        changed = {k: v[:200] for k, v in (("title", title), ("author", author)) if v and v[:200] != same[k]}
        if changed:
            readings.update(same["id"], changed)
            same = {**same, **changed}
        return IngestResult(same["id"], same["title"], "updated" if changed else "unchanged", same["passages"],
                            0, 0, 0, size, time.perf_counter() - started)
    if same is not None:  # the same text read with another calendar: derive again, keep what was given before
        title, author = title or same["title"], author or same["author"]
        existing, sid = same, same["id"]
    if check is not None:
        check(*readings.usage(workspace, excluding=sid))  # refused before a process is spent on reading it
    # read, cleaned and split in a child process, within a budget, and linked in a second one as it passes to
    # this one, which stores each batch as it comes: the three processes share the cores. The reading child
    # also finds the dates and the names with person cues
    tables = link_tables(matcher, person_ids, **store.link_facts(db))
    done: dict[str, Any] = {}  # what the reading came to: its title and counts, for the result
    with bounded.Reading(path, raw, max_bytes, calendar, link=tables) as reading:
        del raw  # the passages are what is needed now (a 50 MB upload's bytes held to the end were 50 MB more)

        def passage_id(seq: int) -> str:
            return f"{sid}:{seq}"

        def mention_rows(mentions: Iterable[bounded.Mention]) -> list[dict[str, object]]:
            return _link_rows(sid, ((passage_id(seq), e, n) for seq, e, n in mentions))

        links: list[dict[str, object]] = []  # each passage's link rows as its batch or a later one brings them

        def rows() -> Iterator[dict[str, object]]:
            """Each passage's row as its batch comes."""
            seen = 0
            for batch, share, linked in reading.batches():
                links.extend(mention_rows(linked))
                total = round((seen + len(batch)) / share) if share > 0 else 0  # an estimate until the last batch
                for p in batch:
                    seen += 1
                    if progress and seen % PROGRESS_EVERY == 0:
                        progress(seen, max(seen, total))
                    yield {"id": passage_id(p.seq), "source_id": sid, "workspace": workspace, "seq": p.seq,
                           "para": p.para, "section": p.section, "loc": p.loc, "text": p.text,
                           "prose": int(p.prose)}  # the text as written
            if not seen:
                raise ReadError(f"{path.name} has no text Clio can read.")
            done["passages"] = seen
            if progress:
                progress(seen, seen)

        def tail() -> Tail:
            """What the whole reading tells once its last passage is in: the last paragraph's links and the
            mentions only the whole reading settles, its dates, its title."""
            doc, linked = reading.result, reading.linked
            assert doc is not None and linked is not None  # rows() ran to its end
            links.extend(mention_rows(linked.links))
            date_rows = [_date_row(f, passage_id(seq), sid) for seq, f in doc.dates]
            candidates = _candidate_rows(candidates_of(doc.cued, linked.cue_counts, matcher), sid)
            done.update(title=(title or doc.title or _heading_title(doc.first) or stem)[:200],
                        linked=linked.entities, dates=len(date_rows), candidates=len(candidates))
            return Tail({"title": done["title"], "author": (author or doc.author or "unknown")[:200], "kind": doc.kind,
                         "calendar": doc.calendar, "passages": done["passages"]},
                        mention_rows(linked.late), date_rows, candidates)

        stem = path.stem.replace("_", " ")
        passages: Iterable[dict[str, object]] = rows()
        if existing is not None:  # a reading that fails to read again must keep its old copy: read before writing
            passages = list(passages)
        # the source row as far as it is known before the reading is read; tail() completes it
        source = {"id": sid, "workspace": workspace, "title": (title or stem)[:200],
                  "author": (author or "unknown")[:200], "filename": path.name, "kind": "text", "bytes": size,
                  "sha256": sha, "calendar": calendar or "unknown",
                  "added_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "passages": 0}
        readings.write(source, passages, links, [], [], check=check, tail=tail)
    return IngestResult(sid, done["title"], "replaced" if existing else "added", done["passages"], done["linked"],
                        done["dates"], done["candidates"], size, time.perf_counter() - started)


def relink(db: sqlite_utils.Database, matcher: Matcher, person_ids: set[str],
           readings: Readings | None = None) -> int:
    """Link every stored reading again (after the pack changed). Returns how many readings were relinked."""
    readings = readings or SqliteReadings(db)
    facts = store.link_facts(db)
    n = 0
    for src in readings.sources(None):
        rows = readings.passages_of(src["id"])
        passages = [Passage(r["seq"], r["para"], r["section"], r["text"], bool(r["prose"])) for r in rows]
        links = link_passages(passages, matcher, person_ids, **facts)
        pid = {r["seq"]: r["id"] for r in rows}
        found = ((pid[seq], e, n) for seq, counts in links.links.items() for e, n in counts.items())
        readings.replace_links(src["id"], _link_rows(src["id"], found), _candidate_rows(links.candidates, src["id"]))
        n += 1
    return n


def _link_rows(sid: str, mentions: Iterable[tuple[str, str, int]]) -> list[dict[str, object]]:
    """The passage_entities rows of reading `sid`: one for each (passage id, entity id, mentions)."""
    return [{"passage_id": p, "entity_id": e, "source_id": sid, "mentions": n} for p, e, n in mentions]


def _candidate_rows(candidates: dict[str, tuple[str, int, str]], sid: str) -> list[dict[str, object]]:
    return [{"source_id": sid, "key": k, "name": name, "mentions": n, "example_loc": loc}
            for k, (name, n, loc) in candidates.items()]


def _heading_title(first: Block | None) -> str | None:
    """A title from the reading's first block when it is a clean heading: words, no markup, no sentence."""
    if (first is None or first.kind != "heading" or first.form != "text" or len(first.text.split()) > 12
            or not first.text[:1].isalnum() or any(c in first.text for c in "[]{}|<>=_*#")):
        return None
    return first.text


def _date_row(f: FoundDate, passage_id: str, sid: str) -> dict[str, object]:
    """The row of a date a prose passage states; an Old Style day also gets its anniversary in Old Style, a
    New Style one only its own (France never counted Old Style days)."""
    os, ns = f.date.old_style, f.date.new_style
    julian = f.date.calendar == "julian"
    return {"passage_id": passage_id, "source_id": sid, "phrase": f.phrase, "date": f.date.iso(),
            "calendar": f.date.calendar, "os_month": os.month if julian else None,
            "os_day": os.day if julian else None, "ns_month": ns.month,
            "ns_day": ns.day, "sort_key": f.date.sort_key()}
