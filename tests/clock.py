"""A clock tests set and move by hand, for the services that take `clock: () -> datetime`."""

from __future__ import annotations

import datetime as dt


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)
