"""The fake Discord is as strict as Discord: each body and each order of calls that real Discord refuses, the
fake refuses with the status and error code Discord answers. A test of the adapter against this fake can
then only pass if real Discord would have taken what the bot sent. Requests go over HTTP to the fake as the
bot's would; interaction deadlines are checked by moving the fake's clock, never by sleeping."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import ClientSession

from tests.discord_spec import SPEC_MISSING, load_spec
from tests.fake_discord import APP_ID, CHANNEL_ID, OTHER_CHANNEL_ID, FakeDiscord

needs_spec = pytest.mark.skipif(load_spec() is None, reason=SPEC_MISSING + ": the schema checks cannot run")


@pytest.fixture
async def fake():
    server = FakeDiscord()  # its clock stands still until a test moves it
    await server.start()
    yield server
    await server.stop()


async def call(fake: FakeDiscord, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with ClientSession() as s, s.request(method, f"{fake.url}/api/v10{path}", json=body, headers=headers) as r:
        return r.status, (await r.json() if r.content_type == "application/json" else {})


def command(**over: Any) -> dict[str, Any]:
    return {"name": "who", "type": 1, "description": "A person: life dates, roles, summary", "contexts": [0],
            "options": [{"type": 3, "name": "name", "description": "Who", "required": True}], **over}


def reply(**data: Any) -> dict[str, Any]:
    return {"type": 4, "data": {"content": "Lavr Kornilov", "allowed_mentions": {"parse": []}, **data}}


def buttons(*ids: str) -> list[dict[str, Any]]:
    return [{"type": 1, "components": [{"type": 2, "style": 2, "label": f"Choice {i}", "custom_id": cid}
                                       for i, cid in enumerate(ids)]}]


def callback(payload: dict[str, Any]) -> str:
    return f"/interactions/{payload['id']}/{payload['token']}/callback"


def webhook(payload: dict[str, Any], rest: str = "") -> str:
    return f"/webhooks/{APP_ID}/{payload['token']}{rest}"


def refused(answer: tuple[int, dict[str, Any]], status: int, code: int) -> bool:
    return answer[0] == status and answer[1].get("code") == code


SYNC = f"/applications/{APP_ID}/commands"


# --- command sync: the rules Discord documents beside the schema --------------------------------------------


async def test_a_well_formed_command_list_is_taken(fake):
    status, body = await call(fake, "PUT", SYNC, [command()])
    assert status == 200 and body[0]["name"] == "who"


@pytest.mark.parametrize("bad", [
    {"description": ""},  # empty description: the whole sync fails in production
    {"description": "x" * 101},  # one past 100 characters
    {"name": "Who"},  # upper case
    {"name": "who is"},  # a space
    {"name": "x" * 33},  # past 32 characters
    {"options": [{"type": 3, "name": "topic", "description": "Topic"},
                 {"type": 3, "name": "name", "description": "Who", "required": True}]},  # required after optional
    {"options": [{"type": 3, "name": "name", "description": "", "required": True}]},  # an option's description
], ids=["empty description", "101-character description", "upper case name", "name with a space",
        "33-character name", "required option after an optional one", "empty option description"])
async def test_a_command_discord_refuses_fails_the_sync(fake, bad):
    assert refused(await call(fake, "PUT", SYNC, [command(name="what"), command(**bad)]), 400, 50035)


async def test_two_commands_of_one_name_fail_the_sync(fake):
    assert refused(await call(fake, "PUT", SYNC, [command(), command()]), 400, 50035)


# --- message bodies -------------------------------------------------------------------------------------------


async def test_duplicate_custom_ids_are_refused_in_a_channel_message_and_an_interaction_reply(fake):
    ok = await call(fake, "POST", f"/channels/{CHANNEL_ID}/messages",
                    {"content": "Which one?", "components": buttons("clio:who:a", "clio:who:b")})
    assert ok[0] == 200
    assert refused(await call(fake, "POST", f"/channels/{CHANNEL_ID}/messages",
                              {"content": "Which one?", "components": buttons("clio:who:a", "clio:who:a")}), 400, 50035)
    payload = fake.interaction(2, {"id": "1", "name": "who", "type": 1})
    dup = reply(components=buttons("clio:who:Vera Figner", "clio:who:Vera Figner"))
    assert refused(await call(fake, "POST", callback(payload), dup), 400, 50035)
    assert (await call(fake, "POST", callback(payload), reply()))[0] == 200  # a refused body acknowledges nothing


async def test_embeds_over_6000_characters_in_all_are_refused(fake):
    embeds = [{"title": "Part", "description": "x" * 4000}, {"title": "Part", "description": "y" * 2000}]
    assert refused(await call(fake, "POST", f"/channels/{CHANNEL_ID}/messages", {"embeds": embeds}), 400, 50035)


@needs_spec
@pytest.mark.parametrize("path_kind,body", [
    ("channel", {"content": 1917}),  # content must be a string
    ("channel", {"embeds": [{"title": "T", "color": "crimson"}]}),  # colour must be an integer
    ("channel", {"components": [{"type": 1, "components": [{"type": 2, "style": 9, "label": "B", "custom_id": "b"}]}],
                 "content": "x"}),  # no button style 9
    ("callback", {"type": 4, "data": {"content": "x", "allowed_mentions": {"parse": ["everybody"]}}}),
    ("callback", {"data": {"content": "no type"}}),  # the callback's required "type" is missing
    ("callback", {"type": 4, "data": {"content": "x", "flags": "ephemeral"}}),  # flags must be an integer
    ("sync", [{"name": "who", "type": 1, "description": "Who", "options": [{"type": 3, "description": "no name"}]}]),
], ids=["content a number", "embed colour a string", "button style 9", "unknown mention kind", "callback without type",
        "flags a string", "option without its required name"])
async def test_a_body_that_breaks_its_routes_schema_is_refused(fake, path_kind, body):
    path = {"channel": f"/channels/{CHANNEL_ID}/messages", "sync": SYNC,
            "callback": callback(fake.interaction(2, {"id": "1", "name": "who", "type": 1}))}[path_kind]
    status, answer = await call(fake, "PUT" if path_kind == "sync" else "POST", path, body)
    assert (status, answer["code"]) == (400, 50035) and answer["message"].startswith("Invalid Form Body")


# --- the order and timing of an interaction's answers --------------------------------------------------------


async def test_an_interaction_is_answered_once(fake):
    payload = fake.interaction(2, {"id": "1", "name": "who", "type": 1})
    assert (await call(fake, "POST", callback(payload), reply()))[0] == 200
    status, body = await call(fake, "POST", callback(payload), reply(content="again"))
    assert (status, body["code"], body["message"]) == (400, 40060, "Interaction has already been acknowledged.")
    deferred = fake.interaction(2, {"id": "2", "name": "ingest", "type": 1})
    assert (await call(fake, "POST", callback(deferred), {"type": 5}))[0] == 200
    assert refused(await call(fake, "POST", callback(deferred), reply()), 400, 40060)  # after a defer, edit instead
    assert (await call(fake, "PATCH", webhook(deferred, "/messages/@original"), {"content": "Reading added"}))[0] == 200


async def test_the_first_answer_must_come_within_3_seconds(fake):
    on_time = fake.interaction(2, {"id": "1", "name": "who", "type": 1})
    late = fake.interaction(2, {"id": "2", "name": "who", "type": 1})
    fake.clock.now += 2.9
    assert (await call(fake, "POST", callback(on_time), reply()))[0] == 200
    fake.clock.now += 0.2  # 3.1 seconds after the interaction
    assert refused(await call(fake, "POST", callback(late), {"type": 5}), 404, 10062)  # Unknown interaction


async def test_followups_and_edits_stop_15_minutes_after_the_interaction(fake):
    payload = fake.interaction(2, {"id": "1", "name": "quiz", "type": 1})
    assert (await call(fake, "POST", callback(payload), reply()))[0] == 200
    fake.clock.now += 14 * 60
    status, followup = await call(fake, "POST", webhook(payload), {"content": "Question 1"})
    assert status == 200
    fake.clock.now += 61  # 15 minutes and a second
    assert refused(await call(fake, "POST", webhook(payload), {"content": "Question 2"}), 401, 50027)
    assert refused(await call(fake, "PATCH", webhook(payload, "/messages/@original"), {"content": "x"}), 401, 50027)
    assert refused(await call(fake, "PATCH", webhook(payload, f"/messages/{followup['id']}"), {"content": "x"}),
                   401, 50027)


async def test_a_followup_before_the_first_answer_is_refused(fake):
    payload = fake.interaction(2, {"id": "1", "name": "who", "type": 1})
    assert refused(await call(fake, "POST", webhook(payload), {"content": "too early"}), 404, 10015)  # Unknown Webhook


async def test_editing_a_message_that_does_not_exist_is_refused(fake):
    status, posted = await call(fake, "POST", f"/channels/{CHANNEL_ID}/messages", {"content": "Question 1"})
    assert status == 200
    edit = await call(fake, "PATCH", f"/channels/{CHANNEL_ID}/messages/{posted['id']}", {"content": "edited"})
    assert edit[0] == 200
    assert fake.messages[posted["id"]]["content"] == "edited"
    status, body = await call(fake, "PATCH", f"/channels/{CHANNEL_ID}/messages/123456789012345678", {"content": "x"})
    assert (status, body["code"], body["message"]) == (404, 10008, "Unknown Message")
    # the message exists, but in another channel
    assert refused(await call(fake, "PATCH", f"/channels/{OTHER_CHANNEL_ID}/messages/{posted['id']}",
                              {"content": "x"}), 404, 10008)
    # an interaction's webhook edits only its own messages
    payload = fake.interaction(2, {"id": "1", "name": "who", "type": 1})
    assert (await call(fake, "POST", callback(payload), reply()))[0] == 200
    assert refused(await call(fake, "PATCH", webhook(payload, f"/messages/{posted['id']}"), {"content": "x"}),
                   404, 10008)
    autocomplete = fake.interaction(4, {"id": "2", "name": "who", "type": 1})
    assert (await call(fake, "POST", callback(autocomplete), {"type": 8, "data": {"choices": []}}))[0] == 200
    assert refused(await call(fake, "PATCH", webhook(autocomplete, "/messages/@original"), {"content": "x"}),
                   404, 10015)  # an autocomplete answer has no message and takes no followups
