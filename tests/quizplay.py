"""A quiz played up to the point of an appeal, shared by the console, Discord and Slack appeal tests."""
from __future__ import annotations

from bot.app import Clio
from bot.events import Context


def two_wrong_answers(app: Clio, member: Context, host: Context) -> int:
    """Start a 5-question choice quiz in the member's channel; the member answers questions 1 and 2 with a
    wrong option and the host skips each, so both are revealed. Returns the quiz id."""
    app.handle_text("/quiz start 5 30", host)
    quiz = app.quiz.repo.running(member.workspace, member.channel)  # wherever the quizzes are kept
    assert quiz is not None
    for idx in (0, 1):
        q = app.quiz.repo.question(quiz.id, idx)
        assert q is not None
        wrong = next(i for i, o in enumerate(q.options) if o != q.answer)
        assert "recorded" in app.handle_text(f"/quiz answer {'ABCD'[wrong]}", member).body
        assert app.handle_text("/quiz skip", host).ok
    return int(quiz.id)


def rescored_only_question_2(app: Clio, quiz_id: int, user_id: str) -> bool:
    """Whether the member's answer to question 2 now counts and their answer to question 1 still does not."""
    q1, q2 = (app.quiz.repo.member_answer(quiz_id, idx, user_id) for idx in (0, 1))
    return bool(q1 and q2 and q2.correct and q2.points == 100 and not q1.correct and q1.points == 0)
