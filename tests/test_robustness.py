"""Hostile input, rate limits and the command log: every command fed arbitrary text answers with a reply
that fits every platform and pings nobody; a member who floods is told to slow down; the log says what ran,
how long it took and how it ended, never what was typed."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import Clio
from bot.commands import REGISTRY
from bot.config import Settings, SettingsError
from bot.events import Context
from tests.conftest import TEST_PACKS, settings_here

HOSTILE = ["@everyone", "@here", "<!channel>", "<!everyone>", "<@123>", "<@&456>", "<#789>", '"', "'", "*", "(",
           ")", "NEAR(", "OR", "AND", "NOT", "^", ":", "-", "\x00", "\x1b[31m", "\r\n", "\u202e", "\u200b", "\ufeff",
           "🙂", "👨‍👩‍👧", "Троцкий", "ש", "%s", "{0}", "\\", "/who", "```", "||", "> ", "🇷🇺",
           # every kind of Unicode digit and number, huge integers, lone surrogates, zone-like words, links
           "²", "³⁰", "½", "٣", "۳", "९", "９", "①", "Ⅻ", "𝟗", "99999999999999999999", "-1", "1e309", "\ud800",
           "\udfff", "Europe", "America", "US", "[free prize](https://example.com)", "<https://example.com>"]
TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(HOSTILE) | st.text(max_size=8), max_size=30).map(" ".join),
    st.integers(min_value=1_000, max_value=12_000).map(lambda n: ("Kornilov " * n)[:n]),
)
# everyday questions around hostile words: each question form reaches its own code ("what happened on X" is
# /when X, "when did X end" looks for an end, "where was X killed" for a deed)
QUESTIONS = st.tuples(
    st.sampled_from(["what happened on", "what happened to", "what happened in", "when did", "when did the",
                     "where was", "how did", "who was", "who killed", "when was", "what is"]),
    st.lists(st.sampled_from(HOSTILE) | st.text(max_size=8), min_size=1, max_size=12).map(" ".join),
    st.sampled_from(["", "die", "end", "begin", "resign", "killed", "born", "?", "'s wife"]),
).map(" ".join)
# a raw mention a chat platform would act on: @everyone/@here, Slack's <!...> and <@...>, Discord's <@...>
PING = re.compile(r"@(everyone|here)\b|<!|<@")  # (a channel link <#...> notifies nobody)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, new_database_url: Callable[[], str | None]) -> Iterator[Clio]:
    db = tmp_path_factory.mktemp("fuzz") / "clio.db"
    made = Clio(settings_here(new_database_url, db, pack="mini", rate_limit="1000000/second"))
    yield made
    made.close()


def _rendered_everywhere(reply) -> None:
    """Every message of the reply is one Discord and Slack would take: Discord's limits and, when the spec is
    next to the project, the schema of its create-message route; Slack's Block Kit models and limits; and no
    raw mention in the Slack text (Slack escaping: nothing a member typed can ping)."""
    from adapters.discord.render import messages_for
    from adapters.slack.render import blocks_for
    from tests.discord_spec import check_message, load_spec
    from tests.slack_blocks import payload_problems

    spec = load_spec()
    for m in messages_for(reply):
        body = {"embeds": [e.to_dict() for e in m.embeds]}
        check_message(body)
        if spec is not None:
            assert not spec.errors("POST", "/channels/1/messages", body), spec.errors("POST", "/channels/1/messages", body)
    for part in reply.sequence():
        text, blocks = blocks_for(part)
        assert not payload_problems({"channel": "C1", "text": text, "blocks": blocks})
        assert not PING.search(text)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(REGISTRY)), arg=TEXT, admin=st.booleans())
def test_every_command_answers_any_text_with_a_reply_that_pings_nobody(app, name, arg, admin):
    ctx = Context(workspace="discord:1", channel="c1", user_id="u1", user_name="@everyone [x](https://e.example)\ud800",
                  is_admin=admin, platform="discord")
    reply = app.handle_text(f"/{name} {arg}", ctx)
    assert reply.exit_code != 3, f"/{name} crashed on {arg[:80]!r}: {reply.body}"  # 3: a bug, not the input
    assert reply.text().strip()
    reply.text().encode("utf-8")  # no lone surrogate survives into a reply
    assert "](" not in reply.text()  # a member's "[text](url)" never renders as a masked link
    assert not PING.search(reply.text()), reply.text()[:300]
    _rendered_everywhere(reply)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT | QUESTIONS)
def test_free_text_and_odd_commands_never_crash(app, text):
    reply = app.handle_text(text, Context(workspace="slack:T1", channel="c", user_id="u", platform="slack"))
    assert reply.exit_code != 3 and not PING.search(reply.text())
    reply.text().encode("utf-8")
    _rendered_everywhere(reply)


def test_a_member_who_floods_is_told_to_slow_down_and_others_are_not(tmp_path, make_app):
    app = make_app(tmp_path / "clio.db", pack="mini", rate_limit="5/minute")
    masha = Context(workspace="discord:1", channel="c", user_id="masha", platform="discord")
    replies = [app.handle_text("/who Kornilov", masha) for _ in range(7)]
    assert all(r.ok for r in replies[:5])
    assert not replies[5].ok and replies[5].body.startswith("Slow down") and replies[5].private
    assert "5 commands in 1 minute" in replies[5].body
    other = Context(workspace="discord:1", channel="c", user_id="sasha", platform="discord")
    assert app.handle_text("/who Kornilov", other).ok
    same_id_elsewhere = Context(workspace="discord:2", channel="c", user_id="masha", platform="discord")
    assert app.handle_text("/who Kornilov", same_id_elsewhere).ok  # limits are per workspace member
    console = Context()
    assert all(app.handle_text("/who Kornilov", console).ok for _ in range(10))  # the operator's terminal
    with pytest.raises(SettingsError, match="CLIO_RATE_LIMIT"):
        Settings.from_env({"CLIO_RATE_LIMIT": "lots"})


def test_one_log_line_per_command_with_name_latency_and_outcome_but_not_the_text(mini_app, caplog):
    caplog.set_level(logging.INFO, logger="clio.commands")
    secret = "Kornilov-SECRET-words-4711"
    ctx = Context(workspace="slack:T1", channel="c", user_id="u", platform="slack")
    for text in (f"/who {secret}", f"/nope {secret}", f"{secret}", "/who Kornilov", "/schedule set 09:00"):
        mini_app.handle_text(text, ctx)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "clio.commands"]
    assert [(x["command"], x["outcome"]) for x in lines] == [
        ("who", "declined"), ("unknown", "user_error"), ("text", "declined"), ("who", "ok"), ("schedule", "user_error")]
    assert all(isinstance(x["ms"], float) and x["platform"] == "slack" for x in lines)
    assert not any(secret in r.getMessage() for r in caplog.records)


def test_clio_health_is_the_container_health_check(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "CLIO_DB": str(tmp_path / "clio.db"), "CLIO_CONTENT": str(TEST_PACKS), "CLIO_PACK": "mini"}
    ok = subprocess.run([sys.executable, "-m", "adapters.cli", "health"], capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and ok.stdout.strip() == "healthy"
    stale = subprocess.run([sys.executable, "-m", "adapters.cli", "health", "--adapter", "slack"], capture_output=True,
                           text=True, env=env)
    assert stale.returncode == 1 and "slack process has not reported" in stale.stdout


@pytest.mark.parametrize(("text", "says"), [
    ("/quiz start ²", "No questions match"), ("/quiz start 5 ³⁰", "No questions match"),
    ("/quiz accept 99999999999999999999", "Give the appeal's number"),
    ("/schedule set 09:00 Europe", "is not a timezone"), ("/schedule set 09:00 America", "is not a timezone"),
    ("/schedule set 09:00 US", "is not a timezone"), ("/quiz schedule Fri 19:30 Europe", "is not a timezone"),
    ("/quiz remove ²", "Give the question's number"), ("/privacy forget \ud800", "/privacy forget USER_ID"),
    ("/quiz review \udfff", "Nothing is due"),
])
def test_the_inputs_that_crashed_get_a_clear_reply(app, text, says):
    admin = Context(workspace="discord:9", channel="c9", user_id="u9", user_name="A\ud800dmin", is_admin=True,
                    platform="discord")
    reply = app.handle_text(text, admin)
    assert reply.exit_code != 3 and says in reply.text(), reply.text()
    reply.text().encode("utf-8")


def test_the_rate_limiter_holds_a_bounded_number_of_members() -> None:
    from bot.services.ratelimit import RateLimiter, SlowDown

    now = [1000.0]
    limiter = RateLimiter("3/minute", max_members=1_000, clock=lambda: now[0])
    for i in range(100_000):  # a public bot meets many members
        limiter.check("discord", "discord:1", f"member-{i}")
    assert len(limiter) == 1_000  # not 100,000
    for _ in range(3):
        limiter.check("discord", "discord:1", "vera")
    with pytest.raises(SlowDown, match="more than 3 commands in 1 minute. Try again in 60 s"):
        limiter.check("discord", "discord:1", "vera")
    limiter.check("discord", "discord:2", "vera")  # another workspace: her own window there
    now[0] += 61
    limiter.check("discord", "discord:1", "vera")  # the window has moved on
    for i in range(20):
        now[0] += 61
        limiter.check("discord", "discord:1", f"later-{i}")
    assert len(limiter) <= 10  # members idle for a whole window are let go


def test_logs_never_carry_message_text_or_tokens_at_any_level() -> None:
    import io

    from bot import logs

    out = io.StringIO()
    logs.configure("DEBUG", out)
    try:
        logging.getLogger("discord.gateway").debug("payload %s", {"content": "my secret answer", "token": "aW50"})
        logging.getLogger("slack_bolt.App").debug("body: text=my secret answer")
        logging.getLogger("clio.discord").warning("POST /interactions/123456789012345678/aW50ZXJhY3Rpb246OjEy/callback")
        logging.getLogger("clio.slack").error("token xoxb-1234-5678-abcdefABCDEF rejected")
        try:
            raise RuntimeError("Authorization: Bearer xoxb-9999-8888-zzzz failed")
        except RuntimeError:
            logging.getLogger("clio").exception("download failed")
        logging.getLogger("clio.commands").debug("still shown: clio's own debug lines")
    finally:
        logs.configure("WARNING")
    text = out.getvalue()
    assert "my secret answer" not in text  # the libraries' DEBUG payloads are not written
    assert "aW50ZXJhY3Rpb24" not in text and "xoxb-" not in text and "[redacted]" in text
    assert "download failed (RuntimeError: Authorization: [redacted]" in text
    assert "still shown" in text
