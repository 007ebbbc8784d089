"""The console adapter as a user runs it: `clio ask` in a real process, its JSON contract and exit codes,
and hostile input that must get a clear message, never a traceback."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters import console
from bot.app import Clio
from tests.conftest import TEST_PACKS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def clio(new_database_url):  # noqa: ANN001, ANN201
    """`clio(*args, db=..., stdin=...)` runs the console in a real process on the backend under test."""
    url = new_database_url()

    def run(*args: str, db: Path, pack: str = "mini", stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "CLIO_DB": str(db), "CLIO_CONTENT": str(TEST_PACKS), "CLIO_PACK": pack}
        if url:
            env["CLIO_DATABASE_URL"] = url
        return subprocess.run([sys.executable, "-m", "adapters.cli", *args], capture_output=True, text=True,
                              env=env, cwd=ROOT, input=stdin, timeout=120)

    return run


def test_ask_json_contract_for_a_match(tmp_path: Path, clio) -> None:  # noqa: ANN001
    out = clio("ask", "--json", "/who kornilof", db=tmp_path / "c.db")
    assert out.returncode == 0, out.stderr
    reply = json.loads(out.stdout)
    assert reply["ok"] is True
    assert reply["match"]["id"] == "kornilov"
    assert set(reply["match"]) == {"id", "name", "type", "score"}
    assert reply["match"]["type"] == "person" and 80 <= reply["match"]["score"] <= 100
    assert reply["suggestions"] == []
    assert "Figes" in reply["text"]  # an answer names the reading it comes from


def test_ask_json_for_no_match_is_null_with_a_nonzero_exit(tmp_path: Path, clio) -> None:  # noqa: ANN001
    out = clio("ask", "--json", "/who Napoleon Bonaparte", db=tmp_path / "c.db")
    assert out.returncode == 1
    reply = json.loads(out.stdout)
    assert reply["ok"] is False and reply["match"] is None
    assert isinstance(reply["suggestions"], list)


def test_ask_json_for_an_ambiguous_name_offers_choices(tmp_path: Path, clio) -> None:  # noqa: ANN001
    reply = json.loads(clio("ask", "--json", "/who Alexander", db=tmp_path / "c.db").stdout)
    assert reply["match"] is None
    assert {s["id"] for s in reply["suggestions"]} == {"alexander-iii", "kerensky"}
    assert {b["value"] for b in reply["buttons"]} == {"Alexander III", "Alexander Kerensky"}


@pytest.mark.parametrize(
    ("text", "code", "says"),
    [
        ("", 2, "Say something"),
        ("   \t ", 2, "Say something"),
        ("/who", 2, "Tell me a name"),
        ("/who " + "x" * 10_000, 2, "10,005 characters"),
        ("/who " + "Ленин " * 40, 2, "at most 200"),
        ('/who Lenin" OR', 1, "No one called"),
        ("/search Lenin\" OR 'x' NEAR(", 1, "Nothing mentions"),
        ("/who @everyone", 1, "@\u2060everyone"),
        ("/what <!channel>", 1, "<\u2060!channel>"),
        ("/who \x07\x1bKornilov\u200b\u202e", 0, "Lavr Kornilov"),
        ("/who 👑🇷🇺", 1, "No one called"),
        ("/nosuchcommand hello", 2, "don't know the command"),
        ("/timeline nineteen-seventeen", 2, "Give a year"),
        ("/help nosuch", 2, "no /nosuch command"),
    ],
)
def test_bad_input_gets_a_clear_message_and_exit_code(tmp_path: Path, text: str, code: int, says: str, clio) -> None:  # noqa: ANN001
    out = clio("ask", text, db=tmp_path / "c.db")
    assert out.returncode == code, out.stdout + out.stderr
    assert says in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_nul_and_control_characters_are_dropped(mini_app: Clio) -> None:
    reply = mini_app.handle_text("/who \x00Korn\x00ilov\x7f\r")
    assert reply.match is not None and reply.match.id == "kornilov"


def test_mentions_in_user_text_never_reach_a_reply_intact(mini_app: Clio) -> None:
    for text in ("/who @everyone", "/who @here", "/what <!channel>", "/who <@U123>", "/search @everyone"):
        rendered = mini_app.handle_text(text).text()
        assert "@everyone" not in rendered and "@here" not in rendered
        assert "<!channel>" not in rendered and "<@U123>" not in rendered


def test_chat_answers_line_by_line_until_end_of_input(mini_app: Clio) -> None:
    out = io.StringIO()
    code = console.chat(mini_app, io.StringIO("/who kornilof\n\n/when October Revolution\n/quit\n/who kerensky\n"), out)
    text = out.getvalue()
    assert code == 0
    assert "Lavr Kornilov" in text and "25 Oct 1917 O.S. / 7 Nov 1917 N.S." in text
    assert "Kerensky (4 May" not in text  # nothing after /quit is answered


def test_chat_in_a_real_process(tmp_path: Path, clio) -> None:  # noqa: ANN001
    out = clio("chat", db=tmp_path / "c.db", stdin="/who Корнилов\n/help\n")
    assert out.returncode == 0 and "Lavr Kornilov" in out.stdout and "/timeline" in out.stdout


async def test_a_quiz_running_before_a_restart_shows_its_question_again(mini_settings) -> None:  # type: ignore[no-untyped-def]
    from adapters import console

    first = Clio(mini_settings)
    started = first.handle_text("/quiz start 3 60", console.CONSOLE)
    question = started.then[0].title if started.then else started.title
    first.close()
    restarted = Clio(mini_settings)
    out = io.StringIO()
    try:
        assert await console.chat_async(restarted, io.StringIO("/quit\n"), out) == 0
    finally:
        restarted.close()
    text = out.getvalue()
    assert "A quiz is running here; its question again:" in text and "Question 1 of 3" in text, (question, text)


async def test_the_prompt_is_drawn_again_after_a_message_clio_posts_by_itself(mini_settings) -> None:  # type: ignore[no-untyped-def]
    from adapters import console
    from bot.events import ConversationRef
    from bot.response import Reply

    out = io.StringIO()
    outbox = console.ConsoleOutbox(out, "quiz in", console.PROMPT)
    await outbox.send(ConversationRef("console", "console:local", "console"), Reply(ok=True, title="Question 1: the answer is B"))
    assert out.getvalue().endswith("Question 1: the answer is B\n\n" + console.PROMPT)
    quiet = io.StringIO()
    await console.ConsoleOutbox(quiet, "quiz in").send(ConversationRef("console", "console:local", "console"),
                                                       Reply(ok=True, title="x"))
    assert not quiet.getvalue().endswith(console.PROMPT)  # no prompt where none is drawn (piped input)
