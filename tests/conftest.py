"""Shared fixtures: a Clio over a real SQLite file, on the tiny test pack or on the bundled pack."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlite_utils

from bot import store
from bot.app import Clio
from bot.config import PROJECT_CONTENT, Settings
from bot.storage.schedules import Schedules, SqliteSchedules
from bot.shared_state import SharedState, open_shared
from bot.storage.quiz import QuizRepo
from bot.storage.quiz_sqlite import SqliteQuizRepo
from bot.storage.readings import Readings, SqliteReadings
from bot.storage.workspace_data import SqliteWorkspaceData, WorkspaceData

TEST_PACKS = Path(__file__).parent / "packs"
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


# CLIO_TEST_BACKEND=postgresql runs the app tests with CLIO_DATABASE_URL set (a fresh database on the
# session's throwaway PostgreSQL for each app): what a deployment on PostgreSQL keeps there (readings,
# quizzes, schedules, workspace data, shared state) is read and written there, the pack's index in the file.
ON_PG = os.environ.get("CLIO_TEST_BACKEND", "sqlite") == "postgresql"


@pytest.fixture(scope="session")
def new_database_url(request: pytest.FixtureRequest) -> Callable[[], str | None]:
    """Where a test's app keeps what a deployment on PostgreSQL keeps there: `new_database_url()` is None (all
    in the SQLite file), or under CLIO_TEST_BACKEND=postgresql a fresh database on the session's throwaway
    PostgreSQL. A test that uses it (itself or through mini_app, pack_app, make_app...) depends on the
    backend, so CI's PostgreSQL pass runs it too (`pytest_collection_modifyitems` below)."""
    if not ON_PG:
        return lambda: None
    return request.getfixturevalue("pg_cluster").new_database


def settings_here(new_url: Callable[[], str | None], db_path: Path, **options: object) -> Settings:
    """Settings for an app of a test's own, in a fixture of any scope that asks for `new_database_url`: the
    SQLite file `db_path` and a database from `new_url` (None on SQLite)."""
    options.setdefault("content_dir", TEST_PACKS)
    return Settings(db_path=db_path, database_url=new_url(), **options)  # type: ignore[arg-type]


@pytest.fixture
def make_app(new_database_url: Callable[[], str | None]) -> Iterator[Callable[..., Clio]]:
    """`make_app(db_path, **settings)`: a Clio of the test's own on the backend under test, closed when the
    test ends."""
    made: list[Clio] = []

    def make(db_path: Path, **options: object) -> Clio:
        made.append(Clio(settings_here(new_database_url, db_path, **options)))
        return made[-1]

    yield make
    for app in made:
        app.close()


@pytest.fixture
def mini_settings(tmp_path: Path, new_database_url: Callable[[], str | None]) -> Settings:
    return settings_here(new_database_url, tmp_path / "clio.db", pack="mini")


@pytest.fixture
def mini_app(mini_settings: Settings) -> Iterator[Clio]:
    app = Clio(mini_settings)
    yield app
    app.close()  # its connections (a PostgreSQL pool among them) go with the test


@pytest.fixture(scope="session")
def pack_app(tmp_path_factory: pytest.TempPathFactory, new_database_url: Callable[[], str | None]) -> Iterator[Clio]:
    """Clio on the bundled Russian Revolution pack, indexed once for the session into a real file."""
    db = tmp_path_factory.mktemp("pack") / "clio.db"
    app = Clio(settings_here(new_database_url, db, content_dir=PROJECT_CONTENT, pack="russian-revolution"))
    yield app
    app.close()  # before the session's PostgreSQL stops


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
    left = open_pg_states()
    for state in left:  # closed before the server stops, or their listeners log "lost the PostgreSQL listener"
        state.close()
    cluster.stop()
    if left:
        pytest.fail("PgState left open until the session's PostgreSQL stopped (close the app or state): "
                    + "; ".join(sorted({cluster.made_for.get(s.url, s.url) for s in left})), pytrace=False)


def open_pg_states() -> list:
    """Every PgState of this process not closed yet: each keeps a pool and a listener thread until closed."""
    import gc

    from bot.pg_state import PgState

    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, PgState) and not o.pool.closed]


@pytest.fixture
def pg_url(pg_cluster) -> str:  # noqa: ANN001
    """The URL of a new, empty database on the session's throwaway PostgreSQL."""
    return pg_cluster.new_database()


class Backend:
    """Where the shared state lives: the SQLite file (`url` None) or a PostgreSQL database."""

    def __init__(self, name: str, db_path: Path, url: str | None):
        self.name, self.db_path, self.url = name, db_path, url
        self._opened: list[SharedState] = []
        self._dbs: list[sqlite_utils.Database] = []
        store.open_db(db_path).close()  # the SQLite file (and its migrations) exists on both

    def state(self) -> SharedState:
        """A new state object on the same database: what another process would have."""
        state = open_shared(self.db_path, self.url)
        self._opened.append(state)
        return state

    def _repo(self, on_sqlite, on_pg):  # noqa: ANN001, ANN202
        """A repository on this database, as another process would have it: `on_sqlite(db)` on its own
        connection to the file, or `on_pg(state)` on a state of its own."""
        if self.url is None:
            db = store.open_db(self.db_path)
            self._dbs.append(db)
            return on_sqlite(db)
        return on_pg(self.state())

    def schedules(self) -> Schedules:
        """The schedules repository (bot/storage/schedules.py)."""
        from bot.storage.schedules import PgSchedules

        return self._repo(SqliteSchedules, PgSchedules)

    def quizzes(self) -> QuizRepo:
        """The quiz repository (bot/storage/quiz.py)."""
        from bot.storage.quiz_pg import PgQuizRepo

        return self._repo(SqliteQuizRepo, PgQuizRepo)

    def readings(self) -> Readings:
        """The readings repository (bot/storage/readings.py)."""
        from bot.storage.readings_pg import PgReadings

        return self._repo(SqliteReadings, PgReadings)

    def workspace_data(self) -> WorkspaceData:
        """A workspace's own questions, review cards and removals (bot/storage/workspace_data.py)."""
        from bot.storage.workspace_data_pg import PgWorkspaceData

        return self._repo(SqliteWorkspaceData, PgWorkspaceData)

    def close(self) -> None:
        for state in self._opened:
            state.close()
        for db in self._dbs:
            with contextlib.suppress(sqlite3.ProgrammingError):  # one a test's thread opened goes with the thread
                db.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path):  # noqa: ANN201
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    b = Backend(request.param, tmp_path / "clio.db", url)
    yield b
    b.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def settings_on_both(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The tiny pack, with what PostgreSQL can hold (schedules, quizzes, shared state) in the SQLite file or in a
    fresh PostgreSQL database: a test module that sets `mini_settings` to it runs every app test on both."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    return Settings(db_path=tmp_path / "clio.db", content_dir=TEST_PACKS, pack="mini", database_url=url)


@pytest.fixture
def spawn(mini_settings: Settings, clock):  # noqa: ANN001, ANN201 - `clock` is the test module's
    """Make an app (another process on the same databases) on the module's clock; all closed at the end."""
    made: list[Clio] = []

    def make() -> Clio:
        other = Clio(mini_settings)
        other.clock = clock
        made.append(other)
        return other

    yield make
    for other in made:
        other.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under CLIO_TEST_BACKEND=postgresql, run the tests whose app or store depends on the backend (those that
    use `new_database_url`, through any fixture). The others gain nothing from a second run: tests of parsing,
    dates or names open no store, tests of the SQLite file itself (locks, FTS5) open it by design, and tests on
    the `backend` or `settings_on_both` fixtures run on both backends in every run."""
    if not ON_PG:
        return
    keep = [item for item in items if "new_database_url" in getattr(item, "fixturenames", ())]
    if len(keep) < len(items):
        kept = set(keep)
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = keep
