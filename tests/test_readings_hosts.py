"""Readings shared by every process of a deployment (issue 23): with CLIO_DATABASE_URL, a reading ingested by
one host is searched, quoted, dated, quizzed and forgotten by another host that has its own SQLite file (its
pack index); on SQLite alone the same holds for two processes on one file. Every test runs on both."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot import store
from bot.app import Clio
from bot.config import Settings
from bot.events import Context
from tests.test_no_locks import write_reading

GROUP = Context(workspace="w:1", channel="c", user_id="admin", user_name="Admin", is_admin=True)
OTHER = Context(workspace="w:2", channel="c", user_id="x", user_name="X", is_admin=True)


@pytest.fixture
def hosts(settings_on_both: Settings, tmp_path: Path):  # noqa: ANN201
    """Two apps: on PostgreSQL each with a SQLite file of its own (two hosts); on SQLite one file (one host)."""
    a = Clio(settings_on_both)
    b_path = tmp_path / "host-b.db" if settings_on_both.database_url else settings_on_both.db_path
    b = Clio(dataclasses.replace(settings_on_both, db_path=b_path))
    yield a, b
    b.close()
    a.close()


def test_a_reading_ingested_on_one_host_answers_on_the_other(hosts, tmp_path: Path) -> None:  # noqa: ANN001
    a, b = hosts
    a.ingest(write_reading(tmp_path / "notes.txt", 30), workspace="w:1", title="Field notes", author="A. Reader")
    found = b.handle_text("/search railwaymen", GROUP)
    assert found.ok and any(c.title == "Field notes" for c in found.citations), found.text()
    assert not b.handle_text("/search railwaymen", OTHER).ok  # another group never sees it
    who = b.handle_text("/who Kornilov", GROUP)
    assert any("Field notes" in c.title for c in who.citations), who.text()  # what the group's reading says
    dated = tmp_path / "congress.txt"
    dated.write_text("The congress opened late on 25 October 1917 while the palace was still held.", encoding="utf-8")
    a.ingest(dated, workspace="w:1", title="Congress Notes", author="A. Reader", calendar="julian-until-1918")
    day = b.handle_text("/onthisday 7 Nov", GROUP)
    assert any("A. Reader, Congress Notes" in f.name for f in day.fields), day.text()  # its dated passage
    assert "Congress Notes" not in b.handle_text("/onthisday 7 Nov", OTHER).text()
    assert "Field notes" in b.handle_text("/sources", GROUP).text()
    bank = b.question_bank(b.db, "w:1", None)
    assert any(q["id"].startswith("gen-") and "Field notes" in q["question"] for q in bank)


def test_forgetting_on_one_host_removes_the_reading_everywhere(hosts, tmp_path: Path) -> None:  # noqa: ANN001
    a, b = hosts
    a.ingest(write_reading(tmp_path / "notes.txt", 12), workspace="w:1")
    assert b.handle_text("/forget notes.txt", GROUP).ok
    assert not a.handle_text("/search railwaymen", GROUP).ok
    assert a.readings.sources("w:1") == []


def test_a_deleted_workspace_loses_its_readings_on_every_host(hosts, tmp_path: Path) -> None:  # noqa: ANN001
    a, b = hosts
    a.ingest(write_reading(tmp_path / "mine.txt", 12), workspace="w:1")
    a.ingest(write_reading(tmp_path / "shared.txt", 12, tag="Shared "), workspace=store.SHARED)
    store.delete_workspace(b.db, "w:1")
    assert [s["workspace"] for s in a.readings.sources("w:1")] == [store.SHARED]
    assert b.readings.usage("w:1") == (0, 0)


def test_an_upload_over_the_limit_is_refused_on_any_host(hosts, tmp_path: Path) -> None:  # noqa: ANN001
    import asyncio

    a, b = hosts
    for app in (a, b):
        object.__setattr__(app.settings, "max_workspace_readings", 1)
    first = asyncio.run(a.ingest_upload(GROUP, "one.txt", write_reading(tmp_path / "one.txt", 6).read_bytes()))
    assert first.ok, first.text()
    second = asyncio.run(b.ingest_upload(GROUP, "two.txt", write_reading(tmp_path / "two.txt", 6, tag="Two ").read_bytes()))
    assert not second.ok and "limit" in second.text(), second.text()
    assert [s["filename"] for s in b.readings.sources("w:1")] == ["one.txt"]


def test_a_groups_own_questions_and_its_removal_are_the_same_on_every_host(hosts, tmp_path: Path) -> None:  # noqa: ANN001
    import datetime as dt

    from tests.test_own_questions import ADD

    a, b = hosts
    added = a.handle_text(ADD, GROUP)
    assert added.ok, added.text()
    listed = b.handle_text("/quiz questions", GROUP)
    assert "Petrograd Soviet" in listed.text() and "Petrograd Soviet" not in b.handle_text("/quiz questions", OTHER).text()
    started = b.handle_text("/quiz start mine 1", GROUP)
    assert started.ok and "Petrograd Soviet" in started.text(), started.text()
    b.handle_text("/quiz stop", GROUP)
    number = added.title.split()[1]
    assert b.handle_text(f"/quiz remove {number}", GROUP).ok
    assert "Petrograd Soviet" not in a.handle_text("/quiz questions", GROUP).text()

    a.ingest(write_reading(tmp_path / "mine.txt", 6), workspace="w:1")
    left = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    a.workspaces.removed("w:1", left)  # the bot left the group, seen by host A
    assert b.workspaces.purge_due(left + dt.timedelta(days=1)) == []  # within the grace period
    assert b.workspaces.purge_due(left + dt.timedelta(days=31)) == ["w:1"]  # host B carries it out
    assert a.readings.sources("w:1") == []


def test_a_groups_pack_choice_holds_on_every_host(hosts) -> None:  # noqa: ANN001
    a, b = hosts
    assert a.handle_text("/pack use mini-fr", GROUP).ok
    assert "This group reads mini-fr" in b.handle_text("/pack list", GROUP).text()
    assert b.packs_of("w:1") == ("mini-fr",) and b.packs_of("w:2") == a.packs_of("w:2") != ("mini-fr",)
    assert b.handle_text("/pack use default", GROUP).ok
    assert a.packs_of("w:1") == a.packs_of("w:2")


def test_the_operator_deleting_a_workspace_is_told_what_went(hosts, tmp_path: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    from adapters.cli import main

    a, _ = hosts
    a.ingest(write_reading(tmp_path / "mine.txt", 6), workspace="w:1")
    a.ingest(write_reading(tmp_path / "more.txt", 6, tag="More "), workspace="w:1")
    s = a.settings
    for name, value in (("CLIO_DB", str(s.db_path)), ("CLIO_CONTENT", str(s.content_dir)), ("CLIO_PACK", s.pack),
                        ("CLIO_DATABASE_URL", s.database_url or "")):
        monkeypatch.setenv(name, value)
    assert main(["workspace", "delete", "w:1"]) == 0
    assert "deleted workspace w:1: 2 readings" in capsys.readouterr().out  # wherever they were kept
    assert a.readings.sources("w:1") == []
