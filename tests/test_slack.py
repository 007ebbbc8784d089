"""The Slack adapter through real signed HTTP requests into the bolt app, with Slack's Web API and
response_url played by a local fake that records every call. Nothing leaves this machine."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

pytest.importorskip("slack_bolt")
from aiohttp import ClientSession, web  # noqa: E402
from slack_sdk.errors import SlackApiError  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from adapters.slack.app import SlackConfigError, SlackOutbox, build_app, settings_from_env  # noqa: E402
from adapters.slack.render import BLOCKS_MAX, blocks_for  # noqa: E402
from bot.app import Clio  # noqa: E402
from bot.events import Context, ConversationRef  # noqa: E402
from bot.response import Button, Field, Reply  # noqa: E402
from bot.services.schedule import OutboxError  # noqa: E402
from tests.conftest import TEST_PACKS  # noqa: E402
from tests.quizplay import rescored_only_question_2, two_wrong_answers  # noqa: E402
from tests.records import Records  # noqa: E402
from tests.slack_blocks import payload_problems  # noqa: E402

SECRET = "test-signing-secret"
TEAM = "T111"


MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")


class FakeSlack:
    """Slack's Web API and response_url endpoints on loopback, recording what Clio sends. Every message payload
    is checked as Slack checks it (tests/slack_blocks.py): one Slack would refuse is answered invalid_blocks,
    kept in `violations`, and fails the test at its next look at the calls and at the fixture's end."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.fail: dict[str, str] = {}
        self.admins = {"UADMIN"}
        self.ws_url = ""
        self.envelopes: list[dict] = []
        self.acks: list[dict] = []
        self.app = web.Application()
        self.app.router.add_get("/link", self.socket)
        self.app.router.add_post("/api/{method}", self.api)
        self.app.router.add_get("/api/{method}", self.api)
        self.app.router.add_post("/respond/{rest:.*}", self.respond)
        self.app.router.add_get("/files/{name}", self.download)
        self.app.router.add_post("/upload/{file_id}", self.upload)
        self.files: dict[str, bytes] = {}
        # files.getUploadURLExternal -> the upload -> files.completeUploadExternal, as Slack runs them
        self.pending: dict[str, dict] = {}  # file id -> {filename, length, alt_txt, data}
        self.shared: list[dict] = []  # completed uploads: id, title, filename, data, alt_txt, channel_id
        self.urls: dict[str, str] = {}  # a file whose url_private is somewhere else
        self.violations: list[tuple[str, list[str]]] = []

    def refused(self, method: str, body: dict) -> list[str]:
        """Slack's Block Kit checks on a message payload; what it would refuse is remembered."""
        problems = payload_problems(body)
        if problems:
            self.violations.append((method, problems))
        return problems

    def assert_valid(self) -> None:
        assert not self.violations, f"Clio sent payloads Slack refuses: {self.violations}"

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.method == "GET":
            body = dict(request.query)
        elif request.content_type == "application/json":
            body = await request.json()
        else:
            body = dict(await request.post())
        if request.method == "POST":  # Slack reads arguments from the query string too (the SDK sends some there)
            body = {**dict(request.query), **body}
        self.calls.append((method, body))
        if method in MESSAGE_METHODS and self.refused(method, body):
            return web.json_response({"ok": False, "error": "invalid_blocks"})
        if method in self.fail:
            return web.json_response({"ok": False, "error": self.fail[method]})
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": self.ws_url})
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": TEAM})
        if method == "files.info":
            name = body.get("file")
            return web.json_response({"ok": True, "file": {"id": name, "name": name, "size": len(self.files[name]),
                                                           "url_private_download": self.urls.get(
                                                               name, f"{self.base}/files/{name}")}})
        if method == "conversations.history":  # what the bot posted in the channel, newest first
            posts = [b for m, b in self.calls if m == "chat.postMessage" and b.get("channel") == body.get("channel")]
            messages = [{"type": "message", "text": b.get("text", ""), "bot_id": "BBOT",
                         **({"metadata": json.loads(b["metadata"]) if isinstance(b["metadata"], str) else b["metadata"]}
                            if b.get("metadata") else {})} for b in reversed(posts)]
            return web.json_response({"ok": True, "messages": messages[:int(body.get("limit", 100))]})
        if method == "files.getUploadURLExternal":
            return web.json_response(self.upload_url(body))
        if method == "files.completeUploadExternal":
            return web.json_response(self.complete(body))
        if method == "users.info":
            user = body.get("user")
            return web.json_response({"ok": True, "user": {"id": user, "is_admin": user in self.admins}})
        return web.json_response({"ok": True, "channel": body.get("channel"), "ts": "1.0"})

    def upload_url(self, body: dict) -> dict:
        """files.getUploadURLExternal: a file name and its length in bytes (both required, as Slack has them)
        give a file id and a URL to send the bytes to; alt_txt at most 1,000 characters."""
        filename, length = str(body.get("filename") or ""), str(body.get("length") or "")
        if not filename or not length.isdigit() or int(length) < 1:
            return {"ok": False, "error": "invalid_arguments"}
        if len(str(body.get("alt_txt") or "")) > 1000:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{len(self.pending) + 1:010d}"
        self.pending[file_id] = {"filename": filename, "length": int(length), "alt_txt": body.get("alt_txt"),
                                 "data": None}
        return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    async def upload(self, request: web.Request) -> web.Response:
        """The upload URL: the file's bytes (raw or as a multipart form's one file), exactly the length
        announced; anything else is refused as Slack refuses it."""
        file_id = request.match_info["file_id"]
        pending = self.pending.get(file_id)
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            parts = [v for v in form.values() if hasattr(v, "file")]
            data = parts[0].file.read() if len(parts) == 1 else b""
        else:
            data = await request.read()
        self.calls.append(("upload", {"file_id": file_id, "bytes": len(data)}))
        if pending is None or pending["data"] is not None:
            return web.Response(status=404, text="unknown upload")
        if len(data) != pending["length"]:
            return web.Response(status=400, text=f"expected {pending['length']} bytes, got {len(data)}")
        pending["data"] = data
        return web.Response(text=f"OK - {len(data)}")

    def complete(self, body: dict) -> dict:
        """files.completeUploadExternal: `files` is a JSON list of {id, title} for uploads whose bytes came;
        with channel_id they are shared there."""
        try:
            files = json.loads(body.get("files") or "")
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) and f.get("id") for f in files):
            return {"ok": False, "error": "invalid_arguments"}
        out = []
        for f in files:
            pending = self.pending.get(f["id"])
            if pending is None or pending["data"] is None:
                return {"ok": False, "error": "file_not_found" if pending is None else "upload_incomplete"}
        for f in files:
            pending = self.pending.pop(f["id"])
            record = {"id": f["id"], "title": f.get("title") or pending["filename"], "name": pending["filename"],
                      "size": len(pending["data"]), "alt_txt": pending["alt_txt"],
                      "channel_id": body.get("channel_id"), "data": pending["data"]}
            self.shared.append(record)
            out.append({k: v for k, v in record.items() if k not in ("data", "channel_id", "alt_txt")})
        return {"ok": True, "files": out}

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, deliver the queued envelopes, record the acks."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})
        for env in self.envelopes:
            await ws.send_json(env)
        async for msg in ws:
            if msg.type.name == "TEXT":
                self.acks.append(json.loads(msg.data))
        return ws

    async def download(self, request: web.Request) -> web.Response:
        self.calls.append(("download", {"auth": request.headers.get("Authorization")}))
        return web.Response(body=self.files[request.match_info["name"]])

    async def respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(("respond", body))
        if self.refused("respond", body):
            return web.Response(status=400, text="invalid_blocks")
        return web.json_response({"ok": True})

    def of(self, method: str) -> list[dict]:
        self.assert_valid()
        return [b for m, b in self.calls if m == method]

    async def wait_for(self, method: str, count: int = 1) -> list[dict]:
        for _ in range(200):
            if len(self.of(method)) >= count:
                return self.of(method)
            await asyncio.sleep(0.01)
        raise AssertionError(f"no {method} call; saw {[m for m, _ in self.calls]}")


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


@pytest.fixture
async def slack(mini_app: Clio, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(var, raising=False)
    fake = FakeSlack()
    fake_runner, fake_url = await serve(fake.app)
    fake.base = fake_url
    client = AsyncWebClient(token="xoxb-test", base_url=f"{fake_url}/api/")
    bolt = build_app(mini_app, client=client, signing_secret=SECRET)
    bolt_runner, bolt_url = await serve(bolt.web_app(path="/slack/events"))
    yield fake, fake_url, bolt_url + "/slack/events", client
    await bolt_runner.cleanup()
    await fake_runner.cleanup()
    fake.assert_valid()


def signed(body: str, secret: str = SECRET, ts: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig,
            "Content-Type": "application/x-www-form-urlencoded"}


def command(text: str, fake_url: str, user: str = "UMEMBER") -> str:
    return urlencode({"command": "/clio", "text": text, "user_id": user, "user_name": user.lower(),
                      "channel_id": "CQUIZ", "team_id": TEAM, "response_url": f"{fake_url}/respond/{TEAM}/1",
                      "trigger_id": "1.2", "api_app_id": "A1"})


async def post(url: str, body: str, headers: dict[str, str]) -> int:
    async with ClientSession() as s, s.post(url, data=body.encode(), headers=headers) as r:
        return r.status


async def test_a_slash_command_is_acked_then_answered_in_the_channel(slack) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    body = command("who kornilof", fake_url)
    assert await post(url, body, signed(body)) == 200
    (answer,) = await fake.wait_for("respond")
    assert answer["response_type"] == "in_channel"
    assert "Lavr Kornilov" in answer["text"]
    assert answer["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "Lavr Kornilov (18 Aug 1870 N.S.–13 Apr 1918)"}}
    assert "Figes" in json.dumps(answer["blocks"])


@pytest.mark.parametrize("case", ["wrong secret", "stale", "no headers", "tampered"])
async def test_unsigned_or_tampered_requests_are_refused(slack, case: str) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    body = command("who kornilov", fake_url)
    headers = {"wrong secret": signed(body, "nope"), "stale": signed(body, ts=int(time.time()) - 600),
               "no headers": {"Content-Type": "application/x-www-form-urlencoded"},
               "tampered": signed(body)}[case]
    sent = body.replace("kornilov", "kerensky") if case == "tampered" else body
    assert await post(url, sent, headers) == 401
    await asyncio.sleep(0.05)
    assert not fake.of("respond")


async def test_a_replayed_request_or_a_bad_timestamp_is_refused(slack) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    body = command("who kornilov", fake_url)
    headers = signed(body)
    assert await post(url, body, headers) == 200
    assert await post(url, body, headers) == 401  # the same signed request again, within its five minutes
    assert await post(url, body, {**headers, "X-Slack-Request-Timestamp": "soon"}) == 401  # not a 500
    await asyncio.sleep(0.05)
    assert len(fake.of("respond")) == 1  # answered once


async def test_mentions_typed_by_members_are_escaped(slack) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    body = command("who <!channel> <@U999> & <!here>", fake_url)
    assert await post(url, body, signed(body)) == 200
    (answer,) = await fake.wait_for("respond")
    wire = json.dumps(answer, ensure_ascii=False)
    assert "<!channel>" not in wire and "<@U999>" not in wire and "<!here>" not in wire
    assert "&lt;!channel&gt;" in wire or "&lt;\u2060!channel&gt;" in wire


async def test_errors_are_ephemeral_and_admin_commands_need_an_admin(slack) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    for user, expected in (("UMEMBER", "ephemeral"), ("UADMIN", "in_channel")):
        body = command("schedule set 09:00 UTC", fake_url, user=user)
        assert await post(url, body, signed(body)) == 200
        await fake.wait_for("respond", 1 if user == "UMEMBER" else 2)  # in order: the member first
    answers = fake.of("respond")
    assert answers[0]["response_type"] == "ephemeral" and "admins" in answers[0]["text"]
    assert answers[1]["response_type"] == "in_channel" and "Daily post set" in answers[1]["text"]


async def test_quiz_buttons_round_trip(slack, mini_app: Clio) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    body = command("quiz start 1 30", fake_url)
    assert await post(url, body, signed(body)) == 200
    intro, question = await fake.wait_for("respond", 2)  # "Quiz starting", then the question: two messages
    assert intro["text"].startswith("Quiz starting") and "Question 1 of 1" in question["text"]
    buttons = [e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 4 and all(e["action_id"].startswith("clio:") for e in buttons)
    payload = {"type": "block_actions", "user": {"id": "UMEMBER", "name": "vera"}, "team": {"id": TEAM},
               "container": {"type": "message", "channel_id": "CQUIZ", "message_ts": "1.0"},
               "channel": {"id": "CQUIZ"}, "actions": [{"action_id": buttons[0]["action_id"], "value": buttons[0]["value"],
                                                         "type": "button"}],
               "response_url": f"{fake_url}/respond/{TEAM}/2", "trigger_id": "3.4", "api_app_id": "A1"}
    click = urlencode({"payload": json.dumps(payload)})
    assert await post(url, click, signed(click)) == 200
    answers = await fake.wait_for("respond", 3)
    assert answers[2]["response_type"] == "ephemeral" and "recorded" in answers[2]["text"]
    assert Records(mini_app).count("quiz_answers", "where workspace = 'slack:T111'") == 1


async def test_an_appeal_on_question_2_of_5_rescores_question_2_only(slack, mini_app: Clio) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    where = {"workspace": f"slack:{TEAM}", "channel": "CQUIZ", "platform": "slack"}
    quiz_id = two_wrong_answers(mini_app, Context(**where, user_id="UMEMBER", user_name="vera"),
                                Context(**where, user_id="UADMIN", user_name="admin", is_admin=True))
    body = command("quiz appeal 2 my answer fits what Figes writes", fake_url)
    assert await post(url, body, signed(body)) == 200
    (filed,) = await fake.wait_for("respond")
    assert filed["response_type"] == "ephemeral" and "On question 2" in filed["text"]
    body = command("quiz accept 1", fake_url, user="UADMIN")
    assert await post(url, body, signed(body)) == 200
    done = (await fake.wait_for("respond", 2))[1]
    assert "to question 2 now count as right: vera +100" in done["text"]
    assert rescored_only_question_2(mini_app, quiz_id, "UMEMBER")


async def test_the_outbox_posts_and_reports_a_lost_channel(slack) -> None:  # type: ignore[no-untyped-def]
    fake, _, _, client = slack
    outbox = SlackOutbox(client)
    ref = ConversationRef("slack", "slack:T111", "CDAILY")
    await outbox.send(ref, Reply(ok=True, title="On this day", body="<!everyone> was typed"))
    (msg,) = fake.of("chat.postMessage")
    assert msg["channel"] == "CDAILY" and "<!everyone>" not in json.dumps(msg)
    fake.fail["chat.postMessage"] = "channel_not_found"
    with pytest.raises(OutboxError) as err:
        await outbox.send(ref, Reply(ok=True, title="x"))
    assert err.value.permanent and "channel not found" in err.value.reason


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(text: str = "Kornilov", value: str = "v", action_id: str = "clio:0") -> dict:
    return {"type": "actions", "elements": [{"type": "button", "action_id": action_id, "value": value,
                                             "text": {"type": "plain_text", "text": text}}]}


@pytest.mark.parametrize("blocks", [
    [_section("x")] * 51,  # 50 blocks a message
    [_section("x" * 3001)],  # 3,000 characters a section
    [_button(value="v" * 2001)],  # 2,000 characters a button value
    [_button(text="B" * 76)],  # 75 characters a button's text
    [{"type": "header", "text": {"type": "plain_text", "text": "T" * 151}}],  # 150 a header
    [{"type": "banner", "text": "x"}],  # no such block
    [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "colour": "red"}],  # no such attribute
    [{"type": "actions", "elements": [_button()["elements"][0]] * 2}],  # one action_id twice in a block
], ids=["51 blocks", "3001-char section", "2001-char button value", "76-char button text", "151-char header",
        "unknown block type", "unknown attribute", "duplicate action_id"])
async def test_the_fake_slack_refuses_what_slack_refuses(slack, blocks: list) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, _, client = slack
    text, good = blocks_for(Reply(ok=True, title="Kornilov", body="A general.", buttons=[Button("Who?", "who", "x")]))
    assert (await client.chat_postMessage(channel="CQUIZ", text=text, blocks=good))["ok"]
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="CQUIZ", text="x", blocks=blocks)
    assert err.value.response["error"] == "invalid_blocks"
    async with ClientSession() as s, s.post(f"{fake_url}/respond/{TEAM}/1", json={"text": "x", "blocks": blocks}) as r:
        assert r.status == 400
    assert [m for m, _ in fake.violations] == ["chat.postMessage", "respond"]
    with pytest.raises(AssertionError, match="payloads Slack refuses"):
        fake.of("chat.postMessage")  # a test that looks at what was sent fails
    fake.violations.clear()  # refused on purpose here; the fixture would fail the test otherwise


def test_block_kit_stays_within_slacks_limits() -> None:
    reply = Reply(ok=True, title="T" * 400, body="x" * 20_000, fields=[Field("f", "v" * 5000)] * 80,
                  buttons=[Button("B" * 200, "who", "v" * 3000)] * 30)
    text, blocks = blocks_for(reply)
    assert len(blocks) <= BLOCKS_MAX and len(text) <= 3000
    for b in blocks:
        if b["type"] == "section":
            assert len(b["text"]["text"]) <= 3000
        if b["type"] == "actions":
            assert len(b["elements"]) <= 25
            assert all(len(e["text"]["text"]) <= 75 and len(e["value"]) <= 2000 for e in b["elements"])
    assert any(b["type"] == "actions" for b in blocks)  # buttons survive the trimming


def test_missing_or_wrong_tokens_are_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(SlackConfigError, match="SLACK_BOT_TOKEN"):
        settings_from_env({})
    with pytest.raises(SlackConfigError, match="SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET"):
        settings_from_env({"SLACK_BOT_TOKEN": "xoxb-1"})
    assert settings_from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})["app_token"] == "xapp-1"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update({"CLIO_DB": str(tmp_path / "c.db"), "CLIO_CONTENT": str(TEST_PACKS), "CLIO_PACK": "mini"})
    out = subprocess.run([sys.executable, "-m", "adapters.cli", "slack"], capture_output=True, text=True, env=env,
                         timeout=60)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == ["clio: SLACK_BOT_TOKEN is missing or is not a bot token (xoxb-...)"]


async def test_socket_mode_handles_one_envelope(mini_app: Clio, monkeypatch: pytest.MonkeyPatch) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    for var in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(var, raising=False)
    fake = FakeSlack()
    runner, fake_url = await serve(fake.app)
    fake.ws_url = fake_url.replace("http://", "ws://") + "/link"
    fake.envelopes.append({
        "envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
        "payload": {"command": "/clio", "text": "who Trotskii", "user_id": "UMEMBER", "user_name": "vera",
                    "channel_id": "CQUIZ", "team_id": TEAM, "response_url": f"{fake_url}/respond/{TEAM}/9",
                    "trigger_id": "5.6", "api_app_id": "A1"}})
    client = AsyncWebClient(token="xoxb-test", base_url=f"{fake_url}/api/")
    bolt = build_app(mini_app, client=client, request_verification_enabled=False)
    handler = AsyncSocketModeHandler(bolt, "xapp-test")
    try:
        await handler.connect_async()
        await fake.wait_for("respond")
        for _ in range(200):
            if fake.acks:
                break
            await asyncio.sleep(0.01)
        assert [a["envelope_id"] for a in fake.acks] == ["env-1"]
        assert "No one called" in fake.of("respond")[0]["text"]  # the mini pack has no Trotsky: a clear answer
        assert fake.of("apps.connections.open")
    finally:
        await handler.close_async()
        await runner.cleanup()


async def test_a_quiz_button_clicked_twice_scores_once(slack, mini_app: Clio) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    body = command("quiz start 1 30", fake_url)
    await post(url, body, signed(body))
    _, question = await fake.wait_for("respond", 2)
    quiz = mini_app.quiz.repo.running("slack:T111", "CQUIZ")
    q = mini_app.quiz.repo.question(quiz.id, 0)
    right = "ABCD"[q.options.index(q.answer)]
    button = next(e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if json.loads(e["value"])["v"].endswith(":" + right))
    payload = {"type": "block_actions", "user": {"id": "UMEMBER", "name": "vera"}, "team": {"id": TEAM},
               "container": {"type": "message", "channel_id": "CQUIZ", "message_ts": "1.0"},
               "actions": [{"action_id": button["action_id"], "value": button["value"], "type": "button"}],
               "response_url": f"{fake_url}/respond/{TEAM}/2", "trigger_id": "3.4", "api_app_id": "A1"}
    click = urlencode({"payload": json.dumps(payload)})
    # two clicks arrive at once (each its own signed request: a replayed one would be refused)
    await asyncio.gather(post(url, click, signed(click)), post(url, click, signed(click, ts=int(time.time()) - 1)))
    answers = await fake.wait_for("respond", 4)
    texts = sorted(a["text"] for a in answers[2:])
    assert any("recorded" in t for t in texts) and any("already answered" in t for t in texts)
    points = Records(mini_app).values("quiz_answers", "points", "where workspace = 'slack:T111'")
    assert len(points) == 1 and points[0] >= 100
    updates = await fake.wait_for("chat.update")
    assert updates[0]["channel"] == "CQUIZ" and updates[0]["ts"] == "1.0"
    assert all("Answers so far: 1" in u["text"] for u in updates)  # the second click added nothing


def event_body(event: dict) -> str:
    return json.dumps({"token": "t", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                       "event_id": "Ev1", "event_time": int(time.time()), "event": event})


async def test_an_admin_shares_a_reading_and_it_is_ingested(slack, mini_app: Clio) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    fake.files["notes.txt"] = "General Kornilov moved on Petrograd; the railwaymen stopped his trains.".encode()
    for user in ("UMEMBER", "UADMIN"):
        body = event_body({"type": "file_shared", "file_id": "notes.txt", "user_id": user, "channel_id": "CREAD",
                           "event_ts": "1.1"})
        headers = {**signed(body), "Content-Type": "application/json"}
        assert await post(url, body, headers) == 200
    (msg,) = await fake.wait_for("chat.postMessage")
    assert "added, 1 passage," in msg["text"] and msg["channel"] == "CREAD"
    assert fake.of("download")[0]["auth"] == "Bearer xoxb-test"
    rows = Records(mini_app).values("sources", "workspace")
    assert rows == ["slack:T111"]  # the member's share was ignored; the admin's belongs to this workspace


async def test_an_over_long_answer_is_split_within_limits(slack, mini_app: Clio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    for i in range(45):
        f = tmp_path / f"r{i}.txt"
        f.write_text(f"Reading {i}: General Kornilov and the railwaymen, once more.", encoding="utf-8")
        mini_app.ingest(f, workspace="slack:T111", title=f"Reading number {i} " + "with a very long title " * 6)
    body = command("sources", fake_url)
    assert await post(url, body, signed(body)) == 200
    (answer,) = await fake.wait_for("respond")
    sections = [b for b in answer["blocks"] if b["type"] == "section"]
    assert len(answer["blocks"]) <= 50 and len(sections) >= 3
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert len(answer["text"]) <= 3000


async def test_a_scheduled_quiz_night_posts_to_the_channel(slack, mini_app: Clio) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    fake, fake_url, url, client = slack
    now = [dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)]
    mini_app.clock = lambda: now[0]
    for user in ("UMEMBER", "UADMIN"):
        body = command("quiz schedule Friday 9pm America/New_York 2 20 open", fake_url, user=user)
        assert await post(url, body, signed(body)) == 200
        await fake.wait_for("respond", 1 if user == "UMEMBER" else 2)
    refused, done = fake.of("respond")
    assert refused["response_type"] == "ephemeral" and "admins" in refused["text"]
    assert done["response_type"] == "in_channel" and "Every Friday at 21:00 (America/New_York)" in done["text"]

    scheduler = mini_app.scheduler(SlackOutbox(client), "slack")
    for moment in ((2026, 11, 21, 1, 30), (2026, 11, 21, 2, 0), (2026, 11, 21, 2, 0, 30)):  # 21:00 EST is 02:00 UTC
        now[0] = dt.datetime(*moment, tzinfo=dt.UTC)
        await scheduler.tick()
    announcement, intro, question = fake.of("chat.postMessage")
    assert announcement["channel"] == intro["channel"] == question["channel"] == "CQUIZ"
    assert intro["text"].startswith("Quiz starting") and "weekly quiz night" in intro["text"]
    assert "Quiz night in 30 minutes" in announcement["text"] and "type your answers" in announcement["text"]
    assert "Question 1 of 2" in question["text"] and "Type your answer" in json.dumps(question["blocks"])


async def test_admin_rights_follow_slack_within_a_minute_and_a_failed_lookup_is_not_kept(slack) -> None:  # type: ignore[no-untyped-def]
    from adapters.slack.app import ADMIN_TTL, Admins

    fake, _, _, client = slack
    now = [0.0]
    admins = Admins(client, configured=set(), clock=lambda: now[0])
    fake.admins.add("UBECOMES")
    assert await admins.is_admin("UBECOMES")
    fake.admins.discard("UBECOMES")  # demoted in Slack
    assert await admins.is_admin("UBECOMES")  # still trusted for a moment...
    now[0] += ADMIN_TTL + 1
    assert not await admins.is_admin("UBECOMES")  # ...then Slack is asked again
    fake.admins.add("UREAL")
    fake.fail["users.info"] = "ratelimited"
    assert not await admins.is_admin("UREAL")  # a failed lookup refuses this once
    del fake.fail["users.info"]
    assert await admins.is_admin("UREAL")  # and is not remembered


async def test_the_bot_token_goes_only_to_slacks_file_host(slack, mini_app: Clio) -> None:  # type: ignore[no-untyped-def]
    from adapters.slack.app import slack_file

    fake, _, url, client = slack
    assert slack_file("https://files.slack.com/files-pri/T1-F1/notes.txt", client)
    for elsewhere in ("http://files.slack.com/x", "https://files.slack.com.attacker.example/x",
                      "https://attacker.example/files.slack.com", "https://127.0.0.1:1/x", None):
        assert not slack_file(elsewhere, client), elsewhere
    fake.files["notes.txt"] = b"General Kornilov moved on Petrograd."
    fake.urls["notes.txt"] = "https://attacker.example/collect"
    body = event_body({"type": "file_shared", "file_id": "notes.txt", "user_id": "UADMIN", "channel_id": "CREAD",
                       "event_ts": "1.1"})
    assert await post(url, body, {**signed(body), "Content-Type": "application/json"}) == 200
    (msg,) = await fake.wait_for("chat.postMessage")
    assert "not Slack's file host" in msg["text"]
    assert not fake.of("download") and store_count(mini_app) == 0


def store_count(app: Clio) -> int:
    return Records(app).count("sources")


async def test_a_daily_posts_mark_rides_as_metadata_and_is_found_after_a_crash(slack) -> None:  # type: ignore[no-untyped-def]
    from bot.services.schedule import daily_marker

    fake, _, _, client = slack
    outbox = SlackOutbox(client)
    ref = ConversationRef("slack", "slack:T111", "CDAILY")
    mark = daily_marker(dt.date(2026, 11, 7))
    assert not await outbox.posted(ref, mark)
    await outbox.send(ref, Reply(ok=True, title="On this day", body="The Winter Palace", marker=mark))
    (msg,) = fake.of("chat.postMessage")
    assert mark not in msg["text"]  # unseen by members
    assert await outbox.posted(ref, mark)
    assert not await outbox.posted(ConversationRef("slack", "slack:T111", "COTHER"), mark)


def test_the_readmes_manifests_subscribe_what_the_app_handles_in_both_modes() -> None:
    import yaml

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## On Slack"):readme.index("## On Discord")]
    manifests = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", section, re.S)]
    socket, http = manifests
    assert socket["settings"]["socket_mode_enabled"] and not http["settings"]["socket_mode_enabled"]
    source = (Path(__file__).resolve().parent.parent / "adapters" / "slack" / "app.py").read_text(encoding="utf-8")
    handled = set(re.findall(r'@app\.event\("([a-z_]+)"\)', source))
    needed = {"message.channels", "message.groups"} if "message" in handled else set()
    needed |= handled - {"message"}
    for m in manifests:
        assert needed <= set(m["settings"]["event_subscriptions"]["bot_events"]), needed
        scopes = set(m["oauth_config"]["scopes"]["bot"])
        # posting, posting where not invited, reading history (typed answers, the daily post's mark), admins, files
        # (and writing them: pictures)
        assert {"commands", "chat:write", "chat:write.public", "app_mentions:read", "channels:history",
                "groups:history", "users:read", "files:read"} <= scopes
        if "files_upload_v2" in source:  # pictures (a timeline, a quiz's standings) are uploaded files
            assert "files:write" in scopes
    url = "https://HOST/slack/events"
    assert http["settings"]["event_subscriptions"]["request_url"] == url
    assert http["settings"]["interactivity"]["request_url"] == url
    assert http["features"]["slash_commands"][0]["url"] == url
    assert "connections:write" in section  # the Socket Mode app token's scope


async def test_help_and_hints_on_slack_name_commands_as_slack_users_type_them(slack) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    body = command("help", fake_url)
    assert await post(url, body, signed(body)) == 200
    (answer,) = await fake.wait_for("respond")
    shown = answer["text"] + json.dumps(answer["blocks"], ensure_ascii=False)
    assert "/clio who NAME" in shown and "/clio quiz" in shown
    assert not re.search(r"(?<!clio )/(who|what|when|search|timeline|quiz|help)\b", shown), shown[:500]
