"""The exactly-once guards (bot/guards.py), one contract on SQLite and on PostgreSQL: one daily post per
channel per day, however many processes try at the same moment. Each `backend.guards()` is what another
process would have. (The quiz's guards are tests/test_quiz_repo.py's.)"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Backend

DAY, NOON, LATER = "2026-11-07", "2026-11-07T12:00:00+00:00", "2026-11-07T12:10:00+00:00"


def race(backend: Backend, attempt: Callable[[Any, int], bool], processes: int = 6) -> list[int]:
    """`attempt(guards, i)` by `processes` guards at once, each opened in its own thread; who succeeded."""
    start, won = threading.Barrier(processes), []

    def run(i: int) -> None:
        guards = backend.guards()
        start.wait()
        if attempt(guards, i):
            won.append(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(processes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return won


def test_a_days_post_is_claimed_once_then_never_again_once_sent(backend: Backend) -> None:
    a, b = backend.guards(), backend.guards()
    claim = a.claim_post("slack:T1", "C1", DAY, NOON, lease_expired_before="2026-11-07T11:55:00+00:00")
    assert claim is not None and claim["status"] == "claimed" and claim["local_date"] == DAY
    assert b.claim_post("slack:T1", "C1", DAY, NOON, lease_expired_before="2026-11-07T11:55:00+00:00") is None
    assert b.claim_post("slack:T1", "C2", DAY, NOON, "2026-11-07T11:55:00+00:00") is not None  # another channel
    assert b.claim_post("slack:T1", "C1", "2026-11-08", NOON, "2026-11-07T11:55:00+00:00") is not None  # next day
    a.finish_claim("slack:T1", "C1", DAY, status="sent", sent_at=NOON, event_id="feb-revolution")
    assert b.claim_post("slack:T1", "C1", DAY, "2026-11-08T00:00:00+00:00", lease_expired_before="2026-11-09") is None


def test_a_claim_whose_holder_died_or_whose_retry_is_due_is_taken_over(backend: Backend) -> None:
    a, b = backend.guards(), backend.guards()
    assert a.claim_post("slack:T1", "C1", DAY, NOON, "2026-11-07T11:55:00+00:00")
    assert b.claim_post("slack:T1", "C1", DAY, LATER, lease_expired_before=NOON) is None  # not yet expired
    taken = b.claim_post("slack:T1", "C1", DAY, LATER, lease_expired_before="2026-11-07T12:05:00+00:00")
    assert taken is not None and taken["claimed_at"] == LATER  # its holder died: b carries on
    b.finish_claim("slack:T1", "C1", DAY, status="retry", attempts=1, next_attempt_at="2026-11-07T12:20:00+00:00",
                   error="Slack was down")
    assert a.claim_post("slack:T1", "C1", DAY, "2026-11-07T12:15:00+00:00", "2026-11-07T12:10:00+00:00") is None
    retried = a.claim_post("slack:T1", "C1", DAY, "2026-11-07T12:20:00+00:00", "2026-11-07T12:15:00+00:00")
    assert retried is not None and retried["attempts"] == 1 and retried["error"] == "Slack was down"


def test_processes_racing_for_one_days_post_leave_exactly_one_claim(backend: Backend) -> None:
    won = race(backend, lambda g, i: g.claim_post("discord:1", "c", DAY, NOON, "2026-11-07T11:55:00+00:00") is not None)
    assert len(won) == 1


def test_a_claim_has_only_the_fields_a_post_records(backend: Backend) -> None:
    g = backend.guards()
    g.claim_post("slack:T1", "C1", DAY, NOON, "2026-11-07T11:55:00+00:00")
    with pytest.raises(ValueError, match="no field holder"):
        g.finish_claim("slack:T1", "C1", DAY, holder="elsewhere; drop table post_claims")
