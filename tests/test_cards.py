"""Short cards (issue 21 item 2): every entry of every bundled pack is one message on Discord and on Slack, its
summary first, a few entries the pack ties to it as buttons, at most three passages with a button for the rest,
and one compact sources line naming each reading once with its paragraph ranges."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("discord")

from adapters.discord.render import messages_for, view_for  # noqa: E402
from adapters.slack.render import blocks_for  # noqa: E402
from bot.app import Clio  # noqa: E402
from bot.citing import sources_line  # noqa: E402
from bot.config import PROJECT_CONTENT  # noqa: E402
from bot.pack import load_pack  # noqa: E402
from bot.response import Citation, Reply  # noqa: E402
from tests.conftest import SEEDS, settings_here  # noqa: E402
from tests.discord_spec import check_message  # noqa: E402
from tests.slack_blocks import payload_problems  # noqa: E402
from tests.test_discord import buttons_of, callback_of, start_bot, text_of  # noqa: E402
from tests.fake_discord import FakeDiscord  # noqa: E402
from tests.records import Records  # noqa: E402

CARD_CHARS = 4000  # a card stays well inside Discord's 6,000 embed characters
PACKS = sorted(p.parent.name for p in PROJECT_CONTENT.glob("*/pack.yaml"))
NO_SEEDS = f"the readings are not here ({SEEDS.name}/ beside the project): cards are checked without passages"


@functools.cache
def entries_of(pack: str) -> dict[str, Any]:
    """The pack's people, terms and events by id, read from its YAML (loaded once: validation is slow)."""
    return {e.id: e for e in load_pack(PROJECT_CONTENT / pack).entries()}


def pack_clio(new_url: Callable[[], str | None], tmp: Path, pack: str) -> Clio:
    """A Clio on a bundled pack, on the backend under test (see tests/conftest.py's `settings_here`)."""
    return Clio(settings_here(new_url, tmp / "clio.db", content_dir=PROJECT_CONTENT, pack=pack))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory,
           new_database_url: Callable[[], str | None]) -> Iterator[dict[str, Clio]]:
    """Each bundled pack with every reading ingested (the five seeds and the outside readings), so cards carry
    passages: the Russian pack's from the seeds, the French pack's from the French readings."""
    if not SEEDS.is_dir():
        pytest.skip(NO_SEEDS)
    readings = [*sorted(SEEDS.glob("*.txt")), *sorted((SEEDS.parent / "readings" / "wikipedia").glob("*.md"))]
    apps = {}
    for pack in PACKS:
        app = apps[pack] = pack_clio(new_database_url, tmp_path_factory.mktemp(f"seeded-{pack}"), pack)
        for f in readings:
            app.ingest(f)
    yield apps
    for app in apps.values():
        app.close()


def card_problems(reply: Reply) -> list[str]:
    """Why a card is not one short message on Discord and on Slack ([] when it is)."""
    out: list[str] = []
    messages = messages_for(reply)
    if len(messages) != 1:
        out.append(f"{len(messages)} Discord messages")
    for m in messages:
        view = view_for(m.buttons)
        data: dict[str, Any] = {"embeds": [e.to_dict() for e in m.embeds],
                                "components": view.to_components() if view else []}
        try:
            check_message(data)
        except Exception as e:  # the fake Discord's own checks (limits, unique custom_ids)
            out.append(f"Discord refuses it: {e}")
        size = sum(len(e) for e in m.embeds)
        if size > CARD_CHARS:
            out.append(f"{size} embed characters")
        if len(m.buttons) != len(reply.buttons):
            out.append("a button was dropped on Discord")
    text, blocks = blocks_for(reply)
    out += [f"Slack: {p}" for p in payload_problems({"text": text, "blocks": blocks})]
    if any(b["type"] == "context" and "shortened" in b["elements"][0]["text"] for b in blocks):
        out.append("Slack shortened it")
    return out


def every_card(app: Clio, pack: str) -> dict[str, Reply]:
    """The card of every entry of `pack` (the app's default pack, so its ids are the pack's own)."""
    ids = [r["id"] for r in app.db.query("select id from entities where pack = ? order by type, id", [pack])]
    return {i: app.lookup.card(i) for i in ids}


def check_every_card(app: Clio, pack: str) -> dict[str, Reply]:
    cards = every_card(app, pack)
    assert set(cards) == set(entries_of(pack))  # people, terms and events, every one
    bad = {i: p for i, r in cards.items() if (p := card_problems(r))}
    assert not bad, f"{len(bad)} cards too big: {dict(list(bad.items())[:5])}"
    for i, r in cards.items():
        assert r.body and messages_for(r)[0].embeds[0].description.startswith(r.body[:100]), i  # the summary first
        assert sum(f.name.startswith("According to") for f in r.fields) <= 3, i
        assert len([b for b in r.buttons if b.action != "passages"]) <= 6, i
        assert r.text().count("Sources:") == 1, i
    return cards


@pytest.mark.parametrize("pack", PACKS)
def test_every_card_of_every_bundled_pack_is_one_short_message(pack: str, tmp_path: Path,
                                                               make_app: Callable[..., Clio]) -> None:
    check_every_card(make_app(tmp_path / "clio.db", content_dir=PROJECT_CONTENT, pack=pack), pack)


@pytest.mark.parametrize("pack", PACKS)
def test_every_card_with_the_readings_ingested_is_one_short_message(pack: str, seeded: dict[str, Clio]) -> None:
    app = seeded[pack]
    cards = check_every_card(app, pack)
    with_passages = [r for r in cards.values() if any(f.name.startswith("According to") for f in r.fields)]
    assert len(with_passages) > len(cards) // 4  # the readings do show on cards
    biggest = max(sum(len(e) for e in messages_for(r)[0].embeds) for r in cards.values())
    assert biggest <= CARD_CHARS
    measured = ("/who Lenin", "/what Bolsheviks", "/when October Revolution") if pack == "russian-revolution" else \
        ("/who Robespierre", "/what Jacobins", "/when storming of the Bastille")
    for name in measured:  # the cards the issue measured, and their French counterparts
        reply = app.handle_text(name)
        assert reply.kind == "lookup" and not card_problems(reply), name


# --- related entries ------------------------------------------------------------------------------------


def pack_ties(pack: str, entry_id: str) -> set[str]:
    """What the pack itself says is tied to an entry: its `related` and `people`, the entries that name it in
    theirs, and whoever an event it is tied to names."""
    entries = entries_of(pack)

    def links(e: Any) -> set[str]:
        return set(e.related) | set(getattr(e, "people", []))

    tied = links(entries[entry_id]) | {e.id for e in entries.values() if entry_id in links(e)}
    for event in [e for e in entries.values() if hasattr(e, "people") and e.id in tied]:
        tied |= links(event)
    return tied - {entry_id}


def related_buttons(reply: Reply) -> list[str]:
    return [b.value for b in reply.buttons if b.action in ("who", "what", "when")]


def test_lenins_related_entries_are_few_and_all_tied_by_the_pack(pack_app: Clio) -> None:
    lenin = pack_app.handle_text("/who Lenin")
    shown = related_buttons(lenin)
    ids = {r["name"]: r["id"] for r in pack_app.db.query("select id, name from entities")}
    assert 1 <= len(shown) <= 6
    assert {ids[n] for n in shown} <= pack_ties("russian-revolution", "lenin")
    # Lenin's own links come first: nothing the pack ties only by a link back (Putin naming him) is offered
    own = set(entries_of("russian-revolution")["lenin"].related)
    assert {ids[n] for n in shown} <= own
    assert "Vladimir Putin" not in shown and "See also" not in lenin.text()
    october = pack_app.handle_text("/when October Revolution")
    assert "Donald Trump" not in related_buttons(october) and "Trump" not in october.text()
    assert {ids[n] for n in related_buttons(october)} <= pack_ties("russian-revolution", "october-insurrection-1917")


def test_a_card_says_which_one_where_the_pack_notes_a_namesake(pack_app: Clio) -> None:
    """A. P. Smirnov shares his surname with the Smirnov of the 1923 Declaration of the 46: his card says which
    Smirnov it is; Lenin's, with no namesake, has no such line."""
    smirnov = pack_app.handle_text("/who A. P. Smirnov")
    which = [f.value for f in smirnov.fields if f.name == "Which one"]
    assert which and "1932" in which[0] and "1923" in which[0], smirnov.text()
    assert not any(f.name == "Which one" for f in pack_app.handle_text("/who Lenin").fields)


def test_every_cards_related_entries_are_tied_by_the_pack(pack_app: Clio) -> None:
    ids = {r["name"]: r["id"] for r in pack_app.db.query("select id, name from entities")}
    for entry in list(entries_of("russian-revolution").values())[::7]:
        card = pack_app.lookup.card(entry.id)
        assert {ids[n] for n in related_buttons(card)} <= pack_ties("russian-revolution", entry.id), entry.id


async def test_a_related_button_on_discord_opens_that_card(pack_app: Clio, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeDiscord()
    await fake.start()
    client = await start_bot(fake, pack_app, monkeypatch, sync=False)
    try:
        payload = await fake.slash("who", [{"type": 3, "name": "name", "value": "Lenin"}])
        call = await fake.wait_for(callback_of(payload))
        assert len(call.body["data"]["embeds"]) == 1
        labels = {b["label"]: b["custom_id"] for b in buttons_of(call.body)}
        assert "Leon Trotsky" in labels
        message = fake.messages[next(iter(fake.messages))]
        click = await fake.click(message, labels["Leon Trotsky"])
        answer = await fake.wait_for(callback_of(click))
        assert answer.body["data"]["embeds"][0]["title"].startswith("Leon Trotsky")
    finally:
        await client.close()
        await client.task  # type: ignore[attr-defined]
        await fake.stop()


# --- More passages ----------------------------------------------------------------------------------------

# Four short readings of our own, each naming Kornilov in a few paragraphs, for the tiny test pack.
READINGS = {
    "diary-a.txt": ["General Kornilov rode into the capital in August with his staff, and the officers at the "
                    "station cheered him as the man who would end the disorder in the regiments.",
                    "By the end of the month Kornilov was under arrest, and the committees in the barracks said "
                    "that the soldiers had refused to follow him against the city."],
    "diary-b.txt": ["Our correspondent saw Kornilov address the conference in Moscow; half the hall stood and "
                    "applauded while the delegates of the left sat on their hands.",
                    "The railwaymen stopped the trains that carried the troops Kornilov had sent, and the "
                    "agitators talked the soldiers out of marching on the capital."],
    "diary-c.txt": ["In the memoir the minister writes that Kornilov believed the government had asked him to "
                    "send troops, and that the telegrams between them were misread on both sides.",
                    "Later the minister admits that the affair with Kornilov cost the government the trust of the "
                    "officers and of the workers at once."],
    "diary-d.txt": ["The regimental history says that Kornilov had escaped from an Austrian camp and came home a "
                    "hero to the army, which is why so many officers trusted him in 1917."],
}


@pytest.fixture
def kornilov_app(mini_app: Clio, tmp_path: Path) -> Clio:
    for name, paras in READINGS.items():
        f = tmp_path / name
        f.write_text("\n\n".join(paras) + "\n", encoding="utf-8")
        mini_app.ingest(f, title=f"Notes {name[-5].upper()}", author=f"Writer {name[-5].upper()}")
    return mini_app


def all_passages(app: Clio, entity_id: str) -> set[str]:
    """Every passage of every reading that names the entry, straight from the tables that hold them."""
    records = Records(app)
    ids = set(records.values("passage_entities", "passage_id", "where entity_id = ?", [entity_id]))
    return {r["text"] for r in records.rows("passages", columns="id, text") if r["id"] in ids}


def quoted(reply: Reply) -> list[str]:
    return [f.value for f in reply.fields if f.name.startswith("According to")]


def test_more_passages_pages_through_the_rest(kornilov_app: Clio) -> None:
    everything = all_passages(kornilov_app, "kornilov")
    assert len(everything) == 7
    card = kornilov_app.handle_text("/who Kornilov")
    assert len(quoted(card)) == 3  # one from each of three readings
    seen = list(quoted(card))
    more = [b for b in card.buttons if b.action == "passages"]
    pages = 0
    while more:
        assert len(more) == 1 and more[0].label.startswith("More passages")
        page = kornilov_app.handle_text(f"/{more[0].action} {more[0].value}")
        assert page.ok and not card_problems(page)
        seen += quoted(page)
        more = [b for b in page.buttons if b.action == "passages"]
        pages += 1
    assert pages >= 1 and len(seen) == len(set(seen)) == len(everything)  # each once, none left out
    for text in everything:
        assert any(text[:60] in s for s in seen)
    typed = kornilov_app.handle_text("/passages kornilof from 2")  # typed by a member, with a typo
    assert typed.ok and quoted(typed)[0] == seen[1]
    assert kornilov_app.handle_text("/passages Kornilov from 99").exit_code == 2  # past the end: a clear message
    assert kornilov_app.handle_text("/passages Nobody Atall").exit_code == 1


async def test_more_passages_on_discord_reaches_the_rest(kornilov_app: Clio, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeDiscord()
    await fake.start()
    client = await start_bot(fake, kornilov_app, monkeypatch, sync=False)
    try:
        payload = await fake.slash("who", [{"type": 3, "name": "name", "value": "Kornilov"}])
        call = await fake.wait_for(callback_of(payload))
        more = [b for b in buttons_of(call.body) if b["label"].startswith("More passages")]
        assert len(more) == 1 and text_of(call.body).count("According to") == 3
        message = fake.messages[next(iter(fake.messages))]
        click = await fake.click(message, more[0]["custom_id"])
        answer = await fake.wait_for(callback_of(click))
        assert "passages 4-7 of 7" in answer.body["data"]["embeds"][0]["title"]
        assert text_of(answer.body).count("According to") == 4
    finally:
        await client.close()
        await client.task  # type: ignore[attr-defined]
        await fake.stop()


def test_more_passages_reaches_every_reading_on_lenin(seeded: dict[str, Clio]) -> None:
    app = seeded["russian-revolution"]
    card = app.handle_text("/who Lenin")
    naming = set(Records(app).values("passage_entities", "source_id", "where entity_id = ?", ["lenin"]))
    assert len(quoted(card)) == 3 < len(naming)
    cited = {c.reading_id for c in card.citations}
    more = [b for b in card.buttons if b.action == "passages"]
    while more:
        page = app.handle_text(f"/passages {more[0].value}")
        cited |= {c.reading_id for c in page.citations}
        more = [b for b in page.buttons if b.action == "passages"]
    assert naming <= cited  # every reading that names him is reached


# --- the sources line -------------------------------------------------------------------------------------


def readings_named(line: str) -> list[str]:
    """Each reading the line names: its author, and the title where the author has several works."""
    return [re.split(r",\s*paras?\b|,\s*(?=[A-Z][^,]*$)", part)[0].strip()
            for part in line.removeprefix("Sources: ").split("; ")]


def test_the_sources_line_names_each_reading_once_with_its_paragraph_ranges() -> None:
    figes = ("figes", "Revolutionary Russia, 1891-1991", "Orlando Figes")
    cites = [Citation(*figes, f"para {n}") for n in (198, 199, 200, 201, 230, 231, 277)]
    cites += [Citation("src1", figes[1], figes[2], "The Putilov workers, paras 14-16, 40"),  # the ingested copy
              Citation("maass", "The legacy of 1917", "Alan Maass", "para 12"),
              Citation("wp1", "October Revolution", "Wikipedia contributors", None),
              Citation("wp2", "Alexander Kerensky", "Wikipedia contributors", "Early life")]
    line = sources_line(cites)
    assert line == ("Sources: Figes, paras 14-40, 198-201, 230-231, 277; Maass, para 12; "
                    "Wikipedia contributors, October Revolution; Wikipedia contributors, Alexander Kerensky, Early life")
    assert sources_line([]) == ""


def test_a_reading_by_no_one_in_particular_is_named_by_its_title() -> None:
    # before: "Sources: unknown, para 52" and "Wikipedia contributors, para 18", though the library held two
    # readings of unknown authors and fourteen by Wikipedia's contributors
    cites = [Citation("r1", "Leninism", "unknown", "Criticism, para 52"),
             Citation("r2", "Communist Party of the Soviet Union", "Wikipedia contributors", "para 18"),
             Citation("r3", "The legacy of 1917", "Alan Maass", "para 62")]
    assert sources_line(cites) == ("Sources: Leninism, para 52; Wikipedia contributors, Communist Party of the "
                                   "Soviet Union, para 18; Maass, para 62")


def test_a_timeline_names_figes_once(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/timeline 1917")
    line = reply.sources_line()
    names = readings_named(line)
    assert names.count("Figes") == 1 and len(names) == len(set(names))
    assert len(line) < 400 and "Orlando Figes, Revolutionary Russia" not in reply.text()
    assert re.search(r"Figes, paras \d+(-\d+)?(, \d+(-\d+)?)*", line)
    # the same line on every platform: built once in the core
    msg = messages_for(reply)[-1]
    assert msg.embeds[-1].footer.text == line
    _, blocks = blocks_for(reply)
    assert blocks[-1]["elements"][0]["text"] == line


def test_a_card_with_the_readings_names_each_once(seeded: dict[str, Clio]) -> None:
    app = seeded["russian-revolution"]
    for command in ("/who Lenin", "/what Bolsheviks", "/onthisday 7 Nov", "/timeline 1917-1921"):
        reply = app.handle_text(command)
        names = readings_named(reply.sources_line())
        assert len(names) == len(set(names)), (command, reply.sources_line())
        titles = {(c.author, c.title) for c in reply.citations}
        assert len(names) == len(titles), command


def test_sources_count_one_entry_in_the_singular(pack_app: Clio) -> None:
    text = pack_app.handle_text("/sources").text()
    assert "cited by 1 pack entry\n" in text + "\n" and "cited by 1 pack entries" not in text, text


def test_a_passage_is_cut_to_show_where_it_names_the_entry() -> None:
    from bot.text import excerpt_at

    # the Bastille Day article names the fall of Robespierre in its last line: the card showed its first lines,
    # about the Third Republic, and not the words that tie it to the event
    text = ("Decades later a republican ministry looked for a holiday of its own, and a long press campaign, "
            "with a deputy's bill and dozens of signatures, kept the question alive in parliament for years. "
            "Rival anniversaries had their champions: the night of 4 August, the opening of the Estates in May, "
            "27 July (the fall of Robespierre) and the king's death in January, until the summer date won.")
    cut = excerpt_at(text, ["Fall of Robespierre", "9 Thermidor"], limit=200)
    assert "fall of Robespierre" in cut and cut.startswith("…") and len(cut) <= 202
    assert not cut.startswith("…Decades")
    # a name near the start, or none at all: the passage's opening, as before
    assert excerpt_at(text, ["republican ministry"], limit=200).startswith("Decades later")
    assert excerpt_at(text, ["Danton"], limit=200).startswith("Decades later")
    assert excerpt_at("A short passage.", ["Danton"]) == "A short passage."


def test_a_search_shows_each_passage_where_it_holds_the_word(seeded: dict[str, Clio]) -> None:
    # before: each passage from its opening, cut at 280 characters, where the word searched may not stand
    app = seeded["russian-revolution"]
    for word in ("Ipatiev", "Kronstadt", "Gapon"):
        reply = app.handle_text(f"/search {word}")
        passages = [f for f in reply.fields if "(" in f.name]
        assert passages, word
        assert all(word.lower() in f.value.lower() for f in passages), (word, [f.value[:120] for f in passages])
