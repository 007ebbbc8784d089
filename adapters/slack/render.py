"""Neutral Reply -> Block Kit within Slack's limits, with a plain-text fallback. All text is escaped, so
"<!channel>" or "<@U123>" typed by a member is shown, never acted on."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from typing import Any

from bot.commands import REGISTRY
from bot.response import Field, Reply
from bot.text import shorten

SECTION_CHARS = 3000
FIELD_CHARS = 2000
BLOCKS_MAX = 50
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTONS_PER_ACTIONS = 25
FALLBACK_CHARS = 3000
ACTION_PREFIX = "clio:"


def escape(text: str) -> str:
    """Slack's documented escaping of its three control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sections(text: str) -> list[dict[str, Any]]:
    """Long text split into sections of at most SECTION_CHARS, at line breaks where possible."""
    out, chunk = [], ""
    for line in text.split("\n"):
        while len(line) > SECTION_CHARS:
            out.append(line[:SECTION_CHARS])
            line = line[SECTION_CHARS:]
        if len(chunk) + len(line) + 1 > SECTION_CHARS:
            out.append(chunk)
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        out.append(chunk)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in out if c.strip()]


@functools.cache
def _command() -> re.Pattern[str]:
    """A command as the core writes it ("/who NAME"), not inside a word, a path or a link."""
    import bot.handlers  # noqa: F401  (the registry is filled as the commands are defined)

    names = "|".join(sorted(map(re.escape, REGISTRY), key=len, reverse=True))
    return re.compile(r"(?<![\w/<.:-])/(" + names + r")\b(?!-)")


def slack_forms(text: str) -> str:
    """Commands as Slack users type them: the app has one slash command, so "/who NAME" is "/clio who NAME"
    (and Slack keeps /who for itself)."""
    return _command().sub(r"/clio \1", text)


def _in_slack_forms(reply: Reply) -> Reply:
    return dataclasses.replace(reply, title=slack_forms(reply.title), body=slack_forms(reply.body),
                               fields=[Field(slack_forms(f.name), slack_forms(f.value), f.inline) for f in reply.fields])


def button_value(action: str, value: str) -> str:
    return json.dumps({"a": action, "v": value}, ensure_ascii=False)


def blocks_for(reply: Reply) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) for a reply, its commands in Slack's form."""
    reply = _in_slack_forms(reply)
    blocks: list[dict[str, Any]] = []
    if reply.title:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": shorten(reply.title, 150)}})
    if reply.body:
        blocks.extend(_sections(escape(reply.body)))
    for f in reply.fields:
        blocks.extend(_sections(f"*{escape(shorten(f.name, 200))}*\n{escape(shorten(f.value, FIELD_CHARS))}"))
    buttons = [{"type": "button", "action_id": f"{ACTION_PREFIX}{i}",
                "text": {"type": "plain_text", "text": shorten(b.label, BUTTON_TEXT)},
                "value": shorten(button_value(b.action, b.value), BUTTON_VALUE)}
               for i, b in enumerate(reply.buttons)]
    actions = [{"type": "actions", "elements": buttons[i:i + BUTTONS_PER_ACTIONS]}
               for i in range(0, len(buttons), BUTTONS_PER_ACTIONS)]
    footer = reply.sources_line()  # built once in the core: each reading once, with its paragraph ranges
    tail = actions + ([_context(escape(footer))] if footer else [])
    budget = BLOCKS_MAX - len(tail)
    if len(blocks) > budget:  # keep the buttons and the sources; shorten the middle
        blocks = blocks[: budget - 1] + [_context("…(shortened: ask a narrower question to see the rest)")]
    return shorten(escape(reply.own_text()), FALLBACK_CHARS), blocks + tail


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": shorten(text, SECTION_CHARS)}]}
