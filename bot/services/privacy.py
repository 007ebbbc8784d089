"""Privacy and workspaces: what Clio keeps about members, forgetting a member, removing a whole workspace."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: `clio ask` reads the database without importing sqlite-utils
    import sqlite_utils

from bot import store
from bot.response import Reply
from bot.storage.workspace_data import SqliteWorkspaceData, WorkspaceData

PRIVACY_TEXT = """Clio keeps as little as it can, and keeps each group's data apart from every other group's.

About you, in this server or workspace only: your platform user id and display name next to what you do \
with Clio — your quiz answers and scores, any appeal you file, and your review schedule if you use one. \
Lookups and searches are answered and not recorded.

About your group: the readings your admins add (with their passages), the quiz questions they add, the \
group's settings (daily post channel, time and timezone; the weekly quiz night's day, time and timezone) and \
the log of posts made.

How long: until you or an admin delete it, or the group removes Clio — then everything the group added is \
deleted after a grace period (default 30 days).

Delete it yourself: /privacy forget-me removes your records here; other members' scores stay as they are. \
An admin can remove a member's records with /privacy forget USER_ID."""


def privacy_reply() -> Reply:
    return Reply(ok=True, kind="info", title="What Clio stores about you", body=PRIVACY_TEXT)


def forget_member(db: sqlite_utils.Database, workspace: str, user_id: str, *, own: bool) -> Reply:
    n = store.forget_member(db, workspace, user_id)
    who = "your" if own else "that member's"
    return Reply(ok=True, kind="info", title="Forgotten",
                 body=f"Deleted {n} record(s) of {who} in this group. Nothing else changed.")


class Workspaces:
    """Removing a workspace: at once (the operator) or after a grace period (the bot was removed)."""

    def __init__(self, db: sqlite_utils.Database, grace: dt.timedelta, data: WorkspaceData | None = None):
        self.db = db
        self.grace = grace
        self.data = data or SqliteWorkspaceData(db)  # where removals are scheduled (PostgreSQL: every host's)

    def removed(self, workspace: str, now: dt.datetime) -> dt.datetime:
        """The bot left a server or workspace: schedule its data's deletion. Returns when it will happen."""
        when = now + self.grace
        self.data.mark_removed(workspace, now.isoformat(), when.isoformat())
        return when

    def rejoined(self, workspace: str) -> None:
        """The bot is back before the grace period ended: keep everything."""
        self.data.unmark_removed(workspace)

    def purge_due(self, now: dt.datetime) -> list[str]:
        """Delete every workspace whose grace period has ended. Returns their ids."""
        due = self.data.removals_due(now.isoformat())
        for ws in due:
            store.delete_workspace(self.db, ws)
        return due
