"""`clio ask` starts quickly (issue 19, item 7): a warm ask loads only what a lookup needs, in a real process.

Each heavy module below once cost a new process tens of milliseconds before it could answer; none is needed to
look a name up in an indexed, up-to-date database, so none may creep back onto the ask path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_PACKS

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ("pydantic", "bot.pack", "yaml", "bot.ingest", "limits", "numpy", "asyncio", "sqlite_utils", "click",
         "dateutil", "pluggy", "pycountry", "importlib.metadata", "bot.services.quiz", "bot.services.questions",
         "bot.services.schedule", "bot.door", "discord", "slack_bolt")

# the ask entry point in a fresh interpreter, then which of HEAVY it loaded (on stderr, after the answer)
PROBE = ("import json, sys\nfrom adapters.cli import main\nrc = main(['ask', sys.argv[1]])\nsys.stdout.flush()\n"
         f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr)\nsys.exit(rc)\n")


def run(code_or_args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLIO_DB": str(db), "CLIO_CONTENT": str(TEST_PACKS), "CLIO_PACK": "mini"}
    return subprocess.run([sys.executable, *code_or_args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)


def test_a_warm_ask_answers_without_loading_the_heavy_modules(tmp_path: Path) -> None:
    db = tmp_path / "ask.db"
    first = run(["-c", PROBE, "/who kornilof"], db)  # builds the database and the index: may load anything
    assert first.returncode == 0, first.stderr
    assert "Kornilov" in first.stdout
    warm = run(["-c", PROBE, "/who kornilof"], db)
    assert warm.returncode == 0, warm.stderr
    assert "Kornilov" in warm.stdout and warm.stdout == first.stdout  # the same answer as the first run's
    assert json.loads(warm.stderr.strip().splitlines()[-1]) == []


def test_a_warm_ask_that_finds_nothing_still_says_so_plainly(tmp_path: Path) -> None:
    db = tmp_path / "ask.db"
    assert run(["-m", "adapters.cli", "ask", "/who kornilof"], db).returncode == 0
    out = run(["-c", PROBE, "/who zzqxv"], db)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert out.stdout.strip()  # a reply for the member, not silence
    assert json.loads(out.stderr.strip().splitlines()[-1]) == []


def test_ingest_still_lists_and_checks_its_calendars(tmp_path: Path) -> None:
    """`--calendar`'s choices come from ingest, read only when ingest's arguments are checked or shown."""
    helped = run(["-m", "adapters.cli", "ingest", "--help"], tmp_path / "h.db")
    assert helped.returncode == 0
    assert "julian" in helped.stdout.lower()
    reading = tmp_path / "r.txt"
    reading.write_text("A short reading.\n", encoding="utf-8")
    bad = run(["-m", "adapters.cli", "ingest", "--calendar", "mayan", str(reading)], tmp_path / "b.db")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr and "Traceback" not in bad.stderr
