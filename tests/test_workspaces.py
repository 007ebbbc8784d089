"""Workspaces: a group's readings and members' records are its own. Driven from the command registry, so a
new command is checked by itself."""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import store
from bot.app import Clio
from bot.commands import REGISTRY
from bot.events import Context
from tests.conftest import settings_here
from tests.records import Records

SECRET = "General Kornilov hid the Zyxwv ledger in a cellar near Luga, the diary says."
SHARED_TEXT = "General Kornilov read the Qwertz bulletin aloud to his officers at Mogilev."
SECRET_TITLE = "Cellar Diary of Group A"
A = Context(workspace="discord:A", user_id="u1", is_admin=True, platform="discord")
B = Context(workspace="discord:B", user_id="u2", is_admin=True, platform="discord")


@pytest.fixture
def two_groups(mini_app: Clio, tmp_path: Path) -> tuple[Clio, str, str]:
    secret = tmp_path / "private-notes.txt"
    secret.write_text(SECRET, encoding="utf-8")
    shared = tmp_path / "bulletin.txt"
    shared.write_text(SHARED_TEXT, encoding="utf-8")
    sid = mini_app.ingest(secret, workspace=A.workspace, title=SECRET_TITLE).source_id
    shared_id = mini_app.ingest(shared).source_id
    return mini_app, sid, shared_id


def probes(name: str) -> list[str]:
    spec = REGISTRY[name]
    from_examples = [e.split(" ", 1)[1] for e in spec.examples if " " in e]
    return ["", "Kornilov", "Zyxwv ledger", "private-notes.txt", "Luga cellar diary", "1917", *from_examples]


def leaks(reply, secret_id: str) -> bool:  # type: ignore[no-untyped-def]
    return any(c.reading_id == secret_id for c in reply.citations) or "ledger in a cellar" in reply.text() \
        or SECRET_TITLE in reply.text()


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_no_command_shows_another_workspaces_reading(two_groups: tuple[Clio, str, str], name: str) -> None:
    app, secret_id, _ = two_groups
    for arg in probes(name):
        reply = app.handle_text(f"/{name} {arg}".strip(), B)
        assert not leaks(reply, secret_id), (name, arg, reply.text())
    assert Records(app).count("sources", "where id = ?", [secret_id]) == 1  # nor removes it


def test_the_owning_workspace_sees_its_reading_and_everyone_sees_shared_ones(two_groups: tuple[Clio, str, str]) -> None:
    app, secret_id, shared_id = two_groups
    mine = app.handle_text("/who Kornilov", A)
    assert {secret_id, shared_id} <= {c.reading_id for c in mine.citations}
    theirs = app.handle_text("/who Kornilov", B)
    assert shared_id in {c.reading_id for c in theirs.citations}
    assert any(c.reading_id == secret_id for c in app.handle_text("/search Zyxwv ledger", A).citations)
    assert SECRET_TITLE in app.handle_text("/sources", A).text()


def test_workspace_limits_give_a_clear_message(tmp_path: Path, make_app) -> None:  # noqa: ANN001
    app = make_app(tmp_path / "c.db", pack="mini", max_workspace_readings=1, max_workspace_mb=1)
    one, two = tmp_path / "one.txt", tmp_path / "two.txt"
    one.write_text(SECRET, encoding="utf-8")
    two.write_text(SHARED_TEXT, encoding="utf-8")
    app.ingest(one, workspace="slack:T1")
    with pytest.raises(Exception, match="already has 1 readings, its limit"):
        app.ingest(two, workspace="slack:T1")
    app.ingest(one, workspace="slack:T1")  # replacing a reading the group has is not a new one
    big = tmp_path / "big.txt"
    big.write_text("Kornilov marched. " * 70_000, encoding="utf-8")
    with pytest.raises(Exception, match="over its 1 MB limit"):
        app.ingest(big, workspace="slack:T2")
    app.ingest(two)  # the operator's shared readings have no workspace limit


def test_forget_me_removes_exactly_that_members_rows(mini_app: Clio, monkeypatch: pytest.MonkeyPatch) -> None:
    db = mini_app.db
    db["answers_probe"].insert_all([
        {"workspace": "discord:A", "user_id": "u1", "points": 3},
        {"workspace": "discord:A", "user_id": "u1", "points": 5},
        {"workspace": "discord:A", "user_id": "u2", "points": 4},
        {"workspace": "discord:B", "user_id": "u1", "points": 7},
    ])
    monkeypatch.setattr(store, "MEMBER_TABLES", [("answers_probe", "workspace", "user_id")])
    reply = mini_app.handle_text("/privacy forget-me", A)
    assert reply.ok and "Deleted 2 record(s)" in reply.body
    left = sorted((r["workspace"], r["user_id"], r["points"]) for r in db.query("select * from answers_probe"))
    assert left == [("discord:A", "u2", 4), ("discord:B", "u1", 7)]
    not_admin = Context(workspace="discord:A", user_id="u3", is_admin=False)
    assert not mini_app.handle_text("/privacy forget u2", not_admin).ok
    assert mini_app.handle_text("/privacy forget u2", A).ok
    assert [r["workspace"] for r in db.query("select * from answers_probe")] == ["discord:B"]


def test_privacy_says_what_is_stored_and_for_how_long(mini_app: Clio) -> None:
    text = mini_app.handle_text("/privacy", B).text()
    for words in ("user id", "quiz answers and scores", "review schedule", "How long", "/privacy forget-me"):
        assert words in text


def test_a_removed_workspace_is_deleted_after_its_grace_period(two_groups: tuple[Clio, str, str]) -> None:
    app, secret_id, shared_id = two_groups
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    app.workspaces.removed(A.workspace, now)
    assert app.workspaces.purge_due(now + dt.timedelta(days=29)) == []
    app.workspaces.rejoined(A.workspace)
    assert app.workspaces.purge_due(now + dt.timedelta(days=31)) == []  # it came back: nothing deleted
    app.workspaces.removed(A.workspace, now)
    assert app.workspaces.purge_due(now + dt.timedelta(days=31)) == [A.workspace]
    records = Records(app)
    assert records.count("sources", "where id = ?", [secret_id]) == 0
    assert records.count("passages", "where source_id = ?", [secret_id]) == 0
    assert records.count("sources", "where id = ?", [shared_id]) == 1


OPS = st.lists(st.tuples(st.sampled_from(["ingest", "forget", "who", "search", "compare", "sources"]),
                         st.sampled_from(["w:1", "w:2", "w:3"]), st.integers(0, 2)), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_random_interleavings_never_show_a_passage_outside_its_workspace(new_database_url,  # noqa: ANN001
                                                                          ops: list[tuple[str, str, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp, contextlib.closing(
            Clio(settings_here(new_database_url, Path(tmp) / "c.db", pack="mini"))) as app:
        owner: dict[str, str] = {}  # source id -> workspace
        for op, ws, doc in ops:
            ctx = Context(workspace=ws, user_id="u", is_admin=True)
            name = f"doc{doc}.txt"
            if op == "ingest":
                f = Path(tmp) / ws.replace(":", "_") / name
                f.parent.mkdir(exist_ok=True)
                f.write_text(f"General Kornilov wrote note {doc} for group {ws} about Luga.", encoding="utf-8")
                owner[app.ingest(f, workspace=ws).source_id] = ws
            elif op == "forget":
                app.handle_text(f"/forget {name}", ctx)
            else:
                arg = {"who": "Kornilov", "search": "Kornilov Luga note", "compare": "Kornilov", "sources": ""}[op]
                reply = app.handle_text(f"/{op} {arg}".strip(), ctx)
                for c in reply.citations:
                    assert owner.get(c.reading_id, ws) == ws, (op, ws, c)
                assert all(f"group {other}" not in reply.text() for other in ("w:1", "w:2", "w:3") if other != ws)


def test_quizzes_leaderboards_schedules_and_appeals_are_per_workspace(two_groups: tuple[Clio, str, str]) -> None:
    app, secret_id, _ = two_groups
    now = [dt.datetime(2026, 11, 20, 19, 0, tzinfo=dt.UTC)]
    app.clock = lambda: now[0]
    # generated questions in B never come from A's reading
    from bot.services.questions import generated

    def questions_in(ws: str) -> list[dict]:
        return generated(app.db, app.lookup.matcher, ws, readings=app._pg_readings(), packs=app.packs_of(ws))

    assert all(q["sources"][0]["reading"] != secret_id for q in questions_in(B.workspace))
    assert any(q["sources"][0]["reading"] == secret_id for q in questions_in(A.workspace))
    # a quiz played in A
    app.handle_text("/quiz start 1 10", A)
    quiz = app.quiz.repo.running(A.workspace, A.channel)
    q = app.quiz.repo.question(quiz.id, 0)
    wrong = next(i for i, o in enumerate(q.options) if o != q.answer)
    app.handle_text(f"/quiz answer {'ABCD'[wrong]}", A)
    now[0] += dt.timedelta(seconds=11)
    app.quiz.tick()  # time is up: the answer is revealed and the quiz ends
    assert app.handle_text("/quiz appeal 1 my answer is defensible, testing appeals", A).ok
    app.handle_text("/schedule set 09:00 UTC", A)
    assert "u1" not in app.handle_text("/quiz leaderboard", B).text() and "No answers yet" in app.handle_text("/quiz leaderboard", B).text()
    assert "0 open appeal" in app.handle_text("/quiz appeals", B).title
    assert "1 open appeal" in app.handle_text("/quiz appeals", A).title
    assert "No daily post here" in app.handle_text("/schedule show", B).title
    assert "Daily post" == app.handle_text("/schedule show", A).title
    # the packs a group reads are its own choice: A's switch leaves B on the default, and goes when A goes
    assert app.handle_text("/pack use mini-fr", A).ok
    assert app.handle_text("/who Robespierre", A).ok and not app.handle_text("/who Robespierre", B).ok
    assert app.handle_text("/who Kornilov", B).ok and not app.handle_text("/who Kornilov", A).ok
    assert "(mini) ✓ in use" in app.handle_text("/pack list", B).text()
    app.workspaces.removed(A.workspace, now[0])
    app.workspaces.purge_due(now[0] + dt.timedelta(days=31))
    assert app.workspace_data.chosen_packs(A.workspace) is None and Records(app).count("workspace_packs") == 0
    assert "not answered" in app.handle_text("/quiz me", Context(workspace=B.workspace, user_id="u1")).body


def test_a_groups_own_questions_stay_in_that_group_and_go_with_it(two_groups: tuple[Clio, str, str]) -> None:
    app, _, _ = two_groups
    added = app.handle_text("/quiz add Where was the Zyxwv ledger hidden? | A cellar near Luga | "
                            "A church; A barn; A mill | Luga cellar | Cellar diary", A)
    assert added.ok
    assert "Zyxwv" in app.handle_text("/quiz questions", A).text()
    assert "Zyxwv" not in app.handle_text("/quiz questions", B).text()
    assert not app.handle_text("/quiz start mine", B).ok  # B has none of its own to draw
    started = app.handle_text("/quiz start mine 1 10", A)
    assert "Zyxwv" in started.text()
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    app.workspaces.removed(A.workspace, now)
    app.workspaces.purge_due(now + dt.timedelta(days=31))
    assert Records(app).count("own_questions") == 0


def test_forget_me_leaves_the_members_id_in_no_table(mini_app: Clio) -> None:
    """Everything a member can leave behind (quiz started and won, answers, an appeal settled, a daily post set
    up, a review schedule), then forget-me: no column of any table holds their id in that group any more."""
    now = [dt.datetime(2026, 11, 20, 19, 0, tzinfo=dt.UTC)]
    mini_app.clock = lambda: now[0]
    vera = Context(workspace="discord:A", channel="c1", user_id="u-vera-77", user_name="Vera", is_admin=True,
                   platform="discord")
    other = Context(workspace="discord:A", channel="c1", user_id="u-boris-88", user_name="Boris", platform="discord")
    assert mini_app.handle_text("/schedule set 09:00 UTC", vera).ok
    assert mini_app.handle_text("/pack use mini mini-fr", vera).ok  # she chose the group's packs
    mini_app.handle_text("/quiz start 2 10 open", vera)
    q = mini_app.quiz.repo.question(mini_app.quiz.repo.running("discord:A", "c1").id, 0)
    mini_app.handle_text("not it at all", other)
    mini_app.handle_text(q.answer, vera)  # Vera wins question 1
    mini_app.handle_text("/quiz stop", vera)
    assert mini_app.handle_text("/quiz appeal 1 my answer fits", other).ok
    assert mini_app.handle_text("/quiz accept 1", vera).ok  # Vera settles Boris's appeal
    elsewhere = Context(workspace="discord:B", channel="c9", user_id="u-vera-77", user_name="Vera", is_admin=True,
                        platform="discord")
    assert mini_app.handle_text("/schedule set 10:00 UTC", elsewhere).ok  # the same id in another group stays

    records = Records(mini_app)  # every table, in the SQLite file and (on PostgreSQL) the server's

    def holding(user_id: str, workspace: str) -> list[str]:
        found = []
        for table, cols in records.tables().items():
            for col in cols:
                where = f"cast({col} as text) like ?"
                if "workspace" in cols:
                    where += " and workspace = ?"
                    args = [f"%{user_id}%", workspace]
                elif table == "quiz_questions":
                    where += " and quiz_id in (select id from quizzes where workspace = ?)"
                    args = [f"%{user_id}%", workspace]
                else:
                    args = [f"%{user_id}%"]
                if records.count(table, f"where {where}", args):
                    found.append(f"{table}.{col}")
        return sorted(set(found))

    assert holding("u-vera-77", "discord:A")  # she is on record before
    assert mini_app.handle_text("/privacy forget-me", vera).ok
    assert holding("u-vera-77", "discord:A") == []
    # in the other group: her daily post (and, once written, her last minute's commands: the shared rate window)
    assert [t for t in holding("u-vera-77", "discord:B") if t != "rate_windows.user_id"] == ["subscriptions.created_by"]
    assert holding("u-boris-88", "discord:A")  # another member's rows are untouched
