"""A reading's words as linking reads them (bot/ingest/link.py): each passage's words cut, counted and coded in
one pass, in C where the extension bot/ingest/_words.c was built (three times faster than the regular expression
and Counter it replaces: a third of an ingest's linking), else in Python, with the same results.

A word is a run of letters and digits joined to one more by a single apostrophe, unless what follows the
apostrophe is a lone "s": "El'tsin" is one word, "Kornilov's" is "Kornilov" and "s" (TOKEN).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import accumulate

try:
    from bot.ingest._words import scan as _c_scan
except ImportError:  # not built (no C compiler where it was installed): the Python below does the same
    _c_scan = None

TOKEN = re.compile(r"[^\W_]+(?:['’](?!s\b)[^\W_]+)?")
# the same words with what lies between them: [gap, word, gap, word, ..., gap]
_TOKEN_SPLIT = re.compile(f"({TOKEN.pattern})")
COMPILED = _c_scan is not None


class Words:
    """The words of one reading, passage by passage: each word as written is counted (`counts`) and given its
    code by `code_of` once, the first time it is seen.

    `scan(text)` gives a passage's words as (stream, bounds, regular): the words' codes put together, where
    each word starts and ends (word k is text[bounds[2k]:bounds[2k + 1]]), and whether every code is two
    characters long (then word k's code is stream[2k:2k + 2]). `compiled=False` takes the Python way even
    where the C one is built (for the tests that hold the two to the same results)."""

    def __init__(self, code_of: Callable[[str], str], compiled: bool = True) -> None:
        self.code_of = code_of
        self.compiled = compiled and COMPILED
        self._index: dict[str, int] = {}  # word -> its number (C)
        self._counts = bytearray()  # each word's count, by number: native Py_ssize_t (C)
        self._codes: list[str] = []  # each word's code, by number (C)
        self._counter: Counter[str] = Counter()  # (Python)
        self._code: dict[str, str] = {}  # word -> code (Python)

    def scan(self, text: str, coding: bool = True) -> tuple[str, Sequence[int], bool]:
        """A passage's words (see the class); without `coding`, they are only counted (stream and bounds empty)."""
        if self.compiled:
            stream, bounds, regular = _c_scan(text, self._index, self._counts, self._codes, self.code_of, coding)
            return stream, memoryview(bounds).cast("n"), regular
        parts = _TOKEN_SPLIT.split(text)
        words = parts[1::2]
        for w in dict.fromkeys(words):  # each new word coded where it is first seen, as the C scan does
            if w not in self._code:
                try:
                    code = self.code_of(w)
                    if not isinstance(code, str):
                        raise TypeError("scan: a word's code must be a str")
                except BaseException:
                    self._counter.update(words[:words.index(w)])  # as in C: the words before it are counted
                    raise
                self._code[w] = code
        self._counter.update(words)
        if not coding:
            return "", (), True
        codes = list(map(self._code.__getitem__, words))
        ends = list(accumulate(map(len, parts)))  # ends[2k]: where word k starts; ends[2k + 1]: where it ends
        return "".join(codes), ends[:-1], all(len(c) == 2 for c in codes)

    def code(self, word: str) -> str:
        """The code of a word seen before."""
        return self._codes[self._index[word]] if self.compiled else self._code[word]

    def counts(self) -> dict[str, int]:
        """How many times each word was seen, as written."""
        if self.compiled:
            return dict(zip(self._index, memoryview(self._counts).cast("n")))
        return dict(self._counter)
