"""Concurrent uploads benchmark (issue 19 item 5): several large uploads arrive at once; how much memory does
Clio's process tree (the bot, its fork server and reading children) hold at its peak, and how long do they take?

Each upload is a different reading of about `--mb` MB made of the seeds' text, sent through `Clio.ingest_upload`
(as Discord's /ingest and a Slack share) into its own workspace, all at the same moment. A sampler sums the
resident memory (VmRSS) of this process and every process below it every 50 ms (pages the fork server's children
share with it are counted in each, so the figure errs high).

Run:  .venv/bin/python bench/uploads.py [--uploads 4] [--mb 49] [--seeds DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import Clio  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.events import Context  # noqa: E402

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def tree_rss(root: int) -> int:
    """Bytes resident in `root` and every process below it."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(fields["PPid"])
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    total = 0
    for pid in rss:
        p = pid
        while p and p != root:
            p = parents.get(p, 0)
        if p == root:
            total += rss[pid]
    return total


def reading(seeds: Path, mb: float, n: int) -> bytes:
    text = "\n\n".join(f.read_text(encoding="utf-8") for f in sorted(seeds.glob("*.txt")))
    out, size, i = [], 0, 0
    while size < mb * 2**20:
        part = f"Part {n}.{i}.\n\n{text}\n\n"
        out.append(part)
        size += len(part.encode())
        i += 1
    return "".join(out).encode()[: int(mb * 2**20)]


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = Clio(Settings(db_path=Path(tmp) / "clio.db", max_workspace_mb=500))
        files = [reading(args.seeds, args.mb, n) for n in range(args.uploads)]
        peak, stop = [0], threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], tree_rss(os.getpid()))
                time.sleep(0.05)

        base = tree_rss(os.getpid())
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        told: list[str] = []

        async def queued(message: str) -> None:
            told.append(message)

        async def one(n: int) -> tuple[float, str]:
            ctx = Context(workspace=f"discord:g{n}", channel="c", user_id="admin", is_admin=True, platform="discord")
            reply = await app.ingest_upload(ctx, f"reading-{n}.txt", files[n], queued=queued)
            return time.perf_counter() - started, reply.body

        results = await asyncio.gather(*(one(n) for n in range(args.uploads)))
        stop.set()
        sampler.join()
        print(f"{args.uploads} uploads of {args.mb:g} MB at once: process tree {base / 2**20:,.0f} MB before, "
              f"peak {peak[0] / 2**20:,.0f} MB; {len(told)} told they were queued")
        for seconds, body in results:
            print(f"  done after {seconds:6.1f} s: {body[:110]}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--uploads", type=int, default=4)
    ap.add_argument("--mb", type=float, default=49.0)
    ap.add_argument("--seeds", type=Path, default=SEEDS)
    asyncio.run(main(ap.parse_args()))
