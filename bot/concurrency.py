"""Writes that never lock, and reads whose cost depends only on the asker's library (issue 19, items 2-3).

Several Clio processes (the Discord and Slack services of the Docker layout) and several threads of one
process share one SQLite file. SQLite lets one writer at a time in, so:

- every connection is in WAL mode (readers never wait for the writer) with a busy timeout, so a writer that
  finds the lock taken waits for it instead of failing;
- every transaction that writes starts with ``BEGIN IMMEDIATE`` (``Database.atomic``): it takes the write
  lock first, so a transaction that reads and then writes (``create_quiz``, the exactly-once claims) never
  fails at its first write because another process wrote after its read ("database is locked" without
  waiting, SQLITE_BUSY_SNAPSHOT); taking the lock is retried, which is always safe (nothing was done yet);
- a reading is written in short transactions of a few hundred passages (``write_source``), invisible to
  every query until one last tiny transaction publishes it, so another writer waits milliseconds, not the
  seconds a 50 MB reading takes.

Reads: ``search_passages`` ranks every passage of the asker's library that matches (no cap), reading FTS5
one source's rowid range at a time, so a common word costs what the asker's readings hold, whatever other
workspaces hold, and returns the true best passages by FTS5's bm25 (``rank``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import operator
import re
import sqlite3
import time
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # imported when a database is first opened for writing: `clio ask` only reads
    import sqlite_utils

BUSY_TIMEOUT_MS = 15_000  # how long a writer waits for the lock before SQLite gives up
LOCK_RETRIES = 6  # then taking the lock is retried this often, with growing pauses
# passage text per write transaction: FTS5 writes what a transaction indexed as a segment of its own and merges
# them as they pile up, so small transactions cost more in all (the 9.3 MB bench text: 0.59 CPU s to store its
# passages in 200 KB transactions, 0.46 in 1 MB ones); FTS5 indexes 10-20 MB/s here, so each holds the write
# lock for 50-100 ms
BATCH_BYTES = 1_000_000
BATCH_PASSAGES = 5_000  # passages per write transaction at most (a reading of short lines)
BATCH_ROWS = 2_000  # links, dates or candidates per write transaction

# A source row's workspace while its reading is written, or while it is being deleted: no workspace's
# visible() condition matches it, so its passages are found by no query.
STAGING = "~staging:"
RETIRED = "~retired:"

T = TypeVar("T")


def is_locked(error: BaseException) -> bool:
    """Whether an error is SQLite's "database is locked" / "busy" (worth waiting and trying again)."""
    return isinstance(error, sqlite3.OperationalError) and any(
        w in str(error).lower() for w in ("locked", "busy"))


def retry_locked(fn: Callable[[], T], retries: int = LOCK_RETRIES) -> T:
    """Run `fn` (a whole transaction, which SQLite rolled back if it failed), again after a pause when it
    failed because the database was locked. Only for work that is safe to repeat."""
    for attempt in range(retries):
        try:
            return fn()
        except sqlite3.OperationalError as e:
            if not is_locked(e) or attempt == retries - 1:
                raise
            time.sleep(min(0.05 * 2**attempt, 1.0))
    raise AssertionError("unreachable")


@contextlib.contextmanager
def _immediate(db: Any, nested: Callable[[], contextlib.AbstractContextManager[Any]]) -> Generator[Any, None, None]:
    """`db.atomic()`: a transaction that takes the write lock when it begins (BEGIN IMMEDIATE), or, inside the
    caller's transaction, `nested()` (a savepoint)."""
    if db.conn.in_transaction:
        with nested():
            yield db
        return
    retry_locked(lambda: db.conn.execute("BEGIN IMMEDIATE"))
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise


@functools.cache
def database_class() -> type[sqlite_utils.Database]:
    """sqlite-utils' Database whose transactions take the write lock when they begin (BEGIN IMMEDIATE). Made
    on first use, so that a process that only reads (`clio ask`) never imports sqlite-utils."""
    import sqlite_utils

    class Database(sqlite_utils.Database):
        __doc__ = database_class.__doc__

        def atomic(self) -> contextlib.AbstractContextManager[Database]:  # type: ignore[override]
            return _immediate(self, super().atomic)

    return Database


def __getattr__(name: str) -> Any:  # `concurrency.Database`: the class, made when first asked for
    if name == "Database":
        return database_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_FIRST_WORD = re.compile(r"\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*(\w+)", re.S)
_READS = ("select", "with", "values")


def _sqlite_utils_without_numpy() -> None:
    """Import sqlite-utils without numpy: it imports numpy (when installed, as matplotlib needs it) only to map
    numpy's number types to column types, and a lookup stores none. numpy is still importable after."""
    import sys

    if "sqlite_utils" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]  # an ImportError for sqlite-utils' optional import
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["numpy"]


class LightDatabase:
    """sqlite-utils' Database as answering one command uses it (`clio ask`), on the stdlib's sqlite3: `execute`,
    `query` of rows, `atomic`, `close`. Anything else (a table's insert or upsert, a migration, a statement
    `query` does not know for a read) is sqlite-utils' own Database on the same connection, made when first
    needed, so every call behaves as it would there. Importing sqlite-utils costs a new process more time than
    the whole answer to a lookup."""

    def __init__(self, path: Path | str):
        self.conn = sqlite3.connect(str(path))
        self.conn.execute("PRAGMA recursive_triggers=on;")

    @functools.cached_property
    def full(self) -> sqlite_utils.Database:
        """sqlite-utils' Database (this module's, with BEGIN IMMEDIATE) on this connection."""
        _sqlite_utils_without_numpy()
        return database_class()(self.conn, recursive_triggers=False, execute_plugins=False)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "full":
            raise AttributeError(name)
        return getattr(self.full, name)

    def __getitem__(self, table: str) -> Any:
        return self.full[table]

    def __enter__(self) -> LightDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def atomic(self) -> contextlib.AbstractContextManager[LightDatabase]:
        return _immediate(self, lambda: self.full.atomic())

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> sqlite3.Cursor:
        word = _FIRST_WORD.match(sql)
        if word is None or word.group(1).lower() not in (*_READS, "pragma"):
            return self.full.execute(sql, parameters)  # a write commits as sqlite-utils' does
        was_in_transaction = self.conn.in_transaction
        cursor = self.conn.execute(sql, parameters) if parameters is not None else self.conn.execute(sql)
        if not was_in_transaction and self.conn.in_transaction and cursor.description is None:
            self.conn.execute("COMMIT")  # a WITH ... INSERT opened a transaction: committed, as sqlite-utils does
        return cursor

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        word = _FIRST_WORD.match(sql)
        if word is None or word.group(1).lower() not in _READS:
            return self.full.query(sql, params)
        was_in_transaction = self.conn.in_transaction
        cursor = self.conn.execute(sql, params) if params is not None else self.conn.execute(sql)
        if cursor.description is None:  # not a statement that returns rows: as sqlite-utils says it
            if not was_in_transaction and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise ValueError("query() can only be used with SQL that returns rows - use execute() for other statements")
        keys = [d[0] for d in cursor.description]
        if not was_in_transaction and self.conn.in_transaction:  # a write that returns rows: done, committed
            rows = cursor.fetchall()
            self.conn.execute("COMMIT")
            return (dict(zip(keys, row)) for row in rows)
        if len(set(keys)) != len(keys):  # duplicate column names: renamed as sqlite-utils does
            from sqlite_utils.utils import dedupe_keys

            keys = dedupe_keys(keys)
        return (dict(zip(keys, row)) for row in cursor)


def connect(path: Path | str, light: bool = False) -> sqlite_utils.Database:
    """A connection configured for several writers: WAL, a busy timeout, NORMAL sync (safe under WAL: a
    power cut may lose the last commits, never corrupt the file; each short transaction then costs no fsync).
    `light`: a `LightDatabase`, for a process that answers one command and exits (`clio ask`)."""
    # execute_plugins=False: Clio uses no sqlite-utils plugins, and looking for them reads the metadata of every
    # installed package, the slowest part of opening the database in a new process (`clio ask`)
    db: Any = LightDatabase(path) if light else database_class()(path, execute_plugins=False)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if db.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def _batches(rows: Iterable[dict[str, Any]], max_rows: int, max_bytes: int | None = None,
             size: Callable[[dict[str, Any]], int] | None = None) -> Iterator[list[dict[str, Any]]]:
    """`rows` (a list, or a generator that builds them as they are written) in lists of at most `max_rows`,
    each closed once its rows' `size` reaches `max_bytes`."""
    chunk: list[dict[str, Any]] = []
    used = 0
    for r in rows:
        chunk.append(r)
        used += size(r) if size else 0
        if len(chunk) >= max_rows or (max_bytes is not None and used >= max_bytes):
            yield chunk
            chunk, used = [], 0
    if chunk:
        yield chunk


_INDEXED_BY_TRIGGER = frozenset({"passages"})  # tables whose insert trigger writes each row to an FTS5 index


def _insert_rows(db: sqlite_utils.Database, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows that all have the first row's keys into an existing table: one prepared statement run
    by executemany (sqlite-utils' insert_all builds and checks a statement per few hundred rows, which cost
    more than FTS5's indexing of the passages)."""
    if not rows:
        return
    cols = list(rows[0])
    names = ", ".join(f"[{c}]" for c in cols)
    values = list(map(operator.itemgetter(*cols), rows)) if len(cols) > 1 else [(r[cols[0]],) for r in rows]
    if table not in _INDEXED_BY_TRIGGER:
        db.conn.executemany(f"insert into [{table}] ({names}) values ({', '.join('?' * len(cols))})", values)
        return
    # A table whose trigger indexes each row in FTS5: the rows go to a temporary table first, then into the
    # table in one statement. Run once per row (executemany), the trigger's FTS5 insert comes in a statement of
    # its own each time, and FTS5 writes out what it holds in memory at each one: a segment per row, merged
    # again and again (3x the CPU of indexing the same rows in one statement). Same rows, same rowids, same order.
    staged = f"_staged_{table}_{zlib.crc32(names.encode())}"  # one per column list
    db.conn.execute(f"create temp table if not exists [{staged}] ({names})")  # no types: values kept as given
    db.conn.executemany(f"insert into temp.[{staged}] values ({', '.join('?' * len(cols))})", values)
    db.conn.execute(f"insert into main.[{table}] ({names}) select {names} from temp.[{staged}] order by rowid")
    db.conn.execute(f"delete from temp.[{staged}]")


def _write(db: sqlite_utils.Database, fn: Callable[[], None]) -> None:
    def once() -> None:
        with db.atomic():
            fn()
    retry_locked(once)


def write_source(db: sqlite_utils.Database, source: dict[str, Any], passages: Iterable[dict[str, Any]],
                 links: list[dict[str, Any]], dates: list[dict[str, Any]],
                 candidates: list[dict[str, Any]], within: Callable[[], None] | None = None,
                 tail: Callable[[], Any] | None = None) -> None:
    """Store one reading in short write transactions, replacing any old copy (same id).

    The old copy is hidden and deleted first; the new one is written under a staging workspace no query
    sees, then published in one tiny transaction, so a search never finds half a reading. If anything fails
    midway, what was written is deleted again and the error raised. `within` runs in the publishing
    transaction (it holds SQLite's write lock: no other writer in any process is between its check and the
    publish) and refuses the reading by raising; the staged copy is then deleted.

    `passages` may be a generator that reads (and links) the reading as it is written, a batch at a time
    (a reading is never held whole); `links` may grow while it does: each link is stored with the batch
    after its passage's (it is never removed from the list). Each batch renews the staged copy's added_at.
    `tail` (a bot.storage.readings.Tail maker), called once the passages are spent, adds dates and
    candidates, mentions to links (a link stored already counts them too) and sets the source's final
    fields."""
    sid = source["id"]
    delete_source(db, sid)
    # staged, its added_at is the heartbeat (below); the source's own comes back when it is published
    _write(db, lambda: db["sources"].insert({**source, "workspace": STAGING + source["workspace"], "added_at": _now()},
                                            pk="id"))
    try:
        taken = 0  # links[:taken] are stored
        written: set[str] = set()  # the passages of the last two batches
        for chunk in _batches(passages, BATCH_PASSAGES, BATCH_BYTES, lambda r: len(r.get("text") or "")):
            ids = {r["id"] for r in chunk}
            written, start = written | ids, taken
            # the links whose passages are in: they come in reading order, so a run from the front
            while taken < len(links) and links[taken]["passage_id"] in written:
                taken += 1
            written = ids

            def batch(c: list[dict[str, Any]] = chunk, ln: list[dict[str, Any]] = links[start:taken]) -> None:
                _insert_rows(db, "passages", c)
                _insert_rows(db, "passage_entities", ln)
                # the staged copy's heartbeat: another process takes one renewed lately for a live ingest
                db.execute("update sources set added_at = ? where id = ?", [_now(), sid])
            _write(db, batch)
        fields: dict[str, Any] = {}
        more: list[dict[str, Any]] = []
        if tail is not None:
            end = tail()
            dates, candidates, fields, more = [*dates, *end.dates], [*candidates, *end.candidates], end.fields, \
                end.links
        for table, rows in (("passage_entities", links[taken:]), ("passage_dates", dates), ("candidates", candidates)):
            for chunk in _batches(rows, BATCH_ROWS):
                _write(db, lambda t=table, c=chunk: _insert_rows(db, t, c))
        # mentions only the whole reading settles (a lone common word a pack names a thing by: every such one
        # in a reading): many in a long reading, so in short transactions like the rest
        for chunk in _batches(more, BATCH_ROWS):
            _write(db, lambda c=chunk: add_mentions(db, c))

        def publish() -> None:
            if within is not None:
                within()
            final = {"added_at": source["added_at"], **fields, "workspace": source["workspace"]}
            db.execute(f"update sources set {', '.join(f'[{k}] = ?' for k in final)} where id = ?",
                       [*final.values(), sid])
        _write(db, publish)
    except BaseException:
        delete_source(db, sid)
        raise


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def staged_lately(row: dict[str, Any], seconds: float) -> bool:
    """Whether a source row is a copy being written (staged) that was renewed in the last `seconds`: a live
    ingest, maybe in another process (each batch it writes renews the row's `added_at`), not one a killed
    process left."""
    if not str(row.get("workspace", "")).startswith(STAGING):
        return False
    try:
        at = dt.datetime.fromisoformat(row["added_at"])
    except (TypeError, ValueError):
        return False
    if at.tzinfo is None:  # written without a zone: UTC, as Clio writes it
        at = at.replace(tzinfo=dt.UTC)
    return (dt.datetime.now(dt.UTC) - at).total_seconds() < seconds


def add_mentions(db: sqlite_utils.Database, links: list[dict[str, Any]]) -> None:
    """Store link rows whose passage may already link to the entry: their mentions are added, a negative count
    taking mentions back; a link left with none is removed."""
    db.conn.executemany(
        "insert into passage_entities (passage_id, entity_id, source_id, mentions) values (?, ?, ?, ?) "
        "on conflict (passage_id, entity_id) do update set mentions = mentions + excluded.mentions",
        [(r["passage_id"], r["entity_id"], r["source_id"], r["mentions"]) for r in links])
    gone = [(r["passage_id"], r["entity_id"]) for r in links if r["mentions"] < 0]
    if gone:
        db.conn.executemany("delete from passage_entities where passage_id = ? and entity_id = ? and mentions <= 0",
                            gone)


def delete_source(db: sqlite_utils.Database, source_id: str) -> None:
    """Remove a source and what was derived from it in short transactions: it is hidden from every query
    at once (its workspace marked retired), then its rows go a few hundred at a time."""
    _write(db, lambda: db.execute(
        "update sources set workspace = ? || workspace where id = ? and substr(workspace, 1, 1) != '~'",
        [RETIRED, source_id]))
    for table, n in (("passage_entities", BATCH_ROWS), ("passage_dates", BATCH_ROWS), ("candidates", BATCH_ROWS),
                     ("passages", 500)):
        while True:
            box: list[int] = []
            _write(db, lambda t=table, k=n: box.append(db.execute(
                f"delete from {t} where rowid in (select rowid from {t} where source_id = ? limit ?)",
                [source_id, k]).rowcount))
            if box[0] < n:
                break
    _write(db, lambda: db.execute("delete from sources where id = ?", [source_id]))


# --- reads scoped to the asker's library -------------------------------------------------------------


def search_passages(db: sqlite_utils.Database, match: str, sources_sql: str, params: list[Any],
                    limit: int, prose_only: bool) -> list[int]:
    """Rowids of the best `limit` passages matching the FTS5 query `match` among the sources that
    `sources_sql` (a query selecting source ids, with `params`) selects, best first by bm25 (FTS5's rank;
    ties: the newest first). Every match of those sources is ranked; no other source's passage is read
    (FTS5 seeks straight to each source's rowid range)."""
    ranges = db.execute(
        "select source_id, min(rowid), max(rowid) from passages "
        f"where source_id in ({sources_sql}) group by source_id", params).fetchall()
    prose = " and p.prose = 1" if prose_only else ""
    found: list[tuple[float, int]] = []
    for source_id, lo, hi in ranges:
        found.extend((rank, -rowid) for rowid, rank in db.execute(
            "select f.rowid, f.rank from passages_fts f join passages p on p.rowid = f.rowid "
            f"where passages_fts match ? and f.rowid between ? and ? and p.source_id = ?{prose} "
            "order by f.rank, f.rowid desc limit ?", [match, lo, hi, source_id, limit]).fetchall())
    return [-neg for _, neg in sorted(found)[:limit]]


def query_plan(db: sqlite_utils.Database, sql: str, params: Sequence[Any] = ()) -> list[str]:
    """SQLite's plan for a query, one step a line ("SEARCH p USING INDEX ...", "SCAN passages ...")."""
    return [r[3] for r in db.execute(f"explain query plan {sql}", list(params)).fetchall()]
