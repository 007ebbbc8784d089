"""Several packs in one deployment (issue 22 item 1): one process and one database serve a French and a Russian
study group, each reading its own pack; admins choose with /pack use, members are refused; the choice holds on
Discord (through the fake Discord) and Slack (signed requests) as on the console."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest

from adapters import console
from bot import store
from bot.app import Clio
from bot.events import Context
from tests.conftest import TEST_PACKS
from tests.test_discord import fake  # noqa: F401  (the local Discord fixture)
from tests.test_schedule import FakeOutbox
from tests.test_slack import slack  # noqa: F401  (the Slack fixture: signed requests into the bolt app)

FR = Context(workspace="discord:fr", channel="salon", user_id="marie", user_name="Marie", is_admin=True,
             platform="discord")
RU = Context(workspace="discord:ru", channel="kruzhok", user_id="ivan", user_name="Ivan", is_admin=True,
             platform="discord")
FR_MEMBER = Context(workspace="discord:fr", channel="salon", user_id="paul", user_name="Paul", platform="discord")


@pytest.fixture
def two_packs(mini_app: Clio) -> Clio:
    """The test packs' deployment (default: mini, the Russian one), where the French group chose mini-fr."""
    assert mini_app.handle_text("/pack use mini-fr", FR).ok
    return mini_app


def test_every_pack_of_the_content_directory_is_indexed_once_in_one_file(mini_app: Clio) -> None:
    packs = store.indexed_packs(mini_app.db)
    assert set(packs) == {"mini", "mini-fr"}
    assert packs["mini-fr"]["people"] == 2 and packs["mini"]["people"] == 4
    assert store.count(mini_app.db, "entities", "where pack = 'mini-fr' and type = 'person'") == 2
    assert mini_app.ensure_index() is False  # nothing changed: nothing indexed again


def test_each_group_sees_its_own_pack_in_who_when_timeline_and_on_this_day(two_packs: Clio) -> None:
    app = two_packs
    assert "Robespierre" in app.handle_text("/who Robespierre", FR).title
    assert not app.handle_text("/who Robespierre", RU).ok
    assert "Kornilov" in app.handle_text("/who Kornilov", RU).title
    assert not app.handle_text("/who Kornilov", FR).ok
    bastille = app.handle_text("/when Storming of the Bastille", FR)
    assert bastille.ok and "14 Jul 1789" in bastille.text()
    assert not app.handle_text("/when Storming of the Bastille", RU).ok
    assert "Winter Palace" in app.handle_text("/when Winter Palace", RU).title
    assert "Bastille" in app.handle_text("/timeline 1789", FR).text()
    nothing = app.handle_text("/timeline 1789", RU)
    assert not nothing.ok and "from 1917 to 1918" in nothing.body  # what its own pack covers, not a fixed span
    assert "Winter Palace" not in app.handle_text("/timeline 1917", FR).text()
    assert "Bastille" in app.handle_text("/onthisday 14 Jul", FR).text()
    assert "Bastille" not in app.handle_text("/onthisday 14 Jul", RU).text()
    assert "Winter Palace" in app.handle_text("/onthisday 7 Nov", RU).text()
    assert "Winter Palace" not in app.handle_text("/onthisday 7 Nov", FR).text()
    assert "Jacobins" in app.handle_text("/search Jacobin", FR).text()
    assert "Jacobins" not in app.handle_text("/search Jacobin", RU).text()
    assert "Robespierre" in app.handle_text("who was Robespierre", FR).text()  # an everyday question too
    sources = app.handle_text("/sources", FR).text()
    assert "French Revolution" in sources and "Figes" not in sources


def test_a_name_only_another_pack_has_says_which_pack_and_how_to_add_it(two_packs: Clio) -> None:
    app = two_packs
    title = store.indexed_packs(app.db)["mini-fr"]["title"]
    robespierre = app.handle_text("/who Robespierre", RU)
    assert not robespierre.ok and robespierre.match is None  # the group still sees its own pack's entries only
    assert f"“{title}”" in robespierre.body and "/pack use mini mini-fr" in robespierre.body
    assert "Robespierre" in robespierre.body and not robespierre.fields  # named, not shown
    bastille = app.handle_text("/when Storming of the Bastille", RU)
    assert not bastille.ok and "/pack use mini mini-fr" in bastille.body
    kornilov = app.handle_text("/who Kornilov", FR)
    assert not kornilov.ok and "/pack use mini-fr mini" in kornilov.body
    nobody = app.handle_text("/who Napoleon Bonaparte", RU)  # in neither pack: no pack to point to
    assert not nobody.ok and "/pack use" not in nobody.body


async def test_the_other_pack_is_named_from_reader_threads_too(two_packs: Clio) -> None:
    # through the door: lookups run on reader threads, each on its own connection
    answers = await asyncio.gather(*(two_packs.call(ctx, f"/who {name}") for ctx, name in
                                     [(RU, "Robespierre"), (FR, "Kornilov")] * 3))
    assert all(not a.ok and "/pack use" in a.body for a in answers), [a.text() for a in answers]
    two_packs.close()


def test_dates_follow_the_groups_pack_calendar(two_packs: Clio) -> None:
    fall = two_packs.handle_text("/when fall of Robespierre", FR).text()
    assert "Thermidor" in fall  # the French pack shows its Republican date
    assert "O.S." in two_packs.handle_text("/when Winter Palace", RU).text()  # the Russian one Old Style


def test_banner_help_and_examples_come_from_the_groups_pack(two_packs: Clio) -> None:
    app = two_packs
    assert "French Revolution" in app.banner(FR.workspace) and "Russian" not in app.banner(FR.workspace)
    assert "Russian Revolution" in app.banner(RU.workspace)
    assert "French Revolution" in app.handle_text("/help", FR).title
    assert "Russian Revolution" in app.handle_text("/help", RU).title
    fr_examples, ru_examples = app.handle_text("/help who", FR).text(), app.handle_text("/help who", RU).text()
    assert "Robespierre" in fr_examples or "Louis XVI" in fr_examples
    assert "Robespierre" not in ru_examples and "Louis XVI" not in ru_examples
    assert "/who" in app.handle_text("/who", FR).body  # the hint names one of its own people
    assert "Robespierre" in app.handle_text("/who", FR).body or "Louis" in app.handle_text("/who", FR).body


def test_the_console_banner_says_what_its_packs_are_about(mini_app: Clio) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = io.StringIO()
    console.chat(mini_app, Terminal("/pack use mini-fr\n"), out)
    assert "ask about the Russian Revolution (a tiny test pack)" in out.getvalue()
    out = io.StringIO()
    console.chat(mini_app, Terminal(""), out)  # the console's workspace chose the French pack
    assert "ask about the French Revolution (a tiny test pack)" in out.getvalue()


def test_quiz_topics_and_questions_come_from_the_groups_pack(two_packs: Clio) -> None:
    app = two_packs
    fr_questions = {q["question"] for q in store.questions(app.db, ["mini-fr"])}
    started = app.handle_text("/quiz start Bastille 1 10", FR)
    assert started.ok and "Bastille" in started.text()
    assert not app.handle_text("/quiz start Bastille 1 10", RU).ok  # no such topic in the Russian pack
    assert app.handle_text("/quiz stop", FR).ok
    app.handle_text("/quiz start 2 10", FR)
    quiz = app.quiz.repo.running(FR.workspace, FR.channel)
    asked = [app.quiz.repo.question(quiz.id, i).question for i in range(quiz.total)]
    assert asked and set(asked) <= fr_questions
    assert app.handle_text("/quiz start 1917 1 10", RU).ok
    assert not app.handle_text("/quiz start 1917 1 10", Context(**{**FR.__dict__, "channel": "other"})).ok


async def test_each_group_gets_its_own_daily_post(two_packs: Clio) -> None:
    app = two_packs
    for ctx in (FR, RU):
        assert app.handle_text("/schedule set 09:00 UTC", ctx).ok
    app.clock = lambda: dt.datetime(2026, 7, 14, 9, 1, tzinfo=dt.UTC)
    outbox = FakeOutbox()
    await app.scheduler(outbox).tick()
    posts = {ref.workspace: reply.text() for ref, reply in outbox.sent}
    assert set(posts) == {FR.workspace, RU.workspace}
    assert "Bastille" in posts[FR.workspace]
    assert "Bastille" not in posts[RU.workspace]


def test_an_admin_switches_a_groups_packs_and_a_member_is_refused(two_packs: Clio) -> None:
    app = two_packs
    listed = app.handle_text("/pack list", FR_MEMBER)  # anyone may look
    assert listed.ok
    lines = {f.name: f.value for f in listed.fields}
    assert any("mini-fr" in name and "in use" in name for name in lines)
    assert any("(mini)" in name and "in use" not in name for name in lines)
    assert any("2 people" in v for v in lines.values()) and any("4 people" in v for v in lines.values())
    refused = app.handle_text("/pack use mini", FR_MEMBER)
    assert not refused.ok and "admins" in refused.body
    assert app.packs_of(FR.workspace) == ("mini-fr",)
    unknown = app.handle_text("/pack use atlantis", FR)
    assert not unknown.ok and "mini-fr" in unknown.body  # says which packs there are
    assert app.handle_text("/pack use mini mini-fr", FR).ok  # several at once
    assert app.handle_text("/who Kornilov", FR).ok and app.handle_text("/who Robespierre", FR).ok
    assert app.handle_text("/pack use mini", FR).ok
    assert not app.handle_text("/who Robespierre", FR).ok
    assert app.handle_text("/pack use default", FR).ok
    assert app.workspace_data.chosen_packs(FR.workspace) is None


def test_the_operators_default_is_what_a_new_group_reads(tmp_path: Path, make_app) -> None:  # noqa: ANN001
    app = make_app(tmp_path / "c.db", pack="mini-fr")
    newcomer = Context(workspace="slack:T9", channel="C1", user_id="U1", platform="slack")
    assert app.handle_text("/who Robespierre", newcomer).ok
    assert not app.handle_text("/who Kornilov", newcomer).ok
    both = make_app(tmp_path / "d.db", pack="mini,mini-fr")
    assert both.handle_text("/who Robespierre", newcomer).ok and both.handle_text("/who Kornilov", newcomer).ok


def test_an_entry_id_may_repeat_across_packs(tmp_path: Path, make_app) -> None:  # noqa: ANN001
    content = tmp_path / "content"
    shutil.copytree(TEST_PACKS / "mini", content / "mini")
    twin = content / "twin"
    shutil.copytree(TEST_PACKS / "mini", twin)
    (twin / "pack.yaml").write_text((twin / "pack.yaml").read_text().replace("id: mini\n", "id: twin\n"))
    people = twin / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8").replace(
        "Test summary: an army commander", "Twin summary: a commander"), encoding="utf-8")
    app = make_app(tmp_path / "c.db", content_dir=content, pack="mini")
    assert store.count(app.db, "entities", "where name = 'Lavr Kornilov'") == 2  # the same id in both packs
    other = Context(workspace="discord:twin", user_id="a", is_admin=True, platform="discord")
    assert app.handle_text("/pack use twin", other).ok
    assert app.handle_text("/who Kornilov", other).body.startswith("Twin summary")
    assert app.handle_text("/who Kornilov", RU).body.startswith("Test summary")
    assert app.handle_text("/quiz start Kornilov 1 10", other).ok


def test_a_broken_extra_pack_is_left_out_and_the_deployment_still_starts(tmp_path: Path, make_app) -> None:  # noqa: ANN001
    content = tmp_path / "content"
    shutil.copytree(TEST_PACKS / "mini", content / "mini")
    (content / "broken").mkdir()
    (content / "broken" / "pack.yaml").write_text("id: broken\ntitle: [oops\n")
    app = make_app(tmp_path / "c.db", content_dir=content, pack="mini")
    assert set(store.indexed_packs(app.db)) == {"mini"}
    assert app.handle_text("/who Kornilov", RU).ok


async def test_the_door_answers_each_group_from_its_own_pack(two_packs: Clio) -> None:
    app = two_packs
    try:
        assert "Robespierre" in (await app.call(FR, "/who Robespierre")).title
        assert not (await app.call(RU, "/who Robespierre")).ok
        assert "Kornilov" in (await app.call(RU, "/who Kornilov")).title
        assert (await app.call(FR, "/pack use mini")).ok
        assert "Kornilov" in (await app.call(FR, "/who Kornilov")).title
        assert app.complete_for(RU.workspace, "who", "Robes") == []
        assert app.complete_for(FR.workspace, "who", "Korn") == ["Lavr Kornilov"]
    finally:
        app.close()


# --- Discord and Slack -------------------------------------------------------------------------------------


async def test_pack_list_and_use_on_discord(fake, mini_app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.fake_discord import ADMIN_ID, GUILD_ID
    from tests.test_discord import callback_of, ephemeral, start_bot, text_of

    client = await start_bot(fake, mini_app, monkeypatch)
    try:
        listed = await fake.wait_for(callback_of(await fake.slash("pack", [{"type": 1, "name": "list", "options": []}])))
        assert "mini-fr" in text_of(listed.body) and "in use" in text_of(listed.body)
        use = [{"type": 1, "name": "use", "options": [{"type": 3, "name": "id", "value": "mini-fr"}]}]
        refused = await fake.wait_for(callback_of(await fake.slash("pack", use)))
        assert ephemeral(refused) and mini_app.workspace_data.chosen_packs(f"discord:{GUILD_ID}") is None
        done = await fake.wait_for(callback_of(await fake.slash("pack", use, user_id=ADMIN_ID)))
        assert not ephemeral(done) and "French" in text_of(done.body)
        who = await fake.wait_for(callback_of(await fake.slash("who", [{"type": 3, "name": "name",
                                                                          "value": "Robespierre"}])))
        assert "Robespierre" in text_of(who.body)
    finally:
        await client.close()
        await client.task  # type: ignore[attr-defined]


async def test_pack_list_and_use_on_slack(slack, mini_app: Clio) -> None:  # type: ignore[no-untyped-def]
    from tests.test_slack import TEAM, command, post, signed

    fake, fake_url, url, _ = slack
    for n, (user, text) in enumerate([("UMEMBER", "pack list"), ("UMEMBER", "pack use mini-fr"),
                                      ("UADMIN", "pack use mini-fr"), ("UMEMBER", "who Robespierre")], start=1):
        body = command(text, fake_url, user=user)
        assert await post(url, body, signed(body)) == 200
        await fake.wait_for("respond", n)
    listed, refused, done, who = fake.of("respond")
    assert "mini-fr" in listed["text"] and "/clio pack use" in listed["text"]
    assert refused["response_type"] == "ephemeral" and "admins" in refused["text"]
    assert done["response_type"] == "in_channel" and mini_app.packs_of(f"slack:{TEAM}") == ("mini-fr",)
    assert "Maximilien Robespierre" in who["text"]

