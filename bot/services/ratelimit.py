"""Per-member rate limiting of commands (the `limits` library's moving window, kept in memory)."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse, storage, strategies

from bot.errors import BotError


class SlowDown(BotError):
    """A member sent more commands than the limit allows; nothing they sent is lost, it is just not run."""


class RateLimiter:
    """At most `rule` (e.g. "30/minute") commands per member of a workspace. The console is not limited:
    it is the operator's own terminal."""

    def __init__(self, rule: str):
        self.item: RateLimitItem = parse(rule)
        self.limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    def check(self, platform: str, workspace: str, user_id: str) -> None:
        """Count one command; raise SlowDown when the member is over the limit."""
        if platform == "console":
            return
        if not self.limiter.hit(self.item, workspace, user_id):
            reset, _ = self.limiter.get_window_stats(self.item, workspace, user_id)
            wait = max(1, math.ceil(reset - time.time()))
            raise SlowDown(f"Slow down: that is more than {self.item.amount} commands in "
                           f"{_window(self.item)}. Try again in {wait} s.")


def _window(item: RateLimitItem) -> str:
    seconds = item.get_expiry()
    return f"{seconds // 60} minute{'s' if seconds >= 120 else ''}" if seconds % 60 == 0 else f"{seconds} s"
