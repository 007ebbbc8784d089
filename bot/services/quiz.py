"""Quiz nights: a state machine kept in the database (a `QuizRepo`, bot/storage) and driven by an injected clock.

A quiz asks its questions one at a time in a channel. In choice mode members click one of four buttons and
everyone right scores (faster scores more); the answer is revealed when time is up. In open mode members
type answers, graded leniently; the first right answer takes the question. Every state change is a row in
the database, so a restart resumes the quiz (or ends it cleanly, scores kept), and a primary key records
each member's answer exactly once however often they click.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from bot import store
from bot.errors import BadInput, BotError
from bot.events import Context, ConversationRef
from bot.names import Matcher
from bot.response import Button, Citation, Field, Reply
from bot.services import pictures, review
from bot.services.grading import grade
from bot.storage.quiz import Answer, Appeal, Question, Quiz, QuizRepo
from bot.storage.readings import Readings, SqliteReadings
from bot.storage.workspace_data import SqliteWorkspaceData, WorkspaceData
from bot.text import clean, echo, shorten

Mode = Literal["choice", "open"]
DEFAULT_QUESTIONS = 10
DEFAULT_SECONDS = 30
MIN_SECONDS, MAX_SECONDS = 10, 300
MAX_QUESTIONS = 50
BASE_POINTS = 100
SPEED_BONUS = 50
NO_REPEAT_QUIZZES = 3  # a channel's last few quizzes' questions are not asked again while others remain
RESUME_GRACE = dt.timedelta(minutes=5)  # a quiz whose question ran out longer ago than this ends on restart
OPTION_LETTERS = "ABCDEF"

Clock = Callable[[], dt.datetime]


class QuizError(BotError):
    """Something about the quiz the member asked for that cannot be done now."""


@dataclass(frozen=True)
class Posted:
    """A reply the quiz posts to a channel by itself (a reveal, the next question, final scores)."""

    ref: ConversationRef
    reply: Reply


class QuizEngine:
    def __init__(self, repo: QuizRepo, db: Any, matcher: Callable[[], Matcher], clock: Clock,
                 bank: Callable[[str, str | None], list[dict[str, Any]]]):
        self.repo = repo  # the quizzes, their answers, scores and appeals
        self.db = db  # the SQLite file: the readings a reveal cites and members' review cards stay there
        self.matcher = matcher  # the current matcher (it is rebuilt when the pack changes)
        self.clock = clock
        self.bank = bank  # (workspace, topic) -> candidate questions, curated and generated
        self.data: WorkspaceData = SqliteWorkspaceData(db)  # members' review cards (the app's in PostgreSQL)
        self.readings: Readings = SqliteReadings(db)  # the ingested readings a reveal cites

    # --- starting and stopping ---------------------------------------------------------------------------

    def start(self, ctx: Context, args: str) -> Reply:
        topic, n, seconds, mode = parse_start(args)
        if self.repo.running(ctx.workspace, ctx.channel):
            raise QuizError("A quiz is already running in this channel: /quiz stop ends it.")
        pool = self.bank(ctx.workspace, topic)
        if not pool:
            raise QuizError(f"No questions match “{echo(topic or '')}”. Try a person, a year, one of the pack's "
                            "periods (/pack list shows them), or a reading's title; or /quiz start with no topic.")
        recent = self.repo.recent_qids(ctx.workspace, ctx.channel, NO_REPEAT_QUIZZES)
        now = self.clock()
        rng = random.Random(f"{ctx.workspace}:{ctx.channel}:{now.isoformat()}")
        fresh = [q for q in pool if q["id"] not in recent]
        rng.shuffle(fresh)
        stale = [q for q in pool if q["id"] in recent]
        rng.shuffle(stale)
        chosen = (fresh + stale)[:n]
        rows = []
        for i, q in enumerate(chosen):
            options = list(q["options"])
            rng.shuffle(options)
            rows.append(Question(quiz_id=0, idx=i, qid=q["id"], question=q["question"], answer=q["answer"],
                                 options=options, accept=list(q.get("accept") or []), explanation=q["explanation"],
                                 sources=list(q["sources"]), opened_at=now.isoformat() if i == 0 else None))
        quiz_id = self.repo.start(Quiz(
            id=0, workspace=ctx.workspace, channel=ctx.channel, ref=json.dumps(asdict(ConversationRef.of(ctx))),
            status="running", mode=mode, seconds=seconds, total=len(rows), topic=topic, current=0,
            deadline=(now + dt.timedelta(seconds=seconds)).isoformat(), started_by=ctx.user_id,
            started_at=now.isoformat()), rows)
        if quiz_id is None:
            raise QuizError("A quiz is already running in this channel: /quiz stop ends it.")
        intro = f"{len(rows)} question(s), {seconds} s each, {mode} mode" + (f", on {echo(topic)}" if topic else "")
        first = self.question_reply(self.repo.quiz(quiz_id))  # type: ignore[arg-type]
        return Reply(ok=True, kind="info", title="Quiz starting",
                     body=f"{intro}. Once a question's answer is shown, /quiz appeal N REASON disputes question N.",
                     then=[first])

    def stop(self, ctx: Context) -> Reply:
        """End the quiz now: reveal the question that was open, then the final standings."""
        quiz = self._running(ctx)
        if not (ctx.is_admin or ctx.user_id == quiz.started_by):
            raise QuizError("Only the member who started the quiz or an admin can stop it.")
        if not self.repo.end(quiz.id, "stopped", self.clock().isoformat()):
            raise QuizError("The quiz has just ended.")
        q = self.repo.question(quiz.id, quiz.current)
        assert q is not None
        final = self.scores_reply(quiz.id, title="Quiz stopped", note="Final scores:", chart=True)
        if q.closed:
            return final
        self.repo.close_question(quiz.id, quiz.current)
        reveal = self._reveal(quiz, q, "stopped")
        reveal.then.append(final)
        return reveal

    def skip(self, ctx: Context) -> Reply:
        quiz = self._running(ctx)
        if not (ctx.is_admin or ctx.user_id == quiz.started_by):
            raise QuizError("Only the member who started the quiz or an admin can skip a question.")
        posted = self._close_question(quiz, skipped=True)
        if not posted:
            raise QuizError("That question has just closed.")
        return _chain([p.reply for p in posted])

    # --- answering -------------------------------------------------------------------------------------------

    def choose(self, ctx: Context, value: str) -> Reply:
        """A button click or "/quiz answer B": one option of the current question; in open mode "/quiz answer
        Trotsky", graded as a typed answer. What it says of the member's own answer only they see (the channel
        would learn the letter, or a wrong guess); a right open answer's reveal is the channel's."""
        quiz = self._running(ctx)
        m = re.fullmatch(r"(?:(\d+):(\d+):)?([A-Fa-f]|\d)", value.strip())
        if quiz.mode == "open" and not (m and m.group(1)):  # a button of an earlier choice quiz is no answer
            graded = self.typed(ctx, value, privately=True)
            if graded is None:  # ended meanwhile
                raise QuizError("That question has just closed.")
            return graded
        if not m:
            raise BadInput("Answer with the option's letter, e.g. /quiz answer B.")
        if m.group(1) and (int(m.group(1)) != quiz.id or int(m.group(2)) != quiz.current):
            raise QuizError("That question is closed; the quiz has moved on.")
        if quiz.mode != "choice":
            raise QuizError("This quiz is in open mode: type your answer.")
        letter = m.group(3).upper()
        pos = OPTION_LETTERS.index(letter) if letter.isalpha() else int(letter) - 1
        q = self.repo.question(quiz.id, quiz.current)
        assert q is not None
        if not 0 <= pos < len(q.options):
            raise BadInput(f"Choose one of {', '.join(OPTION_LETTERS[:len(q.options)])}.")
        if self._expire_if_due(quiz):
            raise QuizError("Time was up on that question; the answer has been revealed.")
        choice = q.options[pos]
        right = choice == q.answer
        if not self._record(ctx, quiz, q, choice, right):
            return Reply(ok=True, kind="info", private=True,
                         body="You have already answered this question; your first answer counts.")
        return Reply(ok=True, kind="info", private=True,
                     body=f"Answer {letter} recorded. The answer is revealed when time is up.")

    def typed(self, ctx: Context, text: str, privately: bool = False) -> Reply | None:
        """A message typed in a channel with an open-mode quiz: graded. None when no such quiz runs.
        `privately`: what it says of a wrong or late answer is for the member alone (typed as a command)."""
        quiz = self.repo.running(ctx.workspace, ctx.channel)
        if quiz is None or quiz.mode != "open":
            return None
        if self._expire_if_due(quiz):
            return Reply(ok=True, kind="info", private=privately, body="Time was up on that question.")
        q = self.repo.question(quiz.id, quiz.current)
        assert q is not None
        g = grade(text, q.answer, q.accept, self.matcher())
        if g.verdict == "several":
            return Reply(ok=True, kind="info", private=privately,
                         body="One answer at a time, please: that one lists several.")
        if g.verdict == "near":
            return Reply(ok=True, kind="info", private=privately, body="Close: be more specific.")
        if not g.correct:
            self._record(ctx, quiz, q, text[:200], False, only_if_first=False)
            return Reply(ok=True, kind="info", private=privately, body="Not that, try again.")
        if not self.repo.claim_winner(quiz.id, quiz.current, ctx.user_id):
            return Reply(ok=True, kind="info", private=privately, body="Right, but someone was quicker.")
        self._record(ctx, quiz, q, text[:200], True, only_if_first=False)
        posted = self._close_question(quiz)  # the reveal names who got it and how fast, then the next question
        return _chain([p.reply for p in posted]) if posted else Reply(ok=True, kind="info", body="Right!")

    def _record(self, ctx: Context, quiz: Quiz, q: Question, answer: str, right: bool,
                only_if_first: bool = True) -> bool:
        now = self.clock()
        opened = dt.datetime.fromisoformat(q.opened_at) if q.opened_at else now
        elapsed = max(0.0, (now - opened).total_seconds())
        bonus = int(SPEED_BONUS * max(0.0, 1 - elapsed / quiz.seconds)) if right else 0
        row = Answer(quiz_id=quiz.id, idx=quiz.current, workspace=ctx.workspace, user_id=ctx.user_id,
                     user_name=ctx.user_name[:80], answer=answer, correct=right,
                     points=(BASE_POINTS + bonus) if right else 0, answered_at=now.isoformat())
        if self.repo.record_answer(row):
            review.record(self.data, ctx.workspace, ctx.user_id, asdict(q), right, now)
            return True
        if not only_if_first and right:  # an open-mode member who was wrong first, then right
            self.repo.correct_answer(row)
            return True
        return False

    def review(self, ctx: Context, arg: str) -> Reply:
        """The member's due review questions, privately; "/quiz review QID:B" answers one."""
        if arg.strip():
            return review.answer(self.data, ctx.workspace, ctx.user_id, arg.strip(), self.clock())
        return review.next_due(self.data, ctx.workspace, ctx.user_id, self.clock())

    # --- time ------------------------------------------------------------------------------------------------

    def tick(self, platform: str | None = None) -> list[Posted]:
        """Close every question whose time is up (revealing it and asking the next), across all channels (of
        one platform's workspaces, when given). A quiz whose time ran out long ago (the bot was down) ends
        cleanly with its scores kept."""
        posted: list[Posted] = []
        now = self.clock()
        for quiz in self.repo.running_all(platform):
            deadline = dt.datetime.fromisoformat(quiz.deadline)
            if now >= deadline + RESUME_GRACE:
                posted.append(Posted(_ref(quiz), self._finish(
                    quiz, "ended", "Quiz ended: Clio was away, so the scores so far stand")))
            elif now >= deadline:
                posted.extend(self._close_question(quiz))
        return posted

    def _expire_if_due(self, quiz: Quiz) -> bool:
        """Close the question if its time is up (an answer can arrive before the tick does)."""
        if self.clock() >= dt.datetime.fromisoformat(quiz.deadline):
            self._close_question(quiz)
            return True
        return False

    def _close_question(self, quiz: Quiz, skipped: bool = False) -> list[Posted]:
        """Reveal the current question and move on, once (a second closer finds it moved and does nothing)."""
        now = self.clock()
        idx = quiz.current
        last = idx + 1 >= quiz.total
        if not self.repo.advance(quiz.id, idx, deadline=(now + dt.timedelta(seconds=quiz.seconds)).isoformat(),
                                 opened_at=now.isoformat()):
            return []
        q = self.repo.question(quiz.id, idx)
        assert q is not None
        posted = [Posted(_ref(quiz), self._reveal(quiz, q, "skipped" if skipped else "closed"))]
        if last:
            posted.append(Posted(_ref(quiz), self._finish(quiz, "finished", "Quiz over")))
        else:
            fresh = self.repo.quiz(quiz.id)
            assert fresh is not None
            posted.append(Posted(_ref(quiz), self.question_reply(fresh)))
        return posted

    def _finish(self, quiz: Quiz, status: str, why: str) -> Reply:
        self.repo.end(quiz.id, status, self.clock().isoformat())
        return self.scores_reply(quiz.id, title=why, note="Final scores:", chart=True)

    def _reveal(self, quiz: Quiz, q: Question, how: Literal["closed", "skipped", "stopped"]) -> Reply:
        """A question's answer: who got it and how fast (or that nobody did), the explanation, its sources,
        and a button to appeal it."""
        n = q.idx + 1
        opened = dt.datetime.fromisoformat(q.opened_at) if q.opened_at else None

        def took(a: Answer) -> str:
            if opened is None:
                return echo(a.user_name, 40)
            secs = max(0.0, (dt.datetime.fromisoformat(a.answered_at) - opened).total_seconds())
            return f"{echo(a.user_name, 40)} ({secs:.0f} s)"

        right = self.repo.right_answers(quiz.id, q.idx)
        if right and quiz.mode == "open":
            who = f"{took(right[0])} got it first." if len(right) == 1 else \
                f"{took(right[0])} got it first; also right: {', '.join(took(a) for a in right[1:])}."
        elif right:
            who = f"Right: {', '.join(took(a) for a in right)}."
        else:
            who = {"closed": "Time ran out: nobody got it.", "skipped": "Skipped: nobody got it.",
                   "stopped": "The quiz was stopped before anyone got it."}[how]
        if how == "stopped" and right:
            who = "The quiz was stopped. " + who
        return Reply(ok=True, kind="info", title=f"Question {n}: the answer is {q.answer}",
                     body=f"{who}\n\n{q.explanation.strip()}", citations=_citations(self.db, self.readings, q.sources),
                     buttons=[Button("Appeal this answer", "quiz", f"appeal {quiz.id}:{q.idx}")])

    # --- showing -------------------------------------------------------------------------------------------------

    def question_reply(self, quiz: Quiz) -> Reply:
        q = self.repo.question(quiz.id, quiz.current)
        assert q is not None
        n = quiz.current + 1
        if quiz.mode == "choice":
            lines = [f"{OPTION_LETTERS[i]}. {opt}" for i, opt in enumerate(q.options)]
            buttons = [Button(f"{OPTION_LETTERS[i]}. {opt}"[:75], "quiz", f"answer {quiz.id}:{quiz.current}:{OPTION_LETTERS[i]}")
                       for i, opt in enumerate(q.options)]
            how = f"Click an answer (or /quiz answer A–{OPTION_LETTERS[len(q.options) - 1]}); {quiz.seconds} s."
        else:
            lines, buttons = [], []
            how = f"Type your answer; {quiz.seconds} s."
        return Reply(ok=True, kind="quiz", title=f"Question {n} of {quiz.total}",
                     body=q.question + ("\n\n" + "\n".join(lines) if lines else "") + f"\n\n{how}",
                     buttons=buttons)

    def current(self, ctx: Context) -> tuple[Reply, int] | None:
        """The running quiz's current question as a reply, and how many members have answered it."""
        quiz = self.repo.running(ctx.workspace, ctx.channel)
        if quiz is None:
            return None
        return self.question_reply(quiz), self.repo.answer_count(quiz.id, quiz.current)

    def scores_reply(self, quiz_id: int, title: str = "Scores", note: str = "", chart: bool = False) -> Reply:
        """The quiz's scores, best first; with `chart` (its final standings) a bar chart of them too."""
        rows = self.repo.scores(quiz_id)
        lines = [f"{i}. {echo(r.name, 40)}: {r.points} points ({r.right} right)" for i, r in enumerate(rows, 1)]
        image = pictures.standings_png([(shorten(clean(r.name or "?"), 40), r.points) for r in rows],
                                       "Final standings", filename=f"quiz-{quiz_id}-standings.png") \
            if chart and rows else None
        return Reply(ok=True, kind="list", title=title, body="\n".join(filter(None, [note, *(lines or ["No answers yet."])])),
                     image=image)

    def scores(self, ctx: Context) -> Reply:
        quiz = self.repo.running(ctx.workspace, ctx.channel)
        if quiz is None:
            last = self.repo.channel_quiz(ctx.workspace, ctx.channel)
            if last is None:
                raise QuizError("No quiz has run in this channel yet: /quiz start")
            return self.scores_reply(last.id, title="Scores of the last quiz")
        return self.scores_reply(quiz.id)

    def leaderboard(self, ctx: Context) -> Reply:
        now = self.clock()
        month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).isoformat()
        fields = []
        for label, since in (("All time", None), (f"{now:%B %Y}", month)):
            rows = self.repo.leaderboard(ctx.workspace, since)
            fields.append(Field(label, "\n".join(f"{i}. {echo(r.name, 40)}: {r.points}" for i, r in
                                                 enumerate(rows, 1)) or "No answers yet."))
        return Reply(ok=True, kind="list", title="Leaderboard", fields=fields)

    def me(self, ctx: Context) -> Reply:
        r = self.repo.member_record(ctx.workspace, ctx.user_id)
        if not r.answered:
            return Reply(ok=True, kind="info", title="Your record", body="You have not answered a quiz question here yet.")
        share = round(100 * r.right / r.answered)
        return Reply(ok=True, kind="info", title="Your record",
                     body=f"{r.points} points from {r.quizzes} quiz(zes): {r.right} of {r.answered} "
                          f"answers right ({share}%).")

    # --- appeals -------------------------------------------------------------------------------------------------

    def appeal(self, ctx: Context, text: str) -> Reply:
        """"/quiz appeal N REASON" disputes question N of the channel's quiz (the running one, else the last);
        the reveal's button sends "/quiz appeal QUIZ:IDX". Without a number: the last question revealed."""
        m = _APPEAL.fullmatch(text.strip())
        assert m is not None  # the pattern matches any text
        quiz_id, number, reason = m.group("quiz"), m.group("n"), (m.group("reason") or "").strip()
        if quiz_id is not None:  # a button: quiz id and question index
            quiz = self.repo.channel_quiz(ctx.workspace, ctx.channel, int(quiz_id))
            idx = int(number)
        elif number is not None:
            quiz = self.repo.channel_quiz(ctx.workspace, ctx.channel)
            idx = int(number) - 1
        else:
            last = self.repo.last_closed_question(ctx.workspace, ctx.channel)
            quiz = self.repo.channel_quiz(ctx.workspace, ctx.channel, last.quiz_id) if last else None
            idx = last.idx if last else 0
        if quiz is None:
            raise QuizError("There is no quiz here to appeal: appeals are made in the quiz's channel.")
        if not 0 <= idx < quiz.total:
            raise BadInput(f"That quiz had questions 1 to {quiz.total}: /quiz appeal N REASON")
        q = self.repo.question(quiz.id, idx)
        assert q is not None
        if not q.closed:
            raise QuizError(f"Question {idx + 1} has not been revealed yet: appeal once its answer is shown.")
        if self.repo.open_appeal_by(quiz.id, idx, ctx.user_id):
            raise QuizError(f"You already have an open appeal on question {idx + 1}; the admins will look at it.")
        theirs = self.repo.member_answer(quiz.id, idx, ctx.user_id)
        if theirs is not None and theirs.correct:
            raise QuizError(f"Your answer to question {idx + 1} already counts as right.")
        claim = theirs.answer if theirs else reason
        if not claim:
            raise BadInput(f"You did not answer question {idx + 1}: say what the answer should be and why, "
                           f"e.g. /quiz appeal {idx + 1} ANSWER — AUTHOR, para 80")
        aid = self.repo.add_appeal(Appeal(
            id=0, workspace=ctx.workspace, quiz_id=quiz.id, idx=idx, qid=q.qid, user_id=ctx.user_id,
            claim=claim[:200], reason=(reason or "appealed with the button")[:500], status="open",
            created_at=self.clock().isoformat()))
        return Reply(ok=True, kind="info", private=True, title=f"Appeal {aid} recorded",
                     body=f"On question {idx + 1} (“{echo(q.question, 80)}”), for the answer “{echo(claim, 60)}”. "
                          "The admins will look at it (/quiz appeals). Thank you.")

    def appeals(self, ctx: Context) -> Reply:
        """Open appeals (admins only: /quiz appeals is among the registry's admin_actions)."""
        rows = self.repo.appeals(ctx.workspace)
        lines = []
        for a in rows:
            q = self.repo.question(a.quiz_id, a.idx)
            about = f"question {a.idx + 1} of quiz {a.quiz_id} (key “{echo(q.answer, 40)}”)" if q else a.qid
            lines.append(f"#{a.id} on {about}: answer “{echo(a.claim, 60)}” — {echo(a.reason, 120)}")
        return Reply(ok=True, kind="list", title=f"{len(rows)} open appeal(s)",
                     body="\n".join(lines) or "None. /quiz accept ID re-scores an appeal.")

    def accept(self, ctx: Context, arg: str) -> Reply:
        """Accept an appeal: every member who gave that answer to that question scores, once (admins only)."""
        raw = arg.strip().lstrip("#")
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
            raise BadInput("Give the appeal's number: /quiz accept 3")
        a = self.repo.appeal(ctx.workspace, int(raw))
        if a is None or a.status != "open":
            raise QuizError("No open appeal with that number in this group.")
        claim, matcher = a.claim, self.matcher()

        def same(given: str) -> bool:
            return given == claim or grade(given, claim, [], matcher).correct

        changed = self.repo.rescore(a.quiz_id, a.idx, BASE_POINTS, same)
        settled = self.repo.resolve_appeals(a.quiz_id, a.idx, same, "accepted", ctx.user_id)
        gains = ", ".join(f"{echo(c.answer.user_name, 40)} +{c.gained}" for c in changed)
        others = f" Appeals {', '.join(f'#{i}' for i in settled if i != a.id)} on the same answer are settled too." \
            if len(settled) > 1 else ""
        return Reply(ok=True, kind="info", title=f"Appeal {a.id} accepted",
                     body=f"Answers of “{echo(claim, 60)}” to question {a.idx + 1} now count as right: "
                          + (f"{gains}." if gains else "no one else gave that answer, so no score changed.") + others)

    # --- helpers -------------------------------------------------------------------------------------------------

    def _running(self, ctx: Context) -> Quiz:
        quiz = self.repo.running(ctx.workspace, ctx.channel)
        if quiz is None:
            raise QuizError("No quiz is running in this channel: /quiz start begins one.")
        return quiz


def parse_start(args: str) -> tuple[str | None, int, int, Mode]:
    """"[TOPIC] [QUESTIONS] [SECONDS] [choice|open]", in any order: numbers <= 50 are the count, larger or
    "30s" the seconds; "questions=5", "seconds=20", "mode=open" work too."""
    n, seconds, mode = DEFAULT_QUESTIONS, DEFAULT_SECONDS, "choice"
    topic_words: list[str] = []
    numbers: list[int] = []
    for word in args.split():
        w = word.lower()
        if m := re.fullmatch(r"(?:questions|q|n)=(\d+)", w):
            n = int(m.group(1))
        elif m := re.fullmatch(r"(?:seconds|s|time)=(\d+)s?|(\d+)s", w):
            seconds = int(m.group(1) or m.group(2))
        elif m := re.fullmatch(r"(?:mode=)?(choice|open)", w):
            mode = m.group(1)
        elif w.isdecimal() and not (len(w) == 4 and 1000 <= int(w) <= 2999):  # a year is a topic; not "²"
            numbers.append(int(w))
        else:
            topic_words.append(word)
    if numbers:
        n = numbers[0]
    if len(numbers) > 1:
        seconds = numbers[1]
    if not 1 <= n <= MAX_QUESTIONS:
        raise BadInput(f"A quiz has 1 to {MAX_QUESTIONS} questions.")
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise BadInput(f"Each question lasts {MIN_SECONDS} to {MAX_SECONDS} seconds.")
    return (" ".join(topic_words) or None), n, seconds, mode  # type: ignore[return-value]


def _ref(quiz: Quiz) -> ConversationRef:
    return ConversationRef(**json.loads(quiz.ref))


def _citations(db: Any, readings: Readings, sources: list[dict]) -> list[Citation]:
    out = []
    for s in sources:
        r = store.reading(db, s["reading"]) or readings.source(s["reading"])  # the pack's, else an ingested one
        if r:
            out.append(Citation(r["id"], r["title"], r["author"], s.get("loc")))
    return out


def _chain(replies: list[Reply]) -> Reply:
    """Several posts made at once (a reveal, then the next question) as one reply followed by the others,
    each still a message of its own, in order."""
    first = replies[0]
    first.then.extend(replies[1:])
    return first


# "3 reason", "#3 reason", "12:2" (the reveal's button: quiz id and question index), or only a reason
_APPEAL = re.compile(r"(?:#?(?:(?P<quiz>\d{1,12}):)?(?P<n>\d{1,3})(?!\S))?\s*(?P<reason>.*)", re.S)


async def run_clock(engine: QuizEngine, outbox: Any, stop: Any, interval: float = 1.0,
                    platform: str | None = None) -> None:
    """Close questions as their time runs out and hand the reveals to the adapter's outbox, until `stop`.
    With `platform`, only that platform's quizzes: each adapter process runs its own clock."""
    import asyncio
    import logging

    log = logging.getLogger("clio.quiz")
    while not stop.is_set():
        try:
            for post in engine.tick(platform):
                try:
                    await outbox.send(post.ref, post.reply)
                except Exception:
                    log.exception("could not post quiz update to %s", post.ref)
        except Exception:
            log.exception("quiz clock tick failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass
