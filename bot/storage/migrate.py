"""`clio migrate-db --to postgresql://...` (issue 23): copy what a deployment keeps in PostgreSQL once
CLIO_DATABASE_URL is set from its SQLite file, so that after the move the same commands give the same answers.

What moves is what the PostgreSQL backend holds today, aggregate by aggregate (`AGGREGATES`): the schedules
(daily-post subscriptions and their claims, undelivered admin notices, weekly quiz nights and their claims).
The pack, the readings and their passages stay in the SQLite file, which every process still opens. Rate-limit
windows are a minute long and are not copied.

The copy is one transaction into tables that must be empty: it runs once, and a half-done copy never exists."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import mask_url, without_password


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    where: str = "1 = 1"  # which SQLite rows move
    convert: dict[str, Callable[[Any], Any]] = field(default_factory=dict)  # SQLite value -> PostgreSQL value


def _bool(v: Any) -> bool:
    return bool(v)


AGGREGATES: dict[str, list[Table]] = {
    "schedules": [
        Table("subscriptions", ("workspace", "channel", "ref", "post_time", "timezone", "active", "paused_reason",
                                "created_by", "updated_at"), convert={"active": _bool}),
        Table("post_claims", ("workspace", "channel", "local_date", "status", "claimed_at", "attempts",
                              "next_attempt_at", "event_id", "error", "sent_at")),
        Table("admin_notices", ("workspace", "message", "created_at"), where="delivered = 0 order by id"),
        Table("quiz_schedules", ("workspace", "channel", "ref", "weekday", "start_time", "timezone", "args",
                                 "active", "paused_reason", "updated_at"),
              convert={"active": _bool, "args": lambda v: v or ""}),
        Table("quiz_schedule_claims", ("workspace", "channel", "local_date", "kind", "status", "claimed_at",
                                       "attempts", "next_attempt_at", "quiz_id", "error", "sent_at")),
    ],
}


class MigrateError(Exception):
    """Why the copy was refused; nothing was written."""


def migrate(db_path: Path | str, url: str, *, progress: Callable[[str], None] = lambda _: None) -> dict[str, int]:
    """Copy every aggregate's rows from the SQLite file at `db_path` into the PostgreSQL database at `url`
    (its schema made first). Returns rows copied per table. Raises MigrateError, having written nothing."""
    import psycopg

    from bot import store
    from bot.pg_state import migrate as pg_migrate

    path = Path(db_path)
    if not path.is_file():
        raise MigrateError(f"there is no database at {path.name} to copy (set CLIO_DB to the deployment's file)")
    store.open_db(path).close()  # its own migrations applied: every table below exists
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    source.row_factory = sqlite3.Row
    tables = [t for group in AGGREGATES.values() for t in group]
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            pg_migrate(conn)
            with conn.transaction():
                held = {t.name: conn.execute(f"select count(*) from {t.name}").fetchone()[0] for t in tables}
                if any(held.values()):
                    raise MigrateError(
                        "PostgreSQL at " + mask_url(url) + " already holds "
                        + ", ".join(f"{n} {name}" for name, n in held.items() if n)
                        + "; migrate-db copies into an empty database only (it may have run before)")
                counts: dict[str, int] = {}
                for t in tables:
                    rows = source.execute(f"select {', '.join(t.columns)} from {t.name} where {t.where}")
                    n = 0
                    with conn.cursor().copy(f"copy {t.name} ({', '.join(t.columns)}) from stdin") as copy:
                        for row in rows:
                            copy.write_row([t.convert[c](row[c]) if c in t.convert else row[c] for c in t.columns])
                            n += 1
                    counts[t.name] = n
                    progress(f"{t.name}: {n}")
    except psycopg.Error as e:
        raise MigrateError(f"cannot copy to PostgreSQL at {mask_url(url)}: "
                           f"{without_password(str(e).strip(), url)}") from None
    finally:
        source.close()
    return counts
