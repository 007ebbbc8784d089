"""Ingest throughput and memory: `clio ingest` of a big plain text beside a raw FTS5 insert of the same text.

Run:  .venv/bin/python bench/ingest.py [--mb 10 50] [--pairs 3] [--phases]

For each size, builds a reading of that many MB from the seeds (in a temporary folder, deleted afterwards),
then times Clio's ingest and a bare FTS5 insert of the same text's paragraphs in alternating pairs, so both
see the same load on a shared machine, and counts the CPU seconds each used (on a loaded machine the wall
clock says more about the other jobs than about ingest; the ingest's count covers the bot process, the fork
server and the reading and linking children, sampled every 20 ms). Memory is the peak of that process tree above what it
held just before, counted two ways: resident sizes summed (RSS: a page the fork server shares with the bot
process, or a child with the fork server, counts once per process holding it) and proportional
sizes summed (PSS from /proc/PID/smaps_rollup: a shared page is split between the processes sharing it, so
the sum is what the tree really holds).
`--phases` also times each stage in this process, one after another (read, clean, split, calendar, link,
dates), on the first copy: in an ingest the reading child does all but linking, the linking child links, and
the bot process stores.

The seeds include a web page that ends with a list of other articles; cleaning cuts such a list, and in a text
made by repeating the seeds it would cut everything after its first copy past 30 % of the text. That page
is used once, at the start, so the whole text is ingested.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import Clio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# Clio's modules are imported inside the functions, not here: each child of an ingest imports the parent's main
# module again (multiprocessing does, before it runs the child), and a bot's main module is the `clio` script,
# 15 ms to import in a child; this script with bot.app imported at its top cost each child 100 ms more (0.2 CPU s
# an ingest, none of which a bot pays)

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def big_text(mb: int, folder: Path) -> Path:
    """A reading of about `mb` MB made of the seeds, repeated; a seed that ends in a listing comes once, first."""
    from bot.ingest.clean import _cut_trailing_listing
    from bot.ingest.readers import read_document

    once, repeated = [], []
    for f in sorted(SEEDS.glob("*.txt")):
        blocks = read_document(f, data=f.read_bytes()).blocks
        (once if _cut_trailing_listing(blocks) is not blocks else repeated).append(f.read_bytes())
    head = b"\n\n".join(once) + b"\n\n"
    body = b"\n\n".join(repeated) + b"\n\n"
    path = folder / f"big{mb}.txt"
    with path.open("wb") as out:
        out.write(head)
        for _ in range(max(1, (mb * 1_000_000 - len(head)) // len(body))):
            out.write(body)
    return path


def pss_mb(pid: int) -> float:
    """A process's proportional set size in MB (0 where the kernel does not say)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0.0


def tree(pid: int) -> dict[int, tuple[float, float, float]]:
    """`pid` and every process below it: pid -> (resident MB, CPU seconds used so far, proportional MB)."""
    out: dict[int, tuple[float, float, float]] = {}
    page, tick = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                rss = int(f.read().split()[1]) * page / 2**20
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[p] = (rss, (int(fields[11]) + int(fields[12])) / tick, pss_mb(p))  # utime + stime
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
            continue
    return out


def tree_mb(pid: int) -> tuple[float, float]:
    """The tree's resident and proportional MB, each summed over its processes."""
    now = tree(pid).values()
    return sum(v[0] for v in now), sum(v[2] for v in now)


class TreeSampler:
    """While the block runs: the highest resident MB of this process tree, and the CPU seconds it used (each
    process's last reading, sampled every 20 ms; a child's last 20 ms may be missed). The sampling thread's own
    CPU (reading /proc for every process 50 times a second: about 60 ms a second) is left out: counted, it made
    the ingest look about 4 % costlier than it is."""

    def __init__(self) -> None:
        self.peak = 0.0  # summed RSS
        self.peak_pss = 0.0
        self._start = tree(os.getpid())
        self._cpu: dict[int, float] = {}
        self._own = 0.0  # the sampling thread's CPU seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        now = tree(os.getpid())
        self.peak = max(self.peak, sum(v[0] for v in now.values()))
        self.peak_pss = max(self.peak_pss, sum(v[2] for v in now.values()))
        self._cpu.update({p: v[1] for p, v in now.items()})

    def _run(self) -> None:
        began = time.thread_time()
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(0.02)
        self._own = time.thread_time() - began

    def _used(self, pid: int) -> float:
        """The CPU seconds process `pid` used while sampled."""
        c = self._cpu[pid]
        return c - self._start[pid][1] if pid in self._start else c

    @property
    def cpu(self) -> float:
        """The CPU seconds the whole tree used, the sampling thread's own left out."""
        return sum(map(self._used, self._cpu)) - self._own

    @property
    def bot_cpu(self) -> float:
        """This process's share of `cpu` (the bot process: storing)."""
        return self._used(os.getpid()) - self._own

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def phases(app: Clio, path: Path) -> None:
    """Each stage of one ingest, timed in this process (no child), for finding the slow one."""
    from bot import store
    from bot.ingest.readers import read_document
    from bot.ingest.clean import clean_blocks
    from bot.ingest.datefind import find_dates, reading_convention
    from bot.ingest.link import link_passages
    from bot.ingest.passages import split_passages

    size = path.stat().st_size / 1e6
    marks = [time.perf_counter()]
    doc = read_document(path, data=path.read_bytes())
    marks.append(time.perf_counter())
    blocks = clean_blocks(doc.blocks)
    marks.append(time.perf_counter())
    passages = split_passages(blocks)
    marks.append(time.perf_counter())
    calendar = reading_convention([p.text for p in passages], None)  # passage by passage, as ingest counts
    marks.append(time.perf_counter())
    link_passages(passages, app.lookup.matcher, app.person_ids, **store.link_facts(app.db))
    marks.append(time.perf_counter())
    [find_dates(p.text, calendar) for p in passages if p.prose]
    marks.append(time.perf_counter())
    names = ["read", "clean", "split", "calendar", "link", "dates"]
    total = marks[-1] - marks[0]
    for name, a, b in zip(names, marks, marks[1:]):
        print(f"  {name:<10} {b - a:7.2f} s  {100 * (b - a) / total:5.1f} %")
    print(f"  {'all':<10} {total:7.2f} s  ({size / total:.2f} MB/s without the database; "
          f"{len(passages)} passages, {sum(len(p.text) for p in passages) / 1e6:.1f} MB of text kept)")


def main() -> int:
    from bench.run import raw_fts_insert  # the same baseline as the all-round bench
    from bot import store
    from bot.app import Clio
    from bot.config import Settings
    from bot.ingest import bounded

    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, nargs="+", default=[10, 50])
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--phases", action="store_true")
    ap.add_argument("--seconds-per-mb", type=float, default=10.0,
                    help="the reading child's time budget for this run: on a loaded shared machine the default "
                         "budget refuses a big text before its throughput can be measured")
    args = ap.parse_args()
    bounded.SECONDS_PER_MB = args.seconds_per_mb
    if not SEEDS.is_dir():
        print(f"no seeds at {SEEDS.name}: nothing to measure")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app = Clio(Settings(db_path=folder / "bench.db"))
        # a bot's fork server starts with the first upload it takes: started here, the first timed ingest counts
        # neither its start nor its memory (nor a sample taken while it was being forked, which counted the
        # whole bot process a second time)
        warm = folder / "warm.txt"
        warm.write_text("A short reading, read first.\n\nIt starts the fork server before anything is timed.")
        app.ingest(warm, workspace="bench:warm")
        for mb in args.mb:
            path = big_text(mb, folder)
            size = path.stat().st_size / 1e6
            if args.phases:
                print(f"stages, {size:.1f} MB:")
                phases(app, path)
            ours, raw, peaks, pss_peaks, ours_cpu, raw_cpu, split = [], [], [], [], [], [], []
            for n in range(args.pairs):
                idle, idle_pss = tree_mb(os.getpid())
                with TreeSampler() as sampler:
                    t = time.perf_counter()
                    sid = app.ingest(path, workspace=f"bench:{mb}:{n}").source_id  # a new reading each time
                    ours.append(size / (time.perf_counter() - t))
                peaks.append(sampler.peak - idle)
                pss_peaks.append(sampler.peak_pss - idle_pss)
                ours_cpu.append(size / sampler.cpu)
                split.append((sampler.bot_cpu, sampler.cpu - sampler.bot_cpu))
                store.delete_source(app.db, sid)
                c = time.process_time()
                raw.append(size / raw_fts_insert(path, folder, n))
                raw_cpu.append(size / (time.process_time() - c))
            med, base = statistics.median(ours), statistics.median(raw)
            print(f"{size:5.1f} MB  wall clock: raw FTS5 insert {base:6.2f} MB/s, clio ingest {med:6.2f} MB/s "
                  f"({med / base:.2f}x of raw; runs {', '.join(f'{x:.2f}' for x in ours)})")
            med, base = statistics.median(ours_cpu), statistics.median(raw_cpu)
            print(f"{size:5.1f} MB  per CPU second: raw FTS5 insert {base:6.2f} MB/s, clio ingest {med:6.2f} MB/s "
                  f"({med / base:.2f}x of raw; every process of the ingest)")
            bot, children = (statistics.median(x) for x in zip(*split))
            print(f"{size:5.1f} MB  CPU seconds (median of the runs): bot process {bot:.2f} (storing), reading and "
                  f"linking children and fork server {children:.2f}; {(bot + children) / size:.2f} a MB in all "
                  f"(5 MB/s on two cores needs under 0.4)")
            print(f"{size:5.1f} MB  peak memory above idle (bot process, fork server and children together): "
                  f"{max(pss_peaks):.0f} MB proportional (PSS), {max(peaks):.0f} MB resident summed (RSS, shared "
                  f"pages counted once per process)")
            path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
