"""Benchmark: /who with a typo over many realistic names, and `clio ask` warm, each beside its raw baseline.

Run:  .venv/bin/python bench/names.py [--sizes 100000 1000000] [--queries 200] [--ask-runs 15]

Names are generated (bench/people.py): given name, patronymic and surname, initials and transliteration
variants. For each size it builds a `Matcher` as `bot.services.lookup` does, then times `Matcher.resolve` of a
name with one slip against a plain `rapidfuzz.process.extractOne` scan of the same normalised keys for the same
typed text, the two in alternating pairs (which goes first alternates too). Memory is the growth of the
process's resident set: the name list itself, then the matcher with its index, and the ratio of the two.
`clio ask` is timed warm (after a first run built the index and wrote the bytecode caches, as any installed
copy has them: PYTHONDONTWRITEBYTECODE is dropped from its environment) against `python -c pass`, alternating.
On a shared machine wall time mostly measures the other load, so each row also gives CPU time (this thread's for
a lookup, the child's user+system for a process): the work itself.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from people import people, typo  # noqa: E402

from bot.names import Candidate, Matcher, name_key  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def row(name: str, samples: list[float], base: list[float] | None = None) -> str:
    ordered = sorted(samples)
    med, p99 = statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)]
    ratio = f"{med / statistics.median(base):8.3f}x" if base else " " * 9
    return f"{name:<50} {med:9.3f} {p99:9.3f} {ratio}"


CPU: dict[str, list[float]] = {}  # row name -> CPU ms of each sample, printed beside the wall times


def pairs(project, baseline, items,  # type: ignore[no-untyped-def]
          children: bool = False) -> tuple[list[float], list[float]]:
    """Time project(x) and baseline(x) for each item, in alternating order, in ms (wall; CPU time in
    `pairs.cpu`: this thread's, or with `children` the finished child processes')."""
    mine, base = [], []
    cpu: dict[int, list[float]] = {id(mine): [], id(base): []}

    def used() -> float:
        if children:
            r = resource.getrusage(resource.RUSAGE_CHILDREN)
            return r.ru_utime + r.ru_stime
        return time.thread_time()

    for n, x in enumerate(items):
        for fn, out in ((project, mine), (baseline, base)) if n % 2 == 0 else ((baseline, base), (project, mine)):
            c, t = used(), time.perf_counter()
            fn(x)
            out.append((time.perf_counter() - t) * 1000)
            cpu[id(out)].append((used() - c) * 1000)
    pairs.cpu = (cpu[id(mine)], cpu[id(base)])  # type: ignore[attr-defined]
    return mine, base


def cpu_row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return f"{'  CPU time: ' + name:<50} {statistics.median(ordered):9.3f} {p99:9.3f}"


def names_at(size: int, queries: int, rng: random.Random) -> None:
    gc.collect()
    before = rss_mb()
    crowd = people(size, rng)
    list_mb = rss_mb() - before
    t = time.perf_counter()
    m = Matcher()
    for i, (display, names) in enumerate(crowd):
        m.add(Candidate(str(i), display, "person"), names, person=True)
    m.resolve("ivan", {"person"})  # the index is built on the first fuzzy query
    build = time.perf_counter() - t
    gc.collect()
    matcher_mb = rss_mb() - before - list_mb
    keys = [name_key(display) for display, _ in crowd]
    exact = [rng.choice(crowd)[0] for _ in range(queries)]
    typos = [typo(q, rng) for q in exact]
    print(f"{size:,} names: {len(m):,} keys, built in {build:.1f} s; name list {list_mb:.0f} MB, matcher with index "
          f"+{matcher_mb:.0f} MB ({matcher_mb / list_mb:.2f}x the name list)")
    mine, base = pairs(lambda q: m.resolve(q, {"person"}), lambda q: process.extractOne(name_key(q), keys,
                                                                                      scorer=fuzz.WRatio), typos)
    print(row(f"raw extractOne, a typo, {size:,} names", base))
    print(row(f"/who (Matcher.resolve), a typo, {size:,} names", mine, base))
    print(cpu_row("/who, a typo", pairs.cpu[0]))  # type: ignore[attr-defined]
    mine, base = pairs(lambda q: m.resolve(q, {"person"}), lambda q: process.extractOne(name_key(q), keys,
                                                                                      scorer=fuzz.WRatio), exact)
    print(row(f"raw extractOne, exact, {size:,} names", base))
    print(row(f"/who (Matcher.resolve), exact, {size:,} names", mine, base))
    print(cpu_row("/who, exact", pairs.cpu[0]))  # type: ignore[attr-defined]


def ask_warm(runs: int) -> None:
    clio = Path(sys.executable).with_name("clio")
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["CLIO_DB"] = str(Path(tmp) / "ask.db")
        subprocess.run([clio, "ask", "/who kornilof"], env=env, check=True, capture_output=True)  # the first run

        def ask(_: object) -> None:
            subprocess.run([clio, "ask", "/who kornilof"], env=env, check=True, capture_output=True)

        def bare(_: object) -> None:
            subprocess.run([sys.executable, "-c", "pass"], env=env, check=True, capture_output=True)

        mine, base = pairs(ask, bare, range(runs), children=True)
        print(row("python -c pass", base))
        print(cpu_row("python -c pass", pairs.cpu[1]))  # type: ignore[attr-defined]
        print(row('clio ask "/who kornilof" (warm)', mine, base))
        print(cpu_row('clio ask "/who kornilof"', pairs.cpu[0]))  # type: ignore[attr-defined]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--ask-runs", type=int, default=15)
    args = ap.parse_args()
    print(f"{'measure':<50} {'median ms':>9} {'p99 ms':>9} {'vs base':>9}")
    if args.ask_runs:
        ask_warm(args.ask_runs)
    for size in args.sizes:
        names_at(size, args.queries, random.Random(size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
