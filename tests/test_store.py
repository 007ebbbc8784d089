"""The SQLite index: built at first start, rebuilt idempotently, FTS input taken literally."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlite_utils

from bot import store
from bot.app import Clio
from bot.config import Settings
from bot.pack import PackInvalid
from tests.conftest import TEST_PACKS


def _snapshot(db: sqlite_utils.Database) -> dict[str, list]:
    tables = ["readings", "entities", "aliases", "related", "citations", "events", "questions", "entities_fts"]
    return {t: sorted(map(tuple, db.execute(f"select * from {t}").fetchall()), key=repr) for t in tables}


def test_first_start_builds_the_index_into_a_file(mini_app: Clio, mini_settings: Settings) -> None:
    assert mini_settings.db_path.exists()
    assert store.count(mini_app.db, "entities", "where type = 'person' and pack = 'mini'") == 4
    assert store.count(mini_app.db, "events", "where id not like 'mini-fr:%'") == 2  # every pack is indexed
    assert mini_app.db.journal_mode == "wal"


def test_rebuild_is_idempotent(mini_app: Clio) -> None:
    before = _snapshot(mini_app.db)
    assert mini_app.ensure_index() is False  # unchanged pack: nothing to do
    assert mini_app.ensure_index(force=True) is True
    assert _snapshot(mini_app.db) == before


def test_a_restart_reuses_the_index(mini_settings: Settings) -> None:
    Clio(mini_settings).close()  # closed as a stopped process is: on PostgreSQL its listener would outlive the test
    again = Clio(mini_settings)
    try:
        assert again.ensure_index() is False
        assert again.handle_text("/who kornilov").match.id == "kornilov"  # type: ignore[union-attr]
    finally:
        again.close()


def test_a_changed_pack_is_reindexed_and_a_broken_one_keeps_the_old_index(tmp_path: Path) -> None:
    pack = tmp_path / "packs" / "mini"
    shutil.copytree(TEST_PACKS / "mini", pack)
    settings = Settings(db_path=tmp_path / "c.db", content_dir=pack.parent, pack="mini")
    app = Clio(settings)
    try:
        events = pack / "events.yaml"
        events.write_text(events.read_text().replace("Treaty of Brest-Litovsk", "Peace of Brest-Litovsk"))
        assert app.ensure_index() is True
        assert app.handle_text("/when Peace of Brest-Litovsk").match.id == "treaty-1918"  # type: ignore[union-attr]
        events.write_text("events: [oops")
        with pytest.raises(PackInvalid):
            app.ensure_index()
        assert app.handle_text("/when Peace of Brest-Litovsk").ok
    finally:
        app.close()  # its worker threads and connections go with the test, as the restart test's do


def test_an_index_made_before_the_disambiguation_notes_gets_them_at_the_next_start(tmp_path: Path) -> None:
    """m012: a database from before it has no place for the packs' notes on namesakes; at the next start the
    column is added and the packs indexed again, so the cards and the linking rule have them."""
    pack = tmp_path / "packs" / "mini"
    shutil.copytree(TEST_PACKS / "mini", pack)
    people = pack / "people.yaml"
    people.write_text(people.read_text().replace(
        "    roles: [General]\n", "    roles: [General]\n    disambiguation: The general of 1917, not a sergeant.\n", 1))
    settings = Settings(db_path=tmp_path / "old.db", content_dir=pack.parent, pack="mini")
    app = Clio(settings)
    app.close()
    db = sqlite_utils.Database(settings.db_path)  # as the code before m012 left it
    db.execute("alter table entities drop column disambiguation")
    db.execute("delete from _sqlite_migrations where name = 'm012_entity_disambiguation'")
    db.conn.commit()
    db.close()
    again = Clio(settings)
    try:
        assert store.confusable(again.db) == {"kornilov"}
        card = again.handle_text("/who Kornilov")
        assert [f.value for f in card.fields if f.name == "Which one"] == ["The general of 1917, not a sergeant."]
    finally:
        again.close()


def test_a_reading_ingested_before_the_candidate_rules_loses_its_wrong_names_at_the_next_start(
        tmp_path: Path) -> None:
    """m013: the names a reading gave as people the pack lacks, under the rules before stop 36, are made anew at
    the next start ("the Assembly declared" made "Assembly" one)."""
    settings = Settings(db_path=tmp_path / "old.db", content_dir=TEST_PACKS, pack="mini")
    app = Clio(settings)
    reading = tmp_path / "assembly.txt"
    reading.write_text("The Assembly declared the tithe abolished, and the deputies cheered the vote. "
                       "Khabalov said that the Assembly would not last the winter.\n\n"
                       "Later the Assembly met again, and Khabalov was arrested by the crowd.", encoding="utf-8")
    app.ingest(reading)
    sid = app.readings.sources(None)[0]["id"]
    app.close()
    db = sqlite_utils.Database(settings.db_path)  # as the rules before stop 36 left it
    db["candidates"].insert({"source_id": sid, "key": "assembly", "name": "Assembly", "mentions": 3,
                             "example_loc": "para 1"})
    db.execute("delete from _sqlite_migrations where name = 'm013_relink_for_candidates'")
    db.conn.commit()
    db.close()
    again = Clio(settings)
    try:
        assert {r["name"] for r in again.readings.candidates(None)} == {"Khabalov"}
        assert "not in the pack yet" not in again.handle_text("/who Assembly").title
    finally:
        again.close()


@pytest.mark.parametrize("query", ['Lenin" OR', "soviet*", "NEAR(a b)", "title:council", "-council", '"', "(((", "AND"])
def test_fts_syntax_is_taken_literally(mini_app: Clio, query: str) -> None:
    reply = mini_app.handle_text(f"/search {query}")
    assert reply.kind in ("list", "not_found")
    assert "went wrong" not in reply.text()


def test_search_finds_words_in_summaries(mini_app: Clio) -> None:
    reply = mini_app.handle_text("/search delegates elected")
    assert reply.ok and "Soviet" in reply.body
