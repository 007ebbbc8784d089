"""One door into the core (issue 19, item 1): the adapters' event loop keeps running while the core works, a
slow command is deferred on Discord instead of failing, and typed quiz answers pass the same rate limit as
commands. Nothing here times anything: a slow core call is one that waits for the test to release it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import time
from typing import Any

import pytest

from bot.app import Clio
from bot.commands import REGISTRY
from bot.errors import BadInput
from bot.events import Context
from bot.shared_state import SharedRateLimiter

RELEASE_WITHIN = 20.0  # a safety net so a broken door fails the test instead of hanging it


class Gate:
    """A core handler that blocks its worker thread until the test opens the gate."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()
        self.loop_thread = threading.get_ident()
        self.ran_on: int | None = None

    def wrap(self, handler: Any) -> Any:
        def slow(app: Clio, ctx: Context, arg: str) -> Any:
            self.ran_on = threading.get_ident()
            self.entered.set()
            if not self.opened.wait(RELEASE_WITHIN):
                raise RuntimeError("the test never released the core call")
            if "nobody" in arg:
                raise BadInput("No one in the index is called that.")
            return handler(app, ctx, arg)
        return slow


@pytest.fixture
def slow_who(monkeypatch: pytest.MonkeyPatch) -> Gate:
    gate = Gate()
    monkeypatch.setitem(REGISTRY, "who", dataclasses.replace(REGISTRY["who"], handler=gate.wrap(REGISTRY["who"].handler)))
    return gate


async def ticks_while(gate: Gate, wanted: int = 50) -> int:
    """Run a ticker on this event loop while the gated core call is busy; how many times it ran before
    `wanted` (the core call still blocked throughout)."""
    assert await asyncio.to_thread(gate.entered.wait, RELEASE_WITHIN), "the core call never started"
    ticks = 0
    while ticks < wanted:
        await asyncio.sleep(0)
        ticks += 1
    assert not gate.opened.is_set()
    return ticks


async def test_the_loop_keeps_ticking_while_a_core_call_is_busy(mini_app: Clio, slow_who: Gate) -> None:
    call = asyncio.create_task(mini_app.call(Context(), "/who kornilof"))
    ticked = await ticks_while(slow_who)  # would never return if the core ran on this loop
    assert ticked == 50 and mini_app.door.busy == 1 and not call.done()
    slow_who.opened.set()
    reply = await call
    assert reply.ok and "Kornilov" in reply.title
    assert slow_who.ran_on != slow_who.loop_thread  # a worker thread ran it, on its own connection
    mini_app.close()


async def test_lookups_read_in_parallel_with_a_busy_writer(mini_app: Clio, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate()
    spec = REGISTRY["quiz"]
    monkeypatch.setitem(REGISTRY, "quiz", dataclasses.replace(spec, handler=gate.wrap(spec.handler)))
    start = asyncio.create_task(mini_app.call(Context(workspace="console:a", channel="c"), "/quiz start"))
    await asyncio.to_thread(gate.entered.wait, RELEASE_WITHIN)
    answers = await asyncio.gather(*(mini_app.call(Context(), f"/{c}") for c in ("who kornilof", "sources", "help")))
    assert all(a.ok for a in answers) and not start.done()  # answered while the writer was still busy
    gate.opened.set()
    assert (await start).ok
    mini_app.close()


# --- Discord: defer what the core has not answered in time --------------------------------------------------

discord = pytest.importorskip("discord")
from tests.fake_discord import MEMBER_ID  # noqa: E402
from tests.records import Records  # noqa: E402
from tests.test_discord import callback_of, ephemeral, fake, followup_of, start_bot, text_of  # noqa: E402, F401


def original_of(payload: dict[str, Any], method: str = "PATCH"):  # type: ignore[no-untyped-def]
    return lambda c: (c.method == method and c.path.startswith("/webhooks/") and payload["token"] in c.path
                      and c.path.endswith("/messages/@original"))


async def started(fake, mini_app, monkeypatch):  # type: ignore[no-untyped-def]
    client = await start_bot(fake, mini_app, monkeypatch, sync=False)
    client.defer_after = 0.05  # the test's slow call takes as long as the test says; no need to wait 2 s
    return client


async def test_a_slow_command_is_deferred_then_answered_by_editing_the_reply(fake, mini_app, monkeypatch,
                                                                            slow_who: Gate) -> None:
    client = await started(fake, mini_app, monkeypatch)
    try:
        payload = await fake.slash("who", [{"type": 3, "name": "name", "value": "kornilof"}])
        deferred = await fake.wait_for(callback_of(payload))
        assert deferred.body["type"] == 5 and not ephemeral(deferred)  # "Clio is thinking...", in the channel
        assert await ticks_while(slow_who) == 50  # the bot's loop runs on while the core works
        slow_who.opened.set()
        answer = await fake.wait_for(original_of(payload))
        assert "Kornilov" in text_of(answer.body) and answer.body["allowed_mentions"] == {"parse": []}
        callbacks = [c for c in fake.calls if callback_of(payload)(c)]
        assert len(callbacks) == 1  # deferred once, never answered twice
    finally:
        slow_who.opened.set()
        await client.close()
        await client.task  # type: ignore[attr-defined]


async def test_a_slow_error_reaches_only_the_asker(fake, mini_app, monkeypatch, slow_who: Gate) -> None:
    client = await started(fake, mini_app, monkeypatch)
    try:
        payload = await fake.slash("who", [{"type": 3, "name": "name", "value": "nobody at all"}])
        assert (await fake.wait_for(callback_of(payload))).body["type"] == 5
        slow_who.opened.set()
        removed = await fake.wait_for(original_of(payload, "DELETE"))  # the public "thinking" placeholder
        error = await fake.wait_for(followup_of(payload))
        assert ephemeral(error) and "No one in the index" in text_of(error.body)
        assert fake.calls.index(removed) < fake.calls.index(error)
    finally:
        slow_who.opened.set()
        await client.close()
        await client.task  # type: ignore[attr-defined]


async def test_a_fast_command_is_answered_at_once_not_deferred(fake, mini_app, monkeypatch) -> None:
    client = await started(fake, mini_app, monkeypatch)
    client.defer_after = 2.0
    try:
        payload = await fake.slash("who", [{"type": 3, "name": "name", "value": "kornilof"}])
        call = await fake.wait_for(callback_of(payload))
        assert call.body["type"] == 4 and "Kornilov" in text_of(call.body)
    finally:
        await client.close()
        await client.task  # type: ignore[attr-defined]


async def test_a_slow_button_click_is_deferred_privately(fake, mini_app, monkeypatch, slow_who: Gate) -> None:
    client = await started(fake, mini_app, monkeypatch)
    try:
        slow_who.opened.set()  # the /who choices come at once
        payload = await fake.slash("who", [{"type": 3, "name": "name", "value": "Alexander"}])
        choices = await fake.wait_for(callback_of(payload))
        slow_who.opened.clear()
        slow_who.entered.clear()
        button = next(b for row in choices.body["data"]["components"] for b in row["components"]
                      if b["label"] == "Alexander Kerensky")
        message = next(m for m in fake.messages.values() if m["components"])
        click = await fake.click(message, button["custom_id"])
        deferred = await fake.wait_for(callback_of(click))
        assert deferred.body["type"] == 5 and ephemeral(deferred)
        await ticks_while(slow_who)
        slow_who.opened.set()
        answer = await fake.wait_for(original_of(click))
        assert "Kerensky" in text_of(answer.body)
    finally:
        slow_who.opened.set()
        await client.close()
        await client.task  # type: ignore[attr-defined]


# --- typed answers count like commands ---------------------------------------------------------------------

slack_tests = pytest.importorskip("tests.test_slack")
command, post, signed, TEAM = slack_tests.command, slack_tests.post, slack_tests.signed, slack_tests.TEAM
slack = slack_tests.slack


def typed(text: str, channel: str = "CQUIZ", user: str = "UMEMBER") -> tuple[str, dict[str, str]]:
    body = json.dumps({"token": "t", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                       "event_id": f"Ev{time.monotonic_ns()}", "event_time": int(time.time()),
                       "event": {"type": "message", "channel": channel, "user": user, "text": text,
                                 "ts": f"{time.time():.6f}", "team": TEAM}})
    return body, {**signed(body), "Content-Type": "application/json"}


async def test_a_typed_answer_hits_the_rate_limit_like_a_command(slack, mini_app: Clio) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    mini_app.rate_limiter.close()
    mini_app.rate_limiter = SharedRateLimiter(mini_app.shared, "3/minute")  # as the app makes it, a lower rule
    for i in range(5):  # chat in a channel without a quiz: not answers, never counted, never answered
        assert await post(url, *typed(f"just chatting {i}", channel="CCHAT")) == 200
    body = command("quiz start kornilov 1 30 open", fake_url)
    assert await post(url, body, signed(body)) == 200  # command 1 of 3
    intro, question = await fake.wait_for("respond", 2)
    assert "Type your answer" in question["text"]
    for guess in ("Kerensky", "Lenin"):  # answers 2 and 3: graded in the channel
        assert await post(url, *typed(guess)) == 200
    tries = await fake.wait_for("chat.postMessage", 2)
    assert [t["text"] for t in tries] == ["Not that, try again."] * 2
    assert await post(url, *typed("Lavr Kornilov")) == 200  # the 4th in a minute: slowed, only to the member
    (slowed,) = await fake.wait_for("chat.postEphemeral")
    assert slowed["user"] == "UMEMBER" and slowed["text"].startswith("Slow down")
    assert len(fake.of("chat.postMessage")) == 2  # nothing more went to the channel
    assert Records(mini_app).count("quiz_answers", "where correct = 1") == 0
    body = command("who kornilof", fake_url)  # and the limit is the same one commands count against
    assert await post(url, body, signed(body)) == 200
    answers = await fake.wait_for("respond", 3)
    assert answers[2]["response_type"] == "ephemeral" and answers[2]["text"].startswith("Slow down")
