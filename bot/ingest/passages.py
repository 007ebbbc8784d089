"""Passages: cleaned blocks -> a few sentences each, with the location a citation shows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.ingest.readers import Block

MAX_PASSAGE_CHARS = 900
MAX_PASSAGE_SENTENCES = 4
# a sentence ends at . ! ? (and closing quotes) followed by a capital; "Mr." "St." "no." and initials don't end one
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[’”'\")\]]*\s+(?=[“‘\"'(\[]?[A-Z0-9А-Я])")
_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Gen|Col|Capt|Lt|Sgt|Prof|Rev|No|nos|vol|pp|cf|e\.g|i\.e|vs|etc)|\b[A-Z])\.$")


@dataclass(frozen=True)
class Passage:
    seq: int
    para: int
    section: str | None
    text: str

    @property
    def loc(self) -> str:
        where = f"para {self.para}"
        return f"{self.section}, {where}" if self.section else where


def sentences(text: str) -> list[str]:
    parts = _SENTENCE_SPLIT.split(text)
    out: list[str] = []
    for p in parts:
        if out and _ABBREV.search(out[-1]):
            out[-1] = f"{out[-1]} {p}"
        else:
            out.append(p)
    return [s.strip() for s in out if s.strip()]


def split_passages(blocks: list[Block]) -> list[Passage]:
    """Group each paragraph's sentences into passages; a passage never spans two paragraphs."""
    passages: list[Passage] = []
    section: str | None = None
    # one lone heading ("Introduction" atop a book whose chapter titles were lost) is no section at all
    sectioned = sum(b.kind == "heading" for b in blocks) >= 2
    for b in blocks:
        if b.kind == "heading":
            section = b.text[:120] if sectioned else None
            continue
        chunk: list[str] = []
        size = 0
        for s in sentences(b.text):
            if chunk and (len(chunk) >= MAX_PASSAGE_SENTENCES or size + len(s) > MAX_PASSAGE_CHARS):
                passages.append(Passage(len(passages) + 1, b.number, section, " ".join(chunk)))
                chunk, size = [], 0
            chunk.append(s[: MAX_PASSAGE_CHARS * 2])
            size += len(s) + 1
        if chunk:
            passages.append(Passage(len(passages) + 1, b.number, section, " ".join(chunk)))
    return passages
