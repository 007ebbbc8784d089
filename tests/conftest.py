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
