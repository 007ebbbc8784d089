"""Weekly quiz nights: an admin sets a day, a wall-clock time and an IANA timezone for a channel; Clio
announces the quiz a while before and starts it by itself at that time, through the adapter's outbox.

Each announcement and each start is claimed in the database (workspace, channel, local date, kind) before it
is posted, like the daily posts, so restarts and several processes never post one twice; a claim whose holder
crashed is taken over once its short lease runs out. A bot that was away at start time starts the quiz only
within a grace period, else that week is skipped. The loop that drives this is the daily-post `Scheduler`'s:
`Clio.scheduler` hands it a `QuizNights`, so every adapter runs both with no change of its own. As there,
every read and write of the schedules and quizzes (and starting the quiz, which reads the question bank) runs
through `run`, the door's worker threads, never on the event loop; only the posts go out from the loop.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import zoneinfo
from dataclasses import asdict
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

import sqlite_utils

from bot.errors import BadInput, BotError
from bot.events import Context, ConversationRef
from bot.response import Reply
from bot.services.quiz import QuizEngine, QuizError, parse_start
from bot.services.schedule import (Clock, Outbox, OutboxError, Runner, inline, parse_time, parse_timezone,
                                   scheduled_at)
from bot.storage.schedules import QuizNight, Schedules, SqliteSchedules
from bot.text import echo

if TYPE_CHECKING:
    from bot.app import Clio

log = logging.getLogger("clio.quiz_schedule")

ANNOUNCE_BEFORE = dt.timedelta(minutes=30)  # the announcement goes out this long before the start
START_GRACE = dt.timedelta(minutes=30)  # a bot back within this after start time still starts; later: skipped
LEASE = dt.timedelta(minutes=2)  # a claim older than this whose holder vanished is taken over
MAX_ATTEMPTS = 3
RETRY_AFTER = dt.timedelta(minutes=1)
MAX_ARGS_CHARS = 200
SCHEDULER_USER = "clio:quiz-night"  # quizzes the schedule starts are "started" by this id: admins stop them

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
USAGE = "/quiz schedule Fri 19:30 Europe/London [TOPIC] [QUESTIONS] [SECONDS] [choice|open]"


# --- parsing -------------------------------------------------------------------------------------------------


def parse_day(word: str) -> int:
    """"Fri", "friday", "FRI.", "Thurs" -> 0..6 (Monday is 0)."""
    w = word.strip().lower().rstrip(".")
    matches = [i for i, day in enumerate(DAYS) if len(w) >= 3 and day.startswith(w)]
    if len(matches) != 1:
        raise BadInput(f"“{echo(word, 20)}” is not a day of the week: give Mon to Sun or a full name, "
                       f"e.g. {USAGE}")
    return matches[0]


@functools.lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {z.lower(): z for z in zoneinfo.available_timezones()}


def parse_zone(word: str) -> str:
    """An IANA timezone name, any case ("europe/london" -> "Europe/London")."""
    name = _zones().get(word.strip().lower())
    try:
        if name is None:
            raise BadInput("unknown")
        return parse_timezone(name)
    except BadInput:
        raise BadInput(f"“{echo(word, 40)}” is not a timezone; use an IANA name such as Europe/London or "
                       f"America/New_York: {USAGE}") from None


def parse_when(words: list[str]) -> tuple[int, str, str, str]:
    """DAY TIME TIMEZONE [quiz options] -> (weekday, "HH:MM", timezone, options), each checked."""
    if len(words) < 3:
        raise BadInput(f"Give a day, a time and a timezone: {USAGE}")
    weekday = parse_day(words[0])
    try:
        start_time = parse_time(words[1])
    except BadInput:
        raise BadInput(f"“{echo(words[1], 20)}” is not a time of day; give one like 19:30 or 7:30pm: "
                       f"{USAGE}") from None
    tz = parse_zone(words[2])
    options = " ".join(words[3:])
    if len(options) > MAX_ARGS_CHARS:
        raise BadInput(f"The quiz options are {len(options):,} characters; at most {MAX_ARGS_CHARS}: {USAGE}")
    parse_start(options)  # the quiz's own checks: questions, seconds, mode
    return weekday, start_time, tz, options


# --- timing (pure) -------------------------------------------------------------------------------------------


def occurrences(now: dt.datetime, weekday: int, start_time: str, tz: str, days: range) -> list[tuple[dt.date, dt.datetime]]:
    """(local date, start instant in UTC) of the quiz nights whose local date is today + each of `days`."""
    today = now.astimezone(ZoneInfo(tz)).date()
    dates = [today + dt.timedelta(days=d) for d in days]
    return [(d, scheduled_at(d, start_time, tz)) for d in dates if d.weekday() == weekday]


def next_start(now: dt.datetime, weekday: int, start_time: str, tz: str) -> tuple[dt.date, dt.datetime]:
    """The next quiz night starting after `now`."""
    for day, at in occurrences(now, weekday, start_time, tz, range(0, 9)):
        if at > now:
            return day, at
    raise AssertionError("unreachable: a week always has the day")


def due(now: dt.datetime, weekday: int, start_time: str, tz: str, since: dt.datetime,
        lead: dt.timedelta = ANNOUNCE_BEFORE, grace: dt.timedelta = START_GRACE) -> tuple[dt.date, str, dt.datetime] | None:
    """What is due now: (local date, "announce" or "start", start instant), or None. The announcement is due
    from `lead` before the start until the start; the start for `grace` after it (later, that week is
    skipped). A quiz night at or before `since` (when the schedule was set) never counts."""
    for day, at in occurrences(now, weekday, start_time, tz, range(-1, 2)):
        if at <= since:
            continue
        if at - lead <= now < at:
            return day, "announce", at
        if at <= now < at + grace:
            return day, "start", at
    return None


# --- the loop --------------------------------------------------------------------------------------------------


class NightParts(Protocol):
    """What the quiz nights' database work uses, as the thread running it sees it (the door's core)."""

    schedules: Schedules  # the nights, their claims, and the admins' notices
    quiz: QuizEngine  # starts the quiz; its repo finds one an earlier claimer started


class QuizNights:
    """Announces and starts each channel's weekly quiz once per week, through the outbox."""

    def __init__(self, db: sqlite_utils.Database, engine: QuizEngine, outbox: Outbox, clock: Clock,
                 platform: str | None = None, lead: dt.timedelta = ANNOUNCE_BEFORE, grace: dt.timedelta = START_GRACE,
                 schedules: Schedules | None = None, run: Runner | None = None):
        self.db = db
        self.schedules = schedules or SqliteSchedules(db)  # the nights, their claims, and the admins' notices
        self.quiz = engine
        self.outbox = outbox
        self.clock = clock
        self.platform = platform  # only this platform's channels, like the daily posts
        self.lead = lead
        self.grace = grace
        self.run_work = run or inline(self)  # the database work, off the loop (`NightParts`: the door's core)

    async def tick(self) -> int:
        """Announce or start everything due now. Returns how many posts were sent; one channel's failure
        never stops the others."""
        sent = 0
        for sch in await self.run_work(lambda parts: parts.schedules.active_quiz_nights(self.platform), write=False):
            try:
                sent += await self._maybe_post(sch)
            except Exception:
                log.exception("quiz night failed for %s/%s", sch.workspace, sch.channel)
        return sent

    async def next_wake(self) -> float:
        """Seconds until the next announcement or start (the caller caps it, so new schedules are seen)."""
        nights = await self.run_work(lambda parts: parts.schedules.active_quiz_nights(self.platform), write=False)
        now = self.clock()
        waits = [3600.0]
        for s in nights:
            for _, at in occurrences(now, s.weekday, s.start_time, s.timezone, range(-1, 9)):
                waits += [(t - now).total_seconds() for t in (at - self.lead, at) if t > now]
        return max(0.5, min(waits))

    async def _maybe_post(self, sch: QuizNight) -> int:
        now = self.clock()
        what = due(now, sch.weekday, sch.start_time, sch.timezone,
                   dt.datetime.fromisoformat(sch.updated_at or now.isoformat()), self.lead, self.grace)
        if what is None:
            return 0
        day, kind, at = what
        ws, ch = sch.workspace, sch.channel
        ref = ConversationRef(**json.loads(sch.ref))
        claimed = await self.run_work(lambda parts: self._claim(parts, sch, ref, day, kind, at, now))
        if claimed is None:
            return 0
        attempts, reply, quiz_id = claimed
        if reply is not None:
            try:
                await self.outbox.send(ref, reply)
            except OutboxError as e:
                await self.run_work(lambda parts, e=e: self._failed(parts, sch, day.isoformat(), kind, attempts, e, now,
                                                               quiz_id))
                return 0
        sent_at = self.clock().isoformat()
        await self.run_work(lambda parts: parts.schedules.finish_quiz_night(
            ws, ch, day.isoformat(), kind, status="sent", sent_at=sent_at, attempts=attempts, quiz_id=quiz_id,
            error=None))
        return int(reply is not None)

    def _claim(self, parts: NightParts, sch: QuizNight, ref: ConversationRef, day: dt.date, kind: str,
               at: dt.datetime, now: dt.datetime) -> tuple[int, Reply | None, int | None] | None:
        """In a worker: take the night's claim for `kind` and make its post (starting the quiz for "start");
        (this attempt's number, the post or None, the quiz's id), or None when someone else holds the claim."""
        claim = parts.schedules.claim_quiz_night(sch.workspace, sch.channel, day.isoformat(), kind, now.isoformat(),
                                                 (now - LEASE).isoformat())
        if claim is None:
            return None
        if kind == "announce":
            return claim.attempts + 1, announcement(sch, at, now), None
        reply, quiz_id = self._start(parts.quiz, sch, ref, at)
        return claim.attempts + 1, reply, quiz_id

    def _start(self, engine: QuizEngine, sch: QuizNight, ref: ConversationRef,
               at: dt.datetime) -> tuple[Reply | None, int | None]:
        """Start the quiz (or find the one an earlier claimer started before it died); its first question."""
        ws, ch = sch.workspace, sch.channel
        ours = [q for q in engine.repo.started_by(ws, ch, SCHEDULER_USER)
                if dt.datetime.fromisoformat(q.started_at) >= at]
        if ours:  # started by a claimer that crashed or failed to post: post its question if still the first
            quiz = ours[0]
            if quiz.status == "running" and quiz.current == 0:
                return engine.question_reply(quiz), quiz.id
            return None, quiz.id  # the quiz clock has moved it on (or ended it) meanwhile
        ctx = Context(workspace=ws, channel=ch, user_id=SCHEDULER_USER, user_name="Weekly quiz night",
                      is_admin=False, platform=ref.platform)
        when = f"{at.astimezone(ZoneInfo(sch.timezone)):%A %H:%M %Z}"
        try:
            reply = engine.start(ctx, sch.args)
        except QuizError as e:
            if engine.repo.running(ws, ch) is not None:
                return Reply(ok=True, kind="info", title="Weekly quiz night not started",
                             body=f"The weekly quiz night was due now ({when}), but a quiz is already running "
                                  f"in this channel, so it did not start. {next_line(sch, self.clock())}"), None
            return _could_not_start(e, when, sch, self.clock()), None
        except BotError as e:
            return _could_not_start(e, when, sch, self.clock()), None
        quiz = engine.repo.running(ws, ch)
        reply.body = f"The weekly quiz night ({when}). " + (reply.body or "")
        return reply, quiz.id if quiz else None

    def _failed(self, parts: NightParts, sch: QuizNight, day: str, kind: str, attempts: int, e: OutboxError,
                now: dt.datetime, quiz_id: int | None) -> None:
        """In a worker: retry the post later, or give up on it (ending a quiz nobody can see) and tell the
        admins, pausing the night when the channel is gone for good."""
        ws, ch = sch.workspace, sch.channel
        log.warning("quiz night %s to %s/%s failed (attempt %d): %s", kind, ws, ch, attempts, e.reason)
        if not (e.permanent or attempts >= MAX_ATTEMPTS):
            parts.schedules.finish_quiz_night(ws, ch, day, kind, status="retry", attempts=attempts,
                                              error=e.reason, quiz_id=quiz_id,
                                              next_attempt_at=(now + RETRY_AFTER).isoformat())
            return
        parts.schedules.finish_quiz_night(ws, ch, day, kind, status="failed", attempts=attempts,
                                          error=e.reason, quiz_id=quiz_id)
        if quiz_id is not None:  # nobody can see it: end it rather than let it run into the void
            parts.quiz.repo.end(quiz_id, "ended", now.isoformat())
        if e.permanent:
            parts.schedules.pause_quiz_night(ws, ch, e.reason, now.isoformat())
            parts.schedules.add_notice(ws, f"Weekly quiz nights in channel {ch} are paused: {e.reason}. Fix it, "
                                           "then /quiz schedule again in that channel.", now.isoformat())
        else:
            parts.schedules.add_notice(ws, f"This week's quiz night in channel {ch} could not be posted: "
                                           f"{e.reason}.", now.isoformat())


def _could_not_start(e: BotError, when: str, sch: QuizNight, now: dt.datetime) -> Reply:
    return Reply(ok=True, kind="info", title="Weekly quiz night not started",
                 body=f"The weekly quiz night was due now ({when}) but could not start: {e.user_message} "
                      f"{next_line(sch, now)}")


# --- replies ---------------------------------------------------------------------------------------------------


def describe(sch: QuizNight) -> str:
    """"10 questions, 30 s each, choice mode, on TOPIC" for a schedule's quiz options."""
    topic, n, seconds, mode = parse_start(sch.args)
    return f"{n} question(s), {seconds} s each, {mode} mode" + (f", on {echo(topic)}" if topic else "")


def next_line(sch: QuizNight, now: dt.datetime) -> str:
    _, at = next_start(now, sch.weekday, sch.start_time, sch.timezone)
    return f"The next weekly quiz night: {at.astimezone(ZoneInfo(sch.timezone)):%a %d %b, %H:%M %Z}."


def announcement(sch: QuizNight, at: dt.datetime, now: dt.datetime) -> Reply:
    minutes = max(1, round((at - now).total_seconds() / 60))
    local = at.astimezone(ZoneInfo(sch.timezone))
    how = "type your answers" if parse_start(sch.args)[3] == "open" else "click your answers"
    return Reply(ok=True, kind="info", title=f"Quiz night in {minutes} minute{'s' if minutes != 1 else ''}",
                 body=f"The weekly quiz starts here at {local:%H:%M %Z} ({local:%A %d %B}): {describe(sch)}. "
                      f"The questions appear in this channel; {how}.")


def schedule_quiz(app: Clio, ctx: Context, words: list[str]) -> Reply:
    weekday, start_time, tz, options = parse_when(words)
    topic = parse_start(options)[0]
    if not app.quiz.bank(ctx.workspace, topic):
        raise QuizError(f"No questions match “{echo(topic or '')}”. Try a person, a year, one of the pack's periods "
                        "(/pack list shows them), or a reading's title; or leave the topic out.")
    now = app.clock()
    row = QuizNight(ctx.workspace, ctx.channel, json.dumps(asdict(ConversationRef.of(ctx))), weekday, start_time, tz,
                    options, updated_at=now.isoformat())
    app.schedules.set_quiz_night(row)
    return Reply(ok=True, kind="info", title="Weekly quiz night set",
                 body=f"Every {DAYS[weekday].title()} at {start_time} ({tz}): {describe(row)}. An announcement "
                      f"goes out {int(ANNOUNCE_BEFORE.total_seconds() // 60)} minutes before. {next_line(row, now)}")


def show(app: Clio, ctx: Context) -> Reply:
    sch = app.schedules.quiz_night(ctx.workspace, ctx.channel)
    if sch is None:
        return Reply(ok=True, kind="info", title="No weekly quiz night here",
                     body=f"An admin can set one: {USAGE}")
    when = f"{DAYS[sch.weekday].title()} at {sch.start_time} ({sch.timezone})"
    if not sch.active:
        return Reply(ok=True, kind="info", title="Weekly quiz night off",
                     body=f"It was {when}; off ({echo(sch.paused_reason or 'turned off', 120)}). "
                          f"An admin can set it again: {USAGE}")
    return Reply(ok=True, kind="info", title="Weekly quiz night",
                 body=f"Every {when}: {describe(sch)}; announced "
                      f"{int(ANNOUNCE_BEFORE.total_seconds() // 60)} minutes before. {next_line(sch, app.clock())}")


def turn_off(app: Clio, ctx: Context) -> Reply:
    sch = app.schedules.quiz_night(ctx.workspace, ctx.channel)
    if sch is None or not sch.active:
        return Reply(ok=True, kind="info", title="No weekly quiz night here", body="There was nothing to turn off.")
    app.schedules.pause_quiz_night(ctx.workspace, ctx.channel, "turned off by an admin", app.clock().isoformat())
    return Reply(ok=True, kind="info", title="Weekly quiz night off",
                 body="No more weekly quizzes start here by themselves; a quiz already running goes on.")


def command(app: Clio, ctx: Context, arg: str) -> Reply:
    """/quiz schedule DAY TIME TIMEZONE [options] (admins), /quiz schedule show, /quiz schedule off (admins)."""
    words = arg.split()
    action = words[0].lower() if words else "show"
    if action == "show" and len(words) <= 1:
        return show(app, ctx)
    if not ctx.is_admin:
        raise BotError("Setting or turning off the weekly quiz night is for the group's admins; "
                       "anyone can /quiz schedule show.")
    if action == "off" and len(words) == 1:
        return turn_off(app, ctx)
    if action == "set":
        words = words[1:]
    return schedule_quiz(app, ctx, words)
