"""`clio migrate-db --to postgresql://...`: a deployment running on its SQLite file moves what PostgreSQL keeps
(bot/storage/migrate.py) and, with CLIO_DATABASE_URL set, the same commands give the same answers: the daily
posts and quiz nights it had, paused or not, today's post not sent twice, the admins' pending notice; the
quizzes' scores, leaderboards and appeals, a quiz still running, and new quizzes and appeals after the move;
the readings ingested (the shared ones and a group's), a group's own questions, pack choice and a member's
review cards."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import store
from bot.app import Clio
from bot.storage.quiz_pg import PgQuizRepo
from bot.config import Settings
from bot.events import Context, ConversationRef
from bot.response import Reply
from tests.clock import Clock
from tests.conftest import TEST_PACKS
from tests.test_no_locks import write_reading

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Context(workspace="discord:1", channel="history", user_id="boss", is_admin=True, platform="discord")
OTHER = Context(workspace="discord:1", channel="news", user_id="boss", is_admin=True, platform="discord")
SLACK = Context(workspace="slack:T1", channel="C1", user_id="U1", is_admin=True, platform="slack")
ASKED = [("/schedule show", ADMIN), ("/schedule show", OTHER), ("/schedule show", SLACK),
         ("/quiz schedule show", ADMIN), ("/quiz schedule show", SLACK)]


class Outbox:
    def __init__(self) -> None:
        self.sent: list[Reply] = []

    async def send(self, ref: ConversationRef, reply: Reply) -> None:
        self.sent.append(reply)


def cli(tmp_path: Path, *args: str, url: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLIO_DB": str(tmp_path / "clio.db"), "CLIO_CONTENT": str(TEST_PACKS), "CLIO_PACK": "mini"}
    env.pop("CLIO_DATABASE_URL", None)
    if url:
        env["CLIO_DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "adapters.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120, cwd=ROOT)


def migrated(tmp_path: Path, pg_url: str, clock: Clock) -> tuple[str, Clio]:
    """`clio migrate-db` of the deployment in tmp_path to pg_url, then that deployment opened on PostgreSQL (as
    its processes start again): what the command printed, and the app."""
    moved = cli(tmp_path, "migrate-db", "--to", pg_url)
    assert moved.returncode == 0, moved.stderr
    after = Clio(Settings(db_path=tmp_path / "clio.db", content_dir=TEST_PACKS, pack="mini", database_url=pg_url))
    after.clock = clock
    return moved.stdout, after


def answers(app: Clio, asked: list[tuple[str, Context]] = ASKED) -> list[str]:
    return [app.handle_text(text, ctx).text() for text, ctx in asked]


async def test_a_populated_deployment_moves_and_answers_the_same(tmp_path: Path, pg_url: str) -> None:
    clock = Clock(dt.datetime(2026, 11, 7, 9, 0, tzinfo=dt.UTC))
    settings = Settings(db_path=tmp_path / "clio.db", content_dir=TEST_PACKS, pack="mini")
    before = Clio(settings)
    before.clock = clock
    for text, ctx in [("/schedule set 09:00 UTC", ADMIN), ("/schedule set 18:00 UTC", OTHER),
                      ("/schedule set 07:30 Europe/London", SLACK), ("/schedule off", OTHER),
                      ("/quiz schedule Fri 19:30 Europe/London 3 20", ADMIN),
                      ("/quiz schedule Mon 18:00 UTC 2", SLACK)]:
        assert before.handle_text(text, ctx).ok, text
    assert await before.scheduler(Outbox(), "discord").tick() == 1  # today's post went out before the move
    expected = answers(before)  # (an admin's command takes the notices: this one comes after)
    before.schedules.add_notice("discord:1", "Daily posts to channel news are paused: test.", clock.now.isoformat())
    before.close()

    printed, after = migrated(tmp_path, pg_url, clock)
    assert "copied 7 rows" in printed  # 3 subscriptions, 1 claim, 1 notice, 2 quiz nights
    try:
        told = after.handle_text("/who kornilov", ADMIN)  # the pending notice came along, given once
        assert told.fields[0].name == "Notice for admins" and "paused: test" in told.fields[0].value
        assert answers(after) == expected
        outbox = Outbox()
        assert await after.scheduler(outbox, "discord").tick() == 0 and outbox.sent == []  # not sent twice
        clock.now += dt.timedelta(days=1)
        assert await after.scheduler(outbox, "discord").tick() == 1  # and tomorrow's goes out from PostgreSQL
    finally:
        after.close()

    again = cli(tmp_path, "migrate-db", url=pg_url)  # the URL from the environment this time
    assert again.returncode == 1 and "already holds" in again.stderr and "Traceback" not in again.stderr


@pytest.mark.parametrize("args, says", [
    (["migrate-db"], "needs --to"),
    (["migrate-db", "--to", "mysql://u:hunter2@h/db"], "must be a postgresql://"),
    (["migrate-db", "--to", "postgresql://clio:hunter2@127.0.0.1:1/clio"], "cannot copy to PostgreSQL"),
])
def test_a_wrong_target_is_told_plainly_and_the_password_never_shown(tmp_path: Path, args: list[str],
                                                                     says: str) -> None:
    Clio(Settings(db_path=tmp_path / "clio.db", content_dir=TEST_PACKS, pack="mini")).close()
    out = cli(tmp_path, *args)
    assert out.returncode in (1, 2) and says in out.stderr
    assert "hunter2" not in out.stdout + out.stderr and "Traceback" not in out.stderr


def quizzer(name: str, channel: str = "quiz-night", admin: bool = False) -> Context:
    return Context(workspace="discord:1", channel=channel, user_id=name.lower(), user_name=name, is_admin=admin,
                   platform="discord")


ANNA, BORIS, VERA, HOST = quizzer("Anna"), quizzer("Boris"), quizzer("Vera"), quizzer("Host", admin=True)
ANNA_2, HOST_2 = quizzer("Anna", "second"), quizzer("Host", "second", admin=True)
ASKED_QUIZ = [("/quiz leaderboard", BORIS), ("/quiz scores", ANNA), ("/quiz scores", ANNA_2), ("/quiz me", ANNA),
              ("/quiz me", BORIS), ("/quiz me", VERA), ("/quiz appeals", HOST)]


def letter(app: Clio, ctx: Context, right: bool) -> str:
    quiz = app.quiz.repo.running(ctx.workspace, ctx.channel)
    assert quiz is not None
    q = app.quiz.repo.question(quiz.id, quiz.current)
    assert q is not None
    idx = q.options.index(q.answer) if right else next(i for i, o in enumerate(q.options) if o != q.answer)
    return "ABCDEF"[idx]


async def test_quizzes_scores_and_appeals_move_and_new_ones_do_not_collide(tmp_path: Path, pg_url: str) -> None:
    clock = Clock(dt.datetime(2026, 11, 20, 19, 0, tzinfo=dt.UTC))
    before = Clio(Settings(db_path=tmp_path / "clio.db", content_dir=TEST_PACKS, pack="mini"))
    before.clock = clock
    # a finished quiz in one channel: Anna right twice, Boris and Vera wrong; Boris appeals question 1
    assert before.handle_text("/quiz start 2 10", HOST).ok
    for _ in range(2):
        clock.advance(1)
        for who, right in ((ANNA, True), (BORIS, False), (VERA, False)):
            assert "recorded" in before.handle_text(f"/quiz answer {letter(before, who, right)}", who).body
        clock.advance(10)
        before.quiz.tick()
    assert before.quiz.repo.running(HOST.workspace, HOST.channel) is None
    assert before.handle_text("/quiz appeal 1 a fair reading of the question", BORIS).title == "Appeal 1 recorded"
    # a quiz still running in another channel, Anna's answer to its first question in
    assert before.handle_text("/quiz start 3 30", HOST_2).ok
    clock.advance(2)
    assert "recorded" in before.handle_text(f"/quiz answer {letter(before, ANNA_2, True)}", ANNA_2).body
    expected = answers(before, ASKED_QUIZ)
    question, answered = before.quiz.current(ANNA_2)  # type: ignore[misc]
    assert answered == 1 and "Anna" in expected[0] and "Appeal" not in expected[-1] and "#1 on question 1" in expected[-1]
    before.close()

    printed, after = migrated(tmp_path, pg_url, clock)
    for table, n in (("quizzes", 2), ("quiz_questions", 5), ("quiz_answers", 7), ("quiz_appeals", 1)):
        assert f"  {table}: {n}\n" in printed, printed
    try:
        assert isinstance(after.quiz.repo, PgQuizRepo)
        assert answers(after, ASKED_QUIZ) == expected  # the same standings, records and open appeal
        now_question, now_answered = after.quiz.current(ANNA_2)  # type: ignore[misc]
        assert (now_question.text(), now_answered) == (question.text(), 1)
        assert "already answered" in after.handle_text(f"/quiz answer {letter(after, ANNA_2, True)}", ANNA_2).body
        # the running quiz goes on in PostgreSQL: its first question revealed on time, with who got it
        clock.advance(30)
        reveal = after.quiz.tick()[0].reply
        assert reveal.title.startswith("Question 1: the answer is") and reveal.body.startswith("Right: Anna")
        # the old appeal is accepted by its number; a new one gets the next number, not one already taken
        accepted = after.handle_text("/quiz accept 1", HOST)
        assert accepted.title == "Appeal 1 accepted" and "Boris +100" in accepted.body
        assert after.handle_text("/quiz appeal 2 also fair", VERA).title == "Appeal 2 recorded"
        # a new quiz starts (its id is new: no clash with the copied ones) and counts in the leaderboard
        third = quizzer("Host", "third", admin=True)
        assert after.handle_text("/quiz start 1 10", third).ok
        new = after.quiz.repo.running(third.workspace, third.channel)
        assert new is not None and new.id == 3
        assert "recorded" in after.handle_text(f"/quiz answer {letter(after, third, True)}",
                                               quizzer("Vera", "third")).body
        assert "Boris: 100" in after.handle_text("/quiz leaderboard", BORIS).text()
    finally:
        after.close()

    again = cli(tmp_path, "migrate-db", "--to", pg_url)  # only quiz rows there: refused all the same
    assert again.returncode == 1 and "3 quizzes" in again.stderr and "Traceback" not in again.stderr


async def test_readings_own_questions_and_review_cards_move(tmp_path: Path, pg_url: str) -> None:
    clock = Clock(dt.datetime(2026, 11, 20, 19, 0, tzinfo=dt.UTC))
    before = Clio(Settings(db_path=tmp_path / "clio.db", content_dir=TEST_PACKS, pack="mini"))
    before.clock = clock
    before.ingest(write_reading(tmp_path / "notes.txt", 30), workspace="discord:1", title="Field notes",
                  author="A. Reader")
    before.ingest(write_reading(tmp_path / "shared.txt", 9, tag="Shared "), workspace=store.SHARED,
                  title="Shared notes", author="The Operator")
    before.db["sources"].insert({"id": "half-written", "workspace": "~staging:discord:1", "title": "Half",
                                 "bytes": 10, "passages": 0})  # a write the stop interrupted: never seen, not moved
    for question in ("Which reading did the group start with? | The first one | The second one; The third one",
                     "Who chaired the first meeting? | Vera | Anna; Boris; Host"):
        assert before.handle_text(f"/quiz add {question}", ADMIN).title.endswith("added")
    vera = Context(workspace="discord:1", channel="history", user_id="vera", user_name="Vera", platform="discord")
    assert before.handle_text("/quiz start 1 10", ADMIN).ok  # Vera answers wrong: the question comes back to her
    assert "recorded" in before.handle_text(f"/quiz answer {letter(before, vera, False)}", vera).body
    clock.advance(11)
    before.quiz.tick()
    before.workspace_data.mark_removed("slack:gone", clock.now.isoformat(), "2026-12-20T19:00:00+00:00")
    assert before.handle_text("/pack use mini-fr", SLACK).ok  # the Slack group reads another pack
    clock.advance(3 * 24 * 3600)  # her review is due
    asked = [("/sources", ADMIN), ("/sources", SLACK), ("/quiz questions", ADMIN), ("/quiz review", vera),
             ("/pack list", SLACK), ("/pack list", ADMIN)]
    searched = [("/search railwaymen", ADMIN), ("/search railwaymen", SLACK), ("/who Kornilov", ADMIN)]

    def found(app: Clio) -> list[set[str]]:  # which readings answer (each backend ranks close passages its way)
        return [{c.title for c in app.handle_text(text, ctx).citations} for text, ctx in searched]

    expected, expected_found = answers(before, asked), found(before)
    assert "Review (1 due)" in expected[3] and "reads mini-fr" in expected[4] and "Field notes" in expected_found[0]
    assert expected_found[1] == {"Shared notes"} and "Field notes" in expected_found[2]
    before.close()

    printed, after = migrated(tmp_path, pg_url, clock)
    for table, n in (("sources", 2), ("own_questions", 2), ("review_cards", 1), ("workspace_packs", 1)):
        assert f"  {table}: {n}\n" in printed, printed
    try:
        assert answers(after, asked) == expected and found(after) == expected_found
        assert after.workspace_data.removals_due("2026-12-21T00:00:00+00:00") == ["slack:gone"]
        # own questions keep their numbers, and a new one gets a new number
        assert after.handle_text("/quiz remove 2", ADMIN).title == "Question 2 removed"
        assert after.handle_text("/quiz add Where did the group meet? | The library | The cafe; The park",
                                 ADMIN).title == "Question 3 added"
        # a moved reading is forgotten from PostgreSQL like one ingested there
        assert after.handle_text("/forget notes.txt", ADMIN).ok
        assert {c.title for c in after.handle_text("/search railwaymen", ADMIN).citations} == {"Shared notes"}
    finally:
        after.close()
