"""`Readings` in PostgreSQL (issue 23): migration p005_readings of bot/pg_state.py, on a PgState's pool.
Imported only when CLIO_DATABASE_URL names PostgreSQL.

- Search: each passage's words are a generated `tsvector` column (text search configuration `clio`: English
  stemming with accents folded and no stop words, as SQLite's FTS5 tokenizer takes them), indexed by GIN
  together with the passage's workspace (btree_gin), so a search reads only the matches in the asker's
  library. Every match there is ranked by `ts_rank` with length normalisation (1: rank / (1 + log length)),
  ties going to the newest passage.
- Writes: a reading is written in one transaction (COPY for its rows), so no query sees half of it and a
  replaced reading is never missing while its new copy is written; readers are not blocked (MVCC). The
  workspace's limits are checked in that transaction under an advisory lock per workspace, so uploads of
  one workspace in several processes take turns there and cannot together pass them."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from psycopg.rows import dict_row

from bot import store
from bot.storage.pg_repo import PgRepo, pg_forgetters
from bot.storage.readings import LimitCheck, PassageHit, SourceRow, Tail

if TYPE_CHECKING:
    import psycopg


PASSAGE_COLUMNS = ("id", "source_id", "workspace", "seq", "para", "section", "loc", "text", "prose")
DERIVED = ("passage_entities", "passage_dates", "candidates")  # keyed by source_id


def search_words(text: str) -> str | None:
    """The words of `text` that a search looks for (as bot/store.fts_query takes them), space-separated for
    plainto_tsquery: every word must match; operators and quotes are never syntax. None when none is left."""
    words = store._FTS_WORD.findall(text)[:store.MAX_FTS_WORDS]
    return " ".join(words) or None


def _copy(conn: psycopg.Connection, table: str, rows: Iterable[dict[str, Any]],
          columns: Sequence[str] | None = None) -> int:
    """COPY `rows` (dicts; the columns are the first row's keys unless given) into `table`; how many."""
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return 0
    cols = list(columns or first)
    n = 0
    with conn.cursor() as cur, cur.copy(f"copy {table} ({', '.join(cols)}) from stdin") as copy:
        for row in itertools.chain((first,), it):
            copy.write_row([row.get(c) for c in cols])
            n += 1
    return n


def _delete(conn: psycopg.Connection, source_id: str) -> None:
    for table in (*DERIVED, "passages"):
        conn.execute(f"delete from {table} where source_id = %s", [source_id])
    conn.execute("delete from sources where id = %s", [source_id])


def _delete_workspace(repo: PgReadings, workspace: str, user_id: str | None) -> None:
    """A deleted workspace's readings go from PostgreSQL too (a member's forget-me touches no reading)."""
    if user_id is None and workspace != store.SHARED:
        repo.delete_workspace(workspace)


class PgReadings(PgRepo):
    """The readings in PostgreSQL."""

    forgetters = pg_forgetters("the readings in PostgreSQL", call=_delete_workspace)

    @staticmethod
    def _usage(conn: psycopg.Connection, workspace: str, excluding: str | None) -> tuple[int, int]:
        n, used = conn.execute("select count(*), coalesce(sum(bytes), 0) from sources where workspace = %s "
                               "and id != %s", [workspace, excluding or ""]).fetchone()  # type: ignore[misc]
        return int(n), int(used)

    def write(self, source: dict[str, Any], passages: Iterable[dict[str, Any]], links: list[dict[str, Any]],
              dates: list[dict[str, Any]], candidates: list[dict[str, Any]],
              check: LimitCheck | None = None, tail: Callable[[], Tail] | None = None) -> None:
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext('clio-readings:' || %s))", [source["workspace"]])
            _delete(conn, source["id"])
            if check is not None:
                check(*self._usage(conn, source["workspace"], source["id"]))
            _copy(conn, "sources", [source])
            _copy(conn, "passages", passages, PASSAGE_COLUMNS)  # a generator is read as it is copied
            if tail is not None:  # one transaction: no query sees the reading before it commits
                end = tail()
                dates, candidates = dates + end.dates, candidates + end.candidates
                if end.links:  # mentions added to (or taken from) the links given: one row a passage and entry
                    merged = {(r["passage_id"], r["entity_id"]): dict(r) for r in links}
                    for r in end.links:
                        if (key := (r["passage_id"], r["entity_id"])) in merged:
                            merged[key]["mentions"] += r["mentions"]
                        else:
                            merged[key] = r
                    links = [r for r in merged.values() if r["mentions"] > 0]
                if end.fields:
                    conn.execute(f"update sources set {', '.join(f'{k} = %({k})s' for k in end.fields)} "
                                 "where id = %(_id)s", {**end.fields, "_id": source["id"]})
            _copy(conn, "passage_entities", links)
            _copy(conn, "passage_dates", dates)
            _copy(conn, "candidates", candidates)

    def delete(self, source_id: str) -> None:
        with self.pool.connection() as conn, conn.transaction():
            _delete(conn, source_id)

    def update(self, source_id: str, fields: dict[str, Any]) -> None:
        allowed = {k: v for k, v in fields.items() if k in ("title", "author", "calendar")}
        if allowed:
            with self.pool.connection() as conn:
                conn.execute(f"update sources set {', '.join(f'{k} = %({k})s' for k in allowed)} where id = %(id)s",
                             {**allowed, "id": source_id})

    def replace_links(self, source_id: str, links: list[dict[str, Any]], candidates: list[dict[str, Any]]) -> None:
        with self.pool.connection() as conn, conn.transaction():
            for table in ("passage_entities", "candidates"):
                conn.execute(f"delete from {table} where source_id = %s", [source_id])
            _copy(conn, "passage_entities", links)
            _copy(conn, "candidates", candidates)

    def source(self, source_id: str) -> SourceRow | None:
        rows = self._rows("select * from sources where id = %s", [source_id])
        return rows[0] if rows else None  # type: ignore[return-value]

    def source_by_sha(self, workspace: str, sha: str) -> SourceRow | None:
        rows = self._rows("select * from sources where workspace = %s and sha256 = %s limit 1", [workspace, sha])
        return rows[0] if rows else None  # type: ignore[return-value]

    def sources(self, workspace: str | None) -> list[SourceRow]:
        if workspace is None:
            return self._rows("select * from sources order by added_at, title")  # type: ignore[return-value]
        return self._rows("select * from sources where workspace in (%s, %s) order by added_at, title",  # type: ignore[return-value]
                          [store.SHARED, workspace])

    def passages_of(self, source_id: str) -> list[dict[str, Any]]:
        return self._rows(f"select {', '.join(PASSAGE_COLUMNS)} from passages where source_id = %s order by seq",
                          [source_id])

    def usage(self, workspace: str, excluding: str | None = None) -> tuple[int, int]:
        with self.pool.connection() as conn:
            return self._usage(conn, workspace, excluding)

    def search(self, text: str, workspace: str, limit: int = 10, source_id: str | None = None,
               prose_only: bool = False) -> list[PassageHit]:
        words = search_words(text)
        if words is None:
            return []
        extra = (" and p.source_id = %(source)s" if source_id else "") + (" and p.prose = 1" if prose_only else "")
        return self._rows(  # type: ignore[return-value]
            "select p.id, p.text, p.loc, p.source_id, s.title, s.author "
            "from passages p join sources s on s.id = p.source_id, plainto_tsquery('clio', %(words)s) q "
            f"where p.workspace in (%(shared)s, %(mine)s) and p.tsv @@ q{extra} "
            "order by ts_rank(p.tsv, q, 1) desc, p.rid desc limit %(limit)s",
            {"words": words, "shared": store.SHARED, "mine": workspace, "source": source_id, "limit": limit})

    def delete_workspace(self, workspace: str) -> int:
        if workspace == store.SHARED:
            raise ValueError("the shared readings are not a workspace")
        with self.pool.connection() as conn, conn.transaction():
            own = [r[0] for r in conn.execute("select id from sources where workspace = %s", [workspace])]
            for sid in own:
                _delete(conn, sid)
        return len(own)

    def entity_passages(self, entity_id: str, workspace: str, per_source: int = 1,
                        limit: int = 6) -> list[dict[str, Any]]:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(  # read lazily: best_per_source stops at `limit` rows
                "select p.id, p.text, p.loc, p.source_id, s.title, s.author, pe.mentions from passage_entities pe "
                "join sources s on s.id = pe.source_id join passages p on p.id = pe.passage_id "
                "where pe.entity_id = %s and s.workspace in (%s, %s) and p.prose = 1 "
                "order by pe.mentions desc, (length(p.text) between 200 and 900) desc, p.seq, p.rid",
                [entity_id, store.SHARED, workspace])
            return store.best_per_source(cur, per_source, limit)

    def link_counts(self, entity_ids: Iterable[str], workspace: str) -> dict[str, int]:
        ids = list(dict.fromkeys(entity_ids))
        if not ids:
            return {}
        return {r["entity_id"]: int(r["n"]) for r in self._rows(
            "select pe.entity_id, count(*) as n from passage_entities pe join sources s on s.id = pe.source_id "
            "where pe.entity_id = any(%s) and s.workspace in (%s, %s) group by pe.entity_id",
            [ids, store.SHARED, workspace])}

    def candidate(self, key: str, workspace: str) -> dict[str, Any] | None:
        rows = self._rows(
            "select c.key, max(c.name) as name, sum(c.mentions) as mentions from candidates c "
            "join sources s on s.id = c.source_id where c.key = %s and s.workspace in (%s, %s) group by c.key",
            [key, store.SHARED, workspace])
        return {**rows[0], "mentions": int(rows[0]["mentions"])} if rows else None

    def candidates(self, workspace: str | None) -> list[dict[str, Any]]:
        where, params = ("", []) if workspace is None else ("where s.workspace in (%s, %s) ", [store.SHARED, workspace])
        return [{**r, "mentions": int(r["mentions"])} for r in self._rows(
            "select c.key, max(c.name) as name, sum(c.mentions) as mentions, count(*) as readings, "
            "min(s.title || ', ' || c.example_loc) as example from candidates c join sources s on s.id = c.source_id "
            f"{where}group by c.key order by mentions desc, name", params)]

    def dates_on_day(self, month: int, day: int, workspace: str, limit: int = 10) -> list[dict[str, Any]]:
        return self._rows(
            "select phrase, date, calendar, sort_key, passage_id, text, loc, source_id, title, author, ns_match from ("
            "select pd.phrase, pd.date, pd.calendar, pd.sort_key, p.id as passage_id, p.text, p.loc, "
            "s.id as source_id, s.title, s.author, (pd.ns_month = %(m)s and pd.ns_day = %(d)s)::int as ns_match, "
            "row_number() over (partition by p.id order by pd.sort_key, (pd.ns_month = %(m)s and pd.ns_day = %(d)s) "
            "desc, pd.phrase, pd.date, pd.calendar) as nth "
            "from passage_dates pd join passages p on p.id = pd.passage_id join sources s on s.id = pd.source_id "
            "where s.workspace in (%(shared)s, %(mine)s) and ((pd.ns_month = %(m)s and pd.ns_day = %(d)s) or "
            "(pd.os_month = %(m)s and pd.os_day = %(d)s and pd.sort_key < %(era)s and pd.calendar = 'julian')) "
            "and p.prose = 1) as dated where nth = 1 order by sort_key, passage_id limit %(limit)s",
            {"m": month, "d": day, "shared": store.SHARED, "mine": workspace, "era": store.JULIAN_ERA_END,
             "limit": limit})

    def dates_in_years(self, workspace: str, first: int, last: int, limit: int = 2000) -> list[dict[str, Any]]:
        return self._rows(
            "select pd.date, pd.calendar, pd.phrase, pd.passage_id, p.text, p.loc, s.title, s.author "
            "from passage_dates pd join passages p on p.id = pd.passage_id join sources s on s.id = pd.source_id "
            "where s.workspace in (%s, %s) and p.prose = 1 and left(pd.date, 4) ~ '^[0-9]{4}$' "
            "and left(pd.date, 4)::int between %s and %s order by pd.sort_key, pd.passage_id limit %s",
            [store.SHARED, workspace, first, last, limit])

    def single_person_passages(self, workspace: str, source_id: str | None, limit: int,
                               people: Iterable[str]) -> list[dict[str, Any]]:
        extra = "and s.id = %(source)s " if source_id else ""
        rows = self._rows(
            "select p.id as passage_id, p.text, p.loc, s.id as source_id, s.title, s.author, "
            "min(pe.entity_id) as entity_id from sources s join passage_entities pe on pe.source_id = s.id "
            "join passages p on p.id = pe.passage_id "
            f"where s.workspace in (%(shared)s, %(mine)s) {extra}and pe.entity_id = any(%(people)s) and p.prose = 1 "
            "group by p.id, s.id having count(*) = 1 "  # p and s by their primary keys: one row each
            "order by (length(p.text) between 200 and 900) desc, p.id limit %(limit)s",
            {"shared": store.SHARED, "mine": workspace, "source": source_id, "people": list(people), "limit": limit})
        cooccurring: dict[str, set[str]] = {}
        for r in rows:
            if r["source_id"] not in cooccurring:
                cooccurring[r["source_id"]] = {x["entity_id"] for x in self._rows(
                    "select distinct entity_id from passage_entities where source_id = %s", [r["source_id"]])}
            r["cooccurring"] = cooccurring[r["source_id"]]
        return rows

    def discussed_events(self, workspace: str, source_id: str | None, limit: int,
                         events: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        from psycopg.types.json import Jsonb

        extra = "and s.id = %(source)s " if source_id else ""
        rows = self._rows(
            "select id, loc, passage_id, source_id, author, title from ("
            "select pe.entity_id as id, p.loc, p.rid, p.id as passage_id, s.id as source_id, s.author, s.title, "
            "row_number() over (partition by pe.entity_id order by p.rid) as nth, "
            "count(*) over (partition by pe.entity_id) as passages "
            "from sources s join passage_entities pe on pe.source_id = s.id join passages p on p.id = pe.passage_id "
            "join jsonb_each_text(%(years)s) y on y.key = pe.entity_id "
            f"where s.workspace in (%(shared)s, %(mine)s) {extra}and p.prose = 1 and strpos(p.text, y.value) > 0"
            ") as discussed where nth = 1 order by passages desc, id limit %(limit)s",
            {"shared": store.SHARED, "mine": workspace, "source": source_id, "limit": limit,
             "years": Jsonb({k: str(e["date"])[:4] for k, e in events.items()})})
        return [{**r, **{k: events[r["id"]][k] for k in ("name", "date", "calendar")}} for r in rows]

    def own_passages(self, workspace: str, source_id: str | None, limit: int) -> list[dict[str, Any]]:
        extra = "and s.id = %(source)s " if source_id else ""
        return self._rows(
            "select p.id as passage_id, p.text, p.loc, s.id as source_id, s.title, s.author from sources s "
            f"join passages p on p.source_id = s.id where s.workspace = %(mine)s {extra}and p.prose = 1 "
            "order by p.rid limit %(limit)s", {"mine": workspace, "source": source_id, "limit": limit})


    def coverage(self, people: Iterable[str]) -> dict[str, int]:
        with self.pool.connection() as conn:
            one = lambda sql, args=(): int(conn.execute(sql, args).fetchone()[0])  # type: ignore[index]  # noqa: E731
            return {
                "readings_indexed": one("select count(*) from sources"),
                "passages": one("select count(*) from passages"),
                "recurring_people_linked": one(
                    "select count(*) from (select entity_id from passage_entities where entity_id = any(%s) "
                    "group by entity_id having sum(mentions) >= 2) as linked", [list(people)]),
                "recurring_names_missing": one(
                    "select count(*) from (select key from candidates group by key having sum(mentions) >= 2) as m"),
            }
