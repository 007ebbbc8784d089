"""One door into the core: every command, typed quiz answer and button click an adapter receives runs here, in
a worker thread with its own SQLite connection, never on the adapter's event loop.

One process serves every server and workspace it is in, so a command that blocks the event loop for a second
(a /quiz start over a big library, a lookup over many names) delays everyone's commands, and Discord gives an
interaction three seconds. The door keeps the loop free, as datasette does: one writer thread runs everything
that may write (its connection is the only one the door writes with, so commands never queue on each other's
write locks), and a few reader threads run lookups in parallel (SQLite's WAL lets them read while the writer
writes). Each worker thread gets its own view of the app (`_Core`): the same settings, matcher, clock and rate
limiter, with the services rebound to that thread's connection.

Everything through the door gets the same rate limit, command log line and error reply (`Clio.handle_text`;
typed answers: `Door.answer`, which is silent for a message in a channel without an open-mode quiz).
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bot import store
from bot.app import Clio, command_name
from bot.errors import BotError
from bot.events import Context
from bot.response import Reply
from bot.services.onthisday import OnThisDay
from bot.services.ratelimit import SlowDown
from bot.text import MAX_MESSAGE_CHARS, clean

T = TypeVar("T")
log = logging.getLogger("clio")
command_log = logging.getLogger("clio.commands")

# commands that only read: they may run on a reader thread, in parallel with each other and with the writer
READ_ONLY = frozenset({"who", "what", "when", "search", "timeline", "sources", "compare", "onthisday", "help"})
READERS = 3  # reader threads; the machine's cores are few and the matcher holds the GIL, so a handful is enough
FAILED = "Sorry, something went wrong on my side. It has been logged; please try again."


class _Core(Clio):
    """The app seen from one worker thread. Attributes set here (the thread's connection, the services bound
    to it) win; anything else (settings, clock, rate limiter, ...) is read from the app at the moment it is
    used, so a test that swaps the app's clock swaps every thread's."""

    def __init__(self, app: Clio, db: Any):  # never the app's own __init__: nothing is indexed or built again
        self.__dict__["_app"] = app
        self.__dict__["_generation_of"] = app.generation
        self.db = db
        for name, value in list(vars(app).items()):  # every service holding the app's connection
            if name not in ("db", "quiz") and getattr(value, "db", None) is app.db:
                setattr(self, name, _rebind(value, app.db, db))
        # the Lookups of the packs in use, on this thread's connection (others are built here when first asked)
        self.__dict__["_views"] = {k: _rebind(v, app.db, db) for k, v in list(app._views.items())}
        quiz = copy.copy(app.quiz)
        quiz.db = db
        for part in ("repo", "data", "readings"):  # SQLite's repositories: on this thread's connection too
            if getattr(getattr(quiz, part), "db", None) is app.db:
                setattr(quiz, part, _rebind(getattr(quiz, part), app.db, db))
        quiz.matcher = lambda: self.lookup.matcher  # the answering workspace's packs
        quiz.bank = lambda ws, topic: self.question_bank(db, ws, topic)
        self.quiz = quiz

    def __getattr__(self, name: str) -> Any:  # only for names not set on the core itself
        return getattr(self.__dict__["_app"], name)

    @property
    def door(self) -> Door:  # type: ignore[override]
        return self.__dict__["_app"].door

    def reload_index(self) -> None:
        """Another process changed the index: the app drops its Lookups (every worker's core is made again,
        see `Door.core`), and this core drops its own, so the command it is answering reads the new index."""
        app = self.__dict__["_app"]
        fresh = OnThisDay(self.db, self._pg_readings(), self._pg_data())  # built here, on this thread's connection (the app's belongs to its thread)
        app.library_packs = tuple(store.indexed_packs(self.db))
        app._views.clear()
        app.onthisday = _rebind(fresh, self.db, app.db)
        app.generation = getattr(app, "generation", 0) + 1  # every worker's core is made again
        self.__dict__["_views"].clear()
        self.onthisday = fresh


def _rebind(service: Any, old: Any, new: Any) -> Any:
    """A shallow copy of `service` (and of its parts that hold `old`) reading through connection `new`."""
    twin = copy.copy(service)
    twin.db = new
    for name, value in list(vars(twin).items()):
        if name != "db" and getattr(value, "db", None) is old:
            setattr(twin, name, _rebind(value, old, new))
    return twin


class Door:
    """The worker threads of one app: `await door.call(ctx, text)` answers a command off the event loop."""

    def __init__(self, app: Clio, readers: int = READERS):
        self.app = app
        self._local = threading.local()
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="clio-writer")
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="clio-reader")
        self.busy = 0  # core calls running or queued (read by the loop-lag benchmark and tests)

    # --- the worker side --------------------------------------------------------------------------------

    def core(self) -> Any:
        """This worker thread's view of the app, on its own connection (rebuilt when the pack is reindexed)."""
        core = getattr(self._local, "core", None)
        if core is None or core.__dict__["_generation_of"] != self.app.generation:
            db = getattr(self._local, "db", None)
            if db is None:  # closed when the thread ends (Door.close, or the app is dropped)
                db = self._local.db = store.open_db(self.app.settings.db_path)
            core = self._local.core = _Core(self.app, db)
        return core

    # --- the event-loop side -------------------------------------------------------------------------------

    async def run(self, work: Callable[[Any], T], *, write: bool = True) -> T:
        """`work(core)` in a worker thread: the writer, or a reader when `write` is False. The event loop
        keeps running meanwhile. Exceptions propagate."""
        loop = asyncio.get_running_loop()
        self.busy += 1
        try:
            return await loop.run_in_executor(self._writer if write else self._readers, lambda: work(self.core()))
        finally:
            self.busy -= 1

    async def call(self, ctx: Context, text: str) -> Reply:
        """A command (or plain text: a search, or an answer in an open-mode quiz) answered in a worker. Never
        raises: the reply is an answer or a clear error, as `Clio.handle_text` makes it."""
        write = command_name(text) not in READ_ONLY
        try:
            return await self.run(lambda core: core.handle_text(text, ctx), write=write)
        except Exception:  # the core never raises; a worker that cannot open the database might
            log.exception("the core could not be reached")
            return Reply(ok=False, kind="error", exit_code=3, body=FAILED)

    async def answer(self, ctx: Context, text: str) -> Reply | None:
        """A message typed in a channel: the answer to an open-mode quiz there, graded in the writer, with the
        same rate limit, command log and error reply as a command. None (and nothing counted or logged) when
        no open-mode quiz runs in the channel, or the message is a command or empty."""
        try:
            if not await self.run(lambda core: open_quiz(core, ctx), write=False):
                return None  # plain chat never waits behind the writer
            return await self.run(lambda core: typed(core, ctx, text))
        except Exception:
            log.exception("the core could not be reached")
            return Reply(ok=False, kind="error", exit_code=3, body=FAILED)

    def close(self) -> None:
        """Stop the workers after the calls already queued; their connections close as their threads end."""
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)


def open_quiz(core: Any, ctx: Context) -> bool:
    """Whether an open-mode quiz (members type answers) runs in the asker's channel."""
    quiz = core.quiz.repo.running(ctx.workspace, ctx.channel)
    return quiz is not None and quiz.mode == "open"


def typed(core: Any, ctx: Context, text: object) -> Reply | None:
    """In a worker: grade a typed message as an open-mode quiz answer (see Door.answer)."""
    if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
        return None
    message = clean(text)
    if not message or message.startswith("/"):
        return None
    if not open_quiz(core, ctx):  # checked again in the writer: the quiz may have ended meanwhile
        return None
    started = time.perf_counter()
    outcome = "ok"
    try:
        core.rate_limiter.check(ctx.platform, ctx.workspace, ctx.user_id)
        with core.scoped(ctx.workspace):  # graded with the names of the workspace's packs
            reply = core.quiz.typed(ctx, message)
        outcome = "ok" if reply is None or reply.ok else "declined"
        return reply
    except SlowDown as e:
        outcome = "rate_limited"
        return Reply(ok=False, kind="error", body=e.user_message, exit_code=e.exit_code, private=True)
    except BotError as e:
        outcome = "user_error"
        return Reply(ok=False, kind="error", body=e.user_message, exit_code=e.exit_code)
    except Exception:
        outcome = "failed"
        log.exception("command answer failed")
        return Reply(ok=False, kind="error", exit_code=3, body=FAILED)
    finally:
        command_log.info(json.dumps({"command": "answer", "ms": round((time.perf_counter() - started) * 1000, 2),
                                     "outcome": outcome, "platform": ctx.platform}))


async def run_clock(app: Clio, outbox: Any, stop: asyncio.Event, interval: float = 1.0,
                    platform: str | None = None) -> None:
    """The quiz clock (bot.services.quiz.run_clock) with each tick in the door's writer thread: closing questions
    whose time is up writes to the database, which never happens on the event loop. The posts go out from the
    loop, through the adapter's outbox."""
    clock_log = logging.getLogger("clio.quiz")
    while not stop.is_set():
        try:
            for post in await app.door.run(lambda core: core.quiz.tick(platform)):
                try:
                    await outbox.send(post.ref, post.reply)
                except Exception:
                    clock_log.exception("could not post quiz update to %s", post.ref)
        except Exception:
            clock_log.exception("quiz clock tick failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass
