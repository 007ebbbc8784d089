"""`QuizRepo` in the SQLite file: the tables of bot/store.py migration m005_quiz, on the caller's connection
(one per thread, as everywhere; bot/door.py gives each worker thread a copy on its own connection).

The guards are SQLite's own: the partial unique index `one_running_quiz`, the primary key of `quiz_answers`,
and UPDATEs whose WHERE lets only the first writer through (`winner is null`, `current = ?`). Writes that
belong together run in one BEGIN IMMEDIATE transaction (`db.atomic()`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import sqlite_utils

from bot.storage.quiz import (ANSWER_FIELDS, FORGOTTEN, JSON_FIELDS, QUIZ_FIELDS, Answer, Appeal, MemberRecord,
                              Question, Quiz, Rescored, Score, platform_prefix)


def quiz_row(row: dict[str, Any] | None) -> Quiz | None:
    return Quiz(**row) if row else None


def question_row(row: dict[str, Any] | None) -> Question | None:
    if not row:
        return None
    row = {k: v for k, v in row.items() if k in Question.__dataclass_fields__}
    for k in JSON_FIELDS:
        row[k] = json.loads(row[k]) if row.get(k) else []
    row["closed"] = bool(row.get("closed"))
    return Question(**row)


def answer_row(row: dict[str, Any] | None) -> Answer | None:
    if not row:
        return None
    return Answer(**{**{k: row[k] for k in ANSWER_FIELDS}, "correct": bool(row["correct"])})


def score_row(row: dict[str, Any]) -> Score:
    return Score(user_id=row["user_id"], name=row["name"], points=int(row["points"] or 0),
                 right=int(row["right"] or 0), answered=int(row["answered"]))


def appeal_row(row: dict[str, Any] | None) -> Appeal | None:
    return Appeal(**row) if row else None


def question_values(q: Question, quiz_id: int) -> dict[str, Any]:
    row = asdict(q)
    for k in JSON_FIELDS:
        row[k] = json.dumps(row[k], ensure_ascii=False)
    return {**row, "quiz_id": quiz_id, "closed": int(q.closed)}


SCORE_COLUMNS = ("user_id, max(user_name) as name, sum(points) as points, sum(correct) as right, "
                 "count(*) as answered")


class SqliteQuizRepo:
    """`QuizRepo` in the SQLite file (see the module's docstring)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def _one(self, sql: str, params: list[Any]) -> dict[str, Any] | None:
        return next(self.db.query(sql, params), None)

    # --- quizzes -------------------------------------------------------------------------------------------

    def start(self, quiz: Quiz, questions: list[Question]) -> int | None:
        try:
            with self.db.atomic():
                quiz_id = self.db["quizzes"].insert({k: getattr(quiz, k) for k in QUIZ_FIELDS}).last_pk
                self.db["quiz_questions"].insert_all([question_values(q, int(quiz_id)) for q in questions],
                                                     pk=("quiz_id", "idx"))
        except sqlite3.IntegrityError:  # the unique index one_running_quiz: the channel runs one already
            return None
        return int(quiz_id)  # type: ignore[arg-type]

    def quiz(self, quiz_id: int) -> Quiz | None:
        return quiz_row(self._one("select * from quizzes where id = ?", [quiz_id]))

    def running(self, workspace: str, channel: str) -> Quiz | None:
        return quiz_row(self._one("select * from quizzes where workspace = ? and channel = ? and status = 'running'",
                                  [workspace, channel]))

    def running_all(self, platform: str | None = None) -> list[Quiz]:
        prefix = platform_prefix(platform)
        cond, params = ("and substr(workspace, 1, ?) = ?", [len(prefix), prefix]) if prefix else ("", [])
        return [Quiz(**r) for r in self.db.query(f"select * from quizzes where status = 'running' {cond} order by id",
                                                 params)]

    def channel_quiz(self, workspace: str, channel: str, quiz_id: int | None = None) -> Quiz | None:
        if quiz_id is not None:
            return quiz_row(self._one("select * from quizzes where id = ? and workspace = ? and channel = ?",
                                      [quiz_id, workspace, channel]))
        return quiz_row(self._one("select * from quizzes where workspace = ? and channel = ? "
                                  "order by status = 'running' desc, id desc limit 1", [workspace, channel]))

    def started_by(self, workspace: str, channel: str, user_id: str, limit: int = 5) -> list[Quiz]:
        return [Quiz(**r) for r in self.db.query(
            "select * from quizzes where workspace = ? and channel = ? and started_by = ? order by id desc limit ?",
            [workspace, channel, user_id, limit])]

    def recent_qids(self, workspace: str, channel: str, quizzes: int) -> set[str]:
        return {r["qid"] for r in self.db.query(
            "select qq.qid from quiz_questions qq where qq.quiz_id in (select id from quizzes where workspace = ? "
            "and channel = ? order by id desc limit ?)", [workspace, channel, quizzes])}

    def end(self, quiz_id: int, status: str, ended_at: str) -> bool:
        return self.db.execute("update quizzes set status = ?, ended_at = ? where id = ? and status = 'running'",
                               [status, ended_at, quiz_id]).rowcount == 1

    # --- questions -----------------------------------------------------------------------------------------

    def question(self, quiz_id: int, idx: int) -> Question | None:
        return question_row(self._one("select * from quiz_questions where quiz_id = ? and idx = ?", [quiz_id, idx]))

    def advance(self, quiz_id: int, from_idx: int, deadline: str, opened_at: str) -> bool:
        with self.db.atomic():
            moved = self.db.execute(
                "update quizzes set current = min(current + 1, total - 1), deadline = ? "
                "where id = ? and current = ? and status = 'running'", [deadline, quiz_id, from_idx]).rowcount == 1
            if moved:
                self.db.execute("update quiz_questions set closed = 1 where quiz_id = ? and idx = ?", [quiz_id, from_idx])
                self.db.execute("update quiz_questions set opened_at = ? where quiz_id = ? and idx = ? "
                                "and idx < (select total from quizzes where id = ?)",
                                [opened_at, quiz_id, from_idx + 1, quiz_id])
        return moved

    def close_question(self, quiz_id: int, idx: int) -> None:
        self.db.execute("update quiz_questions set closed = 1 where quiz_id = ? and idx = ?", [quiz_id, idx])

    def last_closed_question(self, workspace: str, channel: str) -> Question | None:
        return question_row(self._one(
            "select qq.* from quiz_questions qq join quizzes q on q.id = qq.quiz_id "
            "where q.workspace = ? and q.channel = ? and qq.closed = 1 order by q.id desc, qq.idx desc limit 1",
            [workspace, channel]))

    # --- answers -------------------------------------------------------------------------------------------

    def record_answer(self, answer: Answer) -> bool:
        return self.db.execute(
            "insert into quiz_answers (quiz_id, idx, workspace, user_id, user_name, answer, correct, points, "
            "answered_at) values (:quiz_id, :idx, :workspace, :user_id, :user_name, :answer, :correct, :points, "
            ":answered_at) on conflict do nothing", {**asdict(answer), "correct": int(answer.correct)}).rowcount == 1

    def correct_answer(self, answer: Answer) -> bool:
        return self.db.execute(
            "update quiz_answers set answer = ?, correct = 1, points = ?, answered_at = ? "
            "where quiz_id = ? and idx = ? and user_id = ? and correct = 0",
            [answer.answer, answer.points, answer.answered_at, answer.quiz_id, answer.idx, answer.user_id]).rowcount == 1

    def claim_winner(self, quiz_id: int, idx: int, user_id: str) -> bool:
        return self.db.execute("update quiz_questions set winner = ? where quiz_id = ? and idx = ? and winner is null",
                               [user_id, quiz_id, idx]).rowcount == 1

    def member_answer(self, quiz_id: int, idx: int, user_id: str) -> Answer | None:
        return answer_row(self._one("select * from quiz_answers where quiz_id = ? and idx = ? and user_id = ?",
                                    [quiz_id, idx, user_id]))

    def right_answers(self, quiz_id: int, idx: int) -> list[Answer]:
        return [answer_row(r) for r in self.db.query(  # type: ignore[misc]
            "select * from quiz_answers where quiz_id = ? and idx = ? and correct = 1 order by answered_at",
            [quiz_id, idx])]

    def answer_count(self, quiz_id: int, idx: int) -> int:
        return int(self.db.execute("select count(*) from quiz_answers where quiz_id = ? and idx = ?",
                                   [quiz_id, idx]).fetchone()[0])

    # --- scores --------------------------------------------------------------------------------------------

    def scores(self, quiz_id: int) -> list[Score]:
        return [score_row(r) for r in self.db.query(
            f"select {SCORE_COLUMNS} from quiz_answers where quiz_id = ? group by user_id order by points desc, name",
            [quiz_id])]

    def leaderboard(self, workspace: str, since: str | None = None, limit: int = 10) -> list[Score]:
        extra, params = ("and answered_at >= ?", [since]) if since else ("", [])
        return [score_row(r) for r in self.db.query(
            f"select {SCORE_COLUMNS} from quiz_answers where workspace = ? {extra} group by user_id "
            "order by points desc, name limit ?", [workspace, *params, limit])]

    def member_record(self, workspace: str, user_id: str) -> MemberRecord:
        r = self.db.execute(
            "select count(*), coalesce(sum(correct), 0), coalesce(sum(points), 0), count(distinct quiz_id) "
            "from quiz_answers where workspace = ? and user_id = ?", [workspace, user_id]).fetchone()
        return MemberRecord(answered=int(r[0]), right=int(r[1]), points=int(r[2]), quizzes=int(r[3]))

    # --- appeals -------------------------------------------------------------------------------------------

    def add_appeal(self, appeal: Appeal) -> int:
        return int(self.db["quiz_appeals"].insert({k: v for k, v in asdict(appeal).items() if k != "id"}).last_pk)  # type: ignore[arg-type]

    def appeal(self, workspace: str, appeal_id: int) -> Appeal | None:
        return appeal_row(self._one("select * from quiz_appeals where workspace = ? and id = ?", [workspace, appeal_id]))

    def appeals(self, workspace: str, status: str = "open") -> list[Appeal]:
        return [Appeal(**r) for r in self.db.query("select * from quiz_appeals where workspace = ? and status = ? "
                                                   "order by id", [workspace, status])]

    def open_appeal_by(self, quiz_id: int, idx: int, user_id: str) -> Appeal | None:
        return appeal_row(self._one("select * from quiz_appeals where quiz_id = ? and idx = ? and user_id = ? "
                                    "and status = 'open'", [quiz_id, idx, user_id]))

    def rescore(self, quiz_id: int, idx: int, points: int, matches: Callable[[str], bool]) -> list[Rescored]:
        changed = []
        with self.db.atomic():
            for a in list(self.db.query("select * from quiz_answers where quiz_id = ? and idx = ? and correct = 0",
                                        [quiz_id, idx])):
                if matches(a["answer"]) and self.db.execute(
                        "update quiz_answers set correct = 1, points = ? where quiz_id = ? and idx = ? "
                        "and user_id = ? and correct = 0", [points, quiz_id, idx, a["user_id"]]).rowcount == 1:
                    changed.append(Rescored(answer_row({**a, "correct": 1, "points": points}),  # type: ignore[arg-type]
                                            points - (a["points"] or 0)))
        return changed

    def resolve_appeals(self, quiz_id: int, idx: int, claim_matches: Callable[[str], bool], status: str,
                        by: str) -> list[int]:
        with self.db.atomic():
            ids = [a["id"] for a in self.db.query("select id, claim from quiz_appeals where quiz_id = ? and idx = ? "
                                                  "and status = 'open'", [quiz_id, idx]) if claim_matches(a["claim"])]
            for aid in ids:
                self.db.execute("update quiz_appeals set status = ?, resolved_by = ? where id = ? and status = 'open'",
                                [status, by, aid])
        return ids

    # --- members and workspaces ----------------------------------------------------------------------------

    def forget(self, workspace: str, user_id: str | None) -> int:
        n = 0
        with self.db.atomic():
            in_ws = "quiz_id in (select id from quizzes where workspace = ?)"
            if user_id is None:
                for table, cond in (("quiz_answers", "workspace = ?"), ("quiz_appeals", "workspace = ?"),
                                    ("quiz_questions", in_ws), ("quizzes", "workspace = ?")):
                    n += self.db.execute(f"delete from {table} where {cond}", [workspace]).rowcount
                return n
            for table in ("quiz_answers", "quiz_appeals"):
                n += self.db.execute(f"delete from {table} where workspace = ? and user_id = ?",
                                     [workspace, user_id]).rowcount
            for table, col, cond in (("quizzes", "started_by", "workspace = ?"), ("quiz_questions", "winner", in_ws),
                                     ("quiz_appeals", "resolved_by", "workspace = ?")):
                self.db.execute(f"update {table} set {col} = ? where {col} = ? and {cond}",
                                [FORGOTTEN, user_id, workspace])
        return n
