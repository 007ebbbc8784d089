"""Several Clio processes on one database (issue 23, item 3): a member's rate limit counted once across them,
the background work run by one of them at a time through a lease that passes on within a minute when its
holder dies, and a re-index or an ingest in one reaching the others' name lookups. Each "process" here is a
Clio app or a state object of its own, with its own connections; two tests use real OS processes.

The CONTRACT tests run on both backends (the `backend` fixture): SQLite (the default, no setting) and
PostgreSQL (CLIO_DATABASE_URL; a throwaway server from tests/pg.py, skipped without one unless
CLIO_REQUIRE_PG is set)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
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
from bot.shared_state import IndexWatch, SharedRateLimiter, SharedState, open_shared
from tests.clock import Clock
from tests.conftest import TEST_PACKS, Backend
from tests.test_schedule import FakeOutbox

MASHA = Context(workspace="discord:1", channel="c", user_id="masha", platform="discord")
SASHA = Context(workspace="discord:1", channel="c", user_id="sasha", platform="discord")


ROOT = Path(__file__).resolve().parents[1]


def two_apps(tmp_path: Path, backend: Backend | None = None, **settings: str) -> tuple[Clio, Clio]:
    s = Settings(db_path=tmp_path / "clio.db", content_dir=TEST_PACKS, pack="mini",  # type: ignore[arg-type]
                 database_url=backend.url if backend else None, **settings)
    return Clio(s), Clio(s)


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        await asyncio.sleep(0.02)


# --- rate limits -----------------------------------------------------------------------------------------


def test_two_processes_count_one_members_commands_against_one_limit(tmp_path: Path, backend: Backend) -> None:
    a, b = two_apps(tmp_path, backend, rate_limit="5/minute")
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
    a.close()
    b.close()


async def test_the_limit_holds_through_the_door_threads_of_two_processes(tmp_path: Path, backend: Backend) -> None:
    a, b = two_apps(tmp_path, backend, rate_limit="3/minute")
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


def test_idle_members_are_let_go_and_the_most_recent_kept(backend: Backend) -> None:
    state, other = backend.state(), backend.state()
    now = [1000.0]
    limiter = SharedRateLimiter(state, "3/minute", max_members=50, clock=lambda: now[0],
                                flush_every=3600)  # only the flushes below write (a busy machine is slow)
    members = [f"member-{i}" for i in range(200)]
    for m in members:
        now[0] += 0.1
        limiter.check("slack", "slack:T1", m)
    kept = lambda: {m for m in [*members, "vera"] if other.hits("slack:T1", m, 0)}  # noqa: E731
    assert kept() == set()  # written behind, not at every command
    limiter.flush()  # in one write, then at most max_members kept
    assert kept() == set(members[150:])  # the least recently active went first
    now[0] += 61
    limiter.check("slack", "slack:T1", "vera")  # a window later: everyone idle is let go
    limiter.flush()
    assert kept() == {"vera"}


def test_forget_me_removes_the_members_rate_window(tmp_path: Path, backend: Backend) -> None:
    a, b = two_apps(tmp_path, backend)
    a.handle_text("/who Kornilov", MASHA)
    a.handle_text("/who Kornilov", SASHA)
    a.rate_limiter.flush()
    a.handle_text("/who Kornilov", MASHA)  # counted, not yet written
    assert b.shared.hits(MASHA.workspace, "masha", 0) and b.shared.hits(SASHA.workspace, "sasha", 0)
    assert a.handle_text("/privacy forget-me", MASHA).ok
    time.sleep(0.5)  # the counts written behind meanwhile did not bring her back
    assert b.shared.hits(MASHA.workspace, "masha", 0) == []
    assert len(b.shared.hits(SASHA.workspace, "sasha", 0)) == 1
    a.close()
    b.close()


def test_forget_me_reaches_every_store_of_a_members_data_once_past_a_closed_app(
        tmp_path: Path, backend: Backend, caplog: pytest.LogCaptureFixture) -> None:
    """Two apps of this process on one database and a third already closed (each with its quiz, schedule
    and rate-limit objects, which forget-me reaches beside the SQLite file): the member's answer goes and is
    counted once, the rows that name them say "forgotten", and the closed app is passed over, not an error."""
    a, b = two_apps(tmp_path, backend)
    closed = Clio(a.settings)
    assert closed.quiz and closed.schedules
    closed.close()
    boss = dataclasses.replace(MASHA, is_admin=True, user_name="Masha")
    assert a.handle_text("/schedule set 09:00 UTC", boss).ok and a.handle_text("/quiz start 1 30", boss).ok
    assert "recorded" in a.handle_text("/quiz answer A", boss).body
    assert b.quiz.repo.member_record(MASHA.workspace, "masha").answered == 1
    a.rate_limiter.flush()
    held = sum(a.db.execute(f"select count(*) from {table} where {ws} = ? and {user} = ?",
                            [MASHA.workspace, "masha"]).fetchone()[0] for table, ws, user in store.MEMBER_TABLES)
    if backend.url:  # her answer and review card are in PostgreSQL (her rate window too, not counted there)
        with a.shared.pool.connection() as conn:  # type: ignore[attr-defined]
            held += sum(conn.execute(f"select count(*) from {table} where workspace = %s and user_id = %s",
                                     [MASHA.workspace, "masha"]).fetchone()[0]
                        for table in ("quiz_answers", "quiz_appeals", "review_cards"))
    try:
        with caplog.at_level("WARNING"):
            told = b.handle_text("/privacy forget-me", MASHA)
        # each counted once, however many apps hold a repository on the database
        assert held >= 2 and told.body.startswith(f"Deleted {held} record(s)"), told.body
        # (a limiter another test left on a closed state may complain: not this test's apps)
        assert not [m for r in caplog.records if "PostgreSQL" in (m := r.getMessage()) and "could not forget" in m]
        assert a.quiz.repo.member_record(MASHA.workspace, "masha").answered == 0
        quiz = a.quiz.repo.running(MASHA.workspace, MASHA.channel)
        assert quiz is not None and quiz.started_by == store.FORGOTTEN
        sub = a.schedules.subscription(MASHA.workspace, MASHA.channel)
        assert sub is not None and sub.created_by == store.FORGOTTEN
        assert b.shared.hits(MASHA.workspace, "masha", 0) == []
    finally:
        a.close()
        b.close()


def test_a_shared_limit_adds_a_small_fraction_of_a_millisecond_to_a_command(tmp_path: Path, backend: Backend) -> None:
    a, b = two_apps(tmp_path, backend, rate_limit="1000000/minute")
    b.close()
    started = time.perf_counter()
    for i in range(500):
        a.rate_limiter.check("discord", "discord:1", f"m{i % 50}")
    per_check = (time.perf_counter() - started) / 500
    # measured ~0.03 ms on SQLite, ~0.1 ms on a local PostgreSQL; generous for CI
    assert per_check < 0.002, f"{per_check * 1000:.2f} ms a command"
    a.close()


# --- the contract: what both backends do alike -----------------------------------------------------------


def test_counts_written_by_two_processes_add_up_and_keep_only_the_window(backend: Backend) -> None:
    a, b = backend.state(), backend.state()
    a.add_hits({("discord:1", "masha"): [100.0, 101.0], ("discord:1", "sasha"): [100.5]}, since=50, keep=5)
    b.add_hits({("discord:1", "masha"): [102.0, 103.0]}, since=50, keep=5)
    assert b.hits("discord:1", "masha", 50) == a.hits("discord:1", "masha", 50) == [100.0, 101.0, 102.0, 103.0]
    assert a.hits("discord:1", "masha", 101.5) == [102.0, 103.0]  # only those after `since`
    a.add_hits({("discord:1", "masha"): [104.0, 105.0]}, since=100.5, keep=3)
    assert b.hits("discord:1", "masha", 0) == [103.0, 104.0, 105.0]  # at most `keep`, the newest
    assert b.hits("discord:1", "sasha", 0) == [100.5]
    assert b.hits("discord:2", "masha", 0) == []  # another workspace: another window


def test_two_processes_counting_one_member_at_the_same_moment_lose_no_command(backend: Backend) -> None:
    states = [backend.state() for _ in range(4)]
    start = threading.Barrier(len(states))

    def count(i: int, state: SharedState) -> None:
        start.wait()
        for j in range(10):
            state.add_hits({("slack:T1", "masha"): [1000.0 + i * 10 + j]}, since=0, keep=1000)

    threads = [threading.Thread(target=count, args=(i, s)) for i, s in enumerate(states)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(states[0].hits("slack:T1", "masha", 0)) == 40


def test_forget_drops_a_member_or_a_whole_workspace_for_every_process(backend: Backend) -> None:
    a, b = backend.state(), backend.state()
    a.add_hits({("w1", "masha"): [10.0], ("w1", "sasha"): [11.0], ("w2", "masha"): [12.0]}, since=0, keep=5)
    b.forget("w1", "masha")
    assert a.hits("w1", "masha", 0) == [] and a.hits("w1", "sasha", 0) == [11.0]
    b.forget("w1", None)
    assert a.hits("w1", "sasha", 0) == [] and a.hits("w2", "masha", 0) == [12.0]


def test_sweep_lets_idle_members_go_then_keeps_the_most_recent(backend: Backend) -> None:
    a, b = backend.state(), backend.state()
    a.add_hits({("w", f"m{i}"): [float(i)] for i in range(10)}, since=-1, keep=5)
    assert b.sweep(before=2.0, keep=100) == 3  # m0, m1, m2: nothing since
    assert b.sweep(before=2.0, keep=4) == 3  # then the least recently active, down to four
    assert {f"m{i}" for i in range(10) if a.hits("w", f"m{i}", -1)} == {"m6", "m7", "m8", "m9"}


def test_a_version_bumped_by_one_process_is_seen_by_another(backend: Backend) -> None:
    a, b = backend.state(), backend.state()
    assert a.version("index") == b.version("index") == 0
    assert a.bump("index") == 1
    assert a.bump("index") == 2
    deadline = time.monotonic() + 5
    while b.version("index") != 2:  # PostgreSQL: heard through NOTIFY, else read
        assert time.monotonic() < deadline, "the other process never saw the bump"
        time.sleep(0.01)
    assert b.version("other") == 0 and b.bump("other") == 1 and a.version("index") == 2


def test_an_index_watch_rebuilds_once_per_change_made_elsewhere(backend: Backend) -> None:
    a, b = backend.state(), backend.state()
    mono = [0.0]
    watch = IndexWatch(b, every=1.0, clock=lambda: mono[0])
    rebuilt: list[int] = []
    assert not watch.follow(lambda: rebuilt.append(1))  # nothing yet
    a.bump("index")
    if backend.name == "postgresql":  # heard at once: no need to wait for the next read
        deadline = time.monotonic() + 5
        while not watch.follow(lambda: rebuilt.append(1)):
            assert time.monotonic() < deadline, "the change was never heard"
            time.sleep(0.01)
    else:
        assert not watch.follow(lambda: rebuilt.append(1))  # read at most once a second
        mono[0] += 1.0
        assert watch.follow(lambda: rebuilt.append(1))
    mono[0] += 1.0
    assert not watch.follow(lambda: rebuilt.append(1))  # nothing new
    assert rebuilt == [1] and watch.seen == 1


def test_a_lease_is_taken_renewed_refused_expires_and_is_released(backend: Backend) -> None:
    a, b = backend.state(), backend.state()
    assert a.lease("background:discord") is None
    assert a.take_lease("background:discord", "host-a:1", now=1000.0, ttl=45)
    assert not b.take_lease("background:discord", "host-b:2", now=1030.0, ttl=45)  # a's still runs
    assert a.take_lease("background:discord", "host-a:1", now=1040.0, ttl=45)  # renewed
    row = b.lease("background:discord")
    assert row is not None and row["holder"] == "host-a:1"
    assert row["expires_at"] == 1085.0 and row["taken_at"] == 1000.0  # renewed: still taken at its first
    assert not b.take_lease("background:discord", "host-b:2", now=1084.0, ttl=45)
    assert b.take_lease("background:discord", "host-b:2", now=1085.0, ttl=45)  # expired: b's now
    assert not a.take_lease("background:discord", "host-a:1", now=1086.0, ttl=45)  # a, back, is refused
    assert a.take_lease("background:slack", "host-a:1", now=1086.0, ttl=45)  # another lease: free
    a.release_lease("background:discord", "host-a:1")  # not a's: nothing happens
    assert b.lease("background:discord")["holder"] == "host-b:2"  # type: ignore[index]
    b.release_lease("background:discord", "host-b:2")
    assert a.lease("background:discord") is None
    assert a.take_lease("background:discord", "host-a:1", now=1087.0, ttl=45)  # handed back: free at once


def test_many_processes_racing_for_a_free_lease_leave_exactly_one_holder(backend: Backend) -> None:
    states = [backend.state() for _ in range(6)]
    start = threading.Barrier(len(states))
    won: list[str] = []

    def race(i: int, state: SharedState) -> None:
        start.wait()
        for _ in range(5):  # SQLite: a busy file is a failed attempt, as in bot/lease.py
            try:
                if state.take_lease("background:slack", f"host-{i}", now=5000.0, ttl=45):
                    won.append(f"host-{i}")
                return
            except Exception:  # noqa: BLE001
                time.sleep(0.05)

    threads = [threading.Thread(target=race, args=(i, s)) for i, s in enumerate(states)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and states[0].lease("background:slack")["holder"] == won[0]  # type: ignore[index]


HOLDER = """
import sys, time
from bot.shared_state import open_shared
from bot.lease import Lease
db_path, url = sys.argv[1], sys.argv[2] or None
lease = Lease(open_shared(db_path, url), "background:discord", "holder-process", time.time, ttl=float(sys.argv[3]))
while True:
    if lease.take():
        print("held", flush=True)
    time.sleep(0.2)
"""


def test_a_killed_holder_process_s_lease_is_taken_by_another_within_its_ttl(backend: Backend) -> None:
    ttl = 2.0
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(backend.db_path), backend.url or "", str(ttl)],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        mine = Lease(backend.state(), "background:discord", "survivor", time.time, ttl=ttl)
        assert not mine.take()  # held by the other process
        child.send_signal(signal.SIGKILL)  # dies without a word: its lease runs out by itself
        child.wait(10)
        killed = time.monotonic()
        while not mine.take():
            assert time.monotonic() - killed < ttl + 1, "the lease was not taken over within its ttl"
            time.sleep(0.1)
        assert backend.state().lease("background:discord")["holder"] == "survivor"  # type: ignore[index]
    finally:
        child.kill()
        child.wait(10)


# --- the background lease ----------------------------------------------------------------------------------


def test_a_lease_passes_on_within_a_minute_once_its_holder_stops_renewing_and_is_never_held_twice(backend):
    now = [1_000_000.0]
    clock = lambda: now[0]  # noqa: E731
    a = Lease(backend.state(), "background:slack", "host-a:1", clock)
    b = Lease(backend.state(), "background:slack", "host-b:2", clock)
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


async def test_one_process_runs_the_daily_posts_and_another_takes_over_when_it_dies(tmp_path, monkeypatch, backend):
    monkeypatch.setattr(schedule, "MAX_IDLE_SECONDS", 0.05)  # the loop looks again every half second
    a, b = two_apps(tmp_path, backend)
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
        for day in ("2026-11-07", "2026-11-08"):  # both marked sent: no claim is left for anyone to take over
            assert a.schedules.claim_post("slack:T1", "C1", day, "9999-01-01", lease_expired_before="9999-01-01") is None
    finally:
        stop_b.set()
        await asyncio.wait_for(task_b, 5)
    assert holder() is None  # b stopped cleanly: handed back at once
    a.close()
    b.close()


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


async def test_a_reindex_in_one_process_reaches_the_others_lookups_within_a_second(tmp_path: Path,
                                                                                  backend: Backend) -> None:
    content = tmp_path / "content"
    shutil.copytree(TEST_PACKS / "mini", content / "mini")
    s = Settings(db_path=tmp_path / "clio.db", content_dir=content, pack="mini", database_url=backend.url)
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
        a.close()
        b.close()


def test_a_reading_ingested_in_one_process_is_answered_by_another(tmp_path: Path, backend: Backend) -> None:
    a, b = two_apps(tmp_path, backend)
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
    reply = b.handle_text("/who Vauquelin", group)
    assert reply.ok and "Vauquelin" in reply.title and "not in the pack" in reply.title, reply.text()
    if backend.url is None:  # in one file the ingest moved the index version: the other process rebuilt once
        assert store.version(a.db) > seen
        assert b.index_watch.seen == store.version(b.db) and b.lookup is not old
    a.forget("The town ledger", group.workspace)
    assert not b.handle_text("/who Vauquelin", group).ok
    a.close()
    b.close()


# --- choosing the backend ------------------------------------------------------------------------------------


def test_a_database_url_that_is_not_postgresql_is_refused_without_showing_its_password() -> None:
    from bot.config import SettingsError

    with pytest.raises(SettingsError) as e:
        Settings.from_env({"CLIO_DATABASE_URL": "mysql://clio:hunter2@db.example/clio"})
    assert "postgresql://" in str(e.value) and "hunter2" not in str(e.value)
    s = Settings.from_env({"CLIO_DATABASE_URL": "postgresql://clio:hunter2@db.example/clio"})
    assert s.database_url == "postgresql://clio:hunter2@db.example/clio" and "hunter2" not in repr(s)
    assert Settings.from_env({}).database_url is None  # no setting: SQLite alone


def test_the_lease_and_the_scheduler_wake_are_settings_and_a_short_lease_keeps_a_short_margin() -> None:
    from bot.config import SettingsError

    default = Settings.from_env({})
    assert (default.lease_ttl, default.lease_renew, default.lease_poll, default.scheduler_wake) == (45, 20, 10, None)
    fast = Settings.from_env({"CLIO_LEASE_TTL": "4", "CLIO_LEASE_RENEW": "1", "CLIO_LEASE_POLL": "0.5",
                              "CLIO_SCHEDULER_WAKE": "0.5"})
    assert (fast.lease_ttl, fast.lease_renew, fast.lease_poll, fast.scheduler_wake) == (4, 1, 0.5, 0.5)
    with pytest.raises(SettingsError, match="CLIO_LEASE_RENEW .* must be shorter than CLIO_LEASE_TTL"):
        Settings.from_env({"CLIO_LEASE_TTL": "10", "CLIO_LEASE_RENEW": "20"})
    for bad in ("soon", "0", "-3"):
        with pytest.raises(SettingsError, match="CLIO_LEASE_POLL"):
            Settings.from_env({"CLIO_LEASE_POLL": bad})
    now = [1000.0]
    lease = Lease(None, "background:discord", "me", lambda: now[0], ttl=4)  # type: ignore[arg-type]
    lease.until = 1004.0  # taken at 1000 for 4 s: it works until shortly before 1004, not 5 s before (never)
    assert lease.held()
    now[0] = 1003.5
    assert lease.held()
    now[0] = 1003.6
    assert not lease.held()  # its margin is the default's share of the ttl: 4 * 5 / 45 = 0.44 s


def test_a_postgresql_that_cannot_be_reached_is_told_plainly_and_the_password_masked(pg_cluster) -> None:  # noqa: ANN001
    url = pg_cluster.url("no_such_database").replace("clio@", "clio:hunter2@")
    with pytest.raises(ConnectionError) as e:
        open_shared("unused.db", url)
    assert "no_such_database" in str(e.value) and "does not exist" in str(e.value)
    assert "hunter2" not in str(e.value) and "clio:***@" in str(e.value)


def test_sqlite_alone_never_imports_psycopg(tmp_path: Path) -> None:
    script = ("import sys; from pathlib import Path; from bot.app import Clio; from bot.config import Settings; "
              f"app = Clio(Settings(db_path=Path({str(tmp_path / 'c.db')!r}), content_dir=Path({str(TEST_PACKS)!r}), "
              "pack='mini')); assert app.handle_text('/who Kornilov').ok; "
              "print(sorted(m for m in sys.modules if m.startswith('psycopg')))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


def test_migrations_run_once_however_many_processes_open_the_database(pg_url: str) -> None:
    from bot.pg_state import MIGRATIONS, PgState

    states = [PgState(pg_url, listen=False) for _ in range(3)]
    try:
        with states[0].pool.connection() as conn:
            names = [r[0] for r in conn.execute("select name from clio_migrations order by name")]
        assert names == [name for name, _ in MIGRATIONS]
    finally:
        for state in states:
            state.close()
