"""Grading typed quiz answers the way a careful quizmaster would: lenient only where no other answer fits.

The answer's kind decides what is forgiven:

- **Numbers** (years, counts, percentages, ordinals, article numbers): the exact value, written in digits or
  words ("4 million", "four million", "4,000,000"; "thirtieth" for "30th"); never a typo in a digit. A year
  inside a date counts for the year ("October 1917" for 1917), and any other words typed must be the answer's
  own ("3 weeks" is not "3 days"; "Article 1" is not "Article 6").
- **People**: any of that person's names in the pack (name, aliases, variants, birth name: "Ulyanov" for Lenin,
  "Nicholas Romanov" for Nicholas II); a surname alone only when no other person in the pack has it; a first
  name alone is "be more specific"; regnal numbers exact ("Nicholas I" is never Nicholas II); small typos
  in the letters, never a name that is someone else's.
- **Anything else**: the answer, its accepted forms and, when the answer is a pack entry, that entry's names,
  with small typos; a part of the answer ("Regiment" for "Pavlovsky Regiment") is "be more specific".

A message listing several guesses ("Lenin or Trotsky") is refused whatever the kind.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA
from text_to_num import alpha2digit

from bot.names import Matcher, name_key, ordinals, query_words, strip_titles
from bot.places import place_keys

NEAR_SCORE = 70.0  # below a forgiven typo but above this: "close, be more specific"
MIN_TYPO_CHARS = 5
_ARTICLES = frozenset({"the", "a", "an"})
_SEVERAL = re.compile(r",(?!\d{3})|;|/|\||\bor\b|\band\b|\bnor\b|\?.*\?", re.I)
_YEAR = re.compile(r"^\s*(\d{3,4})\s*$")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_GROUPED = re.compile(r"\d{1,3}(?:(?:,|\s)\d{3})+")  # 10,000 and 10 000
_SCALED = re.compile(r"(\d{1,3}(?:(?:,|\s)\d{3})+(?!\d)|\d+(?:[.,]\d+)?)(?:\s*(thousand|million|billion|bn|m)\b)?",
                     re.I)
_SCALES = {"thousand": 1000, "million": 10**6, "m": 10**6, "billion": 10**9, "bn": 10**9}
_DIGITS_SCALED = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(thousand|million|billion|bn)\b", re.I)
# words that change a number's value in ways not worth reading ("half a million"): such a form is matched by
# its words only
_VALUE_WORDS = frozenset("half quarter quarters third thirds fifth dozen dozens hundreds thousands millions".split())
# words around a number that change nothing about its value: "about 38 per cent", "his 30th"
_NUMBER_FILLER = frozenset("""the a an about around some roughly approximately nearly almost over under
    per cent percent pc his her their its of in on at st nd rd th no number""".split())
_DENIED = re.compile(r"\b(?:not|never|isn'?t|wasn'?t)\b", re.I)  # "not 1917": the year typed is the one it is not
_MONTHS = {m: i for i, m in enumerate("""january february march april may june july august september october
    november december""".split(), 1)} | {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)} | {"sept": 9}

Verdict = Literal["right", "wrong", "near", "several"]


@dataclass(frozen=True)
class Grade:
    verdict: Verdict
    note: str = ""

    @property
    def correct(self) -> bool:
        return self.verdict == "right"


def _key(text: str) -> str:
    return " ".join(w for w in query_words(text) if w not in _ARTICLES)


def grade(typed: str, answer: str, accept: list[str], matcher: Matcher) -> Grade:
    """Grade one typed answer against the answer key and its accepted forms."""
    typed = unicodedata.normalize("NFKC", typed)
    forms = [unicodedata.normalize("NFKC", f) for f in (answer, *accept) if f and f.strip()]
    if not _key(typed) and not _NUMBER.search(typed):
        return Grade("wrong", "empty answer")
    if _NUMBER.search(forms[0] if forms else ""):
        # a form written in words ("about a quarter", "executed") is matched by its words; digits never are,
        # since name keys fold "100" into "10"
        if not _NUMBER.search(typed) and _key(typed) in {_key(f) for f in forms if not _NUMBER.search(f)}:
            return Grade("right")
        return _grade_number(typed, forms)
    keys = {_key(f) for f in forms} - {""}
    typed_key = _key(typed)
    if typed_key in keys:
        return Grade("right")
    if _lists_several(typed, keys):
        return Grade("several", "one answer at a time")
    person = _person_of(answer, matcher)
    if person is not None:
        return _grade_person(typed, typed_key, person, keys, matcher)
    return _grade_other(typed, typed_key, answer, keys, matcher)


# --- numbers ---------------------------------------------------------------------------------------------------


def _grade_number(typed: str, forms: list[str]) -> Grade:
    year = _YEAR.match(forms[0])
    if year:  # a year: the one year typed, alone or inside a date, and not denied ("not 1917")
        if _DENIED.search(typed):
            return Grade("wrong")
        years = {int(n) for n in _numbers(typed) if 100 <= n <= 2999 and n == int(n)}
        if len(years) > 1:
            return Grade("several", "one year at a time")
        return Grade("right") if years == {int(year.group(1))} else Grade("wrong")
    mine = _numbers(typed)
    if not mine:
        return Grade("wrong", "give the number")
    words = _number_words(typed)
    if words & _VALUE_WORDS:
        return Grade("wrong", "give the number")
    for form in forms:
        if _number_words(form) & _VALUE_WORDS:
            continue
        theirs = _numbers(form)
        if sorted(mine) == sorted(theirs) and words <= _number_words(form) | _prefixes(_number_words(form)):
            return Grade("right")
    if len(set(mine)) > 1 and len(set(mine)) > len(set(_numbers(forms[0]))):
        return Grade("several", "one answer at a time")
    return Grade("wrong")


def _numbers(text: str) -> list[float]:
    """The numbers a text states, in digits or words, with their scale: "4 million" and "four million" are
    4,000,000; "10,000" is ten thousand; "30th" and "thirtieth" are 30; month names are not numbers."""
    text = unicodedata.normalize("NFKC", text)
    text = _DIGITS_SCALED.sub(lambda m: str(int(Decimal(m.group(1).replace(",", "")) * _SCALES[m.group(2).lower()])),
                              text)  # "4 million" before alpha2digit, which would read it as "4 1000000"
    # alpha2digit leaves a lone "one" as a word: made a digit after it, so "seventy-one" stays 71 (made a digit
    # before, it was "seventy-1", 70 and 1) and "one hundred and one" 101
    digits = re.sub(r"(?i)(?<![\w-])one(?![\w-])", "1", alpha2digit(text, "en"))
    out = []
    for m in _SCALED.finditer(digits):
        raw, scale = m.group(1), (m.group(2) or "").lower()
        raw = re.sub(r"[,\s]", "", raw) if _GROUPED.fullmatch(raw) else raw.replace(",", ".")
        try:
            value = float(raw)
        except ValueError:
            continue
        out.append(value * _SCALES.get(scale, 1))
    return out


def _number_words(text: str) -> set[str]:
    """The words of a numeric answer beside its numbers that could change its meaning ("days", "article",
    a month), without fillers and number words."""
    digits = alpha2digit(unicodedata.normalize("NFKC", text), "en")
    words = re.findall(r"[^\W\d_]+", digits.lower())
    out = set()
    for w in words:
        if w in _NUMBER_FILLER or w in ("thousand", "million", "billion", "one"):
            continue
        out.add(str(_MONTHS[w]) + "-month" if w in _MONTHS else w.rstrip("s") if len(w) > 3 else w)
    return out


def _prefixes(words: set[str]) -> set[str]:
    """Abbreviations a member may type for the answer's words: "art" for "article"."""
    return {w[:n] for w in words if not w.endswith("-month") for n in range(3, len(w))}


# --- people ----------------------------------------------------------------------------------------------------


def _person_of(answer: str, matcher: Matcher) -> str | None:
    """The one person the answer names in the pack, or None."""
    owners = {c.id for c, kind in matcher.exact(name_key(answer)) if c.type == "person" and kind != "given"}
    return owners.pop() if len(owners) == 1 else None


def _grade_person(typed: str, typed_key: str, person: str, keys: set[str], matcher: Matcher) -> Grade:
    words = query_words(typed)
    probes = dict.fromkeys([" ".join(words), " ".join(strip_titles(words))])
    mine = {k for k, kind in matcher.keys_of(person) if kind in ("name", "alias", "surname")} | keys
    for probe in probes:
        owners = matcher.exact(probe)
        people = {c.id for c, kind in owners if c.type == "person"}
        if person in people:
            kinds = {kind for c, kind in owners if c.id == person}
            if kinds <= {"given"}:
                return Grade("near", "a first name alone: be more specific")
            if people == {person}:
                return Grade("right")
            return Grade("near", "that name fits more than one person: be more specific")
        if people or probe in keys:
            return Grade("right") if probe in keys else Grade("wrong")
    if _names_someone_else(typed, person, matcher):
        return Grade("wrong")
    if ordinals(words) != ordinals(query_words(next(iter(keys)))) and ordinals(words):
        return Grade("wrong")  # "Nicholas I" for Nicholas II: a regnal number is identity
    return _typo_or_near(typed_key, mine, matcher, person)


def _names_someone_else(typed: str, person: str | None, matcher: Matcher) -> bool:
    """True when the typed text, or a word of it, is exactly the name of a person the answer is not:
    "Alexandra" for Alexander. Such an answer is never a typo."""
    words = query_words(typed)
    probes = [" ".join(words), " ".join(strip_titles(words)), *(w for w in words if len(w) >= 4)]
    for probe in probes:
        owners = {c.id for c, kind in matcher.exact(probe) if c.type == "person" and kind != "given"}
        if owners and person not in owners:
            return True
    return False


# --- everything else -------------------------------------------------------------------------------------------


def _grade_other(typed: str, typed_key: str, answer: str, keys: set[str], matcher: Matcher) -> Grade:
    entries = {c.id for c, _ in matcher.exact(name_key(answer)) if c.type != "person"}
    forms = set(keys)
    if len(entries) == 1:  # the answer is a pack entry: its other names are right too ("Vecheka" for Cheka)
        entry = entries.pop()
        forms |= {k for k, kind in matcher.keys_of(entry) if kind in ("name", "alias")}
        if typed_key in forms:
            return Grade("right")
    else:
        entry = None
    if _names_someone_else(typed, None, matcher):
        return Grade("wrong")
    owners = {c.id for c, kind in matcher.exact(typed_key) if kind != "given"}
    if owners and entry not in owners:
        return Grade("wrong")  # exactly another entry's name: "Mensheviks" for the Bolsheviks
    return _typo_or_near(typed_key, forms, matcher, entry)


def _typo_or_near(typed_key: str, forms: set[str], matcher: Matcher, owner: str | None) -> Grade:
    """A small slip in the letters of one of `forms` is right; a part or a near miss is "be more specific"."""
    if len(typed_key) >= MIN_TYPO_CHARS and not any(ch.isdigit() for ch in typed_key):
        for form in forms:
            if OSA.distance(typed_key, form) <= _typos_allowed(form) and ordinals(typed_key.split()) == ordinals(
                    form.split()) and not _closer_to_another(typed_key, form, matcher, owner):
                return Grade("right", "spelling forgiven")
    if typed_key in place_keys():
        return Grade("wrong")  # "Austria" is never a near miss for the Archduke
    typed_words = typed_key.split()
    form_words = {w for k in forms for w in k.split()}
    # a part of the answer ("Regiment", "Nicholas"), or one name a few slips further off ("Kornesky"): close
    part = all(any(fuzz.ratio(w, f) >= 80 for f in form_words) for w in typed_words)
    near_miss = len(typed_words) == 1 and max((fuzz.ratio(typed_key, k) for k in forms | form_words),
                                              default=0.0) >= NEAR_SCORE
    return Grade("near", "be more specific") if part or near_miss else Grade("wrong")


def _closer_to_another(typed_key: str, form: str, matcher: Matcher, owner: str | None) -> bool:
    """Whether the slip is at least as close to a name of another entry ("Kamenev" typed for "Kameneva")."""
    limit = OSA.distance(typed_key, form)
    for key in matcher.keys_near(typed_key, limit):
        if any(c.id != owner for c, kind in matcher.exact(key) if kind != "given"):
            if key != form:
                return True
    return False


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
