"""Crash safety: a real `clio` process killed with SIGKILL in the middle of an ingest and of a quiz. On restart
the database passes SQLite's integrity check, nothing that was acknowledged is missing, and nothing is
half-written (WAL mode; every ingest and every answer is one transaction)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.app import Clio
from bot.config import Settings
from bot.events import Context
from tests.conftest import TEST_PACKS
from tests.records import Records

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


class Deployment:
    """The SQLite file and, under CLIO_TEST_BACKEND=postgresql, a PostgreSQL database: where each `clio`
    process of the test and the app that restarts after it keep their data."""

    def __init__(self, db: Path, url: str | None):
        self.db, self.url = db, url
        self.apps: list[Clio] = []

    def env(self) -> dict[str, str]:
        env = {**os.environ, "CLIO_DB": str(self.db), "CLIO_CONTENT": str(TEST_PACKS), "CLIO_PACK": "mini",
               "PYTHONUNBUFFERED": "1"}
        env.pop("CLIO_DATABASE_URL", None)
        return env | ({"CLIO_DATABASE_URL": self.url} if self.url else {})

    def restart(self) -> Clio:
        """The app started again on the same databases."""
        self.apps.append(Clio(Settings(db_path=self.db, content_dir=TEST_PACKS, pack="mini", database_url=self.url)))
        return self.apps[-1]


@pytest.fixture
def deployment(tmp_path: Path, new_database_url: Callable[[], str | None]) -> Iterator[Deployment]:
    made = Deployment(tmp_path / "clio.db", new_database_url())
    yield made
    for app in made.apps:
        app.close()


async def clio(*args: str, db: Deployment, stdin: bool = False) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", *args, env=db.env(), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.PIPE if stdin else None)


async def read_until(stream: asyncio.StreamReader, marker: bytes, timeout: float = 60) -> bytes:
    """Read a stream (lines or tqdm's carriage-return updates) until `marker` appears."""
    seen = b""
    async with asyncio.timeout(timeout):
        while marker not in seen:
            chunk = await stream.read(256)
            if not chunk:
                raise AssertionError(f"stream ended before {marker!r}: {seen[-500:]!r}")
            seen += chunk
    return seen


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("pragma integrity_check").fetchone()[0]


async def test_sigkill_during_an_ingest_keeps_what_was_acknowledged_and_nothing_half_written(tmp_path, deployment):
    small = tmp_path / "kornilov-notes.txt"
    small.write_text("General Kornilov moved troops towards Petrograd.\n\nThe railwaymen stopped his trains.\n")
    done = await clio("ingest", str(small), db=deployment)
    out, _ = await done.communicate()
    assert done.returncode == 0 and b"added" in out  # acknowledged

    big = tmp_path / "long-reading.txt"
    big.write_text("\n\n".join(f"Paragraph {i}: Kerensky, Kornilov and the Petrograd Soviet argued in August "
                               f"1917 about order in the army and the capital." for i in range(12000)))
    victim = await clio("ingest", str(big), db=deployment)
    await read_until(victim.stderr, b"passage")  # the progress bar is moving: the ingest is under way
    victim.send_signal(signal.SIGKILL)
    await victim.wait()
    assert victim.returncode == -signal.SIGKILL

    assert integrity(deployment.db) == "ok"
    app = deployment.restart()
    sources = {s["filename"]: s for s in app.readings.sources(None)}
    assert sources["kornilov-notes.txt"]["passages"] == 2
    stored = Records(app).rows("passages", "group by source_id", columns="source_id, count(*) as n")
    assert {r["source_id"]: r["n"] for r in stored} == {s["id"]: s["passages"] for s in sources.values()}  # whole
    assert app.handle_text("/search railwaymen").ok
    # the killed ingest's staged copy is no longer renewed: once it is older than a live one can be, the
    # interrupted reading goes in cleanly (before that, another ingest of it is told to wait a minute)
    from bot.concurrency import STAGING
    from bot.ingest import LIVE_STAGING_SECONDS

    with app.db.conn:
        app.db.execute("update sources set added_at = datetime(added_at, ?) where workspace like ?",
                       [f"-{LIVE_STAGING_SECONDS} seconds", STAGING + "%"])
    again = app.ingest(big)
    assert again.passages == 12000


async def test_sigkill_during_a_quiz_loses_no_acknowledged_answer(deployment):
    chat = await clio("chat", db=deployment, stdin=True)
    assert chat.stdin is not None and chat.stdout is not None
    chat.stdin.write(b"/quiz start 3 120\n")
    await read_until(chat.stdout, b"Question 1 of 3")
    chat.stdin.write(b"/quiz answer B\n")
    await chat.stdin.drain()
    await read_until(chat.stdout, b"recorded")  # acknowledged to the member
    chat.send_signal(signal.SIGKILL)
    await chat.wait()

    assert integrity(deployment.db) == "ok"
    app = deployment.restart()
    records = Records(app)
    rows = [(r["idx"], r["user_id"]) for r in records.rows("quiz_answers", columns="idx, user_id")]
    assert rows == [(0, "local")]  # option B's text, stored for the console member
    # the quiz is still there after the restart and goes on: the same member cannot answer question 1 twice
    again = app.handle_text("/quiz answer C", Context())
    assert "already" in again.text().lower() or not again.ok
    assert records.count("quiz_answers") == 1
