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
from tests.conftest import TEST_PACKS, settings_here


def copy_pack(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(TEST_PACKS / "mini", content / "mini")
    return content


@pytest.fixture
def process(new_database_url):  # noqa: ANN001, ANN201
    """`process(settings)`: a Clio as another process on the same databases would be; closed at the end."""
    made: list[Clio] = []

    def start(settings: Settings) -> Clio:
        made.append(Clio(settings))
        return made[-1]

    yield start
    for app in made:
        app.close()


def test_a_second_process_answers_from_the_stored_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       new_database_url, process) -> None:  # noqa: ANN001
    settings = settings_here(new_database_url, tmp_path / "clio.db", content_dir=copy_pack(tmp_path), pack="mini")
    built = process(settings)  # the first process builds the keys and stores them
    first, alexander = built.handle_text("/who kornilof"), built.handle_text("/who Alexander")
    assert first.ok and "Lavr Kornilov" in first.title

    def never(*_: object) -> None:
        raise AssertionError("the matcher was rebuilt though the index had not changed")

    monkeypatch.setattr(Lookup, "_build_matcher", staticmethod(never))
    again = process(settings)
    assert again.handle_text("/who kornilof").text() == first.text()
    assert again.handle_text("/who Alexander").text() == alexander.text()  # the same choices, in the same order


def test_a_changed_pack_or_reading_rebuilds_the_keys(tmp_path: Path, new_database_url, process) -> None:  # noqa: ANN001
    content = copy_pack(tmp_path)
    settings = settings_here(new_database_url, tmp_path / "clio.db", content_dir=content, pack="mini")
    assert not process(settings).handle_text("/who Verkhovny").ok  # no one is called that yet
    people = content / "mini" / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8").replace(
        "aliases: [General Kornilov, Корнилов]", "aliases: [General Kornilov, Корнилов, Verkhovny]"), encoding="utf-8")
    reply = process(settings).handle_text("/who Verkhovny")
    assert reply.ok and "Lavr Kornilov" in reply.title
    # a new reading leaves the keys as they were (they are made from the packs' names alone, and the readings
    # may be kept in PostgreSQL): the next process reads them, and still answers a name only the reading gives
    app = process(settings)
    reading = tmp_path / "notes.txt"
    reading.write_text("In August 1917 Lavr Kornilov sent Colonel Zyblikov towards Petrograd. " * 3, encoding="utf-8")
    app.ingest(reading)
    built: list[int] = []
    original = Lookup._build_matcher

    def counted(db, packs=None):  # type: ignore[no-untyped-def]
        built.append(1)
        return original(db, packs)

    Lookup._build_matcher = staticmethod(counted)  # type: ignore[method-assign]
    try:
        later = process(settings)
        assert later.handle_text("/who Verkhovny").ok
        unknown = later.handle_text("/who Zyblikov")
    finally:
        Lookup._build_matcher = staticmethod(original)  # type: ignore[method-assign]
    assert built == []
    assert "Zyblikov" in unknown.text() and "notes" in unknown.text() and "No one" not in unknown.text(), unknown.text()
