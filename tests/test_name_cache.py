"""The matcher's keys are stored with the index (bot.name_cache): a second process on the same database answers
from them without normalising every name again, and a changed pack or reading list makes it build them afresh,
so a new alias is found at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app import Clio
from bot.config import Settings
from bot.services.lookup import Lookup
from tests.conftest import TEST_PACKS


def copy_pack(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(TEST_PACKS / "mini", content / "mini")
    return content


def test_a_second_process_answers_from_the_stored_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(db_path=tmp_path / "clio.db", content_dir=copy_pack(tmp_path), pack="mini")
    built = Clio(settings)  # the first process builds the keys and stores them
    first, alexander = built.handle_text("/who kornilof"), built.handle_text("/who Alexander")
    assert first.ok and "Lavr Kornilov" in first.title

    def never(*_: object) -> None:
        raise AssertionError("the matcher was rebuilt though the index had not changed")

    monkeypatch.setattr(Lookup, "_build_matcher", staticmethod(never))
    again = Clio(settings)
    assert again.handle_text("/who kornilof").text() == first.text()
    assert again.handle_text("/who Alexander").text() == alexander.text()  # the same choices, in the same order


def test_a_changed_pack_or_reading_rebuilds_the_keys(tmp_path: Path) -> None:
    content = copy_pack(tmp_path)
    settings = Settings(db_path=tmp_path / "clio.db", content_dir=content, pack="mini")
    assert not Clio(settings).handle_text("/who Verkhovny").ok  # no one is called that yet
    people = content / "mini" / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8").replace(
        "aliases: [General Kornilov, Корнилов]", "aliases: [General Kornilov, Корнилов, Verkhovny]"), encoding="utf-8")
    reply = Clio(settings).handle_text("/who Verkhovny")
    assert reply.ok and "Lavr Kornilov" in reply.title
    # a new reading changes the signature too: the next process builds the keys again, and answers the same
    app = Clio(settings)
    reading = tmp_path / "notes.txt"
    reading.write_text("In August 1917 Lavr Kornilov sent troops towards Petrograd. " * 3, encoding="utf-8")
    app.ingest(reading)
    built: list[int] = []
    original = Lookup._build_matcher

    def counted(db, packs=None):  # type: ignore[no-untyped-def]
        built.append(1)
        return original(db, packs)

    Lookup._build_matcher = staticmethod(counted)  # type: ignore[method-assign]
    try:
        assert Clio(settings).handle_text("/who Verkhovny").ok
    finally:
        Lookup._build_matcher = staticmethod(original)  # type: ignore[method-assign]
    assert built == [1]
