"""Prose and non-prose: which passages are a reading's own running text.

Only prose feeds what Clio derives and quotes as a reading's account (on this day, generated questions,
/compare, "According to ..."). Non-prose stays searchable: reference lists and notes, bibliographies,
"See also" / "Further reading" / "External links" sections, lists (of works, honours, dates), tables, image
captions and stray labels.
"""

from __future__ import annotations

import re

from bot.ingest.readers import Block

# Section titles after which a reading's running text has ended (Wikipedia's back matter, a book's notes)
BACK_MATTER = frozenset("""see also|notes|references|external links|further reading|bibliography|sources|citations|
    footnotes|endnotes|works|selected works|works cited|publications|honours|honors|awards|honours and awards|
    awards and honours|awards and decorations|decorations|filmography|gallery|literature|notes and references|
    references and notes|primary sources|secondary sources|explanatory notes|general references|related articles|
    sources and further reading|bibliography and further reading|external sources|in popular culture""".replace(
    "\n", "").replace("    ", "").split("|"))
_WORKS_BY = re.compile(r"^(?:selected |major |published )?(?:works|writings|books|publications) (?:by|of) .{1,60}$", re.I)
_NOTE_START = re.compile(r"^\s*(?:\[\d{1,4}\]|\^|\*\s|†|\d{1,4}\.\s+(?=[A-Z][\w'’-]+,)|\(\d{1,4}\)\s)")
# marks of a bibliographic entry: page ranges, ISBNs, presses, retrieval notes, editors, volumes
_REFERENCE_CUE_LIST = (
    r"\bpp?\.\s?\d", r"\bpg\.?\s?\d", r"\bISBN\b", r"\bISSN\b", r"\bdoi\b", r"\bUniversity Press\b", r"\bPress\b[,.:]",
    r"\bRetrieved\b", r"\bArchived\b", r"\bed\.\s", r"\beds\.\s", r"\btrans\.\s", r"\bvol\.\s", r"\bnos?\.\s",
    r"\bet al\.", r"\bOCLC\b", r"\bJSTOR\b", r"https?://", r"www\.", r"\(\d{4}\)\.", r"\bPublishers?\b",
    r"\bBooks\b[:,)]", r"\bJournal\b", r"\bReview\b,", r"\bfirst (?:appeared|published)\b",
    r"\boriginally (?:appeared|published)\b", r"\bedition of\b", r"\breprinted\b", r"\bAccessed\b")


def _literal_first(cue: str) -> str:
    """"\\bISBN" -> "I(?<=\\bI)SBN": the same match, but every alternative starts with a literal character, so
    the regular expression engine skips ahead to those characters instead of trying every alternative at every
    position (most of the time of splitting a long reading went there)."""
    return f"{cue[2]}(?<=\\b{cue[2]}){cue[3:]}" if cue.startswith(r"\b") else cue


_REFERENCE_CUES = re.compile("|".join(_literal_first(c) for c in _REFERENCE_CUE_LIST))
# what every reference cue holds, checked before the cues themselves: most prose holds none of these. Each cue
# above implies a match of one of these patterns, and each pattern starts with one literal character (or one of
# a few capitals), so the engine skips ahead to those characters; the cues' own pattern stops at every "e", "n",
# "p", "t" and "o", and a test for each of the cues' twenty-five substrings read every block 25 times
_CUE_HINTS = (
    # ". 4" "p.4" "ed. " "eds. " "no. " "nos. " "trans." "vol." "et al." "www."
    re.compile(r"\.(?:\s?\d|(?<=\bed\.)\s|(?<=\beds\.)\s|(?<=\bno\.)\s|(?<=\bnos\.)\s|(?<=trans\.)|(?<=vol\.)|"
               r"(?<=et al\.)|(?<=www\.))"),
    re.compile(r"\(\d{4}\)\."),
    re.compile(r"ISBN|ISSN|OCLC|JSTOR|Journal|Press|Publisher|Books|Review|Retrieved|Archived|Accessed"),
    # "doi", "first appeared" / "originally published", "reprinted", "edition of": all found at their "d"
    re.compile(r"d(?:oi|(?<=first appeared)|(?<=first published)|(?<=originally appeared)|"
               r"(?<=originally published)|(?<=reprinted)|ition of(?<=edition of))"),
    re.compile(r"pg"),
    re.compile(r"://"),  # http:// https://
)


def _may_cite(text: str) -> bool:
    """False when `text` can hold no reference cue (a fast test that never says False for a text that does)."""
    return any(hint.search(text) for hint in _CUE_HINTS)


# a quotation signed below it, as epigraphs and block quotes are: a stop (and closing quotes), then a dash and the
# name of who said it, perhaps with a source ("— Karl Marx", "– Lenin, 1917"), at the very end of the block; the
# words are someone else's, not the reading's own account
_SIGNED = re.compile(r"[.!?…][’”'\"]*\s*(?:[—–―]|(?<=\s)-(?=\s))\s*[A-Z][^!?“”\"\n]{0,80}(?<![.!?])$")
_SENTENCE = re.compile(r"[^.!?]*?[a-z][^.!?]*[.!?]")  # what a sentence is; found in linear time by _has_sentence
_TO_STOP = re.compile(r"[^.!?]*[.!?]")  # the text up to and with the next stop
_LOWER = re.compile(r"[a-z]")
MIN_SENTENCE_WORDS = 6


def _has_sentence(text: str) -> bool:
    """Whether one of _SENTENCE.findall(text) has MIN_SENTENCE_WORDS words or more, found without that pattern's
    backtracking: it tries every start position of a run with no lowercase letter or no final stop, quadratic in
    the run (a minute for 40 KB of "A "), holding the GIL the whole time, so every bot in the process stalled
    while a hostile block was checked. Each run up to a stop is taken in turn (only up to the last stop, so no
    run is tried against the end of the text), and the first real sentence, most often the block's first, ends
    the search: splitting a whole block at every stop took a tenth of the reading child's time."""
    end = max(text.rfind("."), text.rfind("!"), text.rfind("?")) + 1
    for m in _TO_STOP.finditer(text, 0, end):
        s = m.group()
        # (the words counted up to MIN_SENTENCE_WORDS: the rest of a long run is not split off)
        if len(s.split(None, MIN_SENTENCE_WORDS - 1)) >= MIN_SENTENCE_WORDS and _LOWER.search(s):
            return True
    return False


def _signed_quotation(text: str) -> bool:
    """Whether a block ends with a quotation's signature (_SIGNED): looked for from its last dash, so a long
    paragraph is not scanned for one."""
    dash = max(text.rfind("—", -90), text.rfind("–", -90), text.rfind("―", -90), text.rfind(" - ", -90))
    return dash > 0 and _SIGNED.search(text, max(0, dash - 8)) is not None


# how much of a block the checks read: far more than any paragraph, far less than one 50 MB line (its passages
# keep only its first 18,000 characters anyway; the reference cues alone cost 0.7 s a MB)
PROSE_CHECK_CHARS = 50_000


def section_kind(title: str) -> str:
    """"back" for a back-matter section title ("See also", "Notes:"), else "body"."""
    t = re.sub(r"[\s:.]+$", "", title.strip()).lower()
    return "back" if t in BACK_MATTER or _WORKS_BY.match(t) else "body"


def is_back_matter_title(text: str) -> bool:
    return len(text) <= 60 and section_kind(text) == "back"


def is_prose(block: Block) -> bool:
    """Whether one block (outside back matter) is running text: not a list entry, caption, note, reference,
    table row or label."""
    if block.form != "text" or block.kind != "para":
        return False
    text = block.text[:PROSE_CHECK_CHARS]
    if _NOTE_START.match(text) or text.count("|") >= 2 or _signed_quotation(text):
        return False
    # 0, 1 or 2 (or more) cues: enough to judge
    cues = sum(1 for _ in zip(range(2), _REFERENCE_CUES.finditer(text))) if _may_cite(text) else 0
    if cues >= 2 or (cues == 1 and len(text.split()) < 40):
        return False
    # at least one real sentence: a capitalised run of words ending in . ! or ?
    return _has_sentence(text)


class ProseFlags:
    """Whether each block of a reading, given one at a time in reading order, is prose: everything after a
    back-matter title is not, until a heading that opens a body section again (a reading's first passages
    need not wait for every block to be judged)."""

    __slots__ = ("back",)

    def __init__(self) -> None:
        self.back = False

    def next(self, b: Block) -> bool:
        """Whether `b`, the block after the last one given, is prose."""
        if b.kind == "heading":
            self.back = section_kind(b.text) == "back"
        elif b.form == "text" and is_back_matter_title(b.text):
            self.back = True
        return not self.back and is_prose(b)
