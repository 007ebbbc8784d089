"""The three queries that pick one row per passage or per event (issue 23): every column they return is
grouped, aggregated or taken from one row chosen by a stated order, so the answer is the same whatever
order SQLite happens to visit the rows in (and PostgreSQL, which refuses a bare column beside GROUP BY,
can run them as written)."""

from __future__ import annotations

from pathlib import Path

from bot import store
from bot.app import Clio
from bot.events import Context

PARA = ("The garrison talked of little else that spring, and the officers who had served under Kornilov "
        "argued late into the night about what the army still owed to the government in the capital. ")


def _reading(app: Clio, tmp_path: Path, name: str, paragraphs: list[str], workspace: str = "slack:T1") -> str:
    f = tmp_path / name
    f.write_text("\n\n".join(paragraphs), encoding="utf-8")
    return app.ingest(f, title=name.removesuffix(".txt").title(), author="A. Reader", calendar="gregorian",
                      workspace=workspace).source_id


def test_a_passage_with_two_dates_on_the_day_shows_its_earliest_whichever_comes_first_in_it(mini_app, tmp_path):
    # the same two dates of 3 March in opposite orders: under the old GROUP BY the row SQLite visited last won,
    # so one passage was shown as 1918 and the other as 1919
    _reading(mini_app, tmp_path, "early-first.txt",
             [PARA + "On 3 March 1918 the peace was signed, and on 3 March 1919 the veterans remembered it."])
    _reading(mini_app, tmp_path, "late-first.txt",
             [PARA + "On 3 March 1919 the veterans remembered what had been signed on 3 March 1918."])
    rows = mini_app.readings.dates_on_day(3, 3, "slack:T1")
    assert len(rows) == 2  # one row per passage
    assert {r["date"] for r in rows} == {"1918-03-03"}
    assert [r["passage_id"] for r in rows] == sorted(r["passage_id"] for r in rows)  # one day: by passage
    reply = mini_app.handle_text("/onthisday 3 Mar", Context(workspace="slack:T1"))
    shown = [f.name for f in reply.fields if "A. Reader" in f.name]
    assert len(shown) == 2 and all(name.startswith("1918 in A. Reader") for name in shown), reply.text()


def test_an_event_discussed_in_several_passages_cites_the_first_and_counts_them_all(mini_app, tmp_path):
    _reading(mini_app, tmp_path, "treaty.txt", [
        PARA + "The Treaty of Brest-Litovsk, signed in 1918, gave away a third of the farmland.",
        PARA + "Nobody who read the Treaty of Brest-Litovsk in 1918 thought it would last.",
        PARA + "The Storming of the Winter Palace in 1917 was over by morning.",
    ])
    rows = mini_app.readings.discussed_events("slack:T1", None, limit=10,
                                              events=store.precise_events(mini_app.db, None))
    assert [r["id"] for r in rows] == ["treaty-1918", "october-1917"]  # two passages before one
    treaty = rows[0]
    first = mini_app.readings.passages_of(treaty["source_id"])[0]
    assert (treaty["passage_id"], treaty["loc"]) == (first["id"], first["loc"])
    assert treaty["author"] == "A. Reader"


def test_a_passage_naming_one_person_is_offered_with_its_own_reading(mini_app, tmp_path):
    sid = _reading(mini_app, tmp_path, "two-men.txt", [
        PARA.replace("Kornilov", "the general") + "Lavr Kornilov rode to the front alone.",
        PARA.replace("Kornilov", "the general") + "Alexander Kerensky and Lavr Kornilov never trusted each other.",
    ])
    rows = mini_app.readings.single_person_passages("slack:T1", None, limit=10,
                                                    people=store.pack_people(mini_app.db, None))
    assert [(r["entity_id"], r["source_id"], r["title"], r["author"]) for r in rows] == [
        ("kornilov", sid, "Two-Men", "A. Reader")]
    assert "rode to the front alone" in rows[0]["text"]
    assert rows[0]["cooccurring"] == {"kornilov", "kerensky"}
