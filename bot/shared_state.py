"""What several Clio processes on one database share (issue 23, item 3): rate limits, the index version and
the background lease. The Docker layout already runs two processes on one SQLite file (Discord and Slack), and
a big deployment runs several of each; what one process kept in its own memory, the others could not see.

- Rate limits: each member's recent commands are a row of the database (`rate_windows`), so a member who
  alternates between processes still gets "30/minute", not 30 a minute per process. The rule, the moving
  window and the reply are those of bot/services/ratelimit.py; idle members' rows are swept once a window,
  and at most `max_members` are kept (the least recently active go first), as in memory before.
- The index version: index_pack, insert_source and delete_source bump a counter in the database
  (bot/store.py `versions`); each process reads it at most once a second before a command and rebuilds its
  lookup (the name matcher) when it moved, so `clio index` or an ingest in one process reaches the others.
- Leases: a named row (holder, expiry) that one process at a time holds; bot/lease.py runs the background
  work (daily posts, quiz nights, the quiz clock) under it.

`SharedState` is the small interface both backends implement: `SqliteState` is SQLite's, with one connection
per thread (a connection of Python's sqlite3 belongs to the thread that opened it); bot/pg_state.py `PgState`
is PostgreSQL's, chosen by CLIO_DATABASE_URL (`open_shared`). tests/test_shared_state.py runs the same
contract tests on both.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: `clio ask` reads the database without importing sqlite-utils
    import sqlite_utils

from bot import concurrency, store
from bot.forgetting import Forgetters
from bot.services.ratelimit import MAX_MEMBERS, SlowDown, _Rule, _window

log = logging.getLogger("clio.shared")
CHECK_EVERY = 1.0  # seconds between two reads of the index version in one process
FLUSH_EVERY = 0.2  # seconds between two writes of a process's rate-limit counts


class SharedState(Protocol):
    """State every process of a deployment sees. Times are seconds since the epoch (every process's clock)."""

    def hits(self, workspace: str, user_id: str, since: float) -> list[float]:
        """When a member's commands counted so far after `since` came, oldest first."""

    def add_hits(self, hits: dict[tuple[str, str], list[float]], since: float, keep: int) -> None:
        """Count commands, by (workspace, member), keeping each member's last `keep` after `since`."""

    def forget(self, workspace: str, user_id: str | None) -> None:
        """Delete a member's counts in a workspace (every member's, when user_id is None)."""

    def sweep(self, before: float, keep: int) -> int:
        """Forget members with no command since `before`, then all but the `keep` most recently active."""

    def version(self, name: str) -> int:
        """The counter `name` (bumped by the store when the pack or the readings change)."""

    def bump(self, name: str) -> int:
        """Count one change of `name`, for every process to see; the new count."""

    def take_lease(self, name: str, holder: str, now: float, ttl: float) -> bool:
        """Take or renew lease `name` for `holder` until now + ttl: True when it is free, expired or already
        `holder`'s; False while another holder's is current."""

    def release_lease(self, name: str, holder: str) -> None:
        """Give lease `name` up, if `holder` holds it (the next taker need not wait for it to expire)."""

    def lease(self, name: str) -> dict[str, Any] | None:
        """Lease `name`'s row: holder, expires_at, taken_at."""

    def close(self) -> None:
        """Let this process's connections go."""


def open_shared(db_path: Path | str, database_url: str | None = None, light: bool = False) -> SharedState:
    """The deployment's shared state: in PostgreSQL when `database_url` (CLIO_DATABASE_URL) is set, else in
    the SQLite file. psycopg is imported only in the first case."""
    if database_url:
        from bot.pg_state import PgState

        return PgState(database_url)
    return SqliteState(db_path, light=light)


_WRITE_LOCKS: dict[Path, threading.Lock] = {}


class SqliteState:
    """`SharedState` in the deployment's SQLite file (tables of migration m011_shared_state).

    The threads of one process count commands one at a time behind a lock of their own: waiting for SQLite's
    write lock instead means its busy handler, which sleeps for growing pauses (1, 2, 5 ... 100 ms) and, at a
    few hundred commands a second across the door's threads, made lookups miss Discord's three seconds."""

    def __init__(self, path: Path | str, light: bool = False):
        self.path = Path(path)
        self.light = light  # connections for a process that answers one command (concurrency.LightDatabase)
        self._local = threading.local()
        self._write = _WRITE_LOCKS.setdefault(self.path.resolve(), threading.Lock())  # one per file and process

    def db(self) -> sqlite_utils.Database:
        """This thread's connection (WAL, busy timeout, BEGIN IMMEDIATE transactions)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = concurrency.connect(self.path, light=self.light)
        return db

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def hits(self, workspace: str, user_id: str, since: float) -> list[float]:
        row = self.db().execute("select hits from rate_windows where workspace = ? and user_id = ?",
                                [workspace, user_id]).fetchone()
        return [t for t in map(float, row[0].split()) if t > since] if row else []

    def add_hits(self, hits: dict[tuple[str, str], list[float]], since: float, keep: int) -> None:
        db = self.db()
        with self._write, db.atomic():  # one short write for every command a process counted meanwhile
            for (workspace, user_id), new in hits.items():
                row = db.execute("select hits from rate_windows where workspace = ? and user_id = ?",
                                 [workspace, user_id]).fetchone()
                old = [t for t in map(float, row[0].split()) if t > since] if row else []
                kept = sorted([*old, *new])[-keep:]
                db.execute("insert into rate_windows (workspace, user_id, hits, last) values (?, ?, ?, ?) "
                           "on conflict (workspace, user_id) do update set hits = excluded.hits, last = excluded.last",
                           [workspace, user_id, " ".join(map(repr, kept)), kept[-1]])

    def forget(self, workspace: str, user_id: str | None) -> None:
        with self._write:
            if user_id is None:
                self.db().execute("delete from rate_windows where workspace = ?", [workspace])
            else:
                self.db().execute("delete from rate_windows where workspace = ? and user_id = ?", [workspace, user_id])

    def sweep(self, before: float, keep: int) -> int:
        db = self.db()
        with self._write, db.atomic():
            n = db.execute("delete from rate_windows where last <= ?", [before]).rowcount
            over = db.execute("select count(*) from rate_windows").fetchone()[0] - keep
            if over > 0:
                n += db.execute("delete from rate_windows where rowid in "
                                "(select rowid from rate_windows order by last limit ?)", [over]).rowcount
        return n

    def version(self, name: str = store.INDEX_VERSION) -> int:
        return store.version(self.db(), name)

    def bump(self, name: str = store.INDEX_VERSION) -> int:
        db = self.db()
        with db.atomic():
            store.bump_version(db, name)
            return store.version(db, name)

    def take_lease(self, name: str, holder: str, now: float, ttl: float) -> bool:
        cur = self.db().execute(
            "insert into leases (name, holder, expires_at, taken_at) values (?, ?, ?, ?) on conflict (name) do update "
            "set holder = excluded.holder, expires_at = excluded.expires_at, taken_at = case when "
            "leases.holder = excluded.holder then leases.taken_at else excluded.taken_at end "
            "where leases.holder = excluded.holder or leases.expires_at <= excluded.taken_at",
            [name, holder, now + ttl, now])
        return cur.rowcount == 1

    def release_lease(self, name: str, holder: str) -> None:
        self.db().execute("delete from leases where name = ? and holder = ?", [name, holder])

    def lease(self, name: str) -> dict[str, Any] | None:
        return next(self.db().query("select * from leases where name = ?", [name]), None)


class SharedRateLimiter(_Rule):
    """`RateLimiter`'s rule and reply ("Slow down: that is more than 30 commands in 1 minute. Try again in
    12 s."), counted in the shared state so every process of a deployment sees a member's whole window. The
    console is not limited. `clock`: seconds since the epoch (not monotonic: other processes read them).

    A command costs a read of the member's row; what a process counts is written behind, all members in one
    short transaction at most every `flush_every` seconds (a write per command, at a few hundred commands a
    second, queued the door's threads on SQLite's write lock and grew its log until lookups missed Discord's
    three seconds). So a burst sent to several processes within that fraction of a second may get a few
    commands more than the limit; one process, or commands further apart, never do."""

    def __init__(self, state: SharedState, rule: str, max_members: int = MAX_MEMBERS,
                 clock: Callable[[], float] = time.time, flush_every: float = FLUSH_EVERY):
        self.state = state
        self.rule = rule
        self.max_members = max_members
        self.clock = clock
        self.flush_every = flush_every
        self._lock = threading.Lock()  # the door's threads check at once
        self._pending: dict[tuple[str, str], list[float]] = {}  # counted here, not yet written
        self._writing: dict[tuple[str, str], list[float]] = {}  # being written now (still counted)
        self._flushing = threading.Lock()  # one write at a time; forget waits for it
        self._writer: threading.Thread | None = None
        self._swept = -math.inf  # when this process last let idle members go
        _LIMITERS.add(self)

    def check(self, platform: str, workspace: str, user_id: str) -> None:
        """Count one command; raise SlowDown when the member is over the limit."""
        if platform == "console":
            return
        key, amount = (workspace, user_id), self.item.amount
        with self._lock:
            now = self.clock()
            since = now - self.window
            local = [t for t in (*self._writing.get(key, ()), *self._pending.get(key, ())) if t > since]
            stored = self.state.hits(workspace, user_id, since)
            if key in self._writing:  # maybe written already: the stored row holds them, then, not twice
                stored = [t for t in stored if t not in set(self._writing[key])]
            hits = sorted([*stored, *local])
            if len(hits) >= amount:
                wait = min(self.window, hits[-amount] + self.window - now)
                raise SlowDown(f"Slow down: that is more than {amount} commands in "
                               f"{_window(self.item)}. Try again in {max(1, math.ceil(wait))} s.")
            self._pending.setdefault(key, []).append(now)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_behind, name="clio-rate-writer", daemon=True)
                self._writer.start()

    def flush(self) -> None:
        """Write what this process counted (the writer does, every `flush_every` seconds). Commands are checked
        meanwhile (the batch being written still counts); `forget` waits for the write, so a forgotten member's
        counts are never written back after."""
        with self._flushing:
            with self._lock:
                batch, self._pending = self._pending, {}
                self._writing = batch
                now = self.clock()
            try:
                if batch:
                    self.state.add_hits(batch, now - self.window, self.item.amount)
                if now - self._swept >= self.window:  # once a window per process: let idle members go
                    self._swept = now
                    self.state.sweep(now - self.window, self.max_members)
            except Exception:  # noqa: BLE001 - counted again at the next write
                log.warning("could not write rate-limit counts; keeping them for the next try", exc_info=True)
                with self._lock:
                    for key, hits in batch.items():
                        self._pending.setdefault(key, [])[:0] = hits
            finally:
                with self._lock:
                    self._writing = {}

    def forget(self, workspace: str, user_id: str | None = None) -> None:
        """Drop a member's counts (every member's of the workspace, when user_id is None), here and stored."""
        with self._flushing:
            with self._lock:
                for key in [k for k in self._pending if k[0] == workspace and user_id in (None, k[1])]:
                    del self._pending[key]
            self.state.forget(workspace, user_id)

    def close(self) -> None:
        """Write what is pending and stop following forget-me (the app closes its state next)."""
        _LIMITERS.discard(self)
        with self._lock:
            pending = bool(self._pending)
        if pending:  # a process that counted nothing (`clio ask`) writes nothing and loads no limit parser
            self.flush()

    def _write_behind(self) -> None:
        """The writer thread: flush every `flush_every` seconds while there is anything to write, then end."""
        while True:
            time.sleep(self.flush_every)
            self.flush()
            with self._lock:
                if not self._pending:
                    self._writer = None
                    return


# forget-me and workspace deletion: no limiter of this process writes the member's counts back
_LIMITERS: Forgetters[SharedRateLimiter] = Forgetters("a rate limiter")


class IndexWatch:
    """Whether the index changed since this process built its lookup: the version in the database, read at
    most once every `every` seconds (a few microseconds), compared with the one the lookup was built at."""

    def __init__(self, state: SharedState, every: float = CHECK_EVERY, clock: Callable[[], float] = time.monotonic):
        self.state = state
        self.every = every
        self.clock = clock
        self.seen = 0  # the version the current lookup was built at (read before building it)
        self._checked = -math.inf
        self._lock = threading.Lock()  # one rebuild at a time, whichever worker thread notices first

    def follow(self, rebuild: Callable[[], None]) -> bool:
        """Call `rebuild()` when the version moved since the last rebuild; at most one read a second. Returns
        whether it rebuilt. A failed read (the file busy beyond the timeout) is logged and tried next time."""
        now = self.clock()
        announced = getattr(self.state, "announced", None)  # PostgreSQL's NOTIFY heard: look now
        if now - self._checked < self.every and not (announced is not None and announced.is_set()):
            return False
        self._checked = now
        if announced is not None:
            announced.clear()
        try:
            current = self.state.version(store.INDEX_VERSION)
        except Exception:  # noqa: BLE001 - a command is never refused for this
            log.warning("could not read the index version; trying again shortly", exc_info=True)
            return False
        if current <= self.seen:
            return False
        with self._lock:
            if current <= self.seen:  # another thread rebuilt meanwhile
                return False
            rebuild()
            self.seen = current
        log.info("the index changed (version %d): lookup rebuilt", current)
        return True
