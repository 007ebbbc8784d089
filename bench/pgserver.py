"""The PostgreSQL a benchmark measures on: `--pg URL` as given, or `--pg throwaway` for a fresh database on a
temporary local server started as the tests start theirs (tests/pg.py) and stopped at the end."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def postgres(url: str | None) -> Iterator[str | None]:
    """`url` itself (None: no PostgreSQL), or for "throwaway" a new database's URL on a server of its own."""
    if url != "throwaway":
        yield url
        return
    from tests.pg import Cluster

    cluster = Cluster.start()
    try:
        yield cluster.new_database()
    finally:
        cluster.stop()
