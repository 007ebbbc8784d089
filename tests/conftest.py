"""Shared fixtures: a Clio over a real SQLite file, on the tiny test pack or on the bundled pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Clio
from bot.config import PROJECT_CONTENT, Settings

TEST_PACKS = Path(__file__).parent / "packs"
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


@pytest.fixture
def mini_settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "clio.db", content_dir=TEST_PACKS, pack="mini")


@pytest.fixture
def mini_app(mini_settings: Settings) -> Clio:
    return Clio(mini_settings)


@pytest.fixture(scope="session")
def pack_app(tmp_path_factory: pytest.TempPathFactory) -> Clio:
    """Clio on the bundled Russian Revolution pack, indexed once for the session into a real file."""
    db = tmp_path_factory.mktemp("pack") / "clio.db"
    return Clio(Settings(db_path=db, content_dir=PROJECT_CONTENT, pack="russian-revolution"))


# --- PostgreSQL (issue 23): a throwaway cluster for the session, a fresh database per test (tests/pg.py) ---


@pytest.fixture(scope="session")
def pg_cluster():  # noqa: ANN201 - tests.pg.Cluster, imported lazily
    from tests.pg import REQUIRED, Cluster, Unavailable

    try:
        cluster = Cluster.start()
    except Unavailable as e:
        if REQUIRED:
            pytest.fail(f"CLIO_REQUIRE_PG is set but PostgreSQL cannot run: {e}")
        pytest.skip(f"PostgreSQL tests skipped: {e}")
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:  # noqa: ANN001
    """The URL of a new, empty database on the session's throwaway PostgreSQL."""
    return pg_cluster.new_database()
