"""Does the event loop keep running while the daily posts go out? (issue 23: the schedules on PostgreSQL, where
each repository call is a network round trip.)

`--channels` channels each have a daily post due now; one scheduler tick claims, composes and sends them all
to an outbox that takes each post at once. A ticker on the same loop asks to wake every 5 ms and records how
late it wakes: the wait any other command or event on that loop would have had (the longest is reported;
one tick's time is the mean over the rounds). Two ways, in the same run,
on each backend:
  - door: as the app runs it (`Clio.scheduler`), the database work in the door's worker threads;
  - inline: the same `Scheduler` with its database work on the loop (how it ran before).

Run:  .venv/bin/python bench/schedule_loop.py [--channels 100] [--rounds 3] [--pg throwaway]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import Clio  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.events import Context  # noqa: E402
from bot.services.schedule import Scheduler  # noqa: E402

PACKS = Path(__file__).resolve().parents[1] / "tests" / "packs"
TICK = 0.005


class Outbox:
    def __init__(self) -> None:
        self.sent = 0

    async def send(self, ref: object, reply: object) -> None:
        self.sent += 1


async def lags_during(work: asyncio.Task) -> list[float]:
    lags = []
    while not work.done():
        asked = time.perf_counter()
        await asyncio.sleep(TICK)
        lags.append(time.perf_counter() - asked - TICK)
    await work
    return lags


async def measure(url: str | None, channels: int, rounds: int) -> dict[str, tuple[list[float], float]]:
    out: dict[str, tuple[list[float], float]] = {"door": ([], 0.0), "inline": ([], 0.0)}
    with tempfile.TemporaryDirectory() as tmp:
        app = Clio(Settings(db_path=Path(tmp) / "clio.db", content_dir=PACKS, pack="mini", database_url=url,
                            rate_limit="1000000000/minute"))
        day = dt.datetime(2026, 11, 7, 9, 0, tzinfo=dt.UTC)
        app.clock = lambda: day
        try:
            for c in range(channels):
                admin = Context(workspace=f"discord:{c % 10}", channel=f"ch{c}", user_id="boss", is_admin=True,
                                platform="discord")
                assert app.handle_text("/schedule set 09:00 UTC", admin).ok
            for r in range(rounds):
                for how in ("door", "inline"):
                    outbox = Outbox()
                    sched = app.scheduler(outbox, "discord") if how == "door" else Scheduler(
                        app.db, app.onthisday, outbox, lambda: app.clock(), platform="discord",
                        schedules=app.schedules)
                    began = time.perf_counter()
                    lags = await lags_during(asyncio.create_task(sched.tick()))
                    took = time.perf_counter() - began
                    assert outbox.sent == channels, outbox.sent
                    out[how][0].extend(lags)
                    out[how] = (out[how][0], out[how][1] + took / rounds)
                    day += dt.timedelta(days=1)  # the next round's posts are due again
        finally:
            app.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--channels", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pg", metavar="URL", help="also on PostgreSQL: a postgresql:// URL, or 'throwaway'")
    args = ap.parse_args()
    cluster, url = None, args.pg
    if url == "throwaway":
        from tests.pg import Cluster

        cluster = Cluster.start()
        url = cluster.new_database()
    try:
        print(f"| schedules in | database work | one tick ({args.channels} posts) | longest loop wait |\n"
              "| --- | --- | --- | --- |")
        for name, where in (("SQLite", None), ("PostgreSQL", url)):
            if name == "PostgreSQL" and not where:
                continue
            for how, (lags, took) in asyncio.run(measure(where, args.channels, args.rounds)).items():
                print(f"| {name} | {how} | {took * 1000:.0f} ms | {max(lags, default=0.0) * 1000:.1f} ms |")
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
