"""The core application: opens the index, dispatches a chat message to its command, returns a Reply."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any


from bot import handlers as _handlers  # noqa: F401  (registers the built-in commands)
from bot import store
from bot.commands import REGISTRY
from bot.config import Settings
from bot.errors import BadInput, BotError
from bot.events import Context
from bot.lease import holder_id
from bot.packfiles import PackInvalid, fingerprint
from bot.response import Field, Reply
from bot.services.ask import what_happened
from bot.services.lookup import Lookup
from bot.services.onthisday import NoSuchDay, OnThisDay
from bot.services.privacy import Workspaces
from bot.services.ratelimit import SlowDown
from bot.shared_state import IndexWatch, SharedRateLimiter, SqliteState, open_shared
from bot.text import MAX_MESSAGE_CHARS, clean, echo

if TYPE_CHECKING:  # imported where used: `clio ask` needs none of them (ingest, the scheduler, the pack's models)
    import asyncio

    import sqlite_utils

    from bot import ingest
    from bot.door import Door
    from bot.services.quiz import QuizEngine
    from bot.services.schedule import Outbox, Scheduler
    from bot.storage.schedules import Schedules
    from bot.storage.quiz import QuizRepo
    from bot.storage.readings import Readings
    from bot.storage.workspace_data import WorkspaceData

log = logging.getLogger("clio")
UPLOAD_READERS = 1  # uploads read at once in one process (each in a child process of up to a few hundred MB)
UPLOAD_QUEUE = 8  # uploads that may wait their turn (each holds its file, up to 50 MB, while it waits)
command_log = logging.getLogger("clio.commands")


class UploadTurns:
    """Turns for uploads: one at a time per workspace, at most `readers` at once in all, in arrival order."""

    def __init__(self, readers: int):
        self.readers = readers
        self.waiting = 0
        self._workspaces: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}
        self._slots: asyncio.Semaphore | None = None

    @contextlib.asynccontextmanager
    async def take(self, workspace: str, name: str,
                   queued: Callable[[str], Awaitable[None]] | None = None) -> AsyncIterator[None]:
        import asyncio  # here: `clio ask` never takes an upload's turn

        if self._slots is None:
            self._slots = asyncio.Semaphore(self.readers)
        lock = self._workspaces.setdefault(workspace, asyncio.Lock())
        self._users[workspace] = self._users.get(workspace, 0) + 1
        try:
            if lock.locked() or self._slots.locked():
                why = "this group's last one" if lock.locked() else "one from another group"
                if queued is not None:
                    await queued(f"{name} is queued: Clio is adding {why} first, and starts on yours when that "
                                 "is done.")
            self.waiting += 1
            try:
                await lock.acquire()
                try:
                    await self._slots.acquire()
                except BaseException:
                    lock.release()
                    raise
            finally:
                self.waiting -= 1
            try:
                yield
            finally:
                self._slots.release()
                lock.release()
        finally:
            self._users[workspace] -= 1
            if not self._users[workspace]:
                del self._users[workspace], self._workspaces[workspace]


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
    """One Clio: a database, the packs indexed in it, and the services over it.

    Every pack under the content directory is indexed; each workspace reads the packs it chose (/pack use),
    else the operator's default (CLIO_PACK). `lookup` is the Lookup of the workspace being answered (see
    `scoped`), so every command reads its own workspace's packs without passing them around."""

    def __init__(self, settings: Settings, *, one_shot: bool = False):
        """`one_shot`: this process answers one command on this thread and exits (`clio ask`), so the
        views are built when that command asks for one, not all of them at the start."""
        self.settings = settings
        self.one_shot = one_shot
        self.db = store.open_db(settings.db_path, light=one_shot)
        # what every process of the deployment sees (issue 23): rate limits and leases, in PostgreSQL when
        # CLIO_DATABASE_URL is set. The index version stays with the pack's index, in each host's SQLite file:
        # readings kept in PostgreSQL are read live by every process, none of them held in memory
        self.shared = open_shared(settings.db_path, settings.database_url, light=one_shot)
        self.holder = holder_id()  # this app's name in background leases
        self.index_watch = IndexWatch(self.shared if isinstance(self.shared, SqliteState)
                                      else SqliteState(settings.db_path))
        self._scope = threading.local()  # the workspace each thread is answering (see `scoped`)
        self._views: dict[tuple[str, ...], Lookup] = {}  # one Lookup per set of packs, built when first asked
        self.ensure_index()
        self.index_watch.seen = store.version(self.db)  # read after building: a change meanwhile is seen next time
        self.workspaces = Workspaces(self.db, dt.timedelta(days=settings.removal_grace_days),
                                     self._pg_data())
        self.onthisday = OnThisDay(self.db, self._pg_readings(), self._pg_data())
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.rate_limiter = SharedRateLimiter(self.shared, settings.rate_limit)  # one window across processes
        self._uploads = UploadTurns(UPLOAD_READERS)

    @functools.cached_property
    def quiz(self) -> QuizEngine:
        """The quiz engine, made on first use (a lookup, `clio ask "/who ..."`, never needs it)."""
        from bot.services.quiz import QuizEngine

        engine = QuizEngine(self.quiz_repo(), self.db, lambda: self.lookup.matcher, lambda: self.clock(),
                            lambda ws, topic: self.question_bank(self.db, ws, topic))
        if self.settings.database_url:  # members' review cards and the readings a reveal cites: every host's
            engine.data, engine.readings = self.workspace_data, self.readings
        return engine

    @functools.cached_property
    def schedules(self) -> Schedules:
        """Daily-post subscriptions, post claims and admin notices: in PostgreSQL when CLIO_DATABASE_URL is
        set (every process of the deployment sees one claim per post), else in the SQLite file."""
        from bot.storage.schedules import PgSchedules, SqliteSchedules

        return SqliteSchedules(self.db) if isinstance(self.shared, SqliteState) else PgSchedules(self.shared)

    @functools.cached_property
    def readings(self) -> Readings:
        """The readings and their passages (bot/storage/readings.py): in PostgreSQL when CLIO_DATABASE_URL is
        set, so a reading ingested by any process on any host is searched, quoted and quizzed by all; else in
        the SQLite file (on this thread's connection)."""
        from bot.storage.readings import SqliteReadings

        if not self.settings.database_url:
            return SqliteReadings(self.db)
        from bot.storage.readings_pg import PgReadings

        return PgReadings(self.shared)  # type: ignore[arg-type]

    @functools.cached_property
    def workspace_data(self) -> WorkspaceData:
        """A workspace's own questions, members' review cards and scheduled removals
        (bot/storage/workspace_data.py): in PostgreSQL when CLIO_DATABASE_URL is set, else in the SQLite file
        (on this thread's connection)."""
        return self.workspace_data_on(self.db)

    def workspace_data_on(self, db: sqlite_utils.Database) -> WorkspaceData:
        """The same, read through connection `db` when it is the SQLite file's."""
        from bot.storage.workspace_data import SqliteWorkspaceData

        if not self.settings.database_url:
            return SqliteWorkspaceData(db)
        from bot.storage.workspace_data_pg import PgWorkspaceData

        return PgWorkspaceData(self.shared)  # type: ignore[arg-type]

    def _pg_data(self) -> WorkspaceData | None:
        """The PostgreSQL workspace data for the services to use, or None (they read their SQLite connection)."""
        return self.workspace_data if self.settings.database_url else None

    def _pg_readings(self) -> Readings | None:
        """The PostgreSQL readings for the services to use, or None: they read the SQLite connection they
        are given (each worker thread's own)."""
        return self.readings if self.settings.database_url else None

    def quiz_repo(self) -> QuizRepo:
        """Where quizzes live (issue 23's storage seam): PostgreSQL, on the shared state's pool, when
        CLIO_DATABASE_URL is set (the readings and the pack stay in the SQLite file for now); else the SQLite
        file, as always. With PostgreSQL, forget-me and workspace deletion reach the quizzes there too."""
        from bot.storage.quiz_sqlite import SqliteQuizRepo

        if not self.settings.database_url:
            return SqliteQuizRepo(self.db)
        from bot.storage.quiz_pg import PgQuizRepo

        return PgQuizRepo(self.shared)  # type: ignore[arg-type]

    # --- which packs a workspace reads -------------------------------------------------------------------

    def packs_of(self, workspace: str | None) -> tuple[str, ...]:
        """The packs `workspace` reads (its own choice, else the default); the default when None."""
        if not workspace:
            return self.settings.default_packs
        from bot.storage.workspace_data import packs_of

        return packs_of(self.db, self._pg_data(), workspace)

    def lookup_for(self, packs: Iterable[str]) -> Lookup:
        """The Lookup over `packs`, built once (per connection) and kept until the index changes."""
        key = tuple(packs)
        views = self.__dict__["_views"]
        view = views.get(key)
        if view is None:
            view = views[key] = Lookup(self.db, packs=key, readings=self._pg_readings())
        return view

    @property
    def lookup(self) -> Lookup:
        """The Lookup of the workspace this thread is answering (`scoped`), else of the default packs."""
        return self.lookup_for(self.packs_of(getattr(self._scope, "workspace", None)))

    @property
    def home_lookup(self) -> Lookup:
        """The Lookup of the default packs, whatever the thread is answering."""
        return self.lookup_for(self.settings.default_packs)

    @contextlib.contextmanager
    def scoped(self, workspace: str) -> Iterator[None]:
        """Answer as `workspace` in this thread: `lookup` and the quiz's matcher read its packs."""
        before = getattr(self._scope, "workspace", None)
        self._scope.workspace = workspace
        try:
            yield
        finally:
            self._scope.workspace = before

    def examples(self, command: str) -> list[str]:
        """A command's examples for the workspace being answered: names from its packs (the entry each says
        most about) where the command takes one, else the registry's."""
        spec = REGISTRY[command]
        field = {"compare": "who", "search": "what", "passages": "who"}.get(command, command)
        named = [f"/{command} {i['examples'][field]}" for i in self.pack_info(self._scope_workspace()).values()
                 if i.get("examples", {}).get(field)]
        return list(dict.fromkeys(named)) or list(spec.examples)

    def example(self, command: str) -> str:
        """One example of `command` for the workspace being answered (see `examples`)."""
        examples = self.examples(command)
        return examples[0] if examples else f"/{command}"

    def _scope_workspace(self) -> str | None:
        return getattr(self._scope, "workspace", None)

    def question_bank(self, db: sqlite_utils.Database, workspace: str, topic: str | None) -> list[dict]:
        """A workspace's quiz questions (its packs' curated ones, its own, those made from its readings)."""
        from bot.services import questions  # the quiz's question bank (the pack's models): a lookup never needs it

        packs = self.packs_of(workspace)
        return questions.bank(db, self.lookup_for(packs).matcher, workspace, topic, packs=packs,
                              readings=self._pg_readings(), own=self.workspace_data_on(db))

    def pack_info(self, workspace: str | None) -> dict[str, dict]:
        """Title, description, banner, counts and examples of each pack `workspace` reads, in its order."""
        indexed = store.indexed_packs(self.db)
        return {p: indexed[p] for p in self.packs_of(workspace) if p in indexed}

    def banner(self, workspace: str | None = None) -> str:
        """What the workspace's packs are about, as the start banner says it: "the Russian Revolution"."""
        about = [i.get("banner") or i.get("title") or p for p, i in self.pack_info(workspace).items()]
        return " and ".join(about) or "history"

    def scheduler(self, outbox: Outbox, platform: str | None = None) -> Scheduler:
        """The daily-post loop for an adapter's outbox, on this app's clock: one platform's channels when
        `platform` is given (each adapter process posts only where it can). Its database work (claims, composing
        a post, starting a quiz night) runs in the door's worker threads, off the event loop."""
        from bot.services.quiz_schedule import QuizNights
        from bot.services.schedule import Scheduler

        def run(work: Callable[[Any], Any], *, write: bool = True) -> Any:  # the database work: in the door
            return self.door.run(work, write=write)

        nights = QuizNights(self.db, self.quiz, outbox, lambda: self.clock(), platform=platform,  # weekly quizzes
                            schedules=self.schedules, run=run)
        return Scheduler(self.db, self.onthisday, outbox, lambda: self.clock(), platform=platform, also=[nights],
                         schedules=self.schedules, wake=self.settings.scheduler_wake, run=run)

    async def heartbeat(self, platform: str, stop: asyncio.Event, every: float = 30.0) -> None:
        """Record that this platform's process is alive, every `every` seconds until `stop` (read by
        `clio health`, the container health check)."""
        import asyncio

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
        for pack in self.settings.default_packs:
            if store.get_meta(self.db, f"pack:{pack}") is None:
                problems.append(f"the pack {pack} is not indexed")
        if platform:
            beat = store.get_meta(self.db, f"heartbeat:{platform}")
            age = (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(beat)).total_seconds() if beat else None
            if age is None or age > max_age:
                problems.append(f"the {platform} process has not reported for "
                                f"{'ever' if age is None else f'{age:,.0f} s'}")
        return problems

    def today(self, ctx: Context) -> dt.date:
        """Today's date where the asker is: the channel's daily-post timezone, or the default one."""
        sub = self.schedules.subscription(ctx.workspace, ctx.channel)
        tz = sub.timezone if sub else self.settings.timezone
        if tz == "UTC":
            return self.clock().astimezone(dt.UTC).date()
        from zoneinfo import ZoneInfo

        return self.clock().astimezone(ZoneInfo(tz)).date()

    def ensure_index(self, force: bool = False) -> bool:
        """Index every pack of the content directory that is new or changed (or all, with force). Returns
        whether any was indexed. The first default pack is the home pack: its entries keep their own ids.

        Raises:
            PackInvalid: a default pack has problems; nothing in the index changes. Another pack with
            problems is left out (logged), so one broken pack never stops the deployment.
        """
        home = self.settings.default_packs[0]
        indexed = store.indexed_packs(self.db)
        changed = False
        for pid, pack_dir in self.settings.pack_dirs().items():
            current = store.get_meta(self.db, f"pack:{pid}")
            if (not force and pack_dir.is_dir() and current == fingerprint(pack_dir)
                    and indexed.get(pid, {}).get("home", pid == home) == (pid == home)):
                continue
            from bot.pack import load_pack  # pydantic and YAML: only when a pack changed

            try:
                pack = load_pack(pack_dir)
            except PackInvalid:
                if pid in self.settings.default_packs:
                    raise
                log.warning("the pack %s has problems and is not indexed; `clio validate` lists them", pid)
                continue
            store.index_pack(self.db, pack, home=pack.meta.id == home)
            changed = True
        store.set_default_packs(self.db, self.settings.default_packs)
        self._views.clear()
        self.generation = getattr(self, "generation", 0) + 1  # worker threads rebuild their views (bot/door.py)
        self.library_packs = tuple(store.indexed_packs(self.db))
        # built now, not inside a caller's transaction or on another thread: the default packs' and all packs'
        if not self.one_shot:
            self.lookup_for(self.settings.default_packs)
            self.library  # noqa: B018
        if changed:
            from bot import ingest

            ingest.relink(self.db, self.library.matcher, self.person_ids, readings=self._pg_readings())  # new names may link old passages
            if hasattr(self, "onthisday"):  # not this app's first index: bumped by this index, seen here
                self.index_watch.seen = store.version(self.db)
        return changed

    @property
    def library(self) -> Lookup:
        """The Lookup over every indexed pack: what readings are linked with (they may be any pack's)."""
        return self.lookup_for(self.library_packs)

    @property
    def person_ids(self) -> set[str]:
        return {c.id for c in self.library.matcher.candidates() if c.type == "person"}

    def ingest(self, path: Path, *, workspace: str = store.SHARED, title: str | None = None,
               author: str | None = None, calendar: str | None = None, data: bytes | None = None,
               progress: ingest.Progress | None = None, db: sqlite_utils.Database | None = None,
               alone: bool = True) -> ingest.IngestResult:
        """Ingest a reading into `workspace` (shared with every workspace by default). A file the pack lists
        among its readings keeps the pack's title, author and calendar; a title or author given for it wins only
        when the file was named on its own (`alone`), not when it came in a batch with others. `calendar`: None
        infers it from the reading. `db`: another connection to this app's database (a worker thread's own),
        else the app's."""
        from bot import ingest

        db = db or self.db
        limits = None if workspace == store.SHARED else ingest.Limits(self.settings.max_workspace_readings,
                                                                      self.settings.max_workspace_mb)
        known = store.reading_for_file(db, path.name)
        if known:
            title = (title if alone else None) or known["title"]
            author = (author if alone else None) or known["author"]
            if known["calendar"] in ingest.CALENDAR_CONVENTIONS:
                calendar = calendar if alone and calendar else known["calendar"]
        return ingest.ingest_file(db, self.library.matcher, self.person_ids, path, title=title, author=author,
                                  calendar=calendar, workspace=workspace, data=data, progress=progress, limits=limits,
                                  readings=self._pg_readings())

    async def ingest_upload(self, ctx: Context, filename: str, data: bytes, *, title: str | None = None,
                            progress: ingest.Progress | None = None,
                            queued: Callable[[str], Awaitable[None]] | None = None) -> Reply:
        """A reading a member uploads in chat, ingested into their workspace. Admins only; runs in a worker
        thread on its own connection so the bot keeps answering (SQLite's WAL lets both work at once), and
        `progress(done, total)` is called from that thread.

        Uploads take turns: one at a time per workspace (so its limits are checked against what the one
        before added) and at most UPLOAD_READERS at once in the process (each reads in a child of up to a few
        hundred MB). One that must wait calls `queued(message)` first, for the member; past UPLOAD_QUEUE
        waiting uploads, one is refused. The limits are checked again when the reading is published, in the
        same SQLite transaction, so even uploads in two processes cannot together pass them.

        Never raises for the member's mistakes: an unreadable or over-limit file is a clear reply."""
        if not ctx.is_admin:
            return Reply(ok=False, kind="error", body="Adding readings is for the group's admins (Manage Server).")
        name = Path(clean(filename)[:200] or "reading.txt").name
        turns = self._uploads
        if turns.waiting >= UPLOAD_QUEUE:
            return Reply(ok=False, kind="error", body=(
                f"Clio is already adding {turns.waiting} readings; send {name} again in a few minutes."))

        def work() -> ingest.IngestResult:
            db = store.open_db(self.settings.db_path)
            try:
                return self.ingest(Path(name), workspace=ctx.workspace, title=clean(title or "")[:200] or None,
                                   data=data, progress=progress, db=db)
            finally:
                db.close()

        import asyncio

        try:
            async with turns.take(ctx.workspace, name, queued):
                result = await asyncio.to_thread(work)
        except BotError as e:
            return Reply(ok=False, kind="error", body=e.user_message, exit_code=e.exit_code)
        return Reply(ok=True, kind="info", title="Reading added", body=result.text())

    def find_sources(self, ref: str, workspace: str | None) -> list[dict]:
        """Sources whose id, file name or title is `ref` (case-insensitive) among those `workspace` owns
        (every source when workspace is None)."""
        ref_l = ref.strip().lower()
        return [s for s in self.readings.sources(workspace)
                if (workspace is None or s["workspace"] == workspace)
                and ref_l in (s["id"], s["filename"].lower(), s["title"].lower())]

    def forget(self, ref: str, workspace: str) -> Reply:
        """Remove one of `workspace`'s own readings (shared ones are the operator's to remove)."""
        found = self.find_sources(ref, workspace)
        if not found:
            raise BotError(f"This group has no reading called “{echo(ref)}”. /sources lists them.")
        if len(found) > 1:
            raise BotError(f"Several readings match “{echo(ref)}”; give its file name.")
        self.readings.delete(found[0]["id"])
        return Reply(ok=True, kind="info", title=f"Forgot {found[0]['title']}",
                     body=f"Its {found[0]['passages']} passages are gone from this group's index.")

    def complete(self, command: str, text: str, limit: int = 25) -> list[str]:
        """Names completing a half-typed argument of /command (who, what, when): what an adapter offers
        while the member types. Empty for commands whose argument is not a name."""
        spec = REGISTRY.get(command)
        if spec is None or spec.autocomplete is None:
            return []
        return [c.name for c in self.lookup.matcher.complete(clean(text)[:100], {spec.autocomplete}, limit)]

    def complete_for(self, workspace: str, command: str, text: str, limit: int = 25) -> list[str]:
        """`complete` among the names of `workspace`'s packs."""
        with self.scoped(workspace):
            return self.complete(command, text, limit)

    def handle_text(self, text: str, ctx: Context | None = None) -> Reply:
        """Answer one chat message. Never raises: user errors and bugs both become replies. Logs one line
        per command (its name, latency and outcome; never what was typed)."""
        ctx = ctx or Context()
        started = time.perf_counter()
        name, outcome = command_name(text), "ok"
        try:
            self.rate_limiter.check(ctx.platform, ctx.workspace, ctx.user_id)
            self.index_watch.follow(self.reload_index)  # another process re-indexed or ingested
            with self.scoped(ctx.workspace):  # lookups, quizzes and help read the workspace's packs
                reply = self._dispatch(text, ctx)
            if ctx.is_admin:
                for notice in self._take_notices(ctx.workspace):
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

    def _take_notices(self, workspace: str) -> list[str]:
        """The admin notices waiting for a workspace, taken. In the SQLite file (as SqliteSchedules takes them) when
        the schedules are kept there and not opened yet: an admin's one-shot lookup (`clio ask`, the console is
        admin) need not import the schedules module."""
        if "schedules" not in self.__dict__ and isinstance(self.shared, SqliteState):
            return store.take_notices(self.db, workspace)
        return self.schedules.take_notices(workspace)

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
        self.rate_limiter.close()
        self.shared.close()
        if self.index_watch.state is not self.shared:
            self.index_watch.state.close()

    def reload_index(self) -> None:
        """Build the services that hold the index in memory again (the name matcher, the pack's calendars),
        after this or another process changed the index (`IndexWatch`)."""
        self._views.clear()  # every set of packs gets a new Lookup when next asked
        self.generation = getattr(self, "generation", 0) + 1  # worker threads rebuild their views (bot/door.py)
        self.library_packs = tuple(store.indexed_packs(self.db))
        self.onthisday = OnThisDay(self.db, self._pg_readings(), self._pg_data())

    def _dispatch(self, text: str, ctx: Context) -> Reply:
        if not isinstance(text, str):
            raise BadInput(f"Send a command as text, for example {self.example('who')}.")
        if len(text) > MAX_MESSAGE_CHARS:
            raise BadInput(f"That message is {len(text):,} characters; a command takes at most {MAX_MESSAGE_CHARS:,}. "
                           f"Try a shorter one, e.g. {self.example('who')}.")
        message = clean(text)
        if not message:
            raise BadInput("Say something: /help lists what I can do.")
        if not message.startswith("/"):
            answer = self.quiz.typed(ctx, message)  # a channel with an open-mode quiz: an answer
            if answer is not None:
                return answer
            asked = self.lookup.ask(message, ctx.workspace)  # "when did X die", "who shot X"
            if asked is not None:
                return asked
            if (topic := what_happened(message)) is not None:  # "what happened on Bloody Sunday", "... in 1917"
                try:
                    asked = REGISTRY["when"].handler(self, ctx, topic)
                    if asked.kind != "not_found":
                        return asked
                except NoSuchDay:  # no such day is said so
                    raise
                except BadInput:  # what /when cannot take (too long) is searched
                    pass
            message = "/search " + message
        name, _, arg = message[1:].partition(" ")
        spec = REGISTRY.get(name.lower())
        if spec is None:
            raise BadInput(f"I don't know the command /{echo(name, 30)}. /help lists what I can do.")
        if spec.needs_admin(arg) and not ctx.is_admin:
            what = spec.name if spec.admin else f"{spec.name} {arg.split()[0].lower()}"
            raise BotError(f"/{echo(what, 40)} is for the group's admins.")
        return spec.handler(self, ctx, arg)
