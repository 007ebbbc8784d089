"""The quiz aggregate's interface: a quiz, its questions, members' answers, scores and appeals.

`QuizRepo` holds every read, write and transaction a quiz needs; bot/services/quiz.py uses nothing else to
keep its state. What must happen once however many processes try at the same moment is the database's to
enforce, on every backend, each in one atomic statement:

- one running quiz per channel (`start` returns None when the channel has one);
- one answer per member per question (`record_answer` returns False for a second one);
- the first right answer takes an open-mode question (`claim_winner` is True for one caller only);
- a question is closed and the quiz moved past it once (`advance` is True for one caller only).

Times are ISO 8601 text, compared as text, as the service writes them. tests/test_quiz_repo.py runs one
contract on every backend."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Quiz:
    id: int
    workspace: str
    channel: str
    ref: str  # where the quiz posts (a ConversationRef as JSON)
    status: str  # running, finished, stopped, ended
    mode: str  # choice or open
    seconds: int
    total: int
    current: int  # the index of the question being asked
    deadline: str  # when the current question's time is up
    started_by: str
    started_at: str
    topic: str | None = None
    ended_at: str | None = None


@dataclass(frozen=True)
class Question:
    quiz_id: int
    idx: int
    qid: str  # the question bank's id (review cards and "no repeats" key on it)
    question: str
    answer: str
    options: list[str] = field(default_factory=list)
    accept: list[str] = field(default_factory=list)
    explanation: str = ""
    sources: list[dict[str, Any]] = field(default_factory=list)
    winner: str | None = None
    opened_at: str | None = None
    closed: bool = False


@dataclass(frozen=True)
class Answer:
    quiz_id: int
    idx: int
    workspace: str
    user_id: str
    user_name: str
    answer: str
    correct: bool
    points: int
    answered_at: str


@dataclass(frozen=True)
class Score:
    """A member's standing: in one quiz, or in a workspace's leaderboard."""

    user_id: str
    name: str
    points: int
    right: int
    answered: int


@dataclass(frozen=True)
class MemberRecord:
    answered: int
    right: int
    points: int
    quizzes: int


@dataclass(frozen=True)
class Appeal:
    id: int
    workspace: str
    quiz_id: int
    idx: int
    qid: str
    user_id: str
    claim: str
    reason: str
    status: str  # open, accepted
    created_at: str
    resolved_by: str | None = None


@dataclass(frozen=True)
class Rescored:
    """An answer an accepted appeal made right, and the points it gained."""

    answer: Answer
    gained: int


class QuizRepo(Protocol):
    # --- quizzes -------------------------------------------------------------------------------------------

    def start(self, quiz: Quiz, questions: list[Question]) -> int | None:
        """Store a new running quiz (its `id` and its questions' `quiz_id` are ignored) with its questions,
        in one transaction; its id, or None when the channel already runs a quiz."""

    def quiz(self, quiz_id: int) -> Quiz | None: ...

    def running(self, workspace: str, channel: str) -> Quiz | None:
        """The channel's running quiz."""

    def running_all(self, platform: str | None = None) -> list[Quiz]:
        """Every running quiz (of one platform's workspaces, when given), oldest first."""

    def channel_quiz(self, workspace: str, channel: str, quiz_id: int | None = None) -> Quiz | None:
        """A quiz of a channel: the one given by id, else the running one, else the latest."""

    def started_by(self, workspace: str, channel: str, user_id: str, limit: int = 5) -> list[Quiz]:
        """The channel's latest quizzes started by `user_id`, newest first, of any status."""

    def recent_qids(self, workspace: str, channel: str, quizzes: int) -> set[str]:
        """The bank ids of the questions of the channel's last `quizzes` quizzes."""

    def end(self, quiz_id: int, status: str, ended_at: str) -> bool:
        """End a running quiz with `status`: False when it was not running any more (someone ended it first)."""

    # --- questions -----------------------------------------------------------------------------------------

    def question(self, quiz_id: int, idx: int) -> Question | None: ...

    def advance(self, quiz_id: int, from_idx: int, deadline: str, opened_at: str) -> bool:
        """Close question `from_idx` of a running quiz and move on, once: the next question (if any) becomes
        current, opened at `opened_at`, its time up at `deadline` (on the last, only the deadline moves).
        False when another caller already moved the quiz past it, or it is not running."""

    def close_question(self, quiz_id: int, idx: int) -> None:
        """Mark a question revealed (a stopped quiz's open question)."""

    def last_closed_question(self, workspace: str, channel: str) -> Question | None:
        """The question revealed last in the channel."""

    # --- answers -------------------------------------------------------------------------------------------

    def record_answer(self, answer: Answer) -> bool:
        """Record a member's answer; False when they already answered that question."""

    def correct_answer(self, answer: Answer) -> bool:
        """Make a member's recorded wrong answer right (open mode: wrong first, then right); False when
        they have no wrong answer to that question."""

    def claim_winner(self, quiz_id: int, idx: int, user_id: str) -> bool:
        """Take question `idx` for `user_id`: True for the first caller only."""

    def member_answer(self, quiz_id: int, idx: int, user_id: str) -> Answer | None: ...

    def right_answers(self, quiz_id: int, idx: int) -> list[Answer]:
        """The right answers to a question, first answered first."""

    def answer_count(self, quiz_id: int, idx: int) -> int: ...

    # --- scores --------------------------------------------------------------------------------------------

    def scores(self, quiz_id: int) -> list[Score]:
        """A quiz's standings, best first (ties by name)."""

    def leaderboard(self, workspace: str, since: str | None = None, limit: int = 10) -> list[Score]:
        """A workspace's best members over every quiz (answered at or after `since`, when given)."""

    def member_record(self, workspace: str, user_id: str) -> MemberRecord: ...

    # --- appeals -------------------------------------------------------------------------------------------

    def add_appeal(self, appeal: Appeal) -> int:
        """Store an appeal (its `id` ignored); its id."""

    def appeal(self, workspace: str, appeal_id: int) -> Appeal | None: ...

    def appeals(self, workspace: str, status: str = "open") -> list[Appeal]: ...

    def open_appeal_by(self, quiz_id: int, idx: int, user_id: str) -> Appeal | None: ...

    def rescore(self, quiz_id: int, idx: int, points: int, matches: Callable[[str], bool]) -> list[Rescored]:
        """Make every wrong answer to a question that `matches` right, worth `points`, once, in one transaction."""

    def resolve_appeals(self, quiz_id: int, idx: int, claim_matches: Callable[[str], bool], status: str,
                        by: str) -> list[int]:
        """Resolve every open appeal on a question whose claim matches; their ids."""

    # --- members and workspaces ----------------------------------------------------------------------------

    def forget(self, workspace: str, user_id: str | None) -> int:
        """Forget a member (`user_id`) or a whole workspace (None). A member: their answers and appeals go,
        and where the group's rows name them (who started a quiz, won a question, settled an appeal) FORGOTTEN
        stands instead. A workspace: its quizzes, questions, answers and appeals go. How many rows went."""


FORGOTTEN = "forgotten"  # bot/store.py FORGOTTEN: the same word wherever a member is forgotten
QUIZ_FIELDS = tuple(f for f in Quiz.__dataclass_fields__ if f != "id")
QUESTION_FIELDS = tuple(Question.__dataclass_fields__)
ANSWER_FIELDS = tuple(Answer.__dataclass_fields__)
APPEAL_FIELDS = tuple(f for f in Appeal.__dataclass_fields__ if f != "id")
JSON_FIELDS = ("options", "accept", "sources")


def platform_prefix(platform: str | None) -> str | None:
    """The prefix of a platform's workspace ids ("discord:", "slack:"), as bot/store.py `_platform_cond`."""
    return f"{platform}:" if platform else None
