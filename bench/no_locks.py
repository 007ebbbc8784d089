"""Benchmarks for issue 19, items 2-3: /quiz start beside another workspace's big library, and two processes
writing to one database.

Run:  .venv/bin/python bench/no_locks.py quiz [--other-mb 100] [--own-mb 10] [--runs 60]
      .venv/bin/python bench/no_locks.py two-process [--seconds 60] [--ingest-mb 50]

`quiz`: the bundled pack, `--other-mb` of synthetic readings in another workspace and `--own-mb` in the asker's
(passages drawn from the pack's own words, each naming one or two of its people or an event with its year,
linked as ingest links them). Times `/quiz start` (question generation from the asker's readings included) in
alternating pairs with a raw sqlite3 baseline: one indexed query reading the asker's person-linked passages.

`two-process`: two Clio processes on one file, each running mixed commands (quizzes, answers, lookups, daily
post claims, schedule changes, forget-me) for `--seconds` and ingesting a `--ingest-mb` reading meanwhile;
counts errors and "database is locked". Beside it, the raw-library baseline: two processes doing the same
kinds of writes with sqlite3's defaults (deferred transactions that read then write, one bulk insert
transaction), counted the same way.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import store  # noqa: E402
from bot.app import Clio  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.events import Context  # noqa: E402


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * p))]


def row(name: str, samples: list[float], base: list[float] | None = None) -> str:
    ratio = f"{statistics.median(samples) / statistics.median(base):7.2f}x" if base else ""
    return f"{name:<58} {statistics.median(samples):9.2f} {pct(samples, 0.99):9.2f} {ratio}"


class Synth:
    """Synthetic passages in the pack's words, naming its people and events as real readings do."""

    def __init__(self, app: Clio, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocab = [w for r in app.db.query("select summary from entities") for w in
                      re.findall(r"[^\W\d_]+", r["summary"] or "")]
        self.people = [(r["id"], r["name"]) for r in app.db.query("select id, name from entities where type = 'person'")]
        self.events = [(r["id"], r["name"], r["date"][:4]) for r in app.db.query(
            "select e.id, e.name, ev.date from events ev join entities e on e.id = ev.id where ev.precise = 1")]

    def passage(self) -> tuple[str, dict[str, int]]:
        rng = self.rng
        words = rng.choices(self.vocab, k=rng.randint(60, 130))
        links: dict[str, int] = {}
        kind = rng.random()
        if kind < 0.8:
            for pid, name in rng.sample(self.people, 1 if kind < 0.6 else 2):
                words.insert(rng.randrange(len(words)), name)
                links[pid] = 1
        else:
            eid, name, year = rng.choice(self.events)
            words[rng.randrange(len(words))] = f"{name} in {year}"
            links[eid] = 1
        return " ".join(words) + ".", links

    def source(self, db, workspace: str, sid: str, mb: float) -> int:  # type: ignore[no-untyped-def]
        """Store `mb` of passages as one reading of `workspace` (one transaction: this is set-up, not measured)."""
        passages, links, size, seq = [], [], 0, 0
        while size < mb * 1_000_000:
            text, found = self.passage()
            pid = f"{sid}:{seq}"
            passages.append({"id": pid, "source_id": sid, "workspace": workspace, "seq": seq, "para": seq,
                             "section": None, "loc": f"para {seq}", "text": text, "prose": 1})
            links.extend({"passage_id": pid, "entity_id": e, "source_id": sid, "mentions": n} for e, n in found.items())
            size += len(text)
            seq += 1
        src = {"id": sid, "workspace": workspace, "title": f"Synthetic {sid}", "author": "bench", "filename": f"{sid}.txt",
               "kind": "text", "bytes": size, "sha256": sid, "calendar": "gregorian", "added_at": "2026-01-01",
               "passages": seq}
        with db.atomic():
            store.insert_source(db, src, passages, links, [], [])
        return size

    def text_file(self, path: Path, mb: float) -> Path:
        out, size = [], 0
        while size < mb * 1_000_000:
            text, _ = self.passage()
            out.append(text)
            size += len(text) + 2
        path.write_text("\n\n".join(out), encoding="utf-8")
        return path


def bench_quiz(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = Clio(Settings(db_path=Path(tmp) / "bench.db"))
        synth = Synth(app, 19)
        t = time.perf_counter()
        per = 10  # readings of a workspace: several sources, as a real library has
        for i in range(per):
            synth.source(app.db, "discord:other", f"other{i}", args.other_mb / per)
        for i in range(per):
            synth.source(app.db, "discord:mine", f"mine{i}", args.own_mb / per)
        print(f"set-up: {args.other_mb} MB in another workspace, {args.own_mb} MB the asker's, "
              f"{store.count(app.db, 'passage_entities'):,} links, in {time.perf_counter() - t:.0f} s")
        raw = sqlite3.connect(Path(tmp) / "bench.db")
        own = [r[0] for r in raw.execute("select id from sources where workspace in ('shared', 'discord:mine')")]
        marks = ",".join("?" * len(own))
        people = [r[0] for r in raw.execute("select id from entities where type = 'person'")]
        rng = random.Random(1)

        def baseline() -> None:  # the asker's passages naming one person: one indexed query, plain sqlite3
            raw.execute(f"select p.id, p.text from passage_entities pe join passages p on p.id = pe.passage_id "
                        f"where pe.source_id in ({marks}) and pe.entity_id = ?", [*own, rng.choice(people)]).fetchall()

        clio, base = [], []
        for i in range(args.runs):  # alternating pairs
            ctx = Context(workspace="discord:mine", channel=f"c{i}", user_id=f"host{i}", is_admin=True, platform="discord")
            t = time.perf_counter()
            reply = app.handle_text("/quiz start 10 30", ctx)
            clio.append((time.perf_counter() - t) * 1000)
            assert reply.ok, reply.body
            t = time.perf_counter()
            baseline()
            base.append((time.perf_counter() - t) * 1000)
        print(f"{'measure':<58} {'median ms':>9} {'p99 ms':>9} {'vs base':>8}")
        print(row("raw sqlite3: the asker's passages naming one person", base))
        # the first start after the library changed generates the questions (then kept until it changes again)
        print(f"{'/quiz start, the first after the library changed':<58} {clio[0]:9.2f}")
        print(row(f"/quiz start, {args.own_mb:g} MB own beside {args.other_mb:g} MB of another's", clio[1:], base[1:]))


def clio_worker(db: str, me: str, seconds: float, reading: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    import datetime as dt
    import logging

    problems: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            problems.append(record.getMessage() + (f" {record.exc_info[1]!r}" if record.exc_info else ""))

    logging.getLogger("clio").addHandler(Catch(level=logging.ERROR))
    app = Clio(Settings(db_path=Path(db), rate_limit="1000000/minute"))  # load, not a member: no rate limit
    import threading

    ingest: dict[str, object] = {}

    def do_ingest() -> None:  # in a thread on its own connection, as the adapters ingest uploads
        own = store.open_db(db)
        try:
            t = time.perf_counter()
            app.ingest(Path(reading), workspace=f"discord:{me}", db=own)
            ingest["seconds"] = time.perf_counter() - t
        except Exception as e:  # noqa: BLE001
            problems.append(f"ingest: {e!r}")
        finally:
            own.close()

    th = threading.Thread(target=do_ingest)
    th.start()
    lat: list[float] = []
    won, i, end = 0, 0, time.monotonic() + seconds
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    while time.monotonic() < end:
        host = Context(workspace=f"discord:{me}", channel=f"c{i % 5}", user_id="host", is_admin=True, platform="discord")
        member = Context(workspace=f"discord:{me}", channel=f"c{i % 5}", user_id=f"m{i % 40}", platform="discord")
        for ctx, text in ((host, "/quiz start 3 10"), (member, "/quiz answer A"), (host, "/quiz answer B"),
                          (member, "/who Kornilov"), (member, "/search soviet"), (host, "/quiz stop"),
                          (host, "/schedule set 09:00 Europe/London"), (member, "/onthisday 7 Nov"),
                          (member, "/privacy forget-me")):
            t = time.perf_counter()
            r = app.handle_text(text, ctx)
            lat.append((time.perf_counter() - t) * 1000)
            if r.exit_code == 3:
                problems.append(f"{text}: {r.body}")
        claim = store.claim_post(app.db, "discord:posts", "daily", f"d{i:06d}", (now + dt.timedelta(seconds=i)).isoformat(),
                                 "2000-01-01")
        won += claim is not None
        i += 1
    th.join()
    out.put({"commands": len(lat), "lat": lat, "problems": problems, "won": won, "rounds": i,
             "ingest_s": ingest.get("seconds")})


def raw_worker(db: str, me: str, seconds: float, mb: float, out: mp.Queue) -> None:  # type: ignore[type-arg]
    """The same kinds of writes with sqlite3's defaults: deferred transactions that read then write, and one
    bulk insert of `mb` in a single transaction, from a second connection."""
    import threading

    errors: list[str] = []

    def bulk() -> None:
        c = sqlite3.connect(db, timeout=5)
        try:
            with c:
                c.executemany("insert into bulk (who, text) values (?, ?)",
                              ((me, "x" * 500) for _ in range(int(mb * 1_000_000 / 500))))
        except sqlite3.OperationalError as e:
            errors.append(repr(e))

    c = sqlite3.connect(db, timeout=5)
    th = threading.Thread(target=bulk)
    th.start()
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with c:  # read, then write, in one deferred transaction (what create_quiz did)
                c.execute("begin")
                c.execute("select count(*) from quiz where who = ?", [me]).fetchone()
                c.execute("insert into quiz (who, n) values (?, ?)", [me, n])
        except sqlite3.OperationalError as e:
            errors.append(repr(e))
        n += 1
    th.join()
    out.put({"commands": n, "problems": errors})


def bench_two_process(args: argparse.Namespace) -> None:
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        app = Clio(Settings(db_path=Path(db)))  # migrated and indexed before both start
        synth = Synth(app, 7)
        readings = [str(synth.text_file(Path(tmp) / f"reading-{w}.txt", args.ingest_mb)) for w in "ab"]
        app.db.close()
        raw = sqlite3.connect(Path(tmp) / "raw.db")
        raw.execute("pragma journal_mode = wal")
        raw.executescript("create table quiz (who text, n int); create table bulk (who text, text text);")
        raw.close()
        results = {}
        for label, target, extra in (("clio", clio_worker, lambda w, i: (db, w, args.seconds, readings[i])),
                                     ("raw", raw_worker, lambda w, i: (str(Path(tmp) / "raw.db"), w, args.seconds,
                                                                       args.ingest_mb))):
            q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
            procs = [ctx.Process(target=target, args=(*extra(w, i), q)) for i, w in enumerate("ab")]
            for p in procs:
                p.start()
            results[label] = [q.get() for _ in procs]
            for p in procs:
                p.join()
        clio, raw_r = results["clio"], results["raw"]
        lat = [x for r in clio for x in r["lat"]]
        errors = [p for r in clio for p in r["problems"]]
        locked = sum("locked" in p for p in errors)
        print(f"two processes, {args.seconds:.0f} s each, a {args.ingest_mb} MB ingest in each")
        print(f"{'clio: commands':<40} {len(lat):9,}  p50 {statistics.median(lat):7.2f} ms  p99 {pct(lat, 0.99):7.2f} ms")
        print(f"{'clio: errors (database is locked)':<40} {len(errors):9,}  ({locked})")
        print(f"{'clio: daily posts claimed, of rounds':<40} {sum(r['won'] for r in clio):9,}  of "
              f"{max(r['rounds'] for r in clio):,} (each claimed once)")
        print(f"{'clio: ingest seconds':<40} " + ", ".join(f"{r['ingest_s']:.1f}" if r["ingest_s"] else "failed"
                                                            for r in clio))
        rerr = [p for r in raw_r for p in r["problems"]]
        print(f"{'raw sqlite3 defaults: transactions':<40} {sum(r['commands'] for r in raw_r):9,}")
        print(f"{'raw sqlite3 defaults: errors (locked)':<40} {len(rerr):9,}  ({sum('locked' in p for p in rerr)})")
        for p in errors[:5]:
            print("  clio error:", p[:200])


def main() -> int:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    q = sub.add_parser("quiz")
    q.add_argument("--other-mb", type=float, default=100)
    q.add_argument("--own-mb", type=float, default=10)
    q.add_argument("--runs", type=int, default=60)
    t = sub.add_parser("two-process")
    t.add_argument("--seconds", type=float, default=60)
    t.add_argument("--ingest-mb", type=float, default=50)
    args = ap.parse_args()
    (bench_quiz if args.what == "quiz" else bench_two_process)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
