"""Settings: one frozen object read from the environment. Secrets never live here; adapters read their own."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_CONTENT = Path(__file__).resolve().parent.parent / "content"


def _default_db() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "clio" / "clio.db"


@dataclass(frozen=True)
class Settings:
    """Core settings.

    Environment: CLIO_DB (database file), CLIO_CONTENT (content directory), CLIO_PACK (pack to load).
    """

    db_path: Path
    content_dir: Path = PROJECT_CONTENT
    pack: str = "russian-revolution"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            db_path=Path(env.get("CLIO_DB") or _default_db()),
            content_dir=Path(env.get("CLIO_CONTENT") or PROJECT_CONTENT),
            pack=env.get("CLIO_PACK") or "russian-revolution",
        )

    @property
    def pack_dir(self) -> Path:
        return self.content_dir / self.pack
