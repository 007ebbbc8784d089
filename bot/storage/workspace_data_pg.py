"""`WorkspaceData` in PostgreSQL (migration p006_workspace_data of bot/pg_state.py), on a PgState's pool.
Imported only when CLIO_DATABASE_URL names PostgreSQL. A member's forget-me and a workspace's deletion reach
these rows through bot/store.py's forget hooks, as they reach the SQLite tables."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from bot import store
from bot.storage.pg_repo import PgRepo, pg_forgetters


OWN_COLUMNS = ("question", "answer", "options", "accept", "topic", "period", "about", "explanation", "sources",
               "origin", "added_at")
JSON_COLUMNS = frozenset({"options", "accept", "about", "sources"})


class PgWorkspaceData(PgRepo):
    # forget-me and workspace deletion reach the review cards and own questions in PostgreSQL
    forgetters = pg_forgetters("the workspace data in PostgreSQL")

    def own_questions(self, workspace: str) -> list[dict[str, Any]]:
        return [{**r, "id": int(r["id"])} for r in self._rows(
            "select * from own_questions where workspace = %s order by id", [workspace])]

    def own_question_count(self, workspace: str) -> int:
        return int(self._rows("select count(*) as n from own_questions where workspace = %s", [workspace])[0]["n"])

    def add_own_questions(self, workspace: str, rows: list[dict[str, Any]]) -> list[int]:
        ids = []
        with self.pool.connection() as conn, conn.transaction():
            for r in rows:
                values = [Jsonb(r.get(c) or []) if c in JSON_COLUMNS else r.get(c) for c in OWN_COLUMNS]
                (qid,) = conn.execute(
                    f"insert into own_questions (workspace, {', '.join(OWN_COLUMNS)}) "
                    f"values (%s, {', '.join(['%s'] * len(OWN_COLUMNS))}) returning id",
                    [workspace, *values]).fetchone()  # type: ignore[misc]
                ids.append(int(qid))
        return ids

    def delete_own_question(self, workspace: str, question_id: int) -> dict[str, Any] | None:
        rows = self._rows("delete from own_questions where workspace = %s and id = %s returning *",
                          [workspace, question_id])
        return {**rows[0], "id": int(rows[0]["id"])} if rows else None

    def review_card(self, workspace: str, user_id: str, qid: str) -> dict[str, Any] | None:
        rows = self._rows("select * from review_cards where workspace = %s and user_id = %s and qid = %s",
                          [workspace, user_id, qid])
        return rows[0] if rows else None

    def save_review_card(self, row: dict[str, Any]) -> None:
        self._run("insert into review_cards (workspace, user_id, qid, card, due, question) values "
                  "(%(workspace)s, %(user_id)s, %(qid)s, %(card)s, %(due)s, %(question)s) "
                  "on conflict (workspace, user_id, qid) do update set card = excluded.card, due = excluded.due, "
                  "question = excluded.question", row)

    def due_review_cards(self, workspace: str, user_id: str, now: str, limit: int = 5) -> list[dict[str, Any]]:
        return self._rows("select * from review_cards where workspace = %s and user_id = %s and due <= %s "
                          "order by due limit %s", [workspace, user_id, now, limit])

    def mark_removed(self, workspace: str, removed_at: str, purge_after: str) -> None:
        self._run("insert into workspace_removals (workspace, removed_at, purge_after) values (%s, %s, %s) "
                  "on conflict (workspace) do update set removed_at = excluded.removed_at, "
                  "purge_after = excluded.purge_after", [workspace, removed_at, purge_after])

    def unmark_removed(self, workspace: str) -> None:
        self._run("delete from workspace_removals where workspace = %s", [workspace])

    def removals_due(self, now: str) -> list[str]:
        return [r["workspace"] for r in self._rows(
            "select workspace from workspace_removals where purge_after <= %s order by workspace", [now])]

    def chosen_packs(self, workspace: str) -> tuple[str, ...] | None:
        rows = self._rows("select packs from workspace_packs where workspace = %s", [workspace])
        return tuple(rows[0]["packs"]) if rows else None

    def choose_packs(self, workspace: str, packs: tuple[str, ...] | None, by: str, now: str) -> None:
        if packs is None:
            self._run("delete from workspace_packs where workspace = %s", [workspace])
            return
        self._run("insert into workspace_packs (workspace, packs, chosen_by, updated_at) values (%s, %s, %s, %s) "
                  "on conflict (workspace) do update set packs = excluded.packs, chosen_by = excluded.chosen_by, "
                  "updated_at = excluded.updated_at", [workspace, Jsonb(list(packs)), by, now])

    def forget(self, workspace: str, user_id: str | None) -> int:
        """A member's review cards (`user_id`), or everything the workspace keeps here (None)."""
        with self.pool.connection() as conn, conn.transaction():
            if user_id is not None:
                conn.execute("update workspace_packs set chosen_by = %s where workspace = %s and chosen_by = %s",
                             [store.FORGOTTEN, workspace, user_id])  # the group's choice stays, not who made it
                return conn.execute("delete from review_cards where workspace = %s and user_id = %s",
                                    [workspace, user_id]).rowcount
            return sum(conn.execute(f"delete from {table} where workspace = %s", [workspace]).rowcount
                       for table in ("review_cards", "own_questions", "workspace_removals", "workspace_packs"))

