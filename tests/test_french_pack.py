"""The bundled French Revolution pack (issue 22 item 3): big enough, Gregorian dates with the Republican date
beside them while France used it, every entry reachable by its own name, and a quiz night on it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from bot import store
from bot.app import Clio
from bot.config import PROJECT_CONTENT
from bot.events import Context
from bot.pack import load_pack
from tests.conftest import settings_here
from tests.records import Records

PACK = PROJECT_CONTENT / "french-revolution"
ROOM = Context(workspace="discord:salon", channel="club", user_id="u1", is_admin=True, platform="discord")


@pytest.fixture(scope="module")
def french(tmp_path_factory: pytest.TempPathFactory, new_database_url: Callable[[], str | None]) -> Iterator[Clio]:
    db = tmp_path_factory.mktemp("fr") / "clio.db"
    app = Clio(settings_here(new_database_url, db, content_dir=PROJECT_CONTENT, pack="french-revolution"))
    yield app
    app.close()


def test_the_pack_validates_and_meets_the_issues_size() -> None:
    pack = load_pack(PACK)
    assert len(pack.people) >= 80 and len(pack.terms) >= 80
    assert len(pack.events) >= 150 and len(pack.questions) >= 200
    assert all(e.calendar == "gregorian" for e in pack.events)  # France never counted Old Style
    periods = Counter(q.period for q in pack.questions)
    assert set(periods) == set(pack.meta.periods) and min(periods.values()) >= 10
    readings = {r.id for r in pack.meta.readings}
    assert all(s.reading in readings for e in pack.entries() for s in e.sources)


def test_every_entry_answers_by_its_own_name(french: Clio) -> None:
    command = {"person": "who", "term": "what", "event": "when"}
    rows = store.all_names(french.db, ["french-revolution"])
    assert len(rows) >= 310
    for row in rows:
        reply = french.handle_text(f"/{command[row.type]} {row.name}")
        found = {reply.match.id} if reply.match else {s.id for s in reply.suggestions}
        assert row.id in found, (row.id, reply.text()[:300])


def test_robespierre_the_bastille_and_thermidor(french: Clio) -> None:
    who = french.handle_text("/who Robespierre")
    assert who.match and who.match.id == "robespierre"
    bastille = french.handle_text("/when storming of the Bastille")
    assert bastille.match and "14 Jul 1789" in bastille.text() and "O.S." not in bastille.text()
    day = french.handle_text("/onthisday 27 Jul")
    assert "9 Thermidor Year II / 27 Jul 1794" in day.text()
    assert "Robespierre" in french.handle_text("/onthisday 9 Thermidor").text()


def test_a_quiz_night_on_the_french_pack(french: Clio) -> None:
    start = french.handle_text("/quiz start 1789-1791 3", ROOM)
    assert start.ok, start.text()
    assert "Question 1 of 3" in start.text()
    assert "Bolshevik" not in start.text() and "Russia" not in start.text()
    french.handle_text("/quiz stop", ROOM)


def test_when_of_a_republican_day_with_its_year_puts_that_year_first(french: Clio) -> None:
    reply = french.handle_text("/when 9 Thermidor Year II")
    assert "is a day, not an event" in reply.body and "27 Jul 1794" in reply.body, reply.text()
    # Robespierre joined the Committee on 9 Thermidor Year I: on the day alone that year comes first
    assert reply.fields[0].name.startswith("1794 — Fall of Robespierre"), reply.text()


def test_the_terror_ends_with_the_fall_of_robespierre_and_never_begins_there(french: Clio) -> None:
    # before: "when did the Terror end" was a search of the readings; the term dates the Terror to the fall of
    # Robespierre, and that event is now also known as the end of the Terror, which must not answer its start
    lasted = french.handle_text("how long did the Terror last", ROOM)  # the term's card: its summary dates it
    assert lasted.match and lasted.match.id == "reign-of-terror", lasted.text()[:200]
    ended = french.handle_text("when did the Terror end", ROOM)
    assert ended.match and ended.match.id == "ninth-thermidor-1794", ended.text()[:300]
    assert "9 Thermidor Year II / 27 Jul 1794" in ended.text()
    began = french.handle_text("when did the Terror begin", ROOM)
    offered = [began.match.id] if began.match else [s.id for s in began.suggestions]
    assert offered[0] == "terror-the-order-of-the-day-1793", offered  # a start: the earliest first
    assert "ninth-thermidor-1794" not in offered


def test_the_revolution_itself_spans_1789_to_brumaire_and_its_timeline_lists_what_lies_within(french: Clio) -> None:
    # before: "when did the Revolution start" offered Burke's Reflections, the Batavian Republic and the slave
    # uprising in Saint-Domingue, and "when did the French Revolution end" was a search: the pack had no entry
    # for the Revolution itself
    for asked in ("when did the Revolution start", "when did the French Revolution end", "/when French Revolution"):
        reply = french.handle_text(asked, ROOM)
        assert reply.match and reply.match.id == "french-revolution-1789", (asked, reply.text()[:200])
        assert "5 May 1789" in reply.text() and "9 Nov 1799" in reply.text()
    span = french.handle_text("/timeline the French Revolution", ROOM)
    assert span.title.startswith("Timeline of The French Revolution, May 1789 – Nov 1799"), span.title
    lines = span.body.splitlines()
    assert "• 5 May 1789: Opening of the Estates-General" in lines
    assert not [line for line in lines if line.endswith(": The French Revolution")]  # not the span itself


def test_a_husband_named_only_in_the_wifes_own_summary(french: Clio) -> None:
    # before: "who was Marie Antoinette's husband" found nothing: Louis XVI's summary does not say he married
    # her, hers says she was "married to the future Louis XVI"; "married Napoleon's sister" marries no Napoleon
    for asked, want in (("who was Marie Antoinette's husband", "louis-xvi"), ("who was Josephine's husband", "napoleon")):
        reply = french.handle_text(asked, ROOM)
        assert reply.match and reply.match.id == want, (asked, reply.text()[:200])
    murat = french.handle_text("who was Joachim Murat's wife", ROOM)
    assert not (murat.match and murat.match.id == "napoleon"), murat.text()[:200]


def test_a_quiz_on_the_terror_on_1793_or_on_year_ii_finds_its_questions(french: Clio) -> None:
    # before: "on the Terror" found 1 question, as "the terror" is no part of the topic "Reign of Terror";
    # "1793" was taken for the number of questions ("A quiz has 1 to 50 questions"); "Year II" matched the
    # topic "Constitution of the Year III" and none of Year II's own questions
    from bot.services.questions import bank
    from bot.services.quiz import parse_start

    matcher = french.lookup_for(("french-revolution",)).matcher
    terror = bank(french.db, matcher, "shared", "the Terror", packs=("french-revolution",))
    assert len([q for q in terror if q["topic"] == "Reign of Terror"]) >= 5, len(terror)
    assert parse_start("1793 5") == ("1793", 5, 30, "choice")
    year_ii = bank(french.db, matcher, "shared", "Year II", packs=("french-revolution",))
    assert year_ii and all(q["period"] == "1792-1794" for q in year_ii if q["period"])
    assert not [q for q in year_ii if q["topic"] == "Constitution of the Year III"]


def test_two_deeds_named_together_are_both_the_persons(french: Clio) -> None:
    # before: "when was Marie Antoinette tried" found nothing, though "Trial and execution of Marie Antoinette"
    # is in the pack: only "VERB of NAME" was read, not "VERB and VERB of NAME"
    reply = french.handle_text("when was Marie Antoinette tried", ROOM)
    assert reply.match and reply.match.name == "Trial and execution of Marie Antoinette", reply.text()[:200]
    # "who stormed the Bastille": the storming (its card says who), not the fortress's card
    stormed = french.handle_text("who stormed the Bastille", ROOM)
    assert stormed.match and stormed.match.name == "Storming of the Bastille", stormed.text()[:200]
    # and events also known by the deed or the end they were (aliases of stop 39, second-read)
    for asked, want in (("when was Robespierre arrested", "ninth-thermidor-1794"),
                        ("when did the Directory end", "eighteenth-brumaire-1799")):
        reply = french.handle_text(asked, ROOM)
        assert reply.match and reply.match.id == want, (asked, reply.text()[:200])


def test_what_the_linking_child_takes_back_is_what_linking_in_one_go_leaves_out(french: Clio, tmp_path) -> None:
    """A lone common word is linked with its passage's batch and taken back at the end when the reading is not
    about its pack: a long history of Russia ("the revolution", "the terror", "the empire": the French pack's
    shorthand) stored batch by batch, with such words in its last paragraph too, holds exactly the links of the
    whole reading linked in one go, and none with no mention left."""
    from bot.ingest import bounded
    from bot.ingest.link import link_passages
    from bot.ingest.passages import Passage

    paragraphs = [
        "Lenin and Trotsky led the revolution in Petrograd, and Kerensky fled the capital.",
        "The terror of the Cheka grew through 1918, and the empire of the tsars fell apart.",
        "The Bolsheviks dissolved the Constituent Assembly in January 1918 and Lenin moved the government to Moscow.",
    ]
    path = tmp_path / "russia-long.txt"
    path.write_text("\n\n".join(paragraphs[i % 3] for i in range(3 * bounded.PASSAGES_PER_MESSAGE + 2)),
                    encoding="utf-8")  # ends with the terror and the empire
    sid = french.ingest(path, workspace="discord:long-russia").source_id
    records = Records(french)
    rows = records.rows("passages", "where source_id = ? order by seq", [sid], "id, seq, para, section, text, prose")
    assert len(rows) > 2 * bounded.PASSAGES_PER_MESSAGE  # several batches
    expected = link_passages([Passage(r["seq"], r["para"], r["section"], r["text"], bool(r["prose"])) for r in rows],
                             french.library.matcher, french.person_ids, **store.link_facts(french.db))
    assert expected.taken_back  # the French pack's words were linked and taken back
    seq = {r["id"]: r["seq"] for r in rows}
    stored = {(seq[r["passage_id"]], r["entity_id"]): r["mentions"]
              for r in records.rows("passage_entities", "where source_id = ?", [sid], "passage_id, entity_id, mentions")}
    assert stored == {(s, e): n for s, counts in expected.links.items() for e, n in counts.items()}
    assert min(stored.values()) > 0
    assert not [e for _, e in stored if e in ("french-revolution-1789", "reign-of-terror", "first-empire")]


def test_a_card_lists_other_names_not_other_spellings_of_its_own(french: Clio) -> None:
    """The pack gives "Emigres" and "émigrés" beside "Émigrés" (typed without accents, written in lower case in
    English texts): the card's other names leave them out."""
    text = french.handle_text("/what Emigres").text()
    others = text.split("Also known as: ")[1].split("\n")[0].split(", ")
    assert "Emigrants" in others and not {"Emigres", "émigrés", "Émigrés"} & set(others), others


def test_peter_the_great_is_not_catherine_the_great(french: Clio, tmp_path) -> None:
    """An epithet is no surname: "Great" of "Catherine the Great" made every "Peter the Great" in a reading a
    mention of Catherine (House_of_Romanov.md: six), and her card could quote it."""
    room = Context(workspace="discord:tsars", channel="club", user_id="u1", is_admin=True, platform="discord")
    path = tmp_path / "tsars.txt"
    path.write_text(
        "Peter the Great founded St Petersburg and moved the court there from Moscow.\n\n"
        "Catherine the Great corresponded with Voltaire and Diderot, and seized Crimea in 1783.",
        encoding="utf-8")
    sid = french.ingest(path, workspace=room.workspace).source_id
    assert Records(french).paragraphs_linking(sid, "catherine-the-great") == {2}


def test_a_reading_about_russia_is_never_quoted_for_the_french_revolution(french: Clio, tmp_path) -> None:
    """The French pack calls the French Revolution "The Revolution", the Reign of Terror "the Terror" and the First
    Empire "the Empire": its shorthand for its own subject. A reading about Russia uses the same words for
    Russia's revolution, Red Terror and empire, and the French Revolution's card must not quote it; a reading
    about France still links them. So with a name written all in lower case, a common phrase: Russia's "old
    regime" is not France's Ancien Régime."""
    room = Context(workspace="discord:both-revolutions", channel="club", user_id="u1", is_admin=True,
                   platform="discord")
    russia, france = tmp_path / "russia.txt", tmp_path / "france.txt"
    russia.write_text(
        "The Bolshevik revolution of 1917 began in Petrograd when the garrison joined the workers. Lenin and Trotsky "
        "led the revolution against the Provisional Government of Kerensky, and the army turned away from the old "
        "regime.\n\n"
        "The Red Terror followed in 1918, when the Cheka shot hostages, and the empire of the tsars was gone.",
        encoding="utf-8")
    france.write_text(
        "The Revolution began when the Estates-General met at Versailles in May 1789, and Louis XVI could not "
        "master it. Robespierre and the Jacobins came to rule the Republic.\n\n"
        "The Terror sent thousands to the guillotine before Robespierre fell in July 1794, and Napoleon later "
        "made the Empire.", encoding="utf-8")
    sources = {french.ingest(path, workspace=room.workspace).source_id: path.stem for path in (russia, france)}
    records = Records(french)  # where the deployment keeps the readings (PostgreSQL's or the file's)

    def readings_linking(entry: str) -> set[str]:
        # the home pack's ids are bare, another pack's prefixed with the pack's
        return {sources[r["source_id"]] for r in records.rows("passage_entities", "where entity_id in (?, ?)",
                                                              [entry, f"french-revolution:{entry}"], "source_id")
                if r["source_id"] in sources}

    assert readings_linking("french-revolution-1789") == {"france"}
    assert readings_linking("reign-of-terror") == {"france"}  # Russia's Red Terror is not France's
    assert "russia" not in readings_linking("first-empire")  # nor the tsars' empire Napoleon's
    assert "russia" not in readings_linking("ancien-regime")  # nor Russia's old regime France's
    reply = french.handle_text("/when French Revolution", room)
    quoted = [f.name for f in reply.fields if f.name.startswith("According to")]
    assert quoted and all("russia" not in q for q in quoted), quoted
