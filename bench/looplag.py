"""Loop-lag benchmark (issue 19): does the adapter's event loop keep running while Clio works?

A ticker on the event loop asks to wake every 10 ms and records how late it wakes (the lag every other command
on that loop would wait too), while, on the same loop and through the same door the adapters use:
  - an admin's upload of a large reading ingests (`app.ingest_upload`, as Discord's /ingest and a Slack share),
  - members answer a quiz (`/quiz answer X`, the command a button click sends), each once,
  - lookups arrive at a steady rate (`/who NAME`, names of the pack, a quarter with a typo).
It reports the lag's p50, p99 and maximum, errors (replies Clio had to apologise for, and exceptions) and lost
answers (sent but not recorded).

The baseline does the same shape of work with raw libraries off the loop (`asyncio.to_thread`, plain sqlite3): a
FTS5 insert of the same text in one transaction, one INSERT per answer, one FTS5 MATCH per lookup. Its lag is
what Python threads beside an event loop cost at best (the GIL); the two are timed in alternating pairs.

Run:  .venv/bin/python bench/looplag.py [--upload-mb 50] [--members 50] [--lookups 100] [--pairs 2] [--seeds DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import Clio  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.events import Context  # noqa: E402

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
TICK = 0.010  # the ticker's period (s)


@dataclass
class Run:
    lags: list[float] = field(default_factory=list)  # ms late, per tick
    errors: int = 0
    sent: int = 0
    recorded: int = 0
    lookups: int = 0
    seconds: float = 0.0

    def line(self, name: str) -> str:
        lags = sorted(self.lags) or [0.0]
        p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
        return (f"{name:<34} {statistics.median(lags):8.1f} {p99:8.1f} {lags[-1]:8.1f} {self.errors:6d} "
                f"{self.sent - self.recorded:5d} {self.lookups:7d} {self.seconds:7.1f}")


async def ticker(run: Run, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        due = loop.time() + TICK
        await asyncio.sleep(TICK)
        run.lags.append(max(0.0, (loop.time() - due) * 1000))


def reading_text(mb: float, seeds: Path, rng: random.Random) -> bytes:
    """About `mb` MB of reading: the seeds over and over when present, else sentences of the pack's words."""
    parts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(seeds.glob("*.txt"))] if seeds.is_dir() else []
    if not parts:
        words = ("the soviet Petrograd workers Kornilov Lenin Kerensky peasants land war bread strike army "
                 "Duma Bolsheviks Mensheviks Moscow revolution government committee October February").split()
        parts = ["\n\n".join(" ".join(rng.choices(words, k=14)).capitalize() + "." for _ in range(400))]
    out, size, i = [], 0, 0
    while size < mb * 1_000_000:
        chunk = f"\n\nPart {i}.\n\n" + parts[i % len(parts)]
        out.append(chunk)
        size += len(chunk.encode())
        i += 1
    return "".join(out).encode()


async def paced(rate: float, stop: asyncio.Event, fire) -> None:  # type: ignore[no-untyped-def]
    """Call `fire()` `rate` times a second (as tasks, not waiting for each) until `stop`."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task] = set()
    start, n = loop.time(), 0
    while not stop.is_set():
        n += 1
        await asyncio.sleep(max(0.0, start + n / rate - loop.time()))
        task = asyncio.ensure_future(fire())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


async def clio_run(tmp: Path, data: bytes, args: argparse.Namespace, names: list[str], template: Path) -> Run:
    db = tmp / f"clio-{time.monotonic_ns()}.db"
    db.write_bytes(template.read_bytes())  # the pack indexed once, copied: each run starts alike
    app = Clio(Settings(db_path=db, rate_limit="1000000/second", max_workspace_mb=10_000))
    rng = random.Random(1)
    run, stop = Run(), asyncio.Event()
    quiz_ctx = Context(workspace="discord:quiz", channel="c1", user_id="host", user_name="Host", platform="discord")
    started = await app.call(quiz_ctx, "/quiz start 3 300")  # five minutes a question: nobody is timed out
    if not started.ok:
        raise SystemExit(f"could not start the quiz: {started.body}")

    async def answer(i: int) -> None:
        ctx = Context(workspace="discord:quiz", channel="c1", user_id=f"m{i}", user_name=f"Member {i}",
                      platform="discord")
        await asyncio.sleep(rng.uniform(0, args.answer_window))
        run.sent += 1
        reply = await app.call(ctx, f"/quiz answer {rng.choice('AB')}")
        run.errors += reply.exit_code == 3

    async def lookup() -> None:
        name = rng.choice(names)
        if rng.random() < 0.25:
            name = name[:-2] + name[-1] + name[-2]
        reply = await app.call(Context(workspace=f"discord:g{rng.randint(1, 20)}", channel="c", user_id="u",
                                       platform="discord"), f"/who {name}")
        run.lookups += 1
        run.errors += reply.exit_code == 3

    admin = Context(workspace="discord:library", channel="c", user_id="admin", is_admin=True, platform="discord")
    loop = asyncio.get_running_loop()
    t = loop.time()
    tick = asyncio.create_task(ticker(run, stop))
    looks = asyncio.create_task(paced(args.lookups, stop, lookup))
    upload = asyncio.create_task(app.ingest_upload(admin, "big-reading.txt", data))
    answers = asyncio.gather(*(answer(i) for i in range(args.members)))
    ingested = await upload
    await answers
    run.seconds = loop.time() - t
    stop.set()
    await asyncio.gather(tick, looks)
    if not ingested.ok:
        run.errors += 1
        print(f"  the upload failed: {ingested.body}")
    run.recorded = app.db.execute("select count(*) from quiz_answers where workspace = 'discord:quiz'").fetchone()[0]
    app.close()
    return run


async def raw_run(tmp: Path, data: bytes, args: argparse.Namespace, names: list[str]) -> Run:
    path = tmp / f"raw-{time.monotonic_ns()}.db"
    setup = sqlite3.connect(path)
    setup.executescript("pragma journal_mode=wal; create virtual table passages using fts5(text); "
                        "create table answers (user text, answer text)")
    setup.close()
    text = data.decode()
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    rng = random.Random(1)
    run, stop = Run(), asyncio.Event()

    def connect() -> sqlite3.Connection:
        db = sqlite3.connect(path, check_same_thread=False)
        db.execute("pragma busy_timeout = 5000")
        return db

    def ingest() -> None:
        db = connect()
        with db:
            db.executemany("insert into passages (text) values (?)", ((p,) for p in paragraphs))
        db.close()

    def record(i: int) -> None:
        db = connect()
        with db:
            db.execute("insert into answers values (?, ?)", [f"m{i}", rng.choice("ABCD")])
        db.close()

    def match(word: str) -> None:
        db = connect()
        db.execute("select rowid from passages where passages match ? order by rank limit 10", [f'"{word}"']).fetchall()
        db.close()

    async def answer(i: int) -> None:
        await asyncio.sleep(rng.uniform(0, args.answer_window))
        run.sent += 1
        try:
            await asyncio.to_thread(record, i)
        except sqlite3.Error:
            run.errors += 1

    async def lookup() -> None:
        try:
            await asyncio.to_thread(match, rng.choice(names).split()[-1])
            run.lookups += 1
        except sqlite3.Error:
            run.errors += 1

    loop = asyncio.get_running_loop()
    t = loop.time()
    tick = asyncio.create_task(ticker(run, stop))
    looks = asyncio.create_task(paced(args.lookups, stop, lookup))
    upload = asyncio.to_thread(ingest)
    await asyncio.gather(upload, *(answer(i) for i in range(args.members)))
    run.seconds = loop.time() - t
    stop.set()
    await asyncio.gather(tick, looks)
    db = connect()
    run.recorded = db.execute("select count(*) from answers").fetchone()[0]
    db.close()
    return run


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--upload-mb", type=float, default=50.0, help="size of the reading uploaded meanwhile")
    ap.add_argument("--members", type=int, default=50, help="members answering the quiz, once each")
    ap.add_argument("--lookups", type=float, default=100.0, help="lookups per second")
    ap.add_argument("--answer-window", type=float, default=5.0, help="seconds over which the answers arrive")
    ap.add_argument("--pairs", type=int, default=2, help="Clio and raw runs, alternating")
    ap.add_argument("--seeds", type=Path, default=SEEDS, help="readings whose text makes up the upload")
    args = ap.parse_args()
    data = reading_text(args.upload_mb, args.seeds, random.Random(7))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        template = tmp / "template.db"
        app = Clio(Settings(db_path=template))  # index the bundled pack once
        names = [r["name"] for r in app.db.query("select name from entities where type = 'person'")]
        app.db.execute("pragma wal_checkpoint(truncate)")
        app.db.conn.close()
        print(f"upload {len(data) / 1e6:.1f} MB, {args.members} members answering, {args.lookups:.0f} lookups/s; "
              f"ticker every {TICK * 1000:.0f} ms")
        print(f"{'run':<34} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6} {'lost':>5} {'lookups':>7} "
              f"{'seconds':>7}")
        clio_runs, raw_runs = [], []
        for i in range(args.pairs):
            clio_runs.append(asyncio.run(clio_run(tmp, data, args, names, template)))
            print(clio_runs[-1].line(f"Clio through the door, run {i + 1}"), flush=True)
            raw_runs.append(asyncio.run(raw_run(tmp, data, args, names)))
            print(raw_runs[-1].line(f"raw sqlite3 in threads, run {i + 1}"), flush=True)
        for label, runs in (("Clio, all runs", clio_runs), ("raw baseline, all runs", raw_runs)):
            merged = Run(lags=[x for r in runs for x in r.lags], errors=sum(r.errors for r in runs),
                         sent=sum(r.sent for r in runs), recorded=sum(r.recorded for r in runs),
                         lookups=sum(r.lookups for r in runs), seconds=sum(r.seconds for r in runs))
            print(merged.line(label))
    return 0


if __name__ == "__main__":
    sys.exit(main())
