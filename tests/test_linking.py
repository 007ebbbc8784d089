"""Who a reading's words link to: a rank abbreviation, and the time a paragraph speaks of.

Built on the small test pack (Kornilov born 1870, Kerensky born 1881); the labelled samples in tests/labels/
measure the same rules on real readings (tests/test_readings_truth.py).
"""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import audit
from bot.app import Clio
from bot.events import Context
from tests.conftest import TEST_PACKS, settings_here
from tests.records import Records


def _linked(app: Clio, path: Path, text: str) -> dict[int, set[str]]:
    path.write_text(text, encoding="utf-8")
    app.ingest(path)
    records = Records(app)  # read where the deployment keeps them (PostgreSQL's tables cannot join the file's)
    para = {r["id"]: r["para"] for r in records.rows("passages", columns="id, para")}
    out: dict[int, set[str]] = {}
    for r in records.rows("passage_entities", columns="passage_id, entity_id"):
        out.setdefault(para[r["passage_id"]], set()).add(r["entity_id"])
    return out


def _in_a_room(app: Clio, path: Path, text: str) -> tuple[Context, str]:
    """`text` ingested as `path` into a Discord server of its own, with an admin's room there, and its source id."""
    room = Context(workspace=f"discord:{path.stem}", channel="club", user_id="u1", is_admin=True, platform="discord")
    path.write_text(text, encoding="utf-8")
    return room, app.ingest(path, workspace=room.workspace).source_id


def test_a_sergeant_of_the_same_name_is_not_the_general(mini_app: Clio, tmp_path: Path) -> None:
    links = _linked(mini_app, tmp_path / "ranks.txt",
                    "The house held out for weeks. Sgt. Kornilov was decorated for it.\n\n"
                    "Gen. Kornilov marched his troops on the capital in August.")
    assert "kornilov" not in links.get(1, set())
    assert "kornilov" in links[2]


def test_a_pack_changed_while_the_bot_runs_links_the_next_reading_by_its_new_entries(
        tmp_path: Path, new_database_url: Callable[[], str | None]) -> None:
    """What linking reads of the packs besides their names (here a disambiguation note: a namesake shares
    Kornilov's surname, so the surname alone links him only once a reading names him in full) is kept between
    ingests, and must follow a pack indexed again in the same process."""
    content = tmp_path / "content"
    shutil.copytree(TEST_PACKS / "mini", content / "mini")
    app = Clio(settings_here(new_database_url, tmp_path / "clio.db", content_dir=content, pack="mini"))
    text = "In August 1917 Kornilov sent his troops towards the capital, and Kornilov failed."

    def linked(name: str) -> set[str]:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        sid = app.ingest(path).source_id
        return {r["entity_id"] for r in Records(app).rows("passage_entities", "where source_id = ?", [sid],
                                                           "entity_id")}
    try:
        assert "kornilov" in linked("before.txt")
        people = content / "mini" / "people.yaml"
        people.write_text(people.read_text(encoding="utf-8").replace(
            "    roles: [General]\n", "    roles: [General]\n    disambiguation: Not the sergeant of 1942.\n", 1),
            encoding="utf-8")
        assert app.ensure_index() is True
        assert "kornilov" not in linked("after.txt")
    finally:
        app.close()


def test_a_paragraph_set_centuries_before_a_birth_does_not_speak_of_them(mini_app: Clio, tmp_path: Path) -> None:
    links = _linked(mini_app, tmp_path / "eras.txt",
                    "The empress died in 1740 and her court split. Its old families, the Kerensky clan among them, "
                    "lost their lands.\n\n"
                    "In 1613 the boyars chose a new tsar.\n\n"
                    "His kin, the Kerensky family, took the surname too.\n\n"
                    "France had gone to war in 1792 to save its revolution. Kerensky hoped for the same spirit.")
    assert "kerensky" not in links.get(1, set())  # the paragraph's only year is 1740
    assert "kerensky" not in links.get(3, set())  # no year of its own; the paragraph before is set in 1613
    assert "kerensky" in links[4]  # an analogy a lifetime back is still about him


def test_the_audit_matches_a_label_to_the_occurrence_it_names() -> None:
    text = "From the Lenin Mausoleum Stalin spoke. Lenin's body had been moved away."
    second = text.index("Lenin's")
    derived = audit.Derived("r.txt")
    part = type("Part", (), {"seq": 1, "text": text})()
    derived.links.append({"para": 7, "surface": "Lenin", "person": "lenin", "seq": 1, "start": second,
                          "end": second + 5, "parts": [part]})
    first = {"reading": "r.txt", "para": 7, "surface": "Lenin", "nth": 1, "person": None}
    score = audit.score_links([derived], [first])
    assert (score.right, score.wrong, score.left_out) == (0, 0, 1)  # the mausoleum was rightly passed over
    score = audit.score_links([derived], [{**first, "nth": 2, "person": "lenin"}])
    assert (score.right, score.wrong) == (1, 0)


def test_the_audit_matches_a_date_label_to_the_occurrence_it_names(tmp_path: Path) -> None:
    """A phrase stated several times in a paragraph ("14 July" as a festival, then "14 July 1789" twice): the
    label of its first occurrence, which Clio rightly leaves undated, is not scored against a date it derived
    from a later one. (`clio audit` reads a SQLite file, as here.)"""
    from bot import store
    from bot.config import Settings
    from tests.conftest import TEST_PACKS

    app = Clio(Settings(db_path=tmp_path / "audit.db", content_dir=TEST_PACKS, pack="mini"))
    path = tmp_path / "fete.txt"
    path.write_text("In 1880 the deputies wanted to revive the 14 July festival. The events of 14 July 1789 were "
                    "illegal under the old government. The festival also marked the year after 14 July 1789.",
                    encoding="utf-8")
    app.ingest(path, calendar="gregorian")
    derived = audit.derive(app.db, app.lookup.matcher, app.person_ids, store.sources(app.db, None))
    app.close()
    assert [d["phrase"] for d in derived[0].dates] == ["14 July 1789", "14 July 1789"]
    label = {"reading": "fete.txt", "para": 1, "phrase": "14 July", "prose": True}
    labels = [{**label, "nth": 1, "date": None, "calendar": None},
              {**label, "nth": 2, "date": "1789-07-14", "calendar": "gregorian"},
              {**label, "phrase": "14 July 1789", "nth": 2, "date": "1789-07-14", "calendar": "gregorian"}]
    score = audit.score_dates(derived, labels)
    assert (score.right, score.wrong, score.left_out) == (2, 0, 1), score.errors


PARAGRAPHS = [
    "Georgy Lvov led the Provisional Government from March 1917. Lvov gave way to Kerensky in July.",
    "Lvov lay far to the west of the front, and its garrison waited.",
    "Kerensky spoke to the soviet in 1917. Trotsky answered him, and Lenin wrote from hiding.",
    "General Zabotin said the line would hold. Zabotin was wrong, and Kornilov knew it.",
    "Mikhail Romanov was chosen tsar in 1613, and the dynasty lasted three centuries.",
    "In the spring the Bolsheviks grew. " * 40 + "Lenin returned in April.",  # split into several passages
    "Nicholas abdicated. Alexandra stayed at Tsarskoe Selo with Rasputin's memory.",
    "Piatakov and Smirnov signed the Declaration of the 46 in 1923.",  # A. P. Smirnov only once named in full
    "In 1932 A. P. Smirnov met Eismont and Tolmachev to talk of removing Stalin.",
]


def test_the_linking_child_links_as_the_bot_would(pack_app: Clio, tmp_path: Path) -> None:
    """Ingest links in a child process of its own, fed by the reading child, batch by batch: what it stores is
    what linking the stored passages in one go gives, across batch boundaries (a paragraph split between two
    batches, mentions only the whole reading settles) and the candidates."""
    from bot import store
    from bot.ingest import bounded
    from bot.ingest.link import link_passages
    from bot.ingest.passages import Passage

    path = tmp_path / "long.txt"
    path.write_text("\n\n".join(PARAGRAPHS[i % len(PARAGRAPHS)] for i in range(3 * bounded.PASSAGES_PER_MESSAGE)),
                    encoding="utf-8")
    result = pack_app.ingest(path, workspace="linking-child")
    records = Records(pack_app)
    sid = [result.source_id]
    # in reading order: a paragraph without years takes those of the one before it (PostgreSQL returns a table's
    # rows in no set order)
    rows = records.rows("passages", "where source_id = ? order by seq", sid,
                        columns="id, seq, para, section, text, prose")
    assert len(rows) > 2 * bounded.PASSAGES_PER_MESSAGE  # several batches
    expected = link_passages([Passage(r["seq"], r["para"], r["section"], r["text"], bool(r["prose"])) for r in rows],
                             pack_app.lookup.matcher, pack_app.person_ids, **store.link_facts(pack_app.db))
    seq = {r["id"]: r["seq"] for r in rows}
    stored = {(seq[r["passage_id"]], r["entity_id"]): r["mentions"]
              for r in records.rows("passage_entities", "where source_id = ?", sid, "passage_id, entity_id, mentions")}
    assert stored == {(s, e): n for s, counts in expected.links.items() for e, n in counts.items()}
    assert {"lvov", "kerensky", "trotsky", "lenin", "kornilov"} <= {e for _, e in stored}
    assert result.linked == len(expected.entities())
    candidates = {r["key"]: (r["name"], r["mentions"])
                  for r in records.rows("candidates", "where source_id = ?", sid, "key, name, mentions")}
    assert candidates == {k: (name, n) for k, (name, n, _) in expected.candidates.items()}
    assert "zabotin" in candidates


def test_a_surname_a_namesake_shares_is_the_person_only_once_the_reading_names_them_in_full(
        pack_app: Clio, tmp_path: Path) -> None:
    """The pack notes that A. P. Smirnov (1932) is not the Smirnov of the 1923 Declaration of the 46: "Smirnov"
    alone is him only once the reading has named him in full, in that passage or before."""
    path = tmp_path / "namesakes.txt"
    path.write_text("\n\n".join([
        "Support for Trotsky came in 1923 from Piatakov and Smirnov, who signed the Declaration of the 46.",
        "Nine years later Aleksandr Petrovich Smirnov gathered a few members of the Central Committee.",
        "Smirnov was arrested with Eismont soon afterwards, in 1932.",
    ]), encoding="utf-8")
    result = pack_app.ingest(path, workspace="namesakes")
    records = Records(pack_app)
    para = {r["id"]: r["para"] for r in records.rows("passages", "where source_id = ?", [result.source_id],
                                                         columns="id, para")}
    smirnov = {para[r["passage_id"]] for r in records.rows("passage_entities", "where source_id = ?",
                                                          [result.source_id], "passage_id, entity_id")
               if r["entity_id"] == "a-p-smirnov"}
    assert smirnov == {2, 3}
    assert "piatakov" in {r["entity_id"] for r in records.rows("passage_entities", "where source_id = ?",
                                                               [result.source_id], "entity_id")}


def test_the_reading_and_linking_children_yield_the_cores_to_the_bot(pack_app: Clio, tmp_path: Path) -> None:
    """Reading and linking run below the bot's priority: on a busy machine its commands come first (two bots each
    ingesting 50 MB answered seven times as many commands in bench/no_locks.py two-process)."""
    import os

    from bot.ingest import bounded
    from bot.ingest.link import link_tables

    path = tmp_path / "long.txt"
    # more than the two pipes hold (bounded.PIPE_BYTES each): neither child is done while the first batch is read
    n = 20 * bounded.PASSAGES_PER_MESSAGE
    path.write_text("\n\n".join(PARAGRAPHS[i % len(PARAGRAPHS)] for i in range(n)), encoding="utf-8")
    tables = link_tables(pack_app.lookup.matcher, pack_app.person_ids)
    with bounded.Reading(path, path.read_bytes(), link=tables) as reading:
        batches = reading.batches()
        first = next(batches)  # both children are at work: each set its priority before its first batch
        assert first.passages and first.links
        children = reading._children
        assert len(children) == 2
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        if mine >= 19:
            pytest.skip("this test runs at the lowest priority already: no lower one to see")
        priorities = [os.getpriority(os.PRIO_PROCESS, c.pid) for c in children]
        assert all(p > mine for p in priorities)  # a higher nice value: a lower priority
        assert priorities == [min(19, mine + bounded.CHILD_NICENESS)] * 2
        assert sum(len(b.passages) for b in batches) + len(first.passages) >= n
    assert reading.linked is not None and reading.linked.entities > 0


def test_a_name_the_pack_gives_as_the_x_is_not_the_common_word_in_lower_case(pack_app: Clio, tmp_path: Path) -> None:
    """The pack calls the Right Opposition "The Right" (and the French pack the French Revolution "The
    Revolution"): a name, written with a capital. "A right to their own culture", "the right to secede" and "the
    far right" are the common word, and the Right Opposition's card must not quote them."""
    room, sid = _in_a_room(
        pack_app, tmp_path / "rights.txt",
        "The Soviets declared that all the peoples of Russia had a right to their own culture and language, and "
        "even the right to secede.\n\n"
        "In 1928 the Right, led by Bukharin and Rykov, argued against forcing the peasants to sell their grain.\n\n"
        "Abroad, the far right watched the Soviet experiment with alarm.")
    assert Records(pack_app).paragraphs_linking(sid, "right-opposition") == {2}
    reply = pack_app.handle_text("/what Right Opposition", room)
    quoted = [f.value for f in reply.fields if f.name.startswith("According to")]
    assert quoted and all("Bukharin" in q for q in quoted), quoted


def test_soviet_as_the_ussrs_adjective_is_not_the_council(pack_app: Clio, tmp_path: Path) -> None:
    """The pack marks "Soviet", a name of the soviet (council), as an adjective too: "Soviet troops", "anti-Soviet"
    and "Soviet-style" are the USSR's, and the soviet's card must not quote them; "the Soviet voted", "the
    Soviet's leaders" and "delegates came to the Soviet" are the council."""
    room, sid = _in_a_room(
        pack_app, tmp_path / "soviets.txt",
        "On 1 September 1917 the Soviet voted for a Bolshevik resolution, and the Soviet’s old leaders resigned.\n\n"
        "In 1968 Soviet troops entered Prague, and the anti-Soviet protests were put down within days.\n\n"
        "For decades the satellite states copied Soviet-style planning, with Soviet advisers in every ministry.\n\n"
        "Delegates came to the Soviet from every factory in the capital, elected at open meetings.")
    assert Records(pack_app).paragraphs_linking(sid, "soviet") == {1, 4}
    reply = pack_app.handle_text("/what soviet", room)
    assert reply.match is not None and reply.match.id == "soviet"  # type: ignore[union-attr]
    quoted = [f.value for f in reply.fields if f.name.startswith("According to")]
    assert not [q for q in quoted if "troops" in q or "Soviet-style" in q], quoted


def test_a_partys_name_in_lower_case_is_the_common_word(pack_app: Clio, tmp_path: Path) -> None:
    """The pack writes the Russian Nationalist Party's "Nationalists" and the Kadets' "Cadets" only with a capital:
    Serbian "nationalists" and the military "cadets" at the Winter Palace are the common words."""
    links = _linked(pack_app, tmp_path / "parties.txt",
                    "In June 1914 Serbian nationalists shot the Archduke in Sarajevo.\n\n"
                    "In the Duma Stolypin came to depend on the Nationalists, a party of Russian landowners.\n\n"
                    "Only a few hundred military cadets and a women's battalion defended the palace.\n\n"
                    "The Cadets won the most seats in the first Duma, on a programme of liberal reform.")
    assert [para for para in (1, 2, 3, 4) if "nationalist-party" in links.get(para, set())] == [2]
    assert [para for para in (1, 2, 3, 4) if "kadets" in links.get(para, set())] == [4]


def test_the_lenin_mausoleum_is_no_mention_of_lenins_death(pack_app: Clio, tmp_path: Path) -> None:
    """The pack gave Lenin's death the alias "Lenin Mausoleum": every passage about the tomb (Stalin's parade of
    1941 from its tribune) was linked to the death of 1924, and `/when Lenin Mausoleum` answered with that day."""
    links = _linked(pack_app, tmp_path / "tomb.txt",
                    "On 7 November 1941 Stalin reviewed the parade from the Lenin Mausoleum as the Germans neared "
                    "Moscow.")
    assert "death-of-lenin-1924" not in links.get(1, set())
    reply = pack_app.handle_text("/when Lenin Mausoleum")
    assert reply.match is None or reply.match.id != "death-of-lenin-1924"  # type: ignore[union-attr]


def test_an_abbreviation_links_only_as_the_pack_writes_it(pack_app: Clio, tmp_path: Path) -> None:
    """Keys fold doubled letters (a transliteration's "ss" is its "s"), so "SSR" had the key of "SR": every
    "Armenian SSR" was the Socialist Revolutionary Party, and the party's card quoted it."""
    links = _linked(pack_app, tmp_path / "republics.txt",
                    "In February 1988 the Armenian SSR asked to take in Nagorno-Karabakh.\n\n"
                    "In the Constituent Assembly elections of 1917 the SR list won the most votes.")
    assert [para for para in (1, 2) if "socialist-revolutionaries" in links.get(para, set())] == [2]


def test_another_medvedev_is_not_the_historian(pack_app: Clio, tmp_path: Path) -> None:
    """The pack's Medvedev is Roy, the dissident historian; his twin Zhores and President Dmitry Medvedev share the
    surname (his disambiguation note), so "Medvedev" alone is him only once a reading has named him in full."""
    links = _linked(pack_app, tmp_path / "presidents.txt",
                    "In 2008 Dmitry Medvedev became president of Russia. Medvedev kept Putin on as prime minister.")
    assert "roy-medvedev" not in links.get(1, set())


def test_the_verb_promotes_is_not_the_promotees(pack_app: Clio, tmp_path: Path) -> None:
    """Keys fold doubled letters, so the vydvizhentsy's English name "Promotees" had the key of the verb: "literacy
    promotes the spread of new ideas" was quoted on their card."""
    links = _linked(pack_app, tmp_path / "literacy.txt",
                    "By 1939 literacy was approaching 90 per cent. Literacy promotes the spread of new ideas.")
    assert "vydvizhentsy" not in links.get(1, set())


def test_a_regional_first_secretary_is_not_the_general_secretary(pack_app: Clio, tmp_path: Path) -> None:
    """Every party committee, from a district's to a republic's, had a First Secretary; the pack gave the General
    Secretary that alias (the post's name in 1953-66), and 15 of the readings' 18 First Secretaries were some
    committee's: Gorbachev's in Stavropol, a Komsomol's, Yeltsin's in Moscow."""
    links = _linked(pack_app, tmp_path / "secretaries.txt",
                    "In 1970 Gorbachev became First Secretary of the Stavropol kraikom, the youngest in the country.")
    assert "general-secretary" not in links.get(1, set())


def test_a_name_with_its_title_word_taken_off_is_no_name_of_the_entry(pack_app: Clio, tmp_path: Path) -> None:
    """Lookups drop a title word from a name's front ("General Kornilov" is Kornilov), and so "General Secretary"
    gave "secretary" and "President of the Soviet Union" (Gorbachev's election) "of the Soviet Union": linking
    took every party secretary for the General Secretary, and the Communist Party of the Soviet Union for
    Gorbachev's presidency. Such a key is no name of the entry's and links nothing."""
    links = _linked(pack_app, tmp_path / "titles.txt",
                    "The founding Treaty of the Soviet Union was centralist in character.\n\n"
                    "In 1937 the NKVD arrested the Party Secretary of Nikopol.\n\n"
                    "In 1922 Stalin became General Secretary of the party.")
    assert "soviet-union" in links[1] and "gorbachev-soviet-president-1990" not in links[1]
    assert "general-secretary" not in links.get(2, set())
    assert "general-secretary" in links[3]


def test_a_place_named_alone_is_the_place_not_an_event_there(pack_app: Clio, tmp_path: Path) -> None:
    """The pack gives the German surrender at Stalingrad the alias "Stalingrad": alone, the word is the city
    ("the Germans reached the Volga north of Stalingrad"), and every quote on the surrender's card was such a
    sentence. The battle named as such still links."""
    links = _linked(pack_app, tmp_path / "stalingrad.txt",
                    "In August 1942 the Germans reached the Volga north of Stalingrad.\n\n"
                    "The Battle of Stalingrad ended with the German surrender in February 1943.")
    assert "stalingrad-surrender-1943" not in links.get(1, set())
    assert "stalingrad-surrender-1943" in links[2]
