"""Quiz questions from a group's own readings when its subject has no pack (issue 22 item 4): "who is this?"
over passages that name one of the people the readings keep naming (the rule /who uses for names the pack
lacks), the other options people the same readings name.

Only people the readings name in full (a given name and a surname, "Georges Danton") are asked about or
offered, so a place or a thing the readings capitalise is never taken for a person. A question is kept only
when it is fair: the passage names exactly one of those people, every form of the
name is blanked (the fuller form, the name word, its possessive), nothing left in the excerpt names them, and
the person is not one the pack knows (those get the pack's own generated questions)."""

from __future__ import annotations

import random
import re
from typing import Any

import sqlite_utils

from bot import store
from bot.names import Matcher
from bot.storage.readings import Readings, SqliteReadings
from bot.services.readnames import UPPER, ReadingPerson, find_people
from bot.text import around

MAX_QUESTIONS = 60
MAX_PASSAGES = 5000  # the names are counted over at most this many passages of the group's readings
EXCERPT_CHARS = 320
BLANK = "____"
MIN_TEXT, MAX_TEXT = 120, 900
# capitalised words before a name that do not join it: titles and sentence openers ("Queen", "When")
_AFTER_SENTENCE = {"queen", "king", "madame", "monsieur", "general", "citizen", "when", "after", "before", "while",
                   "and", "but", "as", "in", "on", "of", "the", "by", "with", "for", "if", "eventually", "mid-october",
                   "however", "then", "thus", "especially"}


def readings_questions(db: sqlite_utils.Database, matcher: Matcher, workspace: str,
                       source_id: str | None = None, readings: Readings | None = None) -> list[dict[str, Any]]:
    """Who-is-this questions from the workspace's own readings (one reading with `source_id`), for the people
    they keep naming that the pack does not know. Deterministic for the same readings."""
    if workspace == store.SHARED:  # the operator's readings belong with the pack
        return []
    rows = (readings or SqliteReadings(db)).own_passages(workspace, source_id, MAX_PASSAGES)
    if not rows:
        return []
    people = [p for p in find_people(rows) if p.in_full and not _pack_knows(matcher, p)]
    if len(people) < 4:
        return []
    patterns = {p.word: re.compile(rf"(?<![\w-]){re.escape(p.word)}(?![\w-])") for p in people}
    rng = random.Random(f"readings:{workspace}:{source_id}")
    out: list[dict[str, Any]] = []
    for row in rows:
        if not MIN_TEXT <= len(row["text"]) <= MAX_TEXT:
            continue
        named = [p for p in people if patterns[p.word].search(row["text"])]
        if len(named) != 1:
            continue
        person = named[0]
        if _inside_another_name(row["text"], person):
            continue
        text = _blank(row["text"], person)
        if text is None or patterns[person.word].search(text) or _gives_away(text, person):
            continue
        others = [p.name for p in people if p is not person]
        options = [person.name, *rng.sample(others, 3)]
        rng.shuffle(options)
        out.append({
            "id": f"gen-rwho-{row['passage_id']}",
            "question": f"Who is {BLANK} in this passage from {_reading(row)} ({row['loc']})? “{text}”",
            "answer": person.name, "options": options,
            "accept": [person.word] if person.word != person.name else [],
            "difficulty": "medium", "period": "", "topic": "from the readings", "about": [],
            "passage_id": row["passage_id"],
            "explanation": f"The passage names {person.name}, whom the group's readings name {person.mentions} times.",
            "sources": [{"reading": row["source_id"], "loc": row["loc"]}]})
        if len(out) >= MAX_QUESTIONS:
            break
    return out


def _inside_another_name(text: str, person: ReadingPerson) -> bool:
    """Whether the name word is written here as part of another name: "Roland Park" (a district), "Petit
    Louis", anything but the person's own fuller form joined to a capitalised word."""
    lead = person.name.split()[:-1]
    for m in re.finditer(rf"(?<![\w-]){re.escape(person.word)}(?![\w-])", text):
        after = text[m.end():m.end() + 40]
        if re.match(rf"\s+[{UPPER}]", after):
            return True
        before = text[max(0, m.start() - 60):m.start()].split()
        if before and before[-1][:1].isupper() and before[-1].rstrip(".,;:") == before[-1] and (
                not lead or before[-len(lead):] != lead) and before[-1].lower() not in _AFTER_SENTENCE:
            return True
    return False


def _pack_knows(matcher: Matcher, person: ReadingPerson) -> bool:
    res = matcher.resolve(person.name, {"person"})
    return bool(res.match or res.choices)


def _reading(row: dict[str, Any]) -> str:
    author = (row.get("author") or "").strip()
    return f"{author}, {row['title']}" if author and author.lower() != "unknown" else f"“{row['title']}”"


def _blank(text: str, person: ReadingPerson) -> str | None:
    forms = sorted({person.name, person.word}, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(f) for f in forms) + r")(?:[’']s)?(?![\w-])")
    blanked, count = pattern.subn(BLANK, text)
    if not count:
        return None
    return around(blanked, BLANK, EXCERPT_CHARS)


def _gives_away(excerpt: str, person: ReadingPerson) -> bool:
    """A word of the name left in the excerpt ("Maximilien" of "Maximilien Robespierre"), or a word made
    from it ("Robespierrist")."""
    left = re.findall(r"[^\W\d_][\w'’-]*", excerpt)
    for w in person.name.split():
        if len(w) >= 4 and any(x == w or (x.startswith(w) and len(x) - len(w) <= 4) for x in left):
            return True
    return False
