"""What `clio migrate-db` costs (issue 23): a SQLite deployment with a year of quiz nights and a library moved
into an empty PostgreSQL database, timed end to end (bot/storage/migrate.py `migrate`: the schema made, every
table copied with COPY in one transaction, the id sequences moved on).

The deployment is made directly in the SQLite tables (what the services write, without playing them):
`--quizzes` finished quizzes of 10 questions in `--workspaces` groups, each question answered by `--members`
members (each with a review card per question), an appeal on every tenth quiz, a daily post and a quiz night
per group with a year of claims, and `--readings` readings of `--passages` passages of about 600 characters,
each passage linked to two pack entries and every fifth dated.

Run:  .venv/bin/python bench/migrate_db.py --pg throwaway [--quizzes 500] [--members 20] [--workspaces 10]
                                          [--readings 20] [--passages 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import store  # noqa: E402
from bot.storage.migrate import migrate  # noqa: E402

QUESTIONS = 10


def populate(path: Path, quizzes: int, members: int, workspaces: int, readings: int, passages: int) -> None:
    db = store.open_db(path)
    start = dt.datetime(2025, 11, 1, 19, 0, tzinfo=dt.UTC)
    ref = json.dumps({"platform": "discord", "workspace": "discord:0", "channel": "quiz"})
    with db.atomic():
        for w in range(workspaces):
            ws = f"discord:{w}"
            db.execute("insert into subscriptions (workspace, channel, ref, post_time, timezone, active, created_by, "
                       "updated_at) values (?, 'history', ?, '09:00', 'Europe/London', 1, 'boss', ?)",
                       [ws, ref, start.isoformat()])
            db.execute("insert into quiz_schedules (workspace, channel, ref, weekday, start_time, timezone, args, "
                       "active, updated_at) values (?, 'quiz', ?, 4, '19:30', 'Europe/London', '10 20', 1, ?)",
                       [ws, ref, start.isoformat()])
            db.conn.executemany(
                "insert into post_claims (workspace, channel, local_date, status, claimed_at, attempts, event_id, "
                "sent_at) values (?, 'history', ?, 'sent', ?, 1, 'storming', ?)",
                [(ws, (start + dt.timedelta(days=d)).date().isoformat(), start.isoformat(), start.isoformat())
                 for d in range(365)])
        for q in range(1, quizzes + 1):
            ws, at = f"discord:{q % workspaces}", (start + dt.timedelta(days=q)).isoformat()
            db.execute("insert into quizzes (id, workspace, channel, ref, status, mode, seconds, total, current, "
                       "deadline, started_by, started_at, ended_at) values (?, ?, 'quiz', ?, 'finished', 'choice', "
                       "20, ?, ?, ?, 'host', ?, ?)", [q, ws, ref, QUESTIONS, QUESTIONS - 1, at, at, at])
            db.conn.executemany(
                "insert into quiz_questions (quiz_id, idx, qid, question, answer, options, accept, explanation, "
                "sources, winner, opened_at, closed) values (?, ?, ?, 'Who led the government?', 'Kerensky', ?, "
                "'[]', 'He did.', ?, null, ?, 1)",
                [(q, i, f"q{i}", json.dumps(["Kerensky", "Lvov", "Kornilov", "Lenin"]),
                  json.dumps([{"reading": "figes", "para": 80}]), at) for i in range(QUESTIONS)])
            db.conn.executemany(
                "insert into quiz_answers (quiz_id, idx, workspace, user_id, user_name, answer, correct, points, "
                "answered_at) values (?, ?, ?, ?, ?, 'Kerensky', ?, ?, ?)",
                [(q, i, ws, f"m{m}", f"Member {m}", m % 2, 100 * (m % 2), at)
                 for i in range(QUESTIONS) for m in range(members)])
            if q <= 10:  # each member's cards: one per question of the first quizzes
                db.conn.executemany(
                    "insert or replace into review_cards (workspace, user_id, qid, card, due, question) "
                    "values (?, ?, ?, '{}', ?, '{}')", [(ws, f"m{m}", f"q{i}", at) for i in range(QUESTIONS)
                                                         for m in range(members)])
            if q % 10 == 0:
                db.execute("insert into quiz_appeals (workspace, quiz_id, idx, qid, user_id, claim, reason, status, "
                           "created_at) values (?, ?, 0, 'q0', 'm0', 'Lvov', 'see Figes', 'open', ?)", [ws, q, at])
        text = ("In 1917 General Kornilov ordered his Cossacks toward the capital and the railwaymen stopped the "
                "trains; Kerensky turned to the soviets for help, and the crisis of the summer ended in October. ") * 3
        for r in range(readings):
            ws, sid = (store.SHARED if r % 4 == 0 else f"discord:{r % workspaces}"), f"reading-{r}"
            db.execute("insert into sources (id, workspace, title, author, filename, kind, bytes, sha256, calendar, "
                       "added_at, passages) values (?, ?, ?, 'A. Reader', ?, 'txt', ?, ?, 'gregorian', ?, ?)",
                       [sid, ws, f"Reading {r}", f"r{r}.txt", passages * len(text), f"sha{r}", start.isoformat(),
                        passages])
            db.conn.executemany(
                "insert into passages (id, source_id, workspace, seq, para, section, loc, text, prose) "
                "values (?, ?, ?, ?, ?, '', ?, ?, 1)",
                [(f"{sid}:{i}", sid, ws, i, i + 1, f"para {i + 1}", text) for i in range(passages)])
            db.conn.executemany(
                "insert into passage_entities (passage_id, entity_id, source_id, mentions) values (?, ?, ?, 1)",
                [(f"{sid}:{i}", e, sid) for i in range(passages) for e in ("kornilov", "kerensky")])
            db.conn.executemany(
                "insert into passage_dates (passage_id, source_id, phrase, date, calendar, os_month, os_day, "
                "ns_month, ns_day, sort_key) values (?, ?, '27 August 1917', '1917-08-27', 'gregorian', 8, 14, "
                "8, 27, '1917-08-27')", [(f"{sid}:{i}", sid) for i in range(0, passages, 5)])
    db.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quizzes", type=int, default=500)
    ap.add_argument("--members", type=int, default=20)
    ap.add_argument("--workspaces", type=int, default=10)
    ap.add_argument("--readings", type=int, default=20)
    ap.add_argument("--passages", type=int, default=1000)
    ap.add_argument("--pg", metavar="URL", required=True, help="an empty postgresql:// database, or 'throwaway'")
    args = ap.parse_args()
    cluster, url = None, args.pg
    if url == "throwaway":
        from tests.pg import Cluster

        cluster = Cluster.start()
        url = cluster.new_database()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "clio.db"
            populate(path, args.quizzes, args.members, args.workspaces, args.readings, args.passages)
            size = path.stat().st_size + sum(p.stat().st_size for p in Path(tmp).glob("clio.db-*"))
            began = time.perf_counter()
            counts = migrate(path, url)
            took = time.perf_counter() - began
        rows = sum(counts.values())
        print("| table | rows |\n| --- | --- |")
        for name, n in counts.items():
            print(f"| {name} | {n:,} |")
        print(f"\n{rows:,} rows ({size / 1e6:.1f} MB of SQLite) moved in {took:.2f} s: {rows / took:,.0f} rows/s")
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
