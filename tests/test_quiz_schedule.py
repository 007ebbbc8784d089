"""Weekly quiz nights: an announcement, then the quiz starting by itself at a local wall-clock time, each once
per week and channel, across daylight-saving changes, restarts, crashed claimers and a bot that was away.
Driven through the app with an injected clock on a real SQLite file; no real sleeping."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import pytest

from bot import store
from bot.app import Clio
from bot.config import Settings
from bot.events import Context, ConversationRef
from bot.response import Reply
from bot.services import quiz_schedule
from bot.services.quiz_schedule import LEASE, SCHEDULER_USER, due, next_start
from bot.services.schedule import OutboxError
from tests.clock import Clock

UTC = dt.UTC


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=UTC)


class FakeOutbox:
    """Records what a channel would show, and when; can fail like a platform on a bad day."""

    def __init__(self, clock: Clock, fail: Exception | None = None):
        self.clock = clock
        self.sent: list[tuple[dt.datetime, ConversationRef, Reply]] = []
        self.fail = fail
        self.attempts = 0

    async def send(self, ref: ConversationRef, reply: Reply) -> None:
        self.attempts += 1
        if self.fail:
            raise self.fail
        self.sent.extend((self.clock(), ref, part) for part in reply.sequence())  # each part its own message

    def titles(self) -> list[str]:
        return [r.title or "" for _, _, r in self.sent]


ADMIN = Context(workspace="discord:1", channel="history", user_id="boss", user_name="Boss", is_admin=True,
                platform="discord")
MEMBER = Context(workspace="discord:1", channel="history", user_id="vera", user_name="Vera", platform="discord")


@pytest.fixture
def clock() -> Clock:
    return Clock(at(2026, 3, 23, 12))  # a Monday, London on GMT


@pytest.fixture
def mini_settings(settings_on_both: Settings) -> Settings:
    return settings_on_both  # the quiz nights in the SQLite file, then in PostgreSQL


@pytest.fixture
def app(spawn) -> Clio:  # noqa: ANN001
    return spawn()


def scheduled(app: Clio) -> list:
    """The channel's quizzes the weekly schedule started, wherever the app keeps quizzes (SQLite or PostgreSQL)."""
    return app.quiz_repo().started_by("discord:1", "history", SCHEDULER_USER, limit=50)


def set_quiz(app: Clio, text: str = "/quiz schedule Fri 19:30 Europe/London 3 20", ctx: Context = ADMIN) -> Reply:
    reply = app.handle_text(text, ctx)
    assert reply.ok, reply.text()
    return reply


async def run_minutes(app: Clio, outbox: FakeOutbox, clock: Clock, start: dt.datetime, end: dt.datetime) -> None:
    """Tick the scheduler and the quiz clock once a minute from start to end, as the adapters' loops do."""
    sched = app.scheduler(outbox, "discord")
    clock.now = start
    while clock.now <= end:
        await sched.tick()
        for post in app.quiz.tick("discord"):
            await outbox.send(post.ref, post.reply)
        clock.now += dt.timedelta(minutes=1)


def posts_of(outbox: FakeOutbox, prefix: str) -> list[dt.datetime]:
    return [when for when, _, r in outbox.sent if (r.title or "").startswith(prefix)]


# --- timing -------------------------------------------------------------------------------------------------


def test_the_local_time_holds_across_both_dst_changes() -> None:
    fri = 4  # Friday
    # Europe/London: the last Sunday of March 2026 is the 29th, of October the 25th
    assert next_start(at(2026, 3, 23), fri, "19:30", "Europe/London")[1] == at(2026, 3, 27, 19, 30)  # GMT
    assert next_start(at(2026, 3, 28), fri, "19:30", "Europe/London")[1] == at(2026, 4, 3, 18, 30)  # BST
    assert next_start(at(2026, 10, 19), fri, "19:30", "Europe/London")[1] == at(2026, 10, 23, 18, 30)  # BST
    assert next_start(at(2026, 10, 24), fri, "19:30", "Europe/London")[1] == at(2026, 10, 30, 19, 30)  # GMT
    since = at(2026, 1, 1)
    assert due(at(2026, 4, 3, 18, 0), fri, "19:30", "Europe/London", since) == (dt.date(2026, 4, 3), "announce",
                                                                                 at(2026, 4, 3, 18, 30))
    assert due(at(2026, 4, 3, 19, 0), fri, "19:30", "Europe/London", since) is None  # a GMT reading would say 19:00
    # a quiz at 00:10 is announced the evening before, local time
    assert due(at(2026, 1, 8, 23, 45), fri, "00:10", "Europe/London", since) == (dt.date(2026, 1, 9), "announce",
                                                                                  at(2026, 1, 9, 0, 10))


@pytest.mark.parametrize(("fridays", "utc_hours"), [
    ((at(2026, 3, 27), at(2026, 4, 3)), (19, 18)),  # spring forward on Sunday 29 March
    ((at(2026, 10, 23), at(2026, 10, 30)), (18, 19)),  # fall back on Sunday 25 October
])
async def test_announced_then_started_exactly_once_each_week_across_a_dst_change(
        app: Clio, clock: Clock, fridays: tuple[dt.datetime, dt.datetime], utc_hours: tuple[int, int]) -> None:
    clock.now = fridays[0] - dt.timedelta(days=4)
    set_quiz(app)
    outbox = FakeOutbox(clock)
    for friday in fridays:  # every minute of the evening, from before the announcement to well after the start
        await run_minutes(app, outbox, clock, friday.replace(hour=16), friday.replace(hour=22))
    announced = posts_of(outbox, "Quiz night in 30 minutes")
    started = [when for when, _, r in outbox.sent if "weekly quiz night (Friday 19:30" in (r.body or "")]
    assert announced == [f.replace(hour=h) for f, h in zip(fridays, utc_hours)]
    assert started == [f.replace(hour=h, minute=30) for f, h in zip(fridays, utc_hours)]
    first_announcement = next(r for _, _, r in outbox.sent if r.title == "Quiz night in 30 minutes")
    assert "19:30" in first_announcement.body and "3 question(s), 20 s each, choice mode" in first_announcement.body
    # each quiz ran to its end in the channel: questions, reveals and final scores, twice in all
    assert outbox.titles().count("Quiz over") == 2
    assert len(scheduled(app)) == 2


# --- exactly once -------------------------------------------------------------------------------------------------


async def test_a_restart_never_announces_or_starts_twice(app: Clio, spawn, clock: Clock) -> None:
    set_quiz(app)
    first, second = FakeOutbox(clock), FakeOutbox(clock)
    restarted = spawn()  # a new process on the same database file
    for moment in (at(2026, 3, 27, 19, 0), at(2026, 3, 27, 19, 30)):
        clock.now = moment
        assert await app.scheduler(first).tick() == 1
        clock.now = moment + dt.timedelta(seconds=30)
        assert await restarted.scheduler(second).tick() == 0
        clock.now = moment + dt.timedelta(minutes=10)  # long after any lease: it was done, not abandoned
        assert await restarted.scheduler(second).tick() == 0
    assert first.titles() == ["Quiz night in 30 minutes", "Quiz starting", "Question 1 of 3"] and second.sent == []
    assert len(scheduled(app)) == 1


async def test_two_processes_at_once_post_once(app: Clio, spawn, clock: Clock) -> None:
    set_quiz(app)
    other = spawn()
    clock.now = at(2026, 3, 27, 19, 30)
    a, b = FakeOutbox(clock), FakeOutbox(clock)
    results = await asyncio.gather(app.scheduler(a).tick(), other.scheduler(b).tick(), app.scheduler(b).tick())
    assert sum(results) == 1 and len(scheduled(app)) == 1
    assert (a.titles() + b.titles()).count("Question 1 of 3") == 1  # one quiz night's start posted, by one


async def test_a_claimer_that_crashed_before_starting_is_taken_over_after_its_lease(
        app: Clio, spawn, clock: Clock) -> None:
    set_quiz(app)
    start = at(2026, 3, 27, 19, 30)
    # a process claimed the start, then died before it could start the quiz
    assert app.schedules.claim_quiz_night("discord:1", "history", "2026-03-27", "start", start.isoformat(),
                                          (start - LEASE).isoformat()) is not None
    restarted = spawn()
    outbox = FakeOutbox(clock)
    clock.now = start + LEASE - dt.timedelta(seconds=1)  # the dead claimer's lease still holds
    assert await restarted.scheduler(outbox).tick() == 0
    clock.now = start + LEASE + dt.timedelta(seconds=1)
    assert await restarted.scheduler(outbox).tick() == 1
    assert await restarted.scheduler(outbox).tick() == 0
    assert outbox.titles() == ["Quiz starting", "Question 1 of 3"] and len(scheduled(app)) == 1


async def test_a_crash_after_starting_posts_that_quizs_first_question_once(
        app: Clio, spawn, clock: Clock) -> None:
    set_quiz(app)
    clock.now = at(2026, 3, 27, 19, 30)
    crashing = FakeOutbox(clock, fail=RuntimeError("process killed mid-send"))
    assert await app.scheduler(crashing).tick() == 0  # the quiz was created, its question never reached anyone
    quiz = app.quiz_repo().running("discord:1", "history")
    assert quiz is not None and crashing.sent == []
    restarted = spawn()
    outbox = FakeOutbox(clock)
    clock.now += LEASE + dt.timedelta(seconds=1)
    for _ in range(3):
        await restarted.scheduler(outbox).tick()
    assert outbox.titles() == ["Question 1 of 3"]  # the same quiz's question, once; no second quiz
    assert len(scheduled(app)) == 1 and app.quiz_repo().running("discord:1", "history").id == quiz.id


async def test_a_missed_week_is_skipped_and_the_next_one_runs(app: Clio, clock: Clock) -> None:
    set_quiz(app)
    outbox = FakeOutbox(clock)
    sched = app.scheduler(outbox)
    clock.now = at(2026, 3, 27, 20, 1)  # back 31 minutes after the start: too late for a quiz night
    assert await sched.tick() == 0
    assert outbox.sent == [] and len(scheduled(app)) == 0
    assert "Fri 03 Apr, 19:30 BST" in app.handle_text("/quiz schedule show", MEMBER).body
    clock.now = at(2026, 4, 3, 18, 20)  # 19:20 BST: back after the announcement's time, before the start
    assert await sched.tick() == 1
    assert outbox.titles() == ["Quiz night in 10 minutes"]
    clock.now = at(2026, 4, 3, 18, 55)  # 25 minutes after the start, within the grace period: still starts
    assert await sched.tick() == 1
    assert outbox.titles()[-1] == "Question 1 of 3"


async def test_a_quiz_already_running_is_said_not_silently_dropped(app: Clio, clock: Clock) -> None:
    set_quiz(app)
    clock.now = at(2026, 3, 27, 19, 25)
    assert app.handle_text("/quiz start 2 300", MEMBER).ok  # a member's own quiz, still going at 19:30
    outbox = FakeOutbox(clock)
    clock.now = at(2026, 3, 27, 19, 30)
    assert await app.scheduler(outbox).tick() == 1
    assert await app.scheduler(outbox).tick() == 0
    (notice,) = [r for _, _, r in outbox.sent]
    assert notice.title == "Weekly quiz night not started"
    assert "already running" in notice.body and "Fri 03 Apr, 19:30 BST" in notice.body
    assert app.quiz_repo().running("discord:1", "history").started_by == "vera"  # untouched


async def test_a_schedule_set_after_tonights_time_waits_for_next_week(app: Clio, clock: Clock) -> None:
    clock.now = at(2026, 3, 27, 19, 40)  # Friday, 10 minutes after 19:30: not tonight
    assert "Fri 03 Apr" in set_quiz(app).body
    outbox = FakeOutbox(clock)
    assert await app.scheduler(outbox).tick() == 0 and outbox.sent == []
    clock.now = at(2026, 3, 27, 19, 10)  # set 20 minutes before: announced at once, "in 20 minutes"
    set_quiz(app, "/quiz schedule Sat 19:30 Europe/London")
    clock.now = at(2026, 3, 28, 19, 10)
    assert await app.scheduler(outbox).tick() == 1 and outbox.titles() == ["Quiz night in 20 minutes"]


async def test_a_lost_channel_pauses_the_quiz_night_and_tells_the_admins(app: Clio, clock: Clock) -> None:
    set_quiz(app)
    clock.now = at(2026, 3, 27, 19, 30)
    outbox = FakeOutbox(clock, fail=OutboxError("the channel no longer exists", permanent=True))
    assert await app.scheduler(outbox).tick() == 0 and outbox.attempts == 1
    assert app.quiz_repo().running("discord:1", "history") is None  # nobody could see it: ended
    assert "off" in app.handle_text("/quiz schedule show", MEMBER).title
    told = app.handle_text("/quiz schedule show", ADMIN)
    assert told.fields[0].name == "Notice for admins" and "no longer exists" in told.fields[0].value


async def test_a_failed_send_is_retried_then_given_up(app: Clio, clock: Clock) -> None:
    set_quiz(app)
    clock.now = at(2026, 3, 27, 19, 0)
    outbox = FakeOutbox(clock, fail=OutboxError("rate limited"))
    sched = app.scheduler(outbox)
    for _ in range(6):
        await sched.tick()
        clock.now += dt.timedelta(minutes=2)
    assert outbox.attempts == 3  # bounded
    outbox.fail = None
    clock.now = at(2026, 3, 27, 19, 30)
    assert await sched.tick() == 1 and outbox.titles() == ["Quiz starting", "Question 1 of 3"]  # the start is its own post


# --- commands ------------------------------------------------------------------------------------------------------


def test_show_and_off(app: Clio) -> None:
    assert "No weekly quiz night here" == app.handle_text("/quiz schedule", MEMBER).title
    reply = set_quiz(app, "/quiz schedule friday 7:30pm europe/london Kornilov 2 45 open")
    assert "Every Friday at 19:30 (Europe/London): 2 question(s), 45 s each, open mode, on Kornilov" in reply.body
    shown = app.handle_text("/quiz schedule show", MEMBER)
    assert shown.ok and "Every Friday at 19:30 (Europe/London)" in shown.body and "Fri 27 Mar, 19:30 GMT" in shown.body
    assert app.handle_text("/quiz schedule off", ADMIN).title == "Weekly quiz night off"
    assert "off" in app.handle_text("/quiz schedule show", MEMBER).title
    assert "nothing to turn off" in app.handle_text("/quiz schedule off", ADMIN).body


async def test_an_off_schedule_posts_nothing(app: Clio, clock: Clock) -> None:
    set_quiz(app)
    app.handle_text("/quiz schedule off", ADMIN)
    outbox = FakeOutbox(clock)
    await run_minutes(app, outbox, clock, at(2026, 3, 27, 18, 55), at(2026, 3, 27, 19, 40))
    assert outbox.sent == []


@pytest.mark.parametrize(("text", "says"), [
    ("/quiz schedule Fry 19:30 Europe/London", "“Fry” is not a day of the week"),
    ("/quiz schedule Blursday 19:30 UTC", "not a day of the week: give Mon to Sun"),
    ("/quiz schedule Fri 25:61 UTC", "“25:61” is not a time of day"),
    ("/quiz schedule Fri noonish UTC", "is not a time of day; give one like 19:30"),
    ("/quiz schedule Fri 19:30 Mars/Olympus", "“Mars/Olympus” is not a timezone"),
    ("/quiz schedule Fri 19:30 ../../etc/passwd", "is not a timezone"),
    ("/quiz schedule Fri 19:30", "Give a day, a time and a timezone"),
    ("/quiz schedule Fri 19:30 UTC 99", "1 to 50 questions"),
    ("/quiz schedule Fri 19:30 UTC 5 5000", "10 to 300 seconds"),
    ("/quiz schedule Fri 19:30 UTC Zyxwvut", "No questions match “Zyxwvut”"),
    ("/quiz schedule Fri 19:30 UTC " + "Lenin " * 60, "at most 200"),
])
def test_bad_day_time_or_zone_get_a_clear_message(app: Clio, text: str, says: str) -> None:
    reply = app.handle_text(text, ADMIN)
    assert not reply.ok and says in reply.body and "Traceback" not in reply.body
    assert app.schedules.quiz_night("discord:1", "history") is None


def test_hostile_text_is_echoed_harmlessly(app: Clio) -> None:
    for text in ("/quiz schedule @everyone 19:30 UTC", "/quiz schedule Fri 19:30 <!channel>",
                 "/quiz schedule Fri 19:30 UTC @everyone", "/quiz schedule Fri\x00 19:30\u202e UTC @here"):
        reply = app.handle_text(text, ADMIN)
        assert not reply.ok and "@everyone" not in reply.text() and "<!channel>" not in reply.text()
        assert "@here" not in reply.text()


def test_only_admins_set_or_stop_it_on_the_console(app: Clio) -> None:
    from adapters import console

    member = Context(workspace="console:local", channel="console", user_id="guest", platform="console")
    for text in ("/quiz schedule Fri 19:30 UTC", "/quiz schedule set Fri 19:30 UTC", "/quiz schedule off"):
        reply = app.handle_text(text, member)
        assert not reply.ok and "admins" in reply.body
    assert app.schedules.quiz_night("console:local", "console") is None
    out = io.StringIO()
    assert console.ask(app, "/quiz schedule Fri 19:30 UTC 3", out=out) == 0  # the console's own user is its admin
    assert "Weekly quiz night set" in out.getvalue()
    assert app.handle_text("/quiz schedule show", member).title == "Weekly quiz night"  # members may look
    assert not app.handle_text("/quiz schedule off", member).ok
    assert app.schedules.quiz_night("console:local", "console").active


async def test_the_console_shows_a_scheduled_quiz_arrive(app: Clio, clock: Clock) -> None:
    from adapters import console

    class Typing(io.StringIO):
        """A member typing: the second line comes at 19:30, the quiz's start time."""

        def readline(self, *args: object) -> str:  # type: ignore[override]
            line = super().readline()
            if line.startswith("/quiz schedule show"):
                clock.now = at(2026, 3, 27, 19, 30)
            return line

    clock.now = at(2026, 3, 27, 19, 10)  # Friday, 20 minutes before
    out = io.StringIO()
    inp = Typing("/quiz schedule Fri 19:30 UTC 3\n/quiz schedule show\n/quit\n")
    assert await console.chat_async(app, inp, out, schedule=True) == 0
    text = out.getvalue()
    assert text.count("Quiz night in 20 minutes") == 1 and text.count("Question 1 of 3") == 1
    assert text.index("Quiz night in 20 minutes") < text.index("Question 1 of 3")


# --- workspaces -------------------------------------------------------------------------------------------------


async def test_schedules_are_per_workspace_and_platform_and_deleted_with_the_workspace(app: Clio, clock: Clock) -> None:
    set_quiz(app)
    slack = Context(workspace="slack:T1", channel="C1", user_id="U1", is_admin=True, platform="slack")
    set_quiz(app, "/quiz schedule Fri 19:30 UTC 2", ctx=slack)
    other = Context(workspace="discord:2", channel="history", user_id="x", platform="discord")
    assert app.handle_text("/quiz schedule show", other).title == "No weekly quiz night here"
    assert not app.handle_text("/quiz schedule off", other).ok
    clock.now = at(2026, 3, 27, 19, 30)
    discord_box, slack_box = FakeOutbox(clock), FakeOutbox(clock)
    assert await app.scheduler(discord_box, "discord").tick() == 1
    assert await app.scheduler(slack_box, "slack").tick() == 1
    assert {r.platform for _, r, _ in discord_box.sent} == {"discord"} and discord_box.titles()[-1] == "Question 1 of 3"
    assert {r.platform for _, r, _ in slack_box.sent} == {"slack"}  # never a Discord quiz via Slack
    assert app.schedules.quiz_night_claims("discord:1", "history")
    store.delete_workspace(app.db, "discord:1")
    assert app.schedules.quiz_night("discord:1", "history") is None
    assert app.schedules.quiz_night_claims("discord:1", "history") == []
    assert app.schedules.quiz_night("slack:T1", "C1") is not None
    assert app.schedules.quiz_night_claims("slack:T1", "C1")


def test_the_next_time_is_shown_in_the_channels_zone(app: Clio, clock: Clock) -> None:
    clock.now = at(2026, 3, 28, 12)  # Saturday; Friday next is in summer time
    assert "Fri 03 Apr, 19:30 BST" in set_quiz(app).body
    assert quiz_schedule.parse_day("THURS") == 3 and quiz_schedule.parse_day("sun.") == 6


def test_adapters_offer_it_as_a_quiz_subcommand_members_may_use_for_show() -> None:
    from bot.commands import REGISTRY

    form = {f.word: f for f in REGISTRY["quiz"].forms()}["schedule"]
    assert not form.required and not form.admin  # set and off are refused by the core; show is for everyone
    assert form.text("quiz", "Fri 19:30 Europe/London") == "/quiz schedule Fri 19:30 Europe/London"
