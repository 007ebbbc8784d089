"""The throwaway PostgreSQL the PostgreSQL tests run on (tests/pg.py): it starts, each test gets a database
of its own, and nothing of one test's is seen by the next."""

from __future__ import annotations


def test_each_test_gets_an_empty_database_of_its_own(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url) as conn:
        conn.execute("create table notes (body text)")
        conn.execute("insert into notes values ('from the first test')")
        assert conn.execute("select count(*) from notes").fetchone() == (1,)
        assert conn.execute("select current_setting('server_version_num')::int").fetchone()[0] >= 120000


def test_the_next_test_does_not_see_the_last_ones_tables(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url) as conn:
        tables = conn.execute("select count(*) from information_schema.tables where table_schema = 'public'")
        assert tables.fetchone() == (0,)


def test_without_postgresql_the_reason_names_what_to_install(monkeypatch) -> None:  # noqa: ANN001
    import pytest

    from tests import pg

    monkeypatch.setattr(pg.shutil, "which", lambda name: None)
    monkeypatch.setattr(pg.glob, "glob", lambda pattern: [])
    with pytest.raises(pg.Unavailable, match="PostgreSQL is not installed.*apt-get install postgresql"):
        pg.find_bindir()
