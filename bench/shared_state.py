"""What sharing state between processes costs a command (issue 23): the rate limit counted in the database
beside the in-memory one it replaced, the per-command index-version check, a whole `/who` with each limiter,
and the one-off rebuild of a process's lookup after another process re-indexed or ingested.

Each figure is the median of `--rounds` rounds of `--n` calls on a fresh database file of the bundled pack.

With `--pg URL` (a postgresql:// URL, or `throwaway` for a temporary local server started as the tests do,
tests/pg.py) the shared-state figures are measured on PostgreSQL too, beside SQLite's, in the same run.

Run:  .venv/bin/python bench/shared_state.py [--n 2000] [--rounds 5] [--pg throwaway]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import store  # noqa: E402
from bot.app import Clio  # noqa: E402
from bot.config import PROJECT_CONTENT, Settings  # noqa: E402
from bot.events import Context  # noqa: E402
from bot.services.ratelimit import RateLimiter  # noqa: E402
from bot.shared_state import SharedRateLimiter, SharedState, SqliteState, open_shared  # noqa: E402


def per_call(fn: Callable[[int], object], n: int, rounds: int) -> float:
    """Median over rounds of the mean seconds one call takes."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for i in range(n):
            fn(i)
        times.append((time.perf_counter() - started) / n)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pg", metavar="URL", help="also on PostgreSQL: a postgresql:// URL, or 'throwaway'")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = Clio(Settings(db_path=Path(tmp) / "clio.db", content_dir=PROJECT_CONTENT, pack="russian-revolution",
                            rate_limit="1000000000/minute"))
        memory = RateLimiter("1000000000/minute")
        shared = app.rate_limiter
        members = [f"member-{i}" for i in range(200)]
        ms = lambda s: f"{s * 1000:.3f} ms"  # noqa: E731
        mem = per_call(lambda i: memory.check("discord", "discord:1", members[i % 200]), args.n, args.rounds)
        db = per_call(lambda i: shared.check("discord", "discord:1", members[i % 200]), args.n, args.rounds)
        app.index_watch.every = 0.0  # every command reads the version (it is at most once a second)
        version = per_call(lambda i: app.index_watch.follow(app.reload_index), args.n, args.rounds)
        app.index_watch.every = 1.0
        ctx = [Context(workspace="discord:1", user_id=m, platform="discord") for m in members]
        n_who = max(1, args.n // 10)
        app.rate_limiter = memory
        who_mem = per_call(lambda i: app.handle_text("/who Kornilov", ctx[i % 200]), n_who, args.rounds)
        app.rate_limiter = shared
        who_db = per_call(lambda i: app.handle_text("/who Kornilov", ctx[i % 200]), n_who, args.rounds)
        rebuilds = []
        for _ in range(args.rounds):
            store.bump_version(app.db)
            app.index_watch._checked = float("-inf")
            started = time.perf_counter()
            assert app.index_watch.follow(app.reload_index)
            rebuilds.append(time.perf_counter() - started)
        print(f"rate limit check, in memory:          {ms(mem)}")
        print(f"rate limit check, in the database:    {ms(db)}  (+{ms(db - mem)} a command)")
        print(f"index version check:                  {ms(version)}  (done at most once a second)")
        print(f"/who Kornilov, limit in memory:       {ms(who_mem)}")
        print(f"/who Kornilov, limit in the database: {ms(who_db)}")
        print(f"lookup rebuilt after a change:        {ms(statistics.median(rebuilds))}  (once per change)")
        if args.pg:
            print()
            backends(app, Path(tmp) / "clio.db", args.pg, args.n, args.rounds)


def backends(app: Clio, db_path: Path, pg: str, n: int, rounds: int) -> None:
    """The shared state's operations on SQLite and PostgreSQL side by side, and a whole /who with each."""
    cluster = None
    if pg == "throwaway":
        from tests.pg import Cluster

        cluster = Cluster.start()
        pg = cluster.new_database()
    try:
        states: dict[str, SharedState] = {"SQLite": SqliteState(db_path), "PostgreSQL": open_shared(db_path, pg)}
        members = [f"member-{i}" for i in range(200)]
        ctx = [Context(workspace="discord:1", user_id=m, platform="discord") for m in members]
        rows = []
        for name, state in states.items():
            limiter = SharedRateLimiter(state, "1000000000/minute")
            check = per_call(lambda i, lim=limiter: lim.check("discord", "discord:1", members[i % 200]), n, rounds)
            lease = per_call(lambda i, s=state: s.take_lease("bench", "me", 1000.0 + i, 45), n // 4 or 1, rounds)
            bump = per_call(lambda i, s=state: s.bump("bench"), n // 10 or 1, rounds)
            app.rate_limiter = limiter
            who = per_call(lambda i: app.handle_text("/who Kornilov", ctx[i % 200]), max(1, n // 10), rounds)
            limiter.close()
            rows.append((name, check, lease, bump, who))
        print(f"{'':12}{'limit check':>14}{'take lease':>14}{'bump version':>14}{'/who Kornilov':>15}")
        for name, *figures in rows:
            print(f"{name:12}" + "".join(f"{f * 1000:>11.3f} ms" for f in figures))
        for state in states.values():
            state.close()
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
