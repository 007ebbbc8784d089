"""The bundled Russian Revolution pack: it loads without a problem, is big enough, and every entry answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot import store
from bot.app import Clio
from bot.config import PROJECT_CONTENT
from bot.pack import load_pack

ROOT = Path(__file__).resolve().parents[1]
PACK = PROJECT_CONTENT / "russian-revolution"


def test_pack_validates_and_meets_the_minimum_size() -> None:
    pack = load_pack(PACK)
    assert len(pack.people) >= 60
    assert len(pack.terms) >= 60
    assert len(pack.events) >= 80
    assert len(pack.questions) >= 100
    assert sum(e.when.precise for e in pack.events) >= 60  # most events can be found on their day


def test_questions_cover_every_period() -> None:
    periods = Counter(q.period for q in load_pack(PACK).questions)
    assert set(periods) == {"1891-1916", "1917", "1918-1928", "1929-1953", "1954-1991"}
    assert min(periods.values()) >= 10


def test_domestic_dates_before_the_switch_are_old_style() -> None:
    """Russia's own events before 14 Feb 1918 N.S. are given Old Style, as the readings give them."""
    pack = load_pack(PACK)
    by_id = {e.id: e for e in pack.events}
    winter = [e for e in pack.events if "winter palace" in (e.name + " ".join(e.aliases)).lower()]
    assert winter and all(e.calendar == "julian" and e.date == "1917-10-25" for e in winter)
    assert not [e.id for e in pack.events if e.calendar == "julian" and not e.when.in_julian_era()]
    assert by_id  # the pack has events at all


def test_every_entry_answers_with_its_readings(pack_app: Clio) -> None:
    command = {"person": "who", "term": "what", "event": "when"}
    for row in store.all_names(pack_app.db, ["russian-revolution"]):
        reply = pack_app.lookup.card(row.id)
        assert reply.ok and reply.citations, row.id
        assert reply.text().count("Sources:") == 1
        # and each is reachable by its own name (exactly, or among choices when names are shared)
        by_name = pack_app.handle_text(f"/{command[row.type]} {row.name}")
        found = {by_name.match.id} if by_name.match else {s.id for s in by_name.suggestions}
        assert row.id in found, (row.id, by_name.text())


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database for the command's runs: the first indexes the pack (a first run), the others find it."""
    return tmp_path_factory.mktemp("cli") / "c.db"


@pytest.mark.parametrize(
    ("query", "person"),
    [("/who kornilof", "kornilov"), ("/who Trotskii", "trotsky"), ("/who Троцкий", "trotsky"),
     ("/who general kornilov", "kornilov"), ("/who Napoleon Bonaparte", None)],
)
def test_done_when_queries_through_the_real_command(cli_db: Path, query: str, person: str | None) -> None:
    env = {**os.environ, "CLIO_DB": str(cli_db)}
    env.pop("CLIO_CONTENT", None)
    env.pop("CLIO_PACK", None)
    out = subprocess.run([sys.executable, "-m", "adapters.cli", "ask", "--json", query], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=120)
    reply = json.loads(out.stdout)
    if person is None:
        assert reply["match"] is None and out.returncode == 1
    else:
        assert out.returncode == 0 and reply["match"]["id"] == person and reply["match"]["type"] == "person"


@pytest.mark.parametrize(("day", "event", "label"), [
    ("11-07", "Storming of the Winter Palace", "25 Oct 1917 O.S. / 7 Nov 1917 N.S."),
    ("10-25", "Storming of the Winter Palace", "25 Oct 1917 O.S. / 7 Nov 1917 N.S."),
    ("01-22", "Bloody Sunday", "9 Jan 1905 O.S. / 22 Jan 1905 N.S."),
    ("01-09", "Bloody Sunday", "9 Jan 1905 O.S. / 22 Jan 1905 N.S."),
])
def test_on_this_day_finds_both_anniversaries(pack_app: Clio, day: str, event: str, label: str) -> None:
    reply = pack_app.handle_text(f"/onthisday {day}")
    assert any(event in f.name and label in f.value for f in reply.fields), reply.text()


@pytest.mark.parametrize("pack_dir", sorted(p.parent for p in PROJECT_CONTENT.glob("*/pack.yaml")), ids=lambda p: p.name)
def test_a_second_readers_review_covers_every_entry_and_question(pack_dir: Path) -> None:
    """content/<pack>/review/*.yaml, for every bundled pack: one record per entry and question (what was
    checked, against what, what changed), kept by a reader who did not write it."""
    import yaml

    pack = load_pack(pack_dir)
    records: dict[str, dict] = {}
    for path in sorted((pack_dir / "review").glob("*.yaml")):
        for r in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            assert r["id"] not in records, f"two records for {r['id']}"
            records[r["id"]] = r
    ids = {e.id for e in pack.entries()} | {q.id for q in pack.questions}
    assert sorted(ids - records.keys()) == []
    assert sorted(records.keys() - ids) == []  # no record of an entry that is gone
    for r in records.values():
        assert r["checked"] and r["against"], r["id"]
        assert r["result"] in {"ok", "fixed", "attributed", "rewritten"}, r["id"]
        assert r["result"] == "ok" or r["changed"], f"{r['id']}: {r['result']} but nothing said about what changed"
