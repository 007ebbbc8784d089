"""Name matching: normalised keys for names in any spelling, and a fuzzy matcher that never guesses.

Both sides of a comparison go through `name_key`, which folds what differs between transliterations of
one Russian name (Cyrillic, accents, -y/-ii/-ij/-iy endings, ts/cz/tz, x/ks, w/v, doubled letters), so
"Trotskii", "Trotskij", "Trotzky" and "Троцкий" all become "trotsky" before rapidfuzz scores anything.

Who is meant: a regnal number is identity ("Nicholas I" never finds Nicholas II); a title alone ("Tsar",
"Kaiser") finds its holders; a place, nationality or dynasty word ("Germany", "Hesse", "Romanov") is never a
surname (bot.places); and when a name fits several people equally they come likeliest first, by a
prominence the caller supplies (bot.services.prominence).
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from array import array
from functools import lru_cache
from operator import itemgetter
from collections.abc import Callable, Mapping
from typing import Literal

from bot.name_index import INDEX_MIN_KEYS, NameIndex
from bot.text import roman

# Scores are rapidfuzz's 0-100. A match is confident at CONFIDENT_SCORE or above when the next different
# entity trails it by at least AMBIGUITY_MARGIN; below SUGGEST_SCORE a name is not worth suggesting.
CONFIDENT_SCORE = 86.0
AMBIGUITY_MARGIN = 6.0
SUGGEST_SCORE = 62.0
# a suggestion must hold words near the telling words typed (see Matcher._suggest) weighing at least this share
# of them all, each weighed by how few keys hold the words near it
SUGGEST_SHARE = 0.65
WHOLE_SHARE = 0.999  # a suggestion's share of the telling words that is all of them
MAX_SUGGESTIONS = 3
# a name close to the one typed in letters alone (no word of it one slip from a word typed) is suggested only this
# close, and only when its words are loosely like (LOOSE_WORD_SCORE) telling words of SUGGEST_SHARE
LETTERS_SCORE = 70.0
LOOSE_WORD_SCORE = 60.0
MAX_LOOSE_SLIPS = 3  # a suggestion by letters alone: a typed word at most this many slips from a word of it
ACCOUNTED_WORD_SCORE = 75.0  # a typed word this alike to a word of a name counts as that word mistyped
MAX_HOLDERS = 2_000  # keys holding words near the telling ones looked at, at most, the nearest words' first
COMPLETE_FUZZY_SCORE = 75.0  # a half-typed name: only close misspellings, not every name sharing letters
CANDIDATES_PER_SCORER = 25
MAX_CHOICES = 5

TITLE_WORDS = (
    """general admiral tsar czar tsarina tsaritsa tsarevich tsesarevich tsarevna emperor empress kaiser king
    queen crown prince princess archduke archduchess count countess baron grand duke duchess father comrade mr
    mrs ms dr professor president premier chairman marshal st saint sir lord lady the""".split()
)
# Regnal numbers up to 30: Louis XVI, XVII and XVIII are three people, so all must stay distinct.
_NUMERALS = [roman(n).lower() for n in range(1, 31)]
ROMAN = frozenset(_NUMERALS)
# Ordinals typed another way: "Nicholas 2", "Nicholas 2nd", "Nicholas the Second" all mean "Nicholas II".
_ORDINAL_NUMBERS = {str(n): r for n, r in enumerate(_NUMERALS, 1)}
_ORDINAL_NUMBERS |= {f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}": r
                     for n, r in enumerate(_NUMERALS, 1)}
_ORDINAL_WORDS = dict(zip(
    ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
     "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split(), _NUMERALS))
# Short queries are easy to mistake for another name: below this length only an exact key is confident.
MIN_FUZZY_CONFIDENT_CHARS = 6
MAX_SHORT_PLURAL_BASE = 5  # a one-word key this short, typed with a plural ending, is no sure match (see resolve)

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


@lru_cache(maxsize=1 << 16)  # names repeat their words (first names, patronymics, endings): fold each once
def _word_key(w: str) -> str:
    if w in ROMAN:  # "Alexander III" must not fold into "Alexander I"
        return w
    for pattern, repl in _WORD_RULES:
        w = pattern.sub(repl, w)
    return w


TITLES = frozenset(_word_key(w) for w in TITLE_WORDS)
# small words that tell nothing about which entry is meant ("the Terror", "Treaty of Versailles")
_FILLER = frozenset("of and or in on at to for a an de du la le les von van da di del der".split())


# short forms people type for a name the packs write out: "WW1" is the First World War
_SHORT_FORMS = {"ww1": "first world war", "wwi": "first world war", "ww2": "second world war",
                "wwii": "second world war"}


def _raw_words(text: str) -> list[str]:
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text))
    if not text.isascii():  # anyascii leaves ASCII as it is: `clio ask` with a Latin name never imports it
        from anyascii import anyascii

        text = anyascii(text)
    text = text.lower()
    words = _NON_WORD.sub(" ", text.replace("-", " ")).split()
    return written_out(words) if _SHORT_FORMS.keys() & words else words


def written_out(words: list[str]) -> list[str]:
    """Lower-case words with each short form written out: ["when", "ww2"] -> ["when", "second", "world", "war"]."""
    return [w for word in words for w in _SHORT_FORMS.get(word, word).split()]


def name_words(text: str) -> list[str]:
    """The normalised words of a name, titles included."""
    return [k for k in (_word_key(w) for w in _raw_words(text)) if k]


def _is_name_word(w: str) -> bool:
    return len(w) >= 2 and w.isalpha() and w not in ROMAN and w not in TITLES


def query_words(text: str) -> list[str]:
    """The normalised words of a typed name, with an ordinal written as a number or a word turned into the
    Roman numeral names are stored with: "Nicholas 2", "Nicholas 2nd", "Nicholas the Second" -> "nicholas ii"."""
    raws = _raw_words(text)
    words: list[str] = []
    for i, raw in enumerate(raws):
        # only where a regnal number stands: last, or before "of" ("the First World War" keeps its words)
        ends = i + 1 == len(raws) or raws[i + 1] == "of"
        roman = _ORDINAL_NUMBERS.get(raw) if ends else None
        if roman and words and _is_name_word(words[-1]):
            words.append(roman)
            continue
        roman = _ORDINAL_WORDS.get(raw) if ends else None
        if roman and len(words) >= 2 and words[-1] == "the" and _is_name_word(words[-2]):
            words[-1] = roman
            continue
        key = _word_key(raw)
        if key:
            words.append(key)
    return words


def ordinals(words: list[str]) -> frozenset[str]:
    """The regnal or ordinal numbers in a name's words: a Roman numeral right after a name word ("nikolay
    ii", "vilhelm ii of germany"), not an initial ("v i lenin", "lenin v i")."""
    found = set()
    for i, w in enumerate(words):
        if (w in ROMAN and i > 0 and _is_name_word(words[i - 1])
                and not (i + 1 < len(words) and len(words[i + 1]) == 1)):
            found.add(w)
    return frozenset(found)


def is_title(text: str) -> bool:
    """Whether a name is only a title ("Tsar", "the Tsar", "Grand Duke"): it names an office many people
    held, never one person by itself."""
    words = name_words(text)
    return bool(words) and all(w in TITLES for w in words) and any(w != "the" for w in words)


def title_key(words: list[str]) -> str:
    """The key of a title's words, without articles: "the tsar" -> "tsar"."""
    return " ".join(w for w in words if w != "the")


def name_key(text: str) -> str:
    """The normalised form of a whole name: "General Kornilov" -> "general kornilov"."""
    return " ".join(name_words(text))


def strip_titles(words: list[str]) -> list[str]:
    """Drop leading titles ("General", "Tsar", "Grand Duke"), unless nothing would be left."""
    i = 0
    while i < len(words) - 1 and words[i] in TITLES:
        i += 1
    return words[i:]


def pack_surname(name: str) -> tuple[str, str] | None:
    """A person's surname as the pack names them, from the last word of their display name: (its key, the
    word as written), "Kornilov" of "Lavr Kornilov"; None for a one-word name or a regnal number. An epithet is
    no surname: "Pitt" of "William Pitt the Younger", none of "Catherine the Great" (whose "Great" was Peter
    the Great's too)."""
    keys, written = strip_titles(name_words(name)), name.split()
    if len(keys) >= 3 and keys[-2] == "the" and len(written) >= 3 and written[-2] == "the":
        keys, written = keys[:-2], written[:-2]
    if len(keys) < 2 or keys[-1] in ROMAN:
        return None
    return keys[-1], written[-1]


PATRONYMIC = re.compile(r"(?:ovich|evich|ovna|evna|ich)$")  # a father's name, shared by brothers: names no one
# what, added to a surname, makes another word of it: a woman's form (Kameneva, Ulyanova), a patronymic
# (Alexandrovna), a town (Sverdlovsk, Ivanovo, Stalingrad), a doctrine (Leninism). Close as they are in letters,
# they are never a slip of the keyboard for the surname.
_DERIVED_ENDINGS = frozenset("a o na ovna evna ich ovich evich sk grad ism ist ists".split())
# endings of doctrines, arts and qualities, as keys spell them: one stem with two of them is two words
_WORD_ENDINGS = ("ityes", "ities", "ists", "ism", "ist", "iks", "ics", "ity", "ary")


def _sibling(a: str, b: str) -> bool:
    """Whether two words are one stem with different endings of _WORD_ENDINGS ("economics", "economism";
    "revolutionary", "revolution"): another word, not a slip."""
    if a[:5] != b[:5]:  # a stem is five letters or more: most pairs are told apart here, before any ending
        return False

    def split(w: str) -> tuple[str, str]:
        end = next((e for e in _WORD_ENDINGS if w.endswith(e) and len(w) - len(e) >= 5), "")
        return w[:len(w) - len(end)], end
    (sa, ea), (sb, eb) = split(a), split(b)
    return sa == sb and ea != eb


def _derived(word: str, base: str) -> bool:
    """Whether `word` (a key's word) is `base` with an ending that makes another word of it, or the woman's form
    of a surname in -sky ("yurovskaya" of "yurovsky")."""
    if len(word) > len(base) >= 4 and word.startswith(base) and word[len(base):] in _DERIVED_ENDINGS:
        return True
    return base.endswith("sky") and word == base[:-1] + "aya"


def _near_word(typed: str, known: str) -> bool:
    """Whether a known word is the typed one, its plural or possessive ("romanovs", "lenins"), or one slip from
    it (two in a word of eight letters or more): a word a suggestion may rest on. Sharing letters is not
    enough ("great" is not "margaret", nor "nihilism" "leninism"), nor is a word made from the other
    ("imperialism", "imperial"; "trotskyism", "trotskyists")."""
    if _inflected(typed, known):
        return True
    short, long_ = sorted((typed, known), key=len)
    if len(short) < 5 or _made_from(typed, known):
        return False
    from rapidfuzz.distance import OSA

    return OSA.distance(typed, known, score_cutoff=2) <= (1 if len(short) < 8 else 2)


def _plural_of_a_short_word(words: list[str], key: str) -> bool:
    """Whether what was typed is one word, the plural of a key of one short word: "rights" is no sure "Right" (the
    Right Opposition), as a plural changes what a short everyday word means; "Bolshevik" and "Bolsheviks" are one
    party."""
    typed = " ".join(words)
    return " " not in key and len(key) <= MAX_SHORT_PLURAL_BASE and typed in (key + "s", key + "es")


def _inflected(typed: str, known: str) -> bool:
    """Whether a known word is the typed one or its plural or possessive (see _near_word)."""
    short, long_ = sorted((typed, known), key=len)
    return typed == known or len(short) >= 4 and long_.startswith(short) and long_[len(short):] in _INFLECTIONS


def _made_from(a: str, b: str) -> bool:
    """Whether one word is made from the other with an ending that makes another word ("imperialism",
    "imperial"), or both from one stem ("trotskyism", "trotskyists")."""
    short, long_ = sorted((a, b), key=len)
    return _derived(long_, short) or _sibling(a, b)


_INFLECTIONS = frozenset(("s", "es"))  # as keys spell them: "armies" is "armyes", "Lenin's" is "lenins"


def canonical_given(key: str) -> str:
    """A first name's Russian form when it is an English one ("nicholas" -> "nikolay"), else itself."""
    return _GIVEN_KEYS.get(key, key)


_GIVEN_KEYS = {name_key(en): name_key(ru) for en, ru in _GIVEN_EQUIVALENTS.items()}

KeyKind = Literal["name", "alias", "surname", "given", "title"]
# How strongly each kind of key names one person when several share it: a surname or alias before a title
# ("Tsar"), a title before a first name alone.
_KIND_ORDER: dict[str, int] = {"name": 0, "alias": 0, "surname": 0, "title": 1, "given": 2}


@dataclass(frozen=True, slots=True)
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
    def rank(self) -> tuple[float, int, int]:
        """Higher is better: the score, then a full name or alias before a title before a first name alone,
        then the longer (more specific) key: "prince lvov" before "lvov"."""
        return (self.score, -_KIND_ORDER[self.kind], len(self.key))


class _Owners(list):
    """The owners of a key several candidates share (a surname, a first name): the candidates themselves, with
    `kinds` the kind of key it is for all of them (a str: the usual case), or for each (a list). No (candidate,
    kind) pair per owner: at a million names those pairs were the matcher's largest part."""

    __slots__ = ("kinds",)

    def pairs(self) -> list[tuple[Candidate, KeyKind]]:
        kinds = self.kinds
        if isinstance(kinds, str):
            return [(c, kinds) for c in self]  # type: ignore[misc]
        return list(zip(self, kinds))

    def append_owner(self, candidate: Candidate, kind: KeyKind) -> None:
        if isinstance(self.kinds, str) and kind != self.kinds:
            self.kinds = [self.kinds] * len(self)
        self.append(candidate)
        if not isinstance(self.kinds, str):
            self.kinds.append(kind)


# A key's owners as the matcher keeps them: one candidate whose key is an alias (the commonest case) as the
# candidate alone, one of another kind as a (candidate, kind) pair shared by that candidate's keys of the kind,
# several as _Owners.
_Owned = Candidate | tuple[Candidate, KeyKind] | _Owners
_ALIAS: KeyKind = "alias"

# Prominence of candidates by id (higher is likelier), asked only for the few a name leaves undecided.
Prominence = Callable[[list[str]], Mapping[str, float]]


@dataclass
class Resolution:
    """What a name resolved to: one confident match, a list of choices (likeliest first, at most
    MAX_CHOICES, the rest in `more`), or nothing (with suggestions)."""

    match: Scored | None = None
    choices: list[Scored] = field(default_factory=list)
    suggestions: list[Scored] = field(default_factory=list)
    more: list[Scored] = field(default_factory=list)
    # the first suggestion holds a word typed (as typed, in another form or one slip away), not only letters
    held: bool = False

    @property
    def ambiguous(self) -> bool:
        return self.match is None and bool(self.choices)

    @property
    def everyone(self) -> list[Scored]:
        """Every choice, the shown ones and the rest."""
        return [*self.choices, *self.more]


class Matcher:
    """Resolves typed names to candidates; built once from every name, alias and variant.

    A first name alone ("Alexander", "Nicholas") is a key of kind "given": it never makes a confident
    match by itself, so the user is asked to choose. A title ("Tsar", "Kaiser", "Grand Duke") is kept apart
    from the name keys (so text scans and `exact` never see it): its holders are the people a pack gives it as
    a name of their own (`titles:` in the pack, stored as a title-only alias: explicit) and the people whose
    names begin with it ("Tsar Alexander II": derived). A title held by one person answers that person;
    held by several, it offers them, explicit holders first, then by prominence.

    Numbers are identity: a Roman numeral after a name ("Nicholas I") only ever matches names with that
    numeral, never "Nicholas II". Words that name places, nationalities or dynasties (bot.places) are never
    taken for a surname or first name: "Wilhelm II of Germany" gives no key "germany".
    """

    def __init__(self, places: frozenset[str] | None = None) -> None:
        if places is None:
            from bot.places import place_keys  # bot.places normalises with this module's name_key

            places = place_keys()
        self._places = places
        self._keys: list[str] = []
        self._sorted_keys: list[str] = []  # each key's words sorted: token_sort_ratio's work done once, not per query
        # key -> its owners (_Owned): most keys have one owner, and most of those hold it as an alias
        self._owners: dict[str, _Owned] = {}
        # per candidate type, the numbers (in self._keys) of the keys some candidate of that type owns, in the order
        # the type got them, and, made when first scanned, the keys and their word-sorted forms: /who scans only
        # people's keys, so long event names neither cost time nor crowd people out of the best 25. A type that
        # owns every key, in order, scans self._keys itself, never a copy
        self._typed_numbers: dict[str, array] = {}
        self._typed_lists: dict[str, tuple[int, list[str], list[str]]] = {}  # type -> (len(self._keys) then, ...)
        # title key -> holder id -> (holder, explicit: the pack gives the title itself)
        self._titles: dict[str, dict[str, tuple[Candidate, bool]]] = defaultdict(dict)
        self._keys_of: dict[str, list[tuple[str, KeyKind]]] | None = None
        # past INDEX_MIN_KEYS keys, fuzzy passes score only the keys this index offers (bot.name_index); each
        # type's keys are marked by their number in self._keys, so the index serves /who, /what and /when alike
        self._index: NameIndex | None = None
        self._index_lock = threading.Lock()  # see _word_index
        self._type_masks: dict[str, bytearray] = {}

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def places(self) -> frozenset[str]:
        """The place words this matcher never takes for a surname or first name (bot.places)."""
        return self._places

    def state(self) -> dict:
        """Everything the matcher computed from its names, as plain JSON-able data (bot.name_cache keeps it in
        the database, so a new process skips normalising every name again)."""
        cands: dict[str, int] = {}
        table: list[list[str]] = []

        def ref(c: Candidate) -> int:
            if c.id not in cands:
                cands[c.id] = len(table)
                table.append([c.id, c.name, c.type])
            return cands[c.id]

        return {
            "places": sorted(self._places), "keys": self._keys,
            "sorted": [s if s != k else None for k, s in zip(self._keys, self._sorted_keys)],
            "owners": [[[ref(c), kind] for c, kind in self._owned(k)] for k in self._keys],
            "typed": {t: numbers.tolist() for t, numbers in self._typed_numbers.items()},
            "titles": {t: [[ref(c), explicit] for c, explicit in held.values()] for t, held in self._titles.items()},
            "candidates": table,
        }

    @classmethod
    def from_state(cls, state: dict) -> Matcher:
        """A matcher as `state()` described it."""
        m = cls.__new__(cls)
        cls.__init__(m, places=frozenset(state["places"]))
        table = [Candidate(*c) for c in state["candidates"]]
        m._keys = state["keys"]
        m._sorted_keys = [s if s is not None else k for k, s in zip(m._keys, state["sorted"])]
        pairs: dict[tuple[int, str], tuple[Candidate, KeyKind]] = {}  # shared, as add() shares them
        for key, owners in zip(m._keys, state["owners"]):
            for ci, kind in owners:
                m._own(key, table[ci], kind, pairs.setdefault((ci, kind), (table[ci], kind)))
        for t, numbers in state["typed"].items():
            m._typed_numbers[t] = array("I", numbers)
            mask = m._type_masks[t] = bytearray(max(numbers, default=-1) + 1)  # as _mark_type would, at once
            for n in numbers:
                mask[n] = 1
        for t, held in state["titles"].items():
            m._titles[t] = {table[ci].id: (table[ci], explicit) for ci, explicit in held}
        return m

    def candidates(self) -> list[Candidate]:
        """Every registered candidate, once each."""
        return list({c.id: c for key in self._owners for c, _ in self._owned(key)}.values())

    def exact(self, key: str) -> list[tuple[Candidate, KeyKind]]:
        """The candidates registered under a normalised key, with the kind of key it is for each."""
        return self._owned(key)

    def _owned(self, key: str) -> list[tuple[Candidate, KeyKind]]:
        owners = self._owners.get(key)
        if owners is None:
            return []
        if isinstance(owners, Candidate):
            return [(owners, _ALIAS)]
        return [owners] if isinstance(owners, tuple) else owners.pairs()

    def _own(self, key: str, candidate: Candidate, kind: KeyKind, pair: tuple[Candidate, KeyKind]) -> None:
        """Add an owner to a key already registered (`pair` is (candidate, kind), shared by the candidate's keys)."""
        owners = self._owners.get(key)
        if owners is None:
            self._owners[key] = candidate if kind == _ALIAS else pair
        elif isinstance(owners, _Owners):
            owners.append_owner(candidate, kind)
        else:
            first, first_kind = (owners, _ALIAS) if isinstance(owners, Candidate) else owners
            both = self._owners[key] = _Owners((first,))
            both.kinds = first_kind
            both.append_owner(candidate, kind)

    def keys_of(self, candidate_id: str) -> list[tuple[str, KeyKind]]:
        """Every key a candidate is registered under, with its kind (built once, on first use)."""
        if self._keys_of is None:
            self._keys_of = defaultdict(list)
            for key in self._owners:
                owners = self._owned(key)
                for cand, kind in owners:
                    self._keys_of[cand.id].append((key, kind))
        return self._keys_of.get(candidate_id, [])

    def keys_near(self, key: str, max_edits: int) -> list[str]:
        """The keys within `max_edits` edits (swapped letters count as one) of `key`."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        return [k for k, _, _ in process.extract(key, self._keys, scorer=OSA.distance, score_cutoff=max_edits,
                                                 limit=None)]

    def keys(self) -> list[str]:
        """Every normalised key, in the order it was registered (text scans build their automaton from these)."""
        return list(self._keys)

    def title_holders(self, key: str, types: set[str] | None = None) -> list[tuple[Candidate, bool]]:
        """The holders of a title key ("tsar", "grand duke"), each with whether the pack gives the title
        explicitly; in the order they were added."""
        return [(c, explicit) for c, explicit in self._titles.get(key, {}).values() if types is None or c.type in types]

    def bearers(self, word_keys: set[str], types: set[str] | None = None) -> list[Candidate]:
        """Candidates with a name or alias that holds one of these normalised words ("romanov": Nicholas II,
        from "Nikolai Romanov"), each once."""
        found: dict[str, Candidate] = {}
        for key in self._keys:
            if not word_keys.isdisjoint(key.split()):
                for cand, kind in self._owned(key):
                    if kind in ("name", "alias") and (types is None or cand.type in types):
                        found.setdefault(cand.id, cand)
        return list(found.values())

    def _add_title(self, key: str, candidate: Candidate, explicit: bool) -> None:
        if key:
            held = self._titles[key].get(candidate.id)
            self._titles[key][candidate.id] = (candidate, explicit or bool(held and held[1]))

    def add(self, candidate: Candidate, names: list[str], *, person: bool = False) -> None:
        """Register a candidate under its names; for people, also under surname, given name and titles."""
        seen: set[str] = set()
        # the first name: the first word of the first name given in two words or more ("Georgy Apollonovich
        # Gapon"), so "Father Gapon", listed first, names him by his surname, not by a first name
        fuller = next((bare for bare in (strip_titles(name_words(n)) for n in names) if len(bare) >= 2), None)
        given: str | None = canonical_given(fuller[0]) if person and fuller else None
        pairs: dict[str, tuple[Candidate, KeyKind]] = {}  # one (candidate, kind) per kind, shared by its keys

        def put(key: str, kind: KeyKind) -> None:
            if key and key not in seen:
                seen.add(key)
                pair = pairs.get(kind)
                if pair is None and kind != _ALIAS:  # an alias key owned alone holds the candidate itself
                    pair = pairs[kind] = (candidate, kind)
                owners = self._owners.get(key)
                if owners is None:  # a new key (most keys have one owner)
                    words = key.split()
                    in_order = sorted(words)
                    sorted_key = key if in_order == words else " ".join(in_order)  # one string when in order
                    number = len(self._keys)
                    self._keys.append(key)
                    self._sorted_keys.append(sorted_key)
                    self._owners[key] = candidate if pair is None else pair
                    self._add_typed(candidate.type, number)
                    return
                # newest owners first: a first name thousands share is checked in one step, not thousands
                others = (owners,) if isinstance(owners, Candidate) else (owners[0],) if isinstance(owners, tuple) \
                    else reversed(owners)
                if all(c.type != candidate.type for c in others):
                    self._add_typed(candidate.type, self._keys.index(key))
                self._own(key, candidate, kind, pair or (candidate, kind))

        for i, raw in enumerate(names):
            words = name_words(raw)
            if not words:
                continue
            if person and all(w in TITLES for w in words):
                # "Tsar", "the Tsar": an office the pack says this person held, not a name of theirs alone
                self._add_title(title_key(words), candidate, explicit=True)
                continue
            bare = strip_titles(words)
            if person and len(bare) < len(words):  # "Grand Duke Mikhail" holds the title "grand duke"
                self._add_title(title_key(words[:len(words) - len(bare)]), candidate, explicit=False)
            if person and given is None:
                given = canonical_given(bare[0])
            if person and len(bare) == 1 and canonical_given(bare[0]) == given:
                # "Tsar Nicholas" typed in full names one person; "Nicholas" alone is only a first name
                if len(words) > 1 or i == 0:
                    put(" ".join(words), "name" if i == 0 else "alias")
                if given not in self._places:
                    put(given, "given")
                continue
            put(" ".join(words), "name" if i == 0 else "alias")
            put(" ".join(bare), "alias")
            if person and len(bare) >= 2:
                # "Alix of Hesse", "Wilhelm II of Germany": what follows "of" is a place, not a surname
                named = bare[:bare.index("of", 1)] if "of" in bare[1:] else bare
                last = named[-1]
                if len(named) >= 2 and last not in ROMAN and len(last) >= 3 and last not in self._places:
                    put(last, "surname")
                first = canonical_given(bare[0])
                if first not in self._places:
                    put(first, "given")

    def _add_typed(self, ctype: str, number: int) -> None:
        """Record that the key numbered `number` has an owner of type `ctype` (its first)."""
        numbers = self._typed_numbers.get(ctype)
        if numbers is None:
            numbers = self._typed_numbers[ctype] = array("I")
        numbers.append(number)
        self._mark_type(ctype, number)

    def _typed(self, ctype: str) -> tuple[list[str], list[str]]:
        """The keys some candidate of type `ctype` owns, and their word-sorted forms, in the order they were
        added: self._keys itself when the type owns them all, else lists made once (until keys are added)."""
        numbers = self._typed_numbers.get(ctype, ())
        if not numbers:
            return [], []
        if len(numbers) == len(self._keys) and numbers[-1] == len(numbers) - 1 and numbers[0] == 0:
            if all(a < b for a, b in zip(numbers, numbers[1:])):  # every key, in the order they were added
                return self._keys, self._sorted_keys
        made = self._typed_lists.get(ctype)
        if made is None or made[0] != len(self._keys):
            if len(numbers) == 1:
                keys, sorted_keys = [self._keys[numbers[0]]], [self._sorted_keys[numbers[0]]]
            else:
                pick = itemgetter(*numbers)
                keys, sorted_keys = list(pick(self._keys)), list(pick(self._sorted_keys))
            made = self._typed_lists[ctype] = (len(self._keys), keys, sorted_keys)
        return made[1], made[2]

    def _mark_type(self, ctype: str, number: int) -> None:
        mask = self._type_masks.setdefault(ctype, bytearray())
        if len(mask) <= number:
            mask.extend(bytes(max(number + 1 - len(mask), len(mask) // 2)))
        mask[number] = 1

    def _choices(self, qkey: str, types: set[str] | None) -> tuple[list[str], list[str]]:
        """The keys (and their word-sorted forms) a fuzzy pass scores: all of them, or of one type; past
        INDEX_MIN_KEYS only those with a word near one typed (bot.name_index), in the order they were added."""
        one = next(iter(types)) if types and len(types) == 1 else None
        count = len(self._typed_numbers.get(one, ())) if one else len(self._keys)
        if count < INDEX_MIN_KEYS:
            return self._typed(one) if one else (self._keys, self._sorted_keys)
        numbers = self._word_index().candidates(qkey.split())
        if one and count < len(self._keys):  # some keys belong only to other types
            mask = self._type_masks.get(one, bytearray())
            numbers = [n for n in numbers if n < len(mask) and mask[n]]
        if not numbers:
            return [], []
        if len(numbers) == 1:
            return [self._keys[numbers[0]]], [self._sorted_keys[numbers[0]]]
        pick = itemgetter(*numbers)
        return list(pick(self._keys)), list(pick(self._sorted_keys))

    def _ranked(self, qkey: str, types: set[str] | None = None,
                numbers: frozenset[str] = frozenset()) -> dict[str, Scored]:
        """Best scored key per candidate id, from exact lookup plus fuzzy candidates (over the keys of one
        type when `types` names one). With `numbers` (the ordinals typed), only keys with exactly those."""
        from rapidfuzz import fuzz, process  # here: an exact name (most lookups, `clio ask`) never imports rapidfuzz

        found: dict[str, float] = {}
        for exact in {qkey, canonical_given(qkey)}:
            if exact in self._owners:
                found[exact] = 100.0
        # plain ratio, then ratio over word-sorted keys (token_sort_ratio without re-sorting every key per query)
        qsorted = " ".join(sorted(qkey.split()))
        keys, sorted_keys = self._choices(qkey, types)
        for query, choices in ((qkey, keys), (qsorted, sorted_keys)):
            for _, score, i in process.extract(query, choices, scorer=fuzz.ratio, limit=CANDIDATES_PER_SCORER,
                                               score_cutoff=SUGGEST_SCORE):
                key = keys[i]
                found[key] = max(found.get(key, 0.0), score)
        qwords = set(qkey.split())
        derived_of = self._derived_from_own(qwords) if found else set()
        patronymic = any(PATRONYMIC.search(q) for q in qwords)
        best: dict[str, Scored] = {}
        for key, score in found.items():
            kwords = key.split()
            if numbers and ordinals(kwords) != numbers:
                continue  # "Nicholas I" is never Nicholas II, nor a Nikolai without a number
            # "vladimir ilich lenin" holds every word of the key "vladimir lenin": as good as exact
            if len(kwords) >= 2 and set(kwords) <= qwords and len(qwords) - len(kwords) <= 1:
                score = max(score, 96.0)
            elif score < 100.0 and (any(q != k and _made_from(q, k) for q in qwords
                                        for k in kwords)
                                    or derived_of and any(c.id in derived_of for c, _ in self._owned(key))
                                    or patronymic and not any(PATRONYMIC.search(k) for k in kwords)):
                score = min(score, CONFIDENT_SCORE - 1)  # "Kameneva" is Kamenev's wife, never a slip for him
            for cand, kind in self._owned(key):
                s = Scored(cand, score, key, kind)
                if cand.id not in best or s.rank > best[cand.id].rank:
                    best[cand.id] = s
        return best

    def _derived_from_own(self, qwords: set[str]) -> set[str]:
        """The candidates one of whose own keys a typed word is, with an ending that makes another word of it
        ("voroshilova": Voroshilov, though the fuzzy pass finds him through his spelling "voroschilov")."""
        stems = [q[:-len(e)] for q in qwords for e in _DERIVED_ENDINGS if q.endswith(e) and len(q) - len(e) >= 4]
        stems += [q[:-3] + "y" for q in qwords if q.endswith("aya")]
        return {c.id for stem in stems for c, _ in self._owned(stem)}

    def complete(self, text: str, types: set[str] | None = None, limit: int = 25) -> list[Candidate]:
        """Candidates for a half-typed name, best first: names with a word starting with what was typed
        ("korn" -> Kornilov), then fuzzy matches for typos ("kornil" -> Kornilov); everything, alphabetically,
        when nothing is typed yet. At most `limit`, each candidate once."""
        from rapidfuzz import fuzz, process

        qkey = name_key(text)
        wanted = [c for c in self.candidates() if types is None or c.type in types]
        if not qkey:
            return sorted(wanted, key=lambda c: c.name.lower())[:limit]
        ids = {c.id for c in wanted}
        scored: dict[str, tuple[float, str]] = {}
        for key in self._keys:
            if key.startswith(qkey) or f" {qkey}" in key:
                for cand, kind in self._owned(key):
                    score = 200.0 - len(key) if kind != "given" else 100.0 - len(key)
                    if cand.id in ids and score > scored.get(cand.id, (0.0, ""))[0]:
                        scored[cand.id] = (score, cand.name)
        if len(scored) < limit:
            for key, score, _ in process.extract(qkey, self._keys, scorer=fuzz.ratio, limit=limit * 2,
                                                 score_cutoff=COMPLETE_FUZZY_SCORE):
                for cand, _kind in self._owned(key):
                    if cand.id in ids and cand.id not in scored:
                        scored[cand.id] = (score - 100.0, cand.name)
        by_id = {c.id: c for c in wanted}
        best = sorted(scored.items(), key=lambda kv: (-kv[1][0], kv[1][1].lower()))
        return [by_id[cid] for cid, _ in best[:limit]]

    def _likeliest_first(self, tied: list[Scored], prominence: Prominence | None) -> list[Scored]:
        """Order choices that match equally well: a surname or alias before a title before a first name,
        a title the pack gives explicitly before one read off a name, then the more prominent, then by name."""
        weight = prominence([s.candidate.id for s in tied]) if prominence and len(tied) > 1 else {}

        def explicit(s: Scored) -> bool:
            held = self._titles.get(s.key, {}).get(s.candidate.id) if s.kind == "title" else None
            return bool(held and held[1])

        return sorted(tied, key=lambda s: (_KIND_ORDER[s.kind], not explicit(s), -weight.get(s.candidate.id, 0.0),
                                           -len(s.key), s.candidate.name))

    def resolve(self, text: str, types: set[str] | None = None, prominence: Prominence | None = None) -> Resolution:
        """Resolve `text` among candidates of `types` (all types when None). `prominence` orders the choices
        when a name fits several equally well (alphabetical without it)."""
        words = name_words(text)
        if types is None or "person" in types:  # "Nicholas 2" -> "nikolay ii", unless a name is "Article 6"
            numbered = query_words(text)
            if numbered != words and " ".join(words) not in self._owners:
                words = numbered
        if not words:
            return Resolution()
        numbers = ordinals(words)
        scored: dict[str, Scored] = {}
        exact = [(c, kind) for c, kind in self._owned(" ".join(words)) if types is None or c.type in types]
        if exact and all(kind != "given" for _, kind in exact):
            # a name or alias typed exactly: only others with exactly that key can rival it (see below), so the
            # fuzzy passes over every key are skipped; the answer is the same, in microseconds
            for c, kind in exact:
                s = Scored(c, 100.0, " ".join(words), kind)
                if c.id not in scored or s.rank > scored[c.id].rank:
                    scored[c.id] = s
        variants = () if scored else {" ".join(words), " ".join(strip_titles(words))}
        for variant in variants:
            for cid, s in self._ranked(variant, types, numbers).items():
                if (types is None or s.candidate.type in types) and (cid not in scored or s.rank > scored[cid].rank):
                    scored[cid] = s
        if all(w in TITLES for w in words):  # "Tsar", "the Tsar", "Grand Duke": whoever held it
            key = title_key(words)
            for cand, _ in self.title_holders(key, types):
                s = Scored(cand, 100.0, key, "title")
                if cand.id not in scored or s.rank > scored[cand.id].rank:
                    scored[cand.id] = s
        ranked = sorted(scored.values(), key=lambda s: (-s.score, _KIND_ORDER[s.kind], -len(s.key), s.candidate.name))
        if not ranked:
            return Resolution()
        top = ranked[0]
        query_len = len(" ".join(strip_titles(words)))
        sure = top.score == 100.0 or (top.score >= CONFIDENT_SCORE and query_len >= MIN_FUZZY_CONFIDENT_CHARS
                                      and self._accounted(words, top.key) and not _plural_of_a_short_word(words, top.key))
        if sure and top.kind not in ("given", "title"):
            # a first name is a rival only when it is exactly what was typed ("Alexei": the tsarevich or Rykov?),
            # never when the whole query is someone's full name or alias ("Czar Nicholas", "Tsarevich Alexei")
            whole = top.score == 100.0 and top.key == " ".join(words)
            if whole:  # "Prince Lvov" typed in full: only someone else with exactly that name is a rival
                rivals = [s for s in ranked[1:] if s.score == 100.0 and s.key == top.key]
            else:
                rivals = [s for s in ranked[1:] if s.score > top.score - AMBIGUITY_MARGIN
                          and (s.kind not in ("given", "title") or s.score == 100.0)]
            if not rivals:
                return Resolution(match=top)
            close = [top, *rivals]
            if all(s.score == 100.0 for s in close):
                close = self._likeliest_first(close, prominence)
            return Resolution(choices=close[:MAX_CHOICES], more=close[MAX_CHOICES:])
        if top.score == 100.0:  # a first name several people share, one person's first name alone, or a title
            tied = self._titled(words, [s for s in ranked if s.score == 100.0])
            if len(tied) == 1 and tied[0].kind == "title":  # "Kaiser": the one holder in this pack
                return Resolution(match=tied[0])
            tied = self._likeliest_first(tied, prominence)
            return Resolution(choices=tied[:MAX_CHOICES], more=tied[MAX_CHOICES:])
        suggestions, held = self._suggest(words, [s for s in ranked if s.score >= SUGGEST_SCORE], types, numbers)
        return Resolution(suggestions=suggestions, held=held)

    def _word_index(self) -> NameIndex:
        """The keys' words and which keys hold each (bot.name_index), up to date; made when first needed. One
        thread at a time makes or extends it: the door's workers resolve names at once, and two updating it
        together gave a word an id before its list of keys existed (IndexError, "Sorry, something went wrong")."""
        index = self._index
        if index is not None and len(index) == len(self._keys):
            return index  # up to date: its size is set only once an update is whole
        with self._index_lock:
            if self._index is None:
                self._index = NameIndex()
            self._index.update(self._keys)
            return self._index

    def _telling(self, words: list[str]) -> list[str]:
        """The typed words that say which entry is meant: no title, small word or number, and no first name
        when a surname or another word was typed too ("Peter the Great": "great")."""
        content = [w for w in words if w not in TITLES and w not in _FILLER and w not in ROMAN and not w.isdigit()]
        named = [w for w in content if not self._first_name(w)]
        return named or content

    def _first_name(self, word: str) -> bool:
        """Whether a word is a first name ("peter", "nikolay") and nobody's surname or name."""
        owned = self._owned(word)
        return canonical_given(word) != word and not owned or bool(owned) and all(k == "given" for _, k in owned)

    def _accounted(self, words: list[str], key: str) -> bool:
        """Whether the telling words typed (`_telling`; a patronymic aside) are words of `key`, nearly (as typed,
        in another form, one slip away, or alike in letters: ACCOUNTED_WORD_SCORE), all but a quarter of them at
        most. A name close to the whole of what was typed is no answer when a word typed is not in it: "Lenin
        Trotsky" is two people, not Leon Trotsky; "Kalinin Mikhoels" is not Kalinin; but one word garbled in
        a long event's name leaves it that event."""
        from rapidfuzz import fuzz

        kwords = key.split()
        telling = [q for q in self._telling(words) if not PATRONYMIC.search(q)]
        # a word of three letters or fewer is itself or nothing: "man" is not a slip of "woman" (ratio 75), and
        # "the Rights of Man" not the Rights of Woman
        missing = sum(not any(_near_word(q, k) or len(q) > 3 and fuzz.ratio(q, k) >= ACCOUNTED_WORD_SCORE
                              and not _made_from(q, k) for k in kwords) for q in telling)
        return 4 * missing <= len(telling)

    def _suggest(self, words: list[str], near: list[Scored], types: set[str] | None,
                 numbers: frozenset[str]) -> tuple[list[Scored], bool]:
        """What to suggest when nothing matched (`near`: the fuzzy passes' best, closest first), and whether the
        first holds a word typed.

        First the entries holding the telling words typed (`_telling`) as typed, in another form or one slip
        away (`_near_word`); then those close in letters (LETTERS_SCORE) whose words are at least loosely
        like them. Either way an entry must hold words weighing SUGGEST_SHARE of the telling ones, each weighed
        by how few keys hold it: "Decembrist revolt" is not the Kornilov revolt, "Peter the Great" not
        Margaret Thatcher."""
        telling = self._telling(words)
        if not telling:
            return near[:MAX_SUGGESTIONS], False
        index = self._word_index()
        total = len(self._keys) + 1
        from rapidfuzz import fuzz
        from rapidfuzz.distance import OSA

        strict: dict[str, set[str]] = {}  # telling word -> the known words one slip or an ending from it
        weight: dict[str, float] = {}
        holders: dict[int, None] = {}  # key numbers holding a strictly near word, in order
        for q in dict.fromkeys(telling):
            found = index.near(q)
            close = [(w, keys) for w, keys in found if _near_word(q, w)]
            # a word the pack holds as typed (or its plural) is no slip of another: "estates" is not "states"
            close = [(w, keys) for w, keys in close if _inflected(q, w)] or close
            strict[q] = {w for w, _ in close}
            # weighed by the keys holding the words it is near, or loosely like (a mistyped first name weighs
            # as little as the first names it looks like); a word like none is weighed below
            if close or found:
                weight[q] = math.log(1 + total / (sum(len(keys) for _, keys in close or found) + 0.5))
            for _, keys in close:  # nearest first
                holders.update(dict.fromkeys(keys[:max(0, MAX_HOLDERS - len(holders))]))
        # a word like no known word is garbled past knowing ("Béqc Kun") or new to the pack: it weighs half as much
        # as the others on average, or as the rarest word when it stands alone
        rest = sum(weight.values()) / len(weight) / 2 if weight else math.log(1 + 2 * total)
        weight = {q: weight.get(q, rest) for q in strict}
        whole = sum(weight.values())

        def share(key: str) -> float:
            kwords = set(key.split())
            return sum(weight[q] for q, ws in strict.items() if not ws.isdisjoint(kwords)) / whole

        def loosely(key: str) -> float:
            # alike in letters, and at most MAX_LOOSE_SLIPS slips apart: "teror" is not "thermidor" (four), nor
            # "koronation" "konstantin" (five); every seeded slip of a pack name that this tier finds is within three
            kwords = key.split()
            return sum(weight[q] for q in strict if any(
                fuzz.ratio(q, k) >= LOOSE_WORD_SCORE and not _made_from(q, k)
                and OSA.distance(q, k, score_cutoff=MAX_LOOSE_SLIPS) <= MAX_LOOSE_SLIPS for k in kwords)) / whole

        qkey = " ".join(words)
        best: dict[str, tuple[tuple[int, float, float], Scored]] = {}

        def offer(s: Scored, rank: tuple[int, float, float]) -> None:
            if types is not None and s.candidate.type not in types:
                return
            held = best.get(s.candidate.id)
            if held is None or (rank, s.rank) > (held[0], held[1].rank):
                best[s.candidate.id] = (rank, s)

        fuzzy = {s.key: s for s in near}
        typed_titles = {w for w in words if w in TITLES and w != "the"}
        for n in holders:
            key = self._keys[n]
            part = share(key)
            if part < SUGGEST_SHARE or numbers and ordinals(key.split()) != numbers:
                continue
            if typed_titles and (own := TITLES.intersection(key.split()) - {"the"}) and not own & typed_titles:
                continue  # "the last general" is not the "Last Tsar": the words held, but another title
            ready = fuzzy.get(key)
            for cand, kind in ([(ready.candidate, ready.kind)] if ready else self._owned(key)):
                offer(ready or Scored(cand, round(fuzz.ratio(qkey, key), 1), key, kind), (1, part, 0.0))
        # a title typed that some entries hold: close letters alone suggest only them ("the last tsar" is not
        # Lazar Kaganovich, whose first name is two letters from "last")
        titled: set[str] | None = None
        for w in typed_titles:
            if self._titles.get(w):
                titled = (titled or set()) | set(self._titles[w])
        for s in near:
            if s.score >= LETTERS_SCORE and loosely(s.key) >= SUGGEST_SHARE and (
                    titled is None or s.candidate.id in titled):
                offer(s, (0, 0.0, s.score))
        ranked = sorted(best.values(), key=lambda t: (-t[0][0], -t[0][1], -t[1].score, _KIND_ORDER[t[1].kind],
                                                      t[1].candidate.name))
        if ranked and ranked[0][0][0] == 1 and ranked[0][0][1] >= WHOLE_SHARE:
            # some entry holds every telling word: one holding a part of them is another thing ("Second World War":
            # the invasion of Poland, not the Comintern's Second Congress nor Germany's war on Russia in 1914)
            ranked = [t for t in ranked if t[0][0] == 1 and t[0][1] >= WHOLE_SHARE]
        if not ranked and titled:  # "the last tsar": nothing holds "last", but the tsars held the title typed;
            # all of them, or none ("the last general" is not any three generals)
            holders = list({c.id: Scored(c, round(fuzz.ratio(qkey, t), 1), t, "title") for t in sorted(typed_titles)
                            for c, _ in self.title_holders(t, types)}.values())
            return (holders, False) if len(holders) <= MAX_SUGGESTIONS else ([], False)
        return [s for _, s in ranked[:MAX_SUGGESTIONS]], bool(ranked) and ranked[0][0][0] == 1

    def _titled(self, words: list[str], tied: list[Scored]) -> list[Scored]:
        """"Tsar Alexander": of the Alexanders, the ones who held the title typed (all of them when none did,
        as the pack may not record every title)."""
        bare = strip_titles(words)
        if len(bare) == len(words):
            return tied
        holders = self._titles.get(title_key(words[:len(words) - len(bare)]), {})
        held = [s for s in tied if s.candidate.id in holders]
        return held or tied
