"""Load through one bot process on loopback: the real discord.py client against the local Discord
(tests/fake_discord.py). 50 members answer one quiz question at the same moment (each clicks twice), then
lookups arrive at 200 a second for CLIO_LOAD_SECONDS (15 by default: 3,000 lookups). Bounded: the loops stop by themselves.
Nothing may be lost: every interaction answered exactly once, every answer recorded once. The p99 latency
(interaction sent -> answer received by Discord) is printed."""

from __future__ import annotations

import asyncio
import os
import statistics
import time

import pytest

pytest.importorskip("discord")

from tests.records import Records  # noqa: E402
from tests.fake_discord import ADMIN_ID  # noqa: E402
from tests.test_discord import buttons_of, callback_of, fake, followup_of, start_bot  # noqa: E402,F401  (fake: the fixture)

SECONDS = float(os.environ.get("CLIO_LOAD_SECONDS", "15"))
RATE = 200
NAMES = ["Kornilov", "kornilof", "Kerensky", "Kerenskii", "Керенский", "Alexander III", "Empress Alexandra",
         "Lavr Kornilov", "Alexander", "nobody at all"]


async def test_load_quiz_answers_and_lookups_nothing_lost(fake, tmp_path, monkeypatch, capsys, make_app):
    app = make_app(tmp_path / "clio.db", pack="mini", rate_limit="1000000/minute")
    bot = await start_bot(fake, app, monkeypatch, sync=False)
    try:
        start = await fake.slash("quiz", [{"type": 1, "name": "start", "options": [
            {"type": 3, "name": "topic", "value": "1 120"}]}], user_id=ADMIN_ID)
        await fake.wait_for(callback_of(start))
        question = await fake.wait_for(followup_of(start))  # "Quiz starting", then the question
        message = next(m for m in fake.messages.values() if m["components"])
        buttons = buttons_of(question.body)
        members = [str(910_000_000_000_000_000 + i) for i in range(50)]

        async def answer(i: int, uid: str) -> dict:
            return await fake.click(message, buttons[i % len(buttons)]["custom_id"], user_id=uid)

        clicks = await asyncio.gather(*(answer(i, uid) for i, uid in enumerate(members)),
                                      *(answer(i + 1, uid) for i, uid in enumerate(members)))
        for click in clicks:
            await fake.wait_for(callback_of(click), timeout=60)
        (stored,) = Records(app).rows("quiz_answers", columns="count(*) as n, count(distinct user_id) as members")
        assert (stored["n"], stored["members"]) == (50, 50)

        sent: dict[str, float] = {}
        t0 = time.perf_counter()
        for i in range(int(SECONDS * RATE)):  # paced at RATE a second, ends after SECONDS
            delay = t0 + i / RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            payload = await fake.slash("who", [{"type": 3, "name": "name", "value": NAMES[i % len(NAMES)]}],
                                       user_id=str(920_000_000_000_000_000 + i % 500))
            sent[payload["id"]] = time.perf_counter()
        offered = time.perf_counter() - t0
        tokens = {fake.interactions[i].token: i for i in sent}

        def edited() -> set[str]:  # deferred interactions whose answer has replaced "Clio is thinking…"
            return {tokens[c.path.split("/")[3]] for c in fake.calls if c.method == "PATCH"
                    and c.path.endswith("/messages/@original") and c.path.split("/")[3] in tokens}

        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline:
            answered = {c.path.split("/")[2]: c for c in fake.calls if c.path.endswith("/callback")}
            deferred = {i for i in sent if i in answered and answered[i].body["type"] == 5}
            if all(i in answered for i in sent) and deferred <= edited():
                break
            await asyncio.sleep(0.2)
        answered = {}
        for c in fake.calls:
            if c.path.endswith("/callback"):
                iid = c.path.split("/")[2]
                assert iid not in answered, "an interaction was answered twice"
                answered[iid] = c
        missing = [i for i in sent if i not in answered]
        assert not missing, f"{len(missing)} of {len(sent)} lookups never answered"
        # answered at once, or (when the machine is slow) deferred within Discord's 3 s and then edited
        assert all(answered[i].body["type"] in (4, 5) for i in sent)
        deferred = {i for i in sent if answered[i].body["type"] == 5}
        assert deferred <= edited(), f"{len(deferred - edited())} deferred lookups never got their answer"
        latencies = sorted((answered[i].at - t) * 1000 for i, t in sent.items())
        p50, p99 = statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1]
        with capsys.disabled():
            print(f"\nload: {len(sent)} lookups offered at {len(sent) / offered:.0f}/s over {offered:.1f} s, "
                  f"p50 {p50:.1f} ms, p99 {p99:.1f} ms ({len(deferred)} deferred); 100 quiz clicks from 50 members "
                  "-> 50 answers")
    finally:
        await bot.close()
        await bot.task  # type: ignore[attr-defined]
