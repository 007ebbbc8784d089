"""The core application: opens the index, dispatches a chat message to its command, returns a Reply."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlite_utils

from bot import handlers as _handlers  # noqa: F401  (registers the built-in commands)
from bot import ingest, store
from bot.commands import REGISTRY
from bot.config import Settings
from bot.errors import BadInput, BotError
from bot.events import Context
from bot.lease import holder_id
from bot.pack import fingerprint, load_pack
from bot.response import Field, Reply
from bot.services.lookup import Lookup
from bot.services import questions
from bot.services.onthisday import OnThisDay
from bot.services.quiz import QuizEngine
from bot.services.quiz_schedule import QuizNights
from bot.services.privacy import Workspaces
from bot.services.ratelimit import SlowDown
from bot.services.schedule import Outbox, Scheduler
from bot.shared_state import IndexWatch, SharedRateLimiter, SqliteState
from bot.text import MAX_MESSAGE_CHARS, clean, echo

if TYPE_CHECKING:
    from bot.door import Door

log = logging.getLogger("clio")
command_log = logging.getLogger("clio.commands")


def command_name(text: object) -> str:
    """What a message is, for the log: a registered command's name, "text" (a search or a typed answer),
    or "unknown". Never any of the message itself."""
    if not isinstance(text, str):
        return "unknown"
    message = text.lstrip()
    if not message.startswith("/"):
        return "text"
    word = message[1:].split(maxsplit=1)[0].lower() if message[1:].split() else ""
    return word if word in REGISTRY else "unknown"


class Clio:
    """One Clio: a database, the pack indexed in it, and the services over it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.db = store.open_db(settings.db_path)
        self.shared = SqliteState(settings.db_path)  # what every process on this database sees (issue 23)
        self.holder = holder_id()  # this app's name in background leases
        self.index_watch = IndexWatch(self.shared)
        self.ensure_index()
        self.index_watch.seen = store.version(self.db)  # read before building: a change meanwhile is seen
        self.lookup = Lookup(self.db)
        self.workspaces = Workspaces(self.db, dt.timedelta(days=settings.removal_grace_days))
        self.onthisday = OnThisDay(self.db)
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.rate_limiter = SharedRateLimiter(self.shared, settings.rate_limit)  # one window across processes
        self.quiz = QuizEngine(self.db, lambda: self.lookup.matcher, lambda: self.clock(),
                               lambda ws, topic: questions.bank(self.db, self.lookup.matcher, ws, topic))

    def scheduler(self, outbox: Outbox, platform: str | None = None) -> Scheduler:
        """The daily-post loop for an adapter's outbox, on this app's clock: one platform's channels when
        `platform` is given (each adapter process posts only where it can)."""
        nights = QuizNights(self.db, self.quiz, outbox, lambda: self.clock(), platform=platform)  # weekly quizzes
        return Scheduler(self.db, self.onthisday, outbox, lambda: self.clock(), platform=platform, also=[nights])

    async def heartbeat(self, platform: str, stop: asyncio.Event, every: float = 30.0) -> None:
        """Record that this platform's process is alive, every `every` seconds until `stop` (read by
        `clio health`, the container health check)."""
        while not stop.is_set():
            store.set_meta(self.db, f"heartbeat:{platform}", dt.datetime.now(dt.UTC).isoformat())
            try:
                await asyncio.wait_for(stop.wait(), timeout=every)
            except TimeoutError:
                pass

    def health(self, platform: str | None = None, max_age: float = 120.0) -> list[str]:
        """Problems that make this deployment unhealthy (empty when healthy): the database file fails
        SQLite's quick check, the pack is not indexed, or `platform`'s process has not beaten lately."""
        problems = []
        if self.db.execute("pragma quick_check").fetchone()[0] != "ok":
            problems.append("the database fails SQLite's quick_check")
        if store.get_meta(self.db, f"pack:{self.settings.pack}") is None:
            problems.append(f"the pack {self.settings.pack} is not indexed")
        if platform:
            beat = store.get_meta(self.db, f"heartbeat:{platform}")
            age = (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(beat)).total_seconds() if beat else None
            if age is None or age > max_age:
                problems.append(f"the {platform} process has not reported for "
                                f"{'ever' if age is None else f'{age:,.0f} s'}")
        return problems

    def today(self, ctx: Context) -> dt.date:
        """Today's date where the asker is: the channel's daily-post timezone, or the default one."""
        sub = store.subscription(self.db, ctx.workspace, ctx.channel)
        tz = sub["timezone"] if sub else self.settings.timezone
        return self.clock().astimezone(ZoneInfo(tz)).date()

    def ensure_index(self, force: bool = False) -> bool:
        """Index the pack when it is new or changed (or always, with force). Returns whether it indexed.

        Raises:
            PackInvalid: the pack has problems; nothing in the index changes.
        """
        pack_dir = self.settings.pack_dir
        current = store.get_meta(self.db, f"pack:{self.settings.pack}")
        if not force and current == fingerprint(pack_dir):
            return False
        store.index_pack(self.db, load_pack(pack_dir))
        if hasattr(self, "lookup"):  # not the first index of this app: bumped by this index, seen here
            self.index_watch.seen = store.version(self.db)
        self.lookup = Lookup(self.db)
        ingest.relink(self.db, self.lookup.matcher, self.person_ids)  # new names may link old passages
        return True

    @property
    def person_ids(self) -> set[str]:
        return {c.id for c in self.lookup.matcher.candidates() if c.type == "person"}

    def ingest(self, path: Path, *, workspace: str = store.SHARED, title: str | None = None,
               author: str | None = None, calendar: str | None = None, data: bytes | None = None,
               progress: ingest.Progress | None = None, db: sqlite_utils.Database | None = None,
               alone: bool = True) -> ingest.IngestResult:
        """Ingest a reading into `workspace` (shared with every workspace by default). A file the pack lists
        among its readings keeps the pack's title, author and calendar; a title or author given for it wins only
        when the file was named on its own (`alone`), not when it came in a batch with others. `calendar`: None
        infers it from the reading. `db`: another connection to this app's database (a worker thread's own),
        else the app's."""
        db = db or self.db
        if workspace != store.SHARED:
            self._check_limits(db, workspace, path, data)
        known = store.reading_for_file(db, path.name)
        if known:
            title = (title if alone else None) or known["title"]
            author = (author if alone else None) or known["author"]
            if known["calendar"] in ingest.CALENDAR_CONVENTIONS:
                calendar = calendar if alone and calendar else known["calendar"]
        return ingest.ingest_file(db, self.lookup.matcher, self.person_ids, path, title=title, author=author,
                                  calendar=calendar, workspace=workspace, data=data, progress=progress)

    async def ingest_upload(self, ctx: Context, filename: str, data: bytes, *, title: str | None = None,
                            progress: ingest.Progress | None = None) -> Reply:
        """A reading a member uploads in chat, ingested into their workspace. Admins only; runs in a worker
        thread on its own connection so the bot keeps answering (SQLite's WAL lets both work at once), and
        `progress(done, total)` is called from that thread.

        Never raises for the member's mistakes: an unreadable or over-limit file is a clear reply."""
        if not ctx.is_admin:
            return Reply(ok=False, kind="error", body="Adding readings is for the group's admins (Manage Server).")
        name = Path(clean(filename)[:200] or "reading.txt").name

        def work() -> ingest.IngestResult:
            db = store.open_db(self.settings.db_path)
            try:
                return self.ingest(Path(name), workspace=ctx.workspace, title=clean(title or "")[:200] or None,
                                   data=data, progress=progress, db=db)
            finally:
                db.close()

        try:
            result = await asyncio.to_thread(work)
        except BotError as e:
            return Reply(ok=False, kind="error", body=e.user_message, exit_code=e.exit_code)
        return Reply(ok=True, kind="info", title="Reading added", body=result.text())

    def _check_limits(self, db: sqlite_utils.Database, workspace: str, path: Path, data: bytes | None) -> None:
        readings, used = store.workspace_usage(db, workspace, excluding=ingest.source_id_for(workspace, path.name))
        size = len(data) if data is not None else (path.stat().st_size if path.exists() else 0)
        limit_bytes = self.settings.max_workspace_mb * 2**20
        if readings >= self.settings.max_workspace_readings:
            raise BotError(f"This group already has {readings} readings, its limit. /forget one before adding another.")
        if used + size > limit_bytes:
            raise BotError(f"This group's readings would take {(used + size) / 2**20:,.1f} MB, over its "
                           f"{self.settings.max_workspace_mb} MB limit. /forget a reading first.")

    def find_sources(self, ref: str, workspace: str | None) -> list[dict]:
        """Sources whose id, file name or title is `ref` (case-insensitive) among those `workspace` owns
        (every source when workspace is None)."""
        ref_l = ref.strip().lower()
        return [s for s in store.sources(self.db, workspace)
                if (workspace is None or s["workspace"] == workspace)
                and ref_l in (s["id"], s["filename"].lower(), s["title"].lower())]

    def forget(self, ref: str, workspace: str) -> Reply:
        """Remove one of `workspace`'s own readings (shared ones are the operator's to remove)."""
        found = self.find_sources(ref, workspace)
        if not found:
            raise BotError(f"This group has no reading called “{echo(ref)}”. /sources lists them.")
        if len(found) > 1:
            raise BotError(f"Several readings match “{echo(ref)}”; give its file name.")
        store.delete_source(self.db, found[0]["id"])
        return Reply(ok=True, kind="info", title=f"Forgot {found[0]['title']}",
                     body=f"Its {found[0]['passages']} passages are gone from this group's index.")

    def complete(self, command: str, text: str, limit: int = 25) -> list[str]:
        """Names completing a half-typed argument of /command (who, what, when): what an adapter offers
        while the member types. Empty for commands whose argument is not a name."""
        spec = REGISTRY.get(command)
        if spec is None or spec.autocomplete is None:
            return []
        return [c.name for c in self.lookup.matcher.complete(clean(text)[:100], {spec.autocomplete}, limit)]

    def handle_text(self, text: str, ctx: Context | None = None) -> Reply:
        """Answer one chat message. Never raises: user errors and bugs both become replies. Logs one line
        per command (its name, latency and outcome; never what was typed)."""
        ctx = ctx or Context()
        started = time.perf_counter()
        name, outcome = command_name(text), "ok"
        try:
            self.rate_limiter.check(ctx.platform, ctx.workspace, ctx.user_id)
            self.index_watch.follow(self.reload_index)  # another process re-indexed or ingested
            reply = self._dispatch(text, ctx)
            if ctx.is_admin:
                for notice in store.take_notices(self.db, ctx.workspace):
                    reply.fields.insert(0, Field("Notice for admins", notice))
            outcome = "ok" if reply.ok else "declined"
            return reply
        except SlowDown as e:
            outcome = "rate_limited"
            return Reply(ok=False, kind="error", body=e.user_message, exit_code=e.exit_code, private=True)
        except BotError as e:
            outcome = "user_error"
            return Reply(ok=False, kind="error", body=e.user_message, exit_code=e.exit_code)
        except Exception:
            outcome = "failed"
            log.exception("command %s failed", name)
            return Reply(ok=False, kind="error", exit_code=3,
                         body="Sorry, something went wrong on my side. It has been logged; please try again.")
        finally:
            command_log.info(json.dumps({"command": name, "ms": round((time.perf_counter() - started) * 1000, 2),
                                         "outcome": outcome, "platform": ctx.platform}))

    async def handle(self, text: str, ctx: Context | None = None) -> Reply:
        """The async entry point adapters call: through the door (`call`), off the event loop."""
        return await self.call(ctx or Context(), text)

    @functools.cached_property
    def door(self) -> Door:
        """The worker threads adapters reach the core through (bot/door.py), started on first use."""
        from bot.door import Door

        return Door(self)

    async def call(self, ctx: Context, text: str) -> Reply:
        """One command, typed text or button click, answered in a worker thread with its own connection, so the
        adapter's event loop never runs SQLite or heavy work. Never raises."""
        return await self.door.call(ctx, text)

    def close(self) -> None:
        """Stop the door's worker threads (when started) and close their connections."""
        door = self.__dict__.pop("door", None)
        if door is not None:
            door.close()
        self.shared.close()

    def reload_index(self) -> None:
        """Build the services that hold the index in memory again (the name matcher, the pack's calendars),
        after this or another process changed the index (`IndexWatch`)."""
        self.lookup, self.onthisday = Lookup(self.db), OnThisDay(self.db)

    def _dispatch(self, text: str, ctx: Context) -> Reply:
        if not isinstance(text, str):
            raise BadInput("Send a command as text, for example /who Kornilov.")
        if len(text) > MAX_MESSAGE_CHARS:
            raise BadInput(f"That message is {len(text):,} characters; a command takes at most {MAX_MESSAGE_CHARS:,}. "
                           "Try a shorter one, e.g. /who Kornilov.")
        message = clean(text)
        if not message:
            raise BadInput("Say something: /help lists what I can do.")
        if not message.startswith("/"):
            answer = self.quiz.typed(ctx, message)  # a channel with an open-mode quiz: an answer
            if answer is not None:
                return answer
            asked = self.lookup.ask(message, ctx.workspace)  # "when did Lenin die", "who shot Lenin"
            if asked is not None:
                return asked
            message = "/search " + message
        name, _, arg = message[1:].partition(" ")
        spec = REGISTRY.get(name.lower())
        if spec is None:
            raise BadInput(f"I don't know the command /{echo(name, 30)}. /help lists what I can do.")
        if spec.needs_admin(arg) and not ctx.is_admin:
            what = spec.name if spec.admin else f"{spec.name} {arg.split()[0].lower()}"
            raise BotError(f"/{echo(what, 40)} is for the group's admins.")
        return spec.handler(self, ctx, arg)
