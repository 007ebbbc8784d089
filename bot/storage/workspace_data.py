"""What a workspace keeps of its own besides readings and quizzes (issue 23): its own quiz questions, its
members' review cards (spaced repetition), a removal scheduled after the bot left it, and the packs it chose.

`SqliteWorkspaceData` keeps them in the SQLite file (bot/store.py's tables); `PgWorkspaceData`
(bot/storage/workspace_data_pg.py) in PostgreSQL, so a member's review schedule and a group's own questions
are the same on every host. tests/test_workspace_data_repo.py runs one contract on both. Rows are dicts
as the store gives them: a question's options, accept, about and sources are lists; a card's `card` and
`question` are JSON text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from bot import store

if TYPE_CHECKING:
    import sqlite_utils


class WorkspaceData(Protocol):
    def own_questions(self, workspace: str) -> list[dict[str, Any]]:
        """The workspace's own questions, oldest first (never another workspace's)."""

    def own_question_count(self, workspace: str) -> int: ...

    def add_own_questions(self, workspace: str, rows: list[dict[str, Any]]) -> list[int]:
        """Store a batch of the workspace's own questions, all or none; their ids."""

    def delete_own_question(self, workspace: str, question_id: int) -> dict[str, Any] | None:
        """Remove one of the workspace's own questions; None when it has none with that id."""

    def review_card(self, workspace: str, user_id: str, qid: str) -> dict[str, Any] | None: ...

    def save_review_card(self, row: dict[str, Any]) -> None:
        """Insert or replace a member's card (workspace, user_id, qid, card, due, question)."""

    def due_review_cards(self, workspace: str, user_id: str, now: str, limit: int = 5) -> list[dict[str, Any]]:
        """A member's cards due by `now` (ISO text), the longest due first."""

    def mark_removed(self, workspace: str, removed_at: str, purge_after: str) -> None: ...

    def unmark_removed(self, workspace: str) -> None: ...

    def removals_due(self, now: str) -> list[str]:
        """Workspaces whose grace period after the bot left has ended by `now`."""

    def chosen_packs(self, workspace: str) -> tuple[str, ...] | None:
        """The packs the workspace chose with /pack use; None when it reads the deployment's default."""

    def choose_packs(self, workspace: str, packs: tuple[str, ...] | None, by: str, now: str) -> None:
        """Record the workspace's choice (None: back to the default)."""


class SqliteWorkspaceData:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def own_questions(self, workspace: str) -> list[dict[str, Any]]:
        return store.own_questions(self.db, workspace)

    def own_question_count(self, workspace: str) -> int:
        return store.count(self.db, "own_questions", "where workspace = ?", [workspace])

    def add_own_questions(self, workspace: str, rows: list[dict[str, Any]]) -> list[int]:
        return store.add_own_questions(self.db, workspace, rows)

    def delete_own_question(self, workspace: str, question_id: int) -> dict[str, Any] | None:
        return store.delete_own_question(self.db, workspace, question_id)

    def review_card(self, workspace: str, user_id: str, qid: str) -> dict[str, Any] | None:
        return store.review_card(self.db, workspace, user_id, qid)

    def save_review_card(self, row: dict[str, Any]) -> None:
        store.save_review_card(self.db, row)

    def due_review_cards(self, workspace: str, user_id: str, now: str, limit: int = 5) -> list[dict[str, Any]]:
        return store.due_review_cards(self.db, workspace, user_id, now, limit)

    def mark_removed(self, workspace: str, removed_at: str, purge_after: str) -> None:
        store.mark_removed(self.db, workspace, removed_at, purge_after)

    def unmark_removed(self, workspace: str) -> None:
        store.unmark_removed(self.db, workspace)

    def removals_due(self, now: str) -> list[str]:
        return store.removals_due(self.db, now)

    def chosen_packs(self, workspace: str) -> tuple[str, ...] | None:
        return store.chosen_packs(self.db, workspace)

    def choose_packs(self, workspace: str, packs: tuple[str, ...] | None, by: str, now: str) -> None:
        if packs is None:
            self.db.execute("delete from workspace_packs where workspace = ?", [workspace])
        else:
            store.set_workspace_packs(self.db, workspace, packs, by, now)


def packs_of(db: sqlite_utils.Database, data: WorkspaceData | None, workspace: str) -> tuple[str, ...]:
    """The packs a workspace reads: its own choice (in `data`, or the SQLite file `db` when None), else the
    deployment's default (kept with the pack index in the file)."""
    if data is None:
        return store.workspace_packs(db, workspace)  # one query
    return data.chosen_packs(workspace) or store.default_packs(db)
