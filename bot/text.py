"""Cleaning hostile chat text before the core uses it, and quoting it safely when a reply echoes it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from bot.errors import BadInput

# Longest argument a command takes; a chat message can be far longer (10,000 characters and more).
MAX_ARG_CHARS = 200
MAX_MESSAGE_CHARS = 2000
ECHO_CHARS = 60

# control, zero-width and bidi-override characters, and lone surrogates (they cannot even be encoded as UTF-8)
_INVISIBLE = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
                        r"\ud800-\udfff]")
_SPACE = re.compile(r"\s+")


def clean(text: str) -> str:
    """NFC-normalise, drop control, zero-width and bidi-override characters and lone surrogates, collapse
    white space."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    return _SPACE.sub(" ", text).strip()


def require_arg(text: str, what: str, usage: str | Callable[[], str], limit: int = MAX_ARG_CHARS) -> str:
    """The cleaned argument, or a BadInput that says what to type instead (`usage`, or what it returns: an
    example worked out only when needed)."""
    arg = clean(text)
    if not arg:
        raise BadInput(f"Tell me {what}: {usage() if callable(usage) else usage}")
    if len(arg) > limit:
        raise BadInput(f"That is {len(arg):,} characters; {what} can be at most {limit}. Try a shorter one: "
                       f"{usage() if callable(usage) else usage}")
    return arg


_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)


def without_article(text: str) -> str:
    """`text` stripped, less a first "the", "a" or "an" ("the Terror": "Terror")."""
    return _ARTICLE.sub("", text.strip())


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def echo(text: str, limit: int = ECHO_CHARS) -> str:
    """User text made safe to repeat in a reply: cleaned, shortened, mention markers and links defused."""
    text = shorten(clean(text), limit)
    # a zero-width joiner after @ or <! keeps "@everyone" or "<!channel>" from ever reading as a mention, and
    # one inside "](" keeps "[free prize](https://...)" in a display name from rendering as a masked link
    return (text.replace("@", "@\u2060").replace("<!", "<\u2060!").replace("<@", "<\u2060@")
            .replace("](", "]\u2060(").replace("<http", "<\u2060http"))


_FIRST_SENTENCE = re.compile(r"(.+?[.!?])(\s|$)")


def first_sentence(text: str, limit: int = 160) -> str:
    """The first sentence of a summary, shortened to `limit` characters."""
    m = _FIRST_SENTENCE.match(text)
    s = m.group(1) if m else text
    return s if len(s) <= limit else s[: limit - 1] + "…"


def excerpt(text: str, limit: int = 280) -> str:
    """A passage shortened at a word boundary to `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def excerpt_at(text: str, forms: list[str], limit: int = 280, stems: bool = False) -> str:
    """`text` shortened to about `limit` characters so that it shows the first of `forms` it holds (an entry's
    names as the readings may write them), cut at word boundaries: a passage that names the entry only past
    its first lines ("... 27 July (the fall of Robespierre) ...") shows that, not its opening. From the start
    when a form is near enough the start, or none is found. With `stems`, a form may begin a longer word (a
    search for "executed" finds "execution": the forms are the searched words less their last letters)."""
    if len(text) <= limit:
        return text
    wanted = [f for f in forms if len(f) >= 3]
    ends = r"\w*" if stems else r"\b"
    found = re.search(r"\b(?:" + "|".join(re.escape(f) for f in sorted(wanted, key=len, reverse=True)) + ")" + ends,
                      text, re.I) if wanted else None
    if found is None or found.end() <= limit - 40:
        return excerpt(text, limit)
    start = max(0, found.start() - limit // 3)
    start = text.find(" ", start) + 1 if start else 0  # a whole first word
    window = text[start:start + limit]
    end = start + len(window)
    if end < len(text):
        window = window.rsplit(" ", 1)[0]
    return ("…" if start else "") + window + ("…" if end < len(text) else "")


def around(text: str, marker: str, chars: int) -> str:
    """`chars` characters of `text` centred on the first `marker` (a quiz blank), with "…" where cut."""
    first = text.index(marker)
    start = max(0, first - chars // 2)
    return ("…" if start else "") + text[start:start + chars] + ("…" if start + chars < len(text) else "")


def roman(n: int) -> str:
    """1 -> "I", 14 -> "XIV" (up to the thirties: regnal numbers, Republican years)."""
    out = ""
    for value, numeral in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += numeral
            n -= value
    return out


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """"1 date", "3 dates", "1 pack entry", "2 pack entries" (`plural` where adding an s will not do)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
