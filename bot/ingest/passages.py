"""Passages: cleaned blocks -> a few sentences each, with the location a citation shows."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from bot.ingest.prose import ProseFlags
from bot.ingest.readers import Block

MAX_PASSAGE_CHARS = 900
MAX_PASSAGE_SENTENCES = 4
MAX_PIECES = 20  # a "sentence" longer than this many passages (18,000 characters) is not prose; the rest is left out
# "Mr." "St." "no." and initials ("V. I.") end no sentence: the words before such a stop
ABBREVIATIONS = ("Mr", "Mrs", "Ms", "Dr", "St", "Gen", "Col", "Capt", "Lt", "Sgt", "Prof", "Rev", "No", "nos", "vol",
                 "pp", "cf", "e.g", "i.e", "vs", "etc")


class SentenceBoundary(NamedTuple):
    """Where a sentence may end (sentence_boundary), as a pattern that starts at any stop, and as one for a text
    with no "!" or "?", which starts at a full stop: the engine skips ahead to one literal character several
    times faster than to one of a set."""

    any_stop: re.Pattern[str]
    full_stop: re.Pattern[str]


def sentence_boundary(next_start: str) -> SentenceBoundary:
    """Where a sentence may end: at . ! ? (and closing quotes and brackets), white space (group 2), then one of
    `next_start` (a character class's inside), perhaps after an opening quote or bracket. Group 1 matches (empty)
    where the stop is that of an abbreviation or an initial, which ends no sentence. The stop is matched, not
    looked behind for, so the engine skips ahead to stops instead of trying the pattern at every character (a
    tenth of the reading child's time), and the abbreviations are looked behind for there, not by a pattern
    tried on every sentence's end."""
    abbreviation = "|".join(f"(?<=\\b{re.escape(a)}\\.)" for a in ABBREVIATIONS) + r"|(?<=\b[A-Z]\.)"
    rest = rf"(?:(?:{abbreviation})()|[’”'\")\]]*)(\s+)(?=[“‘\"'(\[]?[{next_start}])"
    return SentenceBoundary(re.compile("[.!?]" + rest), re.compile(r"\." + rest))


# a sentence ends at . ! ? (and closing quotes) followed by a capital or a digit
_SENTENCE_SPLIT = sentence_boundary("A-Z0-9А-Я")


@dataclass(frozen=True, slots=True)  # slots: a 50 MB reading's 125,000 passages, held by the bot until written
class Passage:
    seq: int
    para: int
    section: str | None
    text: str
    prose: bool = True  # running text (see bot/ingest/prose.py); non-prose is searchable, never quoted or dated

    @property
    def loc(self) -> str:
        where = f"para {self.para}"
        return f"{self.section}, {where}" if self.section else where


def sentences(text: str, boundary: SentenceBoundary = _SENTENCE_SPLIT) -> list[str]:
    """The sentences of `text`, split at the white space of each match of `boundary` (a sentence_boundary:
    closing quotes and brackets stay with their sentence) but after abbreviations and initials ("St.", "V. I.");
    the white space where they were joined again is one space."""
    out: list[str] = []
    parts: list[str] = []  # the sentence's parts so far, joined once (a run of initials would rejoin quadratically)
    start = 0
    for m in (boundary.any_stop if "!" in text or "?" in text else boundary.full_stop).finditer(text):
        parts.append(text[start:m.start(2)])
        start = m.end()
        if m.start(1) < 0:  # no abbreviation: the sentence ends here
            if sentence := " ".join(parts).strip():
                out.append(sentence)
            parts = []
    parts.append(text[start:])
    if sentence := " ".join(parts).strip():
        out.append(sentence)
    return out


def _pieces(sentence: str) -> list[str]:
    """A sentence as it is, or one too long for a passage (a paragraph with no full stop: lower-case notes,
    Greek, Chinese) cut between words into pieces of at most MAX_PASSAGE_CHARS, so none of it is lost and no
    word is cut; text with no spaces at all is cut every MAX_PASSAGE_CHARS characters. Past MAX_PIECES pieces
    (a 50 MB line of one character) the rest is not text anyone quotes, and is left out."""
    if len(sentence) <= MAX_PASSAGE_CHARS:
        return [sentence]
    head = sentence[: MAX_PIECES * MAX_PASSAGE_CHARS]
    return textwrap.wrap(head, MAX_PASSAGE_CHARS, break_on_hyphens=False, replace_whitespace=False)[:MAX_PIECES]


def split_passages(blocks: list[Block]) -> list[Passage]:
    """Group each paragraph's sentences into passages; a passage never spans two paragraphs."""
    return list(iter_passages(blocks))


def iter_passages(blocks: Iterable[Block]) -> Iterator[Passage]:
    """split_passages, one passage at a time, from a list of blocks or blocks as they come (iter_clean_blocks,
    which can drop each block of its list once cleaned, so a big reading's blocks and passages are never all
    held at once)."""
    seq = 0
    section: str | None = None
    prose = ProseFlags()  # each block judged as it comes: the first passages go out before the last is judged
    for b, sectioned in _sectioned(blocks):
        is_prose = prose.next(b)
        if b.kind == "heading":
            section = b.text[:120] if sectioned else None
            continue
        chunk: list[str] = []
        size = 0
        for whole in sentences(b.text):
            for s in _pieces(whole):
                if chunk and (len(chunk) >= MAX_PASSAGE_SENTENCES or size + len(s) > MAX_PASSAGE_CHARS):
                    seq += 1
                    yield Passage(seq, b.number, section, " ".join(chunk), is_prose)
                    chunk, size = [], 0
                chunk.append(s)
                size += len(s) + 1
        if chunk:
            seq += 1
            yield Passage(seq, b.number, section, " ".join(chunk), is_prose)


def _sectioned(blocks: Iterable[Block]) -> Iterator[tuple[Block, bool]]:
    """Each block with whether the reading's headings make sections: one lone heading ("Introduction" atop a
    book whose chapter titles were lost) is no section at all, two or more are. The blocks before the first
    heading need no answer (no section yet); from the first heading on they wait for a second heading, or
    for the end of the reading."""
    held: list[Block] = []
    headings = 0
    for b in blocks:
        if b.kind == "heading":
            headings += 1
        if headings == 1:
            held.append(b)
            continue
        if held:  # the second heading: the held blocks have sections
            yield from ((h, True) for h in held)
            held = []
        yield b, headings >= 2
    yield from ((h, False) for h in held)
