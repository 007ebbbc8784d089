"""Inputs: who asked what, where. Adapters build these from platform payloads; the core never sees raw ones."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Context:
    """Where a command comes from. `workspace` is platform plus server or team id ("console:local")."""

    workspace: str = "console:local"
    channel: str = "console"
    user_id: str = "local"
    user_name: str = "you"
    is_admin: bool = False
    platform: str = "console"


@dataclass(frozen=True)
class ConversationRef:
    """Where a post goes, stored with a subscription so a scheduled post can reach the channel later."""

    platform: str
    workspace: str
    channel: str
    thread: str | None = None

    @classmethod
    def of(cls, ctx: Context) -> ConversationRef:
        return cls(ctx.platform, ctx.workspace, ctx.channel)
