"""Grading typed quiz answers the way a lenient quizmaster would, without ever accepting another person.

Accepted: case, punctuation, articles, small typos, other transliterations ("Trotskii"), a surname for a
full name, a year inside a date. Refused: a different person's name ("Alexandra" for "Alexander"), and a
message that lists several guesses ("Lenin or Trotsky").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.names import ROMAN, Matcher, canonical_given, name_key, name_words, strip_titles

NEAR_SCORE = 70.0  # below TYPO_SCORE but above this: "close, be more specific"
MIN_TYPO_CHARS = 5
_ARTICLES = frozenset({"the", "a", "an"})
_SEVERAL = re.compile(r",|;|/|\||\bor\b|\band\b|\bnor\b|\?.*\?", re.I)
_YEAR = re.compile(r"\b(\d{3,4})\b")

Verdict = Literal["right", "wrong", "near", "several"]


@dataclass(frozen=True)
class Grade:
    verdict: Verdict
    note: str = ""

    @property
    def correct(self) -> bool:
        return self.verdict == "right"


def _key(text: str) -> str:
    return " ".join(w for w in name_words(text) if w not in _ARTICLES)


def grade(typed: str, answer: str, accept: list[str], matcher: Matcher) -> Grade:
    """Grade one typed answer against the answer key and its accepted variants."""
    typed_key = _key(typed)
    if not typed_key:
        return Grade("wrong", "empty answer")
    if _YEAR.fullmatch(answer.strip()):
        years = _YEAR.findall(typed)
        if len(set(years)) > 1:
            return Grade("several", "one year at a time")
        return Grade("right") if years and years[0] == answer.strip() else Grade("wrong")
    forms = [answer, *accept]
    keys = {_key(f) for f in forms} - {""}
    if typed_key in keys:
        return Grade("right")
    if _lists_several(typed, keys):
        return Grade("several", "one answer at a time")
    # a surname alone for a full name ("Kerensky" for "Alexander Kerensky"), never a first name alone
    surnames = {strip_titles(k.split())[-1] for k in keys if len(strip_titles(k.split())) >= 2}
    surnames = {s for s in surnames if s not in ROMAN and len(s) >= 3}
    bare = " ".join(strip_titles(typed_key.split()))
    if bare in surnames or bare in keys:
        return Grade("right")
    if _names_someone_else(typed, keys, matcher):
        return Grade("wrong")
    if len(typed_key) >= MIN_TYPO_CHARS and any(OSA.distance(typed_key, k) <= _typos_allowed(k) for k in keys | surnames):
        return Grade("right", "spelling forgiven")
    best = max((fuzz.ratio(typed_key, k) for k in keys | surnames), default=0.0)
    if best >= NEAR_SCORE or any(fuzz.partial_ratio(typed_key, k) >= 95 for k in keys if len(typed_key) >= 4):
        return Grade("near", "be more specific")
    return Grade("wrong")


def _typos_allowed(key: str) -> int:
    """Edits (including swapped letters) forgiven in an answer: one in a short name, two in a long one."""
    return 0 if len(key) < MIN_TYPO_CHARS else 1 if len(key) < 10 else 2


def _lists_several(typed: str, keys: set[str]) -> bool:
    """"Lenin or Trotsky", "Kerensky, Kornilov": several guesses in one message."""
    parts = [p for p in _SEVERAL.split(typed) if p and p.strip()]
    if len(parts) < 2:
        return False
    # "Socialist Revolutionaries and Bolsheviks" may be an answer; it is only a list if no key has the joiner
    return not any(_SEVERAL.search(form) for form in keys) and sum(bool(_key(p)) for p in parts) >= 2


def _names_someone_else(typed: str, keys: set[str], matcher: Matcher) -> bool:
    """True when the typed text, or one of its words, is exactly the name of an entry the answer is not:
    "Alexandra" for Alexander, "Nicholas II" for Nicholas I. Such an answer is never a typo."""
    answer_owners = {c.id for k in keys for c, _ in matcher.exact(k)}
    for k in keys:
        answer_owners |= {c.id for c, _ in matcher.exact(canonical_given(k))}
    typed_k = name_key(typed)
    answer_words = {w for k in keys for w in k.split()}
    probes = [typed_k, " ".join(strip_titles(typed_k.split()))]
    probes += [w for w in typed_k.split() if len(w) >= 4 and w not in answer_words]
    for probe in probes:
        owners = {c.id for c, _ in [*matcher.exact(probe), *matcher.exact(canonical_given(probe))]}
        if owners and not owners & answer_owners:
            return True
    return False
