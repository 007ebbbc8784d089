"""Guards on the layout: the core stays platform-neutral, and every command is documented."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.commands import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_MODULES = {"discord", "slack_bolt", "slack_sdk", "adapters"}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_core_never_imports_a_platform_library_or_an_adapter() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & PLATFORM_MODULES) for p in (ROOT / "bot").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_guard_itself_catches_an_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import discord\nfrom slack_bolt.async_app import AsyncApp\n")
    assert _imports(bad) & PLATFORM_MODULES == {"discord", "slack_bolt"}


def test_every_command_has_a_summary_and_examples() -> None:
    assert {"who", "what", "when", "search", "timeline", "sources", "help"} <= set(REGISTRY)
    for spec in REGISTRY.values():
        assert spec.summary and spec.summary[0].isupper(), spec.name
        assert spec.examples and all(e.startswith(f"/{spec.name}") for e in spec.examples), spec.name
