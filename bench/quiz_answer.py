"""What a quiz answer costs on each quiz backend (issue 23's storage seam): `/quiz answer A` through the app,
as a member's click arrives, with the quizzes in the SQLite file and in PostgreSQL (`CLIO_DATABASE_URL`), in
the same run. Each answer is a new member's (so each one is recorded); a round is one quiz of one question.

With `--pg URL` (a postgresql:// URL, or `throwaway` for a temporary local server started as the tests do,
tests/pg.py); without it, SQLite's figures alone.

Run:  .venv/bin/python bench/quiz_answer.py [--members 200] [--rounds 5] [--pg throwaway]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pgserver import postgres  # noqa: E402

from bot.app import Clio  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.events import Context  # noqa: E402

PACKS = Path(__file__).resolve().parents[1] / "tests" / "packs"  # the tests' tiny pack: the bank is not measured


def answers(url: str | None, members: int, rounds: int) -> list[float]:
    """Seconds each `/quiz answer` took."""
    with tempfile.TemporaryDirectory() as tmp:
        app = Clio(Settings(db_path=Path(tmp) / "clio.db", content_dir=PACKS, pack="mini", database_url=url,
                            rate_limit="1000000000/minute"))
        start = dt.datetime(2026, 11, 20, 19, 0, tzinfo=dt.UTC)
        app.clock = lambda: start  # the question never times out while it is measured
        host = Context(workspace="discord:1", channel="c", user_id="host", user_name="Host", is_admin=True,
                       platform="discord")
        times = []
        try:
            for r in range(rounds):
                app.handle_text("/quiz stop", host)
                assert app.handle_text("/quiz start 1 30", host).ok
                for i in range(members):
                    m = Context(workspace="discord:1", channel="c", user_id=f"m{r}-{i}", user_name=f"Member {i}",
                                platform="discord")
                    began = time.perf_counter()
                    reply = app.handle_text("/quiz answer A", m)
                    times.append(time.perf_counter() - began)
                    assert "recorded" in reply.body, reply.body
        finally:
            app.close()
    return sorted(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pg", metavar="URL", help="also on PostgreSQL: a postgresql:// URL, or 'throwaway'")
    args = ap.parse_args()
    with postgres(args.pg) as url:
        print("| quizzes in | answers | median | p99 |\n| --- | --- | --- | --- |")
        for name, where in (("SQLite", None), ("PostgreSQL", url)):
            if name == "PostgreSQL" and not where:
                continue
            t = answers(where, args.members, args.rounds)
            print(f"| {name} | {len(t)} | {statistics.median(t) * 1000:.2f} ms | {t[int(len(t) * 0.99)] * 1000:.2f} ms |")


if __name__ == "__main__":
    main()
