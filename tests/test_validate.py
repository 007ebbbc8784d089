"""`clio validate` content checks (issue 18): each problem reported with its file and line, and no false alarm."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.pack import PackInvalid, load_pack
from tests.conftest import TEST_PACKS


def _pack(tmp_path: Path, name: str, text: str) -> Path:
    """The mini test pack plus one more file."""
    pack = tmp_path / "p"
    shutil.copytree(TEST_PACKS / "mini", pack)
    (pack / name).write_text(text, encoding="utf-8")
    return pack


def _problems(pack: Path) -> list[str]:
    try:
        load_pack(pack)
    except PackInvalid as e:
        return [str(p) for p in e.problems]
    return []


def test_the_clean_mini_pack_reports_nothing() -> None:
    assert _problems(TEST_PACKS / "mini") == []


def test_an_adjective_must_be_one_of_the_terms_one_word_names(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "more.yaml", """terms:
  - id: red-army
    name: Red Army
    kind: institution
    adjectives: [Red]
    summary: >
      Test summary: the army the Bolsheviks raised in 1918.
    sources: [figes]
  - id: duma
    name: Duma
    kind: institution
    adjectives: [Duma]
    summary: >
      Test summary: the elected assembly of 1906-1917, rightly marked.
    sources: [figes]
""")
    problems = _problems(pack)
    assert len(problems) == 1, problems
    assert problems[0].startswith("p/more.yaml:2: ") and "adjective 'Red' must be one word" in problems[0], problems


def test_a_domestic_event_before_the_switch_in_new_style(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "more.yaml", """events:
  - id: duma-war-session
    name: The Duma backs the war
    date: "1914-08-08"
    calendar: gregorian
    summary: >
      Test summary: the Duma met for one day, voted war credits and went home.
    sources: [figes]
  - id: germany-declares-war
    name: Germany declares war on Russia
    date: "1914-08-01"
    calendar: gregorian
    scope: international
    summary: >
      Test summary: an international event, rightly New Style.
    sources: [figes]
  - id: duma-war-session-os
    name: The Duma backs the war, Old Style
    date: "1914-07-26"
    calendar: julian
    summary: >
      Test summary: the same session, rightly Old Style.
    sources: [figes]
""")
    problems = _problems(pack)
    assert len(problems) == 1, problems
    assert problems[0].startswith("p/more.yaml:4: duma-war-session: dated New Style, but a domestic event")
    assert "8 Aug 1914 N.S. is 26 Jul 1914 O.S." in problems[0]


def test_a_summary_that_dates_its_event_otherwise(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "more.yaml", """events:
  - id: press-raid
    name: The government raids the Bolshevik presses
    date: "1917-10-23"
    calendar: julian
    summary: >
      The Spark says that on 23 October the government tried to shut the Bolshevik print shops. Standard
      accounts put the raid in the early hours of
      24 October, when it set off the insurrection.
    sources: [figes]
  - id: press-raid-right
    name: The government raids the Bolshevik presses (right)
    date: "1917-10-24"
    calendar: julian
    summary: >
      The Spark says that on 23 October the government tried to shut the Bolshevik print shops. Standard
      accounts put the raid in the early hours of 24 October (6 November New Style), after the Congress had
      been put back from 20 to 25 October.
    sources: [figes]
  - id: war-on-russia
    name: Germany declares war
    date: "1914-08-01"
    calendar: gregorian
    scope: international
    summary: >
      After Austria-Hungary declared war on Serbia on 28 July, Germany declared war on Russia; Figes dates
      it 2 August, most accounts date it 19 July 1914 (Old Style).
    sources: [figes]
  - id: october-opening
    name: October opening
    date: "1917-10-25"
    calendar: julian
    summary: "On 26 October 1917 the test summary opens with a date that is not the event's."
    sources: [figes]
""")
    problems = _problems(pack)
    assert problems == [
        ("p/more.yaml:9: press-raid: the summary dates the event '24 October', but its date is "
         "23 Oct 1917 O.S. / 5 Nov 1917 N.S."),
        ("p/more.yaml:33: october-opening: the summary dates the event '26 October 1917', but its date is "
         "25 Oct 1917 O.S. / 7 Nov 1917 N.S."),
    ]


def test_a_wrong_option_the_quiz_would_grade_right(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "more.yaml", """questions:
  - id: q-general
    question: Which general was accused of mutiny in August 1917?
    answer: Lavr Kornilov
    options:
      - Lavr Kornilov
      - General Kornilov
      - Anton Denikin
    accept: [Kornilov]
    difficulty: easy
    period: "1917"
    topic: Kornilov affair
    explanation: Test explanation about the affair.
    sources: [figes]
  - id: q-council
    question: What were the councils of workers' deputies called?
    answer: Soviet
    options: [Soviet, Duma, The Soviet, Zemstvo]
    difficulty: easy
    period: "1917"
    topic: institutions
    explanation: Test explanation about the councils.
    sources: [figes]
  - id: q-numbers
    question: What share of the vote did the test party win?
    answer: 40 per cent
    options: [40 per cent, 30 per cent, 400 per cent]
    accept: ["40"]
    difficulty: easy
    period: "1917"
    topic: elections
    explanation: Test explanation; a different number is never the same answer.
    sources: [figes]
""")
    problems = _problems(pack)
    assert len(problems) == 2, problems
    assert problems[0].startswith("p/more.yaml:7: q-general: the quiz would grade the wrong option "
                                  "'General Kornilov' right")
    assert problems[1].startswith("p/more.yaml:18: q-council: the quiz would grade the wrong option 'The Soviet' right")


def test_a_person_named_in_an_event_outside_their_life(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "more.yaml", """events:
  - id: ice-march-remembered
    name: The Ice March remembered
    date: "1925"
    calendar: gregorian
    summary: >
      Test summary: an event years after the general's death that still lists him as taking part.
    people:
      - kerensky
      - kornilov
  - id: kornilov-funeral
    name: Funeral of Kornilov
    date: "1918-04-20"
    calendar: gregorian
    summary: >
      Test summary: a funeral a week after the death, which is fine.
    people: [kornilov]
    sources: [figes]
  - id: kornilov-statue
    name: A statue for Kornilov
    date: "1995"
    calendar: gregorian
    posthumous: true
    summary: >
      Test summary: an event about a dead man, marked posthumous.
    people: [kornilov]
    sources: [figes]
  - id: emancipation
    name: Emancipation of the serfs
    date: "1861-02-19"
    calendar: julian
    summary: >
      Test summary: an event decades before the birth of a person it lists.
    people: [kornilov]
    sources: [figes]
""".replace("      - kornilov\n", "      - kornilov\n    sources: [figes]\n", 1))
    problems = _problems(pack)
    assert problems == [
        ("p/more.yaml:10: ice-march-remembered: people names kornilov, who died 1918-04-13, but the event is "
         "dated 1925; list them under related, or mark a posthumous event posthumous: true"),
        ("p/more.yaml:35: emancipation: people names kornilov, born 1870-08-18, but the event is dated "
         "19 Feb 1861 O.S. / 3 Mar 1861 N.S."),
    ]


@pytest.mark.parametrize("name", ["Reburial of Kornilov", "Kornilov rehabilitated"])
def test_reburials_and_rehabilitations_may_come_any_time_after_a_death(tmp_path: Path, name: str) -> None:
    pack = _pack(tmp_path, "more.yaml", f"""events:
  - id: later
    name: {name}
    date: "1990"
    calendar: gregorian
    summary: >
      Test summary: a posthumous event, known as such by its name.
    people: [kornilov]
    sources: [figes]
""")
    assert _problems(pack) == []
