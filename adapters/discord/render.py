"""Neutral Reply -> Discord messages: embeds within Discord's limits and buttons whose custom_id carries the
command they stand for, so a click routes even after a restart. Pure functions of the reply; no network."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import discord

from bot.response import Button, Image, Reply
from bot.text import shorten

# Discord's limits (discord.py documents them in embeds.py and ui/button.py; the API answers 400 beyond them)
TITLE_CHARS = 256
DESCRIPTION_CHARS = 4096
FIELDS_PER_EMBED = 25
FIELD_NAME_CHARS = 256
FIELD_VALUE_CHARS = 1024
FOOTER_CHARS = 2048
EMBED_TOTAL_CHARS = 6000
BUTTON_LABEL_CHARS = 80
CUSTOM_ID_CHARS = 100
BUTTONS_PER_MESSAGE = 25
MAX_MESSAGES = 5  # an answer longer than this many full embeds is shortened, not spread over the channel
CUSTOM_ID_PREFIX = "clio"
COLOUR = {True: discord.Colour(0x8B1E3F), False: discord.Colour.light_grey()}
SHORTENED = "…(shortened: ask a narrower question to see the rest)"
ALT_CHARS = 1024  # an attachment's description (its alt text)
UPLOAD_BYTES = 10 * 2**20  # what any server takes from a bot without boosts


def custom_id(button: Button) -> str | None:
    """"clio:ACTION:VALUE", or None when it would not fit Discord's 100 characters."""
    cid = f"{CUSTOM_ID_PREFIX}:{button.action}:{button.value}"
    return cid if len(cid) <= CUSTOM_ID_CHARS and button.action.isalnum() else None


@dataclass
class Message:
    """One Discord message: its embeds and the buttons under it."""

    embeds: list[discord.Embed] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    image: Image | None = None  # sent as an attachment, shown in the embed

    def files(self) -> list[discord.File]:
        """The message's attachment, made fresh for each send (discord.py closes a File once it is sent)."""
        if self.image is None:
            return []
        return [_File(io.BytesIO(self.image.data), filename=attachment_name(self.image),
                      description=self.image.alt[:ALT_CHARS] or None)]


class _File(discord.File):
    """discord.File, its attachment id a snowflake string as Discord's API description has it ("0", not 0)."""

    def to_dict(self, index: int) -> dict:  # type: ignore[override]
        return {**super().to_dict(index), "id": str(index)}


def attachment_name(image: Image) -> str:
    """A file name Discord keeps as it is, so the embed's attachment:// link finds it."""
    stem, dot, ext = image.filename.rpartition(".")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", stem if dot else image.filename).strip("-")[:60] or "picture"
    return f"{safe}.{re.sub(r'[^A-Za-z0-9]', '', ext)[:8] or 'png'}" if dot else f"{safe}.png"


def _chunks(text: str, limit: int) -> list[str]:
    """Text cut into pieces of at most `limit`, at line breaks (else spaces) where possible."""
    out: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        out.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    if text.strip():
        out.append(text)
    return out


def _size(embed: discord.Embed) -> int:
    return len(embed)  # discord.py counts title, description, fields, footer and author as Discord does


def messages_for(reply: Reply) -> list[Message]:
    """The messages that show `reply` and the replies that follow it (`Reply.then`), in order."""
    return [m for r in reply.sequence() for m in _messages_for_one(r)]


def _messages_for_one(reply: Reply) -> list[Message]:
    """The messages that show one reply: one embed per message, each within every limit; the sources in the
    footer of the last one and the buttons under it."""
    colour = COLOUR[reply.ok]
    sources = reply.sources_line()  # built once in the core: each reading once, with its paragraph ranges
    mark = f"\n{reply.marker}" if reply.marker else ""  # a scheduled post's mark, found again after a crash
    footer = (shorten(sources, FOOTER_CHARS - len(mark)) + mark).strip()
    budget = EMBED_TOTAL_CHARS - len(footer) - len(SHORTENED) - 16
    embeds: list[discord.Embed] = []

    def new_embed(title: str = "") -> discord.Embed:
        embed = discord.Embed(title=shorten(title, TITLE_CHARS) if title else None, colour=colour)
        embeds.append(embed)
        return embed

    # room for a title, the footer and a "shortened" note on any embed, so no embed passes 6,000 in all
    body_parts = _chunks(reply.body, min(DESCRIPTION_CHARS, budget - TITLE_CHARS)) if reply.body else []
    current = new_embed(reply.title)
    for i, part in enumerate(body_parts):
        if i:
            current = new_embed()
        current.description = part
    for f in reply.fields:
        name = shorten(f.name, FIELD_NAME_CHARS) or "\u200b"
        for j, value in enumerate(_chunks(f.value, FIELD_VALUE_CHARS) or ["\u200b"]):
            label = name if j == 0 else shorten(f"{f.name} (continued)", FIELD_NAME_CHARS)
            if len(current.fields) >= FIELDS_PER_EMBED or _size(current) + len(label) + len(value) > budget:
                current = new_embed()
            current.add_field(name=label, value=value, inline=f.inline and len(value) < 200)
    if len(embeds) > MAX_MESSAGES:
        embeds = embeds[:MAX_MESSAGES]
        last = embeds[-1]
        if len(last.fields) >= FIELDS_PER_EMBED:
            last.remove_field(-1)
        if last.fields:
            last.add_field(name="\u200b", value=SHORTENED, inline=False)
        else:
            last.description = shorten(last.description or "", DESCRIPTION_CHARS - len(SHORTENED) - 1) + "\n" + SHORTENED
    if footer:
        embeds[-1].set_footer(text=footer)
    # one button per custom_id (Discord refuses a message with two alike: "/who X" for two people named alike)
    unique = {custom_id(b): b for b in reversed(reply.buttons) if custom_id(b)}
    buttons = [b for b in reply.buttons if custom_id(b) and unique.get(custom_id(b)) is b][:BUTTONS_PER_MESSAGE]
    if not embeds[0].title and not embeds[0].description and not embeds[0].fields and not footer:
        embeds[0].description = "(nothing to show)"  # never a colour-only embed
    messages = [Message([e]) for e in embeds]
    messages[-1].buttons = buttons
    if reply.image is not None and len(reply.image.data) <= UPLOAD_BYTES:  # the picture in the first embed
        embeds[0].set_image(url=f"attachment://{attachment_name(reply.image)}")
        messages[0].image = reply.image
    return messages


class ClioButton(discord.ui.DynamicItem[discord.ui.Button], template=r"clio:(?P<action>[A-Za-z0-9]+):(?P<value>.*)"):
    """A button standing for the command "/ACTION VALUE". Its state lives in its custom_id, so a click on a
    message sent before a restart still routes: discord.py rebuilds the item from the id."""

    def __init__(self, action: str, value: str, label: str | None = None) -> None:
        super().__init__(discord.ui.Button(label=shorten(label or value, BUTTON_LABEL_CHARS) or "?",
                                           style=discord.ButtonStyle.secondary,
                                           custom_id=f"{CUSTOM_ID_PREFIX}:{action}:{value}"))
        self.action, self.value = action, value

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,  # type: ignore[override]
                             match: object) -> ClioButton:
        return cls(match["action"], match["value"], item.label)  # type: ignore[index]

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await interaction.client.clicked(interaction, self.action, self.value)  # type: ignore[attr-defined]


def view_for(buttons: list[Button]) -> discord.ui.View | None:
    """A timeout-free view of the buttons (None when there are none)."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for b in buttons:
        view.add_item(ClioButton(b.action, b.value, b.label))
    return view
