"""Per-member rate limiting of commands: a moving window per member, in bounded memory.

The rule is parsed by the `limits` library ("30/minute"); the windows are kept here rather than in its
MemoryStorage, whose memory grows with every member ever seen and whose expiry sweep visits all of them (a
public bot meets hundreds of thousands of members). Here each member costs at most `amount` timestamps, only
members active in the last window are kept, and at most MAX_MEMBERS of them: beyond that the least recently
active is dropped first (they were idle longest; being forgotten only gives them a fresh window).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from functools import cached_property
from typing import TYPE_CHECKING

from bot.errors import BotError

if TYPE_CHECKING:  # limits is imported on the first limited command: `clio ask` (the console) never needs it
    from limits import RateLimitItem

MAX_MEMBERS = 50_000


class SlowDown(BotError):
    """A member sent more commands than the limit allows; nothing they sent is lost, it is just not run."""


class _Rule:
    """A rate rule such as "30/minute", parsed by limits when first needed."""

    rule: str

    @cached_property
    def item(self) -> RateLimitItem:
        from limits import parse

        return parse(self.rule)

    @cached_property
    def window(self) -> float:
        """The rule's window in seconds."""
        return float(self.item.get_expiry())


class RateLimiter(_Rule):
    """At most `rule` (e.g. "30/minute") commands per member of a workspace. The console is not limited:
    it is the operator's own terminal."""

    def __init__(self, rule: str, max_members: int = MAX_MEMBERS, clock: Callable[[], float] = time.monotonic):
        self.rule = rule
        self.max_members = max_members
        self.clock = clock
        self._hits: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()  # least recently active first
        self._lock = threading.Lock()  # the core may be called from several worker threads

    def __len__(self) -> int:
        """How many members' windows are held."""
        return len(self._hits)

    def check(self, platform: str, workspace: str, user_id: str) -> None:
        """Count one command; raise SlowDown when the member is over the limit."""
        if platform == "console":
            return
        with self._lock:
            self._hit(workspace, user_id)

    def _hit(self, workspace: str, user_id: str) -> None:
        now = self.clock()
        self._forget_idle(now)
        key = (workspace, user_id)
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque(maxlen=self.item.amount)
        self._hits.move_to_end(key)
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.item.amount:
            wait = max(1, math.ceil(hits[0] + self.window - now))
            raise SlowDown(f"Slow down: that is more than {self.item.amount} commands in "
                           f"{_window(self.item)}. Try again in {wait} s.")
        hits.append(now)
        while len(self._hits) > self.max_members:
            self._hits.popitem(last=False)

    def _forget_idle(self, now: float) -> None:
        """Drop members whose last command is older than the window: they are first in line, and each is dropped
        once, so this costs nothing per command on average."""
        while self._hits:
            key, hits = next(iter(self._hits.items()))
            if hits and hits[-1] > now - self.window:
                return
            del self._hits[key]


def _window(item: RateLimitItem) -> str:
    seconds = item.get_expiry()
    return f"{seconds // 60} minute{'s' if seconds >= 120 else ''}" if seconds % 60 == 0 else f"{seconds} s"
