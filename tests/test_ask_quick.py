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
         "bot.services.schedule", "bot.door", "discord", "slack_bolt",
         # and since the ask path was trimmed again: the ask command's two arguments need no parser, a Julian
         # date no other calendar (convertdate's __init__ imports them all, the Baha'i one an astronomy
         # library), the app's name no socket or uuid, the UTC default no zone file
         "argparse", "socket", "uuid", "zoneinfo", "convertdate.bahai", "convertdate.hebrew",
         "pymeeus", "bot.storage.schedules", "bot.services.timeline", "bot.services.pictures")

EXACT = ("rapidfuzz",)  # a name typed exactly as the pack has it is answered without the fuzzy scorer

# the ask entry point in a fresh interpreter, then which of HEAVY it loaded (on stderr, after the answer)
PROBE = ("import json, sys\nfrom adapters.cli import main\nrc = main(['ask', sys.argv[1]])\nsys.stdout.flush()\n"
         f"print(json.dumps([m for m in {HEAVY + EXACT!r} if m in sys.modules]), file=sys.stderr)\nsys.exit(rc)\n")


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
    assert set(json.loads(warm.stderr.strip().splitlines()[-1])) <= set(EXACT)  # a typo: rapidfuzz may score it
    exact = run(["-c", PROBE, "/who Lavr Kornilov"], db)
    assert exact.returncode == 0 and "Kornilov" in exact.stdout
    assert json.loads(exact.stderr.strip().splitlines()[-1]) == []


def test_a_warm_ask_that_finds_nothing_still_says_so_plainly(tmp_path: Path) -> None:
    db = tmp_path / "ask.db"
    assert run(["-m", "adapters.cli", "ask", "/who kornilof"], db).returncode == 0
    out = run(["-c", PROBE, "/who zzqxv"], db)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert out.stdout.strip()  # a reply for the member, not silence
    assert set(json.loads(out.stderr.strip().splitlines()[-1])) <= set(EXACT)


def test_ingest_still_lists_and_checks_its_calendars(tmp_path: Path) -> None:
    """`--calendar`'s choices come from ingest, read only when ingest's arguments are checked or shown."""
    helped = run(["-m", "adapters.cli", "ingest", "--help"], tmp_path / "h.db")
    assert helped.returncode == 0
    assert "julian" in helped.stdout.lower()
    reading = tmp_path / "r.txt"
    reading.write_text("A short reading.\n", encoding="utf-8")
    bad = run(["-m", "adapters.cli", "ingest", "--calendar", "mayan", str(reading)], tmp_path / "b.db")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr and "Traceback" not in bad.stderr


def test_ask_reads_its_options_as_argparse_does(tmp_path: Path) -> None:
    """`clio ask` skips argparse for its usual shapes; the others still get argparse's help and errors."""
    db = tmp_path / "ask.db"
    as_json = run(["-m", "adapters.cli", "-v", "ask", "/who kornilof", "--json"], db)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["match"]["name"] == "Lavr Kornilov"
    helped = run(["-m", "adapters.cli", "ask", "--help"], db)
    assert helped.returncode == 0 and "--json" in helped.stdout
    two = run(["-m", "adapters.cli", "ask", "/who kornilof", "/who lenin"], db)
    assert two.returncode == 2 and "unrecognized arguments" in two.stderr


def test_convertdate_is_whole_when_asked_for_more_than_a_calendar() -> None:
    """bot.dates imports only the calendars it uses; the rest of convertdate still works as if imported whole."""
    probe = ("import sys, bot.dates as d\n"
             "assert d.HistDate.parse('1917-10-25', 'julian').new_style.plain() == '7 Nov 1917'\n"
             "assert 'convertdate.bahai' not in sys.modules\n"
             "import convertdate\n"
             "print(convertdate.__version__, convertdate.hebrew.from_gregorian(2000, 1, 1))\n")
    out = run(["-c", probe], Path("unused.db"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0][0].isdigit() and "5760" in out.stdout
