"""Three real OS processes on one PostgreSQL database (issue 23): two Discord shard groups (shard 0 and shard 1
of two) and one Slack app, each running `clio discord` or `clio slack` (tests/adapter_process.py) against the
local fakes: the fake Discord (tests/fake_discord.py) serves four servers, two on each shard, and the Slack app
gets real signed HTTP requests, its Web API calls going to the fake Slack of tests/test_slack.py.

One test, in the order a deployment meets them: daily posts (each goes out exactly once across the processes),
a quiz whose answer buttons reach both Discord processes (each member's answer counts once), a member's rate
limit (commands to the two processes add up), and the process holding the background lease killed with
SIGKILL (the other takes the lease within its ttl, far under a minute, and no post is lost or doubled: those
subscribed just before the kill, one subscribed after it, and the quiz's reveal, due after it).

The lease runs on a few seconds here (CLIO_LEASE_TTL, CLIO_LEASE_RENEW, CLIO_LEASE_POLL) and the daily-post
loop looks for new subscriptions every half second (CLIO_SCHEDULER_WAKE); everything else is the defaults.
Needs PostgreSQL (tests/pg.py): skipped without it, failed under CLIO_REQUIRE_PG=1."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

pytest.importorskip("discord")
pytest.importorskip("slack_bolt")
from aiohttp import ClientError, ClientSession  # noqa: E402

from bot.shared_state import open_shared  # noqa: E402
from tests.conftest import TEST_PACKS  # noqa: E402
from tests.fake_discord import ADMIN_ID, GUILD_ID, MEMBER_ID, FakeDiscord, channels_of, shard_of  # noqa: E402
from tests.test_slack import SECRET, TEAM, FakeSlack, serve  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARDS = 2
GUILDS = [str(int(GUILD_ID) + k * (1 << 22)) for k in range(4)]  # two servers on each shard
TTL, RENEW, POLL = 4.0, 1.0, 0.5  # the lease, in seconds (production: 45, 20, 10)
RATE = 5  # commands a member may send a minute
SASHA, RITA = "900000000000000004", "900000000000000005"
START_SECONDS = 120.0  # generous: three processes importing discord.py and slack-bolt on a loaded 2-core machine
WAIT_SECONDS = 30.0


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    shard: int | None = None  # Discord: the shard it runs

    def tail(self) -> str:
        return f"--- {self.name} (exit {self.popen.poll()}) ---\n" + \
            self.log.read_text(errors="replace")[-3000:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
            "Content-Type": "application/x-www-form-urlencoded"}


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


class Deployment:
    """The fakes, the three processes and what the test reads back."""

    def __init__(self, tmp: Path, pg_url: str):
        self.tmp, self.pg_url = tmp, pg_url
        self.discord = FakeDiscord(guilds=GUILDS)
        self.slack = FakeSlack()
        self.procs: list[Proc] = []
        self.killed: set[str] = set()
        self.state = open_shared(tmp / "reader.db", pg_url)  # the test's own view of the shared state
        self.slack_url = ""
        self._slack_runner: Any = None

    # --- processes ----------------------------------------------------------------------------------------

    def spawn(self, name: str, platform: str, **env: str) -> Proc:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "CLIO_"))
                and k.lower() not in ("http_proxy", "https_proxy")}
        base.update({"PYTHONPATH": str(ROOT), "CLIO_DB": str(self.tmp / f"{name}.db"), "CLIO_CONTENT": str(TEST_PACKS),
                     "CLIO_PACK": "mini", "CLIO_DATABASE_URL": self.pg_url, "CLIO_RATE_LIMIT": f"{RATE}/minute",
                     "CLIO_LEASE_TTL": str(TTL), "CLIO_LEASE_RENEW": str(RENEW), "CLIO_LEASE_POLL": str(POLL),
                     "CLIO_SCHEDULER_WAKE": "0.5", "CLIO_LOG_LEVEL": "INFO", **env})
        log = self.tmp / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen([sys.executable, "-m", "tests.adapter_process", platform], cwd=ROOT, env=base,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        proc = Proc(name, popen, log, int(env["CLIO_DISCORD_SHARD_IDS"]) if platform == "discord" else None)
        self.procs.append(proc)
        return proc

    async def start(self) -> None:
        await self.discord.start()
        self._slack_runner, fake_slack = await serve(self.slack.app)
        self.slack.base = fake_slack
        port = free_port()
        self.slack_url = f"http://127.0.0.1:{port}/slack/events"
        for shard in range(SHARDS):
            self.spawn(f"discord-{shard}", "discord", DISCORD_TOKEN=self.discord.token,
                       CLIO_DISCORD_SHARDS=str(SHARDS), CLIO_DISCORD_SHARD_IDS=str(shard),
                       CLIO_TEST_DISCORD_URL=self.discord.url)
        self.spawn("slack", "slack", SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET,
                   CLIO_SLACK_PORT=str(port), CLIO_TEST_SLACK_URL=fake_slack)
        await self.until(lambda: sorted(self.discord.shards()) == [(s, SHARDS) for s in range(SHARDS)],
                         START_SECONDS, "both Discord shards connected")
        await self.until_async(self._slack_listens, START_SECONDS, "the Slack app listening")
        await self.until(lambda: self.holder("discord") and self.holder("slack"), WAIT_SECONDS,
                         "each platform's background lease taken")

    async def _slack_listens(self) -> bool:
        try:
            async with ClientSession() as s, s.post(self.slack_url, data=b"x") as r:
                return r.status == 401  # up, and refusing an unsigned request
        except ClientError:
            return False

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.popen.poll() is None:
                proc.popen.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.popen.wait(15)
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait(10)
        self.state.close()
        await self.discord.stop()
        if self._slack_runner is not None:
            await self._slack_runner.cleanup()

    def by_shard(self, shard: int) -> Proc:
        return next(p for p in self.procs if p.shard == shard)

    def holder(self, platform: str) -> str | None:
        row = self.state.lease(f"background:{platform}")
        return row["holder"] if row else None

    def proc_of(self, holder: str) -> Proc:
        pid = int(holder.split(":")[1])  # bot/lease.py holder_id: host:pid:random
        return next(p for p in self.procs if p.popen.pid == pid)

    def alive(self) -> None:
        for proc in self.procs:
            if proc.name not in self.killed and proc.popen.poll() is not None:
                raise AssertionError(f"{proc.name} died\n{proc.tail()}")

    async def until(self, condition: Callable[[], Any], seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            self.alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {seconds:.0f} s for {what}\n" + "\n".join(p.tail() for p in self.procs))
            await asyncio.sleep(0.05)

    async def until_async(self, condition: Callable[[], Any], seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while not await condition():
            self.alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {seconds:.0f} s for {what}\n" + "\n".join(p.tail() for p in self.procs))
            await asyncio.sleep(0.1)

    # --- Discord ------------------------------------------------------------------------------------------

    async def answer_of(self, payload: dict[str, Any]) -> str:
        """The text of an interaction's first response."""
        prefix = f"/interactions/{payload['id']}/"
        done = lambda: next((c for c in self.discord.calls if c.path.startswith(prefix)), None)  # noqa: E731
        await self.until(done, WAIT_SECONDS, f"the answer to {payload['data'].get('name') or payload['data']}")
        return text_of(done().body)  # type: ignore[union-attr]

    async def subscribe(self, cid: str, at: str) -> None:
        """An admin sets the channel's daily post, through the process of its server's shard."""
        payload = await self.discord.slash("schedule", [{"type": 1, "name": "set", "options": [
            {"type": 3, "name": "time", "value": f"{at} UTC"}]}], user_id=ADMIN_ID, channel_id=cid)
        assert "Daily post set" in await self.answer_of(payload)

    def daily_posts(self, cid: str) -> list[Any]:
        return [c for c in self.discord.calls if c.method == "POST" and c.path == f"/channels/{cid}/messages"
                and "On this day" in text_of(c.body)]

    def posts_titled(self, cid: str, start: str) -> list[Any]:
        return [c for c in self.discord.calls if c.method == "POST" and c.path == f"/channels/{cid}/messages"
                and any((e.get("title") or "").startswith(start) for e in c.body.get("embeds") or [])]

    # --- Slack --------------------------------------------------------------------------------------------

    async def slack_command(self, text: str, user: str, channel: str) -> None:
        body = urlencode({"command": "/clio", "text": text, "user_id": user, "user_name": user.lower(),
                          "channel_id": channel, "team_id": TEAM,
                          "response_url": f"{self.slack.base}/respond/{TEAM}/{channel}", "trigger_id": "1.2",
                          "api_app_id": "A1"})
        async with ClientSession() as s, s.post(self.slack_url, data=body.encode(), headers=signed(body)) as r:
            assert r.status == 200

    def slack_posts(self, channel: str) -> list[dict]:
        return [b for m, b in self.slack.calls if m == "chat.postMessage" and b.get("channel") == channel
                and "On this day" in (b.get("text") or "")]


@pytest.fixture
async def deployment(tmp_path: Path, pg_url: str):  # noqa: ANN201
    d = Deployment(tmp_path, pg_url)
    try:
        await d.start()
        yield d
    finally:
        await d.stop()
    d.slack.assert_valid()


async def test_two_discord_shard_groups_and_a_slack_app_share_one_postgresql(deployment: Deployment) -> None:
    d, fake = deployment, deployment.discord
    on = {s: [g for g in GUILDS if shard_of(g, SHARDS) == s] for s in range(SHARDS)}  # servers of each shard
    due = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)).strftime("%H:%M")  # due at once, all day long

    # (a) each daily post exactly once: a channel on each shard and a Slack channel
    first = [channels_of(on[0][0])[0], channels_of(on[1][0])[0]]
    for cid in first:
        await d.subscribe(cid, due)
    await d.slack_command(f"schedule set {due} UTC", "UADMIN", "CPOSTS")
    await d.until(lambda: all(d.daily_posts(c) for c in first) and d.slack_posts("CPOSTS"), WAIT_SECONDS,
                  "the first daily posts")

    # (b) a quiz on shard 1's server; its buttons clicked through both Discord processes
    quiz_channel = channels_of(on[1][0])[1]
    start = await fake.slash("quiz", [{"type": 1, "name": "start", "options": [
        {"type": 3, "name": "topic", "value": "1 15"}]}], channel_id=quiz_channel)  # one question, 15 s
    assert "Quiz starting" in await d.answer_of(start)
    followup = lambda: next((c for c in fake.calls if c.method == "POST" and start["token"] in c.path  # noqa: E731
                             and buttons_of(c.body)), None)
    await d.until(followup, WAIT_SECONDS, "the quiz's question")
    buttons = buttons_of(followup().body)  # type: ignore[union-attr]
    question = next(m for m in fake.messages.values() if m["channel_id"] == quiz_channel and m["components"])
    here = {"channel_id": quiz_channel}
    # Masha's click reaches both processes at once (as when Discord moves a server to another shard)...
    clicks = [await fake.click(question, buttons[0]["custom_id"], shard=s, **here) for s in range(SHARDS)]
    clicks.append(await fake.click(question, buttons[1]["custom_id"], **here))  # ...then she tries another
    clicks.append(await fake.click(question, buttons[2]["custom_id"], user_id=SASHA, shard=0, **here))
    said = [await d.answer_of(c) for c in clicks]
    assert sum("recorded" in s for s in said[:3]) == 1, said  # Masha's first click counts, wherever it landed
    assert sum("already answered" in s for s in said[:3]) == 2, said
    assert "recorded" in said[3]
    with d.state.pool.connection() as conn:  # type: ignore[attr-defined]
        answers = conn.execute("select user_id, count(*) from quiz_answers where workspace = %s group by user_id",
                               [f"discord:{on[1][0]}"]).fetchall()
    assert sorted(answers) == sorted([(MEMBER_ID, 1), (SASHA, 1)])

    # (c) Rita's commands in one server reach both processes (as when Discord moves a server to another
    # shard); her limit counts them all
    rita_channel = channels_of(on[1][0])[0]
    replies = []
    for i in range(RATE + 2):
        asked = await fake.slash("who", [{"type": 3, "name": "name", "value": "Kornilov"}], user_id=RITA,
                                 channel_id=rita_channel, shard=i % SHARDS)
        replies.append(await d.answer_of(asked))
        if i < RATE:  # each process writes what it counted every 0.2 s: the next command goes once it is there
            await d.until(lambda: len(d.state.hits(f"discord:{on[1][0]}", RITA, 0)) == i + 1, WAIT_SECONDS,
                          f"Rita's command {i + 1} counted in the database")
    assert all("Kornilov" in r for r in replies[:RATE]), replies
    for refused in replies[RATE:]:  # the sixth and the seventh, one to each process
        assert refused.strip().startswith(f"Slow down: that is more than {RATE} commands in 1 minute"), refused

    # (d) two more channels subscribed, and at once the Discord lease's holder killed
    holder = d.holder("discord")
    assert holder is not None
    doomed = d.proc_of(holder)
    survivor = d.by_shard(1 - doomed.shard)  # type: ignore[operator]
    before_kill = [channels_of(on[0][1])[0], channels_of(on[1][1])[0]]
    for cid in before_kill:
        await d.subscribe(cid, due)
    doomed.popen.send_signal(signal.SIGKILL)
    d.killed.add(doomed.name)
    killed_at = time.monotonic()
    doomed.popen.wait(10)
    await d.until(lambda: d.holder("discord") not in (None, holder), 60, "the lease taken over")
    handed_over = time.monotonic() - killed_at
    assert d.proc_of(d.holder("discord")) is survivor  # type: ignore[arg-type]
    assert handed_over < min(60.0, TTL + POLL + 10), f"the lease passed on after {handed_over:.1f} s"

    after_kill = channels_of(on[survivor.shard][1])[1]  # type: ignore[index]
    await d.subscribe(after_kill, due)
    every = [*first, *before_kill, after_kill]
    await d.until(lambda: all(d.daily_posts(c) for c in every), WAIT_SECONDS, "every daily post")
    # the quiz's one question closes 15 s after it opened, by the quiz clock of whoever holds the lease now
    await d.until(lambda: d.posts_titled(quiz_channel, "Quiz over"), WAIT_SECONDS, "the quiz's end")
    await asyncio.sleep(2 * POLL + 1)  # several more rounds of every loop: nothing goes out twice
    d.alive()
    assert {c: len(d.daily_posts(c)) for c in every} == {c: 1 for c in every}
    assert len(d.slack_posts("CPOSTS")) == 1
    reveal = d.posts_titled(quiz_channel, "Question 1: the answer is")
    assert len(reveal) == 1 and len(d.posts_titled(quiz_channel, "Quiz over")) == 1
    title, revealed = reveal[0].body["embeds"][0]["title"], text_of(reveal[0].body)
    right = title.endswith(buttons[0]["label"].split(". ", 1)[1])
    assert revealed.count("Masha") == (1 if right else 0), revealed  # named once when right, never twice
    for proc in d.procs:  # nothing failed quietly on the way (handler errors only reach the logs)
        if proc is not doomed:
            assert " ERROR " not in proc.log.read_text(errors="replace"), proc.tail()
    print(f"\nlease handed over {handed_over:.1f} s after SIGKILL (ttl {TTL:g} s)")
