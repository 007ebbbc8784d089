"""Uploads take turns (issue 19 item 5): concurrent uploads into one workspace cannot together pass its limits
of readings and bytes, on a real SQLite file or PostgreSQL database, whether they arrive in one process (they
queue, and the member is told) or in several (the limits are checked again in the transaction that publishes
a reading)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot import store
from bot.app import UPLOAD_QUEUE, Clio
from bot.config import Settings
from bot.events import Context
from tests.conftest import TEST_PACKS
from tests.records import Records

WS = "discord:G1"
ADMIN = Context(workspace=WS, user_id="admin", is_admin=True, platform="discord")


def reading(i: int, size: int) -> bytes:
    """About `size` bytes of plain text, different for each i (so no two are the same reading)."""
    line = f"Reading {i}: General Kornilov moved troops toward Petrograd in August 1917, and the railwaymen stopped them.\n\n"
    return (line * (size // len(line) + 1))[:size].encode()


@pytest.fixture
def limited(tmp_path: Path, new_database_url: Callable[[], str | None]) -> Iterator[Callable[..., Clio]]:
    """`limited(readings=, mb=)`: a Clio with those workspace limits; every one a test makes is another process
    of one deployment (the same SQLite file and, on PostgreSQL, the same database). Closed at the end."""
    url = new_database_url()
    made: list[Clio] = []

    def make(readings: int, mb: int) -> Clio:
        made.append(Clio(Settings(db_path=tmp_path / "clio.db", content_dir=TEST_PACKS, pack="mini", database_url=url,
                                  max_workspace_readings=readings, max_workspace_mb=mb)))
        return made[-1]

    yield make
    for app in made:
        app.close()


def usage(app: Clio) -> tuple[int, int]:
    """(readings, bytes) the workspace holds, read on a new connection to where the deployment keeps them."""
    if app.settings.database_url is None:
        fresh = store.open_db(app.settings.db_path)
        try:
            return store.workspace_usage(fresh, WS)
        finally:
            fresh.close()
    from bot.shared_state import open_shared
    from bot.storage.readings_pg import PgReadings

    state = open_shared(app.settings.db_path, app.settings.database_url)
    try:
        return PgReadings(state).usage(WS)  # type: ignore[arg-type]
    finally:
        state.close()


async def upload_all(app: Clio, files: dict[str, bytes]) -> tuple[list, list[str]]:
    told: list[str] = []

    async def queued(message: str) -> None:
        told.append(message)

    replies = await asyncio.gather(*(app.ingest_upload(ADMIN, name, data, queued=queued) for name, data in files.items()))
    return replies, told


async def test_seven_uploads_at_once_stop_at_the_readings_limit_and_the_waiting_are_told(
        limited: Callable[..., Clio]) -> None:
    app = limited(readings=3, mb=1)
    replies, told = await upload_all(app, {f"r{i}.txt": reading(i, 20_000) for i in range(7)})
    added = [r for r in replies if r.ok]
    refused = [r for r in replies if not r.ok]
    assert len(added) == 3 and all("added" in r.body for r in added)
    assert len(refused) == 4 and all("already has 3 readings, its limit" in r.body for r in refused), \
        [r.body for r in refused]
    assert usage(app)[0] == 3
    assert len(told) == 6 and all("is queued" in m and "this group's last one" in m for m in told), told


async def test_uploads_at_once_stop_at_the_bytes_limit(limited: Callable[..., Clio]) -> None:
    app = limited(readings=50, mb=1)
    replies, _ = await upload_all(app, {f"r{i}.txt": reading(i, 400_000) for i in range(5)})
    assert sum(r.ok for r in replies) == 2
    assert all("over its 1 MB limit" in r.body for r in replies if not r.ok), [r.body for r in replies]
    readings, used = usage(app)
    assert readings == 2 and used <= 2**20


def test_four_processes_uploading_at_once_cannot_together_pass_the_limits(limited: Callable[..., Clio]) -> None:
    """Four Clio instances on one file (as the Discord and Slack services are), each with its own turns and event
    loop, upload at the same moment: the publishing transaction's check lets exactly the limit in."""
    apps = [limited(readings=2, mb=50) for _ in range(4)]
    start = threading.Barrier(4)
    replies: list = []

    def run(app: Clio, i: int) -> None:
        start.wait()
        replies.append(asyncio.run(app.ingest_upload(ADMIN, f"r{i}.txt", reading(i, 200_000))))

    threads = [threading.Thread(target=run, args=(apps[i], i)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(replies) == 4
    assert sum(r.ok for r in replies) == 2, [r.body for r in replies]
    assert all("its limit" in r.body for r in replies if not r.ok)
    assert usage(apps[0])[0] == 2
    assert Records(apps[0]).count("sources", "where workspace like ?", ["~%"]) == 0  # nothing staged is left


async def test_uploads_past_the_queue_are_refused_with_a_clear_reply(limited: Callable[..., Clio]) -> None:
    app = limited(readings=50, mb=50)
    files = {f"r{i}.txt": reading(i, 5_000) for i in range(UPLOAD_QUEUE + 3)}
    replies, _ = await upload_all(app, files)
    busy = [r for r in replies if not r.ok]
    assert busy and all("send" in r.body and "again in a few minutes" in r.body for r in busy), [r.body for r in busy]
    assert sum(r.ok for r in replies) == usage(app)[0] >= UPLOAD_QUEUE


async def test_another_groups_upload_waits_for_a_reading_slot_and_is_told_so(limited: Callable[..., Clio]) -> None:
    app = limited(readings=5, mb=5)
    other = Context(workspace="discord:G2", user_id="admin", is_admin=True, platform="discord")
    told: list[str] = []

    async def queued(message: str) -> None:
        told.append(message)

    first = asyncio.create_task(app.ingest_upload(ADMIN, "a.txt", reading(1, 300_000)))
    await asyncio.sleep(0)  # the first has its turn
    second = await app.ingest_upload(other, "b.txt", reading(2, 1_000), queued=queued)
    assert (await first).ok and second.ok
    assert told == ["b.txt is queued: Clio is adding one from another group first, and starts on yours when that is done."]
