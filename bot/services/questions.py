"""The question bank: the pack's curated questions, plus questions generated from the readings a workspace
sees, each with an answer checked against the index, distractors of the same kind and a cited passage."""

from __future__ import annotations

import random
import re
from typing import Any

import sqlite_utils

from bot import store
from bot.dates import HistDate
from bot.names import Matcher

MAX_GENERATED = 60
EXCERPT_CHARS = 320
BLANK = "____"


def bank(db: sqlite_utils.Database, matcher: Matcher, workspace: str, topic: str | None) -> list[dict[str, Any]]:
    """Questions for a quiz on `topic` (None: everything): a period ("1917"), a topic word, a person or term,
    or a reading's title (then only questions generated from that reading)."""
    curated = list(store.questions(db))
    if topic:
        reading = _reading_named(db, workspace, topic)
        if reading:
            return generated(db, matcher, workspace, source_id=reading["id"])
        curated = _on_topic(curated, topic, matcher)
        return curated + [q for q in generated(db, matcher, workspace) if _mentions(q, topic)]
    return curated + generated(db, matcher, workspace)


def _reading_named(db: sqlite_utils.Database, workspace: str, topic: str) -> dict[str, Any] | None:
    t = topic.strip().lower()
    for s in store.sources(db, workspace):
        if t in (s["title"].lower(), s["filename"].lower(), s["id"]):
            return s
    return None


def _on_topic(questions: list[dict[str, Any]], topic: str, matcher: Matcher) -> list[dict[str, Any]]:
    t = topic.strip().lower()
    res = matcher.resolve(topic)
    entity = res.match.candidate.id if res.match else None
    year = int(t) if t.isdigit() else None
    out = []
    for q in questions:
        lo, _, hi = q["period"].partition("-")
        in_period = year is not None and int(lo) <= year <= int(hi or lo)
        if in_period or t == q["period"] or t in q["topic"].lower() or (entity and entity in q["about"]):
            out.append(q)
    return out


def _mentions(q: dict[str, Any], topic: str) -> bool:
    return topic.lower() in (q["question"] + " " + q["answer"]).lower()


def generated(db: sqlite_utils.Database, matcher: Matcher, workspace: str,
              source_id: str | None = None) -> list[dict[str, Any]]:
    """Who-is-this questions from passages that name one person, and which-year questions for pack events
    the readings discuss. Deterministic for the same index."""
    rng = random.Random(f"{workspace}:{source_id}")
    people = {r.id: r for r in store.all_names(db) if r.type == "person"}
    out: list[dict[str, Any]] = []
    for row in store.single_person_passages(db, workspace, source_id, limit=MAX_GENERATED):
        person = people.get(row["entity_id"])
        if person is None:
            continue
        text = _blank(row["text"], person.names)
        if text is None:
            continue
        others = [p for pid, p in people.items() if pid != person.id]
        same_reading = [p for p in others if p.id in row["cooccurring"]]
        pool = same_reading if len(same_reading) >= 3 else others
        if len(pool) < 3:
            continue
        options = [person.name, *[p.name for p in rng.sample(pool, 3)]]
        surname = person.name.split()[-1]
        out.append({
            "id": f"gen-who-{row['passage_id']}", "question": f"Who is {BLANK} in this passage from {row['author']}, "
            f"{row['title']} ({row['loc']})? “{text}”", "answer": person.name, "options": options,
            "accept": [surname] if len(surname) >= 3 else [], "difficulty": "medium", "period": "",
            "topic": "from the readings", "about": [person.id],
            "explanation": f"The passage names {person.name}.",
            "sources": [{"reading": row["source_id"], "loc": row["loc"]}]})
    for ev in store.discussed_events(db, workspace, source_id, limit=MAX_GENERATED):
        when = HistDate.parse(ev["date"], ev["calendar"])
        year = when.year
        offsets = rng.sample([-3, -2, -1, 1, 2, 3], 3)
        out.append({
            "id": f"gen-when-{ev['id']}", "question": f"In which year: {ev['name']}?", "answer": str(year),
            "options": [str(year), *[str(year + o) for o in offsets]], "accept": [], "difficulty": "medium",
            "period": "", "topic": "from the readings", "about": [ev["id"]],
            "explanation": f"{ev['name']}: {when.display()}. {ev['author']} discusses it ({ev['loc']}).",
            "sources": [{"reading": ev["source_id"], "loc": ev["loc"]}]})
    return out


def _blank(text: str, names: list[str]) -> str | None:
    """The passage with every form of the person's name blanked out, cut around the first blank; None when
    the name cannot be found in it (so the question could not be fair)."""
    forms = sorted({n for n in names if len(n) >= 3} | {n.split()[-1] for n in names if len(n.split()) >= 2
                                                         and len(n.split()[-1]) >= 4}, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")(?:[’']s)?\b")
    blanked, count = pattern.subn(BLANK, text)
    if not count:
        return None
    first = blanked.index(BLANK)
    start = max(0, first - EXCERPT_CHARS // 2)
    excerpt = blanked[start:start + EXCERPT_CHARS]
    return ("…" if start else "") + excerpt + ("…" if start + EXCERPT_CHARS < len(blanked) else "")
