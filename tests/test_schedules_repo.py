"""The daily-post aggregate behind its storage seam (bot/storage/schedules.py), one contract on SQLite and on
PostgreSQL: subscriptions, one claim per channel and local day however many processes ask at once, notices
given once, and a workspace's or member's rows gone when they are forgotten. Then what PostgreSQL is for: two
hosts, each with its own SQLite file, share one set of subscriptions and post each day once between them."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from bot import store
from bot.app import Clio
from bot.config import Settings
from bot.events import Context, ConversationRef
from bot.response import Reply
from bot.storage.schedules import PostClaim, QuizNight, Schedules, Subscription
from tests.clock import Clock
from tests.conftest import TEST_PACKS, Backend

DAY, NOON = "2026-11-07", "2026-11-07T12:00:00+00:00"
EARLIER = "2026-11-07T11:55:00+00:00"


def schedules(backend: Backend) -> Schedules:
    """The repository as another process would have it, on the backend's database."""
    return backend.schedules()


def sub(workspace: str = "discord:1", channel: str = "history", post_time: str = "09:00") -> Subscription:
    return Subscription(workspace, channel, '{"platform": "discord"}', post_time, "Europe/London",
                        created_by="boss", updated_at=NOON)


def test_a_subscription_is_set_replaced_paused_and_listed_by_platform(backend: Backend) -> None:
    a, b = schedules(backend), schedules(backend)
    a.subscribe(sub())
    a.subscribe(sub(channel="news"))
    a.subscribe(sub(workspace="slack:T1", channel="C1"))
    assert b.subscription("discord:1", "history") == sub()  # typed rows, the same on both backends
    assert [s.channel for s in b.active("discord")] == ["history", "news"]
    assert [s.workspace for s in b.active("slack")] == ["slack:T1"]
    assert len(b.active()) == 3
    b.pause("discord:1", "news", "channel not found", NOON)
    paused = a.subscription("discord:1", "news")
    assert paused is not None and not paused.active and paused.paused_reason == "channel not found"
    assert [s.channel for s in a.active("discord")] == ["history"]
    a.subscribe(sub(channel="news", post_time="18:30"))  # set again: active again, at the new time
    again = b.subscription("discord:1", "news")
    assert again is not None and again.active and again.post_time == "18:30" and again.paused_reason is None
    assert a.subscription("discord:2", "history") is None


def test_a_platform_name_is_a_prefix_not_a_pattern(backend: Backend) -> None:
    repo = schedules(backend)
    repo.subscribe(sub(workspace="discordX:1"))
    repo.subscribe(sub(workspace="d_scord:1"))
    assert repo.active("discord") == [] and repo.active("d_scord")[0].workspace == "d_scord:1"


def test_six_processes_claim_a_days_post_once(backend: Backend) -> None:
    start, won = threading.Barrier(6), []

    def claim() -> None:
        repo = schedules(backend)  # opened in its thread, as each process opens its own
        start.wait()
        got = repo.claim_post("discord:1", "history", DAY, NOON, EARLIER)
        if got is not None:
            won.append(got)

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(won) == 1 and isinstance(won[0], PostClaim) and won[0].status == "claimed"


def test_a_claim_is_taken_over_only_when_its_holder_died_or_its_retry_is_due(backend: Backend) -> None:
    a, b = schedules(backend), schedules(backend)
    assert a.claim_post("discord:1", "history", DAY, NOON, EARLIER) is not None
    assert b.claim_post("discord:1", "history", DAY, "2026-11-07T12:05:00+00:00", EARLIER) is None  # alive
    taken = b.claim_post("discord:1", "history", DAY, "2026-11-07T12:20:00+00:00", "2026-11-07T12:05:00+00:00")
    assert taken is not None  # the holder's lease ran out
    b.finish_claim("discord:1", "history", DAY, status="retry", attempts=1, error="rate limited",
                   next_attempt_at="2026-11-07T12:30:00+00:00")
    assert a.claim_post("discord:1", "history", DAY, "2026-11-07T12:25:00+00:00", EARLIER) is None  # not yet
    retry = a.claim_post("discord:1", "history", DAY, "2026-11-07T12:30:00+00:00", EARLIER)
    assert retry is not None and retry.attempts == 1 and retry.error == "rate limited"
    a.finish_claim("discord:1", "history", DAY, status="sent", event_id="october", sent_at=NOON, attempts=2)
    assert b.claim_post("discord:1", "history", DAY, "2026-11-08T12:00:00+00:00", "2026-11-08T11:00:00") is None
    assert b.recent_events("discord:1", "history", "2026-01-01") == {"october"}
    assert b.recent_events("discord:1", "history", "2026-12-01") == set()
    with pytest.raises(ValueError, match="no field"):
        a.finish_claim("discord:1", "history", DAY, channel_id="x; drop table post_claims")  # never a column from input


def test_notices_are_given_once_oldest_first(backend: Backend) -> None:
    a, b = schedules(backend), schedules(backend)
    a.add_notice("discord:1", "first", NOON)
    a.add_notice("discord:1", "second", NOON)
    a.add_notice("discord:2", "theirs", NOON)
    assert b.take_notices("discord:1") == ["first", "second"]
    assert a.take_notices("discord:1") == []
    assert a.take_notices("discord:2") == ["theirs"]


def test_forgetting_reaches_the_schedules(backend: Backend) -> None:
    repo = schedules(backend)
    repo.subscribe(sub())
    repo.subscribe(sub(workspace="discord:2"))
    repo.claim_post("discord:1", "history", DAY, NOON, EARLIER)
    repo.add_notice("discord:1", "paused", NOON)
    db = store.open_db(backend.db_path)
    try:
        store.forget_member(db, "discord:2", "boss")  # the member who set it: their id leaves the row
        store.delete_workspace(db, "discord:1")
    finally:
        db.close()
    assert repo.subscription("discord:1", "history") is None and repo.take_notices("discord:1") == []
    assert repo.claim_post("discord:1", "history", DAY, NOON, EARLIER) is not None  # its old claim went too
    kept = repo.subscription("discord:2", "history")
    assert kept is not None and kept.created_by == store.FORGOTTEN


def test_quiz_nights_are_set_listed_paused_and_claimed_once_per_kind(backend: Backend) -> None:
    a, b = schedules(backend), schedules(backend)
    night = QuizNight("discord:1", "history", "{}", 4, "19:30", "Europe/London", "revolution 5 20", updated_at=NOON)
    a.set_quiz_night(night)
    a.set_quiz_night(QuizNight("slack:T1", "C1", "{}", 0, "18:00", "UTC", updated_at=NOON))
    assert b.quiz_night("discord:1", "history") == night
    assert [n.workspace for n in b.active_quiz_nights("slack")] == ["slack:T1"]
    claims = [r.claim_quiz_night("discord:1", "history", "2026-03-27", "announce", NOON, EARLIER) for r in (a, b)]
    assert sum(c is not None for c in claims) == 1
    start = b.claim_quiz_night("discord:1", "history", "2026-03-27", "start", NOON, EARLIER)
    assert start is not None and start.kind == "start"  # each kind is its own claim
    b.finish_quiz_night("discord:1", "history", "2026-03-27", "start", status="sent", quiz_id=7, attempts=1)
    assert [(c.kind, c.status, c.quiz_id) for c in a.quiz_night_claims("discord:1", "history")] == [
        ("announce", "claimed", None), ("start", "sent", 7)]
    with pytest.raises(ValueError, match="no field"):
        a.finish_quiz_night("discord:1", "history", "2026-03-27", "start", event_id="x")
    a.pause_quiz_night("discord:1", "history", "missing permissions", NOON)
    assert a.active_quiz_nights("discord") == [] and not b.quiz_night("discord:1", "history").active


class Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[ConversationRef, Reply]] = []

    async def send(self, ref: ConversationRef, reply: Reply) -> None:
        self.sent.append((ref, reply))


async def test_two_hosts_share_the_subscriptions_and_post_once(pg_url: str, tmp_path: Path) -> None:
    """Each host has its own SQLite file (the pack, the readings); the schedules live in PostgreSQL."""
    clock = Clock(dt.datetime(2026, 11, 7, 9, 0, tzinfo=dt.UTC))
    hosts = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        host = Clio(Settings(db_path=tmp_path / name / "clio.db", content_dir=TEST_PACKS, pack="mini",
                             database_url=pg_url))
        host.clock = clock
        hosts.append(host)
    a, b = hosts
    try:
        admin = Context(workspace="discord:1", channel="history", user_id="boss", is_admin=True, platform="discord")
        assert a.handle_text("/schedule set 09:00 UTC", admin).ok
        assert b.handle_text("/schedule show", admin).title == "Daily post"  # set on A, seen on B
        outbox_a, outbox_b = Outbox(), Outbox()
        assert await b.scheduler(outbox_b, "discord").tick() == 1
        assert await a.scheduler(outbox_a, "discord").tick() == 0  # B posted it: A never does
        assert len(outbox_b.sent) == 1 and outbox_a.sent == []
        assert b.handle_text("/schedule off", admin).ok
        assert a.handle_text("/schedule show", admin).title == "Daily post paused"
    finally:
        for host in hosts:
            host.close()
