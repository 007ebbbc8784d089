"""Personal review with spaced repetition (FSRS, through the fsrs package): every quiz answer updates the
member's schedule for that question; /quiz review brings back the questions that are due, privately."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fsrs import Card, Rating, Scheduler

from bot.storage.workspace_data import WorkspaceData
from bot.errors import BadInput
from bot.response import Button, Reply
from bot.text import echo

LETTERS = "ABCDEF"
_SCHEDULER = Scheduler(enable_fuzzing=False)


def record(data: WorkspaceData, workspace: str, user_id: str, question: dict[str, Any], right: bool,
           now: dt.datetime) -> dt.datetime:
    """Update a member's schedule for a question after an answer. Returns when it is due again."""
    row = data.review_card(workspace, user_id, question["qid"])
    card = Card.from_dict(json.loads(row["card"])) if row else Card()
    card, _ = _SCHEDULER.review_card(card, Rating.Good if right else Rating.Again, review_datetime=now)
    snapshot = {k: question[k] for k in ("qid", "question", "answer", "options", "accept", "explanation")}
    data.save_review_card({"workspace": workspace, "user_id": user_id, "qid": question["qid"],
                                "card": json.dumps(card.to_dict()), "due": card.due.isoformat(),
                                "question": json.dumps(snapshot, ensure_ascii=False)})
    return card.due


def next_due(data: WorkspaceData, workspace: str, user_id: str, now: dt.datetime, note: str = "") -> Reply:
    due = data.due_review_cards(workspace, user_id, now.isoformat())
    if not due:
        return Reply(ok=True, kind="info", private=True, title="Review",
                     body=(note + "\n\n" if note else "") + "Nothing is due for review. Play a quiz, and the questions "
                     "you met come back here when it is time to recall them.")
    q = json.loads(due[0]["question"])
    options = "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(q["options"]))
    return Reply(ok=True, kind="quiz", private=True, title=f"Review ({len(due)} due)",
                 body=(note + "\n\n" if note else "") + f"{q['question']}\n\n{options}",
                 buttons=[Button(f"{LETTERS[i]}. {o}"[:75], "quiz", f"review {q['qid']}:{LETTERS[i]}")
                          for i, o in enumerate(q["options"])])


def answer(data: WorkspaceData, workspace: str, user_id: str, value: str, now: dt.datetime) -> Reply:
    qid, _, letter = value.rpartition(":")
    row = data.review_card(workspace, user_id, qid)
    if row is None or len(letter) != 1 or letter.upper() not in LETTERS:
        raise BadInput("That review answer is not one of your questions; /quiz review shows what is due.")
    q = json.loads(row["question"])
    pos = LETTERS.index(letter.upper())
    if pos >= len(q["options"]):
        raise BadInput("Choose one of the options shown.")
    right = q["options"][pos] == q["answer"]
    due = record(data, workspace, user_id, q, right, now)
    verdict = "Right." if right else f"Not quite: it is {echo(q['answer'], 80)}."
    return next_due(data, workspace, user_id, now, note=f"{verdict} {q['explanation']} (Back on {due:%d %b}.)")
