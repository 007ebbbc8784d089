"""`SharedState` on PostgreSQL (issue 23): what the processes of a deployment on many hosts share, chosen by
CLIO_DATABASE_URL=postgresql://... (bot/shared_state.py `open_shared`). Only imported then, so a SQLite-only
Clio never imports psycopg.

- Connections come from a psycopg_pool ConnectionPool (autocommit; a transaction only where one is needed).
- The schema is migrated on opening, each step once, recorded in `clio_migrations`, under an advisory lock so
  processes starting together do not race.
- Rate limits: one row per member, its recent command times an array merged in one UPSERT, so two processes
  counting the same member at once both count.
- Leases: taken, renewed or refused by one atomic UPSERT whose WHERE lets it through only when the lease is
  free, expired or already the taker's; RETURNING says which.
- Versions: a bump is announced with NOTIFY in its transaction; a listener thread (LISTEN, its own connection)
  keeps the latest versions heard, and a version is read from the table when the listener is down, for a
  name not heard of yet, or every FALLBACK_READ seconds in any case.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bot.config import mask_url, without_password

log = logging.getLogger("clio.pg")
CHANNEL = "clio_versions"
FALLBACK_READ = 10.0  # seconds a version heard by the listener is trusted before it is read again
POOL_MAX = 10  # connections per process: the door's worker threads, the rate writer and the lease

MIGRATIONS: list[tuple[str, str]] = [
    ("p001_shared_state", """
        create table if not exists rate_windows (
            workspace text not null, user_id text not null,
            hits double precision[] not null, last double precision not null,
            primary key (workspace, user_id));
        create index if not exists rate_windows_last on rate_windows (last);
        create table if not exists leases (
            name text primary key, holder text not null,
            expires_at double precision not null, taken_at double precision not null);
        create table if not exists versions (name text primary key, version bigint not null);
    """),
    ("p002_exactly_once", """
        create table if not exists post_claims (
            workspace text not null, channel text not null, local_date text not null,
            status text not null, claimed_at text not null, attempts integer not null default 0,
            next_attempt_at text, event_id text, error text, sent_at text,
            primary key (workspace, channel, local_date));
        create table if not exists quiz_answers (
            quiz_id bigint not null, idx integer not null, workspace text not null, user_id text not null,
            user_name text, answer text, correct integer not null, points integer not null,
            answered_at text not null,
            primary key (quiz_id, idx, user_id));
        create index if not exists quiz_answers_member on quiz_answers (workspace, user_id);
        create table if not exists quiz_winners (
            quiz_id bigint not null, idx integer not null, user_id text not null,
            primary key (quiz_id, idx));
    """),
    ("p003_quizzes", """
        create table if not exists quizzes (
            id bigint generated always as identity primary key,
            workspace text not null, channel text not null, ref text not null, status text not null,
            mode text not null, seconds integer not null, total integer not null, topic text,
            current integer not null, deadline text not null, started_by text not null, started_at text not null,
            ended_at text);
        create index if not exists quizzes_channel on quizzes (workspace, channel, status);
        create unique index if not exists one_running_quiz on quizzes (workspace, channel) where status = 'running';
        create table if not exists quiz_questions (
            quiz_id bigint not null references quizzes (id), idx integer not null, qid text not null,
            question text not null, answer text not null, options jsonb not null, accept jsonb not null,
            explanation text not null, sources jsonb not null, winner text, opened_at text,
            closed boolean not null default false,
            primary key (quiz_id, idx));
        create table if not exists quiz_appeals (
            id bigint generated always as identity primary key,
            workspace text not null, quiz_id bigint not null, idx integer not null, qid text not null,
            user_id text not null, claim text not null, reason text not null, status text not null,
            created_at text not null, resolved_by text);
        create index if not exists quiz_appeals_question on quiz_appeals (quiz_id, idx, status);
        drop table if exists quiz_winners;
    """),
    ("p004_schedules", """
        create table if not exists subscriptions (
            workspace text not null, channel text not null, ref text not null, post_time text not null,
            timezone text not null, active boolean not null default true, paused_reason text, created_by text,
            updated_at text,
            primary key (workspace, channel));
        create table if not exists admin_notices (
            id bigint generated always as identity primary key, workspace text not null, message text not null,
            created_at text not null);
        create index if not exists admin_notices_workspace on admin_notices (workspace, id);
        create table if not exists quiz_schedules (
            workspace text not null, channel text not null, ref text not null, weekday integer not null,
            start_time text not null, timezone text not null, args text not null default '',
            active boolean not null default true, paused_reason text, updated_at text,
            primary key (workspace, channel));
        create table if not exists quiz_schedule_claims (
            workspace text not null, channel text not null, local_date text not null, kind text not null,
            status text not null, claimed_at text not null, attempts integer not null default 0,
            next_attempt_at text, quiz_id bigint, error text, sent_at text,
            primary key (workspace, channel, local_date, kind));
    """),
    ("p005_readings", """
        -- words as SQLite's FTS5 tokenizer takes them (porter stemming, accents dropped, no stop words)
        do $$ begin
            if not exists (select 1 from pg_ts_config where cfgname = 'clio') then
                create text search dictionary clio_stem (template = snowball, language = english);
                create text search configuration clio (copy = simple);
                begin
                    create extension if not exists unaccent;
                    alter text search configuration clio
                        alter mapping for asciiword, asciihword, hword_asciipart, word, hword, hword_part
                        with unaccent, clio_stem;
                exception when others then  -- no unaccent here: stemming without accent folding
                    alter text search configuration clio
                        alter mapping for asciiword, asciihword, hword_asciipart, word, hword, hword_part
                        with clio_stem;
                end;
            end if;
        end $$;
        create table if not exists sources (
            id text primary key, workspace text not null, title text not null, author text, filename text,
            kind text, bytes bigint not null default 0, sha256 text, calendar text, added_at text,
            passages integer not null default 0);
        create index if not exists sources_workspace on sources (workspace, sha256);
        create table if not exists passages (
            rid bigint generated always as identity, id text primary key,
            source_id text not null references sources (id), workspace text not null,
            seq integer not null, para integer, section text, loc text, text text not null,
            prose integer not null default 1,
            tsv tsvector generated always as (to_tsvector('clio'::regconfig, text)) stored);
        create index if not exists passages_source on passages (source_id, seq);
        create table if not exists passage_entities (
            passage_id text not null, entity_id text not null, source_id text not null, mentions integer not null,
            primary key (passage_id, entity_id));
        create index if not exists passage_entities_source on passage_entities (source_id, entity_id);
        create index if not exists passage_entities_entity on passage_entities (entity_id);
        create table if not exists passage_dates (
            passage_id text not null, source_id text not null, phrase text, date text not null,
            calendar text not null, os_month integer, os_day integer, ns_month integer, ns_day integer,
            sort_key text);
        create index if not exists passage_dates_source on passage_dates (source_id);
        create index if not exists passage_dates_ns on passage_dates (ns_month, ns_day);
        create index if not exists passage_dates_os on passage_dates (os_month, os_day);
        create table if not exists candidates (
            source_id text not null, key text not null, name text, mentions integer not null,
            example_loc text, primary key (source_id, key));
        -- the search index leads with the workspace (btree_gin), so a search reads only the asker's
        -- library's matches however much other groups hold; without btree_gin, the words alone
        do $$ begin
            create extension if not exists btree_gin;
            create index if not exists passages_search on passages using gin (workspace, tsv);
        exception when others then
            create index if not exists passages_search_words on passages using gin (tsv);
        end $$;
    """),
    ("p006_workspace_data", """
        create table if not exists own_questions (
            id bigint generated always as identity primary key, workspace text not null,
            question text not null, answer text not null, options jsonb not null, accept jsonb not null,
            topic text, period text, about jsonb not null, explanation text, sources jsonb not null,
            origin text, added_at text);
        create index if not exists own_questions_workspace on own_questions (workspace, id);
        create table if not exists review_cards (
            workspace text not null, user_id text not null, qid text not null, card text not null,
            due text not null, question text not null, primary key (workspace, user_id, qid));
        create index if not exists review_cards_due on review_cards (workspace, user_id, due);
        create table if not exists workspace_removals (
            workspace text primary key, removed_at text not null, purge_after text not null);
    """),
    ("p007_workspace_packs", """
        create table if not exists workspace_packs (
            workspace text primary key, packs jsonb not null, chosen_by text, updated_at text);
    """),
]


def migrate(conn: psycopg.Connection) -> list[str]:
    """Apply the migrations not yet applied to this database, in order; the names applied now."""
    applied: list[str] = []
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('clio-migrations'))")
        conn.execute("create table if not exists clio_migrations "
                     "(name text primary key, applied_at timestamptz not null default now())")
        done = {r[0] for r in conn.execute("select name from clio_migrations")}
        for name, sql in MIGRATIONS:
            if name not in done:
                conn.execute(sql)
                conn.execute("insert into clio_migrations (name) values (%s)", [name])
                applied.append(name)
    return applied


class PgState:
    """`SharedState` in a PostgreSQL database (see the module's docstring)."""

    def __init__(self, url: str, *, pool_max: int = POOL_MAX, listen: bool = True,
                 clock: Callable[[], float] = time.monotonic):
        self.url = url
        self.clock = clock
        try:  # one connection first: a wrong URL is told at once, not after the pool's retries
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
                applied = migrate(conn)
        except psycopg.Error as e:  # the URL's password never reaches the message
            why = without_password(str(e).strip(), url)
            raise ConnectionError(f"cannot use PostgreSQL at {mask_url(url)}: {why}") from None
        self.pool = ConnectionPool(url, min_size=1, max_size=pool_max, kwargs={"autocommit": True},
                                   name="clio", open=False)
        self.pool.open(wait=True, timeout=15)
        if applied:
            log.info("PostgreSQL at %s migrated: %s", mask_url(url), ", ".join(applied))
        self.announced = threading.Event()  # set when a version change is heard (IndexWatch looks at once)
        self._heard: dict[str, tuple[int, float]] = {}  # name -> (version, when read or heard)
        self._heard_lock = threading.Lock()
        self._listening = threading.Event()
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        if listen:
            self._listener = threading.Thread(target=self._listen, name="clio-pg-listen", daemon=True)
            self._listener.start()
            self._listening.wait(5)

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join(5)
        self.pool.close()

    # --- rate limits -----------------------------------------------------------------------------------

    def hits(self, workspace: str, user_id: str, since: float) -> list[float]:
        with self.pool.connection() as conn:
            row = conn.execute("select hits from rate_windows where workspace = %s and user_id = %s",
                               [workspace, user_id]).fetchone()
        return sorted(t for t in row[0] if t > since) if row else []

    def add_hits(self, hits: dict[tuple[str, str], list[float]], since: float, keep: int) -> None:
        rows = [(w, u, kept, kept[-1], since, keep)
                for (w, u), new in hits.items() if (kept := sorted(t for t in new if t > since)[-keep:])]
        if not rows:
            return
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            # merged in the row: what another process wrote meanwhile is kept, never overwritten
            cur.executemany(
                "insert into rate_windows as r (workspace, user_id, hits, last) values (%s, %s, %s, %s) "
                "on conflict (workspace, user_id) do update set "
                "hits = array(select t from (select t from unnest(r.hits || excluded.hits) t where t > %s "
                "             order by t desc limit %s) newest order by t), "
                "last = greatest(r.last, excluded.last)", rows)

    def forget(self, workspace: str, user_id: str | None) -> None:
        with self.pool.connection() as conn:
            if user_id is None:
                conn.execute("delete from rate_windows where workspace = %s", [workspace])
            else:
                conn.execute("delete from rate_windows where workspace = %s and user_id = %s", [workspace, user_id])

    def sweep(self, before: float, keep: int) -> int:
        with self.pool.connection() as conn, conn.transaction():
            n = conn.execute("delete from rate_windows where last <= %s", [before]).rowcount
            n += conn.execute(
                "delete from rate_windows where (workspace, user_id) in (select workspace, user_id from rate_windows "
                "order by last limit greatest(0, (select count(*) from rate_windows) - %s))", [keep]).rowcount
        return n

    # --- versions ------------------------------------------------------------------------------------------

    def version(self, name: str = "index") -> int:
        now = self.clock()
        if self._listening.is_set():
            with self._heard_lock:
                heard = self._heard.get(name)
            if heard is not None and now - heard[1] < FALLBACK_READ:
                return heard[0]
        with self.pool.connection() as conn:
            row = conn.execute("select version from versions where name = %s", [name]).fetchone()
        return self._hear(name, int(row[0]) if row else 0, now)

    def bump(self, name: str = "index") -> int:
        with self.pool.connection() as conn, conn.transaction():
            v = conn.execute("insert into versions as v (name, version) values (%s, 1) on conflict (name) "
                             "do update set version = v.version + 1 returning version", [name]).fetchone()[0]
            conn.execute("select pg_notify(%s, %s)", [CHANNEL, f"{v}:{name}"])  # sent when this commits
        return self._hear(name, int(v), self.clock())

    def _hear(self, name: str, version: int, when: float) -> int:
        with self._heard_lock:
            old = self._heard.get(name, (0, when))[0]
            self._heard[name] = (max(old, version), when)
            return max(old, version)

    def _listen(self) -> None:
        """The listener thread: LISTEN on its own connection; on a lost connection, reconnect (versions are
        read from the table meanwhile, and everything heard before is read again after)."""
        pause = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(f"listen {CHANNEL}")
                    with self._heard_lock:
                        self._heard.clear()  # what was missed while not listening is read again
                    self._listening.set()
                    pause = 0.5
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            version, _, name = note.payload.partition(":")
                            self._hear(name, int(version), self.clock())
                            self.announced.set()
            except Exception:  # noqa: BLE001 - versions are read from the table until it is back
                if not self._stop.is_set():
                    log.warning("lost the PostgreSQL listener; reading versions meanwhile", exc_info=True)
            finally:
                self._listening.clear()
            self._stop.wait(pause)
            pause = min(pause * 2, 30.0)

    # --- leases ----------------------------------------------------------------------------------------------

    def take_lease(self, name: str, holder: str, now: float, ttl: float) -> bool:
        with self.pool.connection() as conn:
            row = conn.execute(
                "insert into leases as l (name, holder, expires_at, taken_at) values (%s, %s, %s, %s) "
                "on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at, "
                "taken_at = case when l.holder = excluded.holder then l.taken_at else excluded.taken_at end "
                "where l.holder = excluded.holder or l.expires_at <= excluded.taken_at returning holder",
                [name, holder, now + ttl, now]).fetchone()
        return row is not None

    def release_lease(self, name: str, holder: str) -> None:
        with self.pool.connection() as conn:
            conn.execute("delete from leases where name = %s and holder = %s", [name, holder])

    def lease(self, name: str) -> dict[str, Any] | None:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            return cur.execute("select name, holder, expires_at, taken_at from leases where name = %s",
                               [name]).fetchone()
