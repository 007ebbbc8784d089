"""`clio stats`: the pack's counts and how many recurring person names in the readings it still lacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot import store
from tests.conftest import TEST_PACKS


def test_stats_counts_the_pack_and_the_names_it_lacks(tmp_path: Path):
    env = {**os.environ, "CLIO_DB": str(tmp_path / "clio.db"), "CLIO_CONTENT": str(TEST_PACKS), "CLIO_PACK": "mini"}
    reading = tmp_path / "notes.txt"
    reading.write_text("General Kornilov argued with Kerensky. Kornilov marched; Kerensky called on the Soviet.\n\n"
                       "Ivan Zaitsev saw it all from the barracks window, and years later Ivan Zaitsev wrote it down "
                       "for his grandchildren. Kornilov was arrested.\n")  # prose: a note or a list cues no name

    def clio(*args: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "adapters.cli", *args], capture_output=True, text=True, env=env,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    before = clio("stats")
    assert "4 people" in before and "no readings indexed yet" in before
    clio("ingest", str(reading))
    after = clio("stats")
    # Kornilov and Kerensky (2+ mentions each) are in the pack; Ivan Zaitsev (twice) is not: 1 of 3 missing
    assert "1 of 3 recurring person names in the readings are missing from the pack (33.3%)" in after
    assert "Zaitsev" in clio("candidates")


def test_stats_of_the_bundled_pack(pack_app):
    st = store.pack_stats(pack_app.db, ["russian-revolution"])  # the default pack (the French one is indexed too)
    assert st["events_without_source"] == 0  # every event cites a reading
    assert set(st["questions_by_period"]) == {"1891-1916", "1917", "1918-1928", "1929-1953", "1954-1991"}
    assert st["people"] >= 69 and st["terms"] >= 96 and st["events"] >= 150 and st["questions"] >= 161
