"""Benchmarks: Clio's lookups and ingest against raw-library baselines measured in the same run.

Run:  .venv/bin/python bench/run.py [--people 100000] [--search-mb 100]
Prints a table of median and p99 latency (ms) and the ratio to each baseline. Not a test: the machines are
shared and noisy, so the ratios matter more than the absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import string
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import sqlite_utils
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import store  # noqa: E402
from bot.app import Clio  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.names import Candidate, Matcher, name_key  # noqa: E402

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def timed(fn, items, repeat: int = 1) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        for x in items:
            t = time.perf_counter()
            fn(x)
            out.append((time.perf_counter() - t) * 1000)
    return out


def raw_extract(keys: list[str], queries: list[str]) -> list[float]:
    """The rapidfuzz baseline: extractOne over the same normalised names, for the same typed text."""
    return timed(lambda q: process.extractOne(name_key(q), keys, scorer=fuzz.WRatio), queries)


def raw_fts(db: sqlite_utils.Database, words: list[str]) -> list[float]:
    """The SQLite baseline: a bare FTS5 MATCH ordered by rank over the same passages table."""
    return timed(lambda w: list(db.execute("select rowid from passages_fts where passages_fts match ? "
                                           "order by rank limit 10", [store.fts_query(w)])), words)


def swap_last_two(q: str) -> str:
    """A typo: the last two letters swapped ("Kornilvo")."""
    return q[:-2] + q[-1] + q[-2] if len(q) > 4 else q


def row(name: str, samples: list[float], base: list[float] | None = None) -> str:
    med = statistics.median(samples)
    p99 = sorted(samples)[int(len(samples) * 0.99) - 1]
    ratio = f"{med / statistics.median(base):6.2f}x" if base else "      "
    return f"{name:<44} {med:9.3f} {p99:9.3f} {ratio}"


def synthetic_names(n: int, rng: random.Random) -> list[str]:
    syll = ["ko", "ri", "lov", "ni", "ka", "me", "nev", "tro", "sky", "zi", "no", "vi", "ev", "bu", "kha", "rin",
            "ste", "pan", "ov", "ma", "lin", "de", "ko", "sha"]
    first = ["Ivan", "Pyotr", "Anna", "Olga", "Boris", "Vera", "Lev", "Yakov", "Maria", "Sergei"]
    return [f"{rng.choice(first)} {''.join(rng.choice(syll) for _ in range(rng.randint(2, 4))).capitalize()}"
            for _ in range(n)]


def big_text(mb: int, folder: Path) -> Path:
    """A synthetic reading of `mb` MB: the seeds concatenated as often as it takes."""
    seeds = "\n\n".join(f.read_text(encoding="utf-8") for f in sorted(SEEDS.glob("*.txt"))).encode()
    path = folder / f"big{mb}.txt"
    with path.open("wb") as f:
        for _ in range(max(1, mb * 1_000_000 // (len(seeds) + 2))):
            f.write(seeds + b"\n\n")
    return path


def raw_fts_insert(path: Path, folder: Path, n: int) -> float:
    """The baseline: the same text's paragraphs inserted into a bare FTS5 table in one transaction."""
    import sqlite3

    db = sqlite3.connect(folder / f"raw{n}.db")
    db.execute("create virtual table t using fts5(text)")
    t = time.perf_counter()
    with db:
        db.executemany("insert into t(text) values (?)",
                       ((p,) for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()))
    secs = time.perf_counter() - t
    db.close()
    (folder / f"raw{n}.db").unlink()
    return secs


def ingest_vs_fts(app: Clio, mb: int, folder: Path, pairs: int) -> None:
    """`clio ingest` of a big text against a raw FTS5 insert of it, timed in alternating pairs; and the bot
    process's peak memory above what it held before (the parsing child has its own bounded budget)."""
    import resource

    path = big_text(mb, folder)
    size = path.stat().st_size / 1e6
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ours, raw, ids = [], [], []
    for n in range(pairs):
        t = time.perf_counter()
        ids.append(app.ingest(path, workspace=f"bench:{n}").source_id)  # another workspace each time
        ours.append(size / (time.perf_counter() - t))
        raw.append(size / raw_fts_insert(path, folder, n))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for sid in ids:
        store.delete_source(app.db, sid)  # keep the later figures comparable
    med, base = statistics.median(ours), statistics.median(raw)
    print(f"{'raw FTS5 insert, ' + str(mb) + ' MB text':<44} {base:9.2f} MB/s  ({pairs} pairs)")
    print(f"{'clio ingest, ' + str(mb) + ' MB text':<44} {med:9.2f} MB/s  {med / base:6.2f}x of raw")
    print(f"{'  bot process peak memory above before':<44} {peak - before:9.0f} MB")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--search-mb", type=int, default=100, help="synthetic passages for the /search scale test")
    ap.add_argument("--ingest-mb", type=int, default=50, help="a synthetic text for ingest vs raw FTS5 (0: skip)")
    ap.add_argument("--ingest-pairs", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(7)
    print(f"{'measure':<44} {'median ms':>9} {'p99 ms':>9} {'vs base':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        app = Clio(Settings(db_path=Path(tmp) / "bench.db"))
        if SEEDS.is_dir():
            t = time.perf_counter()
            size = 0
            for f in sorted(SEEDS.glob("*.txt")):
                size += f.stat().st_size
                app.ingest(f)
            secs = time.perf_counter() - t
            print(f"{'ingest the seeds (plain text)':<44} {size / 1e6 / secs:9.2f} MB/s  ({size / 1e6:.2f} MB in {secs:.2f} s)")
        if SEEDS.is_dir() and args.ingest_mb:
            ingest_vs_fts(app, args.ingest_mb, Path(tmp), args.ingest_pairs)
        names = [r.name for r in store.all_names(app.db) if r.type == "person"]
        queries = [rng.choice(names) for _ in range(args.queries)]
        typos = [swap_last_two(q) for q in queries]
        keys = [name_key(n) for n in names]
        base = raw_extract(keys, queries)
        print(row(f"raw extractOne over {len(keys)} pack names", base))
        print(row("/who (pack)", timed(lambda q: app.handle_text(f"/who {q}"), queries), base))
        tbase = raw_extract(keys, typos)
        print(row("raw extractOne, the same names with a typo", tbase))
        print(row("/who with a typo (pack)", timed(lambda q: app.handle_text(f"/who {q}"), typos), tbase))
        words = ["soviet", "Kornilov", "land decree", "Putilov strike", "famine", "Kronstadt sailors"]
        fts_base = raw_fts(app.db, words * 20)
        print(row("raw FTS5 MATCH over passages", fts_base))
        print(row("/search", timed(lambda w: app.handle_text(f"/search {w}"), words * 20), fts_base))
        print(row("/onthisday", timed(lambda d: app.handle_text(f"/onthisday {d}"), ["7 Nov", "10-25", "1 May", "9 Jan"] * 25)))
        terms = [r.name for r in store.all_names(app.db) if r.type == "term"]
        tq = [rng.choice(terms) for _ in range(args.queries)]
        tkeys = [name_key(n) for n in terms]
        tbase = raw_extract(tkeys, tq)
        print(row(f"raw extractOne over {len(tkeys)} pack terms", tbase))
        print(row("/what (pack)", timed(lambda q: app.handle_text(f"/what {q}"), tq), tbase))
        # commands per second through the console adapter's in-process path (what `clio ask` runs)
        from adapters.console import render
        from bot.events import Context

        mix = [f"/who {q}" for q in queries[:100]] + [f"/what {q}" for q in tq[:100]] + ["/onthisday 7 Nov"] * 50
        t = time.perf_counter()
        for text in mix:
            render(app.handle_text(text, Context()))
        print(f"{'console in-process commands':<44} {len(mix) / (time.perf_counter() - t):9.0f} /s")
        # quiz grading: every pack question, graded against its answer, an accepted variant and a wrong option
        from bot.services.grading import grade

        cases = []
        for q in app.db.query("select answer, accept, options from questions"):  # accept/options: JSON lists
            accept, options = json.loads(q["accept"] or "[]"), json.loads(q["options"])
            for typed in [q["answer"], *accept[:1], *[o for o in options if o != q["answer"]][:1]]:
                cases.append((typed, q["answer"], accept))
        if cases:
            t = time.perf_counter()
            for typed, answer, accept in cases:
                grade(typed, answer, accept, app.lookup.matcher)
            print(f"{'quiz answers graded':<44} {len(cases) / (time.perf_counter() - t):9.0f} /s")
        import resource

        print(f"{'bot process RSS with pack + seeds indexed':<44} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:9.0f} MB (peak)")
        # synthetic scale: the matcher alone over many names
        big = synthetic_names(args.people, rng)
        m = Matcher()
        t = time.perf_counter()
        for i, n in enumerate(big):
            m.add(Candidate(str(i), n, "person"), [n], person=True)
        build = time.perf_counter() - t
        bkeys = [name_key(n) for n in big]
        bq = [rng.choice(big) for _ in range(200)]
        bbase = raw_extract(bkeys, bq)
        print(f"{'build matcher over ' + str(args.people) + ' names':<44} {build * 1000:9.0f} ms")
        print(row(f"raw extractOne over {args.people} names", bbase))
        print(row(f"matcher.resolve over {args.people} names (exact)", timed(lambda x: m.resolve(x), bq), bbase))
        # typos, each against extractOne over the same typed text: the last two letters swapped; the first letter wrong
        for label, typo in (("typo", swap_last_two),
                            ("1st letter", lambda q: q.split()[0] + " " + ("b" if q.split()[-1][0] != "B" else "d")
                             + q.split()[-1][1:])):
            tq = [typo(q) for q in bq]
            tbase = raw_extract(bkeys, tq)
            print(row(f"raw extractOne, {label} queries", tbase))
            print(row(f"matcher.resolve over {args.people} names ({label})", timed(lambda x: m.resolve(x), tq), tbase))
        # synthetic scale: /search over many MB of passages, against a bare FTS5 MATCH on the same table. The words
        # are drawn with the frequencies they have in the indexed text (the readings when present, else the pack's
        # own summaries), so a common word matches most passages, as it would in a big library of such readings.
        if args.search_mb:
            counts = Counter(w.lower() for r in app.db.query("select text from passages union all select summary "
                                                             "from entities") for w in re.findall(r"[^\W\d_]+", r["text"] or ""))
            vocab, weights = list(counts), list(counts.values())
            rows, size, n = [], 0, 0
            t = time.perf_counter()
            while size < args.search_mb * 1_000_000:
                text = " ".join(rng.choices(vocab, weights, k=120))
                rows.append({"id": f"syn:{n}", "source_id": "syn", "workspace": store.SHARED, "seq": n, "para": n,
                             "section": None, "loc": f"para {n}", "text": text})
                size += len(text)
                n += 1
            store.insert_source(app.db, {"id": "syn", "workspace": store.SHARED, "title": "Synthetic", "author": "bench",
                                         "filename": "syn.txt", "kind": "text", "bytes": size, "sha256": "syn",
                                         "calendar": "gregorian", "added_at": "2026-01-01", "passages": n},
                                rows, [], [], [])
            del rows
            print(f"{'index ' + str(args.search_mb) + ' MB of synthetic passages':<44} {time.perf_counter() - t:9.1f} s")
            sw = ["Putilov strike", "land decree", "famine", "Kornilov", "Kronstadt sailors", "soviet", "the revolution",
                  "Lenin", "peasants", "war", "bread", "Bloody Sunday"] * 10
            sbase = raw_fts(app.db, sw)
            print(row(f"raw FTS5 MATCH, {args.search_mb} MB", sbase))
            print(row(f"/search, {args.search_mb} MB", timed(lambda w: app.handle_text(f"/search {w}"), sw), sbase))
            capped = [w for w in dict.fromkeys(sw) if store.search_passages(app.db, w, store.SHARED).sampled]
            print(f"  {len(capped)} of {len(set(sw))} searches matched more than {store.SEARCH_RANK_CAP} passages "
                  f"and ranked the newest: {', '.join(capped)}")
        sample = "".join(rng.choice(string.ascii_lowercase + " ") for _ in range(10))
        assert sample  # keeps the random stream honest between runs
    return 0


if __name__ == "__main__":
    sys.exit(main())
