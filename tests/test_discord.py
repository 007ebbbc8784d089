"""The Discord adapter: the real discord.py client (AutoShardedClient, CommandTree, dynamic-item buttons)
against a local Discord on loopback (tests/fake_discord.py). Every assertion reads what went over the wire
to Discord, as Discord would see it; the fake refuses what Discord would refuse (limits: 400/50035)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("discord")
import discord  # noqa: E402

from adapters.discord.client import ClioDiscord, DiscordConfigError, DiscordSettings, run, settings_from_env  # noqa: E402
from adapters.discord.render import EMBED_TOTAL_CHARS, messages_for  # noqa: E402

from bot.app import Clio  # noqa: E402
from bot.commands import REGISTRY  # noqa: E402
from bot.events import Context  # noqa: E402
from bot.response import Field, Reply  # noqa: E402
from tests.fake_discord import (ADMIN_ID, CHANNEL_ID, GUILD_ID, MANAGE_GUILD, MEMBER_ID, OTHER_CHANNEL_ID, USERS,  # noqa: E402
                                Call, FakeDiscord, check_message, member)
from tests.quizplay import rescored_only_question_2, two_wrong_answers  # noqa: E402
from tests.records import Records  # noqa: E402

MESSAGE_CONTENT = 1 << 15
GUILD_MEMBERS = 1 << 1


@pytest.fixture
async def fake():
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


async def start_bot(fake: FakeDiscord, clio: Clio, monkeypatch: pytest.MonkeyPatch, **settings: Any) -> ClioDiscord:
    # the two seams to a local Discord: REST base, and (for AutoShardedClient) GET /gateway/bot answers our URL
    monkeypatch.setattr(discord.http.Route, "BASE", fake.url + "/api/v10")
    client = ClioDiscord(clio, DiscordSettings(token=fake.token, **{"background": False, **settings}),
                         guild_ready_timeout=0.05)
    client.task = asyncio.create_task(client.start(fake.token))  # type: ignore[attr-defined]
    await asyncio.wait_for(client.wait_until_ready(), 10)
    return client


@pytest.fixture
async def bot(fake, mini_app, monkeypatch, caplog):
    client = await start_bot(fake, mini_app, monkeypatch)
    yield client
    await client.close()
    await client.task  # type: ignore[attr-defined]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, f"the bot logged errors: {[r.getMessage() for r in errors]}"


def callback_of(payload: dict[str, Any]):
    return lambda c: c.path.startswith(f"/interactions/{payload['id']}/") and c.path.endswith("/callback")


def followup_of(payload: dict[str, Any]):
    """A followup message of an interaction (a second message of the same answer)."""
    return lambda c: c.method == "POST" and c.path.startswith("/webhooks/") and payload["token"] in c.path


def ephemeral(call: Call) -> bool:
    data = call.body.get("data", call.body)
    return bool((data.get("flags") or 0) & 64)


def text_of(body: dict[str, Any]) -> str:
    data = body.get("data", body)
    parts = [data.get("content") or ""]
    for e in data.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or "", (e.get("footer") or {}).get("text", "")]
        parts += [f"{f['name']} {f['value']}" for f in e.get("fields") or []]
    return "\n".join(parts)


def buttons_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    data = body.get("data", body)
    return [b for row in data.get("components") or [] for b in row.get("components", [])]


# --- login, intents, the command tree -------------------------------------------------------------------


async def test_login_identifies_sharded_with_no_privileged_intents_and_syncs_every_core_command(bot, fake):
    ident = fake.identifies[0]
    assert ident["token"] == fake.token
    assert ident["shard"] == [0, 1]  # AutoShardedClient, shard count from GET /gateway/bot
    assert not ident["intents"] & MESSAGE_CONTENT and not ident["intents"] & GUILD_MEMBERS
    sync = await fake.wait_for(lambda c: c.method == "PUT" and c.path.endswith("/commands"))
    commands = {c["name"]: c for c in sync.body}
    assert set(commands) == set(REGISTRY) | {"ingest"}  # generated from the registry: nothing to keep in sync
    who = commands["who"]["options"][0]
    assert who["type"] == 3 and who["required"] and who["autocomplete"]
    assert commands["search"]["options"][0].get("autocomplete") in (None, False)
    assert {o["name"] for o in commands["schedule"]["options"]} == {"set", "show", "off"}
    assert {o["name"] for o in commands["quiz"]["options"]} >= {"start", "answer", "leaderboard", "appeals", "accept"}
    for admin_only in ("forget", "ingest"):  # hidden from members unless the server's admins change it
        assert int(commands[admin_only]["default_member_permissions"]) == MANAGE_GUILD
    assert all(c["contexts"] == [0] for c in sync.body)  # servers only: a workspace is a server
    assert bot.clio.health("discord") == []  # the running bot beats: the container health check passes
    assert bot.clio.health("slack")  # no Slack process here


async def test_guild_sync_when_configured(fake, mini_app, monkeypatch):
    client = await start_bot(fake, mini_app, monkeypatch, guilds=(int(GUILD_ID),))
    try:
        call = await fake.wait_for(lambda c: c.method == "PUT" and c.path.endswith("/commands"))
        assert call.path == f"/applications/{client.application_id}/guilds/{GUILD_ID}/commands"
    finally:
        await client.close()
        await client.task  # type: ignore[attr-defined]


async def test_open_answer_mode_asks_for_message_content(fake, mini_app, monkeypatch):
    client = await start_bot(fake, mini_app, monkeypatch, open_answers=True, sync=False)
    try:
        assert fake.identifies[0]["intents"] & MESSAGE_CONTENT
        assert not [c for c in fake.calls if c.path.endswith("/commands")]  # sync off: no PUT
    finally:
        await client.close()
        await client.task  # type: ignore[attr-defined]


# --- lookups ----------------------------------------------------------------------------------------------


async def test_who_with_a_typo_answers_with_an_embed_for_kornilov(bot, fake):
    payload = await fake.slash("who", [{"type": 3, "name": "name", "value": "kornilof"}])
    call = await fake.wait_for(callback_of(payload))
    assert call.body["type"] == 4 and not ephemeral(call)
    embed = call.body["data"]["embeds"][0]
    assert "Kornilov" in embed["title"]
    assert embed["footer"]["text"].startswith("Sources: ")
    assert call.body["data"]["allowed_mentions"] == {"parse": []}


async def test_a_first_name_alone_offers_choices_as_buttons_that_answer_when_clicked(bot, fake):
    payload = await fake.slash("who", [{"type": 3, "name": "name", "value": "Alexander"}])
    call = await fake.wait_for(callback_of(payload))
    labels = {b["label"]: b["custom_id"] for b in buttons_of(call.body)}
    assert "Alexander Kerensky" in labels and "Alexander III" in labels  # never a guess between the two
    message = fake.messages[next(m for m in fake.messages)]
    click = await fake.click(message, labels["Alexander Kerensky"])
    answer = await fake.wait_for(callback_of(click))
    assert "Kerensky" in answer.body["data"]["embeds"][0]["title"] and ephemeral(answer)


async def test_autocomplete_offers_at_most_25_names_best_first(fake, pack_app, monkeypatch):
    client = await start_bot(fake, pack_app, monkeypatch, sync=False)
    try:
        everyone = await fake.autocomplete("who", "name", "")
        call = await fake.wait_for(callback_of(everyone))
        assert call.body["type"] == 8 and len(call.body["data"]["choices"]) == 25  # the pack has far more people
        korn = await fake.autocomplete("who", "name", "korn")
        choices = (await fake.wait_for(callback_of(korn))).body["data"]["choices"]
        assert choices[0]["value"] == "Lavr Kornilov"
        cyrillic = await fake.autocomplete("who", "name", "Троц")
        assert (await fake.wait_for(callback_of(cyrillic))).body["data"]["choices"][0]["value"] == "Leon Trotsky"
        term = await fake.autocomplete("what", "term", "sovn")
        assert [c["value"] for c in (await fake.wait_for(callback_of(term))).body["data"]["choices"]][:1] == ["Sovnarkom"]
    finally:
        await client.close()
        await client.task  # type: ignore[attr-defined]


# --- limits and mentions ----------------------------------------------------------------------------------


async def test_an_over_long_answer_is_split_into_messages_within_discords_limits(bot, fake, mini_app):
    for i in range(45):
        mini_app.ingest(Path(f"reading-{i:02d}.txt"), workspace=f"discord:{GUILD_ID}",
                        title=f"A rather long title for reading number {i} " * 3,
                        data=f"General Kornilov and the railwaymen, part {i}.".encode())
    payload = await fake.slash("sources")
    first = await fake.wait_for(callback_of(payload))

    def followups() -> list:
        return [c for c in fake.calls if c.path.startswith("/webhooks/") and c.method == "POST"]

    def shown() -> str:
        return text_of(first.body) + "".join(text_of(c.body) for c in followups())

    # the readings are listed by title, so "number 44" comes before "number 5": wait for the last follow-up of
    # all, not for one reading's (on a loaded machine the later messages were still on their way)
    await fake.wait_for(lambda c: c.path.startswith("/webhooks/") and all(
        f"reading number {i} " in shown() for i in range(45)), timeout=15.0)
    assert all(f"reading number {i} " in shown() for i in range(45))  # nothing dropped, nothing refused
    followups = followups()
    assert all(c.body["allowed_mentions"] == {"parse": []} for c in followups)


def test_buttons_alike_are_sent_once_and_an_empty_reply_still_says_something() -> None:
    from bot.response import Button

    two_alike = Reply(ok=True, title="Which one?", buttons=[Button("Vera", "who", "Vera Figner"),
                                                            Button("Vera (the other)", "who", "Vera Figner"),
                                                            Button("Lenin", "who", "Lenin")])
    (message,) = messages_for(two_alike)
    assert [b.label for b in message.buttons] == ["Vera", "Lenin"]  # Discord refuses two alike custom_ids
    (empty,) = messages_for(Reply(ok=True))
    data = {"embeds": [e.to_dict() for e in empty.embeds]}
    check_message(data)
    assert data["embeds"][0].get("description")  # not a colour-only embed


def test_rendering_keeps_every_embed_within_limits_and_shortens_only_what_cannot_fit():
    huge = Reply(ok=True, title="T" * 400, body="word " * 5000,
                 fields=[Field(f"Field {i}", "x" * 3000) for i in range(40)])
    messages = messages_for(huge)
    for m in messages:
        check_message({"embeds": [e.to_dict() for e in m.embeds]})  # raises as Discord would answer 400
        assert sum(len(e) for e in m.embeds) <= EMBED_TOTAL_CHARS
    assert len(messages) == 5 and "shortened" in text_of({"embeds": [messages[-1].embeds[-1].to_dict()]})
    fields_only = messages_for(Reply(ok=True, title="Many", fields=[Field(f"F{i}", "y" * 1500) for i in range(60)]))
    assert all(len(e.fields) <= 25 for m in fields_only for e in m.embeds)
    assert "shortened" in fields_only[-1].embeds[-1].fields[-1].value
    small = messages_for(Reply(ok=True, title="Kornilov", body="A general.", fields=[Field("Born", "1870")]))
    assert len(small) == 1 and small[0].embeds[0].title == "Kornilov"


async def test_no_reply_can_ping_anyone(bot, fake):
    hostile = "@everyone @here <@123> <@&456> <!channel>"
    for name, opt in (("search", "text"), ("who", "name"), ("what", "term")):
        payload = await fake.slash(name, [{"type": 3, "name": opt, "value": hostile}])
        await fake.wait_for(callback_of(payload))
    payload = await fake.slash("quiz", [{"type": 1, "name": "start", "options": []}])
    await fake.wait_for(callback_of(payload))
    start = await fake.wait_for(followup_of(payload))  # the first question follows the "Quiz starting" notice
    message = next(m for m in fake.messages.values() if m["components"])
    click = await fake.click(message, buttons_of(start.body)[0]["custom_id"])
    await fake.wait_for(callback_of(click))
    await fake.wait_for(lambda c: c.method == "PATCH" and c.path.startswith("/channels/"))
    sent = fake.sent()
    assert len(sent) >= 6
    for call in sent:
        data = call.body.get("data", call.body) if call.path.endswith("/callback") else call.body
        if call.path.endswith("/callback") and call.body["type"] not in (4, 7):
            continue  # a defer carries no message
        assert data.get("allowed_mentions") == {"parse": []}, (call.method, call.path)


# --- quiz ---------------------------------------------------------------------------------------------------


async def test_quiz_buttons_are_scored_once_update_the_count_and_route_after_a_restart(
        fake, mini_app, monkeypatch, bot):
    payload = await fake.slash("quiz", [{"type": 1, "name": "start", "options": [
        {"type": 3, "name": "topic", "value": "3 30"}]}])
    intro = await fake.wait_for(callback_of(payload))
    assert "Quiz starting" in text_of(intro.body)
    start = await fake.wait_for(followup_of(payload))  # then the first question, a message of its own
    buttons = buttons_of(start.body)
    assert len(buttons) == 4 and all(b["custom_id"].startswith("clio:quiz:answer ") for b in buttons)
    question = next(m for m in fake.messages.values() if m["components"])
    quiz = mini_app.quiz.repo.running(f"discord:{GUILD_ID}", str(CHANNEL_ID))
    answer = mini_app.quiz.repo.question(quiz.id, 0).answer
    right = next(b for b in buttons if b["label"].split(". ", 1)[1] == answer)  # labels are "B. Lavr Kornilov"
    click = await fake.click(question, right["custom_id"])
    scored = await fake.wait_for(callback_of(click))
    assert ephemeral(scored) and "recorded" in text_of(scored.body)  # only the clicker sees it
    def edits(c: Call) -> bool:
        return c.method == "PATCH" and c.path == f"/channels/{CHANNEL_ID}/messages/{question['id']}"
    edit = await fake.wait_for(edits)
    assert "Answers so far 1" in text_of(edit.body)
    again = await fake.click(question, right["custom_id"])  # a second click by the same member
    await fake.wait_for(callback_of(again))
    # the question shown again with its count, before the client closes (an edit still on its way when the
    # session closed was logged as an error)
    edit2 = await fake.wait_for(lambda c: edits(c) and c is not edit)
    assert "Answers so far 1" in text_of(edit2.body)
    rows = Records(mini_app).values("quiz_answers", "correct", "where user_id = ?", [MEMBER_ID])
    assert rows == [1]  # scored right, and once

    # a new client process (same database, same messages): the buttons still route by their custom_id
    await bot.close()
    await bot.task  # type: ignore[attr-defined]
    fake.identifies.clear()
    revived = await start_bot(fake, mini_app, monkeypatch, sync=False)
    try:
        other = next(b for b in buttons if b is not right)
        late = await fake.click(question, other["custom_id"], user_id=ADMIN_ID)
        answered = await fake.wait_for(callback_of(late))
        assert ephemeral(answered) and text_of(answered.body).strip()
        assert Records(mini_app).count("quiz_answers", "where user_id = ?", [ADMIN_ID]) == 1
        edit3 = await fake.wait_for(lambda c: edits(c) and c is not edit and c is not edit2)
        assert "Answers so far 2" in text_of(edit3.body)
    finally:
        await revived.close()
        await revived.task  # type: ignore[attr-defined]


# --- admin commands -------------------------------------------------------------------------------------


async def test_a_member_cannot_set_the_daily_post_an_admin_can(bot, fake, mini_app):
    set_0900 = [{"type": 1, "name": "set", "options": [{"type": 3, "name": "time", "value": "09:00 Europe/London"}]}]
    refused = await fake.wait_for(callback_of(await fake.slash("schedule", set_0900)))
    assert ephemeral(refused) and "Manage Server" in text_of(refused.body)
    assert mini_app.schedules.subscription(f"discord:{GUILD_ID}", str(CHANNEL_ID)) is None

    # Discord's check passed (a forged permissions field) but the member's roles say no: the core refuses too
    forged = fake.interaction(2, {"id": "1", "name": "schedule", "type": 1, "options": set_0900})
    forged["member"]["permissions"] = str(int(forged["member"]["permissions"]) | MANAGE_GUILD)
    await fake.dispatch("INTERACTION_CREATE", forged)
    core = await fake.wait_for(callback_of(forged))
    assert ephemeral(core) and "admins" in text_of(core.body)
    assert mini_app.schedules.subscription(f"discord:{GUILD_ID}", str(CHANNEL_ID)) is None

    done = await fake.wait_for(callback_of(await fake.slash("schedule", set_0900, user_id=ADMIN_ID)))
    assert not ephemeral(done)
    assert mini_app.schedules.subscription(f"discord:{GUILD_ID}", str(CHANNEL_ID)).post_time == "09:00"
    shown = await fake.wait_for(callback_of(await fake.slash("schedule", [{"type": 1, "name": "show", "options": []}])))
    assert "09:00" in text_of(shown.body)  # members may look


async def test_a_daily_post_reaches_its_channel_once_and_a_deleted_channel_pauses_it(bot, fake, mini_app):
    for cid in (CHANNEL_ID, OTHER_CHANNEL_ID):
        opts = [{"type": 1, "name": "set", "options": [{"type": 3, "name": "time", "value": "09:00 Europe/London"}]}]
        await fake.wait_for(callback_of(await fake.slash("schedule", opts, user_id=ADMIN_ID, channel_id=cid)))
    fake.gone.add(OTHER_CHANNEL_ID)  # deleted after subscribing
    mini_app.clock = lambda: dt.datetime(2026, 11, 7, 9, 1, tzinfo=dt.UTC)  # 7 Nov: the Winter Palace, N.S.
    scheduler = mini_app.scheduler(bot.outbox)
    for _ in range(2):
        await scheduler.tick()
    posts = [c for c in fake.calls if c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages"]
    assert len(posts) == 1
    assert "Winter Palace" in text_of(posts[0].body) and posts[0].body["allowed_mentions"] == {"parse": []}
    sub = mini_app.schedules.subscription(f"discord:{GUILD_ID}", str(OTHER_CHANNEL_ID))
    assert not sub.active and sub.paused_reason == "the channel no longer exists"  # no retries into it


async def test_a_daily_post_delivered_before_a_crash_is_found_in_the_channel_and_not_sent_again(bot, fake, mini_app):
    from bot.events import ConversationRef
    from bot.services.schedule import daily_marker

    opts = [{"type": 1, "name": "set", "options": [{"type": 3, "name": "time", "value": "09:00 Europe/London"}]}]
    await fake.wait_for(callback_of(await fake.slash("schedule", opts, user_id=ADMIN_ID)))
    day = dt.date(2026, 11, 7)
    ref = ConversationRef("discord", f"discord:{GUILD_ID}", str(CHANNEL_ID))
    assert not await bot.outbox.posted(ref, daily_marker(day))
    await bot.outbox.send(ref, Reply(ok=True, title="On this day", body="x", marker=daily_marker(day)))
    assert await bot.outbox.posted(ref, daily_marker(day))  # read back from the channel's history
    assert not await bot.outbox.posted(ref, daily_marker(day + dt.timedelta(days=1)))
    # the process died before marking it sent: the claim shows an attempt, and its lease has run out
    mini_app.schedules.claim_post(f"discord:{GUILD_ID}", str(CHANNEL_ID), day.isoformat(), "2026-11-07T09:00:00+00:00",
                                  "2026-11-07T08:45:00+00:00")
    mini_app.schedules.finish_claim(f"discord:{GUILD_ID}", str(CHANNEL_ID), day.isoformat(), attempts=1)
    mini_app.clock = lambda: dt.datetime(2026, 11, 7, 9, 20, tzinfo=dt.UTC)
    before = len([c for c in fake.calls if c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages"])
    assert await mini_app.scheduler(bot.outbox).tick() == 1
    after = len([c for c in fake.calls if c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages"])
    assert after == before  # found, counted as sent, not posted again


async def test_an_admin_ingests_an_attachment_with_progress_a_member_cannot(bot, fake, mini_app):
    text = "\n\n".join(f"Paragraph {i}: General Kornilov ordered troops towards Petrograd in August 1917."
                       for i in range(3000))
    fake.files["kornilov-notes.txt"] = text.encode()

    def attachment_option() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        att = {"id": fake.next_id(), "filename": "kornilov-notes.txt", "size": len(text.encode()),
               "url": f"{fake.url}/attachments/kornilov-notes.txt", "proxy_url": f"{fake.url}/attachments/kornilov-notes.txt",
               "content_type": "text/plain"}
        return [{"type": 11, "name": "reading", "value": att["id"]}], {"attachments": {att["id"]: att}}

    options, resolved = attachment_option()
    refused = await fake.wait_for(callback_of(await fake.slash("ingest", options, resolved=resolved)))
    assert ephemeral(refused) and "Manage Server" in text_of(refused.body)
    assert not mini_app.readings.sources(f"discord:{GUILD_ID}")

    bot.progress_every = 0.01
    options, resolved = attachment_option()
    payload = await fake.slash("ingest", options, resolved=resolved, user_id=ADMIN_ID)
    deferred = await fake.wait_for(callback_of(payload))
    assert deferred.body["type"] == 5
    final = await fake.wait_for(lambda c: c.method == "PATCH" and "@original" in c.path
                                and "Reading added" in text_of(c.body), timeout=30)
    assert "3,000 passages" in text_of(final.body) or "3000 passages" in text_of(final.body)
    progress = [c for c in fake.calls if c.method == "PATCH" and "Indexing kornilov-notes.txt" in text_of(c.body)]
    assert progress, "no progress edit while indexing"
    assert [s["title"] for s in mini_app.readings.sources(f"discord:{GUILD_ID}")]
    found = await fake.wait_for(callback_of(await fake.slash("search", [{"type": 3, "name": "text", "value": "railwaymen"}])))
    assert found.body["type"] == 4


async def test_a_second_upload_at_once_is_told_it_is_queued_and_then_added(bot, fake, mini_app):
    """Two /ingest in one server at the same moment: the reply of the one that must wait says so, then both
    readings are added, one after the other."""
    payloads = []
    for i, n in ((1, 3000), (2, 50)):
        name = f"reading-{i}.txt"
        text = "\n\n".join(f"Part {j}: General Kornilov ordered troops towards Petrograd in August 1917."
                           for j in range(n))
        fake.files[name] = text.encode()
        att = {"id": fake.next_id(), "filename": name, "size": len(text.encode()), "url": f"{fake.url}/attachments/{name}",
               "proxy_url": f"{fake.url}/attachments/{name}", "content_type": "text/plain"}
        payloads.append(await fake.slash("ingest", [{"type": 11, "name": "reading", "value": att["id"]}],
                                         resolved={"attachments": {att["id"]: att}}, user_id=ADMIN_ID))
    for p in payloads:
        assert (await fake.wait_for(callback_of(p))).body["type"] == 5
    queued = await fake.wait_for(lambda c: c.method == "PATCH" and "@original" in c.path
                                 and " is queued" in text_of(c.body), timeout=30)  # whichever came second
    assert re.match(r"reading-[12]\.txt is queued: Clio is adding this group's last one first", text_of(queued.body))
    for title in ("reading-1", "reading-2"):
        await fake.wait_for(lambda c, t=title: c.method == "PATCH" and "@original" in c.path
                            and "Reading added" in text_of(c.body) and t in text_of(c.body), timeout=60)
    assert sorted(s["filename"] for s in mini_app.readings.sources(f"discord:{GUILD_ID}")) == ["reading-1.txt",
                                                                                               "reading-2.txt"]


# --- the operator's side -----------------------------------------------------------------------------------


def test_settings_give_one_clear_line_for_a_missing_or_malformed_token():
    with pytest.raises(DiscordConfigError, match="DISCORD_TOKEN is not set"):
        settings_from_env({})
    with pytest.raises(DiscordConfigError, match="does not look like"):
        settings_from_env({"DISCORD_TOKEN": "abc def"})
    with pytest.raises(DiscordConfigError, match="CLIO_DISCORD_SHARDS"):
        settings_from_env({"DISCORD_TOKEN": "x" * 40, "CLIO_DISCORD_SHARD_IDS": "0,1"})
    s = settings_from_env({"DISCORD_TOKEN": "x" * 40, "CLIO_DISCORD_GUILDS": "1, 2", "CLIO_DISCORD_SHARDS": "4",
                           "CLIO_DISCORD_SHARD_IDS": "2,3"})
    assert s.guilds == (1, 2) and s.shard_count == 4 and s.shard_ids == (2, 3)


async def test_a_rejected_token_is_a_clear_error(fake, mini_app, monkeypatch):
    monkeypatch.setattr(discord.http.Route, "BASE", fake.url + "/api/v10")
    with pytest.raises(DiscordConfigError, match="rejected DISCORD_TOKEN"):
        await run(mini_app, {"DISCORD_TOKEN": "wrong-token-for-this-fake-discord"})


def test_clio_discord_without_a_token_exits_with_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["CLIO_DB"] = str(tmp_path / "clio.db")
    proc = subprocess.run([sys.executable, "-m", "adapters.cli", "discord"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["clio: DISCORD_TOKEN is not set: give the bot token from the Discord "
                                                "developer portal"]


async def test_an_appeal_on_question_2_of_5_rescores_question_2_only(bot, fake, mini_app):
    where = {"workspace": f"discord:{GUILD_ID}", "channel": str(CHANNEL_ID), "platform": "discord"}
    quiz_id = two_wrong_answers(mini_app, Context(**where, user_id=str(MEMBER_ID), user_name="Vera"),
                                Context(**where, user_id=str(ADMIN_ID), user_name="Admin", is_admin=True))
    appeal = await fake.slash("quiz", [{"type": 1, "name": "appeal", "options": [
        {"type": 3, "name": "text", "value": "2 my answer fits what Figes writes"}]}])
    filed = await fake.wait_for(callback_of(appeal))
    assert ephemeral(filed) and "On question 2" in text_of(filed.body)
    accept = await fake.slash("quiz", [{"type": 1, "name": "accept", "options": [
        {"type": 3, "name": "id", "value": "1"}]}], user_id=ADMIN_ID)
    done = await fake.wait_for(callback_of(accept))
    assert "to question 2 now count as right: Vera +100" in text_of(done.body)
    assert rescored_only_question_2(mini_app, quiz_id, str(MEMBER_ID))


async def test_open_mode_answers_typed_in_the_channel_are_taken_without_pinging(fake, mini_app, monkeypatch):
    client = await start_bot(fake, mini_app, monkeypatch, open_answers=True, sync=False)
    try:
        start = await fake.slash("quiz", [{"type": 1, "name": "start", "options": [
            {"type": 3, "name": "topic", "value": "kornilov 1 30 open"}]}])
        assert "Quiz starting" in text_of((await fake.wait_for(callback_of(start))).body)
        assert "Type your answer" in text_of((await fake.wait_for(followup_of(start))).body)
        typed = {"id": fake.next_id(), "channel_id": CHANNEL_ID, "guild_id": GUILD_ID, "author": USERS[MEMBER_ID],
                 "member": {k: v for k, v in member(MEMBER_ID).items() if k != "user"}, "content": "Lavr Kornilov",
                 "timestamp": "2026-11-23T12:00:00+00:00", "edited_timestamp": None, "tts": False,
                 "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
                 "pinned": False, "type": 0, "flags": 0}
        await fake.dispatch("MESSAGE_CREATE", typed)
        reply = await fake.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages")
        assert str(reply.body["message_reference"]["message_id"]) == typed["id"]  # a reply to the answer
        assert reply.body["allowed_mentions"] == {"parse": [], "replied_user": False}
        assert "got it first" in text_of(reply.body) and "the answer is Lavr Kornilov" in text_of(reply.body)
        rows = Records(mini_app).values("quiz_answers", "correct", "where user_id = ?", [MEMBER_ID])
        assert rows == [1]  # the typed answer was recorded as right
    finally:
        await client.close()
        await client.task  # type: ignore[attr-defined]


async def test_an_open_quiz_is_played_with_the_answer_command_without_message_content(bot, fake, mini_app):
    start = await fake.slash("quiz", [{"type": 1, "name": "start", "options": [
        {"type": 3, "name": "topic", "value": "kornilov 1 30 open"}]}])
    await fake.wait_for(followup_of(start))  # the question
    wrong = await fake.slash("quiz", [{"type": 1, "name": "answer", "options": [
        {"type": 3, "name": "x", "value": "Denikin"}]}])
    said = await fake.wait_for(callback_of(wrong))
    assert ephemeral(said) and "Not that" in text_of(said.body)  # the guess is the member's own
    right = await fake.slash("quiz", [{"type": 1, "name": "answer", "options": [
        {"type": 3, "name": "x", "value": "Lavr Kornilov"}]}])
    reveal = await fake.wait_for(callback_of(right))
    assert not ephemeral(reveal) and "got it first" in text_of(reveal.body)  # the reveal is the channel's
    final = await fake.wait_for(lambda c: followup_of(right)(c) and "Quiz over" in text_of(c.body))
    assert not ephemeral(final)
    assert Records(mini_app).values("quiz_answers", "correct", "where user_id = ? order by correct",
                                    [MEMBER_ID]) == [1]


async def test_a_letter_chosen_by_command_is_shown_to_the_member_alone(bot, fake):
    start = await fake.slash("quiz", [{"type": 1, "name": "start", "options": [
        {"type": 3, "name": "topic", "value": "1 30"}]}])
    await fake.wait_for(followup_of(start))
    chosen = await fake.slash("quiz", [{"type": 1, "name": "answer", "options": [
        {"type": 3, "name": "x", "value": "B"}]}])
    said = await fake.wait_for(callback_of(chosen))
    assert ephemeral(said) and "Answer B recorded" in text_of(said.body)  # the channel never sees the letter


# --- weekly quiz nights ---------------------------------------------------------------------------------------


async def test_a_scheduled_quiz_night_is_announced_then_posts_its_question_to_the_channel(bot, fake, mini_app):
    now = [dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)]  # a Monday
    mini_app.clock = lambda: now[0]
    when = [{"type": 1, "name": "schedule", "options": [{"type": 3, "name": "day", "value": "Fri 19:30 Europe/London 2 20"}]}]
    refused = await fake.wait_for(callback_of(await fake.slash("quiz", when)))  # a member: the core says no
    assert ephemeral(refused) and "admins" in text_of(refused.body)
    done = await fake.wait_for(callback_of(await fake.slash("quiz", when, user_id=ADMIN_ID)))
    assert not ephemeral(done) and "Every Friday at 19:30 (Europe/London)" in text_of(done.body)

    scheduler = mini_app.scheduler(bot.outbox, "discord")
    posts = lambda: [c for c in fake.calls if c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages"]  # noqa: E731
    for moment in ((2026, 11, 20, 19, 0), (2026, 11, 20, 19, 1), (2026, 11, 20, 19, 30), (2026, 11, 20, 19, 30, 5)):
        now[0] = dt.datetime(*moment, tzinfo=dt.UTC)  # 19:30 GMT in November
        await scheduler.tick()
    announcement, intro, question = posts()  # once each, however often the loop ticks
    assert "Quiz night in 30 minutes" in text_of(announcement.body) and "Quiz starting" in text_of(intro.body)
    assert "Question 1 of 2" in text_of(question.body) and len(buttons_of(question.body)) == 4
    assert all(p.body["allowed_mentions"] == {"parse": []} for p in (announcement, intro, question))

    # members play it with the buttons, like any quiz
    message = next(m for m in fake.messages.values() if m["components"])
    click = await fake.click(message, buttons_of(question.body)[0]["custom_id"])
    assert "recorded" in text_of((await fake.wait_for(callback_of(click))).body)
    # the question shows the running count (an edit after the click): the test ends after it, not during it
    await fake.wait_for(lambda c: c.method == "PATCH" and c.path == f"/channels/{CHANNEL_ID}/messages/{message['id']}")
