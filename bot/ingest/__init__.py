"""Ingest: a reading -> cleaned passages -> links to the pack, dates, candidates -> SQLite, in one transaction.

Re-ingesting the same bytes changes nothing (content hash); a changed file replaces its old passages.
A file that cannot be read raises ReadError before anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlite_utils

from bot import store
from bot.ingest.clean import clean_blocks
from bot.ingest.datefind import find_dates
from bot.ingest.link import SourceLinks, link_passages
from bot.ingest.passages import Passage, split_passages
from bot.ingest.readers import MAX_FILE_BYTES, ReadError, read_document
from bot.names import Matcher

Progress = Callable[[int, int], None]
CALENDAR_CONVENTIONS = ("julian-until-1918", "gregorian")


@dataclass(frozen=True)
class IngestResult:
    source_id: str
    title: str
    status: Literal["added", "replaced", "unchanged"]
    passages: int
    linked: int
    dates: int
    candidates: int
    bytes: int
    seconds: float

    def text(self) -> str:
        if self.status == "unchanged":
            return f"{self.title}: already indexed, unchanged ({self.passages} passages)"
        return (f"{self.title}: {self.status}, {self.passages} passages, {self.linked} pack entries linked, "
                f"{self.dates} dates, {self.candidates} unknown names ({self.bytes / 1e6:.2f} MB in {self.seconds:.1f} s)")


def source_id_for(workspace: str, filename: str) -> str:
    """Stable per workspace and file name, so a changed file replaces its earlier version."""
    return hashlib.sha256(f"{workspace}\0{filename}".encode()).hexdigest()[:16]


def ingest_file(db: sqlite_utils.Database, matcher: Matcher, person_ids: set[str], path: Path, *,
                title: str | None = None, author: str | None = None, calendar: str = "julian-until-1918",
                workspace: str = store.SHARED, data: bytes | None = None, max_bytes: int = MAX_FILE_BYTES,
                progress: Progress | None = None) -> IngestResult:
    """Ingest one file (or uploaded `data` named like `path`) into `workspace`.

    Raises:
        ReadError: the file cannot be read; the index is as it was.
    """
    started = time.perf_counter()
    if calendar not in CALENDAR_CONVENTIONS:
        raise ReadError(f"calendar must be one of {', '.join(CALENDAR_CONVENTIONS)}")
    doc = read_document(path, data=data, max_bytes=max_bytes)
    raw = data if data is not None else path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    sid = source_id_for(workspace, path.name)
    existing = next(db.query("select * from sources where id = ?", [sid]), None)
    same = existing if existing and existing["sha256"] == sha else store.source_by_sha(db, workspace, sha)
    if same is not None:
        return IngestResult(same["id"], same["title"], "unchanged", same["passages"], 0, 0, 0, len(raw),
                            time.perf_counter() - started)
    blocks = clean_blocks(doc.blocks)
    passages = split_passages(blocks)
    if not passages:
        raise ReadError(f"{path.name} has no text Clio can read.")
    first = blocks[0].text if blocks and len(blocks[0].text.split()) <= 12 else None
    title = (title or doc.title or first or path.stem.replace("_", " "))[:200]
    links = link_passages(passages, matcher, person_ids, progress=progress)
    pid = {p.seq: f"{sid}:{p.seq}" for p in passages}
    date_rows = _date_rows(passages, pid, sid, calendar)
    source = {"id": sid, "workspace": workspace, "title": title, "author": (author or doc.author or "unknown")[:200],
              "filename": path.name, "kind": doc.kind, "bytes": len(raw), "sha256": sha, "calendar": calendar,
              "added_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "passages": len(passages)}
    store.insert_source(
        db, source,
        [{"id": pid[p.seq], "source_id": sid, "workspace": workspace, "seq": p.seq, "para": p.para,
          "section": p.section, "loc": p.loc, "text": p.text} for p in passages],
        _link_rows(links, pid, sid), date_rows, _candidate_rows(links, sid))
    return IngestResult(sid, title, "replaced" if existing else "added", len(passages), len(links.entities()),
                        len(date_rows), len(links.candidates), len(raw), time.perf_counter() - started)


def relink(db: sqlite_utils.Database, matcher: Matcher, person_ids: set[str]) -> int:
    """Link every stored reading again (after the pack changed). Returns how many readings were relinked."""
    n = 0
    for src in store.sources(db, None):
        rows = store.passages_of(db, src["id"])
        passages = [Passage(r["seq"], r["para"], r["section"], r["text"]) for r in rows]
        links = link_passages(passages, matcher, person_ids)
        pid = {r["seq"]: r["id"] for r in rows}
        store.replace_links(db, src["id"], _link_rows(links, pid, src["id"]), _candidate_rows(links, src["id"]))
        n += 1
    return n


def _link_rows(links: SourceLinks, pid: dict[int, str], sid: str) -> list[dict[str, object]]:
    return [{"passage_id": pid[seq], "entity_id": e, "source_id": sid, "mentions": n}
            for seq, found in links.links.items() for e, n in found.items()]


def _candidate_rows(links: SourceLinks, sid: str) -> list[dict[str, object]]:
    return [{"source_id": sid, "key": k, "name": name, "mentions": n, "example_loc": loc}
            for k, (name, n, loc) in links.candidates.items()]


def _date_rows(passages: list[Passage], pid: dict[int, str], sid: str, calendar: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    year: int | None = None
    para = None
    for p in passages:
        if p.para != para:  # a year named in another paragraph is too far away to date "on October 24"
            year, para = None, p.para
        found, year = find_dates(p.text, calendar, year)
        for f in found:
            os, ns = f.date.old_style, f.date.new_style
            rows.append({"passage_id": pid[p.seq], "source_id": sid, "phrase": f.phrase, "date": f.date.iso(),
                         "calendar": f.date.calendar, "os_month": os.month, "os_day": os.day, "ns_month": ns.month,
                         "ns_day": ns.day, "sort_key": f.date.sort_key()})
    return rows
