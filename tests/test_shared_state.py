"""Several Clio processes on one database file (issue 23, item 3): a member's rate limit counted once across
them, the background work run by one of them at a time through a lease that passes on within a minute when
its holder dies, and a re-index or an ingest in one reaching the others' name lookups. Each "process" here
is a Clio app of its own on the same SQLite file, with its own connections."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import store
from bot.app import Clio
from bot.config import Settings
from bot.events import Context
from bot.lease import LEASE_TTL, Lease, background
from bot.services import schedule
from bot.shared_state import SharedRateLimiter, SqliteState
from tests.clock import Clock
from tests.conftest import TEST_PACKS
from tests.test_schedule import FakeOutbox

MASHA = Context(workspace="discord:1", channel="c", user_id="masha", platform="discord")
SASHA = Context(workspace="discord:1", channel="c", user_id="sasha", platform="discord")


def two_apps(tmp_path: Path, **settings: str) -> tuple[Clio, Clio]:
    s = Settings(db_path=tmp_path / "clio.db", content_dir=TEST_PACKS, pack="mini", **settings)  # type: ignore[arg-type]
    return Clio(s), Clio(s)


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        await asyncio.sleep(0.02)


# --- rate limits -----------------------------------------------------------------------------------------


def test_two_processes_count_one_members_commands_against_one_limit(tmp_path: Path) -> None:
    a, b = two_apps(tmp_path, rate_limit="5/minute")
    now = [time.time()]
    a.rate_limiter.clock = b.rate_limiter.clock = lambda: now[0]
    replies = []
    for i in range(5):  # a few tenths of a second apart: each process writes its counts every 0.2 s
        replies.append((a if i % 2 else b).handle_text("/who Kornilov", MASHA))
        time.sleep(0.3)
    assert all(r.ok for r in replies)
    for app in (a, b):  # her sixth is refused wherever it lands, not allowed five more per process
        slowed = app.handle_text("/who Kornilov", MASHA)
        assert not slowed.ok and slowed.private
        assert slowed.body.startswith("Slow down: that is more than 5 commands in 1 minute. Try again in 60 s")
    assert b.handle_text("/who Kornilov", SASHA).ok  # her neighbour has his own window
    now[0] += 30
    assert "Try again in 30 s" in a.handle_text("/who Kornilov", MASHA).body
    now[0] += 31
    assert b.handle_text("/who Kornilov", MASHA).ok  # the window moved on


async def test_the_limit_holds_through_the_door_threads_of_two_processes(tmp_path: Path) -> None:
    a, b = two_apps(tmp_path, rate_limit="3/minute")
    try:
        replies = []
        for i in range(4):
            replies.append(await (a if i % 2 else b).call(MASHA, "/who Kornilov"))
            await asyncio.sleep(0.3)
        assert [r.ok for r in replies] == [True, True, True, False]
        assert replies[3].body.startswith("Slow down")
    finally:
        a.close()
        b.close()


def test_idle_members_are_let_go_and_the_most_recent_kept(tmp_path: Path) -> None:
    store.open_db(tmp_path / "clio.db").close()
    state = SqliteState(tmp_path / "clio.db")
    now = [1000.0]
    limiter = SharedRateLimiter(state, "3/minute", max_members=50, clock=lambda: now[0])
    for i in range(200):
        now[0] += 0.1
        limiter.check("slack", "slack:T1", f"member-{i}")
    count = lambda: state.db().execute("select count(*) from rate_windows").fetchone()[0]  # noqa: E731
    assert count() == 0  # written behind, not at every command
    limiter.flush()  # in one write, then at most max_members kept
    assert count() == 50
    kept = {r[0] for r in state.db().execute("select user_id from rate_windows")}
    assert kept == {f"member-{i}" for i in range(150, 200)}  # the least recently active went first
    now[0] += 61
    limiter.check("slack", "slack:T1", "vera")  # a window later: everyone idle is let go
    limiter.flush()
    assert count() == 1


def test_forget_me_removes_the_members_rate_window(tmp_path: Path) -> None:
    a, _ = two_apps(tmp_path)
    a.handle_text("/who Kornilov", MASHA)
    a.handle_text("/who Kornilov", SASHA)
    a.rate_limiter.flush()
    a.handle_text("/who Kornilov", MASHA)  # counted, not yet written
    assert a.handle_text("/privacy forget-me", MASHA).ok
    time.sleep(0.5)  # the counts written behind meanwhile did not bring her back
    assert [r[0] for r in a.db.execute("select user_id from rate_windows")] == ["sasha"]


def test_a_shared_limit_adds_a_small_fraction_of_a_millisecond_to_a_command(tmp_path: Path) -> None:
    a, _ = two_apps(tmp_path, rate_limit="1000000/minute")
    started = time.perf_counter()
    for i in range(500):
        a.rate_limiter.check("discord", "discord:1", f"m{i % 50}")
    per_check = (time.perf_counter() - started) / 500
    assert per_check < 0.002, f"{per_check * 1000:.2f} ms a command"  # measured ~0.03 ms; generous for CI


# --- the background lease ----------------------------------------------------------------------------------


def test_a_lease_passes_on_within_a_minute_once_its_holder_stops_renewing_and_is_never_held_twice(tmp_path):
    store.open_db(tmp_path / "clio.db").close()
    now = [1_000_000.0]
    clock = lambda: now[0]  # noqa: E731
    a = Lease(SqliteState(tmp_path / "clio.db"), "background:slack", "host-a:1", clock)
    b = Lease(SqliteState(tmp_path / "clio.db"), "background:slack", "host-b:2", clock)
    stalled_at, taken_over = 100, None
    for t in range(400):  # a second at a time: a renews every 20 s until it stalls, b tries every 10 s
        now[0] = 1_000_000.0 + t
        if t % 20 == 0 and t <= stalled_at:
            assert a.take()
        if t % 10 == 5 and b.take() and taken_over is None:
            taken_over = t
        assert not (a.held() and b.held()), f"both hold the lease at {t} s"
        if t < stalled_at:
            assert a.held() and not b.held()
    assert taken_over is not None and 0 < taken_over - stalled_at <= 60
    assert not a.take()  # the old holder, back, does not take it back while b renews
    b.release()
    assert a.take()  # a clean stop hands it on at once


async def test_one_process_runs_the_daily_posts_and_another_takes_over_when_it_dies(tmp_path, monkeypatch):
    monkeypatch.setattr(schedule, "MAX_IDLE_SECONDS", 0.05)  # the loop looks again every half second
    a, b = two_apps(tmp_path)
    clock = Clock(dt.datetime(2026, 11, 7, 8, 59, 30, tzinfo=dt.UTC))
    a.clock = b.clock = clock
    admin = Context(workspace="slack:T1", channel="C1", user_id="boss", is_admin=True, platform="slack")
    assert a.handle_text("/schedule set 09:00 UTC", admin).ok
    out_a, out_b = FakeOutbox(), FakeOutbox()
    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    fast = {"renew_every": 0.05, "poll": 0.05}
    holder = lambda: (a.shared.lease("background:slack") or {}).get("holder")  # noqa: E731
    task_a = asyncio.create_task(background(a, out_a, "slack", stop_a, **fast))
    await until(lambda: holder() == a.holder)
    task_b = asyncio.create_task(background(b, out_b, "slack", stop_b, **fast))
    try:
        await asyncio.sleep(0.3)  # b tries again and again meanwhile
        assert holder() == a.holder
        clock.now = dt.datetime(2026, 11, 7, 9, 0, 10, tzinfo=dt.UTC)
        await until(lambda: len(out_a.sent) == 1)
        await asyncio.sleep(0.6)
        assert not out_b.sent  # the post went out once, from the holder

        task_a.cancel()  # a dies: no clean stop, the lease is left to run out
        with pytest.raises(asyncio.CancelledError):
            await task_a
        clock.advance(LEASE_TTL - 15)
        await asyncio.sleep(0.3)
        assert holder() == a.holder  # not yet: its lease still runs
        clock.advance(20)  # 50 s after its last renewal
        await until(lambda: holder() == b.holder)
        clock.now = dt.datetime(2026, 11, 8, 9, 0, 5, tzinfo=dt.UTC)  # the next day's post: from b, once
        await until(lambda: len(out_b.sent) == 1)
        await asyncio.sleep(0.6)
        assert len(out_a.sent) == 1 and len(out_b.sent) == 1
        assert [c["status"] for c in a.db.query("select status from post_claims order by local_date")] == ["sent"] * 2
    finally:
        stop_b.set()
        await asyncio.wait_for(task_b, 5)
    assert holder() is None  # b stopped cleanly: handed back at once


# --- the name index ----------------------------------------------------------------------------------------

NEW_PERSON = """
  - id: tsereteli
    name: Irakli Tsereteli
    born: "1881-11-20"
    died: "1959-05-21"
    summary: >
      Test summary: a Menshevik from Georgia who spoke for the soviet's majority in the spring of 1917.
    sources: [figes]
"""


async def test_a_reindex_in_one_process_reaches_the_others_lookups_within_a_second(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(TEST_PACKS / "mini", content / "mini")
    s = Settings(db_path=tmp_path / "clio.db", content_dir=content, pack="mini")
    a, b = Clio(s), Clio(s)
    mono = [0.0]
    b.index_watch.clock = lambda: mono[0]
    try:
        assert not b.handle_text("/who Tsereteli").ok
        with (content / "mini" / "people.yaml").open("a", encoding="utf-8") as f:
            f.write(NEW_PERSON)
        assert a.ensure_index(force=True)  # `clio index` in another process
        mono[0] += 0.5
        assert not b.handle_text("/who Tsereteli").ok  # read at most once a second
        mono[0] += 0.5
        reply = await b.call(Context(), "/who Tsereteli")  # through the door's worker threads
        assert reply.ok and reply.title.startswith("Irakli Tsereteli"), reply.text()
        assert b.handle_text("/who Irakli Tsereteli").title.startswith("Irakli Tsereteli")
        before = b.index_watch.seen
        assert not b.index_watch.follow(b.reload_index)  # nothing new: nothing rebuilt
        assert b.index_watch.seen == before
    finally:
        b.close()


def test_a_reading_ingested_in_one_process_is_answered_by_another(tmp_path: Path) -> None:
    a, b = two_apps(tmp_path)
    b.index_watch.every = 0.0
    group = Context(workspace="slack:T-readers", user_id="u1", platform="slack")
    assert not b.handle_text("/who Vauquelin", group).ok
    seen, old = b.index_watch.seen, b.lookup
    notes = tmp_path / "ledger.txt"
    notes.write_text("\n\n".join([
        "Pierre Vauquelin kept the ledger of the town through the whole of that cold year, and Vauquelin "
        "signed every page of it himself.",
        "When the council met in the spring it was Vauquelin who read the accounts aloud, and the clerks "
        "said Vauquelin had never missed a sum.",
        "Nobody in the district could remember a winter without Vauquelin at the council table.",
    ]), encoding="utf-8")
    a.ingest(notes, workspace=group.workspace, title="The town ledger")
    assert store.version(a.db) > seen
    reply = b.handle_text("/who Vauquelin", group)
    assert reply.ok and "Vauquelin" in reply.title and "not in the pack" in reply.title, reply.text()
    assert b.index_watch.seen == store.version(b.db) and b.lookup is not old  # rebuilt once, on the new index
    a.forget("The town ledger", group.workspace)
    assert not b.handle_text("/who Vauquelin", group).ok
