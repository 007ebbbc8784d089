"""Linking's word scan in C (bot/ingest/_words.c) gives what the Python way gives (bot/ingest/words.py): the same
words, counts, codes and places, on chosen edge cases and generated text; and a reading links the same either
way. Where the C module was not built the comparisons skip; where a C compiler is at hand it must be built."""

from __future__ import annotations

import shutil
import sysconfig
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest import words as words_module
from bot.ingest.words import TOKEN, Words

compiled = pytest.mark.skipif(not words_module.COMPILED, reason="the C word scan (bot/ingest/_words.c) is not built")

# pieces that make the word rules' edge cases likely when strung together: apostrophes before a lone "s" and
# before more letters, "_" (a word character that is no letter), digits of other scripts, letters outside the
# Basic Multilingual Plane, combining marks, numbers that are letters to str.isalnum ("½", "²", "Ⅻ")
PIECES = ["'", "’", "s", "S", "'s", "’s", "s'", "_", "__", "Kornilov", "El", "tsin", "O", "Brien", "Троцкий", "ё",
          "Ж", "x", "1917", "٣", "४", "½", "²", "Ⅻ", "𝐀", "𝔘", "é", "e\u0301", "\u0301", "ß", "İ", "ﬁ", " ", "\n",
          "\t", "\u00a0", "-", ".", ",", "—", "“", "”", "(", ")", "\x00", "\x7f", "\ud800", "@everyone", "<!channel>"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
FAST = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def code_of(word: str) -> str:
    """A code like a linker's: two characters for most words, more for some (a word whose key is several
    words), from a small alphabet."""
    n = sum(map(ord, word))
    return "ab"[n % 2] + "cd"[n // 2 % 2] if n % 5 else "abcd"[: 2 + n % 3] * 2


@compiled
@FAST
@given(st.lists(TEXT, min_size=1, max_size=6))
def test_the_c_scan_cuts_counts_and_codes_as_the_python_one(texts: list[str]) -> None:
    c, py = Words(code_of), Words(code_of, compiled=False)
    assert c.compiled and not py.compiled
    for i, text in enumerate(texts):
        coding = i % 3 != 2  # a passage that is no prose is only counted
        stream, bounds, regular = c.scan(text, coding)
        py_stream, py_bounds, py_regular = py.scan(text, coding)
        assert (stream, list(bounds), regular) == (py_stream, list(py_bounds), py_regular)
        if coding:  # each word's place is where the regular expression finds it
            spans = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
            assert list(zip(bounds[0::2], bounds[1::2])) == spans
            assert stream == "".join(code_of(text[a:b]) for a, b in spans)
            assert regular == all(len(code_of(text[a:b])) == 2 for a, b in spans)
    assert c.counts() == py.counts() == Counter(w for t in texts for w in TOKEN.findall(t))


@compiled
def test_a_possessive_s_is_its_own_word_and_an_apostrophe_inside_a_name_is_not() -> None:
    words = Words(code_of)
    text = "Kornilov's men met El'tsin and O’Brien’s; Lenin's_ end, the 1920s' ½ ٣٤ s's"
    _, bounds, _ = words.scan(text)
    cut = [text[a:b] for a, b in zip(bounds[0::2], bounds[1::2])]
    assert cut == ["Kornilov", "s", "men", "met", "El'tsin", "and", "O’Brien", "s", "Lenin's", "end", "the",
                   "1920s", "½", "٣٤", "s", "s"]
    assert cut == TOKEN.findall(text)


@compiled
def test_a_word_seen_again_keeps_its_first_code_and_adds_to_its_count() -> None:
    seen: list[str] = []

    def counting_code_of(word: str) -> str:
        seen.append(word)
        return "ab"

    words = Words(counting_code_of)
    words.scan("Soviet soviet Soviet", coding=False)
    stream, _, _ = words.scan("Soviet and soviet")
    assert stream == "ab" * 3
    assert seen == ["Soviet", "soviet", "and"]  # each word's code worked out once
    assert words.counts() == {"Soviet": 3, "soviet": 2, "and": 1}
    assert words.code("soviet") == "ab"


@compiled
def test_a_code_of_that_fails_fails_the_scan_and_keeps_what_was_counted() -> None:
    def failing(word: str) -> str:
        if word == "bad":
            raise ValueError("no code")
        return "ab"

    for compiled in (True, False):
        words = Words(failing, compiled=compiled)
        with pytest.raises(ValueError, match="no code"):
            words.scan("good bad good")
        assert words.counts() == {"good": 1}  # the words before the failing one; "bad" is not kept
        words.scan("good", coding=False)
        assert words.counts() == {"good": 2}
        with pytest.raises(TypeError, match="must be a str"):
            Words(lambda w: 1, compiled=compiled).scan("x")  # type: ignore[arg-type, return-value]


@compiled
def test_the_c_scan_refuses_state_it_cannot_trust_instead_of_writing_past_it() -> None:
    """What the C scan is given is checked before it is written to: a word numbered past its counts, a code_of
    that empties the codes or grows the counts, a count buffer a memoryview holds. Each is an exception."""
    from bot.ingest._words import scan

    def code_of(word: str) -> str:
        return "ab"

    with pytest.raises(ValueError):
        scan("a", {"a": 5}, bytearray(8), ["ab"], code_of, True)
    with pytest.raises(ValueError):
        scan("a", {"a": -1}, bytearray(8), ["ab"], code_of, True)
    codes: list[str] = []
    with pytest.raises(ValueError):
        scan("a b", {}, bytearray(), codes, lambda w: codes.clear() or "ab", True)
    counts = bytearray()
    with pytest.raises(ValueError):
        scan("a b", {}, counts, [], lambda w: counts.extend(b"\0" * 3) or "ab", True)
    index, counts, codes = {}, bytearray(), []
    held = memoryview(counts)
    with pytest.raises(BufferError):
        scan("a", index, counts, codes, code_of, True)
    held.release()
    assert (index, codes, len(counts)) == ({}, [], 0)  # as it was: the next scan goes on from there
    assert scan("a a", index, counts, codes, code_of, True)[0] == "abab"


@compiled
def test_a_long_passage_is_scanned_whole() -> None:
    text = "Trotsky’s train " * 50_000 + "ends here"
    words = Words(code_of)
    stream, bounds, _ = words.scan(text)
    assert len(bounds) == 2 * (3 * 50_000 + 2)
    assert list(bounds[-2:]) == [len(text) - 4, len(text)]
    assert words.counts()["s"] == 50_000


def test_the_c_scan_is_built_where_a_c_compiler_is_at_hand() -> None:
    """`pip install` builds it (setup.py); built optional, so a machine without a compiler still installs and
    links the same way in Python, only slower. This machine has a compiler: a missing module is a broken build."""
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler here: the Python word scan is the one in use")
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        pytest.skip("no Python headers here (a python3-dev package): the Python word scan is the one in use")
    assert words_module.COMPILED, "bot/ingest/_words.c was not built: run `pip install -e .` again"


@compiled
def test_a_reading_links_the_same_with_either_scan(pack_app, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a user sees of linking (who each passage names, the unknown names a reading keeps using) does not
    depend on which scan found the words."""
    from bot import store
    from bot.ingest import link
    from bot.ingest.passages import Passage

    paragraphs = [
        "Kornilov’s troops marched in August 1917. Kerensky called on the Soviet, and Lenin's party armed itself.",
        "Trotsky's Red Guards held the Winter Palace; Sgt. Lenin is no one the reading knows.",
        "Captain Zabotin said the line would hold. Zabotin's men said nothing. Lvov resigned; Prince Lvov left.",
        "In 1932 A. P. Smirnov met Eismont. Smirnov signed nothing ½ ٣ Троцкий wrote.",
    ] * 3
    passages = [Passage(i, i, None, text, True) for i, text in enumerate(paragraphs)]

    def linked() -> tuple[dict[int, dict[str, int]], dict[str, tuple[str, int, str]], list[link.Span]]:
        found = link.link_passages(passages, pack_app.lookup.matcher, pack_app.person_ids,
                                   **store.link_facts(pack_app.db))
        return {s: dict(c) for s, c in found.links.items()}, found.candidates, found.spans

    in_c = linked()
    monkeypatch.setattr(words_module, "COMPILED", False)
    in_python = linked()
    assert in_c == in_python
    assert {"kornilov", "kerensky", "lenin", "trotsky"} <= {e for c in in_c[0].values() for e in c}
    assert "zabotin" in in_c[1]


def test_the_python_scan_alone_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mini_app) -> None:
    """An install without the C module ingests and links: the Python scan is complete on its own."""
    monkeypatch.setattr(words_module, "COMPILED", False)
    from bot.ingest import link
    from bot.ingest.passages import Passage

    found = link.link_passages([Passage(1, 1, None, "Gen. Kornilov marched on the capital in August 1917.", True)],
                               mini_app.lookup.matcher, mini_app.person_ids)
    assert "kornilov" in found.links[1]
