"""The readings repository's contract (bot/storage/readings.py), run on SQLite and on PostgreSQL: what a
group finds with /search, what it may see of other groups' readings, and that a reading is stored whole or
not at all, within the group's limits even when uploads race."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot import store
from bot.ingest import Limits, OverLimit


def reading(sid: str, workspace: str, texts: list[str], *, prose: list[int] | None = None, sha: str | None = None,
            size: int = 1000, title: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    source = {"id": sid, "workspace": workspace, "title": title or f"Reading {sid}", "author": "A. Author",
              "filename": f"{sid}.txt", "kind": "text", "bytes": size, "sha256": sha or f"sha-{sid}",
              "calendar": "gregorian", "added_at": f"2026-01-0{len(sid) % 9 + 1}T00:00:00", "passages": len(texts)}
    passages = [{"id": f"{sid}:{i}", "source_id": sid, "workspace": workspace, "seq": i, "para": i, "section": "",
                 "loc": f"¶{i + 1}", "text": t, "prose": (prose or [1] * len(texts))[i]} for i, t in enumerate(texts)]
    return source, passages


def write(repo, sid, workspace, texts, **kw):  # noqa: ANN001, ANN201
    source, passages = reading(sid, workspace, texts, **{k: v for k, v in kw.items() if k != "check"})
    links = [{"passage_id": f"{sid}:0", "entity_id": "lenin", "source_id": sid, "mentions": 2}]
    dates = [{"passage_id": f"{sid}:0", "source_id": sid, "phrase": "25 October 1917", "date": "1917-10-25",
              "calendar": "julian", "os_month": 10, "os_day": 25, "ns_month": 11, "ns_day": 7, "sort_key": "1917-11-07"}]
    cands = [{"source_id": sid, "key": "ivanov", "name": "Ivanov", "mentions": 3, "example_loc": "¶1"}]
    repo.write(source, iter(passages), links, dates, cands, check=kw.get("check"))


@pytest.fixture
def repo(backend):  # noqa: ANN001, ANN201
    return backend.readings()


def ids(hits: list[dict[str, Any]]) -> list[str]:
    return [h["id"] for h in hits]


def test_search_finds_words_in_any_form_and_cites_the_reading(repo) -> None:  # noqa: ANN001
    write(repo, "r1", store.SHARED, ["The soviets met in Pétrograd that night.", "Nothing of note happened here."])
    hits = repo.search("soviet petrograd", "guild:1")
    assert ids(hits) == ["r1:0"]  # stemmed (soviets ~ soviet), accents folded (Pétrograd ~ petrograd)
    assert hits[0]["title"] == "Reading r1" and hits[0]["author"] == "A. Author" and hits[0]["loc"] == "¶1"
    assert repo.search("soviet nothing", "guild:1") == []  # every word must be in one passage


@pytest.mark.parametrize("typed", ['"soviet', "soviet OR lenin", "soviet*", "NEAR(soviet lenin)", "text:soviet",
                                   "soviet -lenin", "soviet & lenin | !x", "soviet ' ; drop table passages; --",
                                   "soviet " + "x" * 10_000, "\x00soviet\x1f", "soviet )("])
def test_typed_syntax_is_searched_as_words_never_run(repo, typed: str) -> None:  # noqa: ANN001
    write(repo, "r1", store.SHARED, ["The soviet met.", "Lenin spoke to the soviet or the soviet spoke to Lenin."])
    hits = repo.search(typed, "guild:1")
    assert all("soviet" in h["text"].lower() for h in hits)  # no error; only passages with the words
    assert repo.sources(None) and len(repo.passages_of("r1")) == 2  # nothing dropped


def test_nothing_to_search_for_finds_nothing(repo) -> None:  # noqa: ANN001
    write(repo, "r1", store.SHARED, ["The soviet met."])
    assert repo.search("", "guild:1") == [] and repo.search("?! -- ...", "guild:1") == []


def test_a_group_sees_the_shared_readings_and_its_own_never_anothers(repo) -> None:  # noqa: ANN001
    write(repo, "shared", store.SHARED, ["The soviet of the shared reading."])
    write(repo, "mine", "guild:1", ["The soviet of my group's reading."])
    write(repo, "theirs", "guild:2", ["The soviet of another group's reading."])
    assert set(ids(repo.search("soviet", "guild:1"))) == {"shared:0", "mine:0"}
    assert set(ids(repo.search("soviet", "guild:2"))) == {"shared:0", "theirs:0"}
    assert {s["id"] for s in repo.sources("guild:1")} == {"shared", "mine"}
    assert {s["id"] for s in repo.sources(None)} == {"shared", "mine", "theirs"}
    assert ids(repo.search("soviet", "guild:1", source_id="mine")) == ["mine:0"]
    assert repo.search("soviet", "guild:1", source_id="theirs") == []  # naming another group's id shows nothing
    assert repo.source_by_sha("guild:1", "sha-mine")["id"] == "mine"
    assert repo.source_by_sha("guild:1", "sha-theirs") is None


def test_prose_only_leaves_out_notes_and_references(repo) -> None:  # noqa: ANN001
    write(repo, "r1", store.SHARED, ["The soviet met.", "Soviet history, a reference list."], prose=[1, 0])
    assert set(ids(repo.search("soviet", "guild:1"))) == {"r1:0", "r1:1"}
    assert ids(repo.search("soviet", "guild:1", prose_only=True)) == ["r1:0"]


def test_the_passage_about_the_word_ranks_above_a_passing_mention(repo) -> None:  # noqa: ANN001
    filler = " ".join(["the council discussed grain prices and the railway timetable again"] * 12)
    write(repo, "r1", store.SHARED, [f"{filler} and a soviet.", "The soviet met; the soviet voted; the soviet won."])
    assert ids(repo.search("soviet", "guild:1")) == ["r1:1", "r1:0"]


def test_equal_matches_put_the_newest_reading_first_and_limit_cuts(repo) -> None:  # noqa: ANN001
    write(repo, "old", store.SHARED, ["The soviet met."])
    write(repo, "new", store.SHARED, ["The soviet met."])
    assert ids(repo.search("soviet", "guild:1")) == ["new:0", "old:0"]
    assert ids(repo.search("soviet", "guild:1", limit=1)) == ["new:0"]


def test_a_reading_written_again_replaces_the_old_copy_whole(repo) -> None:  # noqa: ANN001
    write(repo, "r1", store.SHARED, ["The tsar abdicated.", "The duma met."])
    write(repo, "r1", store.SHARED, ["The soviet met."])
    assert repo.search("tsar", "guild:1") == [] and ids(repo.search("soviet", "guild:1")) == ["r1:0"]
    assert [p["text"] for p in repo.passages_of("r1")] == ["The soviet met."]
    assert len(repo.sources(None)) == 1


def test_passages_come_back_in_reading_order_with_their_fields(repo) -> None:  # noqa: ANN001
    write(repo, "r1", store.SHARED, ["First.", "Second.", "Third."], prose=[1, 0, 1])
    rows = repo.passages_of("r1")
    assert [(r["seq"], r["text"], r["loc"], r["prose"]) for r in rows] == [
        (0, "First.", "¶1", 1), (1, "Second.", "¶2", 0), (2, "Third.", "¶3", 1)]


def test_delete_update_usage_and_a_deleted_workspace(repo) -> None:  # noqa: ANN001
    write(repo, "a", "guild:1", ["The soviet met."], size=300)
    write(repo, "b", "guild:1", ["The duma met."], size=200)
    write(repo, "s", store.SHARED, ["The duma sat."], size=5000)
    assert repo.usage("guild:1") == (2, 500) and repo.usage("guild:1", excluding="a") == (1, 200)
    repo.update("b", {"title": "Renamed"})
    assert repo.source("b")["title"] == "Renamed" and ids(repo.search("duma", "guild:1", source_id="b")) == ["b:0"]
    repo.delete("a")
    assert repo.source("a") is None and repo.passages_of("a") == [] and repo.search("soviet", "guild:1") == []
    assert repo.delete_workspace("guild:1") == 1
    assert repo.usage("guild:1") == (0, 0) and ids(repo.search("duma", "guild:1")) == ["s:0"]  # shared stays


def test_links_are_replaced_with_the_pack(repo) -> None:  # noqa: ANN001
    write(repo, "r1", store.SHARED, ["Lenin spoke."])
    repo.replace_links("r1", [{"passage_id": "r1:0", "entity_id": "trotsky", "source_id": "r1", "mentions": 1}], [])
    assert ids(repo.search("lenin", "guild:1")) == ["r1:0"]  # the passages stay


def test_a_refused_reading_leaves_nothing_and_the_limit_holds_under_racing_uploads(repo, backend) -> None:  # noqa: ANN001
    limits = Limits(readings=1, megabytes=1)
    with pytest.raises(OverLimit):
        write(repo, "big", "guild:1", ["The soviet met."], size=2 * 2**20,
              check=lambda n, used: limits.check(n, used, 2 * 2**20))
    assert repo.source("big") is None and repo.search("soviet", "guild:1") == []

    results: list[str] = []
    barrier = threading.Barrier(4)

    def upload(i: int) -> None:
        mine = backend.readings()  # each upload on a connection of its own, as another process would be
        barrier.wait()
        try:
            write(mine, f"up{i}", "guild:1", [f"Upload {i} about the soviet."], size=1000,
                  check=lambda n, used: limits.check(n, used, 1000))
            results.append("added")
        except OverLimit:
            results.append("refused")

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["added", "refused", "refused", "refused"]
    assert repo.usage("guild:1") == (1, 1000) and len(repo.search("soviet", "guild:1")) == 1


# --- what the readings say of pack entries, dates and names the pack lacks ---------------------------------------


def linked(repo, sid: str, workspace: str, texts: list[str], links: list[tuple[int, str, int]],  # noqa: ANN001
           dates=(), cands=(), prose=None) -> None:  # noqa: ANN001 - dates: (i, phrase, date, os m, os d, ns m, ns d, sort key, calendar)
    source, passages = reading(sid, workspace, texts, prose=prose)
    repo.write(source, passages,
               [{"passage_id": f"{sid}:{i}", "entity_id": e, "source_id": sid, "mentions": n} for i, e, n in links],
               [{"passage_id": f"{sid}:{i}", "source_id": sid, "phrase": ph, "date": d, "calendar": cal, "os_month": om,
                 "os_day": od, "ns_month": nm, "ns_day": nd, "sort_key": sk}
                for i, ph, d, om, od, nm, nd, sk, cal in dates],
               [{"source_id": sid, "key": k, "name": nm, "mentions": n, "example_loc": "¶1"} for k, nm, n in cands])


MID = "x" * 300  # a passage of 200-900 characters ranks above a shorter one with as many mentions


def test_an_entrys_passages_best_first_per_reading_and_only_the_askers(repo) -> None:  # noqa: ANN001
    linked(repo, "a", store.SHARED, ["Lenin once.", f"Lenin, Lenin. {MID}", "Lenin, Lenin.", "A note on Lenin."],
           [(0, "lenin", 1), (1, "lenin", 2), (2, "lenin", 2), (3, "lenin", 5)], prose=[1, 1, 1, 0])
    linked(repo, "b", "guild:1", ["Lenin spoke."], [(0, "lenin", 1)])
    linked(repo, "c", "guild:2", ["Lenin, Lenin, Lenin."], [(0, "lenin", 3)])
    rows = repo.entity_passages("lenin", "guild:1", per_source=2, limit=10)
    assert [r["id"] for r in rows] == ["a:1", "a:2", "b:0"]  # notes never; the other group's never
    assert rows[0]["title"] == "Reading a" and rows[0]["mentions"] == 2 and rows[0]["loc"] == "¶2"
    assert [r["id"] for r in repo.entity_passages("lenin", "guild:1", per_source=1, limit=1)] == ["a:1"]
    assert repo.link_counts(["lenin", "trotsky"], "guild:1") == {"lenin": 5}  # the note's link counts here
    assert repo.link_counts(["lenin"], "guild:2") == {"lenin": 5}
    assert repo.link_counts([], "guild:1") == {}


def test_names_the_pack_lacks_add_up_over_the_readings_a_group_sees(repo) -> None:  # noqa: ANN001
    linked(repo, "a", store.SHARED, ["x"], [], cands=[("ivanov", "Ivanov", 3), ("petrov", "Petrov", 9)])
    linked(repo, "b", "guild:1", ["x"], [], cands=[("ivanov", "Ivanov", 2)])
    linked(repo, "c", "guild:2", ["x"], [], cands=[("ivanov", "Ivanov", 50)])
    assert repo.candidate("ivanov", "guild:1") == {"key": "ivanov", "name": "Ivanov", "mentions": 5}
    assert repo.candidate("sidorov", "guild:1") is None
    assert [(c["key"], c["mentions"], c["readings"]) for c in repo.candidates("guild:1")] == [
        ("petrov", 9, 1), ("ivanov", 5, 2)]
    assert [(c["key"], c["mentions"]) for c in repo.candidates(None)] == [("ivanov", 55), ("petrov", 9)]
    assert repo.candidates("guild:1")[0]["example"] == "Reading a, ¶1"


def test_dated_passages_on_a_day_in_either_calendar_each_once(repo) -> None:  # noqa: ANN001
    # a: 25 Oct 1917 O.S. (7 Nov N.S.); b: 7 Nov 1941 N.S. and, in the same passage, 7 Nov 1942
    linked(repo, "a", store.SHARED, ["The rising of 25 October.", "A note dated 25 October."], [],
           dates=[(0, "25 October 1917", "1917-10-25", 10, 25, 11, 7, "1917-11-07", "julian"),
                  (1, "25 October 1917", "1917-10-25", 10, 25, 11, 7, "1917-11-07", "julian")], prose=[1, 0])
    linked(repo, "b", "guild:1", ["The parade of 7 November 1941 and of 7 November 1942."], [],
           dates=[(0, "7 November 1942", "1942-11-07", 10, 25, 11, 7, "1942-11-07", "gregorian"),
                  (0, "7 November 1941", "1941-11-07", 10, 25, 11, 7, "1941-11-07", "gregorian")])
    linked(repo, "c", "guild:2", ["Theirs, 7 November 1920."], [],
           dates=[(0, "7 November 1920", "1920-11-07", 10, 25, 11, 7, "1920-11-07", "gregorian")])
    on_ns = repo.dates_on_day(11, 7, "guild:1")
    assert [(r["passage_id"], r["date"], bool(r["ns_match"])) for r in on_ns] == [
        ("a:0", "1917-10-25", True), ("b:0", "1941-11-07", True)]  # each passage once, its earliest date
    on_os = repo.dates_on_day(10, 25, "guild:1")  # Old Style days count only in the Julian era
    assert [(r["passage_id"], bool(r["ns_match"])) for r in on_os] == [("a:0", False)]
    assert on_os[0]["title"] == "Reading a" and on_os[0]["phrase"] == "25 October 1917"
    assert repo.dates_on_day(11, 7, "guild:1", limit=1)[0]["passage_id"] == "a:0"
    years = repo.dates_in_years("guild:1", 1917, 1941)
    assert [(r["passage_id"], r["date"]) for r in years] == [("a:0", "1917-10-25"), ("b:0", "1941-11-07")]
    assert [r["date"] for r in repo.dates_in_years("guild:2", 1900, 2000)] == ["1917-10-25", "1920-11-07"]


def test_passages_naming_one_person_and_the_events_a_reading_discusses(repo) -> None:  # noqa: ANN001
    fit = "y" * 250
    linked(repo, "a", store.SHARED,
           [f"Kornilov rode out. {fit}", "Kerensky and Kornilov argued.", "Kornilov once.", "A note: Kornilov.",
            "In 1917 the palace fell.", "The palace again, in 1917.", "The palace, no year."],
           [(0, "kornilov", 1), (1, "kerensky", 1), (1, "kornilov", 1), (2, "kornilov", 1), (2, "petrograd", 1),
            (3, "kornilov", 1), (4, "winter-palace", 1), (5, "winter-palace", 1), (6, "winter-palace", 1),
            (6, "treaty", 1)], prose=[1, 1, 1, 0, 1, 1, 1])
    linked(repo, "b", "guild:2", [f"Kornilov alone here too. {fit}"], [(0, "kornilov", 1)])
    people = ["kornilov", "kerensky"]  # petrograd is no person: a passage naming one person and a town counts
    rows = repo.single_person_passages("guild:1", None, 10, people)
    assert [(r["passage_id"], r["entity_id"]) for r in rows] == [("a:0", "kornilov"), ("a:2", "kornilov")]
    assert rows[0]["cooccurring"] == {"kornilov", "kerensky", "petrograd", "winter-palace", "treaty"}
    assert rows[0]["title"] == "Reading a" and rows[0]["loc"] == "¶1"
    assert [r["passage_id"] for r in repo.single_person_passages("guild:2", "b", 10, people)] == ["b:0"]
    assert repo.single_person_passages("guild:1", "b", 10, people) == []  # another group's reading: nothing

    events = {"winter-palace": {"name": "The Winter Palace taken", "date": "1917-10-25", "calendar": "julian"},
              "treaty": {"name": "A treaty", "date": "1918-03-03", "calendar": "gregorian"}}
    found = repo.discussed_events("guild:1", None, 10, events)
    assert [(e["id"], e["passage_id"], e["loc"], e["name"], e["date"], e["calendar"]) for e in found] == [
        ("winter-palace", "a:4", "¶5", "The Winter Palace taken", "1917-10-25", "julian")]  # treaty: no year given
    assert found[0]["author"] == "A. Author" and found[0]["source_id"] == "a"
    assert repo.discussed_events("guild:1", "b", 10, events) == []


def test_a_groups_own_passages_in_reading_order_never_the_shared_ones(repo) -> None:  # noqa: ANN001
    write(repo, "s", store.SHARED, ["Shared text."])
    write(repo, "m", "guild:1", ["First.", "A note.", "Third."], prose=[1, 0, 1])
    write(repo, "n", "guild:1", ["Other reading."])
    assert [r["passage_id"] for r in repo.own_passages("guild:1", None, 10)] == ["m:0", "m:2", "n:0"]
    assert [r["passage_id"] for r in repo.own_passages("guild:1", "n", 10)] == ["n:0"]
    assert [r["passage_id"] for r in repo.own_passages("guild:1", None, 1)] == ["m:0"]
    assert repo.own_passages("guild:2", None, 10) == []


def test_the_operators_coverage_counts_every_reading(repo) -> None:  # noqa: ANN001
    linked(repo, "a", store.SHARED, ["x", "y"], [(0, "lenin", 2), (1, "trotsky", 1)], cands=[("ivanov", "Ivanov", 1)])
    linked(repo, "b", "guild:1", ["z"], [(0, "trotsky", 1), (0, "petrograd", 5)], cands=[("ivanov", "Ivanov", 1),
                                                                                        ("petrov", "Petrov", 1)])
    assert repo.coverage(["lenin", "trotsky", "kerensky"]) == {
        "readings_indexed": 2, "passages": 3, "recurring_people_linked": 2, "recurring_names_missing": 1}


def test_a_reading_streamed_in_is_unseen_until_its_tail_completes_it(repo, monkeypatch) -> None:  # noqa: ANN001
    """Ingest hands the store a reading's passages as the reading child makes them, their links as they are
    linked, and a tail with what only the whole reading tells. No group sees any of it before the end; then
    the source has the tail's fields, a link the tail names again counts the mentions of both, and one the tail
    takes its only mention back from (a negative count: a lone common word the whole reading overruled) is gone."""
    from bot import concurrency
    from bot.storage.readings import Tail

    monkeypatch.setattr(concurrency, "BATCH_PASSAGES", 1_000)  # SQLite writes several batches before the end

    source, passages = reading("r1", "guild:1", [f"The soviet met on day {i}." for i in range(2500)])
    links: list[dict[str, Any]] = []
    midway: list[list] = []

    def stream():  # noqa: ANN202
        for p in passages:
            links.append({"passage_id": p["id"], "entity_id": "lenin", "source_id": "r1", "mentions": 1})
            if p["seq"] == 2400:  # several write batches in
                midway.append(repo.search("soviet", "guild:1") + repo.sources("guild:1"))
            yield p

    def tail() -> Tail:
        return Tail({"title": "Soviet days", "passages": 2500},
                    [{"passage_id": "r1:7", "entity_id": "lenin", "source_id": "r1", "mentions": 2},
                     {"passage_id": "r1:8", "entity_id": "trotsky", "source_id": "r1", "mentions": 1},
                     {"passage_id": "r1:9", "entity_id": "lenin", "source_id": "r1", "mentions": -1}])

    repo.write({**source, "title": "r1.txt", "passages": 0}, stream(), links, [], [], tail=tail)
    assert midway == [[]]
    assert repo.source("r1")["title"] == "Soviet days" and repo.source("r1")["passages"] == 2500
    assert repo.link_counts(["lenin", "trotsky"], "guild:1") == {"lenin": 2499, "trotsky": 1}
    best = repo.entity_passages("lenin", "guild:1", per_source=1, limit=1)
    assert [(r["id"], r["mentions"]) for r in best] == [("r1:7", 3)]

    def failing_tail() -> Tail:
        raise RuntimeError("the reading child gave up")

    _, again = reading("r2", "guild:1", ["The duma met."] * 1500)
    with pytest.raises(RuntimeError):
        repo.write(reading("r2", "guild:1", [])[0], iter(again), [], [], [], tail=failing_tail)
    assert repo.source("r2") is None and repo.passages_of("r2") == [] and repo.search("duma", "guild:1") == []
