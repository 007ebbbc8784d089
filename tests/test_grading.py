"""Typed quiz answers graded by answer kind, on the bundled pack's names (issue: quiz nights a group can trust).

Two tests: a table of typed answers, right and wrong, as a quizmaster would rule them (every example the issue
reported among them); and every question of every bundled pack: its answer and accepted forms grade right, and
no other option of that question does.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Clio
from bot.config import PROJECT_CONTENT
from bot.pack import load_pack
from bot.services.grading import grade

R, W, N, S = "right", "wrong", "near", "several"

# (answer key, accepted forms, typed, verdict)
TABLE: list[tuple[str, list[str], str, str]] = [
    # percentages: the exact value, digits or words; never a typo in a digit; one guess at a time
    *[("24 per cent", [], t, v) for t, v in [
        ("24 per cent", R), ("24%", R), ("24", R), ("twenty-four per cent", R), ("24 percent", R),
        ("about 24 per cent", R), ("38 per cent", W), ("42 per cent", W), ("25 per cent", W), ("2.4 per cent", W),
        ("240 per cent", W), ("24 or 38 per cent", S), ("a lot", W), ("", W)]],
    # a compound number word ending in "one": "seventy-one" was read as "seventy-1", 70 and 1
    *[("71 per cent", [], t, v) for t, v in [
        ("seventy-one per cent", R), ("seventy-one percent", R), ("71%", R), ("seventy per cent", W),
        ("one per cent", W)]],
    *[("101", [], t, v) for t, v in [("one hundred and one", R), ("one hundred", W)]],
    # article numbers
    *[("Article 6", [], t, v) for t, v in [
        ("Article 6", R), ("article six", R), ("Art. 6", R), ("6", R), ("Article 1", W), ("Article 16", W),
        ("Article 7", W), ("Section 6", W), ("Article", W)]],
    # scaled counts
    *[("4 million", [], t, v) for t, v in [
        ("4 million", R), ("four million", R), ("4,000,000", R), ("4000000", R), ("4 000 000", R),
        ("40 million", W), ("4 thousand", W), ("14 million", W), ("4 billion", W), ("3 million", W)]],
    *[("10,000", [], t, v) for t, v in [
        ("10,000", R), ("10000", R), ("ten thousand", R), ("10 000", R), ("100,000", W), ("1,000", W),
        ("10,001", W), ("100000", W)]],
    # ordinals
    *[("His 30th", [], t, v) for t, v in [
        ("His 30th", R), ("30th", R), ("thirtieth", R), ("his thirtieth", R), ("30", R), ("His 40th", W),
        ("3rd", W), ("his 31st", W)]],
    *[("18 months", ["a year and a half"], t, v) for t, v in [
        ("18 months", R), ("eighteen months", R), ("a year and a half", R), ("18 weeks", W), ("8 months", W),
        ("18 years", W)]],
    # years: the year alone or inside a date, never another year
    *[("1917", [], t, v) for t, v in [
        ("1917", R), ("October 1917", R), ("25 October 1917", R), ("in 1917.", R), ("1918", W), ("1971", W),
        ("1917 or 1918", S), ("917", W), ("the year of revolution", W),
        ("not 1917", W), ("never 1917", W)]],  # a year denied is no answer of it
    *[("1905", [], t, v) for t, v in [("in January 1905", R), ("1905", R), ("1906", W), ("1095", W)]],
    # people: any of the person's names, a unique surname, regnal numbers exact
    *[("Nicholas II", [], t, v) for t, v in [
        ("Nicholas II", R), ("nicholas ii", R), ("Nicholas 2", R), ("Nicholas the Second", R), ("Tsar Nicholas II", R),
        ("Czar Nicholas", R), ("Nicholas Romanov", R), ("Nikolai II", R), ("Николай II", R), ("Nicholas I", W),
        ("Nicholas III", W), ("Alexander III", W), ("Nicholas", N), ("Lenin", W)]],
    *[("Lenin", [], t, v) for t, v in [
        ("Lenin", R), ("Ulyanov", R), ("Vladimir Lenin", R), ("V. I. Lenin", R), ("Vladimir Ulyanov", R),
        ("Ленин", R), ("Lennin", R), ("Trotsky", W), ("Lenin or Trotsky", S), ("Stalin", W), ("Vladimir", N)]],
    *[("Leon Trotsky", [], t, v) for t, v in [
        ("Leon Trotsky", R), ("Lev Bronstein", R), ("Trotsky", R), ("Trotskii", R), ("Троцкий", R),
        ("Bronstein", N), ("Trotzky", R),
        ("Lenin", W), ("Stalin", W), ("Leon", N), ("Lenin, Trotsky", S)]],
    *[("Alexander Kerensky", [], t, v) for t, v in [
        ("Alexander Kerensky", R), ("Kerensky", R), ("Kerenskii", R), ("the  KERENSKY.", R), ("Kernesky", R),
        ("Alexander", N), ("Alexandra", W), ("Kornilov", W), ("Kerensky, Kornilov", S), ("Kornesky", N)]],
    *[("Archduke Franz Ferdinand", [], t, v) for t, v in [
        ("Archduke Franz Ferdinand", R), ("Franz Ferdinand", R), ("Archduke Ferdinand", R),
        ("Francis Ferdinand", R), ("Franz Ferdinand of Austria", R), ("Wilhelm II", W), ("Austria", W)]],
    *[("Joseph Stalin", [], t, v) for t, v in [
        ("Stalin", R), ("Dzhugashvili", R), ("Koba", R), ("Joseph Stalin", R), ("Trotsky", W), ("Joseph", N)]],
    *[("Lavr Kornilov", [], t, v) for t, v in [
        ("Kornilov", R), ("Корнилов", R), ("General Kornilov", R), ("Kerensky", W), ("Lavr", N)]],
    *[("Alexander III", [], t, v) for t, v in [
        ("Alexander III", R), ("Alexander the Third", R), ("Alexander II", W), ("Alexandra", W),
        ("Empress Alexandra", W), ("Alexander", N)]],
    # other answers: the whole name or an accepted form; a part of it is "be more specific"; no surname rule
    *[("Pavlovsky Regiment", [], t, v) for t, v in [
        ("Pavlovsky Regiment", R), ("the Pavlovsky Regiment", R), ("Pavlovski Regiment", R), ("Regiment", N),
        ("Volynsky Regiment", W)]],
    *[("Bolsheviks", [], t, v) for t, v in [
        ("Bolsheviks", R), ("bolshevik", R), ("the Bolsheviks", R), ("Mensheviks", W), ("Bolsheviks or Mensheviks", S)]],
    *[("Treaty of Brest-Litovsk", ["Brest-Litovsk"], t, v) for t, v in [
        ("Treaty of Brest-Litovsk", R), ("Brest-Litovsk", R), ("Brest Litovsk", R), ("Treaty", N),
        ("Treaty of Versailles", W)]],
    *[("Soviet Union", ["USSR"], t, v) for t, v in [
        ("Soviet Union", R), ("USSR", R), ("Union", N), ("Soviet", W)]],
]


def test_the_table_has_enough_rulings() -> None:
    assert len(TABLE) >= 150
    assert {v for *_, v in TABLE} == {R, W, N, S}


@pytest.mark.parametrize(("answer", "accept", "typed", "verdict"), TABLE)
def test_a_typed_answer_is_ruled_as_a_quizmaster_would(pack_app: Clio, answer: str, accept: list[str], typed: str,
                                                       verdict: str) -> None:
    got = grade(typed, answer, accept, pack_app.lookup.matcher)
    assert got.verdict == verdict, f"{typed!r} for {answer!r}: {got}"


def _bundled_packs() -> list[Path]:
    return sorted(p for p in PROJECT_CONTENT.iterdir() if (p / "pack.yaml").exists())


@pytest.mark.parametrize("pack_dir", _bundled_packs(), ids=lambda p: p.name)
def test_every_bundled_question_grades_its_answer_right_and_no_other_option(pack_app: Clio, pack_dir: Path) -> None:
    pack = load_pack(pack_dir)
    matcher = pack_app.lookup.matcher
    wrong = []
    for q in pack.questions:
        for form in (q.answer, *q.accept):
            if not grade(form, q.answer, list(q.accept), matcher).correct:
                wrong.append(f"{q.id}: its own form {form!r} is refused")
        for option in q.options:
            if option != q.answer and grade(option, q.answer, list(q.accept), matcher).correct:
                wrong.append(f"{q.id}: the wrong option {option!r} is accepted for {q.answer!r}")
    assert len(pack.questions) > 100
    assert not wrong, "\n".join(wrong)
