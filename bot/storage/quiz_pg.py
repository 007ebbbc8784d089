"""`QuizRepo` in PostgreSQL (issue 23), chosen by CLIO_DATABASE_URL=postgresql://... and imported only then.

The tables are those of bot/pg_state.py migrations p002_exactly_once (quiz_answers) and p003_quizzes, applied
when a `PgState` opens the database; the repo uses that PgState's connection pool (autocommit; a transaction
only where several statements belong together). Each guard is one statement the database makes atomic:

- one running quiz per channel: INSERT ... ON CONFLICT (workspace, channel) WHERE status = 'running' DO
  NOTHING against the partial unique index `one_running_quiz`;
- one answer per member per question: INSERT ... ON CONFLICT DO NOTHING on the primary key;
- the first right answer wins, and a question is closed once: an UPDATE whose WHERE only the first writer
  meets (`winner is null`, `current = %s`); a second writer waits for the first's row lock and finds the
  row no longer matching (READ COMMITTED re-checks the WHERE on the updated row)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from bot.storage.pg_repo import PgRepo, pg_forgetters
from bot.storage.quiz import (FORGOTTEN, JSON_FIELDS, QUIZ_FIELDS, Answer, Appeal, MemberRecord, Question, Quiz,
                              Rescored, Score, platform_prefix)


SCORE_COLUMNS = ("user_id, max(user_name) as name, sum(points) as points, sum(correct) as right, "
                 "count(*) as answered")
_QUESTION_COLUMNS = tuple(Question.__dataclass_fields__)


def _quiz(row: dict[str, Any] | None) -> Quiz | None:
    return Quiz(**row) if row else None


def _question(row: dict[str, Any] | None) -> Question | None:
    return Question(**{k: row[k] for k in _QUESTION_COLUMNS}) if row else None


def _answer(row: dict[str, Any] | None) -> Answer | None:
    return Answer(**{**row, "correct": bool(row["correct"])}) if row else None


def _score(row: dict[str, Any]) -> Score:
    return Score(user_id=row["user_id"], name=row["name"], points=int(row["points"] or 0),
                 right=int(row["right"] or 0), answered=int(row["answered"]))


def _appeal(row: dict[str, Any] | None) -> Appeal | None:
    return Appeal(**row) if row else None


class PgQuizRepo(PgRepo):
    """`QuizRepo` in a PostgreSQL database (see the module's docstring), on a PgState's pool."""

    # store.forget_member and store.delete_workspace: the quizzes in PostgreSQL forget too, each database once
    forgetters = pg_forgetters("the quizzes in PostgreSQL")

    # --- quizzes -------------------------------------------------------------------------------------------

    def start(self, quiz: Quiz, questions: list[Question]) -> int | None:
        columns = ", ".join(QUIZ_FIELDS)
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute(
                f"insert into quizzes ({columns}) values ({', '.join(['%s'] * len(QUIZ_FIELDS))}) "
                "on conflict (workspace, channel) where status = 'running' do nothing returning id",
                [getattr(quiz, k) for k in QUIZ_FIELDS]).fetchone()
            if row is None:
                return None
            quiz_id = int(row[0])
            with conn.cursor() as cur:
                cur.executemany(
                    f"insert into quiz_questions ({', '.join(_QUESTION_COLUMNS)}) "
                    f"values ({', '.join(['%s'] * len(_QUESTION_COLUMNS))})",
                    [[quiz_id if k == "quiz_id" else Jsonb(v) if k in JSON_FIELDS else v
                      for k, v in asdict(q).items()] for q in questions])
        return quiz_id

    def quiz(self, quiz_id: int) -> Quiz | None:
        return _quiz(self._one("select * from quizzes where id = %s", [quiz_id]))

    def running(self, workspace: str, channel: str) -> Quiz | None:
        return _quiz(self._one("select * from quizzes where workspace = %s and channel = %s and status = 'running'",
                               [workspace, channel]))

    def running_all(self, platform: str | None = None) -> list[Quiz]:
        prefix = platform_prefix(platform)
        cond, params = ("and left(workspace, %s) = %s", [len(prefix), prefix]) if prefix else ("", [])
        return [Quiz(**r) for r in self._rows(f"select * from quizzes where status = 'running' {cond} order by id",
                                             params)]

    def channel_quiz(self, workspace: str, channel: str, quiz_id: int | None = None) -> Quiz | None:
        if quiz_id is not None:
            return _quiz(self._one("select * from quizzes where id = %s and workspace = %s and channel = %s",
                                   [quiz_id, workspace, channel]))
        return _quiz(self._one("select * from quizzes where workspace = %s and channel = %s "
                               "order by status = 'running' desc, id desc limit 1", [workspace, channel]))

    def started_by(self, workspace: str, channel: str, user_id: str, limit: int = 5) -> list[Quiz]:
        return [Quiz(**r) for r in self._rows(
            "select * from quizzes where workspace = %s and channel = %s and started_by = %s order by id desc limit %s",
            [workspace, channel, user_id, limit])]

    def recent_qids(self, workspace: str, channel: str, quizzes: int) -> set[str]:
        return {r["qid"] for r in self._rows(
            "select qq.qid from quiz_questions qq where qq.quiz_id in (select id from quizzes where workspace = %s "
            "and channel = %s order by id desc limit %s)", [workspace, channel, quizzes])}

    def end(self, quiz_id: int, status: str, ended_at: str) -> bool:
        return self._run("update quizzes set status = %s, ended_at = %s where id = %s and status = 'running'",
                           [status, ended_at, quiz_id]) == 1

    # --- questions -----------------------------------------------------------------------------------------

    def question(self, quiz_id: int, idx: int) -> Question | None:
        return _question(self._one("select * from quiz_questions where quiz_id = %s and idx = %s", [quiz_id, idx]))

    def advance(self, quiz_id: int, from_idx: int, deadline: str, opened_at: str) -> bool:
        with self.pool.connection() as conn, conn.transaction():
            moved = conn.execute(
                "update quizzes set current = least(current + 1, total - 1), deadline = %s "
                "where id = %s and current = %s and status = 'running' returning total",
                [deadline, quiz_id, from_idx]).fetchone()
            if moved is None:
                return False
            conn.execute("update quiz_questions set closed = true where quiz_id = %s and idx = %s", [quiz_id, from_idx])
            if from_idx + 1 < moved[0]:
                conn.execute("update quiz_questions set opened_at = %s where quiz_id = %s and idx = %s",
                             [opened_at, quiz_id, from_idx + 1])
        return True

    def close_question(self, quiz_id: int, idx: int) -> None:
        self._run("update quiz_questions set closed = true where quiz_id = %s and idx = %s", [quiz_id, idx])

    def last_closed_question(self, workspace: str, channel: str) -> Question | None:
        return _question(self._one(
            "select qq.* from quiz_questions qq join quizzes q on q.id = qq.quiz_id "
            "where q.workspace = %s and q.channel = %s and qq.closed order by q.id desc, qq.idx desc limit 1",
            [workspace, channel]))

    # --- answers -------------------------------------------------------------------------------------------

    def record_answer(self, answer: Answer) -> bool:
        return self._run(
            "insert into quiz_answers (quiz_id, idx, workspace, user_id, user_name, answer, correct, points, "
            "answered_at) values (%(quiz_id)s, %(idx)s, %(workspace)s, %(user_id)s, %(user_name)s, %(answer)s, "
            "%(correct)s, %(points)s, %(answered_at)s) on conflict do nothing",
            {**asdict(answer), "correct": int(answer.correct)}) == 1

    def correct_answer(self, answer: Answer) -> bool:
        return self._run(
            "update quiz_answers set answer = %s, correct = 1, points = %s, answered_at = %s "
            "where quiz_id = %s and idx = %s and user_id = %s and correct = 0",
            [answer.answer, answer.points, answer.answered_at, answer.quiz_id, answer.idx, answer.user_id]) == 1

    def claim_winner(self, quiz_id: int, idx: int, user_id: str) -> bool:
        return self._run("update quiz_questions set winner = %s where quiz_id = %s and idx = %s and winner is null",
                           [user_id, quiz_id, idx]) == 1

    def member_answer(self, quiz_id: int, idx: int, user_id: str) -> Answer | None:
        return _answer(self._one("select * from quiz_answers where quiz_id = %s and idx = %s and user_id = %s",
                                 [quiz_id, idx, user_id]))

    def right_answers(self, quiz_id: int, idx: int) -> list[Answer]:
        return [_answer(r) for r in self._rows(  # type: ignore[misc]
            "select * from quiz_answers where quiz_id = %s and idx = %s and correct = 1 order by answered_at",
            [quiz_id, idx])]

    def answer_count(self, quiz_id: int, idx: int) -> int:
        row = self._one("select count(*) as n from quiz_answers where quiz_id = %s and idx = %s", [quiz_id, idx])
        return int(row["n"]) if row else 0

    # --- scores --------------------------------------------------------------------------------------------

    def scores(self, quiz_id: int) -> list[Score]:
        return [_score(r) for r in self._rows(
            f"select {SCORE_COLUMNS} from quiz_answers where quiz_id = %s group by user_id "
            "order by points desc, name", [quiz_id])]

    def leaderboard(self, workspace: str, since: str | None = None, limit: int = 10) -> list[Score]:
        extra, params = ("and answered_at >= %s", [since]) if since else ("", [])
        return [_score(r) for r in self._rows(
            f"select {SCORE_COLUMNS} from quiz_answers where workspace = %s {extra} group by user_id "
            "order by points desc, name limit %s", [workspace, *params, limit])]

    def member_record(self, workspace: str, user_id: str) -> MemberRecord:
        r = self._one("select count(*) as answered, coalesce(sum(correct), 0) as right, "
                      "coalesce(sum(points), 0) as points, count(distinct quiz_id) as quizzes "
                      "from quiz_answers where workspace = %s and user_id = %s", [workspace, user_id])
        assert r is not None
        return MemberRecord(**{k: int(v) for k, v in r.items()})

    # --- appeals -------------------------------------------------------------------------------------------

    def add_appeal(self, appeal: Appeal) -> int:
        row = {k: v for k, v in asdict(appeal).items() if k != "id"}
        r = self._one(f"insert into quiz_appeals ({', '.join(row)}) values ({', '.join(f'%({k})s' for k in row)}) "
                      "returning id", row)
        assert r is not None
        return int(r["id"])

    def appeal(self, workspace: str, appeal_id: int) -> Appeal | None:
        return _appeal(self._one("select * from quiz_appeals where workspace = %s and id = %s", [workspace, appeal_id]))

    def appeals(self, workspace: str, status: str = "open") -> list[Appeal]:
        return [Appeal(**r) for r in self._rows("select * from quiz_appeals where workspace = %s and status = %s "
                                               "order by id", [workspace, status])]

    def open_appeal_by(self, quiz_id: int, idx: int, user_id: str) -> Appeal | None:
        return _appeal(self._one("select * from quiz_appeals where quiz_id = %s and idx = %s and user_id = %s "
                                 "and status = 'open'", [quiz_id, idx, user_id]))

    def rescore(self, quiz_id: int, idx: int, points: int, matches: Callable[[str], bool]) -> list[Rescored]:
        changed = []
        with self.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            for a in cur.execute("select * from quiz_answers where quiz_id = %s and idx = %s and correct = 0 "
                                 "for update", [quiz_id, idx]).fetchall():
                if matches(a["answer"]) and conn.execute(
                        "update quiz_answers set correct = 1, points = %s where quiz_id = %s and idx = %s "
                        "and user_id = %s and correct = 0", [points, quiz_id, idx, a["user_id"]]).rowcount == 1:
                    changed.append(Rescored(_answer({**a, "correct": 1, "points": points}),  # type: ignore[arg-type]
                                            points - (a["points"] or 0)))
        return changed

    def resolve_appeals(self, quiz_id: int, idx: int, claim_matches: Callable[[str], bool], status: str,
                        by: str) -> list[int]:
        with self.pool.connection() as conn, conn.transaction():
            rows = conn.execute("select id, claim from quiz_appeals where quiz_id = %s and idx = %s "
                                "and status = 'open' order by id for update", [quiz_id, idx]).fetchall()
            ids = [int(i) for i, claim in rows if claim_matches(claim)]
            if ids:
                conn.execute("update quiz_appeals set status = %s, resolved_by = %s where id = any(%s)",
                             [status, by, ids])
        return ids

    # --- members and workspaces ----------------------------------------------------------------------------

    def forget(self, workspace: str, user_id: str | None) -> int:
        n = 0
        in_ws = "quiz_id in (select id from quizzes where workspace = %s)"
        with self.pool.connection() as conn, conn.transaction():
            if user_id is None:
                for table, cond in (("quiz_answers", "workspace = %s"), ("quiz_appeals", "workspace = %s"),
                                    ("quiz_questions", in_ws), ("quizzes", "workspace = %s")):
                    n += conn.execute(f"delete from {table} where {cond}", [workspace]).rowcount
                return n
            for table in ("quiz_answers", "quiz_appeals"):
                n += conn.execute(f"delete from {table} where workspace = %s and user_id = %s",
                                  [workspace, user_id]).rowcount
            for table, col, cond in (("quizzes", "started_by", "workspace = %s"), ("quiz_questions", "winner", in_ws),
                                     ("quiz_appeals", "resolved_by", "workspace = %s")):
                conn.execute(f"update {table} set {col} = %s where {col} = %s and {cond}", [FORGOTTEN, user_id, workspace])
        return n
