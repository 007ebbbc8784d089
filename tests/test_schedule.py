"""Daily posts: pure timing across DST, exactly once per channel and local day (restarts, two processes,
slow sends), catch-up within the grace window, failures that pause instead of crash. No real sleeping.

Every test with an app runs twice: subscriptions, claims and notices in the SQLite file, and in PostgreSQL
(CLIO_DATABASE_URL set; bot/storage/schedules.py), where processes on several hosts share them."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import threading
from pathlib import Path

import pytest

from bot.app import Clio
from bot.config import Settings
from bot.events import Context, ConversationRef
from bot.response import Reply
from bot.services.schedule import OutboxError, due_date, next_run, scheduled_at
from tests.clock import Clock
from tests.conftest import TEST_PACKS

UTC = dt.UTC


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=UTC)


class FakeOutbox:
    """Records posts; can be slow or fail, like a real chat platform on a bad day."""

    def __init__(self, delay: float = 0.0, fail: OutboxError | None = None):
        self.sent: list[tuple[ConversationRef, Reply]] = []
        self.delay = delay
        self.fail = fail
        self.attempts = 0

    async def send(self, ref: ConversationRef, reply: Reply) -> None:
        self.attempts += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise self.fail
        self.sent.append((ref, reply))


ADMIN = Context(workspace="discord:1", channel="history", user_id="boss", is_admin=True, platform="discord")


def subscribe(app: Clio, text: str = "/schedule set 09:00 Europe/London", ctx: Context = ADMIN) -> Reply:
    reply = app.handle_text(text, ctx)
    assert reply.ok, reply.text()
    return reply


# --- pure timing -------------------------------------------------------------------------------------------


def test_next_run_is_today_or_tomorrow() -> None:
    assert next_run(at(2026, 6, 1, 7), "09:00", "Europe/London") == at(2026, 6, 1, 8)  # BST: 09:00 = 08:00 UTC
    assert next_run(at(2026, 6, 1, 8, 1), "09:00", "Europe/London") == at(2026, 6, 2, 8)
    assert next_run(at(2026, 12, 1, 7), "09:00", "Europe/London") == at(2026, 12, 1, 9)  # GMT


@pytest.mark.parametrize(
    ("tz", "before", "after", "utc_before", "utc_after"),
    [
        ("Europe/London", dt.date(2026, 3, 28), dt.date(2026, 3, 29), 9, 8),  # spring forward
        ("Europe/London", dt.date(2026, 10, 24), dt.date(2026, 10, 25), 8, 9),  # fall back
        ("America/New_York", dt.date(2026, 3, 7), dt.date(2026, 3, 8), 14, 13),
        ("America/New_York", dt.date(2026, 10, 31), dt.date(2026, 11, 1), 13, 14),
    ],
)
def test_local_post_time_holds_across_dst(tz: str, before: dt.date, after: dt.date, utc_before: int,
                                          utc_after: int) -> None:
    assert scheduled_at(before, "09:00", tz).hour == utc_before
    assert scheduled_at(after, "09:00", tz).hour == utc_after


def test_a_time_skipped_by_spring_forward_still_posts_that_day() -> None:
    # 01:30 does not exist in London on 29 March 2026; the post goes at 02:30 BST (01:30 UTC), once
    at_ = scheduled_at(dt.date(2026, 3, 29), "01:30", "Europe/London")
    assert at_ == at(2026, 3, 29, 1, 30)
    assert due_date(at(2026, 3, 29, 1, 31), "01:30", "Europe/London") == dt.date(2026, 3, 29)


def test_due_date_catches_up_within_grace_and_skips_after() -> None:
    assert due_date(at(2026, 1, 5, 8, 59), "09:00", "Europe/London") is None
    assert due_date(at(2026, 1, 5, 9), "09:00", "Europe/London") == dt.date(2026, 1, 5)
    assert due_date(at(2026, 1, 5, 14, 59), "09:00", "Europe/London") == dt.date(2026, 1, 5)
    assert due_date(at(2026, 1, 5, 15, 0), "09:00", "Europe/London") is None
    # a late-evening post is still caught up after midnight
    assert due_date(at(2026, 1, 6, 1), "23:00", "Europe/London") == dt.date(2026, 1, 5)


# --- exactly once --------------------------------------------------------------------------------------------


@pytest.fixture
def clock() -> Clock:
    return Clock(at(2026, 11, 7, 9, 0))


@pytest.fixture
def mini_settings(settings_on_both: Settings) -> Settings:
    return settings_on_both  # the schedules in the SQLite file, then in PostgreSQL


@pytest.fixture
def app(spawn) -> Clio:  # noqa: ANN001
    return spawn()


async def test_the_post_goes_out_once_with_the_day_in_both_calendars(app: Clio, clock: Clock) -> None:
    subscribe(app)
    outbox = FakeOutbox()
    sched = app.scheduler(outbox)
    assert await sched.tick() == 1
    assert await sched.tick() == 0
    clock.now += dt.timedelta(hours=2)
    assert await sched.tick() == 0
    ref, reply = outbox.sent[0]
    assert ref == ConversationRef("discord", "discord:1", "history")
    assert "Winter Palace" in reply.text() and "25 Oct 1917 O.S. / 7 Nov 1917 N.S." in reply.text()
    clock.now = at(2026, 11, 8, 9, 1)
    assert await sched.tick() == 1  # the next day


async def test_each_platform_process_posts_only_to_its_own_channels(app: Clio, clock: Clock) -> None:
    subscribe(app)  # a Discord channel
    slack = Context(workspace="slack:T1", channel="C1", user_id="U1", is_admin=True, platform="slack")
    assert app.handle_text("/schedule set 09:00 Europe/London", slack).ok
    slack_outbox, discord_outbox = FakeOutbox(), FakeOutbox()
    assert await app.scheduler(slack_outbox, "slack").tick() == 1
    assert await app.scheduler(discord_outbox, "discord").tick() == 1
    assert [r.platform for r, _ in slack_outbox.sent] == ["slack"]
    assert [r.platform for r, _ in discord_outbox.sent] == ["discord"]  # never a Discord post via Slack
    assert await app.scheduler(FakeOutbox(), "slack_").tick() == 0  # LIKE wildcards in a name match nothing


async def test_a_restart_never_posts_twice(app: Clio, spawn, clock: Clock) -> None:
    subscribe(app)
    first = FakeOutbox()
    assert await app.scheduler(first).tick() == 1
    restarted = spawn()  # a new process on the same database file
    second = FakeOutbox()
    assert await restarted.scheduler(second).tick() == 0
    assert len(first.sent) + len(second.sent) == 1


class Channel:
    """A chat channel that keeps what was posted, read back like a platform's recent history."""

    def __init__(self) -> None:
        self.posts: list[Reply] = []

    async def posted(self, ref: ConversationRef, marker: str) -> bool:
        return any(r.marker == marker for r in self.posts[-50:])


class DiesAfterDelivery(Channel):
    """The platform takes the post, then the process is killed before it can mark the post sent."""

    async def send(self, ref: ConversationRef, reply: Reply) -> None:
        self.posts.append(reply)
        raise SystemExit("killed")


class Delivers(Channel):
    async def send(self, ref: ConversationRef, reply: Reply) -> None:
        self.posts.append(reply)


@pytest.mark.parametrize("trial", range(7))
async def test_a_post_delivered_just_before_a_crash_is_not_sent_again(app: Clio, spawn,
                                                                        clock: Clock, trial: int) -> None:
    subscribe(app)
    dying = DiesAfterDelivery()
    with pytest.raises(SystemExit):
        await app.scheduler(dying).tick()
    assert len(dying.posts) == 1 and dying.posts[0].marker == "Clio's daily post for 7 Nov 2026"
    clock.now += dt.timedelta(minutes=16 + trial)  # restarted after the claim's lease ran out
    restarted = spawn()
    channel = Delivers()
    channel.posts = list(dying.posts)  # the same channel: the post is there
    assert await restarted.scheduler(channel).tick() == 1  # counted as done...
    assert len(channel.posts) == 1  # ...without a second post
    assert await restarted.scheduler(channel).tick() == 0


async def test_a_post_lost_in_a_crash_before_delivery_is_sent_once_after(app: Clio, spawn,
                                                                         clock: Clock) -> None:
    class DiesBeforeDelivery(Channel):
        async def send(self, ref: ConversationRef, reply: Reply) -> None:
            raise SystemExit("killed")

    subscribe(app)
    with pytest.raises(SystemExit):
        await app.scheduler(DiesBeforeDelivery()).tick()
    clock.now += dt.timedelta(minutes=16)
    restarted = spawn()
    channel = Delivers()
    assert await restarted.scheduler(channel).tick() == 1 and len(channel.posts) == 1


@pytest.mark.parametrize("delivered", [True, False], ids=["delivered", "not delivered"])
async def test_the_next_lease_holder_takes_over_a_post_the_killed_one_left_at_once_and_sends_it_once(
        app: Clio, spawn, clock: Clock, delivered: bool) -> None:  # noqa: ANN001
    class DiesBeforeDelivery(Channel):
        async def send(self, ref: ConversationRef, reply: Reply) -> None:
            raise SystemExit("killed")

    subscribe(app)
    dying = DiesAfterDelivery() if delivered else DiesBeforeDelivery()
    with pytest.raises(SystemExit):  # the holder of the background lease is killed mid-post
        await app.scheduler(dying).tick()
    clock.now += dt.timedelta(seconds=5)  # its lease ran out; another process took it (bot/lease.py)
    survivor = spawn()
    channel = Delivers()
    channel.posts = list(dying.posts)  # the same channel: the post is there if it was delivered
    late = survivor.scheduler(channel)
    late.held_since = clock.now - dt.timedelta(seconds=10)  # held the lease since before that claim: the claim
    assert await late.tick() == 0  # is a live holder's, and waits (a stalled holder cannot have posted twice)
    took_over = survivor.scheduler(channel)
    took_over.held_since = clock.now  # took the lease after the claim: its maker is gone
    assert await took_over.tick() == 1  # at once, not 15 minutes later...
    assert len(channel.posts) == 1  # ...and once: a delivered post is found in the channel, not sent again
    assert await took_over.tick() == 0


async def test_two_processes_and_a_slow_send_post_once(app: Clio, spawn, clock: Clock) -> None:
    subscribe(app)
    other = spawn()
    slow, fast = FakeOutbox(delay=0.05), FakeOutbox()
    results = await asyncio.gather(app.scheduler(slow).tick(), other.scheduler(fast).tick(),
                                   app.scheduler(fast).tick())
    assert sum(results) == 1 and len(slow.sent) + len(fast.sent) == 1


async def test_a_slow_database_never_holds_up_the_event_loop(app: Clio, clock: Clock,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The daily post's claim waits on the database (a PostgreSQL round trip, a busy SQLite file): meanwhile
    the adapter's loop goes on, and a member's /who is answered; then the post goes out once."""
    subscribe(app)
    entered, opened, ran_on = threading.Event(), threading.Event(), []
    claim_post = type(app.schedules).claim_post

    def slow_claim(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        ran_on.append(threading.get_ident())
        entered.set()
        if not opened.wait(20):
            raise RuntimeError("the test never let the claim finish")
        return claim_post(self, *args, **kwargs)

    monkeypatch.setattr(type(app.schedules), "claim_post", slow_claim)
    outbox = FakeOutbox()
    tick = asyncio.create_task(app.scheduler(outbox).tick())
    assert await asyncio.to_thread(entered.wait, 20), "the scheduler never claimed"
    for _ in range(50):  # would never get past the first if the claim ran on this loop
        await asyncio.sleep(0)
    member = Context(workspace="discord:1", channel="history", user_id="m", platform="discord")
    answered = await asyncio.wait_for(app.call(member, "/who kornilov"), 10)
    assert answered.ok and "Kornilov" in answered.title and not tick.done() and outbox.sent == []
    opened.set()
    assert await tick == 1 and len(outbox.sent) == 1
    assert ran_on and threading.get_ident() not in ran_on  # a worker thread waited, not the loop


async def test_a_bot_down_at_post_time_catches_up_then_skips_stale_days(app: Clio, clock: Clock) -> None:
    subscribe(app)
    outbox = FakeOutbox()
    sched = app.scheduler(outbox)
    clock.now = at(2026, 11, 7, 14, 30)  # back 5.5 hours late: still posts
    assert await sched.tick() == 1
    clock.now = at(2026, 11, 8, 16, 0)  # 7 hours late the next day: skipped, not posted stale
    assert await sched.tick() == 0
    clock.now = at(2026, 11, 9, 9, 0)
    assert await sched.tick() == 1
    assert [r.title for _, r in outbox.sent] == ["On this day, 7 November", "On this day, 9 November"]


async def test_failures_retry_then_pause_and_tell_the_admin(app: Clio, clock: Clock) -> None:
    subscribe(app)
    outbox = FakeOutbox(fail=OutboxError("rate limited"))
    sched = app.scheduler(outbox)
    for _ in range(5):
        await sched.tick()
        clock.now += dt.timedelta(minutes=6)
    assert outbox.attempts == 3  # bounded
    assert not app.schedules.subscription("discord:1", "history").active
    member = Context(workspace="discord:1", channel="history", user_id="m", is_admin=False)
    assert "paused" not in app.handle_text("/who kornilov", member).text()
    told = app.handle_text("/who kornilov", ADMIN)
    assert told.fields[0].name == "Notice for admins" and "rate limited" in told.fields[0].value
    assert "Notice" not in app.handle_text("/who kornilov", ADMIN).text()  # told once
    assert "paused" in app.handle_text("/schedule show", member).text().lower()


async def test_a_deleted_channel_pauses_at_once(app: Clio, clock: Clock) -> None:
    subscribe(app)
    outbox = FakeOutbox(fail=OutboxError("channel not found", permanent=True))
    assert await app.scheduler(outbox).tick() == 0
    assert outbox.attempts == 1
    assert app.schedules.subscription("discord:1", "history").paused_reason == "channel not found"


async def test_a_crashing_outbox_never_stops_the_loop(app: Clio, clock: Clock) -> None:
    class Broken:
        async def send(self, ref: ConversationRef, reply: Reply) -> None:
            raise RuntimeError("adapter bug")

    subscribe(app)
    subscribe(app, ctx=Context(workspace="discord:1", channel="other", user_id="boss", is_admin=True))
    assert await app.scheduler(Broken()).tick() == 0  # logged, not raised


async def test_the_run_loop_stops_by_itself(app: Clio) -> None:
    subscribe(app)
    outbox = FakeOutbox()
    stop = asyncio.Event()
    task = asyncio.create_task(app.scheduler(outbox).run(stop))
    for _ in range(50):
        if outbox.sent:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=2)
    assert len(outbox.sent) == 1


async def test_the_same_event_is_not_featured_twice_within_a_year(tmp_path: Path, clock: Clock,
                                                                  mini_settings: Settings) -> None:
    pack = tmp_path / "packs" / "mini"
    shutil.copytree(TEST_PACKS / "mini", pack)
    with (pack / "events.yaml").open("a", encoding="utf-8") as f:
        f.write('''  - id: parade-1941
    name: Red Square parade
    date: "1941-11-07"
    calendar: gregorian
    summary: >
      Test summary: troops marched past the Kremlin on the anniversary and went straight to the front.
    sources: [figes]
''')
    app = Clio(Settings(db_path=tmp_path / "c.db", content_dir=pack.parent, pack="mini",
                        database_url=mini_settings.database_url))  # what was featured: SQLite's or PostgreSQL's
    app.clock = clock
    subscribe(app)
    outbox = FakeOutbox()
    sched = app.scheduler(outbox)
    await sched.tick()
    clock.now = at(2027, 11, 7, 9, 0)  # the next anniversary, 365 days on
    await sched.tick()
    clock.now = at(2028, 11, 7, 9, 0)  # two years on, both were shown within the year: the first again
    await sched.tick()
    featured = [r.fields[0].value for _, r in outbox.sent]
    assert featured[0] != featured[1] and featured[2] == featured[0]
    assert {featured[0], featured[1]} == {"Storming of the Winter Palace", "Red Square parade"}
    app.close()


def test_schedule_commands_check_admins_and_input(app: Clio) -> None:
    member = Context(workspace="discord:1", channel="history", user_id="m", is_admin=False)
    assert not app.handle_text("/schedule set 09:00", member).ok
    assert "not a timezone" in app.handle_text("/schedule set 09:00 Mars/Olympus", ADMIN).text()
    assert "no time" in app.handle_text("/schedule set 25:00 UTC", ADMIN).text()
    assert "next" in subscribe(app, "/schedule set 9pm America/New_York").body.lower()
    assert "21:00 (America/New_York)" in app.handle_text("/schedule show", member).body
    assert app.handle_text("/schedule off", ADMIN).ok
    assert "paused" in app.handle_text("/schedule show", member).title.lower()


async def test_the_console_shows_a_daily_post(app: Clio, clock: Clock) -> None:
    import io

    from adapters import console

    out = io.StringIO()
    inp = io.StringIO("/schedule set 09:00 UTC\n/schedule show\n/quit\n")
    assert await console.chat_async(app, inp, out, schedule=True) == 0
    text = out.getvalue()
    assert "Daily post set" in text
    assert "— daily post to #console —" in text and "Winter Palace" in text
    assert text.count("— daily post to") == 1


def test_chat_schedule_runs_in_a_real_process(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "CLIO_DB": str(tmp_path / "c.db"), "CLIO_CONTENT": str(TEST_PACKS), "CLIO_PACK": "mini"}
    now = dt.datetime.now(UTC)
    hhmm = (now - dt.timedelta(minutes=1)).strftime("%H:%M")  # a minute ago: due now, within the grace window
    out = subprocess.run([sys.executable, "-m", "adapters.cli", "chat", "--schedule"], input=f"/schedule set {hhmm} UTC\n",
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "— daily post to #console —" in out.stdout and "On this day" in out.stdout
