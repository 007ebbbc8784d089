"""The contract of what a workspace keeps of its own (bot/storage/workspace_data.py) on SQLite and on
PostgreSQL: its own quiz questions, members' review cards, and its removal after the bot left; and that
forget-me and workspace deletion reach them on either backend."""

from __future__ import annotations

import pytest

from bot import store


@pytest.fixture
def data(backend):  # noqa: ANN001, ANN201
    return backend.workspace_data()


def question(text: str, **more) -> dict:  # noqa: ANN003
    return {"question": text, "answer": "Lenin", "options": ["Lenin", "Trotsky", "Stalin"], "accept": ["lenin"],
            "topic": "1917", "period": "1917", "about": ["lenin"], "explanation": "He did.",
            "sources": [{"reading": "r1", "loc": "p. 3"}], "origin": "chat", "added_at": "2026-12-01T10:00:00", **more}


def test_own_questions_are_the_groups_in_order_and_come_back_as_stored(data) -> None:  # noqa: ANN001
    ids = data.add_own_questions("w:1", [question("Who spoke first?"), question("Who spoke last?", accept=[])])
    data.add_own_questions("w:2", [question("Theirs?")])
    rows = data.own_questions("w:1")
    assert [r["id"] for r in rows] == ids and ids[0] < ids[1]
    assert [r["question"] for r in rows] == ["Who spoke first?", "Who spoke last?"]
    first = rows[0]
    assert (first["options"], first["accept"], first["about"], first["sources"]) == (
        ["Lenin", "Trotsky", "Stalin"], ["lenin"], ["lenin"], [{"reading": "r1", "loc": "p. 3"}])
    assert rows[1]["accept"] == [] and data.own_question_count("w:1") == 2
    assert data.delete_own_question("w:2", ids[0]) is None  # another group's number removes nothing
    gone = data.delete_own_question("w:1", ids[0])
    assert gone["question"] == "Who spoke first?" and data.own_question_count("w:1") == 1
    assert data.delete_own_question("w:1", ids[0]) is None
    later = data.add_own_questions("w:1", [question("Who came next?")])
    assert later[0] > ids[1]  # a number is never given twice


def test_a_batch_with_a_bad_row_adds_none(data) -> None:  # noqa: ANN001
    with pytest.raises(TypeError):  # the second row cannot be stored (a value that is no JSON)
        data.add_own_questions("w:1", [question("Fine?"), question("Broken?", options=[object()])])
    assert data.own_questions("w:1") == []


def test_review_cards_are_a_members_own_and_come_due_in_order(data) -> None:  # noqa: ANN001
    def card(user: str, qid: str, due: str) -> dict:
        return {"workspace": "w:1", "user_id": user, "qid": qid, "card": '{"step": 1}', "due": due,
                "question": '{"qid": "%s"}' % qid}

    data.save_review_card(card("u1", "q1", "2026-12-03T00:00:00"))
    data.save_review_card(card("u1", "q2", "2026-12-01T00:00:00"))
    data.save_review_card(card("u1", "q3", "2026-12-09T00:00:00"))
    data.save_review_card(card("u2", "q1", "2026-12-01T00:00:00"))
    due = data.due_review_cards("w:1", "u1", "2026-12-05T00:00:00")
    assert [c["qid"] for c in due] == ["q2", "q1"]
    assert [c["qid"] for c in data.due_review_cards("w:1", "u1", "2026-12-05T00:00:00", limit=1)] == ["q2"]
    data.save_review_card(card("u1", "q2", "2026-12-20T00:00:00"))  # answered again: replaced, not added
    assert [c["qid"] for c in data.due_review_cards("w:1", "u1", "2026-12-05T00:00:00")] == ["q1"]
    assert data.review_card("w:1", "u1", "q2")["due"] == "2026-12-20T00:00:00"
    assert data.review_card("w:2", "u1", "q2") is None


def test_a_removal_comes_due_after_its_grace_and_a_return_cancels_it(data) -> None:  # noqa: ANN001
    data.mark_removed("w:1", "2026-12-01T00:00:00", "2026-12-31T00:00:00")
    data.mark_removed("w:2", "2026-12-01T00:00:00", "2026-12-10T00:00:00")
    assert data.removals_due("2026-12-15T00:00:00") == ["w:2"]
    assert data.removals_due("2027-01-01T00:00:00") == ["w:1", "w:2"]
    data.unmark_removed("w:2")
    data.mark_removed("w:1", "2026-12-02T00:00:00", "2027-02-01T00:00:00")  # removed again: the later date
    assert data.removals_due("2027-01-01T00:00:00") == []


def test_forget_me_and_workspace_deletion_reach_them(backend, data) -> None:  # noqa: ANN001
    for user in ("u1", "u2"):
        data.save_review_card({"workspace": "w:1", "user_id": user, "qid": "q1", "card": "{}",
                               "due": "2026-12-01T00:00:00", "question": "{}"})
    data.add_own_questions("w:1", [question("Kept until the group goes?")])
    data.mark_removed("w:1", "2026-12-01T00:00:00", "2026-12-31T00:00:00")
    db = store.open_db(backend.db_path)
    try:
        assert store.forget_member(db, "w:1", "u1") >= 1
        assert data.review_card("w:1", "u1", "q1") is None and data.review_card("w:1", "u2", "q1") is not None
        assert data.own_question_count("w:1") == 1  # the group's, not the member's
        store.delete_workspace(db, "w:1")
    finally:
        db.close()
    assert data.review_card("w:1", "u2", "q1") is None and data.own_question_count("w:1") == 0
    assert data.removals_due("2027-01-01T00:00:00") == []


def test_a_groups_chosen_packs_and_back_to_the_default(backend, data) -> None:  # noqa: ANN001
    assert data.chosen_packs("w:1") is None
    data.choose_packs("w:1", ("french", "russian"), "admin", "2026-12-01T00:00:00")
    data.choose_packs("w:2", ("russian",), "other", "2026-12-01T00:00:00")
    assert data.chosen_packs("w:1") == ("french", "russian")  # in the order chosen
    data.choose_packs("w:1", ("russian",), "admin", "2026-12-02T00:00:00")
    assert data.chosen_packs("w:1") == ("russian",)
    db = store.open_db(backend.db_path)
    try:
        store.forget_member(db, "w:1", "admin")  # the choice stays the group's
        assert data.chosen_packs("w:1") == ("russian",)
        store.delete_workspace(db, "w:2")
    finally:
        db.close()
    assert data.chosen_packs("w:2") is None
    data.choose_packs("w:1", None, "admin", "2026-12-03T00:00:00")
    assert data.chosen_packs("w:1") is None
