"""Who is meant (issue 16): ordinals are identity, a first name or a title lists the likeliest people first,
titles resolve to their holders, place words never resolve to a person, and a shared surname puts the
prominent bearer first. On the bundled pack, over a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot import places
from bot.app import Clio
from bot.config import PROJECT_CONTENT
from bot.events import Context
from bot.names import MAX_CHOICES, Candidate, Matcher, name_key, name_words, ordinals, query_words
from bot.pack import Person, load_pack
from bot.response import Reply

ROOT = Path(__file__).resolve().parents[1]


def ids(reply: Reply) -> list[str]:
    return [s.id for s in reply.suggestions]


# --- ordinals: Nicholas I is never Nicholas II -----------------------------------------------------------


@pytest.mark.parametrize("query", ["Nicholas I", "Tsar Nicholas I", "Nicholas the First", "Nicholas 1st",
                                   "Alexander I", "Alexander IV", "Czar Alexander I"])
def test_a_ruler_the_pack_lacks_is_never_answered_with_another_number(pack_app: Clio, query: str) -> None:
    reply = pack_app.handle_text(f"/who {query}")
    assert reply.match is None, f"{query!r} answered {reply.match}"
    assert reply.kind == "not_found" and reply.exit_code == 1
    assert not {"nicholas-ii", "alexander-ii", "alexander-iii"} & set(ids(reply))  # not offered as the same
    assert reply.title == f"No one called “{query}” in this pack"


def test_the_rulers_the_pack_has_are_named_as_different_people(pack_app: Clio) -> None:
    body = pack_app.handle_text("/who Nicholas I").body
    assert "Nicholas II" in body and "different person" in body
    body = pack_app.handle_text("/who Alexander IV").body
    assert "Alexander II" in body and "Alexander III" in body and "different people" in body


@pytest.mark.parametrize(("query", "person"), [
    ("Alexander II", "alexander-ii"), ("Alexander III", "alexander-iii"), ("Tsar Alexander III", "alexander-iii"),
    ("Nicholas II", "nicholas-ii"), ("Nicholas 2", "nicholas-ii"), ("Nicholas the Second", "nicholas-ii"),
    ("Alexander the Third", "alexander-iii"), ("Aleksandr 2nd", "alexander-ii"), ("George V", "george-v"),
    ("Wilhelm II", "wilhelm-ii"), ("V. I. Lenin", "lenin"),
])
def test_each_number_finds_its_own_ruler(pack_app: Clio, query: str, person: str) -> None:
    reply = pack_app.handle_text(f"/who {query}")
    assert reply.match is not None and reply.match.id == person, reply.text()


def test_ordinals_are_numerals_after_a_name_not_initials() -> None:
    assert ordinals(name_words("Nicholas II")) == {"ii"}
    assert ordinals(name_words("Wilhelm II of Germany")) == {"ii"}
    assert ordinals(name_words("V. I. Lenin")) == set()
    assert ordinals(name_words("Lenin V. I.")) == set()
    assert query_words("Nicholas 2") == query_words("Nicholas the Second") == name_words("Nicholas II")
    assert query_words("Peter the Great") == name_words("Peter the Great")


def test_a_typo_never_crosses_a_number() -> None:
    m = Matcher()
    m.add(Candidate("a2", "Alexander II", "person"), ["Alexander II", "Tsar Alexander II"], person=True)
    assert m.resolve("Alexander I").match is None
    assert m.resolve("Alexander I").suggestions == []
    assert m.resolve("Alexander III").suggestions == []
    assert m.resolve("Alexander II").match is not None
    assert m.resolve("Alexandr II").match is not None  # a typo in the name, the same number


# --- a first name alone: the likeliest first, at most five, and the way to see the rest ------------------


def test_a_first_name_puts_the_most_prominent_first(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/who Alexander")
    assert reply.kind == "choices" and reply.match is None
    assert len(reply.suggestions) == MAX_CHOICES == len(reply.buttons)
    assert ids(reply)[0] == "kerensky"
    assert "alexander-iii" in ids(reply)
    assert not {"a-p-smirnov", "dubcek", "blok"} & set(ids(reply))  # the alphabet no longer decides


def test_the_choices_say_how_many_more_and_the_command_that_lists_them(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/who Alexander")
    assert "more. To see them all: /who all Alexander" in reply.text()
    everyone = pack_app.handle_text("/who all Alexander")
    assert everyone.kind == "choices" and everyone.ok
    assert len(everyone.suggestions) > MAX_CHOICES
    assert {"kerensky", "alexander-ii", "alexander-iii", "a-p-smirnov", "dubcek"} <= set(ids(everyone))
    assert ids(everyone)[:MAX_CHOICES] == ids(reply)  # the same order, continued
    assert len(everyone.buttons) == len(everyone.suggestions)
    more = int(reply.body.rsplit("…and ", 1)[1].split()[0])
    assert len(everyone.suggestions) == MAX_CHOICES + more


def test_the_full_list_works_in_the_console(tmp_path: Path) -> None:
    env = {**os.environ, "CLIO_DB": str(tmp_path / "c.db")}
    out = subprocess.run([sys.executable, "-m", "adapters.cli", "ask", "/who all Alexander"], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Alexander II" in out.stdout and "Alexander Kerensky" in out.stdout


def test_all_is_a_name_when_the_pack_has_one_starting_with_it() -> None:
    """"/who all X" lists everyone X could mean, but a name that itself starts with "All" is still a name."""
    m = Matcher()
    m.add(Candidate("allende", "All Ende", "person"), ["All Ende"], person=True)
    assert m.exact(name_key("All Ende"))  # the lookup checks this before reading "all" as the command


@pytest.mark.parametrize("query", ["Alexei", "Alexis", "Aleksei"])
def test_the_tsarevich_is_among_the_alexeis(pack_app: Clio, query: str) -> None:
    reply = pack_app.handle_text(f"/who {query}")
    if reply.match is None:
        assert reply.kind == "choices" and "alexei-tsarevich" in ids(reply), reply.text()
    else:  # "Alexis" is one of his own names ("Tsarevich Alexis")
        assert reply.match.id == "alexei-tsarevich", reply.text()


# --- titles resolve to their holders ---------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Tsar", "the Tsar", "Czar", "the Czar", "Царь"])
def test_the_tsar_is_nicholas_ii_first_then_the_other_tsars(pack_app: Clio, query: str) -> None:
    reply = pack_app.handle_text(f"/who {query}")
    assert reply.kind == "choices", reply.text()
    assert ids(reply)[0] == "nicholas-ii"
    assert set(ids(reply)) == {"nicholas-ii", "alexander-ii", "alexander-iii"}
    assert not {"khrustalev-nosar", "kaganovich"} & set(ids(reply))


@pytest.mark.parametrize(("query", "person"), [
    ("Tsarina", "alexandra"), ("the Tsarina", "alexandra"), ("Czarina", "alexandra"), ("Tsaritsa", "alexandra"),
    ("Empress", "alexandra"), ("Kaiser", "wilhelm-ii"), ("the Kaiser", "wilhelm-ii"), ("Grand Duke", "grand-duke-mikhail"),
    ("Tsarevich", "alexei-tsarevich"), ("Archduke", "franz-ferdinand"), ("King", "george-v"),
])
def test_a_title_one_person_holds_answers_that_person(pack_app: Clio, query: str, person: str) -> None:
    reply = pack_app.handle_text(f"/who {query}")
    assert reply.match is not None and reply.match.id == person, reply.text()


def test_a_title_several_hold_lists_them_likeliest_first(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/who Emperor")
    assert reply.kind == "choices"
    assert ids(reply)[0] == "nicholas-ii"
    assert {"alexander-ii", "alexander-iii", "wilhelm-ii"} <= set(ids(reply))


def test_a_title_with_a_first_name_keeps_the_holders(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/who Tsar Alexander")
    assert set(ids(reply)) == {"alexander-ii", "alexander-iii"}, reply.text()


def test_a_title_is_shown_on_the_card_and_kept_out_of_the_other_names(pack_app: Clio) -> None:
    text = pack_app.handle_text("/who Empress Alexandra").text()
    assert "Titles: Tsarina, Empress" in text
    others = text.split("Also known as: ")[1].split("\n")[0].split(", ")
    assert "Tsarina Alexandra" in others and not {"Tsarina", "Empress"} & set(others)


def test_titles_are_pack_data_validated_by_the_pack() -> None:
    pack = load_pack(PROJECT_CONTENT / "russian-revolution")
    people = {p.id: p for p in pack.people}
    assert people["alexandra"].titles == ["Tsarina", "Empress"]
    assert people["wilhelm-ii"].titles == ["Kaiser"]
    assert "Kaiser" in people["wilhelm-ii"].variants  # stored with the other names, a title to the matcher
    base = {"id": "louis-xvi", "name": "Louis XVI", "summary": "The last king of France before the Revolution.",
            "sources": ["figes"]}
    assert Person.model_validate({**base, "titles": ["the King"]}).titles == ["the King"]
    with pytest.raises(ValidationError, match="title words"):
        Person.model_validate({**base, "titles": ["Louis the Sixteenth"]})


def test_a_title_never_links_a_passage_nor_makes_a_name_key() -> None:
    """Titles live apart from name keys, so text scans (ingest) and exact lookups never see them."""
    m = Matcher()
    m.add(Candidate("n2", "Nicholas II", "person"), ["Nicholas II", "Tsar", "Tsar Nicholas II"], person=True)
    m.add(Candidate("a3", "Alexander III", "person"), ["Alexander III", "Tsar Alexander III"], person=True)
    assert m.exact("tsar") == []
    assert [(c.id, explicit) for c, explicit in m.title_holders("tsar")] == [("n2", True), ("a3", False)]


# --- place words never resolve to a person ---------------------------------------------------------------


@pytest.mark.parametrize("query", ["Germany", "Austria", "Hesse", "Prussia", "Bavaria", "Galicia", "the Ukraine",
                                   "Siberia", "Germans", "German", "Austrian", "Russia", "Habsburg",
                                   "Poland", "Serbia", "Britain", "Japan", "France"])
def test_a_place_or_nationality_never_resolves_to_a_person(pack_app: Clio, query: str) -> None:
    reply = pack_app.handle_text(f"/who {query}")
    assert reply.match is None, f"{query!r} answered {reply.match}"
    assert reply.kind != "choices"
    assert not {"wilhelm-ii", "franz-ferdinand", "alexandra"} & set(ids(reply))


def test_why_germany_answered_the_kaiser_is_gone() -> None:
    """The cause: a name's last word was taken for a surname, so "Wilhelm II of Germany" gave the key
    "germany" (and "Alix of Hesse" "hesse", "Franz Ferdinand of Austria" "austria")."""
    m = Matcher()
    m.add(Candidate("w", "Kaiser Wilhelm II", "person"), ["Kaiser Wilhelm II", "Wilhelm II of Germany"], person=True)
    m.add(Candidate("a", "Empress Alexandra", "person"), ["Empress Alexandra", "Alix of Hesse"], person=True)
    m.add(Candidate("f", "Archduke Franz Ferdinand", "person"), ["Archduke Franz Ferdinand",
                                                                 "Franz Ferdinand of Austria"], person=True)
    m.add(Candidate("n", "Nicholas II", "person"), ["Nicholas II", "Nikolai Romanov"], person=True)
    for word in ("germany", "hese", "austrya", "romanov"):
        assert m.exact(word) == [], word
        assert m.resolve(word).match is None
    assert m.resolve("Alix of Hesse").match.candidate.id == "a"  # type: ignore[union-attr]
    assert m.resolve("Ferdinand").match.candidate.id == "f"  # type: ignore[union-attr]


def test_a_place_the_pack_has_points_to_what(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/who Petrograd")
    assert reply.match is None and "/what Petrograd" in reply.text()


def test_a_dynasty_lists_its_members_likeliest_first(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/who Romanov")
    assert reply.match is None and reply.kind == "choices"
    assert "dynasty" in reply.title
    assert ids(reply)[0] == "nicholas-ii"
    assert {"alexei-tsarevich", "grand-duke-mikhail"} <= set(ids(reply))
    assert ids(pack_app.handle_text("/who Hohenzollern")) == ["wilhelm-ii"]  # born von Hohenzollern


@pytest.mark.parametrize(("query", "person"), [("Alix of Hesse", "alexandra"), ("Wilhelm II of Germany", "wilhelm-ii"),
                                               ("Franz Ferdinand of Austria", "franz-ferdinand"),
                                               ("Nikolai Romanov", "nicholas-ii"), ("Kaiser Wilhelm", "wilhelm-ii")])
def test_a_full_name_with_a_place_in_it_still_finds_the_person(pack_app: Clio, query: str, person: str) -> None:
    reply = pack_app.handle_text(f"/who {query}")
    assert reply.match is not None and reply.match.id == person, reply.text()


def test_place_keys_come_from_pycountry_and_the_subject_list() -> None:
    keys = places.place_keys()
    assert places.place_keys() is keys  # built once
    assert {name_key("Germany"), name_key("Hesse"), name_key("Romanov")} <= keys  # normalised like names
    for word in ("Germany", "Russian Federation", "Korea", "USSR", "Czechoslovakia", "German", "Austrian",
                 "Germans", "Polish", "Georgian", "Prussia", "Hesse", "Petrograd", "Romanov", "the Crimea"):
        assert places.is_place(word), word
    for word in ("Kerensky", "Lenin", "Trotsky", "Soviet", "Bolshevik", "Luxemburg", "Lvov", ""):
        assert not places.is_place(word), word
    assert places.is_dynasty("the Habsburgs") and not places.is_dynasty("Germany")
    assert not places.is_place("Tobolsk") and places.is_place("Tobolsk", ("Tobolsk", "Тобольск"))
    assert places.is_place("Тобольск", ("Tobolsk", "Тобольск"))


def test_no_person_in_the_pack_is_called_by_a_place_word() -> None:
    """A place word is never taken for a surname: none may be someone's only name. (Dynasties and "X of
    Y" names hold place words, and are found by their whole names.)"""
    pack = load_pack(PROJECT_CONTENT / "russian-revolution")
    for p in pack.people:
        assert not places.is_place(p.name), p.name
        words = name_words(p.name)
        assert not places.is_place(words[-1]) or words[-1] in ("ii", "iii"), p.name


# --- a shared surname: the prominent bearer first -------------------------------------------------------


def test_bronstein_is_trotsky_first_and_says_why(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/who Bronstein")
    assert reply.kind == "choices"
    assert ids(reply) == ["trotsky", "vera-bronstein"]
    first = reply.body.splitlines()[0]
    assert first.startswith("• Leon Trotsky (Lev Davidovich Bronstein):"), first


def test_prominence_orders_choices_the_alphabet_does_not() -> None:
    m = Matcher()
    m.add(Candidate("a", "Alexei Aardvark", "person"), ["Alexei Aardvark"], person=True)
    m.add(Candidate("z", "Alexei Zebra", "person"), ["Alexei Zebra"], person=True)
    assert [s.candidate.id for s in m.resolve("Alexei").choices] == ["a", "z"]
    res = m.resolve("Alexei", prominence=lambda ids: {"z": 10.0, "a": 1.0})
    assert [s.candidate.id for s in res.choices] == ["z", "a"]


def test_the_readings_a_group_sees_raise_the_people_they_discuss(tmp_path: Path, make_app: Callable[..., Clio]) -> None:
    """Prominence counts the passages of the readings a workspace sees: a group reading about Rykov gets him
    first among the Alexeis; another group does not."""
    app = make_app(tmp_path / "clio.db", content_dir=PROJECT_CONTENT, pack="russian-revolution")
    paras = [f"In {1924 + i} Alexei Rykov spoke for the moderates, and Rykov argued again that the peasants "
             f"must be conciliated. Rykov chaired the government that year, number {i}." for i in range(40)]
    reading = tmp_path / "rykov.txt"
    reading.write_text("\n\n".join(paras), encoding="utf-8")
    app.ingest(reading, workspace="console:rykov-group", title="Rykov's years", author="A. Historian")
    ours = app.handle_text("/who Alexei", Context(workspace="console:rykov-group"))
    theirs = app.handle_text("/who Alexei", Context(workspace="console:other-group"))
    assert ids(ours)[0] == "rykov", ours.text()
    assert ids(theirs)[0] != "rykov"


def test_regnal_numbers_past_ten_are_three_different_kings() -> None:
    """Louis XVI, XVII and XVIII of a pack on France: each number is its own person, typed any way."""
    m = Matcher()
    for n, roman in ((16, "XVI"), (17, "XVII"), (18, "XVIII")):
        m.add(Candidate(f"louis-{n}", f"Louis {roman}", "person"), [f"Louis {roman}", f"King Louis {roman}"],
              person=True)
    assert len({name_key(f"Louis {r}") for r in ("XVI", "XVII", "XVIII")}) == 3
    for typed, meant in [("Louis XVIII", "louis-18"), ("King Louis XVIII", "louis-18"), ("Louis XVII", "louis-17"),
                         ("Louis the Sixteenth", "louis-16"), ("Louis 16", "louis-16"), ("Louis 18th", "louis-18"),
                         ("louis xvi", "louis-16")]:
        res = m.resolve(typed, {"person"})
        assert res.match is not None and res.match.candidate.id == meant, (typed, res)
    assert m.resolve("Louis XIX", {"person"}).match is None  # no such king: never the nearest number
