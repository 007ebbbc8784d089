"""How a group's readings use a capitalised name: often enough, never as a common word, not as a group or a
place ("the Jacobins", "in Varennes"), and in which fuller form ("Maximilien Robespierre"). Shared by /who for
names the pack lacks and by `clio pack draft`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from collections import Counter
from collections.abc import Iterable

from bot.names import is_title
from bot.places import is_dynasty, is_place

MIN_MENTIONS = 5  # a name the pack lacks counts as a person's once the readings write it this often

# after these words a capitalised word is a group, a thing or a place ("the Jacobins", "at Varennes")
_NOT_A_PERSON_BEFORE = re.compile(r"(?:\b(?:the|in|at|to|from|into|near|a|an|la|le|les)\s+['‘“\"]?)\Z",
                                  re.IGNORECASE)  # "the ‘Marseillaise’", "La Marseillaise"
UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"  # capital letters of Latin scripts
# the end of a longer name joined by a particle, not a person there: "the Champ de Mars", "the Order of Lenin"
_BOUND_BEFORE = re.compile(rf"[{UPPER}][\w'’-]*\s+(?:de|du|des|del|della|von|van|of)(?:\s+la)?\s+\Z")
_CAPITALISED_RUN = re.compile(rf"(?:[{UPPER}][\w'’-]*\s+)+\Z")
# capitalised words that come before a name without being part of it ("In", "When Robespierre fell")
_NOT_GIVEN = {"a", "an", "and", "as", "at", "but", "by", "for", "from", "if", "in", "of", "on", "so", "the", "then",
              "to", "when", "while", "with", "after", "before", "during", "under", "since", "although", "though",
              "both", "citizen", "deputy", "general", "king", "queen", "saint", "st", "abbé", "abbe"}


@dataclass(frozen=True)
class NameUsage:
    upper: int  # written with a capital
    lower: int  # written in lower case: a common word
    unlike: int  # after "the", "in", "at"...
    fuller: str | None  # the commonest longer form written at least twice
    # ending a longer name after a particle ("the Champ de Mars"); a person's name too at times ("the Marquis de
    # Lafayette", written "Lafayette" alone most often), so only a word bound so most of the time is no one
    bound: int = 0

    @property
    def is_name(self) -> bool:
        return (self.upper >= MIN_MENTIONS and not self.lower and self.unlike * 3 <= self.upper
                and self.bound * 3 < self.upper * 2)


def name_usage(texts: list[str], words: list[str]) -> NameUsage:
    """Count how `texts` write the name made of `words` (matched without regard to case)."""
    phrase = r"\s+".join(re.escape(w) for w in words)
    pattern = re.compile(rf"(?<![\w-])({phrase})(?![\w-])", re.IGNORECASE)
    before = re.compile(rf"((?:[{UPPER}][\w'’-]+\s+){{1,2}})(?i:{phrase})(?![\w-])")
    upper = lower = unlike = bound = 0
    longer: dict[str, int] = {}
    for text in texts:
        for m in pattern.finditer(text):
            if m.group(1)[:1].isupper():
                upper += 1
                run = _CAPITALISED_RUN.search(text, 0, m.start())  # "the Revolutionary Tribunal": look before the run
                if _NOT_A_PERSON_BEFORE.search(text, 0, run.start() if run else m.start()):
                    unlike += 1
                if _BOUND_BEFORE.search(text, max(0, m.start() - 40), m.start()):
                    bound += 1
            else:
                lower += 1
        for m in before.finditer(text):
            lead = [w for w in m.group(1).split() if not is_title(w) and w.lower() not in _NOT_GIVEN]
            if lead:
                form = " ".join([*lead, *m.group(0).split()[-len(words):]])
                longer[form] = longer.get(form, 0) + 1
    fuller = None
    if longer:
        form, n = max(longer.items(), key=lambda kv: (kv[1], len(kv[0])))
        fuller = form if n >= 2 else None
    return NameUsage(upper, lower, unlike, fuller, bound)


_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# Marxist, Parisians, Jewish, Christian: a group or its adjective, not a person
_GROUP_WORD = re.compile(r"(?:ist|ists|ism|ians|ans|ites|ese|ish|ian)$")
NEVER_NAMES = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "god", "lord",
    "however", "although", "after", "before", "during", "when", "while", "this", "that", "these", "those", "there",
    "their", "they", "then", "thus", "since", "under", "with", "from", "into", "also", "many", "most", "some",
    "both", "each", "such", "other", "what", "which", "where", "who", "why", "how", "here", "his", "her", "its",
    "our", "your", "one", "two", "three", "four", "five", "first", "second", "third", "new", "old", "great",
    "north", "south", "east", "west", "northern", "southern", "eastern", "western", "article", "chapter",
}


@dataclass(frozen=True)
class ReadingPerson:
    name: str  # the fuller form the readings use ("Maximilien Robespierre"), else the word
    word: str  # the capitalised word that names them ("Robespierre")
    mentions: int
    rows: list  # the passages (dicts with "text") that write the word
    # written at least twice with a given name the readings never write in lower case ("Georges Danton", not
    # "Public Prosperity" nor a bare "Napoleon"): surely a person, the bar for quiz questions
    in_full: bool = False


def find_people(rows: Iterable[dict], limit: int = 150) -> list[ReadingPerson]:
    """The people a set of passages keeps naming, most named first: capitalised words written at least
    MIN_MENTIONS times, never in lower case, not a given name that mostly comes before a surname ("Jacques"),
    not a sentence opener ("Meanwhile"), a title, a place, a dynasty, a group word ("Parisians") or mostly
    after "the"/"in"/"at" (see NameUsage)."""
    rows = list(rows)
    usage = _WordUsage(rows)
    people: list[ReadingPerson] = []
    seen: set[str] = set()
    for word, n in usage.upper.most_common():
        if n < MIN_MENTIONS or len(people) >= limit:
            break
        person = usage.person(word)
        if person is None or person.name.lower() in seen:
            continue
        seen.add(person.name.lower())
        people.append(person)
    return people


def reading_person(rows: Iterable[dict], word: str) -> ReadingPerson | None:
    """The person `word` names in these passages, judged as find_people judges each word ("Robespierre" is
    Maximilien Robespierre; "April", "Marxism", "Jacques", "Russia's" are no one); None when it is no one's
    name, or too rare."""
    return _WordUsage(list(rows)).person(re.sub(r"['’]s?$", "", word))


class _WordUsage:
    """How a set of passages writes each capitalised word: how often with a capital, whether ever in lower case,
    how often before another capitalised word (a given name: "Jacques Necker") or first in its sentence."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows
        self.upper: Counter[str] = Counter()
        self.lower: set[str] = set()
        self.leading: Counter[str] = Counter()
        self.opening: Counter[str] = Counter()
        for r in rows:
            text = r["text"]
            for m in _WORD.finditer(text):
                tok = re.sub(r"['’]s?$", "", m.group(0))
                if not tok[:1].isupper():
                    self.lower.add(tok.lower())
                    continue
                self.upper[tok] += 1
                if re.match(r"\s+[A-Z]", text[m.end():m.end() + 2]):
                    self.leading[tok] += 1
                if not text[:m.start()].strip() or text[:m.start()].rstrip()[-1:] in ".!?:;\"“(":
                    self.opening[tok] += 1

    def person(self, word: str) -> ReadingPerson | None:
        n = self.upper[word]
        key = word.lower()
        if (n < MIN_MENTIONS or key in self.lower or key in NEVER_NAMES or len(word) < 3 or word.isupper()
                or is_title(word) or is_place(word) or is_dynasty(word) or self.leading[word] * 2 > n
                or self.opening[word] * 5 > n * 4 or _GROUP_WORD.search(word)
                or word.endswith("s") and self.upper[word[:-1]]):  # "Montagnards" beside "a Montagnard": a group
            return None
        pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
        named = [r for r in self.rows if pattern.search(r["text"])]
        usage = name_usage([r["text"] for r in named], [word])
        if not usage.is_name:
            return None
        name = usage.fuller or word
        lead = name.split()[:-1]
        if any(w.lower() in self.lower or w.lower() in NEVER_NAMES or is_place(w) for w in lead):
            name, lead = word, []  # "Bloody Sunday": the words before are no given name
        if not lead and usage.unlike * 10 >= usage.upper:
            return None  # never with a given name, and now and then "in Rostov", "the Luftflotte": a place, a thing
        return ReadingPerson(name, word, usage.upper, named, bool(lead))
