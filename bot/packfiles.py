"""A pack's files, their fingerprint and its problems, apart from bot.pack so that checking whether the indexed
pack is current (every start of the app, every `clio ask`) needs neither pydantic nor YAML."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path


def pack_files(pack_dir: Path) -> list[Path]:
    return sorted(p for p in pack_dir.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def fingerprint(pack_dir: Path) -> str:
    """A hash of every pack file's name and bytes: changes exactly when the pack does."""
    h = hashlib.sha256()
    for p in pack_files(pack_dir):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a pack, where it is."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PackInvalid(Exception):
    """A pack with problems; str() lists every one of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the content pack:\n" + "\n".join(map(str, problems)))
