"""The exactly-once guards (issue 23, item 2): what the database itself must make happen once, however many
processes try at the same moment. Both backends implement `ExactlyOnce`:

- a post claim: one daily post per channel per local day (a claim whose holder died, or whose retry is
  due, is taken over; a sent one never again).

The quiz's guards (one running quiz per channel, one answer per member per question, the first right answer
takes the question) are part of the quiz aggregate's interface, bot/storage/quiz.py `QuizRepo`, and tested
with it (tests/test_quiz_repo.py).

`SqliteGuards` is the SQLite file's, through the store functions the services call today (bot/store.py
claim_post, finish_claim); `PgGuards` (bot/pg_state.py) is PostgreSQL's, one atomic statement.
tests/test_guards.py runs the same contract on both."""

from __future__ import annotations

from typing import Any, Protocol

import sqlite_utils

from bot import store

CLAIM_FIELDS = frozenset({"status", "attempts", "next_attempt_at", "event_id", "error", "sent_at", "claimed_at"})


class ExactlyOnce(Protocol):
    def claim_post(self, workspace: str, channel: str, local_date: str, now: str,
                   lease_expired_before: str) -> dict[str, Any] | None:
        """Take the one right to post to a channel for a local day: the claim, or None when another process
        or an earlier run holds it, or it was sent. Times are ISO 8601 in UTC, compared as text."""

    def finish_claim(self, workspace: str, channel: str, local_date: str, **fields: Any) -> None:
        """Record how the claimed post went (status 'sent' or 'retry', next_attempt_at, event_id, error...)."""


def check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - CLAIM_FIELDS
    if unknown:
        raise ValueError(f"a post claim has no field {', '.join(sorted(unknown))}")


class SqliteGuards:
    """`ExactlyOnce` in the SQLite file, on the caller's connection (one per thread, as everywhere)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def claim_post(self, workspace: str, channel: str, local_date: str, now: str,
                   lease_expired_before: str) -> dict[str, Any] | None:
        return store.claim_post(self.db, workspace, channel, local_date, now, lease_expired_before)

    def finish_claim(self, workspace: str, channel: str, local_date: str, **fields: Any) -> None:
        check_fields(fields)
        store.finish_claim(self.db, workspace, channel, local_date, **fields)

