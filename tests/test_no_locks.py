"""Issue 19, items 2 and 3: writes that never lock (two Clio instances on one file), and costs that depend only
on the asker's library (hot queries read through indexes, scoped to the asker's sources; /search ranks every
match). No timing here: costs are counted in SQLite virtual-machine steps, which do not depend on the machine."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot import concurrency, store
from bot.app import Clio
from bot.config import Settings
from bot.events import Context
from bot.services import questions
from tests.records import Records

ROOT = Path(__file__).resolve().parents[1]
PACKS = Path(__file__).parent / "packs"

HOST = Context(workspace="w:1", channel="quiz-night", user_id="host", user_name="Host", is_admin=True)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """The mini pack with everything in the SQLite file, for the tests of that file itself (its locks, its
    staged writes, its query plans, its virtual machine): no `new_database_url`, so the PostgreSQL pass
    leaves them out."""
    return Settings(db_path=tmp_path / "clio.db", content_dir=PACKS, pack="mini")


@pytest.fixture
def sqlite_app(sqlite_settings: Settings) -> Iterator[Clio]:
    app = Clio(sqlite_settings)
    yield app
    app.close()


def watch_the_write(monkeypatch: pytest.MonkeyPatch, app: Clio, every: int, look: Callable[[int], None]) -> None:
    """Call `look(n)` after each `every` passages the readings repository takes while it stores a reading (on
    SQLite between its short transactions, on PostgreSQL inside its one transaction), and `look(-1)` once
    the write has returned."""
    repo = type(app.readings)  # ingest may make a repository object of its own, of the same class
    real_write = repo.write

    def write(self, source, passages, *rest, **options):  # type: ignore[no-untyped-def]
        def watched() -> Iterator[dict]:
            for n, passage in enumerate(passages, 1):
                yield passage
                if n % every == 0:
                    look(n)

        real_write(self, source, watched(), *rest, **options)
        look(-1)

    monkeypatch.setattr(repo, "write", write)


def write_reading(path: Path, paragraphs: int, tag: str = "") -> Path:
    """A reading in the mini pack's world: people, a dated event, a common word ("the")."""
    lines = []
    for i in range(paragraphs):
        if i % 3 == 0:
            lines.append(f"{tag}In 1917 General Kornilov ordered his Cossacks toward the capital, entry {i}, and the "
                         "railwaymen stopped the trains on 27 August 1917.")
        elif i % 3 == 1:
            lines.append(f"{tag}Alexander Kerensky turned to the soviets for help in the crisis of the summer, note {i}.")
        else:
            lines.append(f"{tag}The Storming of the Winter Palace came two months later, in 1917; the "
                         + "the " * (i % 7) + f"crowd waited, line {i}.")
    path.write_text("\n\n".join(lines), encoding="utf-8")
    return path


# --- writes that never lock ------------------------------------------------------------------------------


def test_a_quiz_start_that_reads_first_waits_for_another_instance_instead_of_failing(sqlite_settings: Settings) -> None:
    """The measured failure: create_quiz read inside a transaction, another process wrote, and the quiz failed
    with "database is locked" at once. Now the transaction holds the write lock from its start and the other
    writer waits for it: both succeed."""
    one = Clio(sqlite_settings)  # SQLite's write lock is the subject
    reading = threading.Event()
    done: dict[str, object] = {}

    def other_instance() -> None:
        db = store.open_db(sqlite_settings.db_path)  # another connection, as a second process has
        reading.wait(5)
        try:
            store.set_meta(db, "heartbeat:slack", "now")  # what the other service writes every 30 s
            done["ok"] = True
        except Exception as e:  # noqa: BLE001  (reported by the assertion below)
            done["error"] = repr(e)
        finally:
            db.close()

    t = threading.Thread(target=other_instance)
    t.start()
    with one.db.atomic():
        assert store.running_quiz(one.db, HOST.workspace, HOST.channel) is None  # a read opens the transaction
        reading.set()
        time.sleep(0.3)  # the other instance writes meanwhile (or waits for us)
        started = one.handle_text("/quiz start 2 10", HOST)
    t.join(20)
    assert started.ok and started.exit_code != 3, started.body
    assert done == {"ok": True}
    assert store.get_meta(one.db, "heartbeat:slack") == "now"
    assert store.running_quiz(one.db, HOST.workspace, HOST.channel) is not None


WORKER = r"""
import datetime as dt, json, logging, sys
from collections.abc import Callable, Iterator
from pathlib import Path
from bot import store
from bot.app import Clio
from bot.config import Settings
from bot.events import Context

db, me, packs, reading, rounds = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5])
problems = []

class Catch(logging.Handler):
    def emit(self, record):
        problems.append(record.getMessage() + (" " + repr(record.exc_info[1]) if record.exc_info else ""))

logging.getLogger("clio").addHandler(Catch(level=logging.ERROR))
app = Clio(Settings(db_path=db, content_dir=packs, pack="mini"))
won, now = 0, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
for i in range(rounds):
    host = Context(workspace=f"w:{me}", channel=f"c{i % 3}", user_id="host", user_name="Host", is_admin=True)
    member = Context(workspace=f"w:{me}", channel=f"c{i % 3}", user_id=f"m{i}", user_name="M")
    for ctx, text in ((host, "/quiz start 2 10"), (member, "/quiz answer A"), (host, "/quiz answer B"),
                      (member, "/quiz scores"), (host, "/quiz stop"), (host, "/schedule set 09:00 Europe/London"),
                      (member, "/search Kornilov"), (member, "/who Kornilov"), (member, "/privacy forget-me")):
        r = app.handle_text(text, ctx)
        if r.exit_code == 3:
            problems.append(f"{text}: {r.body}")
    # both processes race for the same daily posts: each must go to exactly one of them
    t = (now + dt.timedelta(minutes=i)).isoformat()
    if store.claim_post(app.db, "w:posts", "daily", f"2026-01-{i:03d}", t, "2000-01-01") is not None:
        won += 1
    if i == rounds // 3:
        try:
            app.ingest(reading)  # a shared reading of many batches, while the other process works
        except Exception as e:
            problems.append(repr(e))
print(json.dumps({"problems": problems, "won": won}))
"""


def test_two_instances_on_one_file_interleave_writes_without_a_lock_error(sqlite_settings: Settings,
                                                                           tmp_path: Path) -> None:
    Clio(sqlite_settings).db.close()  # the file exists, migrated, before both start (as the deployment does)
    rounds = 25
    procs = [subprocess.Popen(
        [sys.executable, "-c", WORKER, str(sqlite_settings.db_path), name, str(PACKS),
         str(write_reading(tmp_path / f"reading-{name}.txt", 1500, tag=f"{name} ")), str(rounds)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    outs = [p.communicate(timeout=600) for p in procs]
    results = []
    for (out, err), p in zip(outs, procs):
        assert p.returncode == 0, err[-2000:]
        assert "locked" not in err.lower()
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [r["problems"] for r in results] == [[], []]
    assert sum(r["won"] for r in results) == rounds  # every daily post claimed exactly once between them
    app = Clio(sqlite_settings)  # one SQLite file shared by two processes is the subject
    titles = {s["filename"] for s in store.sources(app.db, None)}
    assert titles == {"reading-a.txt", "reading-b.txt"}  # both ingests completed, each published whole
    assert store.count(app.db, "passages") == 2 * 1500


def test_a_reading_is_found_whole_or_not_at_all_while_it_is_written(mini_app: Clio, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A member searching while a reading is stored (in many short transactions on SQLite, in one on
    PostgreSQL) never sees half of it: none of it until it is all there."""
    monkeypatch.setattr(concurrency, "BATCH_BYTES", 3_000)
    monkeypatch.setattr(concurrency, "BATCH_ROWS", 50)
    other = Clio(mini_app.settings)  # another process on the same databases
    seen: list[tuple[int, int, int]] = []

    def look(n: int) -> None:
        hits = other.readings.search("Kerensky", "w:1", limit=1000)
        seen.append((n, len(hits), len(other.readings.sources("w:1"))))

    watch_the_write(monkeypatch, mini_app, 20, look)
    try:
        mini_app.ingest(write_reading(tmp_path / "long.txt", 300), workspace="w:1")
        assert len(seen) == 300 // 20 + 1
        assert {(hits, sources) for _, hits, sources in seen[:-1]} == {(0, 0)}  # nothing while it is written
        assert seen[-1] == (-1, 100, 1)  # all of it once written
        assert other.readings.search("Kerensky", "w:2") == []  # and never to another workspace
    finally:
        other.close()


def test_a_reading_is_written_to_the_file_in_many_short_transactions(sqlite_app: Clio, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite has one writer at a time: a long reading holds the write lock for short turns, never throughout."""
    monkeypatch.setattr(concurrency, "BATCH_BYTES", 3_000)
    monkeypatch.setattr(concurrency, "BATCH_ROWS", 50)
    transactions = []
    real_write = concurrency._write

    def counted(db, fn):  # type: ignore[no-untyped-def]
        transactions.append(1)
        real_write(db, fn)

    monkeypatch.setattr(concurrency, "_write", counted)
    sqlite_app.ingest(write_reading(tmp_path / "long.txt", 300), workspace="w:1")
    assert len(transactions) > 10


STORED = ("sources", "passages", "passage_entities", "passage_dates", "candidates")


def test_an_ingest_that_fails_midway_leaves_nothing_behind(mini_app: Clio, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(concurrency, "BATCH_BYTES", 3_000)  # on SQLite, several batches are written before

    def fail(n: int) -> None:
        if n == 120:
            raise OSError("disk full")

    watch_the_write(monkeypatch, mini_app, 20, fail)
    with pytest.raises(OSError, match="disk full"):
        mini_app.ingest(write_reading(tmp_path / "long.txt", 300), workspace="w:1")
    records = Records(mini_app)
    assert {table: records.count(table) for table in STORED} == dict.fromkeys(STORED, 0)
    assert mini_app.readings.search("railwaymen", "w:1") == []


def test_an_ingest_whose_sqlite_write_fails_midway_leaves_nothing_behind(sqlite_app: Clio, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """One of SQLite's short write transactions failing (the disk full) takes back the ones before it."""
    monkeypatch.setattr(concurrency, "BATCH_BYTES", 3_000)
    calls = []
    real_write = concurrency._write

    def failing(db, fn):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 6:
            raise OSError("disk full")
        real_write(db, fn)

    monkeypatch.setattr(concurrency, "_write", failing)
    with pytest.raises(OSError):
        sqlite_app.ingest(write_reading(tmp_path / "long.txt", 300), workspace="w:1")
    monkeypatch.setattr(concurrency, "_write", real_write)
    for table in STORED:
        assert store.count(sqlite_app.db, table) == 0, table
    assert store.search_passages(sqlite_app.db, "railwaymen", "w:1").rows == []


def test_forgetting_a_large_reading_removes_it_at_once_for_members(mini_app: Clio, tmp_path: Path) -> None:
    mini_app.ingest(write_reading(tmp_path / "long.txt", 600), workspace="w:1")
    assert "long" in mini_app.handle_text("/search railwaymen", HOST).text()
    assert mini_app.handle_text("/forget long.txt", HOST).ok
    assert mini_app.readings.search("railwaymen", "w:1") == []
    assert "long" not in mini_app.handle_text("/search railwaymen", HOST).text()
    records = Records(mini_app)
    assert {table: records.count(table) for table in STORED} == dict.fromkeys(STORED, 0)


# --- costs that depend only on the asker's library -------------------------------------------------------

HOT = ["/quiz start 3 10", "/quiz stop", "/search the", "/search Kornilov", "/who Kornilov", "/when Winter Palace",
       "/onthisday 27 Aug", "/compare Kerensky"]
UNSCOPED = ("SCAN passages", "SCAN p ", "SCAN p", "SCAN pe", "SCAN pd", "SCAN passage_entities", "SCAN passage_dates",
            "idx_passage_entities_entity_id")


def traced(app: Clio, texts: list[str], ctx: Context) -> list[str]:
    seen: list[str] = []
    app.db.conn.set_trace_callback(seen.append)
    try:
        for text in texts:
            assert app.handle_text(text, ctx).exit_code != 3, text
    finally:
        app.db.conn.set_trace_callback(None)
    return [s for s in seen if any(t in s for t in ("passages", "passage_entities", "passage_dates"))
            and s.lstrip().lower().startswith(("select", "with"))]


def test_hot_queries_read_through_indexes_from_the_askers_sources(sqlite_app: Clio, tmp_path: Path) -> None:
    """SQLite's query plans (PostgreSQL's search index leads with the workspace: bot/pg_state.py)."""
    questions._GENERATED.clear()
    sqlite_app.ingest(write_reading(tmp_path / "own.txt", 60), workspace="w:1")
    sqlite_app.ingest(write_reading(tmp_path / "other.txt", 60), workspace="w:2")
    statements = traced(sqlite_app, HOT, HOST)
    assert len(statements) >= 6
    for sql in statements:
        plan = concurrency.query_plan(sqlite_app.db, sql)
        steps = [p for p in plan if any(p.startswith(u) or u in p for u in UNSCOPED)]
        assert not [p for p in steps if p.split(" USING")[0] in ("SCAN passages", "SCAN p", "SCAN pe", "SCAN pd",
                                                                 "SCAN passage_entities", "SCAN passage_dates")
                    or "idx_passage_entities_entity_id" in p], (sql, plan)


def vm_steps(app: Clio, texts: list[str], ctx: Context) -> int:
    """SQLite virtual-machine steps (in thousands) the commands take: work done, independent of the machine."""
    questions._GENERATED.clear()  # count question generation too, not a cached result
    n = [0]

    def tick() -> int:
        n[0] += 1
        return 0

    app.db.conn.set_progress_handler(tick, 1000)
    try:
        for text in texts:
            assert app.handle_text(text, ctx).exit_code != 3, text
    finally:
        app.db.conn.set_progress_handler(None, 0)
    return n[0]


def test_another_workspaces_library_does_not_make_the_askers_commands_cost_more(sqlite_app: Clio,
                                                                                tmp_path: Path) -> None:
    """Counted in SQLite's virtual-machine steps, which only a file's queries take."""
    sqlite_app.ingest(write_reading(tmp_path / "own.txt", 150), workspace="w:1")
    before = vm_steps(sqlite_app, HOT, HOST)
    sqlite_app.ingest(write_reading(tmp_path / "big.txt", 6000, tag="Other "), workspace="w:2")  # 40x the asker's
    after = vm_steps(sqlite_app, HOT, Context(**{**HOST.__dict__, "channel": "another-channel"}))
    assert after <= before * 1.25 + 50, (before, after)


def brute_force_best(app: Clio, word: str, workspace: str, limit: int = 10) -> list[str]:
    """Every match in the whole table, ranked as documented (bm25 over SQLite's FTS5, ts_rank over
    PostgreSQL's tsvector; the newest first among equals) and kept if the workspace sees it: the ranking
    computed the slow way."""
    visible = {r["id"] for r in app.readings.sources(workspace)}
    if app.settings.database_url:
        import psycopg

        with psycopg.connect(app.settings.database_url) as conn:
            rows = conn.execute("select p.rid, -ts_rank(p.tsv, q, 1), p.id, p.source_id from passages p, "
                                "plainto_tsquery('clio', %s) q where p.tsv @@ q", [word]).fetchall()
    else:
        rows = app.db.execute("select f.rowid, f.rank, p.id, p.source_id from passages_fts f join passages p "
                              "on p.rowid = f.rowid where passages_fts match ?", [store.fts_query(word)]).fetchall()
    ranked = sorted((rank, -rowid, pid) for rowid, rank, pid, sid in rows if sid in visible)
    return [pid for _, _, pid in ranked[:limit]]


def write_interleaved(app: Clio, sources: list[dict], passages: list[dict]) -> None:
    """Readings written in one transaction, their passages in the order given, where the deployment keeps
    readings (as two ingests at once may leave them)."""
    if not app.settings.database_url:
        with app.db.atomic():
            app.db["sources"].insert_all(sources, pk="id")
            app.db["passages"].insert_all(passages, pk="id")
        return
    import psycopg

    with psycopg.connect(app.settings.database_url) as conn, conn.transaction(), conn.cursor() as cur:
        for table, rows in (("sources", sources), ("passages", passages)):
            cols = list(rows[0])
            cur.executemany(f"insert into {table} ({', '.join(cols)}) values ({', '.join(['%s'] * len(cols))})",
                            [[r[c] for c in cols] for r in rows])


def test_a_common_word_returns_the_true_best_passages(mini_app: Clio, tmp_path: Path) -> None:
    mini_app.ingest(write_reading(tmp_path / "shared.txt", 700), workspace=store.SHARED)
    mini_app.ingest(write_reading(tmp_path / "own.txt", 1400, tag="the the the "), workspace="w:1")
    # another workspace's reading written in the same transaction as one of the asker's, so the two readings'
    # passages interleave by rowid: the ranking must still leave the other's out and rank all of the asker's
    pair = (("mine2", "w:1"), ("theirs", "w:2"))
    write_interleaved(
        mini_app,
        [{"id": sid, "workspace": ws, "title": sid, "author": "x", "filename": f"{sid}.txt", "kind": "text",
          "bytes": 1, "sha256": sid, "calendar": "gregorian", "added_at": "2026-01-01", "passages": 400}
         for sid, ws in pair],
        [{"id": f"{sid}:{i}", "source_id": sid, "workspace": ws, "seq": i, "para": i, "section": None,
          "loc": f"para {i}", "text": "the " * (1 + i % 5) + "queue " * (i % 3) + f"word{i}", "prose": 1}
         for i in range(400) for sid, ws in pair])
    assert Records(mini_app).count("passages") > store.SEARCH_RANK_CAP  # more matches than the old cap ranked
    for word in ("the", "the queue", "Kornilov", "1917"):
        for ws in ("w:1", "w:2", "w:3"):
            got = [r["id"] for r in mini_app.readings.search(word, ws)]
            assert got == brute_force_best(mini_app, word, ws), (word, ws)
    reply = mini_app.handle_text("/search the", HOST)
    assert "Add a word" not in reply.body
    best = brute_force_best(mini_app, "the", "w:1", 5)
    titles = {s["id"]: s["title"] for s in mini_app.readings.sources(None)}
    assert [c.title for c in reply.citations[-5:]] == [titles[p.rsplit(":", 1)[0]] for p in best]


def test_generated_questions_follow_the_library_they_came_from(mini_app: Clio, tmp_path: Path) -> None:
    """Questions are kept between quiz starts, but a reading added, retitled or forgotten changes them at once."""
    ctx = Context(workspace="w:1", channel="c", user_id="host", is_admin=True)
    assert not questions.generated(mini_app.db, mini_app.lookup.matcher, "w:1", readings=mini_app.readings)
    f = write_reading(tmp_path / "notes.txt", 12)
    mini_app.ingest(f, workspace="w:1", title="Notes")
    first = questions.generated(mini_app.db, mini_app.lookup.matcher, "w:1", readings=mini_app.readings)
    assert first and all("Notes" in q["question"] for q in first if q["id"].startswith("gen-who-"))
    mini_app.ingest(f, workspace="w:1", title="Field notes")  # the same file retitled
    assert all("Field notes" in q["question"] for q in questions.generated(
        mini_app.db, mini_app.lookup.matcher, "w:1", readings=mini_app.readings) if q["id"].startswith("gen-who-"))
    mini_app.ingest(write_reading(tmp_path / "other.txt", 12), workspace="w:2")  # another group's: no change
    assert questions.generated(mini_app.db, mini_app.lookup.matcher, "w:1", readings=mini_app.readings) != []
    assert mini_app.handle_text("/forget notes.txt", ctx).ok
    assert questions.generated(mini_app.db, mini_app.lookup.matcher, "w:1", readings=mini_app.readings) == []
