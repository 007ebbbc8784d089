"""The command registry as adapters read it: argument forms, admin-only actions, and name completion."""

from __future__ import annotations

from bot.commands import REGISTRY
from bot.events import Context


def test_forms_are_read_from_the_documented_arguments():
    schedule = {f.word: f for f in REGISTRY["schedule"].forms()}
    assert set(schedule) == {"set", "show", "off"}
    assert schedule["set"].required and schedule["set"].admin and not schedule["show"].admin
    assert schedule["set"].text("schedule", " 09:00 Europe/London ") == "/schedule set 09:00 Europe/London"
    (who,) = REGISTRY["who"].forms()
    assert who.word is None and who.required and who.text("who", "Kornilov") == "/who Kornilov"
    (day,) = REGISTRY["onthisday"].forms()
    assert not day.required and day.text("onthisday", None) == "/onthisday"
    privacy = [f.word for f in REGISTRY["privacy"].forms()]
    assert privacy == [None, "forget-me", "forget"]  # the bare command is a form too
    quiz = {f.word for f in REGISTRY["quiz"].forms()}
    assert {"start", "answer", "stop", "appeals", "accept", "review"} <= quiz


def test_admin_actions_are_refused_to_members_by_the_core(mini_app):
    member = Context(workspace="discord:1", channel="c", user_id="u1")
    admin = Context(workspace="discord:1", channel="c", user_id="u2", is_admin=True)
    for text in ("/schedule set 09:00", "/schedule off", "/quiz appeals", "/quiz accept 1", "/privacy forget u3"):
        reply = mini_app.handle_text(text, member)
        assert not reply.ok and "admins" in reply.body, text
    assert mini_app.handle_text("/schedule show", member).ok
    assert mini_app.handle_text("/schedule set 09:00 Europe/London", admin).ok


def test_completion_offers_names_for_name_commands_only(pack_app):
    assert pack_app.complete("who", "korn")[0] == "Lavr Kornilov"
    assert pack_app.complete("who", "kornilof")[0] == "Lavr Kornilov"  # a typo still completes
    assert pack_app.complete("who", "Керен")[0] == "Alexander Kerensky"
    assert pack_app.complete("when", "bloody")[0] == "Bloody Sunday"
    assert len(pack_app.complete("who", "")) == 25 and len(pack_app.complete("who", "a", limit=5)) <= 5
    assert pack_app.complete("search", "korn") == [] and pack_app.complete("nope", "x") == []
    for hostile in ("\x00" * 10_000, "k" * 10_000, '"korn* OR NEAR(', "@everyone", "🙂‮"):
        names = pack_app.complete("who", hostile)  # never raises, never more than Discord takes
        assert len(names) <= 25 and all(0 < len(n) <= 100 for n in names)
