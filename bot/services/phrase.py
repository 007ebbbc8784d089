"""The words of a typed phrase as the everyday questions compare them (bot.services.ask, posts, kin): its tokens,
its key words, crude stems, words in a row; and a card led by the line that answers the question."""

from __future__ import annotations

import re

from bot.names import written_out
from bot.response import Reply

STOP = frozenset("a an the of in on at to and or for by with from was were is are did does do his her their its "
                 "s when who what which how why".split())


def tokens(text: str) -> list[str]:
    """The words of `text`, lower case, a possessive "'s" dropped."""
    return written_out(re.findall(r"[^\W_]+", re.sub(r"['’]s\b", "", text.lower())))


def content_words(text: str) -> list[str]:
    """The key words of `text`: its tokens less the small words."""
    return [w for w in tokens(text) if w not in STOP]


def stem(word: str) -> str:
    """A crude stem, enough to match "Romanovs" with "Romanov" and "goldfields" with "goldfield"."""
    for suffix in ("ies", "es", "s"):
        if len(word) > 4 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def in_a_row(title: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """Whether a name's words hold these words in a row."""
    n = len(words)
    return any(title[i:i + n] == words for i in range(len(title) - n + 1))


def post_words(text: str) -> list[str]:
    """A role's or a post's key words in order, each cut by stem, its years left out."""
    return [stem(w) for w in content_words(text) if not w.isdigit()]


def led(card: Reply, lead: str) -> Reply:
    """A card with a line put before its body (the answer to what was asked: a date, an age, a role)."""
    card.body = f"{lead}\n\n{card.body}" if card.body else lead
    return card
