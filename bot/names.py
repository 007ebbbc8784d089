"""Name matching: normalised keys for names in any spelling, and a fuzzy matcher that never guesses.

Both sides of a comparison go through `name_key`, which folds what differs between transliterations of
one Russian name (Cyrillic, accents, -y/-ii/-ij/-iy endings, ts/cz/tz, x/ks, w/v, doubled letters), so
"Trotskii", "Trotskij", "Trotzky" and "Троцкий" all become "trotsky" before rapidfuzz scores anything.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from anyascii import anyascii
from rapidfuzz import fuzz, process

# Scores are rapidfuzz's 0-100. A match is confident at CONFIDENT_SCORE or above when the next different
# entity trails it by at least AMBIGUITY_MARGIN; below SUGGEST_SCORE a name is not worth suggesting.
CONFIDENT_SCORE = 86.0
AMBIGUITY_MARGIN = 6.0
SUGGEST_SCORE = 62.0
COMPLETE_FUZZY_SCORE = 75.0  # a half-typed name: only close misspellings, not every name sharing letters
CANDIDATES_PER_SCORER = 25
MAX_CHOICES = 5

_TITLE_WORDS = (
    """general admiral tsar czar tsarina tsaritsa tsarevich emperor empress prince princess count countess
    baron grand duke duchess father comrade mr mrs ms dr professor president premier chairman marshal
    st saint sir lord lady the""".split()
)
ROMAN = frozenset("i ii iii iv v vi vii viii ix x".split())
# Short queries are easy to mistake for another name: below this length only an exact key is confident.
MIN_FUZZY_CONFIDENT_CHARS = 6

# English forms of Russian given names, so "Nicholas" finds every Nikolai and asks which one is meant.
_GIVEN_EQUIVALENTS = {
    "nicholas": "nikolai", "alexander": "aleksandr", "michael": "mikhail", "peter": "pyotr", "paul": "pavel",
    "george": "georgy", "leo": "lev", "leon": "lev", "joseph": "iosif", "gregory": "grigory",
    "catherine": "ekaterina", "alexis": "aleksei", "basil": "vasily", "theodore": "fyodor", "mary": "mariya",
    "maria": "mariya", "helen": "elena", "eugene": "evgeny", "jacob": "yakov", "anthony": "anton",
}

# Ordered rewrites applied to each word; each folds spellings that transliterations disagree on.
_WORD_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"['`\u2019\u02b9\u02bc]", ""),  # soft signs and apostrophes: El'tsin -> Eltsin
        (r"(.)\1+", r"\1"),  # doubled letters: Tseretelli -> Tsereteli, Witte -> Wite
        (r"x", "ks"),  # Alexander -> Aleksander
        (r"w", "v"),  # Wrangel -> Vrangel
        (r"cz|tz|c(?=[eiy])", "ts"),  # Czar -> Tsar, Trotzky -> Trotsky
        (r"kh", "h"),  # Khrushchev / Hrushchev
        (r"(?<=[a-z])(iy|ij|ii|yi|yj|yy|y|i)$", "y"),  # Trotskii/Trotskij/Trotskiy -> Trotsky
        (r"(?<=[aeo])[iy]$", "y"),  # Tolstoi -> Tolstoy, Nikolai -> Nikolay
        (r"^ye", "e"),  # Yeltsin -> Eltsin, Yezhov -> Ezhov
        (r"(?<=[^aeiou])ie", "ye"),  # Zinoviev -> Zinovyev
        (r"^j|(?<=[aeiou])j", "y"),  # Jakov -> Yakov
        (r"ia", "ya"),
        (r"iu", "yu"),  # Iudenich -> Yudenich
        (r"ph", "f"),
        (r"c(?!h)", "k"),  # a hard c: Nicolai -> Nikolay
    )
)
_NON_WORD = re.compile(r"[^a-z0-9' ]+")
_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _word_key(w: str) -> str:
    if w in ROMAN:  # "Alexander III" must not fold into "Alexander I"
        return w
    for pattern, repl in _WORD_RULES:
        w = pattern.sub(repl, w)
    return w


TITLES = frozenset(_word_key(w) for w in _TITLE_WORDS)


def name_words(text: str) -> list[str]:
    """The normalised words of a name, titles included."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text))
    text = anyascii(text).lower()
    text = _NON_WORD.sub(" ", text.replace("-", " "))
    return [k for k in (_word_key(w) for w in text.split()) if k]


def name_key(text: str) -> str:
    """The normalised form of a whole name: "General Kornilov" -> "general kornilov"."""
    return " ".join(name_words(text))


def strip_titles(words: list[str]) -> list[str]:
    """Drop leading titles ("General", "Tsar", "Grand Duke"), unless nothing would be left."""
    i = 0
    while i < len(words) - 1 and words[i] in TITLES:
        i += 1
    return words[i:]


def canonical_given(key: str) -> str:
    """A first name's Russian form when it is an English one ("nicholas" -> "nikolay"), else itself."""
    return _GIVEN_KEYS.get(key, key)


_GIVEN_KEYS = {name_key(en): name_key(ru) for en, ru in _GIVEN_EQUIVALENTS.items()}

KeyKind = Literal["name", "alias", "surname", "given"]


@dataclass(frozen=True)
class Candidate:
    """One thing a name can refer to."""

    id: str
    name: str
    type: str  # person | term | event


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float
    key: str
    kind: KeyKind

    @property
    def rank(self) -> tuple[float, bool, int]:
        """Higher is better: the score, then a full name or alias before a first name alone, then the
        longer (more specific) key: "prince lvov" before "lvov"."""
        return (self.score, self.kind != "given", len(self.key))


@dataclass
class Resolution:
    """What a name resolved to: one confident match, a list of choices, or nothing (with suggestions)."""

    match: Scored | None = None
    choices: list[Scored] = field(default_factory=list)
    suggestions: list[Scored] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return self.match is None and bool(self.choices)


class Matcher:
    """Resolves typed names to candidates; built once from every name, alias and variant.

    A first name alone ("Alexander", "Nicholas") is a key of kind "given": it never makes a confident
    match by itself, so the user is asked to choose.
    """

    def __init__(self) -> None:
        self._keys: list[str] = []
        self._sorted_keys: list[str] = []  # each key's words sorted: token_sort_ratio's work done once, not per query
        self._owners: dict[str, list[tuple[Candidate, KeyKind]]] = defaultdict(list)
        self._prefixes: set[str] = set()  # the first words of every key ("the", "the april"): for text scans
        # per candidate type, the keys some candidate of that type owns, and their word-sorted forms: /who scans
        # only people's keys, so long event names neither cost time nor crowd people out of the best 25
        self._typed: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))

    def __len__(self) -> int:
        return len(self._keys)

    def candidates(self) -> list[Candidate]:
        """Every registered candidate, once each."""
        return list({c.id: c for owners in self._owners.values() for c, _ in owners}.values())

    def exact(self, key: str) -> list[tuple[Candidate, KeyKind]]:
        """The candidates registered under a normalised key, with the kind of key it is for each."""
        return self._owners.get(key, [])

    def starts_key(self, words: str) -> bool:
        """Whether these normalised words are a key or the start of a longer one."""
        return words in self._owners or words in self._prefixes

    def add(self, candidate: Candidate, names: list[str], *, person: bool = False) -> None:
        """Register a candidate under its names; for people, also under surname and given name."""
        seen: set[str] = set()
        given: str | None = None

        def put(key: str, kind: KeyKind) -> None:
            if key and key not in seen:
                seen.add(key)
                words = key.split()
                sorted_key = " ".join(sorted(words))
                if key not in self._owners:
                    self._keys.append(key)
                    self._sorted_keys.append(sorted_key)
                    self._prefixes.update(" ".join(words[:n]) for n in range(1, len(words)))
                if all(c.type != candidate.type for c, _ in self._owners[key]):
                    typed_keys, typed_sorted = self._typed[candidate.type]
                    typed_keys.append(key)
                    typed_sorted.append(sorted_key)
                self._owners[key].append((candidate, kind))

        for i, raw in enumerate(names):
            words = name_words(raw)
            if not words:
                continue
            bare = strip_titles(words)
            if person and given is None:
                given = canonical_given(bare[0])
            if person and len(bare) == 1 and canonical_given(bare[0]) == given:
                # "Tsar Nicholas" typed in full names one person; "Nicholas" alone is only a first name
                if len(words) > 1 or i == 0:
                    put(" ".join(words), "name" if i == 0 else "alias")
                put(given, "given")
                continue
            put(" ".join(words), "name" if i == 0 else "alias")
            put(" ".join(bare), "alias")
            if person and len(bare) >= 2:
                if bare[-1] not in ROMAN and len(bare[-1]) >= 3:
                    put(bare[-1], "surname")
                put(canonical_given(bare[0]), "given")

    def _ranked(self, qkey: str, types: set[str] | None = None) -> dict[str, Scored]:
        """Best scored key per candidate id, from exact lookup plus fuzzy candidates (over the keys of one
        type when `types` names one)."""
        found: dict[str, float] = {}
        for exact in {qkey, canonical_given(qkey)}:
            if exact in self._owners:
                found[exact] = 100.0
        # plain ratio, then ratio over word-sorted keys (token_sort_ratio without re-sorting every key per query)
        qsorted = " ".join(sorted(qkey.split()))
        keys, sorted_keys = (self._typed[next(iter(types))] if types and len(types) == 1
                             else (self._keys, self._sorted_keys))
        for query, choices in ((qkey, keys), (qsorted, sorted_keys)):
            for _, score, i in process.extract(query, choices, scorer=fuzz.ratio, limit=CANDIDATES_PER_SCORER,
                                               score_cutoff=SUGGEST_SCORE):
                key = keys[i]
                found[key] = max(found.get(key, 0.0), score)
        qwords = set(qkey.split())
        best: dict[str, Scored] = {}
        for key, score in found.items():
            kwords = key.split()
            # "vladimir ilich lenin" holds every word of the key "vladimir lenin": as good as exact
            if len(kwords) >= 2 and set(kwords) <= qwords and len(qwords) - len(kwords) <= 1:
                score = max(score, 96.0)
            for cand, kind in self._owners[key]:
                s = Scored(cand, score, key, kind)
                if cand.id not in best or s.rank > best[cand.id].rank:
                    best[cand.id] = s
        return best

    def complete(self, text: str, types: set[str] | None = None, limit: int = 25) -> list[Candidate]:
        """Candidates for a half-typed name, best first: names with a word starting with what was typed
        ("korn" -> Kornilov), then fuzzy matches for typos ("kornil" -> Kornilov); everything, alphabetically,
        when nothing is typed yet. At most `limit`, each candidate once."""
        qkey = name_key(text)
        wanted = [c for c in self.candidates() if types is None or c.type in types]
        if not qkey:
            return sorted(wanted, key=lambda c: c.name.lower())[:limit]
        ids = {c.id for c in wanted}
        scored: dict[str, tuple[float, str]] = {}
        for key in self._keys:
            if key.startswith(qkey) or f" {qkey}" in key:
                for cand, kind in self._owners[key]:
                    score = 200.0 - len(key) if kind != "given" else 100.0 - len(key)
                    if cand.id in ids and score > scored.get(cand.id, (0.0, ""))[0]:
                        scored[cand.id] = (score, cand.name)
        if len(scored) < limit:
            for key, score, _ in process.extract(qkey, self._keys, scorer=fuzz.ratio, limit=limit * 2,
                                                 score_cutoff=COMPLETE_FUZZY_SCORE):
                for cand, _kind in self._owners[key]:
                    if cand.id in ids and cand.id not in scored:
                        scored[cand.id] = (score - 100.0, cand.name)
        by_id = {c.id: c for c in wanted}
        best = sorted(scored.items(), key=lambda kv: (-kv[1][0], kv[1][1].lower()))
        return [by_id[cid] for cid, _ in best[:limit]]

    def resolve(self, text: str, types: set[str] | None = None) -> Resolution:
        """Resolve `text` among candidates of `types` (all types when None)."""
        words = name_words(text)
        if not words:
            return Resolution()
        scored: dict[str, Scored] = {}
        exact = [(c, kind) for c, kind in self._owners.get(" ".join(words), []) if types is None or c.type in types]
        if exact and all(kind != "given" for _, kind in exact):
            # a name or alias typed exactly: only others with exactly that key can rival it (see below), so the
            # fuzzy passes over every key are skipped; the answer is the same, in microseconds
            for c, kind in exact:
                s = Scored(c, 100.0, " ".join(words), kind)
                if c.id not in scored or s.rank > scored[c.id].rank:
                    scored[c.id] = s
        variants = () if scored else {" ".join(words), " ".join(strip_titles(words))}
        for variant in variants:
            for cid, s in self._ranked(variant, types).items():
                if (types is None or s.candidate.type in types) and (cid not in scored or s.rank > scored[cid].rank):
                    scored[cid] = s
        ranked = sorted(scored.values(), key=lambda s: (-s.score, s.kind == "given", -len(s.key), s.candidate.name))
        if not ranked:
            return Resolution()
        top = ranked[0]
        query_len = len(" ".join(strip_titles(words)))
        sure = top.score == 100.0 or (top.score >= CONFIDENT_SCORE and query_len >= MIN_FUZZY_CONFIDENT_CHARS)
        if sure and top.kind != "given":
            # a first name is a rival only when it is exactly what was typed ("Alexei": the tsarevich or Rykov?),
            # never when the whole query is someone's full name or alias ("Czar Nicholas", "Tsarevich Alexei")
            whole = top.score == 100.0 and top.key == " ".join(words)
            if whole:  # "Prince Lvov" typed in full: only someone else with exactly that name is a rival
                rivals = [s for s in ranked[1:] if s.score == 100.0 and s.key == top.key]
            else:
                rivals = [s for s in ranked[1:] if s.score > top.score - AMBIGUITY_MARGIN
                          and (s.kind != "given" or s.score == 100.0)]
            if not rivals:
                return Resolution(match=top)
            return Resolution(choices=[top, *rivals][:MAX_CHOICES])
        if top.score == 100.0:  # a first name several people share, or one person's first name alone
            return Resolution(choices=[s for s in ranked if s.score == 100.0][:MAX_CHOICES])
        return Resolution(suggestions=[s for s in ranked if s.score >= SUGGEST_SCORE][:3])
