"""Ingest's fast paths give what the plain rules give: each rule written for speed (a pattern that starts with a
literal character, a cheap test before a costly pattern, a text read from its end, lines decoded a chunk at a
time) is checked against the plain way of writing it, on chosen edge cases and on generated text."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest import clean, prose, readers
from bot.ingest.datefind import _NS_MARK, _OS_MARK, _RUSSIAN, _SENTENCE_END, ConventionCount, date_phrases
from bot.ingest.passages import sentences

# pieces that make the rules' edge cases likely when strung together
PIECES = ["Mr.", "Mrs.", "St.", "Capt.", "e.g.", "i.e.", "etc.", "No.", "V.", "I.", "xMr.", "_St.", "(Mr.", "Mr.)",
          "Ab.", ".", "!", "?", "…", "’", "”", '"', "'", ")", "]", "(", "[", "“", "‘", " ", " ", "  ", "\n", "\t",
          "\u00a0", "\u2009", "\u3000", "\x0b", "A", "b", "word", "Word", "the", "Moscow", "А", "1917", "25", "3rd",
          "January", "Jan", "Oct.", "October", "Sept", "May", "Mayor", "[O.S.", "O.S.]", "N.S.", "Old Style",
          "every year", "o.s.", "n.s.", "(O.S.)", "New Style", "In", "in", ",", ";", ":", "İmage:", "ımage:",
          "FILE:", "file:", ".JPG", ".jpeg", ".Tiff", ".ſvg", "x", "pp. 4", "p.4", "pg", "ISBN", "doi", "://",
          "(1999).", "ed. ", "eds. ", "trans. ", "vol. ", "et al.", "www.", "Press,", "Books:", "Review,", "Journal",
          "OCLC", "JSTOR", "Accessed", "Retrieved", "Archived", "Publishers", "first published",
          "originally appeared", "edition of", "reprinted"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- the plain rules --------------------------------------------------------------------------------------------

_PLAIN_SPLIT = re.compile(r"(?<=[.!?])[’”'\")\]]*\s+(?=[“‘\"'(\[]?[A-Z0-9А-Я])")
_PLAIN_DATE_SPLIT = re.compile(r"(?<=[.!?])[’”'\")\]]*\s+(?=[“‘\"'(\[]?[A-ZА-Я])")
_PLAIN_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Gen|Col|Capt|Lt|Sgt|Prof|Rev|No|nos|vol|pp|cf|e\.g|i\.e|vs|"
                                 r"etc)|\b[A-Z])\.$")


def plain_sentences(text: str, boundary: re.Pattern[str] = _PLAIN_SPLIT) -> list[str]:
    """Split at every boundary, then join a part to the one before when that one ends in an abbreviation."""
    cuts = [(m.start() + len(m.group().rstrip()), m.end()) for m in boundary.finditer(text)]
    out: list[list[str]] = []
    for start, end in zip([0, *(e for _, e in cuts)], [*(c for c, _ in cuts), len(text)]):
        part = text[start:end]
        if out and _PLAIN_ABBREVIATION.search(out[-1][-1]):
            out[-1].append(part)
        else:
            out.append([part])
    return [s for parts in out if (s := " ".join(parts).strip())]


def plain_has_sentence(text: str) -> bool:
    pieces = re.split(r"(?<=[.!?])", text)
    return any(len(s.split()) >= prose.MIN_SENTENCE_WORDS for s in pieces
               if s and s[-1] in ".!?" and re.search(r"[a-z]", s))


def _outcome(read: Callable[[], list[str]]) -> list[str] | str:
    """The lines read, or the message of the ReadError raised."""
    try:
        return read()
    except readers.ReadError as e:
        return e.user_message


_IMAGE_WORDS = ("file:", "image:", ".jpg", ".jpeg", ".png", ".svg", ".gif", ".tif", ".webp")

# --- the checks -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Gen. Kornilov moved. V. I. Lenin wrote to St. Petersburg. Then it ended.",
    "He met Mr.\n  Smith. Then Mrs.\u2009Jones left.", "See e.g. Moscow. No. 5 was there.", "Ask (Mr.) Then go.",
    "It was xMr. Then not.", "Capt. Smith and Prof. Pares met. A. B. C. D. End.", "Mr.", "", "  ", "Mr. ",
    "One. “Two.” Three! (Four?) [Five.] ‘Six.’"])
def test_sentences_split_and_join_as_the_plain_rule_does(text: str) -> None:
    assert sentences(text) == plain_sentences(text)
    assert sentences(text, _SENTENCE_END) == plain_sentences(text, _PLAIN_DATE_SPLIT)


def test_white_space_after_an_abbreviation_becomes_one_space() -> None:
    assert sentences("It was Mr.\n\tSmith who spoke. Then he left.") == ["It was Mr. Smith who spoke.",
                                                                         "Then he left."]


@FAST
@given(TEXT)
def test_sentences_match_the_plain_rule_on_any_text(text: str) -> None:
    assert sentences(text) == plain_sentences(text)
    assert sentences(text, _SENTENCE_END) == plain_sentences(text, _PLAIN_DATE_SPLIT)


@FAST
@given(TEXT)
def test_the_sentence_test_of_prose_matches_the_plain_rule(text: str) -> None:
    assert prose._has_sentence(text) == plain_has_sentence(text)


@pytest.mark.parametrize("text", ["pp. 4", "p.4", "pg 12", "ISBN 0", "ISSN", "the doi", "University Press",
                                  "Press,", "Retrieved", "Archived", "ed. Smith", "eds. Smith", "trans. Smith",
                                  "vol. 2", "no. 3", "nos. 3", "et al.", "OCLC", "JSTOR", "http://x", "https://x",
                                  "www.x", "(1999).", "Publishers", "Books:", "Journal", "Review,",
                                  "first appeared", "first published", "originally appeared",
                                  "originally published", "edition of", "reprinted", "Accessed"])
def test_every_reference_cue_passes_the_cheap_test(text: str) -> None:
    assert prose._REFERENCE_CUES.search(text) and prose._may_cite(text)


@FAST
@given(TEXT)
def test_the_cheap_cue_test_never_misses_a_cue(text: str) -> None:
    assert prose._may_cite(text) or not prose._REFERENCE_CUES.search(text)


@pytest.mark.parametrize("text", ["a.", "a.\n", "a.\n\n", "a.)", "a.”’", "a…", "a;", "a", "", "\n", ")", ".",
                                  "a.) \n", "a:\n"])
def test_a_sentence_end_is_read_from_the_end_as_the_pattern_finds_it(text: str) -> None:
    assert clean._ends_sentence(text) == bool(re.search(r"[.!?:;…][’”'\")\]]*$", text))


@FAST
@given(TEXT)
def test_cleaning_tests_match_the_plain_rules(text: str) -> None:
    assert clean._ends_sentence(text) == bool(re.search(r"[.!?:;…][’”'\")\]]*$", text))
    low = text.lower()
    assert clean._has_image_file(text) == any(w in low for w in _IMAGE_WORDS)
    assert bool(any(rx.search(text) for rx in clean._PUNCT_AFTER_SPACE)) == bool(clean._SPACE_BEFORE_PUNCT.search(text))
    assert clean.looks_like_heading(text, "x" * 500) == (
        0 < len(text.split()) <= clean.MAX_HEADING_WORDS and text[:1].isupper() and not clean._ends_sentence(text)
        and not clean._DATE_LINE.match(text))


@pytest.mark.parametrize("text", ["İmage:x.png", "İmage:x", "ımage:x", "FILE:X", "photo.JPG", "map.Tiff",
                                  "x.ſvg", "the image: a crowd"])
def test_image_names_are_found_in_ascii_case_only_as_lowercasing_found_them(text: str) -> None:
    low = text.lower()
    assert clean._has_image_file(text) == any(w in low for w in _IMAGE_WORDS)


@pytest.mark.parametrize("text", [
    "On 7 November [O.S. 25 October] 1917 the Bolsheviks rose.", "November 7 (October 25, O.S.), 1917 came.",
    "On 3rd May 1905 and May 4, 1905 strikes began.", "In 1917, on 24 October, they met.", "Xon 3 May 1905"])
def test_dates_are_still_found_where_the_fast_patterns_start(text: str) -> None:
    found = date_phrases(text)
    assert found and all(str(p.year) in text for p in found)


@FAST
@given(TEXT)
def test_the_calendar_marks_are_counted_as_the_plain_count_does(text: str) -> None:
    count = ConventionCount()
    count.add(text)
    assert (count.os_marks, count.ns_marks, count.words, count.russian) == (
        len(_OS_MARK.findall(text)), len(_NS_MARK.findall(text)), len(text.split()), len(_RUSSIAN.findall(text)))


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
@pytest.mark.parametrize("data", [b"a\r\nb\rc\n\nd", "\ufeffé\n’\r\n".encode(), b"caf\xe9\r\n\r\nx\n", b"\n\n",
                                  b"one line", b"a\r", b"a\n"])
def test_lines_decoded_a_chunk_at_a_time_are_the_lines_of_the_whole_text(data: bytes, chunk: int,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "DECODE_CHUNK", chunk)
    assert _outcome(lambda: list(readers._decoded_lines(data))) == _outcome(lambda: readers._decode(data).split("\n"))


@FAST
@given(st.lists(st.sampled_from([b"a", b" b", b"\n", b"\r", b"\r\n", "\u00e9".encode(), b"\xe9", b"\xef\xbb\xbf",
                                 "’".encode()]), min_size=1, max_size=30).map(b"".join),
       st.sampled_from([1, 2, 5, 1 << 20]))
def test_lines_decoded_a_chunk_at_a_time_match_on_any_bytes(data: bytes, chunk: int) -> None:
    saved = readers.DECODE_CHUNK
    readers.DECODE_CHUNK = chunk
    try:
        assert _outcome(lambda: list(readers._decoded_lines(data))) == _outcome(
            lambda: readers._decode(data).split("\n"))
    finally:
        readers.DECODE_CHUNK = saved


def test_a_utf16_text_is_still_decoded_whole() -> None:
    data = codecs.BOM_UTF16_LE + "a\r\nb".encode("utf-16-le")
    assert list(readers._decoded_lines(data)) == ["a", "b"]
