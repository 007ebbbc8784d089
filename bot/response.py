"""Outputs: the neutral reply every service returns and every adapter renders (text, embeds, blocks)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot.citing import sources_line


@dataclass(frozen=True)
class Citation:
    """A reading an answer comes from."""

    reading_id: str
    title: str
    author: str
    loc: str | None = None

    def text(self) -> str:
        where = f", {self.loc}" if self.loc else ""
        return f"{self.author}, {self.title}{where}"


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Button:
    """A choice the user can click; comes back to the core as the command `action value`."""

    label: str
    action: str
    value: str


@dataclass(frozen=True)
class Match:
    """The entry a lookup matched."""

    id: str
    name: str
    type: str
    score: float


@dataclass(frozen=True)
class Image:
    """A picture that goes with a reply (a PNG): its bytes, a file name, and the alt text that says in words
    what it shows, for screen readers and for the places that cannot show it (the console, a fallback)."""

    data: bytes
    filename: str
    alt: str
    content_type: str = "image/png"


@dataclass
class Reply:
    """One answer from the core, independent of any chat platform.

    `text()` is the plain rendering (console, and every adapter's fallback).
    """

    ok: bool
    title: str = ""
    body: str = ""
    fields: list[Field] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    match: Match | None = None
    suggestions: list[Match] = field(default_factory=list)
    kind: str = "info"  # lookup | choices | not_found | error | help | list | info | quiz
    exit_code: int = 0
    private: bool = False  # shown only to the member who asked (ephemeral), where the platform can
    then: list[Reply] = field(default_factory=list)  # further messages posted after this one, in this order
    # a scheduled post's mark ("Clio's daily post for 4 Dec 2026"): adapters show it with the post so it can be
    # found in the channel's recent history, and a post sent just before a crash is never sent twice
    marker: str | None = None
    image: Image | None = None  # a picture shown with this reply (a timeline, a quiz's final standings)

    def sequence(self) -> list[Reply]:
        """This reply and the ones it is followed by, each a message of its own, in the order they happen."""
        return [self, *(r for nxt in self.then for r in nxt.sequence())]

    def text(self) -> str:
        """The plain rendering of this reply and the ones that follow it."""
        return "\n\n".join(r.own_text() for r in self.sequence())

    def own_text(self) -> str:
        """The plain rendering of this reply alone."""
        parts: list[str] = []
        if self.title:
            parts.append(self.title)
        if self.body:
            parts.append(self.body)
        for f in self.fields:
            parts.append(f"{f.name}: {f.value}" if "\n" not in f.value else f"{f.name}:\n{f.value}")
        if self.image:
            parts.append(f"Picture: {self.image.alt}")
        if self.buttons:
            parts.append("\n".join(f"  [{b.label}]  /{b.action} {b.value}".rstrip() for b in self.buttons))
        if self.citations:
            parts.append(self.sources_line())
        return "\n\n".join(parts)

    def sources_line(self) -> str:
        """The reply's one compact sources line ("Sources: Figes, paras 57-67; Maass, para 12"), or "": the
        same on every platform (bot/citing.py)."""
        return sources_line(self.citations)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: ok, text, match ({id, name, type, score} or null), suggestions, and the parts."""
        return {
            "ok": self.ok,
            "kind": self.kind,
            "private": self.private,
            "text": self.text(),
            "title": self.title,
            "body": self.body,
            "fields": [asdict(f) for f in self.fields],
            "citations": [asdict(c) for c in self.citations],
            "buttons": [asdict(b) for b in self.buttons],
            "match": asdict(self.match) if self.match else None,
            "suggestions": [asdict(s) for s in self.suggestions],
            "image": ({"filename": self.image.filename, "alt": self.image.alt, "bytes": len(self.image.data),
                       "content_type": self.image.content_type} if self.image else None),
        }
