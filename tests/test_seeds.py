"""The five readings in ../shared/seeds, ingested for real. Skipped, with the reason, where they are absent."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from bot import store
from bot.app import Clio
from bot.config import PROJECT_CONTENT
from bot.names import strip_titles, name_words
from tests.conftest import SEEDS, settings_here
from tests.records import Records

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the readings are not here ({SEEDS.name}/ beside the project)")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, new_database_url: Callable[[], str | None]) -> Iterator[Clio]:
    app = Clio(settings_here(new_database_url, tmp_path_factory.mktemp("seeds") / "clio.db",
                             content_dir=PROJECT_CONTENT))
    for f in sorted(SEEDS.glob("*.txt")):
        app.ingest(f)
    yield app
    app.close()


def test_ingesting_again_changes_nothing(seeded: Clio) -> None:
    records = Records(seeded)
    before = records.count("passages"), records.count("passage_entities")
    results = [seeded.ingest(f) for f in sorted(SEEDS.glob("*.txt"))]
    assert {r.status for r in results} == {"unchanged"}
    assert (records.count("passages"), records.count("passage_entities")) == before


def test_pack_readings_take_their_titles_from_the_pack(seeded: Clio) -> None:
    titles = {s["filename"]: s["title"] for s in seeded.readings.sources(None)}
    assert titles["004_536898e81d813c4b.txt"] == "Revolutionary Russia, 1891-1991"


def test_who_kornilov_cites_every_reading_that_names_him(seeded: Clio) -> None:
    """The issue asked for three readings; only two of the five name Kornilov (the Spark describes his coup
    without naming him), so the honest check is that every reading naming him is cited."""
    reply = seeded.handle_text("/who Kornilov")
    sources = seeded.readings.sources(None)
    naming = {s["id"] for s in sources if "Kornilov" in (SEEDS / s["filename"]).read_text(encoding="utf-8")}
    cited = {c.reading_id for c in reply.citations}
    assert len(naming) >= 2 and naming <= cited, reply.text()
    assert sum(f.name.startswith("According to") for f in reply.fields) == len(naming)


def test_figes_footnotes_and_markers_are_gone(seeded: Clio) -> None:
    texts = Records(seeded).values("passages", "text")
    assert not [t for t in texts if "[image:" in t]
    assert not [t for t in texts if re.search(r"[a-z]\.\d{1,3} [A-Z]", t)]
    assert not [t for t in texts if "Subscribe" in t or "Facebook" in t]


def linked_share(app: Clio) -> tuple[int, int, list[tuple[str, str]]]:
    """Of the (person, reading) pairs where the reading names the person's surname or an alias as a capitalised
    word, how many are linked; and which are not."""
    texts = {s["id"]: " ".join(r["text"] for r in app.readings.passages_of(s["id"]))
             for s in app.readings.sources(None)}
    linked = {(r["entity_id"], r["source_id"])
              for r in Records(app).rows("passage_entities", columns="entity_id, source_id")}
    pairs, missing = 0, []
    for row in store.all_names(app.db, ["russian-revolution"]):  # the pack the seeds are read for
        if row.type != "person":
            continue
        surnames = {n.split()[-1] for n in row.names if len(strip_titles(name_words(n))) >= 2}
        forms = {n for n in row.names if len(n) >= 4} | {s for s in surnames if len(s) >= 4 and s[0].isupper()}
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(forms))) + r")\b")
        for sid, text in texts.items():
            if pattern.search(text):
                pairs += 1
                if (row.id, sid) not in linked:
                    missing.append((row.id, sid))
    return pairs, pairs - len(missing), missing


def test_at_least_90_percent_of_mentioned_people_are_linked(seeded: Clio) -> None:
    pairs, linked, missing = linked_share(seeded)
    assert pairs > 50
    assert linked / pairs >= 0.90, f"{linked}/{pairs} linked; missing {missing[:20]}"


def test_no_passage_about_kerensky_links_to_another_alexander(seeded: Clio) -> None:
    records = Records(seeded)
    linked = set(records.values("passage_entities", "passage_id", "where entity_id like ?", ["alexander-%"]))
    assert linked
    for r in records.rows("passages", columns="id, text"):
        if r["id"] not in linked:
            continue
        text = r["text"]
        if "Kerensky" in text:
            assert re.search(r"Alexander (?:I|II|III)\b|Tsar Alexander", text), text[:200]


def test_the_pack_lacks_fewer_than_5_percent_of_recurring_person_names(seeded: Clio) -> None:
    """Issue 8's figure, as `clio stats` prints it: names the readings mention at least twice that no pack
    person carries, out of all recurring person names."""
    st = {**store.pack_stats(seeded.db), **seeded.readings.coverage(store.pack_people(seeded.db, None))}
    recurring = st["recurring_people_linked"] + st["recurring_names_missing"]
    # the readings name well over a hundred people more than once (119 the pack has; until stop 43 Catherine the
    # Great made 120, linked only by Figes' "Peter the Great")
    assert recurring >= 118
    assert st["recurring_names_missing"] / recurring < 0.05, [c["name"] for c in seeded.readings.candidates(None)]
    assert st["events_without_source"] == 0
