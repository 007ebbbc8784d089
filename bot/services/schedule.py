"""Daily "on this day" posts: pure timing rules, a database claim per channel and local day, and a loop that
hands posts to an adapter's outbox. The core never sends by itself.

The loop runs on the adapter's event loop, but never reads or writes a database there: each step that does
(the active subscriptions, a claim with the post it composes, how the post went) is one call of `run`, which
the app makes the door's (bot/door.py): a worker thread with its own SQLite connection, the repositories and
services bound to it. On PostgreSQL each repository call is a network round trip; none of them holds up the
loop. Only sending, through the outbox, happens on the loop."""

from __future__ import annotations

import asyncio
import functools
import datetime as dt
import json
import logging
import re
import zoneinfo
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlite_utils

from bot.errors import BadInput
from bot.events import ConversationRef
from bot.response import Field, Reply
from bot.services.onthisday import Day, OnThisDay
from bot.storage.schedules import Schedules, SqliteSchedules, Subscription

log = logging.getLogger("clio.schedule")

GRACE = dt.timedelta(hours=6)  # a bot down at post time still posts if back within this
LEASE = dt.timedelta(minutes=15)  # a claim older than this whose sender vanished may be taken over
MAX_ATTEMPTS = 3
RETRY_AFTER = dt.timedelta(minutes=5)
MAX_IDLE_SECONDS = 60.0
VARIETY_DAYS = 365

Clock = Callable[[], dt.datetime]
T = TypeVar("T")


class Parts(Protocol):
    """What a scheduler's database work uses, as the thread running it sees it (the door's core: the app's
    services on that thread's connection)."""

    db: sqlite_utils.Database  # the pack and readings (what a post says)
    schedules: Schedules  # who gets a post when, and which went out
    onthisday: OnThisDay


class Runner(Protocol):
    """Runs `work(parts)` off the event loop (`Door.run`): in the writer, or a reader when `write` is False."""

    def __call__(self, work: Callable[[Any], T], *, write: bool = True) -> Awaitable[T]: ...


def inline(parts: Any) -> Runner:
    """A `Runner` that calls the work on the caller's thread, with `parts`: for a scheduler made without an
    app's door (the loop then waits for the database, as it did before the door)."""

    async def run(work: Callable[[Any], T], *, write: bool = True) -> T:
        return work(parts)

    return run  # type: ignore[return-value]


class OutboxError(Exception):
    """A post that could not be sent. `permanent` when retrying cannot help (channel gone, no permission)."""

    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Ticker(Protocol):
    """Other timed posts a `Scheduler` runs beside the daily ones (weekly quiz nights)."""

    async def tick(self) -> int: ...

    async def next_wake(self) -> float: ...


class Outbox(Protocol):
    """What an adapter implements to deliver scheduled posts. An outbox that can read a channel's recent
    messages also has `async def posted(ref, marker) -> bool`: whether a post with that marker is there."""

    async def send(self, ref: ConversationRef, reply: Reply) -> None: ...


def daily_marker(day: dt.date) -> str:
    """The mark a daily post carries, found again in the channel's history after a crash."""
    return f"Clio's daily post for {day.day} {day:%b %Y}"


def parse_time(text: str) -> str:
    """"9", "09:30", "9.30", "9:30pm" -> "HH:MM" (24-hour)."""
    m = re.fullmatch(r"(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?", text.strip().lower())
    if not m:
        raise BadInput("Give a time like 09:00 or 9pm: /schedule set 09:00 Europe/London")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3):
        if not 1 <= hour <= 12:
            raise BadInput("With am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if m.group(3) == "pm" else 0)
    if hour > 23 or minute > 59:
        raise BadInput(f"There is no time {text.strip()}.")
    return f"{hour:02d}:{minute:02d}"


def parse_timezone(name: str) -> str:
    """An IANA timezone name, as zoneinfo lists it ("Europe" is a folder of zones, not one)."""
    try:
        if name not in _zones():
            raise ZoneInfoNotFoundError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise BadInput(f"“{name[:40]}” is not a timezone; use an IANA name such as Europe/London or "
                       "America/New_York.") from None
    return name


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def scheduled_at(local_date: dt.date, post_time: str, tz: str) -> dt.datetime:
    """The instant (UTC) of a local wall-clock time on a local date. A time skipped by a spring-forward
    change is read with the offset before it (02:30 becomes 03:30 summer time); a repeated one is its first."""
    hour, minute = map(int, post_time.split(":"))
    local = dt.datetime.combine(local_date, dt.time(hour, minute), tzinfo=ZoneInfo(tz))
    return local.astimezone(dt.UTC)


def next_run(now: dt.datetime, post_time: str, tz: str) -> dt.datetime:
    """The next instant at or after `now` when the daily post is due."""
    today = now.astimezone(ZoneInfo(tz)).date()
    for offset in (0, 1, 2):
        at = scheduled_at(today + dt.timedelta(days=offset), post_time, tz)
        if at >= now:
            return at
    raise AssertionError("unreachable: a day always has the time within two days")


def due_date(now: dt.datetime, post_time: str, tz: str, grace: dt.timedelta = GRACE) -> dt.date | None:
    """The local day whose post is due now: its time has passed, less than `grace` ago. None when nothing is
    due, including a day whose time passed longer ago than the grace window (skipped, never posted stale)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    for day in (today, today - dt.timedelta(days=1)):
        at = scheduled_at(day, post_time, tz)
        if at <= now < at + grace:
            return day
    return None


class Scheduler:
    """Posts each subscribed channel's daily reply once per local day, through the outbox."""

    def __init__(self, db: sqlite_utils.Database, onthisday: OnThisDay, outbox: Outbox, clock: Clock,
                 grace: dt.timedelta = GRACE, platform: str | None = None, also: Sequence[Ticker] = (),
                 schedules: Schedules | None = None, wake: float | None = None, run: Runner | None = None):
        self.db = db  # the pack and readings (what a post says)
        self.wake = wake  # the longest sleep between looks for new subscriptions (None: MAX_IDLE_SECONDS)
        # when this process took the background lease (bot/lease.py): a claim still open from before then is
        # a previous holder's, which is gone, so it is taken over at once (None: after LEASE, as ever)
        self.held_since: dt.datetime | None = None
        self.schedules = schedules or SqliteSchedules(db)  # who gets a post when, and which went out
        self.also = list(also)  # other timed posts run on this same loop (weekly quiz nights)
        self.platform = platform  # only this platform's channels: the Slack process never posts to Discord
        self.onthisday = onthisday
        self.outbox = outbox
        self.clock = clock
        self.grace = grace
        self.run_work = run or inline(self)  # the database work, off the loop (`Parts`: the door's core)

    async def tick(self) -> int:
        """Post everything due now. Returns how many posts were sent. Never raises for one channel's failure."""
        sent = 0
        for sub in await self.run_work(lambda parts: parts.schedules.active(self.platform), write=False):
            try:
                sent += await self._maybe_post(sub)
            except Exception:  # a bug in one channel's post must not stop the others
                log.exception("daily post failed for %s/%s", sub.workspace, sub.channel)
        for other in self.also:
            try:
                sent += await other.tick()
            except Exception:
                log.exception("scheduled posts failed")
        return sent

    async def _maybe_post(self, sub: Subscription) -> int:
        now = self.clock()
        day = due_date(now, sub.post_time, sub.timezone, self.grace)
        if day is None:
            return 0
        ws, ch = sub.workspace, sub.channel
        claimed = await self.run_work(lambda parts: self._claim(parts, sub, day, now))
        if claimed is None:
            return 0
        attempt, reply, event_id = claimed
        ref = ConversationRef(**json.loads(sub.ref))
        try:
            if attempt > 1 and await self._already_posted(ref, reply.marker):
                log.info("daily post to %s/%s was already delivered before a restart", ws, ch)
            else:
                await self.outbox.send(ref, reply)
        except OutboxError as e:
            await self.run_work(lambda parts, e=e: self._failed(parts.schedules, sub, day, attempt, e, now))
            return 0
        sent_at = self.clock().isoformat()
        await self.run_work(lambda parts: parts.schedules.finish_claim(
            ws, ch, day.isoformat(), status="sent", event_id=event_id, sent_at=sent_at, attempts=attempt, error=None))
        return 1

    def _claim(self, parts: Parts, sub: Subscription, day: dt.date,
               now: dt.datetime) -> tuple[int, Reply, str | None] | None:
        """In a worker: take the day's claim and compose its post; (attempt, post, featured event), or None
        when another process or an earlier run holds or sent it."""
        ws, ch = sub.workspace, sub.channel
        stale = now - LEASE
        if self.held_since is not None and self.held_since > stale:
            stale = self.held_since
        claim = parts.schedules.claim_post(ws, ch, day.isoformat(), now.isoformat(), stale.isoformat())
        if claim is None:
            return None
        reply, event_id = self.compose(ws, ch, day, parts)
        reply.marker = daily_marker(day)
        attempt = claim.attempts + 1
        # counted before sending: a process that dies after the platform took the post but before it is marked
        # sent leaves attempts >= 1, and whoever takes the claim over looks in the channel before sending again
        parts.schedules.finish_claim(ws, ch, day.isoformat(), status="claimed", attempts=attempt)
        return attempt, reply, event_id

    async def _already_posted(self, ref: ConversationRef, marker: str | None) -> bool:
        posted = getattr(self.outbox, "posted", None)
        return bool(posted and await posted(ref, marker))

    def _failed(self, schedules: Schedules, sub: Subscription, day: dt.date, attempts: int, e: OutboxError,
                now: dt.datetime) -> None:
        """In a worker: retry the post later, or pause the subscription and tell the admins."""
        ws, ch = sub.workspace, sub.channel
        log.warning("daily post to %s/%s failed (attempt %d): %s", ws, ch, attempts, e.reason)
        if e.permanent or attempts >= MAX_ATTEMPTS:
            schedules.finish_claim(ws, ch, day.isoformat(), status="failed", attempts=attempts, error=e.reason)
            schedules.pause(ws, ch, e.reason, now.isoformat())
            schedules.add_notice(ws, f"Daily posts to channel {ch} are paused: {e.reason}. "
                                     "Fix it, then /schedule set again in that channel.", now.isoformat())
        else:
            schedules.finish_claim(ws, ch, day.isoformat(), status="retry", attempts=attempts, error=e.reason,
                                   next_attempt_at=(now + RETRY_AFTER).isoformat())

    def compose(self, workspace: str, channel: str, day: dt.date, parts: Parts | None = None) -> tuple[Reply, str | None]:
        """The day's post, featuring an event not posted to this channel in the past year when one exists.
        `parts`: the services of the thread composing it (this scheduler's own when not given)."""
        parts = parts or self
        events = parts.onthisday.events_on_day(day.month, day.day, workspace)
        recent = parts.schedules.recent_events(workspace, channel, (day - dt.timedelta(days=VARIETY_DAYS)).isoformat())
        fresh = [e for e in events if e["id"] not in recent] or events
        featured = fresh[0] if fresh else None
        reply = parts.onthisday.reply([Day(day.month, day.day)], workspace)
        if featured is not None:
            reply.fields.sort(key=lambda f: featured["name"] not in f.name)
            reply.fields.insert(0, Field("Featured", featured["name"]))
        reply.title = f"On this day, {day.day} {day.strftime('%B')}"
        return reply, featured["id"] if featured else None

    async def next_wake(self) -> float:
        """Seconds until the next subscription is due (at most `wake`, else MAX_IDLE_SECONDS, so new ones are
        seen)."""
        subs = await self.run_work(lambda parts: parts.schedules.active(self.platform), write=False)
        now = self.clock()
        waits = [(next_run(now, s.post_time, s.timezone) - now).total_seconds() for s in subs]
        waits += [await other.next_wake() for other in self.also]
        return max(0.5, min([MAX_IDLE_SECONDS if self.wake is None else self.wake, *waits]))

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until `stop` is set; a failing tick is logged and the loop goes on."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("scheduler tick failed")
            try:
                wake = await self.next_wake()
            except Exception:
                log.exception("scheduler could not read when to wake; looking again shortly")
                wake = MAX_IDLE_SECONDS if self.wake is None else self.wake
            try:
                await asyncio.wait_for(stop.wait(), timeout=wake)
            except TimeoutError:
                pass


def subscribe(schedules: Schedules, ref: ConversationRef, post_time: str, tz: str, user: str,
              now: dt.datetime) -> Reply:
    schedules.subscribe(Subscription(ref.workspace, ref.channel, json.dumps(asdict(ref)), post_time, tz,
                                     created_by=user, updated_at=now.isoformat()))
    nxt = next_run(now, post_time, tz).astimezone(ZoneInfo(tz))
    return Reply(ok=True, kind="info", title="Daily post set",
                 body=f"Every day at {post_time} ({tz}) this channel gets what happened on that day. "
                      f"The next one: {nxt:%a %d %b, %H:%M %Z}.")


def show(schedules: Schedules, workspace: str, channel: str, now: dt.datetime) -> Reply:
    sub = schedules.subscription(workspace, channel)
    if sub is None:
        return Reply(ok=True, kind="info", title="No daily post here",
                     body="An admin can start one: /schedule set 09:00 Europe/London")
    if not sub.active:
        reason = f" ({sub.paused_reason})" if sub.paused_reason else ""
        return Reply(ok=True, kind="info", title="Daily post paused",
                     body=f"Paused{reason}. An admin can restart it with /schedule set {sub.post_time} {sub.timezone}.")
    nxt = next_run(now, sub.post_time, sub.timezone).astimezone(ZoneInfo(sub.timezone))
    return Reply(ok=True, kind="info", title="Daily post",
                 body=f"Every day at {sub.post_time} ({sub.timezone}); next {nxt:%a %d %b, %H:%M %Z}.")


def unsubscribe(schedules: Schedules, workspace: str, channel: str, now: dt.datetime) -> Reply:
    if schedules.subscription(workspace, channel) is None:
        return Reply(ok=True, kind="info", title="No daily post here", body="There was nothing to turn off.")
    schedules.pause(workspace, channel, "turned off by an admin", now.isoformat())
    return Reply(ok=True, kind="info", title="Daily post off", body="This channel gets no more daily posts.")
