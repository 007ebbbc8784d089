"""A group's own quiz questions, as admins and members meet them: added in chat and from files (the pack's
YAML, Kahoot and Quizlet CSV) on the console, Discord and Slack; a bad file lists every problem with its line
and adds nothing; another workspace never lists or draws them; forgetting a workspace removes them; and a quiz
started with `mine` asks only them."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot import store
from bot.app import Clio
from bot.events import Context
from bot.services.own_questions import MAX_FILE_BYTES
from tests.conftest import TEST_PACKS

ROOT = Path(__file__).resolve().parents[1]
A = Context(workspace="discord:A", channel="quiz", user_id="admin-a", user_name="Ada", is_admin=True, platform="discord")
B = Context(workspace="discord:B", channel="quiz", user_id="admin-b", user_name="Bea", is_admin=True, platform="discord")
MEMBER_A = Context(workspace="discord:A", channel="quiz", user_id="member-a", user_name="Max", platform="discord")
T0 = dt.datetime(2026, 11, 20, 19, 0, tzinfo=dt.UTC)

ADD = ("/quiz add Who chaired the Petrograd Soviet in autumn 1917? | Leon Trotsky | Julius Martov; Irakli Tsereteli; "
       "Nikolai Chkheidze | Trotsky | Petrograd Soviet")

GOOD_YAML = """questions:
  - question: Which ship's gun signalled the storming of the Winter Palace?
    answer: Aurora
    options: [Aurora, Potemkin, Varyag, Novik]
    topic: October
    explanation: The cruiser Aurora fired a blank shot on the evening of 25 October.
  - question: Which city was renamed Petrograd in 1914?
    answer: Saint Petersburg
    options: [Moscow, Kiev, Odessa]
"""

# the first question is too short; the second offers its answer twice; the third has a wrong option the
# grader would take for the answer; the fourth an unknown field; the fifth no options at all
BAD_YAML = """questions:
  - question: Short?
    answer: Lenin
    options: [Lenin, Trotsky]
  - question: Which party did Lenin lead after 1903?
    answer: Bolsheviks
    options: [Bolsheviks, Bolsheviks, Mensheviks]
  - question: Who led the Provisional Government in October 1917?
    answer: Alexander Kerensky
    options: [Alexander Kerensky, Kerensky, Lavr Kornilov]
  - question: Who commanded the Red Army in the Civil War?
    answer: Leon Trotsky
    options: [Leon Trotsky, Mikhail Frunze]
    colour: red
  - question: Which treaty took Russia out of the First World War?
    answer: Brest-Litovsk
"""

KAHOOT = (
    "Quiz template,,,,,,\n"
    "Add questions below,,,,,,\n"
    "Question - max 120 characters,Answer 1 - max 75 characters,Answer 2 - max 75 characters,"
    "Answer 3 - max 75 characters,Answer 4 - max 75 characters,Time limit (sec) - 5; 10; 20; 30; 60; 90; 120; or 240 secs,"
    "Correct answer(s) - choose at least one\n"
    "In which year did the February Revolution break out?,1905,1917,1921,1914,20,2\n"
    "\"Who wrote \"\"What Is to Be Done?\"\" in 1902?\",Julius Martov,Georgi Plekhanov,Vladimir Lenin,Leon Trotsky,30,3\n"
)

BAD_KAHOOT = (
    "Question - max 120 characters,Answer 1,Answer 2,Answer 3,Answer 4,Time limit (sec),Correct answer(s)\n"
    "Which body ruled Russia between February and October 1917?,Provisional Government,Duma,Sovnarkom,Cheka,20,1\n"
    "Which of these were Bolshevik leaders in 1917?,Lenin,Trotsky,Kerensky,Milyukov,20,\"1,2\"\n"
    "Who founded the Cheka in December 1917?,Felix Dzerzhinsky,,,,twenty,3\n"
    "Tiny?,a,b,,,20,1\n"
)

QUIZLET = ("Cheka\tthe Bolsheviks' secret police, founded in 1917\n"
           "Sovnarkom\tthe Council of People's Commissars\n"
           "Kadets\tthe Constitutional Democratic party\n"
           "Zemstvo\tan elected district council of the tsarist countryside\n"
           "Duma\tthe elected legislature the tsar conceded in 1905\n")


def own(app: Clio, ws: str) -> list[dict[str, Any]]:
    return app.workspace_data.own_questions(ws)  # wherever they are kept (the file, or PostgreSQL)


def asked(app: Clio, ctx: Context) -> list[Any]:
    """The running quiz's questions in the member's channel."""
    quiz = app.quiz.repo.running(ctx.workspace, ctx.channel)
    assert quiz is not None
    return [app.quiz.repo.question(quiz.id, i) for i in range(quiz.total)]


@pytest.fixture
async def fake_discord():  # type: ignore[no-untyped-def]
    pytest.importorskip("discord")
    from tests.fake_discord import FakeDiscord

    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def slack_env(mini_app: Clio, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The Slack app behind signed HTTP, with Slack's Web API played on loopback (as in test_slack.py)."""
    pytest.importorskip("slack_bolt")
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.slack.app import build_app
    from tests.test_slack import SECRET, FakeSlack, serve

    for var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(var, raising=False)
    fake = FakeSlack()
    fake_runner, fake_url = await serve(fake.app)
    fake.base = fake_url
    client = AsyncWebClient(token="xoxb-test", base_url=f"{fake_url}/api/")
    bolt_runner, bolt_url = await serve(build_app(mini_app, client=client, signing_secret=SECRET).web_app(path="/slack/events"))
    yield fake, fake_url, bolt_url + "/slack/events", client
    await bolt_runner.cleanup()
    await fake_runner.cleanup()


@pytest.fixture
def app(mini_app: Clio) -> Clio:
    mini_app.clock = lambda: T0
    return mini_app


# --- in chat ---------------------------------------------------------------------------------------------------


def test_an_admin_adds_a_question_in_chat_and_a_member_cannot(app: Clio) -> None:
    refused = app.handle_text(ADD, MEMBER_A)
    assert not refused.ok and "admins" in refused.body and own(app, A.workspace) == []
    added = app.handle_text(ADD, A)
    assert added.ok and added.title.startswith("Question ") and "added" in added.title
    (q,) = own(app, A.workspace)
    assert q["answer"] == "Leon Trotsky" and q["accept"] == ["Trotsky"] and q["topic"] == "Petrograd Soviet"
    assert q["options"][0] == "Leon Trotsky" and len(q["options"]) == 4  # the answer joined the options
    listed = app.handle_text("/quiz questions", MEMBER_A)  # members may see the list, without the answers
    assert f"{q['id']}. [Petrograd Soviet] Who chaired the Petrograd Soviet" in listed.body
    assert "Leon Trotsky" not in listed.body
    again = app.handle_text(ADD, A)
    assert not again.ok and "already has that question" in again.body
    assert not app.handle_text(f"/quiz remove {q['id']}", MEMBER_A).ok
    assert app.handle_text(f"/quiz remove {q['id']}", A).ok and own(app, A.workspace) == []
    assert "no question" in app.handle_text(f"/quiz remove {q['id']}", A).body


@pytest.mark.parametrize("text, says", [
    ("/quiz add Who led the Bolsheviks?", "Use /quiz add QUESTION | ANSWER"),
    ("/quiz add Short? | Lenin | Trotsky; Martov", "question: String should have at least 10 characters"),
    ("/quiz add Who led the Bolsheviks in 1917? | Lenin | Lenin; Lenin; Trotsky", "must appear exactly once"),
    ("/quiz add Which general marched on Petrograd in 1917? | Lavr Kornilov | Kornilov; Denikin",
     "would grade the wrong option 'Kornilov' right"),
    ("/quiz add Who led the Bolsheviks in 1917? | " + "L" * 300 + " | Trotsky", "answer: String should have at most 200"),
    ("/quiz add Who led the Bolsheviks in 1917? | Lenin | a; b; c; d; e; f", "options: List should have at most 6"),
    ("/quiz remove seven", "Give the question's number"),
    ("/quiz import notes.csv", "on Discord, /quiz import with the file attached"),  # a path only in the console
])
def test_bad_questions_in_chat_get_a_clear_message_and_store_nothing(app: Clio, text: str, says: str) -> None:
    reply = app.handle_text(text, A)
    assert not reply.ok and says in reply.text() and "Traceback" not in reply.text()
    assert own(app, A.workspace) == []


def test_hostile_text_is_cleaned_and_never_pings(app: Clio) -> None:
    reply = app.handle_text("/quiz add Who\x00 shouted\u202e @everyone at the Tauride Palace? | <!channel> | "
                            "@here; Chernov | | @everyone", A)
    assert reply.ok, reply.text()
    (q,) = own(app, A.workspace)
    stored = json.dumps(q, ensure_ascii=False)
    assert "\x00" not in stored and "\u202e" not in stored
    assert "@everyone" not in stored and "<!channel>" not in stored and "@here" not in stored
    assert "@\u2060everyone" in q["question"]
    shown = app.handle_text("/quiz start mine 1", A)
    assert "@everyone" not in shown.text() and "<!channel>" not in shown.text()


# --- files -----------------------------------------------------------------------------------------------------


def test_a_yaml_file_in_the_packs_format_adds_every_question(app: Clio, tmp_path: Path) -> None:
    f = tmp_path / "october.yaml"
    f.write_text(GOOD_YAML, encoding="utf-8")
    reply = app.handle_text(f"/quiz import {f}", Context(workspace="console:local", is_admin=True))
    assert reply.ok and "2 question(s) added from october.yaml" in reply.title
    aurora, city = own(app, "console:local")
    assert aurora["explanation"].startswith("The cruiser Aurora") and aurora["topic"] == "October"
    assert city["options"][0] == "Saint Petersburg" and len(city["options"]) == 4
    again = app.handle_text(f"/quiz import {f}", Context(workspace="console:local", is_admin=True))
    assert "0 question(s) added" in again.title and "2 were already here" in again.body  # importing twice adds nothing


def test_a_bad_yaml_file_lists_every_problem_with_its_line_and_adds_nothing(app: Clio, tmp_path: Path) -> None:
    app.handle_text(ADD, Context(workspace="console:local", is_admin=True))
    f = tmp_path / "bad.yaml"
    f.write_text(GOOD_YAML + BAD_YAML.removeprefix("questions:\n"), encoding="utf-8")
    reply = app.handle_text(f"/quiz import {f}", Context(workspace="console:local", is_admin=True))
    assert not reply.ok and reply.exit_code == 2
    text = reply.text()
    assert "problem(s) in bad.yaml; nothing was added" in text
    off = len(GOOD_YAML.splitlines())  # the bad questions follow the two good ones
    for line, says in ((off + 1, "question: String should have at least 10 characters"),
                       (off + 4, "must appear exactly once in options"),
                       (off + 9, "would grade the wrong option 'Kerensky' right"),
                       (off + 13, "colour: Extra inputs are not permitted"),
                       (off + 14, "options: List should have at least 2 items")):
        assert f"line {line}: " in text and says in text, (line, says, text)
        assert any(ln.startswith(f"line {line}: ") and says in ln for ln in text.splitlines()), (line, says)
    assert len(own(app, "console:local")) == 1  # the good questions of a bad file are not added either


@pytest.mark.parametrize("content, says", [
    ("questions: [\n  - oops", "YAML syntax"),
    ("people:\n  - id: x\n", "expected `questions:`"),
    ("a: &x [1]\nquestions: *x\n", "anchors, aliases and tags are not allowed"),
    (b"\xff\xfe\x00questions".decode("latin-1"), "not UTF-8"),
])
def test_unreadable_yaml_is_one_clear_line(app: Clio, tmp_path: Path, content: str, says: str) -> None:
    f = tmp_path / "q.yaml"
    f.write_bytes(content.encode("latin-1") if "not UTF-8" in says else content.encode())
    reply = app.handle_text(f"/quiz import {f}", Context(workspace="console:local", is_admin=True))
    assert not reply.ok and says in reply.text()
    assert own(app, "console:local") == []


def test_a_kahoot_spreadsheet_becomes_questions_with_the_numbered_answer(app: Clio, tmp_path: Path) -> None:
    f = tmp_path / "kahoot.csv"
    f.write_text(KAHOOT, encoding="utf-8")
    reply = app.handle_text(f"/quiz import {f}", Context(workspace="console:local", is_admin=True))
    assert reply.ok and "2 question(s) added" in reply.title, reply.text()
    feb, lenin = own(app, "console:local")
    assert feb["answer"] == "1917" and feb["options"] == ["1905", "1917", "1921", "1914"]
    assert lenin["question"] == 'Who wrote "What Is to Be Done?" in 1902?' and lenin["answer"] == "Vladimir Lenin"


def test_a_bad_kahoot_spreadsheet_lists_every_problem_with_its_line_and_adds_nothing(app: Clio, tmp_path: Path) -> None:
    f = tmp_path / "kahoot.csv"
    f.write_text(BAD_KAHOOT, encoding="utf-8")
    text = app.handle_text(f"/quiz import {f}", Context(workspace="console:local", is_admin=True)).text()
    lines = text.splitlines()
    for line, says in ((3, "one right answer, not 2"), (4, "answer 3 is empty"), (4, "Time limit: a number of seconds"),
                       (5, "question: String should have at least 10 characters")):
        assert any(ln.startswith(f"line {line}: ") and says in ln for ln in lines), (line, says, text)
    assert not any(ln.startswith("line 2: ") for ln in lines)  # the good row has no problem, and is not added
    assert own(app, "console:local") == []


def test_a_quizlet_export_draws_wrong_options_from_the_other_definitions(app: Clio, tmp_path: Path) -> None:
    for name, content in (("set.tsv", QUIZLET), ("set.csv", QUIZLET.replace("\t", ","))):
        ws = Context(workspace=f"console:{name}", is_admin=True)
        f = tmp_path / name
        f.write_text(content, encoding="utf-8")
        reply = app.handle_text(f"/quiz import {f}", ws)
        assert reply.ok and "5 question(s) added" in reply.title, reply.text()
        rows = own(app, ws.workspace)
        definitions = {r["answer"] for r in rows}
        cheka = next(r for r in rows if "Cheka" in r["question"])
        assert cheka["answer"] == "the Bolsheviks' secret police, founded in 1917"
        assert len(cheka["options"]) == 4 and len(set(cheka["options"])) == 4
        assert set(cheka["options"]) <= definitions  # the wrong options are the file's other definitions
    short = tmp_path / "one.tsv"
    short.write_text("Cheka\tsecret police\nOkhrana\tsecret police\nLone line without a definition\n", encoding="utf-8")
    text = app.handle_text(f"/quiz import {short}", Context(workspace="console:x", is_admin=True)).text()
    assert "line 3: expected a term and its definition" in text and "at least two different definitions" in text


def test_file_limits(app: Clio, tmp_path: Path) -> None:
    big = tmp_path / "big.tsv"
    big.write_bytes(b"x\ty\n" * (MAX_FILE_BYTES // 4 + 1))
    reply = app.handle_text(f"/quiz import {big}", Context(workspace="console:local", is_admin=True))
    assert not reply.ok and "KB limit" in reply.body
    many = tmp_path / "many.tsv"
    many.write_text("".join(f"Term number {i}\tdefinition number {i}\n" for i in range(501)), encoding="utf-8")
    reply = app.handle_text(f"/quiz import {many}", Context(workspace="console:local", is_admin=True))
    assert not reply.ok and "line 501: more than 500 questions in one file" in reply.body
    for bad in ("notes.pdf", "missing.csv"):
        reply = app.handle_text(f"/quiz import {tmp_path / bad}", Context(workspace="console:local", is_admin=True))
        assert not reply.ok and ("There is no file" in reply.body or "question files are" in reply.body)
    assert own(app, "console:local") == []


# --- the console, Discord and Slack -----------------------------------------------------------------------------


def clio(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLIO_DB": str(db), "CLIO_CONTENT": str(TEST_PACKS), "CLIO_PACK": "mini"}
    return subprocess.run([sys.executable, "-m", "adapters.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_the_console_adds_by_chat_and_by_path(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    out = clio("ask", ADD, db=db)
    assert out.returncode == 0 and "added" in out.stdout, out.stdout + out.stderr
    f = tmp_path / "kahoot.csv"
    f.write_text(KAHOOT, encoding="utf-8")
    out = clio("ask", f"/quiz import {f}", db=db)
    assert out.returncode == 0 and "2 question(s) added from kahoot.csv" in out.stdout, out.stdout + out.stderr
    listed = clio("ask", "/quiz questions", db=db).stdout
    assert "own questions: 3" in listed and "February Revolution" in listed
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_KAHOOT, encoding="utf-8")
    out = clio("ask", f"/quiz import {bad}", db=db)
    assert out.returncode == 2 and "line 3: " in out.stdout and "Traceback" not in out.stderr


async def test_discord_adds_by_chat_and_by_attachment(fake_discord, mini_app: Clio, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fake_discord import ADMIN_ID, GUILD_ID
    from tests.test_discord import callback_of, ephemeral, start_bot, text_of

    fake = fake_discord
    bot = await start_bot(fake, mini_app, monkeypatch)
    ws = f"discord:{GUILD_ID}"
    try:
        sync = await fake.wait_for(lambda c: c.method == "PUT" and c.path.endswith("/commands"))
        quiz = next(c for c in sync.body if c["name"] == "quiz")
        sub = {o["name"]: o for o in quiz["options"]}
        assert sub["import"]["options"][0]["type"] == 11  # an attachment, not a path
        assert {"add", "questions", "remove"} <= set(sub)

        typed = ADD.removeprefix("/quiz add ")
        payload = await fake.slash("quiz", [{"type": 1, "name": "add", "options": [
            {"type": 3, "name": "question", "value": typed}]}], user_id=ADMIN_ID)
        added = await fake.wait_for(callback_of(payload))
        assert "added" in text_of(added.body) and len(own(mini_app, ws)) == 1

        def attach(name: str, content: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
            fake.files[name] = content.encode()
            att = {"id": fake.next_id(), "filename": name, "size": len(content.encode()),
                   "url": f"{fake.url}/attachments/{name}", "proxy_url": f"{fake.url}/attachments/{name}",
                   "content_type": "text/csv"}
            return ([{"type": 1, "name": "import", "options": [{"type": 11, "name": "file", "value": att["id"]}]}],
                    {"attachments": {att["id"]: att}})

        options, resolved = attach("kahoot.csv", KAHOOT)
        refused = await fake.wait_for(callback_of(await fake.slash("quiz", options, resolved=resolved)))
        assert ephemeral(refused) and "Manage Server" in text_of(refused.body) and len(own(mini_app, ws)) == 1

        options, resolved = attach("kahoot.csv", KAHOOT)
        payload = await fake.slash("quiz", options, resolved=resolved, user_id=ADMIN_ID)
        deferred = await fake.wait_for(callback_of(payload))
        assert deferred.body["type"] == 5 and ephemeral(deferred)
        done = await fake.wait_for(lambda c: c.method == "PATCH" and "@original" in c.path
                                   and "question(s) added" in text_of(c.body), timeout=30)
        assert "2 question(s) added from kahoot.csv" in text_of(done.body)
        assert len(own(mini_app, ws)) == 3

        options, resolved = attach("bad.csv", BAD_KAHOOT)
        await fake.slash("quiz", options, resolved=resolved, user_id=ADMIN_ID)
        bad = await fake.wait_for(lambda c: c.method == "PATCH" and "@original" in c.path
                                  and "nothing was added" in text_of(c.body), timeout=30)
        assert "line 3: " in text_of(bad.body) and len(own(mini_app, ws)) == 3
    finally:
        await bot.close()
        await bot.task  # type: ignore[attr-defined]


async def test_slack_adds_by_chat_and_by_a_file_shared_with_quiz_import(slack_env, mini_app: Clio) -> None:
    from tests.test_slack import TEAM, command, event_body, post, signed

    fake, fake_url, url, _ = slack_env
    ws = f"slack:{TEAM}"
    body = command(ADD.removeprefix("/"), fake_url, user="UADMIN")
    assert await post(url, body, signed(body)) == 200
    (answer,) = await fake.wait_for("respond")
    assert "added" in answer["text"] and len(own(mini_app, ws)) == 1

    fake.files["set.tsv"] = QUIZLET.encode()

    def share(user: str, text: str, event_id: str) -> str:
        return event_body({"type": "message", "subtype": "file_share", "user": user, "channel": "CQUIZ", "team": TEAM,
                           "text": text, "ts": f"{time.time():.6f}", "files": [{"id": "set.tsv", "name": "set.tsv"}]}
                          ).replace('"event_id": "Ev1"', f'"event_id": "{event_id}"')

    for user, text, eid in (("UMEMBER", "quiz import", "Ev2"), ("UADMIN", "a note about the set", "Ev3"),
                            ("UADMIN", "<@UBOT> quiz import", "Ev4")):
        shared = share(user, text, eid)
        assert await post(url, shared, {**signed(shared), "Content-Type": "application/json"}) == 200
    (msg,) = await fake.wait_for("chat.postMessage")
    assert "5 question(s) added from set.tsv" in msg["text"] and msg["channel"] == "CQUIZ"
    refusal = (await fake.wait_for("chat.postEphemeral"))[0]
    assert refusal["user"] == "UMEMBER" and "admins" in refusal["text"]
    assert len(own(mini_app, ws)) == 6  # the member's share and the share without the command added nothing
    assert mini_app.readings.sources(ws) == []  # a question file is no reading

    # the reading handler leaves a question file alone
    file_shared = event_body({"type": "file_shared", "file_id": "set.tsv", "user_id": "UADMIN", "channel_id": "CQUIZ",
                              "event_ts": "1.1"}).replace('"event_id": "Ev1"', '"event_id": "Ev5"')
    assert await post(url, file_shared, {**signed(file_shared), "Content-Type": "application/json"}) == 200
    await asyncio.sleep(0.2)
    assert len(fake.of("chat.postMessage")) == 1 and mini_app.readings.sources(ws) == []


# --- isolation, forgetting, drawing ------------------------------------------------------------------------------


def test_another_workspace_neither_lists_nor_draws_them_and_deleting_a_workspace_removes_them(app: Clio) -> None:
    assert app.handle_text(ADD, A).ok
    (q,) = own(app, A.workspace)
    assert "None yet" in app.handle_text("/quiz questions", B).body
    assert not app.handle_text(f"/quiz remove {q['id']}", B).ok and len(own(app, A.workspace)) == 1
    mine = app.handle_text("/quiz start mine", B)
    assert not mine.ok and "no quiz questions of its own" in mine.body
    for topic in ("", "Petrograd Soviet", "1917"):  # B's quizzes never draw A's question
        bank = app.quiz.bank(B.workspace, topic or None)
        assert all(not str(x["id"]).startswith("own-") for x in bank), topic
        assert any(x["id"] == f"own-{q['id']}" for x in app.quiz.bank(A.workspace, topic or None)), topic
    assert app.handle_text(ADD, B).ok  # the same question in B is B's own
    app.workspaces.removed(A.workspace, T0)
    assert app.workspaces.purge_due(T0 + dt.timedelta(days=31)) == [A.workspace]
    assert own(app, A.workspace) == [] and len(own(app, B.workspace)) == 1
    store.delete_workspace(app.db, B.workspace)
    assert own(app, A.workspace) == own(app, B.workspace) == []


def test_a_quiz_started_with_mine_asks_only_the_groups_own_questions(app: Clio, tmp_path: Path) -> None:
    f = tmp_path / "set.tsv"
    f.write_text(QUIZLET, encoding="utf-8")
    assert app.handle_text(f"/quiz import {f}", Context(workspace=A.workspace, is_admin=True, platform="console")).ok
    first = app.handle_text("/quiz start mine 10 10", A)
    assert first.ok and "5 question(s)" in first.body  # all five of its own, and nothing else
    rows = asked(app, A)
    assert len(rows) == 5 and all(r.qid.startswith("own-") for r in rows)
    assert {r.answer for r in rows} == {r["answer"] for r in own(app, A.workspace)}
    app.handle_text("/quiz stop", A)
    on_topic = app.handle_text("/quiz start own Cheka 10 10", A)
    assert on_topic.ok and "1 question(s)" in on_topic.body and "Cheka" in on_topic.body
    app.handle_text("/quiz stop", A)
    # without "mine" the group's own questions join the pack's
    app.handle_text("/quiz start 50 10", A)
    qids = [r.qid for r in asked(app, A)]
    assert any(q.startswith("own-") for q in qids) and any(not q.startswith("own-") for q in qids)
    nothing = app.handle_text("/quiz start mine Zyxwv", B)
    assert not nothing.ok and "no quiz questions of its own" in nothing.body
