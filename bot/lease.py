"""Background work run by exactly one process at a time, through a lease in the database (issue 23, item 3).

Each platform's background work (daily posts, weekly quiz nights and the quiz clock: `Clio.scheduler` and
`bot.door.run_clock`) may be started by every process of that platform; only the holder of the lease
"background:<platform>" runs it. The holder renews the lease every RENEW_EVERY seconds for LEASE_TTL
seconds; the others try to take it every POLL seconds and get it once it has expired, so when the holder dies
another process carries on within LEASE_TTL + POLL seconds (under a minute). The three are settings
(CLIO_LEASE_TTL, CLIO_LEASE_RENEW, CLIO_LEASE_POLL; bot/config.py), the defaults below. A holder that cannot renew (the
lease was taken, or its renewals failed until the lease ran out) stops its work at once, and one that stops
cleanly hands the lease back so the next process need not wait.

The lease decides who works; the per-post claims (bot/store.py claim_post, claim_quiz_night, advance_quiz)
still make each post exactly once, even if a stalled holder wakes after its lease was taken over.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.shared_state import SharedState

if TYPE_CHECKING:
    import asyncio

    from bot.app import Clio

log = logging.getLogger("clio.lease")

LEASE_TTL = 45.0  # seconds a lease lasts without renewal
RENEW_EVERY = 20.0  # seconds between the holder's renewals
POLL = 10.0  # seconds between another process's attempts to take it
MARGIN = 5.0  # a holder that could not renew stops its work this long before a LEASE_TTL lease runs out
# (a shorter or longer lease keeps the same share of its ttl as margin: a 4 s lease stops 0.44 s early)


def holder_id() -> str:
    """A name for this process (and this app in it): host, pid and a random part (the host's name as
    socket.gethostname gives it, and random bytes as uuid4 takes them, without importing either module: `clio
    ask` builds an app, and socket and uuid cost it more than its lookup)."""
    host = os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "")
    return f"{host}:{os.getpid()}:{os.urandom(4).hex()}"


class Lease:
    """One named lease as one holder sees it. `clock`: seconds since the epoch, the same for every process."""

    def __init__(self, state: SharedState, name: str, holder: str, clock: Callable[[], float],
                 ttl: float = LEASE_TTL):
        self.state, self.name, self.holder, self.clock, self.ttl = state, name, holder, clock, ttl
        self.margin = ttl * MARGIN / LEASE_TTL
        self.until = 0.0  # when the lease this holder last took runs out (0: not held)

    def take(self) -> bool:
        """Take or renew the lease. A failed attempt (the database busy) counts as not taken."""
        now = self.clock()
        try:
            taken = self.state.take_lease(self.name, self.holder, now, self.ttl)
        except Exception:  # noqa: BLE001 - tried again at the next renewal
            log.warning("could not renew lease %s", self.name, exc_info=True)
            return self.held()
        self.until = now + self.ttl if taken else 0.0
        return taken

    def held(self) -> bool:
        """Whether this holder may still work: it took the lease and it has not (nearly) run out."""
        return self.clock() < self.until - self.margin

    def release(self) -> None:
        self.until = 0.0
        try:
            self.state.release_lease(self.name, self.holder)
        except Exception:  # noqa: BLE001 - it expires by itself
            log.warning("could not release lease %s", self.name, exc_info=True)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    import asyncio  # in each coroutine, not at the top: `clio ask` (bot.app reads holder_id) never needs it

    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


async def run_leased(lease: Lease, work: Callable[[asyncio.Event], Awaitable[Any]], stop: asyncio.Event, *,
                     renew_every: float = RENEW_EVERY, poll: float = POLL) -> None:
    """Run `work(halt)` while this process holds `lease`, until `stop` is set. `halt` is set when the lease is
    lost; `work` then returns and this waits to take the lease again. The lease's database calls run in a
    thread, never on the event loop. Cancelled (the process dying), it neither halts nor releases: the lease
    then runs out by itself, as it would if the process were killed."""
    import asyncio

    while not stop.is_set():
        if not await asyncio.to_thread(lease.take):
            await _wait(stop, poll)
            continue
        log.info("lease %s taken by %s", lease.name, lease.holder)
        halt = asyncio.Event()
        task = asyncio.ensure_future(work(halt))
        try:
            while not stop.is_set() and not task.done():
                await _wait(stop, min(renew_every, max(0.01, lease.until - lease.margin - lease.clock())))
                if stop.is_set() or task.done():
                    break
                if not await asyncio.to_thread(lease.take) and not lease.held():
                    log.warning("lease %s lost by %s: its work stops", lease.name, lease.holder)
                    break
        except asyncio.CancelledError:
            task.cancel()
            raise
        halt.set()
        try:
            await task
        except Exception:  # noqa: BLE001 - the work's own loops log their failures
            log.exception("background work under lease %s failed", lease.name)
        if stop.is_set():
            await asyncio.to_thread(lease.release)
        elif not lease.held():
            await _wait(stop, poll)


async def background(app: Clio, outbox: Any, platform: str, stop: asyncio.Event, **timing: float) -> None:
    """A platform's background work, run by whichever of its processes holds "background:<platform>": the
    daily posts and quiz nights (`app.scheduler`) and the quiz clock (`bot.door.run_clock`). The lease's
    timing comes from the app's settings; `timing` (renew_every, poll) overrides it."""
    import asyncio

    from bot.door import run_clock

    s = app.settings
    lease = Lease(app.shared, f"background:{platform}", app.holder, lambda: app.clock().timestamp(), ttl=s.lease_ttl)
    timing = {"renew_every": s.lease_renew, "poll": s.lease_poll, **timing}

    async def work(halt: asyncio.Event) -> None:
        scheduler = app.scheduler(outbox, platform)
        # a post another holder claimed before this one took the lease and left unsent is that holder's no
        # longer (it died or stalled past its lease): it is taken over now, not after the claims' own timeout
        scheduler.held_since = app.clock()
        await asyncio.gather(scheduler.run(halt), run_clock(app, outbox, halt, platform=platform))

    await run_leased(lease, work, stop, **timing)
