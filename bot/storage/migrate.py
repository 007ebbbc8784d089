"""`clio migrate-db --to postgresql://...` (issue 23): copy what a deployment keeps in PostgreSQL once
CLIO_DATABASE_URL is set from its SQLite file, so that after the move the same commands give the same answers.

What moves is everything the PostgreSQL backend holds, aggregate by aggregate (`AGGREGATES`): the schedules
(daily-post subscriptions and their claims, undelivered admin notices, weekly quiz nights and their claims);
the quizzes (every quiz, running or over, its questions, members' answers, which make the scores and
leaderboards, and appeals); the readings (every ingested reading, the shared ones and each group's, with its
passages, their links to pack entries, their dates and the names the pack lacks); and each workspace's own
data (its own quiz questions, members' review cards, a removal scheduled after the bot left, the packs it
chose with /pack use). The pack's index stays in the SQLite file, which every process still opens (each host
builds its own from the same pack files). Rate-limit windows are a minute long and leases a few; neither is
copied. Readings half written or half deleted when the deployment stopped (a staging or retired workspace)
are left behind, as every query left them out.

Quizzes, appeals and own questions keep their ids (answers, questions and quiz-night claims name their quiz
by it, admins accept an appeal and remove an own question by its number, review cards name own questions by
it); each such identity column's sequence is then set past the largest id copied, so the next one made in
PostgreSQL gets a new id. Passages keep their order (PostgreSQL numbers them as they come, oldest first).

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
    identity: str | None = None  # an identity column copied as it is: its sequence is moved past it after


def _bool(v: Any) -> bool:
    return bool(v)


def _json_list(v: Any) -> str:
    """A JSON list kept as text in SQLite (options, accepted forms, sources) for a jsonb column: as it is,
    and "[]" where SQLite has nothing (the repo reads an empty value as an empty list)."""
    return v or "[]"


# a reading every query sees: not one being written (STAGING) or deleted (RETIRED) when the deployment stopped
_PUBLISHED = "workspace not like '~%'"

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
    "quizzes": [  # quizzes first: questions reference them
        Table("quizzes", ("id", "workspace", "channel", "ref", "status", "mode", "seconds", "total", "topic",
                          "current", "deadline", "started_by", "started_at", "ended_at"),
              where="1 = 1 order by id", identity="id"),
        Table("quiz_questions", ("quiz_id", "idx", "qid", "question", "answer", "options", "accept",
                                 "explanation", "sources", "winner", "opened_at", "closed"),
              convert={"options": _json_list, "accept": _json_list, "sources": _json_list,
                       "explanation": lambda v: v or "", "closed": _bool}),
        Table("quiz_answers", ("quiz_id", "idx", "workspace", "user_id", "user_name", "answer", "correct",
                               "points", "answered_at")),
        Table("quiz_appeals", ("id", "workspace", "quiz_id", "idx", "qid", "user_id", "claim", "reason", "status",
                               "created_at", "resolved_by"), where="1 = 1 order by id", identity="id"),
    ],
    "readings": [  # sources first: passages reference them
        Table("sources", ("id", "workspace", "title", "author", "filename", "kind", "bytes", "sha256", "calendar",
                          "added_at", "passages"), where=f"{_PUBLISHED} order by rowid",
              convert={"title": lambda v: v or "", "bytes": lambda v: v or 0, "passages": lambda v: v or 0}),
        Table("passages", ("id", "source_id", "workspace", "seq", "para", "section", "loc", "text", "prose"),
              where=f"source_id in (select id from sources where {_PUBLISHED}) order by rowid",
              convert={"text": lambda v: v or "", "prose": lambda v: 1 if v is None else v}),
        Table("passage_entities", ("passage_id", "entity_id", "source_id", "mentions"),
              where=f"source_id in (select id from sources where {_PUBLISHED})",
              convert={"mentions": lambda v: v or 0}),
        Table("passage_dates", ("passage_id", "source_id", "phrase", "date", "calendar", "os_month", "os_day",
                                "ns_month", "ns_day", "sort_key"),
              where=f"source_id in (select id from sources where {_PUBLISHED}) order by rowid"),
        Table("candidates", ("source_id", "key", "name", "mentions", "example_loc"),
              where=f"source_id in (select id from sources where {_PUBLISHED})",
              convert={"mentions": lambda v: v or 0}),
    ],
    "workspace data": [
        Table("own_questions", ("id", "workspace", "question", "answer", "options", "accept", "topic", "period",
                                "about", "explanation", "sources", "origin", "added_at"),
              where="1 = 1 order by id", identity="id",
              convert={"options": _json_list, "accept": _json_list, "about": _json_list, "sources": _json_list}),
        Table("review_cards", ("workspace", "user_id", "qid", "card", "due", "question")),
        Table("workspace_removals", ("workspace", "removed_at", "purge_after")),
        Table("workspace_packs", ("workspace", "packs", "chosen_by", "updated_at"), convert={"packs": _json_list}),
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
                    if t.identity:  # COPY writes identity values as given: the next new row must not collide
                        conn.execute(f"select setval(pg_get_serial_sequence('{t.name}', '{t.identity}'), "
                                     f"coalesce(max({t.identity}), 0) + 1, false) from {t.name}")
                    progress(f"{t.name}: {n}")
    except psycopg.Error as e:
        raise MigrateError(f"cannot copy to PostgreSQL at {mask_url(url)}: "
                           f"{without_password(str(e).strip(), url)}") from None
    finally:
        source.close()
    return counts
