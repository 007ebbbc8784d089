"""The question bank: the pack's curated questions, plus questions generated from the readings a workspace
sees, each with an answer checked against the index, distractors of the same kind and a cited passage."""

from __future__ import annotations

import functools
import hashlib
import random
import re
from collections import OrderedDict
from typing import Any

import sqlite_utils

from bot import store
from bot.citing import by, cited_as
from bot.dates import HistDate, republican_year
from bot.names import ROMAN, TITLES, Matcher, name_key, name_words, pack_surname, strip_titles
from bot.places import place_keys
from bot.services import own_questions
from bot.storage.readings import Readings, SqliteReadings
from bot.storage.workspace_data import SqliteWorkspaceData, WorkspaceData
from bot.text import around, without_article
from bot.services.readings_quiz import readings_questions

MAX_GENERATED = 60
EXCERPT_CHARS = 320
BLANK = "____"


def bank(db: sqlite_utils.Database, matcher: Matcher, workspace: str, topic: str | None,
         packs: tuple[str, ...] | None = None, readings: Readings | None = None,
         own: WorkspaceData | None = None) -> list[dict[str, Any]]:
    """Questions for a quiz on `topic` (None: everything): a period ("1917"), a topic word, a person or term,
    or a reading's title (then only questions generated from that reading). The workspace's own questions
    join the curated ones; "mine" or "own" first ("mine", "mine 1917") asks only the workspace's own. The
    curated ones are those of `packs` (a workspace's choice; every pack when None). `readings`: where the
    readings and the group's own questions are (the SQLite file `db` by default)."""
    readings = readings or SqliteReadings(db)
    own_data = own or SqliteWorkspaceData(db)
    only_own, topic = own_questions.own_topic(topic)
    own = own_questions.draw(own_data, matcher, workspace, topic)
    if only_own:
        if not own:
            raise own_questions.none_yet(own_data, workspace, topic)
        return own
    curated = list(store.questions(db, packs))
    if topic:
        reading = _reading_named(readings, workspace, topic)
        if reading:
            return generated(db, matcher, workspace, source_id=reading["id"], readings=readings, packs=packs)
        curated = _on_topic(curated, topic, matcher)
        pool = curated + own + [q for q in generated(db, matcher, workspace, readings=readings, packs=packs)
                                if _mentions(q, topic)]
        return _not_the_topic(pool, topic, matcher)
    return curated + own + generated(db, matcher, workspace, readings=readings, packs=packs)


def _not_the_topic(questions: list[dict[str, Any]], topic: str, matcher: Matcher) -> list[dict[str, Any]]:
    """The questions whose answer is not the topic itself: on a quiz night "on Trotsky", "Which Bolshevik was
    sent to Brest-Litovsk?" answers itself, as "In which year: the July Days?" does on one "on 1917". When
    that leaves none, all of them: a quiz the group asked for beats no quiz."""
    t = topic.strip().lower()
    res = matcher.resolve(topic)
    entity = res.match.candidate.id if res.match else None

    def is_topic(answer: str) -> bool:
        if answer.strip().lower() == t:
            return True
        if entity is None:
            return False
        found = matcher.resolve(answer).match
        return found is not None and found.candidate.id == entity

    fair = [q for q in questions if not is_topic(q["answer"])]
    return fair or questions  # a topic whose every question it answers (a small pack's one general): those


def _reading_named(readings: Readings, workspace: str, topic: str) -> dict[str, Any] | None:
    t = topic.strip().lower()
    for s in readings.sources(workspace):
        if t in (s["title"].lower(), s["filename"].lower(), s["id"]):
            return s
    return None


def _on_topic(questions: list[dict[str, Any]], topic: str, matcher: Matcher) -> list[dict[str, Any]]:
    """The questions on a topic: its period ("1917", or a Republican year's), a topic holding the words typed
    (less a first article: "the Terror" is in "Reign of Terror", but "Year II" not in "Year III"), the topic
    named for the entry typed, or a question about that entry."""
    t = without_article(topic.lower())
    res = matcher.resolve(topic)
    entity = res.match.candidate.id if res.match else None
    named = res.match.candidate.name.lower() if res.match else None
    year = int(t) if t.isdecimal() else None
    republican = republican_year(t)  # "Year II": 22 Sep 1793 to 21 Sep 1794, in the periods of either year
    years = {year} if year is not None else {1791 + republican, 1792 + republican} if republican else set()
    out = []
    for q in questions:
        lo, _, hi = q["period"].partition("-")
        in_period = any(int(lo) <= y <= int(hi or lo) for y in years)
        if in_period or t == q["period"] or _holds(q["topic"].lower(), t) or named == q["topic"].lower() or (
                entity and entity in q["about"]):
            out.append(q)
    return out


def _holds(text: str, words: str) -> bool:
    """Whether `text` holds `words` whole: "Year II" is not in "the Year III"."""
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


def _mentions(q: dict[str, Any], topic: str) -> bool:
    return topic.lower() in (q["question"] + " " + q["answer"]).lower()


# Generated questions depend only on the readings a workspace sees and the pack, so they are kept per
# (database, workspace, reading, signature of those readings and the pack) and made again when any changes:
# a quiz start then costs nothing that grows with the library (the first start after a change does).
_GENERATED: OrderedDict[tuple[str, ...], list[dict[str, Any]]] = OrderedDict()
_GENERATED_MAX = 256


def _library_signature(db: sqlite_utils.Database, workspace: str, readings: Readings,
                       packs: tuple[str, ...]) -> str:
    """Changes whenever a reading the workspace sees is added, replaced, retitled or removed, or the pack
    (and so the links) changes."""
    h = hashlib.sha256()
    for r in sorted(readings.sources(workspace), key=lambda s: s["id"]):
        h.update(repr(sorted(r.items())).encode())
    for r in db.execute("select key, value from meta where key like 'pack:%' order by key"):
        h.update(repr(r).encode())
    h.update(repr(packs).encode())  # the packs it chose
    return h.hexdigest()


def generated(db: sqlite_utils.Database, matcher: Matcher, workspace: str,
              source_id: str | None = None, readings: Readings | None = None,
              packs: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """The generated questions (see `_generate`, and `readings_quiz` for people only the group's own readings
    name), made once per state of the workspace's library."""
    readings = readings or SqliteReadings(db)
    packs = packs if packs is not None else store.workspace_packs(db, workspace)  # the packs it reads
    path = db.execute("pragma database_list").fetchone()[2]
    if not path:  # an in-memory database: no name to key it by
        return [*_generate(db, matcher, workspace, source_id, readings, packs),
                *readings_questions(db, matcher, workspace, source_id, readings)]
    key = (path, workspace, source_id or "", _library_signature(db, workspace, readings, packs))
    if key in _GENERATED:
        _GENERATED.move_to_end(key)
    else:
        _GENERATED[key] = [*_generate(db, matcher, workspace, source_id, readings, packs),
                           *readings_questions(db, matcher, workspace, source_id, readings)]
        while len(_GENERATED) > _GENERATED_MAX:
            _GENERATED.popitem(last=False)
    return [{**q, "options": list(q["options"]), "accept": list(q["accept"])} for q in _GENERATED[key]]


def _generate(db: sqlite_utils.Database, matcher: Matcher, workspace: str,
              source_id: str | None, readings: Readings, packs: tuple[str, ...]) -> list[dict[str, Any]]:
    """Who-is-this questions from prose passages that name one person, and which-year questions for pack
    events the readings discuss. Deterministic for the same index.

    A question is kept only when it is fair: the blank covers the words that name the person (their name,
    full aliases, their surname as the pack names them: never a place, title or nickname word), nothing left
    in the excerpt names them another way, and the wrong options are people of the same time."""
    rng = random.Random(f"{workspace}:{source_id}")
    people = {r.id: r for r in store.all_names(db, packs) if r.type == "person"}
    lives = store.person_lives(db, packs)
    places = place_keys()
    out: list[dict[str, Any]] = []
    contemporaries: dict[str, list[Any]] = {}
    for row in readings.single_person_passages(workspace, source_id, MAX_GENERATED, people):
        person = people.get(row["entity_id"])
        if person is None:
            continue
        text = _blank(row["text"], _name_forms(person.name, person.names, places))
        if (text is None or _gives_away(text, person.names, places)
                or _gives_away(f"{row['title']} {row['loc']}", person.names, places, first_word=True)):
            continue  # the excerpt, or the title or section it is cited by ("Mikhail Gorbachev"), names them
        if person.id not in contemporaries:  # once per person, not once per passage
            contemporaries[person.id] = [p for pid, p in people.items()
                                         if pid != person.id and _same_time(lives, person.id, pid)]
        others = contemporaries[person.id]
        same_reading = [p for p in others if p.id in row["cooccurring"]]
        pool = same_reading if len(same_reading) >= 3 else others
        if len(pool) < 3:
            continue
        options = [person.name, *[p.name for p in rng.sample(pool, 3)]]
        surname = _surname(person.name, places)
        out.append({
            "id": f"gen-who-{row['passage_id']}", "question": f"Who is {BLANK} in this passage from "
            f"{by(row['author'], row['title'])} ({row['loc']})? “{text}”", "answer": person.name, "options": options,
            "accept": [surname] if surname and len(surname) >= 3 else [], "difficulty": "medium", "period": "",
            "topic": "from the readings", "about": [person.id], "passage_id": row["passage_id"],
            "explanation": f"The passage names {person.name}.",
            "sources": [{"reading": row["source_id"], "loc": row["loc"]}]})
    for ev in readings.discussed_events(workspace, source_id, MAX_GENERATED, store.precise_events(db, packs)):
        when = HistDate.parse(ev["date"], ev["calendar"])
        year = when.year
        if re.search(rf"\b{year}\b", ev["name"]):  # "The 1905 Revolution": the question answers itself
            continue
        offsets = rng.sample([-3, -2, -1, 1, 2, 3], 3)
        out.append({
            "id": f"gen-when-{ev['id']}", "question": f"In which year: {ev['name']}?", "answer": str(year),
            "options": [str(year), *[str(year + o) for o in offsets]], "accept": [], "difficulty": "medium",
            "period": "", "topic": "from the readings", "about": [ev["id"]], "passage_id": ev["passage_id"],
            "explanation": f"{ev['name']}, {when.display_as_stated()}; {cited_as(ev['author'], ev.get('title') or '')} "
                           f"discusses it ({ev['loc']}).",
            "sources": [{"reading": ev["source_id"], "loc": ev["loc"]}]})
    return out


def _same_time(lives: dict[str, tuple[int | None, int | None]], a: str, b: str) -> bool:
    """Whether two people's lives overlap (unknown dates: assume they may)."""
    (ab, ad), (bb, bd) = lives.get(a, (None, None)), lives.get(b, (None, None))
    if ab is None or bb is None:
        return True
    return ab <= (bd or 2100) and bb <= (ad or 2100)


def _surname(name: str, places: frozenset[str]) -> str | None:
    """The person's surname as the pack names them ("Kornilov" of "Lavr Kornilov"), unless it is a place."""
    surname = pack_surname(name)
    return None if surname is None or surname[0] in places else surname[1]


def _name_forms(name: str, names: list[str], places: frozenset[str]) -> list[str]:
    """The words that name the person in a passage: every name and alias of two or more words, and the
    surname; never a one-word alias that is a place, title or nickname."""
    forms = {n for n in names if len(n.split()) >= 2 and name_key(n) not in places}
    surname = _surname(name, places)
    if surname and len(surname) >= 3:
        forms.add(surname)
    return sorted(forms, key=len, reverse=True)


@functools.lru_cache(maxsize=50_000)
def _name_words_of(name: str) -> list[str]:
    """A pack name's words without titles (the same names come up for every passage: computed once)."""
    return strip_titles(name_words(name))


def _gives_away(excerpt: str, names: list[str], places: frozenset[str], first_word: bool = False) -> bool:
    """Whether the blanked excerpt still names the person: a word of their names (no first name, title,
    regnal number or place) is left in it, or begins a word ("Ilich", "Ulyanov", "Stalinism", "Leninist")."""
    left = name_words(excerpt)
    for n in names:
        words = _name_words_of(n)
        for w in words[0 if first_word and len(words) == 1 else 1:]:  # a first name is shared with others
            if len(w) >= 4 and w not in ROMAN and w not in places and w not in TITLES and any(
                    x == w or (x.startswith(w) and len(x) - len(w) <= 4) for x in left):
                return True
    return False


def _blank(text: str, forms: list[str]) -> str | None:
    """The passage with every form of the person's name blanked out, cut around the first blank; None when
    the name cannot be found in it (so the question could not be fair)."""
    if not forms:
        return None
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")(?:[’']s)?\b")
    blanked, count = pattern.subn(BLANK, text)
    if not count:
        return None
    return around(blanked, BLANK, EXCERPT_CHARS)
