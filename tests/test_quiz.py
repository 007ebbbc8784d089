"""Quiz nights, played through the app as members would: choice and open modes, fair lenient grading,
exactly-once answers, restarts, no repeats, generated questions that are right, appeals."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Clio
from bot.config import Settings
from bot.events import Context
from bot.services.grading import grade
from bot.services.questions import BLANK, generated
from tests.clock import Clock

T0 = dt.datetime(2026, 11, 20, 19, 0, tzinfo=dt.UTC)


def member(name: str, channel: str = "quiz-night", admin: bool = False) -> Context:
    return Context(workspace="discord:g", channel=channel, user_id=name.lower(), user_name=name, is_admin=admin,
                   platform="discord")


ANNA, BORIS, VERA, HOST = member("Anna"), member("Boris"), member("Vera"), member("Host", admin=True)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def app(mini_settings: Settings, clock: Clock) -> Iterator[Clio]:
    a = Clio(mini_settings)
    a.clock = clock
    yield a
    a.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request: pytest.FixtureRequest, mini_settings: Settings, clock: Clock):  # noqa: ANN201
    """The app with its quizzes in the SQLite file, or in PostgreSQL (CLIO_DATABASE_URL, issue 23): the same
    quiz played on each must look the same to its members."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    a = Clio(dataclasses.replace(mini_settings, database_url=url))
    a.clock = clock
    assert type(a.quiz.repo).__name__ == ("PgQuizRepo" if url else "SqliteQuizRepo")
    yield a
    a.close()


def current(app: Clio, ctx: Context = HOST) -> dict:
    quiz = app.quiz.repo.running(ctx.workspace, ctx.channel)
    assert quiz is not None
    q = app.quiz.repo.question(quiz.id, quiz.current)
    assert q is not None
    return dataclasses.asdict(q)


def letter_of(q: dict, right: bool) -> str:
    idx = q["options"].index(q["answer"]) if right else next(i for i, o in enumerate(q["options"]) if o != q["answer"])
    return "ABCDEF"[idx]


def test_a_whole_choice_quiz_with_two_members(any_app: Clio, clock: Clock) -> None:
    app = any_app
    intro, first = app.handle_text("/quiz start 3 10", HOST).sequence()
    assert intro.title == "Quiz starting" and "3 question(s)" in intro.body  # announced before it is asked
    assert first.ok and first.title == "Question 1 of 3" and len(first.buttons) == 4
    assert all(b.action == "quiz" and b.value.startswith("answer ") for b in first.buttons)
    for _ in range(3):
        q = current(app)
        clock.advance(1)
        assert "recorded" in app.handle_text(f"/quiz answer {letter_of(q, True)}", ANNA).body
        again = app.handle_text(f"/quiz answer {letter_of(q, False)}", ANNA)  # a second click counts once
        assert "already answered" in again.body
        clock.advance(4)
        app.handle_text(f"/quiz answer {letter_of(q, False)}", BORIS)
        clock.advance(6)
        posts = app.quiz.tick()
        reveal = posts[0].reply
        assert reveal.title == f"Question {q['idx'] + 1}: the answer is {q['answer']}"
        assert reveal.body.startswith("Right: Anna (1 s).")  # who, and how fast
        assert reveal.citations  # the explanation names its reading, on the reveal itself
        assert not any(p.reply.citations for p in posts[1:])  # not under the next question
        assert [b.value for b in reveal.buttons] == [f"appeal {q['quiz_id']}:{q['idx']}"]
    final = posts[-1].reply
    assert final.title == "Quiz over" and final.body.startswith("Final scores:")
    assert final.body.index("Anna") < final.body.index("Boris")
    last = app.quiz.repo.channel_quiz(HOST.workspace, HOST.channel)
    assert last is not None and last.status == "finished"
    rows = {r.user_id: r for r in app.quiz.repo.scores(last.id)}
    assert rows["anna"].right == 3 and rows["boris"].right == 0
    assert rows["anna"].points == 3 * (100 + int(50 * (1 - 1 / 10)))  # fast answers earn more
    assert "Anna" in app.handle_text("/quiz leaderboard", BORIS).text()
    assert "3 of 3 answers right (100%)" in app.handle_text("/quiz me", ANNA).body
    assert "0 of 3" in app.handle_text("/quiz me", BORIS).body


def test_open_mode_grades_like_a_quizmaster(any_app: Clio, clock: Clock) -> None:
    app = any_app
    app.handle_text("/quiz start Provisional Government 1 30 open", HOST)
    q = current(app)
    assert q["answer"] == "Alexander Kerensky"
    assert "One answer at a time" in app.handle_text("Kerensky or Kornilov", BORIS).body
    assert "Not that" in app.handle_text("Alexandra", BORIS).body
    assert "Not that" in app.handle_text("Kornilov", BORIS).body
    clock.advance(4)
    reveal, final = app.handle_text("kerenskii!", ANNA).sequence()  # transliteration, case, punctuation forgiven
    assert reveal.title == "Question 1: the answer is Alexander Kerensky"
    assert reveal.body.startswith("Anna (4 s) got it first.") and "Time" not in reveal.body
    assert final.title == "Quiz over" and "Anna" in final.body
    assert app.quiz.repo.running("discord:g", "quiz-night") is None


def test_an_open_answer_given_as_a_command_is_graded_and_a_wrong_one_stays_private(app: Clio, clock: Clock) -> None:
    app.handle_text("/quiz start Provisional Government 1 30 open", HOST)
    wrong = app.handle_text("/quiz answer Kornilov", BORIS)  # once "Answer with the option's letter"
    assert wrong.ok and wrong.private and "Not that" in wrong.body, wrong.text()
    near = app.handle_text("/quiz answer Alexander", BORIS)
    assert near.private and "more specific" in near.body
    clock.advance(3)
    reveal, final = app.handle_text("/quiz answer Kerenskii", ANNA).sequence()
    assert not reveal.private and reveal.title == "Question 1: the answer is Alexander Kerensky"
    assert reveal.body.startswith("Anna (3 s) got it first.") and final.title == "Quiz over"


def test_a_chosen_letter_is_acknowledged_to_the_member_alone(app: Clio) -> None:
    app.handle_text("/quiz start 1", HOST)
    chosen = app.handle_text("/quiz answer B", ANNA)  # on Discord a public reply showed the channel "B"
    assert chosen.private and "Answer B recorded" in chosen.body
    again = app.handle_text("/quiz answer C", ANNA)
    assert again.private and "first answer counts" in again.body


def test_grading_rules_on_pack_names(app: Clio) -> None:
    m = app.lookup.matcher
    assert grade("Kerenskii", "Alexander Kerensky", [], m).correct
    assert grade("the  KERENSKY.", "Alexander Kerensky", [], m).correct
    assert grade("Kernesky", "Alexander Kerensky", [], m).correct  # swapped letters
    assert not grade("Kornesky", "Alexander Kerensky", [], m).correct  # two slips in a short name
    assert grade("Kornesky", "Alexander Kerensky", [], m).verdict == "near"
    assert grade("Корнилов", "Lavr Kornilov", [], m).correct
    assert grade("25 October 1917", "1917", [], m).correct
    assert not grade("1918", "1917", [], m).correct
    assert not grade("Alexandra", "Alexander III", [], m).correct
    assert not grade("Empress Alexandra", "Alexander III", [], m).correct
    assert not grade("Alexander", "Alexander Kerensky", [], m).correct  # a first name alone is not enough
    assert grade("Alexander", "Alexander Kerensky", [], m).verdict == "near"
    assert grade("Kerensky, Kornilov", "Alexander Kerensky", [], m).verdict == "several"


def test_answers_at_the_same_instant_are_each_recorded_once(app: Clio, spawn) -> None:  # noqa: ANN001
    app.handle_text("/quiz start 2 10", HOST)
    q = current(app)
    other = spawn()  # a second connection, as a second worker would have
    value = f"answer {app.quiz.repo.running('discord:g', 'quiz-night').id}:0:{letter_of(q, True)}"
    replies = [app.handle_text(f"/quiz {value}", ANNA), other.handle_text(f"/quiz {value}", BORIS),
               other.handle_text(f"/quiz {value}", ANNA), app.handle_text(f"/quiz {value}", BORIS)]
    assert [("recorded" in r.body) for r in replies] == [True, True, False, False]
    assert app.quiz.repo.answer_count(q["quiz_id"], 0) == 2


def test_a_restart_mid_quiz_resumes_or_ends_with_scores_kept(app: Clio, clock: Clock, spawn) -> None:  # noqa: ANN001
    app.handle_text("/quiz start 3 10", HOST)
    app.handle_text(f"/quiz answer {letter_of(current(app), True)}", ANNA)
    restarted = spawn()
    clock.advance(11)
    posts = restarted.quiz.tick()  # resumes: reveals question 1, asks question 2
    assert posts[0].reply.title.startswith("Question 1: the answer is") and posts[1].reply.title == "Question 2 of 3"
    clock.advance(3600)  # then the bot is down for an hour
    again = spawn()
    ended = again.quiz.tick()
    assert ended[0].reply.title.startswith("Quiz ended: Clio was away") and "Final scores" in ended[0].reply.body
    assert "Anna" in ended[0].reply.body
    assert app.quiz.repo.running("discord:g", "quiz-night") is None


def test_no_question_repeats_within_a_quiz_or_the_next_while_others_remain(app: Clio, clock: Clock) -> None:
    app.handle_text("/quiz start 2 10", HOST)
    def qids() -> list[str]:  # the running quiz's questions, wherever the quizzes are kept
        quiz = app.quiz.repo.running("discord:g", "quiz-night")
        return [app.quiz.repo.question(quiz.id, i).qid for i in range(quiz.total)]

    first = set(qids())
    app.handle_text("/quiz stop", HOST)
    app.handle_text("/quiz start 3 10", HOST)
    second = qids()
    assert len(second) == len(set(second)) == 3
    assert not first & set(second)  # five questions in the mini pack: three fresh ones remained


def test_one_quiz_per_channel_but_channels_run_at_once(app: Clio) -> None:
    assert app.handle_text("/quiz start 2 10", HOST).ok
    assert "already running" in app.handle_text("/quiz start", ANNA).text()
    assert app.handle_text("/quiz start 2 10", member("Vera", channel="other")).ok
    assert "Only the member who started" in app.handle_text("/quiz stop", ANNA).text()


def test_bad_quiz_input_is_explained(app: Clio) -> None:
    assert "1 to 50 questions" in app.handle_text("/quiz start 500", HOST).text()
    assert "10 to 300 seconds" in app.handle_text("/quiz start 5 3", HOST).text()
    assert "No quiz is running" in app.handle_text("/quiz answer B", ANNA).text()
    assert "No questions match" in app.handle_text("/quiz start Napoleon", HOST).text()
    app.handle_text("/quiz start 2 10", HOST)
    assert "Choose one of A, B, C, D" in app.handle_text("/quiz answer F", ANNA).text()


def _play(app: Clio, clock: Clock, answers: list[tuple[Context, bool]]) -> None:
    """Answer the current question with each member, right or wrong, then let its time run out."""
    q = current(app)
    for who, right in answers:
        app.handle_text(f"/quiz answer {letter_of(q, right)}", who)
    clock.advance(11)
    app.quiz.tick()


def test_an_appeal_targets_its_question_and_rescores_it_once(any_app: Clio, clock: Clock) -> None:
    app = any_app
    app.handle_text("/quiz start 3 10", HOST)
    _play(app, clock, [(ANNA, False), (BORIS, True)])
    _play(app, clock, [(ANNA, False), (BORIS, False), (VERA, True)])  # question 2: Anna and Boris wrong
    assert "has not been revealed" in app.handle_text("/quiz appeal 3 too soon", BORIS).text()
    assert "questions 1 to 3" in app.handle_text("/quiz appeal 7 no such question", BORIS).text()
    filed = app.handle_text("/quiz appeal 2 my answer is defensible, see Figes", BORIS)
    assert filed.ok and filed.private and filed.title == "Appeal 1 recorded" and "On question 2" in filed.body
    assert "already have an open appeal" in app.handle_text("/quiz appeal 2 again", BORIS).text()
    assert "already counts as right" in app.handle_text("/quiz appeal 2 me too", VERA).text()
    assert "admins" in app.handle_text("/quiz appeals", BORIS).text()  # members cannot list appeals
    assert "#1 on question 2 of quiz" in app.handle_text("/quiz appeals", HOST).body
    q2 = dataclasses.asdict(app.quiz.repo.question(1, 1))
    boris_answer = app.quiz.repo.member_answer(1, 1, "boris").answer
    anna_answer = app.quiz.repo.member_answer(1, 1, "anna").answer
    accepted = app.handle_text("/quiz accept 1", HOST)
    same = anna_answer == boris_answer
    assert f"to question 2 now count as right: {'Anna +100, ' if same else ''}Boris +100." in accepted.body
    assert app.quiz.repo.member_answer(1, 1, "boris").correct == 1
    assert app.quiz.repo.member_answer(1, 0, "anna").correct == 0  # question 1 untouched
    assert app.quiz.repo.member_answer(1, 0, "boris").points > 100  # and its speed bonus kept
    assert "No open appeal" in app.handle_text("/quiz accept 1", HOST).text()  # once
    assert q2["answer"] != boris_answer


def test_the_reveal_button_appeals_that_question_with_the_members_answer(app: Clio, clock: Clock) -> None:
    app.handle_text("/quiz start 2 10", HOST)
    _play(app, clock, [(BORIS, False)])
    _play(app, clock, [(BORIS, True)])
    quiz_id = app.quiz.repo.channel_quiz(HOST.workspace, HOST.channel).id  # the channel's latest
    filed = app.handle_text(f"/quiz appeal {quiz_id}:0", BORIS)  # what the button on question 1's reveal sends
    assert filed.title == "Appeal 1 recorded" and "On question 1" in filed.body
    assert "did not answer question 1" in app.handle_text(f"/quiz appeal {quiz_id}:0", VERA).text()
    assert "no quiz here" in app.handle_text(f"/quiz appeal {quiz_id}:0", member("Anna", channel="elsewhere")).text()


def test_stop_reveals_the_open_question_then_the_final_standings(app: Clio, clock: Clock) -> None:
    app.handle_text("/quiz start 3 10", HOST)
    q = current(app)
    app.handle_text(f"/quiz answer {letter_of(q, True)}", ANNA)
    reveal, final = app.handle_text("/quiz stop", HOST).sequence()
    assert reveal.title == f"Question 1: the answer is {q['answer']}" and "stopped" in reveal.body
    assert final.title == "Quiz stopped" and final.body.startswith("Final scores:\n1. Anna")
    assert app.quiz.tick() == []  # nothing more is posted for that quiz


def test_generated_questions_have_right_answers_and_cite_their_passage(app: Clio, tmp_path: Path) -> None:
    f = tmp_path / "reading.txt"
    f.write_text(
        "General Kornilov ordered his Cossacks toward the capital at the end of August, and the railwaymen "
        "stopped the trains.\n\nAlexander Kerensky turned to the soviets for help.\n\n"
        "The Storming of the Winter Palace came two months later, in 1917.", encoding="utf-8")
    sid = app.ingest(f, title="A Reader's Notes", author="Test Reader").source_id
    qs = generated(app.db, app.lookup.matcher, "console:local", readings=app.readings)  # wherever they are
    who = {q["answer"]: q for q in qs if q["id"].startswith("gen-who-")}
    assert set(who) == {"Lavr Kornilov", "Alexander Kerensky"}
    k = who["Lavr Kornilov"]
    assert BLANK in k["question"] and "Kornilov" not in k["question"]
    assert len(set(k["options"])) == 4 and k["answer"] in k["options"]
    assert k["sources"] == [{"reading": sid, "loc": "para 1"}]
    when = [q for q in qs if q["id"] == "gen-when-october-1917"]
    assert when and when[0]["answer"] == "1917" and len(set(when[0]["options"])) == 4
    quiz = app.handle_text("/quiz start A Reader's Notes 3 10", HOST)
    assert quiz.ok and quiz.sequence()[1].title == "Question 1 of 3"


def test_a_quiz_in_the_console(app: Clio, clock: Clock) -> None:
    from adapters import console

    out = io.StringIO()
    code = console.chat(app, io.StringIO("/quiz start 1 10\n/quiz answer A\n/quiz scores\n"), out)
    assert code == 0
    text = out.getvalue()
    assert "Question 1 of 1" in text and "recorded" in text and "you" in text
    assert text.index("Quiz starting") < text.index("Question 1 of 1")  # in the order they happen


def test_answers_feed_a_private_spaced_review(app: Clio, clock: Clock) -> None:
    app.handle_text("/quiz start 1 10", HOST)
    q = current(app)
    app.handle_text(f"/quiz answer {letter_of(q, False)}", BORIS)
    clock.advance(11)
    app.quiz.tick()
    assert "Nothing is due" in app.handle_text("/quiz review", BORIS).body  # a wrong answer returns in minutes
    clock.advance(15 * 60)
    due = app.handle_text("/quiz review", BORIS)
    assert due.private and q["question"] in due.body and len(due.buttons) == 4
    right = next(b for b in due.buttons if b.label.split(". ", 1)[1] == q["answer"])
    after = app.handle_text(f"/quiz {right.value}", BORIS)
    assert after.body.startswith("Right.") and after.private
    assert "Nothing is due" in after.body
    assert "Nothing is due" in app.handle_text("/quiz review", ANNA).body  # Anna's schedule is her own
    assert len(app.quiz.data.due_review_cards(HOST.workspace, "boris", "9999")) == 1  # one card, wherever kept


@pytest.mark.parametrize(("typed", "answer", "ok"), [
    ("Trotskii", "Leon Trotsky", True), ("Троцкий", "Leon Trotsky", True), ("bronstein", "Leon Trotsky", True),
    ("Lenin", "Leon Trotsky", False), ("Lenin or Trotsky", "Leon Trotsky", False),
    ("Kerenskii", "Alexander Kerensky", True), ("Alexandra", "Alexander III", False),
    ("Empress Alexandra", "Alexander III", False), ("Nicholas II", "Nicholas II", True),
    ("Czar Nicholas", "Nicholas II", True), ("Dzhugashvili", "Joseph Stalin", True), ("Koba", "Joseph Stalin", True),
    ("Stalin", "Leon Trotsky", False), ("Mensheviks", "Bolsheviks", False), ("bolshevik", "Bolsheviks", True),
    ("in January 1905", "1905", True), ("1917", "1905", False),
])
def test_grading_with_the_bundled_packs_names(pack_app: Clio, typed: str, answer: str, ok: bool) -> None:
    from bot import store as st

    accept = next((q["accept"] for q in st.questions(pack_app.db) if q["answer"] == answer), [])
    row = next((r for r in st.all_names(pack_app.db) if r.name == answer), None)
    names = row.names if row else []
    assert grade(typed, answer, [*accept, *names], pack_app.lookup.matcher).correct is ok


def test_an_appeal_on_question_2_of_5_in_the_console_rescores_question_2_only(app: Clio) -> None:
    from adapters import console
    from tests.quizplay import rescored_only_question_2, two_wrong_answers

    quiz_id = two_wrong_answers(app, console.CONSOLE, console.CONSOLE)  # the console user hosts and plays
    out = io.StringIO()
    assert console.chat(app, io.StringIO("/quiz appeal 2 my answer fits what Figes writes\n/quiz accept 1\n"), out) == 0
    text = out.getvalue()
    assert "Appeal 1 recorded" in text and "On question 2" in text
    assert "to question 2 now count as right: you +100" in text
    assert rescored_only_question_2(app, quiz_id, console.CONSOLE.user_id)


@pytest.mark.parametrize("topic", ["Trotsky", "Lenin", "1917", "1905"])
def test_a_quiz_on_a_topic_never_asks_what_the_topic_answers(pack_app: Clio, topic: str) -> None:
    # before: a quiz "on Trotsky" had 10 of its 23 questions answered "Leon Trotsky" ("Which Bolshevik was sent
    # to Brest-Litovsk?"), and one "on 1917" asked "In which year: The July Days?"
    from bot.services.questions import bank

    pool = bank(pack_app.db, pack_app.lookup.matcher, "shared", topic)
    assert len(pool) >= 5  # the topic still has its questions
    wanted = pack_app.lookup.matcher.resolve(topic).match
    for q in pool:
        assert q["answer"].strip().lower() != topic.lower(), q["question"]
        got = pack_app.lookup.matcher.resolve(q["answer"]).match
        assert wanted is None or got is None or got.candidate.id != wanted.candidate.id, q["question"]
    # the questions about the topic with another answer stay: "Who was sent to Brest-Litovsk?" is gone from a
    # quiz on Trotsky, not from one on the treaty
    if topic == "Trotsky":
        assert any(q["answer"] == "Leon Trotsky" for q in bank(pack_app.db, pack_app.lookup.matcher, "shared", "Brest"))
