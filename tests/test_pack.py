"""Pack validation: every problem reported at once, each with file and line; never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.pack import PackInvalid, load_pack
from tests.conftest import TEST_PACKS


@pytest.fixture
def broken_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "broken"
    shutil.copytree(TEST_PACKS / "mini", pack)
    (pack / "people.yaml").write_text(
        """people:
  - id: kornilov
    name: Lavr Kornilov
    born: "1870-02-30"
    summary: >
      A general whom the Provisional Government first promoted and then called a traitor.
    aliases: [Корнилов]
    related: [nobody-at-all]
    sources: [{reading: no-such-reading}]
  - id: kerensky
    name: Alexander Kerensky
    summary: too short
    sources: []
    nickname: Sasha
  - id: kornilov
    name: Another Kornilov
    summary: >
      A second entry that reuses an id, which the index could not tell apart from the first.
    aliases: [Корнилов]
    sources: [figes]
""",
        encoding="utf-8",
    )
    (pack / "events.yaml").write_text(
        """events:
  - id: october-1917
    name: October
    date: "1917-10-32"
    calendar: julian
    summary: >
      A date that cannot exist in any calendar, which the loader must point out.
    sources: [figes]
""",
        encoding="utf-8",
    )
    (pack / "questions.yaml").write_text(
        """questions:
  - id: q-one
    question: Who led the Provisional Government in the autumn of 1917?
    answer: Alexander Kerensky
    options: [Lavr Kornilov, Prince Lvov, Pavel Milyukov, Alexander Guchkov]
    difficulty: medium
    period: "1917"
    topic: Provisional Government
    explanation: The answer key must be one of the options, or a quiz could never be won.
    sources: [figes]
""",
        encoding="utf-8",
    )
    (pack / "terms.yaml").write_text("terms:\n  - id: soviet\n    name: [unclosed\n", encoding="utf-8")
    return pack


def test_every_problem_is_reported_with_file_and_line(broken_pack: Path) -> None:
    with pytest.raises(PackInvalid) as info:
        load_pack(broken_pack)
    report = str(info.value)
    expected = [
        "broken/people.yaml:4: people.0.born: date '1870-02-30' does not exist",
        "broken/people.yaml:2: kornilov: related names unknown entry 'nobody-at-all'",
        "broken/people.yaml:2: kornilov: unknown reading 'no-such-reading' in sources",
        "broken/people.yaml:12: people.1.summary: String should have at least 20 characters",
        "broken/people.yaml:13: people.1.sources: List should have at least 1 item",
        "broken/people.yaml:14: people.1.nickname: Extra inputs are not permitted",
        "broken/people.yaml:15: duplicate id 'kornilov' (first at broken/people.yaml:2)",
        "broken/events.yaml:2: events.0: date '1917-10-32' does not exist in the julian calendar",
        "broken/questions.yaml:2: questions.0: answer 'Alexander Kerensky' must appear exactly once in options",
        "broken/terms.yaml:4: YAML syntax",
    ]
    for line in expected:
        assert line in report, f"missing {line!r} in:\n{report}"
    assert len(info.value.problems) >= len(expected)


def test_a_name_shared_by_two_people_must_be_disambiguated(tmp_path: Path) -> None:
    pack = tmp_path / "p"
    shutil.copytree(TEST_PACKS / "mini", pack)
    people = (pack / "people.yaml").read_text(encoding="utf-8")
    (pack / "people.yaml").write_text(people.replace("aliases: [Керенский]", "aliases: [Керенский, General Kornilov]"),
                                      encoding="utf-8")
    with pytest.raises(PackInvalid, match="'general kornilov' is shared by kerensky, kornilov"):
        load_pack(pack)


def test_the_cli_lists_problems_without_a_traceback(broken_pack: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "adapters.cli", "validate", str(broken_pack)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr + out.stdout
    assert "broken/events.yaml:2:" in out.stderr


def test_the_mini_pack_loads() -> None:
    pack = load_pack(TEST_PACKS / "mini")
    assert [p.id for p in pack.people][:2] == ["kornilov", "kerensky"]
    assert pack.events[0].when.new_style.iso() == "1917-11-07"
