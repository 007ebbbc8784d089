"""The schedules aggregate behind one interface: daily-post subscriptions (which channel gets its on-this-day
post when) and weekly quiz nights, the claims that make each post, announcement and start happen once per
channel and local day across every process, and the notices that tell a workspace's admins one was paused.

`SqliteSchedules` keeps them in the SQLite file (bot/store.py's tables, as before); `PgSchedules` in
PostgreSQL, so processes on several hosts share one set of subscriptions and one claim per post. Each claim
is a primary key the database guards: a second process asking for the same post gets None."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, Protocol

from bot import store
from bot.storage.pg_repo import PgRepo, pg_forgetters

if TYPE_CHECKING:
    import sqlite_utils


CLAIM_FIELDS = frozenset({"status", "attempts", "next_attempt_at", "event_id", "error", "sent_at", "claimed_at"})
NIGHT_FIELDS = CLAIM_FIELDS - {"event_id"} | {"quiz_id"}


@dataclass(frozen=True)
class Subscription:
    workspace: str
    channel: str
    ref: str  # the ConversationRef as JSON: where the post goes
    post_time: str  # HH:MM in `timezone`
    timezone: str
    active: bool = True
    paused_reason: str | None = None
    created_by: str | None = None
    updated_at: str | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Subscription:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in row.items() if k in names}
        values["active"] = bool(values.get("active", True))
        return cls(**values)


@dataclass(frozen=True)
class PostClaim:
    workspace: str
    channel: str
    local_date: str  # ISO date in the subscription's timezone
    status: str  # claimed, retry, sent or failed
    claimed_at: str
    attempts: int = 0
    next_attempt_at: str | None = None
    event_id: str | None = None
    error: str | None = None
    sent_at: str | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> PostClaim:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in row.items() if k in names})


@dataclass(frozen=True)
class QuizNight:
    """A channel's weekly quiz night: started by itself every `weekday` (0 = Monday) at `start_time` local."""
    workspace: str
    channel: str
    ref: str
    weekday: int
    start_time: str
    timezone: str
    args: str = ""  # the /quiz start options: topic, questions, seconds, mode
    active: bool = True
    paused_reason: str | None = None
    updated_at: str | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> QuizNight:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in row.items() if k in names}
        values["active"] = bool(values.get("active", True))
        values["args"] = values.get("args") or ""
        return cls(**values)


@dataclass(frozen=True)
class NightClaim:
    """The one right to announce (kind "announce") or start ("start") a channel's quiz night of a date."""
    workspace: str
    channel: str
    local_date: str
    kind: str
    status: str
    claimed_at: str
    attempts: int = 0
    next_attempt_at: str | None = None
    quiz_id: int | None = None
    error: str | None = None
    sent_at: str | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> NightClaim:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in row.items() if k in names})


class Schedules(Protocol):
    def subscribe(self, sub: Subscription) -> None:
        """Create or replace a channel's subscription (active again if it was paused)."""

    def subscription(self, workspace: str, channel: str) -> Subscription | None: ...

    def active(self, platform: str | None = None) -> list[Subscription]:
        """Active subscriptions, of one platform's workspaces ("discord:..." for "discord") or of all."""

    def pause(self, workspace: str, channel: str, reason: str, now: str) -> None: ...

    def claim_post(self, workspace: str, channel: str, local_date: str, now: str,
                   lease_expired_before: str) -> PostClaim | None:
        """Take the one right to post to a channel for a local day: the claim, or None when another process
        or an earlier run holds it or sent it. A claim whose holder died (claimed before
        `lease_expired_before`) or whose retry is due is taken over. Times are ISO 8601 in UTC."""

    def finish_claim(self, workspace: str, channel: str, local_date: str, **fields: Any) -> None:
        """Record how the claimed post went (status, attempts, next_attempt_at, event_id, error, sent_at)."""

    def recent_events(self, workspace: str, channel: str, since: str) -> set[str]:
        """Events featured in the posts sent to a channel since a local date."""

    def add_notice(self, workspace: str, message: str, now: str) -> None: ...

    def take_notices(self, workspace: str) -> list[str]:
        """The workspace's undelivered notices, oldest first, each given once."""

    def set_quiz_night(self, night: QuizNight) -> None:
        """Create or replace a channel's weekly quiz night."""

    def quiz_night(self, workspace: str, channel: str) -> QuizNight | None: ...

    def active_quiz_nights(self, platform: str | None = None) -> list[QuizNight]: ...

    def pause_quiz_night(self, workspace: str, channel: str, reason: str, now: str) -> None: ...

    def claim_quiz_night(self, workspace: str, channel: str, local_date: str, kind: str, now: str,
                         lease_expired_before: str) -> NightClaim | None:
        """As `claim_post`, for announcing or starting a quiz night."""

    def finish_quiz_night(self, workspace: str, channel: str, local_date: str, kind: str, **fields: Any) -> None:
        """As `finish_claim` (status, attempts, next_attempt_at, quiz_id, error, sent_at)."""

    def quiz_night_claims(self, workspace: str, channel: str) -> list[NightClaim]:
        """A channel's quiz-night claims, by date and kind."""


def check_fields(fields: dict[str, Any], allowed: frozenset[str] = CLAIM_FIELDS) -> None:
    unknown = set(fields) - allowed
    if unknown:  # column names come from this fixed set, never from input
        raise ValueError(f"a post claim has no field {', '.join(sorted(unknown))}")


class SqliteSchedules:
    """`Schedules` in the SQLite file, on the caller's connection (the store gives one per thread)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def subscribe(self, sub: Subscription) -> None:
        row = asdict(sub)
        row["active"] = int(sub.active)
        store.set_subscription(self.db, row)

    def subscription(self, workspace: str, channel: str) -> Subscription | None:
        row = store.subscription(self.db, workspace, channel)
        return Subscription.of(row) if row else None

    def active(self, platform: str | None = None) -> list[Subscription]:
        return [Subscription.of(r) for r in store.active_subscriptions(self.db, platform)]

    def pause(self, workspace: str, channel: str, reason: str, now: str) -> None:
        store.pause_subscription(self.db, workspace, channel, reason, now)

    def claim_post(self, workspace: str, channel: str, local_date: str, now: str,
                   lease_expired_before: str) -> PostClaim | None:
        row = store.claim_post(self.db, workspace, channel, local_date, now, lease_expired_before)
        return PostClaim.of(row) if row else None

    def finish_claim(self, workspace: str, channel: str, local_date: str, **fields: Any) -> None:
        check_fields(fields)
        store.finish_claim(self.db, workspace, channel, local_date, **fields)

    def recent_events(self, workspace: str, channel: str, since: str) -> set[str]:
        return store.recent_posted_events(self.db, workspace, channel, since)

    def add_notice(self, workspace: str, message: str, now: str) -> None:
        store.add_notice(self.db, workspace, message, now)

    def take_notices(self, workspace: str) -> list[str]:
        return store.take_notices(self.db, workspace)

    def set_quiz_night(self, night: QuizNight) -> None:
        row = asdict(night)
        row["active"] = int(night.active)
        store.set_quiz_schedule(self.db, row)

    def quiz_night(self, workspace: str, channel: str) -> QuizNight | None:
        row = store.quiz_schedule(self.db, workspace, channel)
        return QuizNight.of(row) if row else None

    def active_quiz_nights(self, platform: str | None = None) -> list[QuizNight]:
        return [QuizNight.of(r) for r in store.active_quiz_schedules(self.db, platform)]

    def pause_quiz_night(self, workspace: str, channel: str, reason: str, now: str) -> None:
        store.pause_quiz_schedule(self.db, workspace, channel, reason, now)

    def claim_quiz_night(self, workspace: str, channel: str, local_date: str, kind: str, now: str,
                         lease_expired_before: str) -> NightClaim | None:
        row = store.claim_quiz_night(self.db, workspace, channel, local_date, kind, now, lease_expired_before)
        return NightClaim.of(row) if row else None

    def finish_quiz_night(self, workspace: str, channel: str, local_date: str, kind: str, **fields: Any) -> None:
        check_fields(fields, NIGHT_FIELDS)
        store.finish_quiz_night_claim(self.db, workspace, channel, local_date, kind, **fields)

    def quiz_night_claims(self, workspace: str, channel: str) -> list[NightClaim]:
        return [NightClaim.of(r) for r in store.quiz_night_claims(self.db, workspace, channel)]


class PgSchedules(PgRepo):
    """`Schedules` in PostgreSQL (migration p003_schedules of bot/pg_state.py), on a PgState's pool: each
    claim one atomic statement on the primary key; taking notices one DELETE ... RETURNING, so two processes
    never both show the same notice. A workspace's rows go with it (forget hooks, as for the SQLite tables)."""

    # forget-me and workspace deletion reach its rows (`forget`), each database once
    forgetters = pg_forgetters("the schedules in PostgreSQL")

    def subscribe(self, sub: Subscription) -> None:
        self._run("insert into subscriptions (workspace, channel, ref, post_time, timezone, active, paused_reason, "
                  "created_by, updated_at) values (%(workspace)s, %(channel)s, %(ref)s, %(post_time)s, %(timezone)s, "
                  "%(active)s, %(paused_reason)s, %(created_by)s, %(updated_at)s) on conflict (workspace, channel) "
                  "do update set ref = excluded.ref, post_time = excluded.post_time, timezone = excluded.timezone, "
                  "active = excluded.active, paused_reason = excluded.paused_reason, "
                  "created_by = excluded.created_by, updated_at = excluded.updated_at", asdict(sub))

    def subscription(self, workspace: str, channel: str) -> Subscription | None:
        rows = self._rows("select * from subscriptions where workspace = %s and channel = %s", [workspace, channel])
        return Subscription.of(rows[0]) if rows else None

    def active(self, platform: str | None = None) -> list[Subscription]:
        cond, params = ("", []) if platform is None else ("and starts_with(workspace, %s)", [platform + ":"])
        return [Subscription.of(r) for r in self._rows(
            f"select * from subscriptions where active {cond} order by workspace, channel", params)]

    def pause(self, workspace: str, channel: str, reason: str, now: str) -> None:
        self._run("update subscriptions set active = false, paused_reason = %s, updated_at = %s "
                  "where workspace = %s and channel = %s", [reason, now, workspace, channel])

    def claim_post(self, workspace: str, channel: str, local_date: str, now: str,
                   lease_expired_before: str) -> PostClaim | None:
        rows = self._rows(
            "insert into post_claims as p (workspace, channel, local_date, status, claimed_at, attempts) "
            "values (%s, %s, %s, 'claimed', %s, 0) on conflict (workspace, channel, local_date) do update "
            "set status = 'claimed', claimed_at = excluded.claimed_at "
            "where (p.status = 'claimed' and p.claimed_at < %s) or (p.status = 'retry' and p.next_attempt_at <= %s) "
            "returning *", [workspace, channel, local_date, now, lease_expired_before, now])
        return PostClaim.of(rows[0]) if rows else None

    def finish_claim(self, workspace: str, channel: str, local_date: str, **fields: Any) -> None:
        check_fields(fields)
        sets = ", ".join(f"{k} = %s" for k in fields)
        self._run(f"update post_claims set {sets} where workspace = %s and channel = %s and local_date = %s",
                  [*fields.values(), workspace, channel, local_date])

    def recent_events(self, workspace: str, channel: str, since: str) -> set[str]:
        return {r["event_id"] for r in self._rows(
            "select event_id from post_claims where workspace = %s and channel = %s and status = 'sent' "
            "and local_date >= %s and event_id is not null", [workspace, channel, since])}

    def add_notice(self, workspace: str, message: str, now: str) -> None:
        self._run("insert into admin_notices (workspace, message, created_at) values (%s, %s, %s)",
                  [workspace, message, now])

    def take_notices(self, workspace: str) -> list[str]:
        rows = self._rows("delete from admin_notices where workspace = %s returning id, message", [workspace])
        return [r["message"] for r in sorted(rows, key=lambda r: r["id"])]

    def set_quiz_night(self, night: QuizNight) -> None:
        self._run("insert into quiz_schedules (workspace, channel, ref, weekday, start_time, timezone, args, active, "
                  "paused_reason, updated_at) values (%(workspace)s, %(channel)s, %(ref)s, %(weekday)s, "
                  "%(start_time)s, %(timezone)s, %(args)s, %(active)s, %(paused_reason)s, %(updated_at)s) "
                  "on conflict (workspace, channel) do update set ref = excluded.ref, weekday = excluded.weekday, "
                  "start_time = excluded.start_time, timezone = excluded.timezone, args = excluded.args, "
                  "active = excluded.active, paused_reason = excluded.paused_reason, "
                  "updated_at = excluded.updated_at", asdict(night))

    def quiz_night(self, workspace: str, channel: str) -> QuizNight | None:
        rows = self._rows("select * from quiz_schedules where workspace = %s and channel = %s", [workspace, channel])
        return QuizNight.of(rows[0]) if rows else None

    def active_quiz_nights(self, platform: str | None = None) -> list[QuizNight]:
        cond, params = ("", []) if platform is None else ("and starts_with(workspace, %s)", [platform + ":"])
        return [QuizNight.of(r) for r in self._rows(
            f"select * from quiz_schedules where active {cond} order by workspace, channel", params)]

    def pause_quiz_night(self, workspace: str, channel: str, reason: str, now: str) -> None:
        self._run("update quiz_schedules set active = false, paused_reason = %s, updated_at = %s "
                  "where workspace = %s and channel = %s", [reason, now, workspace, channel])

    def claim_quiz_night(self, workspace: str, channel: str, local_date: str, kind: str, now: str,
                         lease_expired_before: str) -> NightClaim | None:
        rows = self._rows(
            "insert into quiz_schedule_claims as c (workspace, channel, local_date, kind, status, claimed_at, "
            "attempts) values (%s, %s, %s, %s, 'claimed', %s, 0) on conflict (workspace, channel, local_date, kind) "
            "do update set status = 'claimed', claimed_at = excluded.claimed_at "
            "where (c.status = 'claimed' and c.claimed_at < %s) or (c.status = 'retry' and c.next_attempt_at <= %s) "
            "returning *", [workspace, channel, local_date, kind, now, lease_expired_before, now])
        return NightClaim.of(rows[0]) if rows else None

    def finish_quiz_night(self, workspace: str, channel: str, local_date: str, kind: str, **fields: Any) -> None:
        check_fields(fields, NIGHT_FIELDS)
        sets = ", ".join(f"{k} = %s" for k in fields)
        self._run(f"update quiz_schedule_claims set {sets} where workspace = %s and channel = %s "
                  "and local_date = %s and kind = %s", [*fields.values(), workspace, channel, local_date, kind])

    def quiz_night_claims(self, workspace: str, channel: str) -> list[NightClaim]:
        return [NightClaim.of(r) for r in self._rows(
            "select * from quiz_schedule_claims where workspace = %s and channel = %s order by local_date, kind",
            [workspace, channel])]

    def forget(self, workspace: str, user_id: str | None) -> None:
        """What store.forget_member and store.delete_workspace do to the SQLite tables: a forgotten member's
        name leaves the subscriptions they set; a deleted workspace's rows all go."""
        with self.pool.connection() as conn, conn.transaction():
            if user_id is not None:
                conn.execute("update subscriptions set created_by = %s where workspace = %s and created_by = %s",
                             [store.FORGOTTEN, workspace, user_id])
                return
            for table in ("subscriptions", "post_claims", "admin_notices", "quiz_schedules", "quiz_schedule_claims"):
                conn.execute(f"delete from {table} where workspace = %s", [workspace])

