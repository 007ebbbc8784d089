"""SQLite beside PostgreSQL in one run (issue 23): `/who`, `/search`, a quiz answer and an ingest's write.

- `/who Kornilov` and `/who kornilof` through the app on the bundled pack, with the deployment's shared state
  (rate limits, leases) in the SQLite file or in PostgreSQL (CLIO_DATABASE_URL).
- `/search` over the readings repository (bot/storage/readings.py) and through the app: `SqliteReadings`
  (FTS5, bm25) and `PgReadings` (tsvector, GIN, ts_rank), holding the same passages: `--mb` of the asker's shared readings and
  `--other-mb` of another workspace's, each beside its raw library's bare query on the same rows (a FTS5
  MATCH ordered by rank; a `@@` query ordered by ts_rank on a table of text and tsvector).
- An ingest's write: one reading of `--reading-mb` written through each repository (passages with their
  search index), beside the raw insert of the same rows (executemany into a FTS5-indexed table; COPY into a
  table with a generated tsvector and a GIN index).
- A whole `clio ingest` through the app (read, split, linked, dated, written) of a `--ingest-mb` text.
- A quiz answer (`/quiz answer A` through the app, bench/quiz_answer.py) with the quizzes in each.

The passages are synthetic, drawn with the word frequencies of the bundled pack's summaries, 120 words each.
SQLite and PostgreSQL are timed in alternating pairs (which goes first alternates too); medians and p99 in ms.

Run:  .venv/bin/python bench/backends.py [--pg throwaway|URL] [--mb 20] [--other-mb 20] [--reading-mb 5]
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot import store  # noqa: E402
from bot.app import Clio  # noqa: E402
from bot.config import PROJECT_CONTENT, Settings  # noqa: E402
from bot.events import Context  # noqa: E402
from bot.storage.readings import SqliteReadings  # noqa: E402

QUERIES = ["Putilov strike", "land decree", "famine", "Kornilov", "Kronstadt sailors", "soviet", "the revolution",
           "Lenin", "peasants", "war", "bread", "Bloody Sunday"]


def vocabulary(db: Any) -> tuple[list[str], list[int]]:
    counts = Counter(w.lower() for r in db.query("select summary from entities")
                     for w in re.findall(r"[^\W\d_]+", r["summary"] or ""))
    return list(counts), list(counts.values())


def reading(sid: str, workspace: str, mb: float, rng: random.Random, vocab: list[str],
            weights: list[int]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows, size = [], 0
    while size < mb * 1_000_000:
        text = " ".join(rng.choices(vocab, weights, k=120))
        rows.append({"id": f"{sid}:{len(rows)}", "source_id": sid, "workspace": workspace, "seq": len(rows),
                     "para": len(rows), "section": None, "loc": f"para {len(rows)}", "text": text, "prose": 1})
        size += len(text)
    source = {"id": sid, "workspace": workspace, "title": f"Synthetic {sid}", "author": "bench", "filename": sid,
              "kind": "text", "bytes": size, "sha256": sid, "calendar": "gregorian",
              "added_at": "2026-01-01T00:00:00", "passages": len(rows)}
    return source, rows


def stats(samples: list[float]) -> str:
    s = sorted(samples)
    return f"{statistics.median(s) * 1000:.2f} / {s[min(len(s) - 1, int(len(s) * 0.99))] * 1000:.2f}"


def pairs(a: Callable[[Any], object], b: Callable[[Any], object], items: list[Any]) -> tuple[list[float], list[float]]:
    """Seconds of a(x) and b(x) for each item, alternating which goes first."""
    ta, tb = [], []
    for i, x in enumerate(items):
        for which in ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta)):
            began = time.perf_counter()
            which[0](x)
            which[1].append(time.perf_counter() - began)
    return ta, tb


def raw_sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("create virtual table if not exists raw using fts5(text, tokenize='porter unicode61 remove_diacritics 2')")
    return conn


def raw_pg_setup(conn: Any) -> None:
    conn.execute("create table if not exists raw (id text primary key, text text not null, "
                 "tsv tsvector generated always as (to_tsvector('clio'::regconfig, text)) stored)")
    conn.execute("create index if not exists raw_tsv on raw using gin (tsv)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg", metavar="URL", default="throwaway", help="a postgresql:// URL, or 'throwaway'")
    ap.add_argument("--mb", type=float, default=20, help="shared readings the asker searches")
    ap.add_argument("--other-mb", type=float, default=20, help="another workspace's readings")
    ap.add_argument("--reading-mb", type=float, default=5, help="the reading whose write is timed")
    ap.add_argument("--writes", type=int, default=3, help="writes of that reading (and ingests) on each backend")
    ap.add_argument("--ingest-mb", type=float, default=2, help="the text a whole ingest reads")
    ap.add_argument("--rounds", type=int, default=10, help="rounds of the queries")
    ap.add_argument("--lookups", type=int, default=300)
    ap.add_argument("--answers", type=int, default=200)
    args = ap.parse_args()
    cluster, url = None, args.pg
    if url == "throwaway":
        from tests.pg import Cluster

        cluster = Cluster.start()
        url = cluster.new_database()
    import psycopg

    from bot.pg_state import PgState
    from bot.storage.readings_pg import PgReadings, search_words
    from quiz_answer import answers

    rng = random.Random(7)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            apps = {name: Clio(Settings(db_path=tmp_path / f"{name}.db", content_dir=PROJECT_CONTENT,
                                        pack="russian-revolution", rate_limit="1000000000/minute",
                                        database_url=where))
                    for name, where in (("sqlite", None), ("pg", url))}
            print(f"| measure ({args.mb:g} MB asker's readings, {args.other_mb:g} MB another workspace's) "
                  "| SQLite median / p99 ms | PostgreSQL median / p99 ms |\n| --- | --- | --- |")
            ctx = Context(workspace="discord:1", channel="c", user_id="u", user_name="U", platform="discord")
            for typed in ("Kornilov", "kornilof"):
                names = [f"/who {typed}"] * args.lookups
                a, b = pairs(lambda t: apps["sqlite"].handle_text(t, ctx), lambda t: apps["pg"].handle_text(t, ctx), names)
                print(f"| `/who {typed}` through the app | {stats(a)} | {stats(b)} |")

            vocab, weights = vocabulary(apps["sqlite"].db)
            state = PgState(url, listen=False)
            repos = {"sqlite": SqliteReadings(apps["sqlite"].db), "pg": PgReadings(state)}
            raw_lite = raw_sqlite(tmp_path / "raw.db")
            raw_pg = psycopg.connect(url, autocommit=True)
            raw_pg_setup(raw_pg)
            corpus = []
            for i in range(max(1, int(args.mb // 5))):
                corpus.append(reading(f"shared{i}", store.SHARED, args.mb / max(1, int(args.mb // 5)), rng, vocab, weights))
            for i in range(max(1, int(args.other_mb // 5))):
                corpus.append(reading(f"other{i}", "discord:2", args.other_mb / max(1, int(args.other_mb // 5)), rng, vocab, weights))
            began = time.perf_counter()
            for source, rows in corpus:
                for repo in repos.values():
                    repo.write(source, rows, [], [], [])
            print(f"(corpus written to both in {time.perf_counter() - began:.0f} s)", file=sys.stderr)
            shared_rows = [r for source, rows in corpus if source["workspace"] == store.SHARED for r in rows]
            with raw_lite:
                raw_lite.executemany("insert into raw (rowid, text) values (?, ?)",
                                     [(i + 1, r["text"]) for i, r in enumerate(shared_rows)])
            with raw_pg.cursor() as cur, cur.copy("copy raw (id, text) from stdin") as copy:
                for r in shared_rows:
                    copy.write_row((r["id"], r["text"]))
            raw_pg.execute("analyze")

            queries = QUERIES * args.rounds
            a, b = pairs(lambda q: repos["sqlite"].search(q, "discord:1", 10),
                         lambda q: repos["pg"].search(q, "discord:1", 10), queries)
            print(f"| `/search` (the readings repository, best 10) | {stats(a)} | {stats(b)} |")
            a, b = pairs(lambda q: apps["sqlite"].handle_text(f"/search {q}", ctx),
                         lambda q: apps["pg"].handle_text(f"/search {q}", ctx), queries)
            print(f"| `/search` through the app (pack entries too, the reply built) | {stats(a)} | {stats(b)} |")
            fts = lambda q: raw_lite.execute(  # noqa: E731
                "select rowid from raw where raw match ? order by rank limit 10",
                [" ".join(f'"{w}"' for w in q.split())]).fetchall()
            tsq = lambda q: raw_pg.execute(  # noqa: E731
                "select id from raw, plainto_tsquery('clio', %s) q where tsv @@ q order by ts_rank(tsv, q, 1) desc "
                "limit 10", [search_words(q)]).fetchall()
            a, b = pairs(fts, tsq, queries)
            print(f"| raw baseline: FTS5 MATCH by rank / `@@` by ts_rank, shared rows only | {stats(a)} | {stats(b)} |")

            source, rows = reading("timed", "discord:1", args.reading_mb, rng, vocab, weights)
            mb = source["bytes"] / 1e6
            writes = list(range(args.writes))
            a, b = pairs(lambda i: repos["sqlite"].write(source, rows, [], [], []),
                         lambda i: repos["pg"].write(source, rows, [], [], []), writes)
            print(f"| an ingest's write, {mb:.1f} MB (MB/s: SQLite {mb / statistics.median(a):.1f}, PostgreSQL "
                  f"{mb / statistics.median(b):.1f}) | {stats(a)} | {stats(b)} |")

            def lite_raw(i: int) -> None:
                with raw_lite:
                    raw_lite.execute("delete from raw where rowid > 100000000")
                    raw_lite.executemany("insert into raw (rowid, text) values (?, ?)",
                                         [(100_000_001 + k, r["text"]) for k, r in enumerate(rows)])

            def pg_raw(i: int) -> None:
                with raw_pg.transaction():
                    raw_pg.execute("delete from raw where id like 'timed:%'")
                    with raw_pg.cursor() as cur, cur.copy("copy raw (id, text) from stdin") as copy:
                        for r in rows:
                            copy.write_row((r["id"], r["text"]))
            a, b = pairs(lite_raw, pg_raw, writes)
            print(f"| raw baseline: executemany into FTS5 / COPY into tsvector + GIN (MB/s: {mb / statistics.median(a):.1f}"
                  f" / {mb / statistics.median(b):.1f}) | {stats(a)} | {stats(b)} |")

            # a whole ingest through the app (read, split, link to the pack, date, write), of a plain text made
            # of the pack's summaries: each run a new file, so none is "unchanged"
            summaries = [r["summary"] for r in apps["sqlite"].db.query("select summary from entities") if r["summary"]]
            paragraphs, size = [], 0
            while size < args.ingest_mb * 1_000_000:
                paragraph = " ".join(rng.sample(summaries, min(4, len(summaries))))
                paragraphs.append(paragraph)
                size += len(paragraph)
            text = "\n\n".join(paragraphs)
            files = []
            for i in range(args.writes):
                f = tmp_path / f"ingest-{i}.txt"
                f.write_text(f"Copy {i}.\n\n{text}", encoding="utf-8")
                files.append(f)
            a, b = pairs(lambda f: apps["sqlite"].ingest(f, workspace="discord:1"),
                         lambda f: apps["pg"].ingest(f, workspace="discord:1"), files)
            mb = len(text.encode()) / 1e6
            print(f"| `clio ingest` of a {mb:.1f} MB text through the app (MB/s: SQLite {mb / statistics.median(a):.2f}, "
                  f"PostgreSQL {mb / statistics.median(b):.2f}) | {stats(a)} | {stats(b)} |")
            raw_pg.close()
            raw_lite.close()
            state.close()
            for app in apps.values():
                app.close()
        lite, pg = answers(None, args.answers, 1), answers(url, args.answers, 1)
        pg2, lite2 = answers(url, args.answers, 1), answers(None, args.answers, 1)  # the second pair, PG first
        print(f"| `/quiz answer A` through the app | {stats(lite + lite2)} | {stats(pg + pg2)} |")
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
