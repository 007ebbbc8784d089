"""The one compact sources line every reply with citations carries: each reading once, by its author's short name,
with the paragraphs cited merged into ranges ("Sources: Figes, paras 57-67, 245-249; Maass, para 12").

Built here, once, for every reply (lookups, timelines, on-this-day, quiz reveals): `Reply.sources_line()` calls
`sources_line`, and every adapter shows that string, so no adapter formats sources itself."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

MAX_RANGES = 4  # more ranges than this in one reading are merged at their smallest gaps
MAX_LABELS = 2  # chapter or section names (locs without paragraph numbers) shown per reading
MAX_CHARS = 700  # the whole line; readings past it are counted, not named

_PARAS = re.compile(r"\b(?:paras?|paragraphs?|¶+)\.?\s*((?:\d+\s*(?:[-–—]\s*\d+)?\s*(?:,|and|&)?\s*)+)", re.IGNORECASE)
_RANGE = re.compile(r"(\d+)\s*(?:[-–—]\s*(\d+))?")
_PARENS = re.compile(r"\s*\([^)]*\)")
_NOT_A_PERSON = {"series", "contributors", "league", "party", "committee", "collective", "editors", "staff",
                 "worker", "workers", "the", "of", "and", "society", "group", "press", "news", "wikipedia"}


class Cited(Protocol):
    """What a citation gives the line (bot.response.Citation has these)."""

    title: str
    author: str
    loc: str | None


# authors that name no one: a reading by "Wikipedia contributors" or "unknown" is told apart by its title
_NO_ONE = {"unknown", "anonymous", "anon", "n/a", "none"}


def anonymous(author: str) -> bool:
    """Whether an author names no particular writer ("unknown", "Wikipedia contributors")."""
    plain = " ".join(author.split()).casefold()
    return not plain or plain in _NO_ONE or plain.endswith(" contributors") or plain.endswith(" editors")


def by(author: str, title: str) -> str:
    """"Orlando Figes, Revolutionary Russia": a reading's author and title, as a passage is introduced; the title
    alone when the author is unknown ("Leninism", never "unknown, Leninism")."""
    author, title = " ".join(author.split()), " ".join(title.split())
    return title if (not author or author.casefold() in _NO_ONE) and title else f"{author}, {title}"


def cited_as(author: str, title: str) -> str:
    """Who a sentence says discusses something: the author ("Orlando Figes discusses it"), or the reading by
    its title when the author names no one ("Wikipedia contributors, October Revolution discusses it")."""
    return by(author, title) if anonymous(author) else " ".join(author.split())


def short_author(author: str) -> str:
    """"Figes" for "Orlando Figes"; an organisation keeps its name, without a parenthesis ("The Spark")."""
    plain = _PARENS.sub("", author).strip() or author.strip()
    words = plain.split()
    person = 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) \
        and not any(w.lower().strip(".,") in _NOT_A_PERSON for w in words)
    return words[-1] if person else plain


def paragraphs(loc: str | None) -> tuple[set[int], str | None]:
    """The paragraph numbers a loc names ("The Putilov workers, paras 14, 61-63" -> {14, 61, 62, 63}), and the
    loc itself when it names none (a chapter or section title)."""
    if not loc or not loc.strip():
        return set(), None
    found: set[int] = set()
    for m in _PARAS.finditer(loc):
        for a, b in _RANGE.findall(m.group(1)):
            lo, hi = int(a), int(b or a)
            if hi < lo:
                lo, hi = hi, lo
            found.update(range(lo, min(hi, lo + 5000) + 1))
    return found, (None if found else loc.strip())


def ranges(numbers: Iterable[int], limit: int = MAX_RANGES) -> list[tuple[int, int]]:
    """Sorted numbers as runs of consecutive ones; beyond `limit` runs, the two nearest are joined until `limit`
    remain (so a timeline citing thirty places in one book says where in it, in a few spans)."""
    out: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    while len(out) > max(limit, 1):
        i = min(range(len(out) - 1), key=lambda k: (out[k + 1][0] - out[k][1], k))
        out[i:i + 2] = [(out[i][0], out[i + 1][1])]
    return out


def _where(numbers: set[int], labels: list[str]) -> str:
    parts: list[str] = []
    if numbers:
        runs = ranges(numbers)
        text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
        parts.append(("para " if len(runs) == 1 and runs[0][0] == runs[0][1] else "paras ") + text)
    shown = labels[:MAX_LABELS]
    parts.extend(shown)
    if len(labels) > len(shown):
        parts.append(f"+{len(labels) - len(shown)} more")
    return ", ".join(parts)


def _key(c: Cited) -> tuple[str, str]:
    return " ".join(c.author.split()).casefold(), " ".join(c.title.split()).casefold()


def sources_line(citations: Iterable[Cited], limit: int = MAX_CHARS) -> str:
    """"Sources: Figes, paras 198-277; Maass, para 12": each reading once (the same book cited by the pack and
    quoted from the ingested text is one reading), in the order first cited; "" when there are none."""
    cited = list(citations)
    first: dict[tuple[str, str], Cited] = {}
    where: dict[tuple[str, str], tuple[set[int], list[str]]] = {}
    for c in cited:
        key = _key(c)
        first.setdefault(key, c)
        numbers, labels = where.setdefault(key, (set(), []))
        found, label = paragraphs(c.loc)
        numbers |= found
        if label and label not in labels:
            labels.append(label)
    if not first:
        return ""
    # by no one in particular ("unknown", "Wikipedia contributors"): the work is named ("Leninism, para 52")
    names = {key: short_author(c.author) if not anonymous(c.author) else by(c.author, c.title)
             for key, c in first.items()}
    taken: dict[str, int] = {}
    for n in names.values():
        taken[n.casefold()] = taken.get(n.casefold(), 0) + 1
    entries = []
    for key, c in first.items():
        name = names[key]
        if taken[name.casefold()] > 1 and c.title.strip() and not anonymous(c.author):  # two readings by one
            # author: name the work too
            name = f"{name}, {c.title.strip()}"
        place = _where(*where[key])
        entries.append(f"{name}, {place}" if place else name)
    line = "Sources: "
    for i, entry in enumerate(entries):
        rest = len(entries) - i
        if i and len(line) + len(entry) + 30 > limit:
            return line + f"; +{rest} more reading{'s' if rest > 1 else ''}"
        line += ("; " if i else "") + entry
    return line
