"""Name matching at scale: past bot.name_index.INDEX_MIN_KEYS keys the matcher scores only the candidates its
index offers. On thousands of generated Russian names (given name, patronymic, surname, transliteration
variants), a typed name with one slip finds the same best person, with the same score, as a full rapidfuzz scan
of every key; exact names and the bundled pack are untouched (tests/test_names.py)."""

from __future__ import annotations

import importlib.util
import random
import threading
from pathlib import Path

import pytest

import bot.names
from bot.name_index import INDEX_MIN_KEYS
from bot.names import Candidate, Matcher, Resolution

_spec = importlib.util.spec_from_file_location("bench_people", Path(__file__).parents[1] / "bench" / "people.py")
people_gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(people_gen)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def crowd() -> tuple[Matcher, list[tuple[str, list[str]]]]:
    people = people_gen.people(12_000, random.Random(19))
    m = Matcher()
    for i, (display, names) in enumerate(people):
        m.add(Candidate(f"p{i}", display, "person"), names, person=True)
    m.add(Candidate("t0", "Kronstadt rebellion", "term"), ["Kronstadt rebellion"])
    assert len(m) > INDEX_MIN_KEYS  # the index is in play
    return m, people


def best(res: Resolution) -> tuple[str, float] | None:
    first = res.match or (res.choices or res.suggestions or [None])[0]
    return (first.candidate.id, round(first.score, 3)) if first else None


def full_scan(m: Matcher, query: str, monkeypatch: pytest.MonkeyPatch) -> Resolution:
    with monkeypatch.context() as mp:
        mp.setattr(bot.names, "INDEX_MIN_KEYS", 10**12)
        return m.resolve(query, {"person"})


def test_typos_find_what_a_full_scan_finds(crowd, monkeypatch: pytest.MonkeyPatch) -> None:
    m, people = crowd
    rng = random.Random(4)
    differ, found = [], 0
    for _ in range(300):
        display = rng.choice(people)[0]
        query = people_gen.typo(display, rng)
        indexed, scanned = m.resolve(query, {"person"}), full_scan(m, query, monkeypatch)
        if best(indexed) != best(scanned):
            differ.append((query, best(indexed), best(scanned)))
        found += best(indexed) is not None
    assert m._index is not None and len(m._index) == len(m)  # the answers came through the index
    assert not differ, differ[:5]
    assert found >= 290  # a slip in a name still finds someone, nearly always


def test_exact_names_and_other_types_at_scale(crowd) -> None:
    m, people = crowd
    display, names = people[123]
    res = m.resolve(names[1], {"person"})  # given name, patronymic and surname, as written
    assert res.match and res.match.candidate.id == "p123" and res.match.score == 100.0
    # a term among thousands of people: /what still finds it with a slip, and /who never offers it
    assert m.resolve("Kronstadt rebelion", {"term"}).match.candidate.id == "t0"
    assert all(s.candidate.type == "person" for s in m.resolve("Kronstadt rebelion", {"person"}).suggestions)


def test_threads_resolving_at_once_share_one_index_built_whole() -> None:
    # the door's workers resolve names at once; the first slip each made built the word index together, and a word
    # got an id before its list of keys existed: IndexError, "Sorry, something went wrong" (a loop-lag run of stop
    # 40 had one such reply). Eight threads on a fresh matcher, thirty times: no error (before: 12 of 30 had one)
    names = [f"Person{i} Surname{i * 7919 % 10007}" for i in range(3000)]
    errors: list[BaseException] = []
    for _ in range(30):
        matcher = Matcher()
        for i, name in enumerate(names):
            matcher.add(Candidate(f"p{i}", name, "person"), [name])
        barrier = threading.Barrier(8)

        def resolve(k: int, m: Matcher = matcher, b: threading.Barrier = barrier) -> None:
            b.wait()
            try:
                m.resolve(f"Surnme{k}23", {"person"})
            except BaseException as e:  # noqa: BLE001  (what a worker would have turned into an apology)
                errors.append(e)

        threads = [threading.Thread(target=resolve, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
