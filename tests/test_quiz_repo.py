"""The quiz aggregate's storage (bot/storage: `QuizRepo`), one contract on SQLite and on PostgreSQL: a quiz
and its questions kept as given, one running quiz per channel, one answer per member per question, the first
right answer takes the question, a question closed once, scores, appeals and forgetting. Each
`backend.quizzes()` is what another process would have; the races run one repo per thread, all at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from bot.storage.quiz import FORGOTTEN, Answer, Appeal, Question, Quiz, QuizRepo
from tests.conftest import Backend

NOON = "2026-11-07T12:00:00+00:00"


def race(backend: Backend, attempt: Callable[[QuizRepo, int], bool], processes: int = 6) -> list[int]:
    """`attempt(repo, i)` by `processes` repos at once, each opened in its own thread; who succeeded."""
    repos = [backend.quizzes() for _ in range(processes)] if backend.url else None  # pools opened beforehand
    start, won = threading.Barrier(processes), []

    def run(i: int) -> None:
        repo = repos[i] if repos else backend.quizzes()  # a SQLite connection belongs to its thread
        start.wait()
        if attempt(repo, i):
            won.append(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(processes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return won


def a_quiz(channel: str = "c", workspace: str = "discord:1", mode: str = "open", total: int = 2,
           by: str = "host") -> Quiz:
    return Quiz(id=0, workspace=workspace, channel=channel, ref="{}", status="running", mode=mode, seconds=30,
                total=total, current=0, deadline="2026-11-07T12:00:30+00:00", started_by=by, started_at=NOON,
                topic="Petrograd")


def questions(total: int = 2) -> list[Question]:
    return [Question(quiz_id=0, idx=i, qid=f"q{i}", question=f"Question {i}?", answer="Petrograd",
                     options=["Petrograd", "Moscow", "Kyiv", "Минск"], accept=["St Petersburg"],
                     explanation="Renamed in 1914.", sources=[{"reading": "r1", "loc": "para 3"}],
                     opened_at=NOON if i == 0 else None) for i in range(total)]


def start(repo: QuizRepo, **kw: Any) -> int:
    quiz_id = repo.start(a_quiz(**kw), questions(kw.get("total", 2)))
    assert quiz_id is not None
    return quiz_id


def answer(quiz_id: int, idx: int, user: str, right: bool = True, at: str = NOON, points: int = 10) -> Answer:
    return Answer(quiz_id=quiz_id, idx=idx, workspace="discord:1", user_id=user, user_name=user.title(),
                  answer="Petrograd" if right else "Moscow", correct=right, points=points if right else 0,
                  answered_at=at)


def test_a_quiz_and_its_questions_come_back_as_stored(backend: Backend) -> None:
    repo = backend.quizzes()
    quiz_id = start(repo)
    quiz = backend.quizzes().quiz(quiz_id)  # read by another process
    assert quiz == Quiz(**{**a_quiz().__dict__, "id": quiz_id})
    q = repo.question(quiz_id, 0)
    assert q == Question(**{**questions()[0].__dict__, "quiz_id": quiz_id})
    assert q.options[3] == "Минск" and q.sources == [{"reading": "r1", "loc": "para 3"}] and not q.closed
    assert repo.question(quiz_id, 2) is None and repo.quiz(quiz_id + 100) is None
    assert repo.running("discord:1", "c") == quiz and repo.running("discord:1", "other") is None
    assert repo.recent_qids("discord:1", "c", 3) == {"q0", "q1"}


def test_one_running_quiz_per_channel_however_many_start_at_once(backend: Backend) -> None:
    repo = backend.quizzes()
    first = start(repo)
    assert repo.start(a_quiz(), questions()) is None  # the channel runs one
    assert repo.quiz(first + 1) is None  # and nothing of the refused one was kept
    assert start(repo, channel="c2") != first  # another channel runs its own
    assert repo.end(first, "stopped", NOON) and not repo.end(first, "finished", NOON)  # ended once
    assert repo.quiz(first).status == "stopped"  # type: ignore[union-attr]
    won = race(backend, lambda r, i: r.start(a_quiz(by=f"host-{i}"), questions()) is not None)
    assert len(won) == 1
    assert backend.quizzes().running("discord:1", "c").started_by == f"host-{won[0]}"  # type: ignore[union-attr]
    assert [q.channel for q in repo.running_all()] == ["c2", "c"]


def test_running_quizzes_of_one_platform(backend: Backend) -> None:
    repo = backend.quizzes()
    start(repo, workspace="discord:1")
    start(repo, workspace="slack:T1")
    start(repo, workspace="discord_x:9")  # "_" is no wildcard
    assert [q.workspace for q in repo.running_all("discord")] == ["discord:1"]
    assert [q.workspace for q in repo.running_all("slack")] == ["slack:T1"]
    assert len(repo.running_all()) == 3


def test_a_member_answers_a_question_once_however_many_clicks_arrive_at_once(backend: Backend) -> None:
    repo = backend.quizzes()
    quiz_id = start(repo)
    assert repo.record_answer(answer(quiz_id, 0, "masha", right=False))
    assert not backend.quizzes().record_answer(answer(quiz_id, 0, "masha"))  # a second click, from anywhere
    assert repo.member_answer(quiz_id, 0, "masha").answer == "Moscow"  # type: ignore[union-attr]
    assert repo.record_answer(answer(quiz_id, 0, "sasha")) and repo.record_answer(answer(quiz_id, 1, "masha"))
    assert len(race(backend, lambda r, i: r.record_answer(answer(quiz_id, 1, "dasha")))) == 1
    assert repo.answer_count(quiz_id, 0) == 2 and repo.answer_count(quiz_id, 1) == 2
    # open mode: wrong first, then right, makes the one answer right (and only a wrong one)
    assert repo.correct_answer(answer(quiz_id, 0, "masha", at="2026-11-07T12:00:05+00:00", points=120))
    assert not repo.correct_answer(answer(quiz_id, 0, "masha", points=999))
    fixed = repo.member_answer(quiz_id, 0, "masha")
    assert fixed is not None and fixed.correct and fixed.points == 120 and fixed.answer == "Petrograd"
    assert [a.user_id for a in repo.right_answers(quiz_id, 0)] == ["sasha", "masha"]  # first answered first


def test_the_first_right_answer_takes_the_question_exactly_once(backend: Backend) -> None:
    repo = backend.quizzes()
    quiz_id = start(repo)
    assert repo.claim_winner(quiz_id, 0, "masha")
    assert not backend.quizzes().claim_winner(quiz_id, 0, "sasha") and not repo.claim_winner(quiz_id, 0, "masha")
    assert repo.question(quiz_id, 0).winner == "masha"  # type: ignore[union-attr]
    won = race(backend, lambda r, i: r.claim_winner(quiz_id, 1, f"member-{i}"))
    assert len(won) == 1 and repo.question(quiz_id, 1).winner == f"member-{won[0]}"  # type: ignore[union-attr]


def test_a_question_is_closed_and_the_quiz_moved_on_once(backend: Backend) -> None:
    repo = backend.quizzes()
    quiz_id = start(repo, total=3)
    later = "2026-11-07T12:01:00+00:00"
    won = race(backend, lambda r, i: r.advance(quiz_id, 0, deadline=later, opened_at="2026-11-07T12:00:31+00:00"))
    assert len(won) == 1  # six closers at once (the clock, answers arriving late, a skip): one reveal
    quiz = repo.quiz(quiz_id)
    assert quiz is not None and quiz.current == 1 and quiz.deadline == later
    assert repo.question(quiz_id, 0).closed and not repo.question(quiz_id, 1).closed  # type: ignore[union-attr]
    assert repo.question(quiz_id, 1).opened_at is not None  # type: ignore[union-attr]
    assert repo.last_closed_question("discord:1", "c").idx == 0  # type: ignore[union-attr]
    assert not repo.advance(quiz_id, 0, deadline=later, opened_at=later)  # moved already
    assert repo.advance(quiz_id, 1, deadline=later, opened_at=later)
    assert repo.advance(quiz_id, 2, deadline="2026-11-07T12:02:00+00:00", opened_at=later)  # the last
    quiz = repo.quiz(quiz_id)
    assert quiz is not None and quiz.current == 2 and quiz.deadline == "2026-11-07T12:02:00+00:00"
    assert repo.end(quiz_id, "finished", later)
    assert not repo.advance(quiz_id, 2, deadline=later, opened_at=later)  # not running any more


def test_scores_leaderboard_and_a_members_record(backend: Backend) -> None:
    repo = backend.quizzes()
    q1 = start(repo)
    for user, right, idx in (("anna", True, 0), ("anna", True, 1), ("boris", True, 0), ("boris", False, 1)):
        repo.record_answer(answer(q1, idx, user, right, points=100))
    repo.end(q1, "finished", NOON)
    q2 = start(repo)
    repo.record_answer(answer(q2, 0, "boris", at="2026-12-01T19:00:00+00:00", points=150))
    assert [(s.user_id, s.name, s.points, s.right, s.answered) for s in repo.scores(q1)] == [
        ("anna", "Anna", 200, 2, 2), ("boris", "Boris", 100, 1, 2)]
    assert [(s.user_id, s.points) for s in repo.leaderboard("discord:1")] == [("boris", 250), ("anna", 200)]
    assert [(s.user_id, s.points) for s in repo.leaderboard("discord:1", since="2026-12-01")] == [("boris", 150)]
    assert repo.leaderboard("slack:T1") == [] and repo.scores(q2 + 1) == []
    r = repo.member_record("discord:1", "boris")
    assert (r.answered, r.right, r.points, r.quizzes) == (3, 2, 250, 2)
    assert repo.member_record("discord:1", "nobody").answered == 0
    assert repo.channel_quiz("discord:1", "c").id == q2  # type: ignore[union-attr]
    assert repo.channel_quiz("discord:1", "c", q1).id == q1 and repo.channel_quiz("discord:1", "d", q1) is None  # type: ignore[union-attr]
    assert [q.id for q in repo.started_by("discord:1", "c", "host")] == [q2, q1]


def test_an_accepted_appeal_rescores_matching_answers_once(backend: Backend) -> None:
    repo = backend.quizzes()
    quiz_id = start(repo)
    repo.record_answer(answer(quiz_id, 0, "masha", right=False))
    repo.record_answer(answer(quiz_id, 0, "sasha", right=False))
    repo.record_answer(answer(quiz_id, 1, "masha", right=False))
    appeal = Appeal(id=0, workspace="discord:1", quiz_id=quiz_id, idx=0, qid="q0", user_id="masha", claim="Moscow",
                    reason="the capital in 1918", status="open", created_at=NOON)
    aid = repo.add_appeal(appeal)
    other = repo.add_appeal(Appeal(**{**appeal.__dict__, "user_id": "sasha"}))
    assert repo.appeal("discord:1", aid) == Appeal(**{**appeal.__dict__, "id": aid})
    assert repo.appeal("slack:T1", aid) is None  # another workspace's number
    assert repo.open_appeal_by(quiz_id, 0, "masha").id == aid  # type: ignore[union-attr]
    assert [a.id for a in repo.appeals("discord:1")] == [aid, other]
    changed = repo.rescore(quiz_id, 0, 100, lambda given: given == "Moscow")
    assert sorted((c.answer.user_id, c.gained) for c in changed) == [("masha", 100), ("sasha", 100)]
    assert repo.rescore(quiz_id, 0, 100, lambda given: True) == []  # once
    assert not repo.member_answer(quiz_id, 1, "masha").correct  # type: ignore[union-attr]  # only that question
    assert repo.resolve_appeals(quiz_id, 0, lambda claim: claim == "Moscow", "accepted", "admin") == [aid, other]
    assert repo.appeals("discord:1") == [] and repo.appeal("discord:1", aid).resolved_by == "admin"  # type: ignore[union-attr]
    assert repo.open_appeal_by(quiz_id, 0, "masha") is None


def test_forgetting_a_member_and_a_workspace(backend: Backend) -> None:
    repo = backend.quizzes()
    quiz_id = start(repo, by="masha")
    repo.record_answer(answer(quiz_id, 0, "masha"))
    repo.record_answer(answer(quiz_id, 0, "sasha"))
    repo.claim_winner(quiz_id, 0, "masha")
    repo.add_appeal(Appeal(id=0, workspace="discord:1", quiz_id=quiz_id, idx=1, qid="q1", user_id="masha",
                           claim="x", reason="y", status="open", created_at=NOON))
    other = start(repo, workspace="slack:T1", by="masha")
    assert repo.forget("discord:1", "masha") == 2  # an answer and an appeal
    assert repo.member_answer(quiz_id, 0, "masha") is None and repo.member_answer(quiz_id, 0, "sasha") is not None
    assert repo.quiz(quiz_id).started_by == FORGOTTEN and repo.question(quiz_id, 0).winner == FORGOTTEN  # type: ignore[union-attr]
    assert repo.quiz(other).started_by == "masha"  # type: ignore[union-attr]  # another workspace's
    assert repo.forget("discord:1", None) >= 3
    assert repo.quiz(quiz_id) is None and repo.question(quiz_id, 0) is None and repo.scores(quiz_id) == []
    assert repo.quiz(other) is not None


async def test_a_quiz_through_the_door_and_a_member_forgotten_on_either_backend(backend: Backend) -> None:
    """The app as an adapter drives it (the door's worker threads, each on its own connection): with
    CLIO_DATABASE_URL the quiz lives in PostgreSQL, otherwise in the SQLite file; members see the same."""
    from bot.app import Clio
    from bot.config import Settings
    from bot.events import Context
    from tests.conftest import TEST_PACKS

    app = Clio(Settings(db_path=backend.db_path, content_dir=TEST_PACKS, pack="mini", database_url=backend.url))
    try:
        host, anna = (Context(workspace="discord:g", channel="night", user_id=u, user_name=u.title(), is_admin=admin,
                              platform="discord") for u, admin in (("host", True), ("anna", False)))
        intro = await app.door.call(host, "/quiz start 2 30 open")
        assert intro.title == "Quiz starting" and intro.then[0].title == "Question 1 of 2"
        seen = backend.quizzes().running("discord:g", "night")  # another process sees the quiz
        assert seen is not None and seen.mode == "open" and seen.started_by == "host"
        q = backend.quizzes().question(seen.id, 0)
        assert q is not None
        assert (await app.door.answer(anna, "surely not this")).body == "Not that, try again."  # type: ignore[union-attr]
        reveal = await app.door.answer(anna, q.answer)
        assert reveal is not None and reveal.title == f"Question 1: the answer is {q.answer}"
        assert reveal.body.startswith("Anna (0 s) got it first.") and reveal.then[0].title == "Question 2 of 2"
        assert "Anna" in (await app.door.call(anna, "/quiz scores")).body
        assert backend.quizzes().member_record("discord:g", "anna").right >= 1
        forgotten = await app.door.call(anna, "/privacy forget-me")
        assert forgotten.title == "Forgotten" and "Deleted 0 " not in forgotten.body
        assert backend.quizzes().member_record("discord:g", "anna").answered == 0  # gone wherever it lived
        assert "not answered a quiz question" in (await app.door.call(anna, "/quiz me")).body
    finally:
        app.close()
