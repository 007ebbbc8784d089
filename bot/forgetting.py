"""Forget-me and workspace deletion beyond the SQLite file: the live objects of one kind that hold a member's
or a workspace's data elsewhere (rows in PostgreSQL, rate-limit counts not yet written) and must forget too.

bot/store.py `forget_member` and `delete_workspace` delete the SQLite file's rows, then call each of
`store.FORGET_HOOKS` with (workspace, member) or (workspace, None). A kind of object that keeps such data makes
one `Forgetters` at import (which adds its hook) and adds each instance as it is made; the set holds them weakly,
so an object nobody uses any more is not kept alive for it. On forgetting, each live instance's
`forget(workspace, user_id)` is called:

- `key`: instances with the same key reach the same data (repositories on one PostgreSQL database): only the
  first that succeeds is asked, so a database is told once however many apps or worker threads of this
  process have a repository on it;
- `usable`: an instance that cannot be asked any more (its connection pool closed) is passed over;
- `call`: what forgetting is for this kind, when it is not `instance.forget(workspace, user_id)`;
- one that fails is logged and the others still asked: the SQLite rows went already, and one database down
  must not stop the rest (another instance with the same key then tries).

What is returned (rows deleted, or None) is summed into the count forget-me reports."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from bot import store

log = logging.getLogger("clio.forget")
F = TypeVar("F")


def _forget(instance: Any, workspace: str, user_id: str | None) -> int | None:
    return instance.forget(workspace, user_id)


class Forgetters(Generic[F]):
    """The live instances of one kind that forget a member or a workspace (see the module's docstring)."""

    def __init__(self, what: str, *, key: Callable[[F], Hashable] | None = None,
                 usable: Callable[[F], bool] | None = None,
                 call: Callable[[F, str, str | None], int | None] = _forget):
        self.what = what  # for the log: "the quizzes in PostgreSQL", "a rate limiter"
        self.key = key
        self.usable = usable
        self.call = call
        self._live: weakref.WeakSet[F] = weakref.WeakSet()
        store.FORGET_HOOKS.append(self.forget)

    def add(self, instance: F) -> None:
        self._live.add(instance)

    def discard(self, instance: F) -> None:
        self._live.discard(instance)

    def forget(self, workspace: str, user_id: str | None) -> int:
        """Ask every live instance (once per key) to forget; how many rows they say went."""
        n, done = 0, set()
        for instance in list(self._live):
            key = self.key(instance) if self.key else id(instance)
            if key in done or (self.usable is not None and not self.usable(instance)):
                continue
            try:
                n += self.call(instance, workspace, user_id) or 0
                done.add(key)
            except Exception:  # noqa: BLE001 - a database down or another app's closed state: logged, the rest go on
                log.warning("%s could not forget a %s", self.what, "member" if user_id else "workspace",
                            exc_info=True)
        return n
