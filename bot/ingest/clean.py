"""Cleaning what real texts carry: glued footnote numbers, image markers, page furniture, hyphenation,
broken lines and paragraphs split mid-sentence; and telling headings from paragraphs in plain text."""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator

from bot.ingest.readers import Block

# no "[" inside: a try that starts at one "[" ends at the next, so "[img:" x 200,000 is one pass, not one per mark
_IMAGE = re.compile(r"\[(?:image|img|figure|picture)[ \t]*:[^\]\[]*\]", re.I)
# "teachers.6 The" / "Tsar.’12" / "1905.3": a 1-3 digit note number glued after a sentence's end
_FOOTNOTE = re.compile(r"((?:[^\W\d_]|[)\]’”'\"%]|(?<!\d)\d{4})[.!?;:,][’”'\"]?)(\d{1,3})(?=\s+[^\s\d]|\s*$)")
# the same, written to start at the punctuation (the word before it checked behind), so the engine skips ahead
# to punctuation instead of trying every letter: replace with r"\1"
_FOOTNOTE_FAST = re.compile(r"([.!?;:,])(?:(?<=[^\W\d_][.!?;:,])|(?<=[)\]’”'\"%][.!?;:,])|(?<=(?<!\d)\d{4}[.!?;:,]))"
                            r"([’”'\"]?)\d{1,3}(?=\s+[^\s\d]|\s*$)")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
_SOCIAL = {"facebook", "twitter", "instagram", "youtube", "share", "tweet", "email", "print", "whatsapp",
           "reddit", "linkedin", "telegram", "x", "pinterest", "copy", "link", "mastodon", "bluesky"}
_FURNITURE = re.compile(
    r"^(?:buy this issue|subscription options|subscribe(?: now| today)?|issue contents|table of contents|"
    r"share this(?: article)?|related(?: articles| posts)?|read more|further reading|from the archives|"
    r"leave a (?:comment|reply)|comments?|donate(?: now)?|follow us.*|sign up.*newsletter.*|advertisement|"
    r"skip to (?:main )?content|menu|search|log ?in|sign ?in|back to top|next article|previous article|"
    r"our new print issue is out.*|.*\bsubscribe\b.{0,40})$",
    re.I,
)
_DATE_LINE = re.compile(
    r"^(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4}|"
    r"\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]* \d{4}|\d{4}-\d{2}-\d{2})$"
)
_STOPS = ".!?:;…"  # what ends a sentence (or a line that is no heading), before any _CLOSERS
_CLOSERS = "’”'\")]"
MAX_HEADING_WORDS = 12
MAX_CAPTIONS = 20  # image captions kept from one paragraph


# Wiki leftovers: "[12]" / "[a]" / "[citation needed]" marks, the "]]" that closed an image link (its caption
# before it), "''" italics marks, image file names, parentheses emptied of a pronunciation: "( )", "(, ; Original"
_WIKI_MARK = re.compile(r"\[(?:\d{1,4}|[a-z]|note \d{1,3}|nb \d{1,3}|citation needed|clarification needed|"
                        r"when\?|who\?|according to whom\?|by whom\?|dubious[^\]]{0,20}|better source needed|"
                        r"page needed|verification needed)\]", re.I)
_CAPTION_END = "]]"
_CAPTION_START = re.compile(r"(?:\]\]|\[\d{1,4}\]|[.!?][’”'\")]*)\s*(?=\S)")
_WIKI_ITALICS = re.compile(r"''+")
# image file names ("File:X.jpg", "Winter_Palace.jpg"), found in linear time: each extension, then a walk back
# over the name's characters (a pattern such as \b[\w.]+\.jpg retries from every word start of an "a.a.a..." run)
_IMAGE_FILE_LINK = re.compile(r"(?:File|Image):\S+", re.I)
_IMAGE_EXTENSION = re.compile(r"\.(?:jpe?g|png|svg|gif|tiff?|webp)\b", re.I)
_NAME_CHAR = re.compile(r"[\w\-.,()%]")
_EMPTY_PARENS = re.compile(r"\(\s*(?:[,;:]\s*)*\)")
_LEADING_PUNCT_IN_PARENS = re.compile(r"\(\s*(?:[,;:]\s*)+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:])")
# what _SPACE_BEFORE_PUNCT needs, found at the mark (the space looked behind for): a cheap test before it, as that
# pattern tries \s+ at every space of the text. One pattern a mark: a pattern that starts with one literal
# character is skipped ahead to it several times faster than one that starts with any of a set
_PUNCT_AFTER_SPACE = tuple(re.compile(rf"{re.escape(c)}(?<=\s{re.escape(c)})") for c in ",.;:")
_NOTE_LINE = re.compile(r"^\s*\[\d{1,4}\]")  # "[31] Soviet's Chances. By ...": an entry of a reference list
_STARRED_NOTE = re.compile(r"\n\s*[*†]\s+")
_CATEGORY_LINE = re.compile(r"^(?:Category:\S.*)$")


def split_captions(text: str) -> tuple[list[str], str]:
    """A paragraph that carries image captions left over from wiki markup ("... in July 1789.]] Many
    Parisians ...") -> (the captions, the paragraph's own text). A caption runs from the last sentence end,
    note mark or earlier "]]" before its closing "]]". One pass: each caption is looked for only in the text
    after the previous one."""
    captions: list[str] = []
    kept: list[str] = []
    pos = 0
    while (end := text.find(_CAPTION_END, pos)) != -1:
        start = pos
        for m in _CAPTION_START.finditer(text, pos, end):
            start = m.end()
        caption = text[start:end].strip(" '")
        if caption and len(captions) < MAX_CAPTIONS:  # past that, "a]] a]] ..." is no page of images
            captions.append(caption)
        kept.append(text[pos:start])
        pos = end + len(_CAPTION_END)
    if not kept:
        return captions, text
    kept.append(text[pos:])
    return captions, " ".join(kept).strip()


def strip_leftovers(text: str) -> str:
    """Wiki and web leftovers out of a paragraph's text (after its captions were split off)."""
    if "[" in text:
        text = _WIKI_MARK.sub("", text)
    if "''" in text:
        text = _WIKI_ITALICS.sub("", text)
    if "." in text and _has_image_file(text):
        text = _strip_image_files(text)
    if "(" in text:
        text = _EMPTY_PARENS.sub("", _LEADING_PUNCT_IN_PARENS.sub("(", text))
    text = _squeeze(text)
    if any(rx.search(text) for rx in _PUNCT_AFTER_SPACE):
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return text.strip()


def _ends_sentence(text: str) -> bool:
    """Whether `text` ends as a sentence does: a stop, then any closing quotes or brackets, at its end or before
    a last line break. Read from the end: a pattern for it was tried at every stop of a paragraph."""
    body = (text[:-1] if text.endswith("\n") else text).rstrip(_CLOSERS)
    return body != "" and body[-1] in _STOPS


# "file:" or "image:", found at its ":", and an image extension (".jpg", ".jpeg", ".png", ".svg", ".gif", ".tif",
# ".webp"), found at its "." (the engine skips ahead to a pattern's one first character), in any case. ASCII case
# only, as text.lower() gave: the one other character that lowercases to an ASCII letter is "İ", whose "i" is then
# followed by a combining dot
_IMAGE_HINTS = (re.compile(r":(?<=file:)|:(?<=image:)", re.I | re.A),
                re.compile(r"\.(?:jpe?g|png|svg|gif|tif|webp)", re.I | re.A))


def _strip_image_files(text: str) -> str:
    """`text` without image file names, in one pass: "File:X.jpg" links, then names ending in an image extension."""
    text = _IMAGE_FILE_LINK.sub("", text)
    out: list[str] = []
    pos = 0
    for m in _IMAGE_EXTENSION.finditer(text):
        if m.start() < pos:
            continue
        start = m.start()
        while start > pos and _NAME_CHAR.match(text, start - 1):
            start -= 1
        # the name starts at a word start (as \b demands): skip leading non-word characters
        while start < m.start() and not (text[start].isalnum() or text[start] == "_"):
            start += 1
        if start == m.start():
            continue  # an extension with no name before it
        out.append(text[pos:start])
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _has_image_file(text: str) -> bool:
    """Whether `text` may hold an image file name (a cheap test before _strip_image_files)."""
    return any(rx.search(text) for rx in _IMAGE_HINTS)


def _squeeze(text: str) -> str:
    """Runs of spaces to one, tabs and no-break spaces to a space (_SPACES), skipped when there are none."""
    return _SPACES.sub(" ", text) if "  " in text or "\t" in text or "\u00a0" in text else text


def _join_lines(text: str) -> str:
    """Each run of white space that holds a line break, as one space: _LINE_BREAK.sub(" ", text) by splitting."""
    lines = text.split("\n")
    last = len(lines) - 1
    if not last:
        return text
    kept = [line.rstrip() if i == 0 else line.lstrip() if i == last else line.strip()
            for i, line in enumerate(lines) if i in (0, last) or not line.isspace() and line]
    return " ".join(kept)


_NOTE_HINT = re.compile(r"[.!?;:,][’”'\"]?\d")  # cheap test before the costly _FOOTNOTE pattern
_LINE_BREAK = re.compile(r"\s*\n\s*")
_SPACES = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")  # single spaces stay as they are


def clean_text(text: str) -> str:
    """Clean one paragraph's text: markers and note numbers out, broken lines and hyphenation joined."""
    if "[" in text:
        text = _IMAGE.sub(" ", text)
    if "\n" in text:
        text = _join_lines(_HYPHEN_BREAK.sub(r"\1\2", text) if "-\n" in text else text)
    if _NOTE_HINT.search(text):
        text = _FOOTNOTE_FAST.sub(r"\1\2", text)
    return _squeeze(text).strip()


def is_furniture(text: str) -> bool:
    """A line of web page furniture: share buttons, subscribe prompts, menus."""
    if len(text) > 160:  # longer than any furniture line (eight share-button words fit in far less)
        return False
    words = re.findall(r"[\w']+", text.lower())
    if words and len(words) <= 8 and all(w in _SOCIAL for w in words):
        return True
    return bool(_FURNITURE.match(text.strip()))


def looks_like_heading(text: str, nxt: str | None) -> bool:
    """A short, unpunctuated line followed by a paragraph, e.g. "The Putilov workers"."""
    # the cheap tests first (most paragraphs are longer than half the next one), and the words counted only up
    # to one past the most a heading has, not split off all through a long paragraph
    return (
        nxt is not None
        and len(nxt) > 2 * len(text)
        and text[:1].isupper()
        and 0 < len(text.split(None, MAX_HEADING_WORDS)) <= MAX_HEADING_WORDS
        and not _ends_sentence(text)
        and not _DATE_LINE.match(text)
    )


def clean_blocks(blocks: list[Block]) -> list[Block]:
    """Cleaned blocks: furniture and trailing link lists dropped, split paragraphs rejoined, headings found."""
    return list(iter_clean_blocks(blocks))


def _clean_one(b: Block) -> Iterator[Block]:
    """One block's cleaned blocks (a note split off below it, its image captions, itself), before the
    headings are found and split paragraphs rejoined."""
    if "\n" in b.text and (star := _STARRED_NOTE.search(b.text)):  # "* Until February 1918 ...": a note below
        body, note = b.text[:star.start()], b.text[star.end():]
        yield Block("para", clean_text(note), b.number, "note")
        b = Block(b.kind, body, b.number, b.form)
    if "\n" in b.text:
        kept = "\n".join(line for line in b.text.split("\n") if not is_furniture(line))
    else:  # one line (most blocks of most readings): kept or dropped whole
        kept = "" if is_furniture(b.text) else b.text
    text = clean_text(kept)
    if not text or is_furniture(text):
        return
    form = b.form
    if _CAPTION_END in text:
        captions, text = split_captions(text)
        yield from (Block("para", c, b.number, "caption") for c in captions if strip_leftovers(c))
    # a wiki page's category list: a line that starts "Category:", or one holding several ("Mikhail_Gorbachev
    # Category:1931 births ... Category:Nobel Peace Prize laureates", whose words made a sentence of it)
    if form == "text" and (_NOTE_LINE.match(text) or _CATEGORY_LINE.match(text) or text.count("Category:") >= 2):
        form = "note"
    text = strip_leftovers(text)
    if text:
        yield Block(b.kind, text, b.number, form)


def iter_clean_blocks(blocks: list[Block], release: bool = False) -> Iterator[Block]:
    """clean_blocks, each block given out as soon as nothing after it can change it, so a reading's first
    passages need not wait for its last block to be cleaned (the whole reading's cleaning, before the first
    passage, was a fifth of the reading child's time and the bot process idled through it).

    What comes later can change a block in three ways, each bounded: the closing list of a web page
    (_cut_trailing_listing) cuts at least 3 blocks, and the short lines above it, before the first run of date
    lines that may still qualify (one in the last 70 % of the blocks; the blocks' count only grows, so a run
    that no longer starts there never will again); a block's heading test reads the next paragraph; and a
    paragraph takes the next one in when that one starts in lower case. `release`: the caller gives `blocks`
    up, and each is dropped from the list once it is cleaned."""
    cleaned: list[Block | None] = []  # the cleaned blocks so far; those given out and read no more are dropped
    # back[c]: where the cut would end up if it started at c (the short unpunctuated lines above c walked back)
    back = array("q", [0])
    runs: list[list[int]] = []  # the runs of date lines, as _cut_trailing_listing groups them
    first_possible = 0  # the first run that may still be the listing that is cut
    done = dropped = 0  # cleaned[:done] went through the second pass; cleaned[:dropped] are dropped
    following = 0  # where the paragraph after cleaned[done] is looked for next
    out: Block | None = None  # the block being built (a paragraph may take the next ones in)
    parts: list[str] = []

    def second_pass(limit: int, final: bool) -> Iterator[Block]:
        """The second pass over cleaned[done:limit]: no block from `limit` on is kept unless `final`."""
        nonlocal done, following, out, parts
        while done < limit:
            following = max(following, done + 1)
            while following < limit and cleaned[following].kind != "para":  # type: ignore[union-attr]
                following += 1
            if following < limit:
                nxt: str | None = cleaned[following].text  # type: ignore[union-attr]
            elif final:
                nxt = None
            else:
                return  # the next paragraph is not known yet
            b = cleaned[done]
            assert b is not None
            if b.kind == "para" and b.form == "text" and looks_like_heading(b.text, nxt):
                b = Block("heading", b.text, b.number, b.form)
            # "conditions" / "generally worsened.": a paragraph cut in two by a stray blank line (the end of the
            # joined paragraph is the end of its last piece, which starts in lower case)
            if (out is not None and out.kind == "para" and b.kind == "para" and out.form == b.form == "text"
                    and not _ends_sentence(parts[-1]) and b.text[:1].islower()):
                parts.append(b.text)
            else:
                if out is not None:
                    yield out if len(parts) == 1 else Block(out.kind, " ".join(parts), out.number, out.form)
                out, parts = b, [b.text]
            done += 1

    for i in range(len(blocks)):
        b = blocks[i]
        if release:
            blocks[i] = None  # type: ignore[call-overload]
        for c in _clean_one(b):
            k = len(cleaned)
            cleaned.append(c)
            back.append(back[k] if len(c.text) < 60 and not _ends_sentence(c.text) else k + 1)
            if _DATE_LINE.match(c.text):
                if runs and k - runs[-1][-1] <= 5:
                    runs[-1].append(k)
                else:
                    runs.append([k])
        n = len(cleaned)
        # a listing found later starts at n or after: its cut is at back[n - 3] or after
        limit = back[max(0, n - 3)]
        while first_possible < len(runs) and (runs[first_possible][0] <= n * 0.3 or (
                len(runs[first_possible]) < 3 and first_possible < len(runs) - 1)):
            first_possible += 1  # before the last 70 % of the blocks, or too short and closed: never the listing
        if first_possible < len(runs):
            limit = min(limit, back[max(0, runs[first_possible][0] - 3)])
        yield from second_pass(limit, final=False)
        for j in range(dropped, done):
            cleaned[j] = None  # read no more (the walks back were counted in `back` as each block came)
        dropped = done
    # the whole reading is cleaned: the listing, if any, is known (as _cut_trailing_listing finds it)
    n = len(cleaned)
    listing = [r for r in runs if len(r) >= 3 and r[0] > n * 0.3]
    end = back[max(0, listing[0][0] - 3)] if listing else n
    yield from second_pass(end, final=True)
    if out is not None:
        yield out if len(parts) == 1 else Block(out.kind, " ".join(parts), out.number, out.form)


def _cut_trailing_listing(blocks: list[Block]) -> list[Block]:
    """Drop a web page's closing list of other articles: runs of (title, blurb, author, date) entries."""
    dates = [i for i, b in enumerate(blocks) if _DATE_LINE.match(b.text)]
    runs: list[list[int]] = []
    for i in dates:
        if runs and i - runs[-1][-1] <= 5:
            runs[-1].append(i)
        else:
            runs.append([i])
    listing = [r for r in runs if len(r) >= 3 and r[0] > len(blocks) * 0.3]
    if not listing:
        return blocks
    cut = max(0, listing[0][0] - 3)
    while cut > 0 and len(blocks[cut - 1].text) < 60 and not _ends_sentence(blocks[cut - 1].text):
        cut -= 1  # a section label such as "Ideas & Debates" above the list
    return blocks[:cut]
