"""What every repository in PostgreSQL shares: a PgState's connection pool, its rows as dicts, and forget-me
and workspace deletion reaching its rows (bot/forgetting.py), each database once. psycopg is imported only
when a query runs, so a SQLite-only Clio that imports a module holding a PostgreSQL repository never loads it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from bot.forgetting import Forgetters

if TYPE_CHECKING:
    from bot.pg_state import PgState


def pg_forgetters(what: str, call: Callable[[Any, str, str | None], int | None] | None = None) -> Forgetters[Any]:
    """The Forgetters of one kind of PostgreSQL repository: one per database (its URL), a closed pool passed
    over; `call` when forgetting is not the repository's own `forget(workspace, user_id)`."""
    extra = {"call": call} if call is not None else {}
    return Forgetters(what, key=lambda repo: repo.url, usable=lambda repo: not repo.pool.closed, **extra)


class PgRepo:
    """A repository on `state`'s pool (autocommit; a transaction only where statements belong together)."""

    forgetters: ClassVar[Forgetters[Any] | None] = None  # set by a kind whose rows a member or workspace owns

    def __init__(self, state: PgState):
        self.state = state
        self.url = state.url
        self.pool = state.pool
        if self.forgetters is not None:
            self.forgetters.add(self)

    def _rows(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        from psycopg.rows import dict_row

        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(sql, params).fetchall()

    def _one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        from psycopg.rows import dict_row

        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(sql, params).fetchone()

    def _run(self, sql: str, params: Any = ()) -> int:
        """Run a statement; how many rows it touched."""
        with self.pool.connection() as conn:
            return conn.execute(sql, params).rowcount
