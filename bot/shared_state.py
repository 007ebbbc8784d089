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

`SharedState` is the small interface a PostgreSQL backend implements later; `SqliteState` is SQLite's, with
one connection per thread (a connection of Python's sqlite3 belongs to the thread that opened it).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import sqlite_utils
from limits import RateLimitItem, parse

from bot import concurrency, store
from bot.services.ratelimit import MAX_MEMBERS, SlowDown, _window

log = logging.getLogger("clio.shared")
CHECK_EVERY = 1.0  # seconds between two reads of the index version in one process


class SharedState(Protocol):
    """State every process of a deployment sees. Times are seconds since the epoch (every process's clock)."""

    def hit(self, workspace: str, user_id: str, now: float, window: float, amount: int) -> float | None:
        """Count one command of a member unless `amount` were counted in the last `window` seconds: None when
        counted, else the seconds until the oldest of those leaves the window."""

    def sweep(self, before: float, keep: int) -> int:
        """Forget members with no command since `before`, then all but the `keep` most recently active."""

    def version(self, name: str) -> int:
        """The counter `name` (bumped by the store when the pack or the readings change)."""

    def take_lease(self, name: str, holder: str, now: float, ttl: float) -> bool:
        """Take or renew lease `name` for `holder` until now + ttl: True when it is free, expired or already
        `holder`'s; False while another holder's is current."""

    def release_lease(self, name: str, holder: str) -> None:
        """Give lease `name` up, if `holder` holds it (the next taker need not wait for it to expire)."""

    def lease(self, name: str) -> dict[str, Any] | None:
        """Lease `name`'s row: holder, expires_at, taken_at."""


class SqliteState:
    """`SharedState` in the deployment's SQLite file (tables of migration m011_shared_state)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()

    def db(self) -> sqlite_utils.Database:
        """This thread's connection (WAL, busy timeout, BEGIN IMMEDIATE transactions)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = concurrency.connect(self.path)
        return db

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def hit(self, workspace: str, user_id: str, now: float, window: float, amount: int) -> float | None:
        db = self.db()
        with db.atomic():  # takes the write lock first: two processes never both count the last free slot
            row = db.execute("select hits from rate_windows where workspace = ? and user_id = ?",
                             [workspace, user_id]).fetchone()
            hits = [t for t in map(float, row[0].split()) if t > now - window] if row else []
            if len(hits) >= amount:
                return min(window, hits[-amount] + window - now)
            hits = [*hits[-(amount - 1):], now] if amount > 1 else [now]
            db.execute("insert into rate_windows (workspace, user_id, hits, last) values (?, ?, ?, ?) "
                       "on conflict (workspace, user_id) do update set hits = excluded.hits, last = excluded.last",
                       [workspace, user_id, " ".join(map(repr, hits)), now])
        return None

    def sweep(self, before: float, keep: int) -> int:
        db = self.db()
        with db.atomic():
            n = db.execute("delete from rate_windows where last <= ?", [before]).rowcount
            over = db.execute("select count(*) from rate_windows").fetchone()[0] - keep
            if over > 0:
                n += db.execute("delete from rate_windows where rowid in "
                                "(select rowid from rate_windows order by last limit ?)", [over]).rowcount
        return n

    def version(self, name: str = store.INDEX_VERSION) -> int:
        return store.version(self.db(), name)

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


class SharedRateLimiter:
    """`RateLimiter`'s rule and reply ("Slow down: that is more than 30 commands in 1 minute. Try again in
    12 s."), counted in the shared state so every process of a deployment sees a member's whole window. The
    console is not limited. `clock`: seconds since the epoch (not monotonic: other processes read them)."""

    def __init__(self, state: SharedState, rule: str, max_members: int = MAX_MEMBERS,
                 clock: Callable[[], float] = time.time):
        self.state = state
        self.item: RateLimitItem = parse(rule)
        self.window = float(self.item.get_expiry())
        self.max_members = max_members
        self.clock = clock
        self._swept = -math.inf  # when this process last let idle members go

    def check(self, platform: str, workspace: str, user_id: str) -> None:
        """Count one command; raise SlowDown when the member is over the limit."""
        if platform == "console":
            return
        now = self.clock()
        if now - self._swept >= self.window:  # once a window per process: costs nothing per command
            self._swept = now
            self.state.sweep(now - self.window, self.max_members)
        wait = self.state.hit(workspace, user_id, now, self.window, self.item.amount)
        if wait is not None:
            raise SlowDown(f"Slow down: that is more than {self.item.amount} commands in "
                           f"{_window(self.item)}. Try again in {max(1, math.ceil(wait))} s.")


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
        if now - self._checked < self.every:
            return False
        self._checked = now
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
