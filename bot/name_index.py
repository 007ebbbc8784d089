"""A candidate index for name matching at scale: which of many keys a typed name could be, before rapidfuzz
scores them.

`bot.names.Matcher` scores a typed name against every key with rapidfuzz, which is exact and fast for a pack
(a few thousand keys) but linear in the keys: 100 ms and more at 100,000 names. Past `INDEX_MIN_KEYS` keys it
asks this index for candidates first and scores only those.

The index works on words, the way people mistype names: one slip in a word ("Kornilvo", "Trotksy") leaves that
word close to the right one, and the other words alone. It keeps
- every distinct word of the keys, and for each the keys holding it (compact arrays of key numbers);
- for each character trigram of a word (" ko", "kor", ..., "ov "), the words holding it.
A typed word finds its near words through their shared trigrams (rapidfuzz then keeps the near ones), and the
keys holding a near word are the candidates: the rarest typed word's near words first (nearest first), then
more common ones while the total stays within `budget`, so a common first name ("Ivan", thousands of keys) adds its keys only when the surname
did not narrow them down. The caller scores the candidates exactly as a full scan would.

Memory: an array entry (4 bytes) per word of each key and per trigram of each distinct word.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from operator import itemgetter

INDEX_MIN_KEYS = 20_000  # below this a full rapidfuzz scan is as fast, and exactly what it always was
# keys scored per query at most (beyond the nearest word's own): at 100,000 generated names, 3,000 gave what a full
# scan gives (match, choices and suggestions) for 400 slips of 400, 2,000 for 394 (fewer rivals to choose from)
CANDIDATE_BUDGET = 3_000
NEAR_WORDS = 25  # near words kept per typed word
NEAR_WORD_SCORE = 60.0  # fuzz.ratio of a typed word and a known one for the known one to count as near
_GRAM_BUDGET = 2_000  # known words gathered from trigram postings per typed word, beyond the rarest four trigrams'
_MIN_GRAMS = 4
_CACHED_WORDS = 4_096  # typed words whose near words are remembered (common first names are typed again and again)


def _grams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


class NameIndex:
    """Words -> keys and trigrams -> words over an append-only list of keys (`Matcher._keys`)."""

    def __init__(self) -> None:
        self._size = 0  # how many of the keys are indexed
        self._words: list[str] = []
        self._word_ids: dict[str, int] = {}
        self._keys_of_word: list[array] = []  # word id -> key numbers holding it, ascending
        self._words_of_gram: dict[str, array] = {}  # trigram -> word ids holding it
        # typed word -> (how many keys its near words hold, their key arrays): finding a word's near words is
        # a good part of a query's cost, and the same first names ("ivan", "boris") come in query after query
        self._groups: dict[str, tuple[int, list[array]]] = {}
        self._near: dict[str, list[int]] = {}  # typed word -> its near words' ids (`near_words`), remembered alike

    def __len__(self) -> int:
        return self._size

    def update(self, keys: Sequence[str]) -> None:
        """Index the keys added since the last update (keys are only ever appended)."""
        if len(keys) > self._size:
            self._groups.clear()  # new words may be nearer, and known words hold new keys
            self._near.clear()
        for n in range(self._size, len(keys)):
            for word in set(keys[n].split()):
                wid = self._word_ids.get(word)
                if wid is None:
                    wid = self._word_ids[word] = len(self._words)
                    self._words.append(word)
                    self._keys_of_word.append(array("I"))
                    for gram in _grams(word):
                        ids = self._words_of_gram.get(gram)
                        if ids is None:
                            ids = self._words_of_gram[gram] = array("I")
                        ids.append(wid)
                self._keys_of_word[wid].append(n)
        self._size = len(keys)

    def near_words(self, word: str) -> list[int]:
        """Ids of the known words closest to a typed word (itself first when known), at most NEAR_WORDS."""
        from rapidfuzz import fuzz, process  # here: bot.names imports this module, and an exact name needs neither

        found: set[int] = set()
        postings = sorted((self._words_of_gram.get(g, ()) for g in _grams(word)), key=len)
        for n, ids in enumerate(postings):
            # rarest trigrams first; one slip spoils at most three of a word's trigrams, so a word one slip
            # away holds one of any four of them
            if n >= _MIN_GRAMS and len(found) + len(ids) > _GRAM_BUDGET:
                break
            found.update(ids)
        if not found:
            return []
        ids = list(found)
        choices = list(itemgetter(*ids)(self._words)) if len(ids) > 1 else [self._words[ids[0]]]
        return [ids[i] for _, _, i in process.extract(word, choices, scorer=fuzz.ratio, limit=NEAR_WORDS,
                                                      score_cutoff=NEAR_WORD_SCORE)]

    def near(self, word: str) -> list[tuple[str, array]]:
        """The known words closest to a typed word (itself first when known), each with the key numbers
        holding it."""
        return [(self._words[w], self._keys_of_word[w]) for w in self._near_ids(word)]

    def _near_ids(self, word: str) -> list[int]:
        """near_words, remembered for the last _CACHED_WORDS typed words."""
        ids = self._near.get(word)
        if ids is None:
            if len(self._near) >= _CACHED_WORDS:
                self._near.clear()
            ids = self._near[word] = self.near_words(word)
        return ids

    def candidates(self, words: Iterable[str], budget: int = CANDIDATE_BUDGET) -> list[int]:
        """Key numbers (ascending) holding a word near a typed one: the rarest typed word's near words first,
        nearest first, then the next rarest typed word's, until `budget` keys (the nearest word's keys are
        always taken, however many)."""
        groups = []
        for word in dict.fromkeys(words):
            group = self._groups.get(word)
            if group is None:
                near = [self._keys_of_word[w] for w in self._near_ids(word)]
                group = (sum(map(len, near)), near)
                if len(self._groups) >= _CACHED_WORDS:
                    self._groups.clear()
                self._groups[word] = group
            if group[1]:
                groups.append(group)
        groups.sort(key=lambda g: g[0])
        found: set[int] = set()
        for _, near in groups:
            for keys in near:
                if found and len(found) + len(keys) > budget:
                    return sorted(found)
                found.update(keys)
        return sorted(found)
