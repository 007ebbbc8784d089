"""A test's look at what a Clio deployment keeps, read where it keeps it.

With `CLIO_DATABASE_URL` set, the tables PostgreSQL holds (readings, quizzes, schedules, workspace data, shared
state; bot/pg_state.py) are read there and the rest (the pack's index, the command log) in the SQLite file;
without it everything is in the file. Tests check what a command stored or removed through this, so one
test holds on both backends (`CLIO_TEST_BACKEND=postgresql`, tests/conftest.py).

SQL is written once, with `?` placeholders, in the dialect both share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.app import Clio


class Records:
    """The tables behind `app`, each read from the database that holds it."""

    def __init__(self, app: Clio):
        self.app = app
        self.url = app.settings.database_url
        self._pg_tables: set[str] | None = None

    def _on_pg(self, table: str) -> bool:
        if not self.url:
            return False
        if self._pg_tables is None:
            self._pg_tables = set(self.tables_on_pg())
        return table in self._pg_tables

    def rows(self, table: str, where: str = "", params: Sequence[Any] = (), columns: str = "*") -> list[dict[str, Any]]:
        """`select columns from table where ...` as dicts, from the database that holds `table`."""
        sql = f'select {columns} from "{table}" {where}'
        if not self._on_pg(table):
            return list(self.app.db.query(sql, list(params)))
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(self.url, autocommit=True) as conn, conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(sql.replace("?", "%s"), list(params)).fetchall()

    def values(self, table: str, column: str, where: str = "", params: Sequence[Any] = ()) -> list[Any]:
        """One column's values, in the order the query gives them."""
        return [next(iter(r.values())) for r in self.rows(table, where, params, columns=column)]

    def paragraphs_linking(self, source_id: str, entity_id: str) -> set[int]:
        """The paragraphs (their numbers) of reading `source_id` with a passage linked to `entity_id`."""
        para = {r["id"]: r["para"] for r in self.rows("passages", "where source_id = ?", [source_id], "id, para")}
        return {para[r["passage_id"]] for r in self.rows(
            "passage_entities", "where source_id = ? and entity_id = ?", [source_id, entity_id], "passage_id")}

    def count(self, table: str, where: str = "", params: Sequence[Any] = ()) -> int:
        return int(self.values(table, "count(*)", where, params)[0])

    def tables_on_pg(self) -> dict[str, list[str]]:
        """Each PostgreSQL table of the deployment with its columns (none without a database URL)."""
        if not self.url:
            return {}
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            found = conn.execute("select table_name, column_name from information_schema.columns "
                                 "where table_schema = current_schema() order by table_name, ordinal_position")
            tables: dict[str, list[str]] = {}
            for table, column in found.fetchall():
                tables.setdefault(table, []).append(column)
            return tables

    def tables(self) -> dict[str, list[str]]:
        """Every table the deployment keeps rows in, with its columns: PostgreSQL's and the SQLite file's
        others (a table both define is read from PostgreSQL, where the app keeps it then)."""
        on_pg = self.tables_on_pg()
        in_file = {t: [c.name for c in self.app.db[t].columns] for t in self.app.db.table_names()
                   if t not in on_pg}
        return {**in_file, **on_pg}
