"""Pictures where people would rather look than read (issue 21 item 6): /timeline YEAR picture draws the range's
events on a dated line, and a quiz's final standings come with a bar chart. Real PNGs decoded with Pillow, made
in the door's worker threads, sent through the real discord.py and slack-sdk code paths into the strict fakes."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import threading
from typing import Any

import pytest
from PIL import Image as PILImage

from bot import store
from bot.app import Clio
from bot.events import Context
from bot.response import Reply
from bot.services import pictures

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MEMBER = Context(workspace="w1", channel="c1", user_id="u1", user_name="Masha")


def decoded(data: bytes) -> PILImage.Image:
    """The PNG as Pillow reads it (fully decoded, so a truncated or corrupt file fails here)."""
    assert data.startswith(PNG_SIGNATURE)
    img = PILImage.open(io.BytesIO(data))
    assert img.format == "PNG"
    img.load()
    return img


def pixels_near(img: PILImage.Image, hex_colour: str, tolerance: int = 40) -> int:
    """How many pixels are drawn in (about) this colour."""
    target = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    rgb = img.convert("RGB")
    return sum(n for n, px in rgb.getcolors(rgb.width * rgb.height)  # type: ignore[union-attr]
               if all(abs(a - b) <= tolerance for a, b in zip(px, target)))


# --- the pictures themselves --------------------------------------------------------------------------------


def test_a_timeline_picture_is_a_small_png_with_every_kind_of_date_in_its_colour(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/timeline 1917 picture")
    assert reply.ok and reply.image is not None
    img = decoded(reply.image.data)
    assert len(reply.image.data) < pictures.MAX_PNG_BYTES
    assert img.width >= 600 and img.height >= 600  # 40 rows of names: tall enough to read
    events = store.events_in_years(pack_app.db, 1917, 1917, limit=10_000)
    shown = pictures.spread(events, pictures.MAX_TIMELINE_EVENTS)
    assert len(events) > len(shown) == pictures.MAX_TIMELINE_EVENTS  # 1917 has more than fit: spread over it
    assert shown[0] is events[0] and shown[-1] is events[-1]  # January to December, not January to July
    kinds = {d.kind for d in pictures._dots(shown)}
    assert kinds == {"day", "span", "vague"}  # 1917 has all three, and each shows in its own colour
    for kind in kinds:
        assert pixels_near(img, pictures.KINDS[kind][1]) > 30, kind
    alt = reply.image.alt
    assert 100 < len(alt) <= pictures.ALT_CHARS
    assert alt.startswith("Timeline 1917") and f"{len(shown)} events" in alt and events[0]["name"] in alt
    assert "more." in alt  # the names that do not fit in the alt text are counted, not silently dropped
    assert reply.image.filename == "timeline-1917.png"
    assert f"The range has {len(events)} events" in reply.body and "Picture: Timeline 1917" in reply.text()


def test_a_range_is_drawn_over_its_years_and_differs_from_one_year(pack_app: Clio) -> None:
    one = pack_app.handle_text("/timeline 1918 picture")
    both = pack_app.handle_text("/timeline 1921–1917 picture")  # reversed, with an en dash
    assert one.ok and both.ok and one.image and both.image
    assert both.image.filename == "timeline-1917-1921.png" and "1 Jan 1917 to 31 Dec 1921" in both.image.alt
    assert one.image.data != both.image.data
    few = store.events_in_years(pack_app.db, 1991, 1991)
    small = pack_app.handle_text("/timeline 1991 picture")
    assert small.ok and small.image and f"{len(few)} events" in small.image.alt
    assert all(e["name"] in small.image.alt for e in few)  # a short range names every event


@pytest.mark.parametrize(("text", "code", "says"), [
    ("/timeline nineteen-seventeen picture", 2, "Give a year or a range of years"),
    ("/timeline picture", 2, "Tell me a year"),
    ("/timeline 1500 picture", 1, "No dated events in 1500"),
    ("/timeline 1917-1918-1919 chart", 2, "Give a year"),
])
def test_bad_ranges_get_a_clear_message_and_no_picture(pack_app: Clio, text: str, code: int, says: str) -> None:
    reply = pack_app.handle_text(text)
    assert not reply.ok and reply.image is None and reply.exit_code == code
    assert says in reply.text() and "Traceback" not in reply.text()


def test_the_text_timeline_offers_a_picture_button_that_draws_it(pack_app: Clio) -> None:
    listed = pack_app.handle_text("/timeline 1918-1921")
    assert listed.ok and listed.image is None
    (button,) = [b for b in listed.buttons if b.label == "Picture"]
    drawn = pack_app.handle_text(f"/{button.action} {button.value}")  # what a click runs
    assert drawn.ok and drawn.image and drawn.image.filename == "timeline-1918-1921.png"
    back = [b for b in drawn.buttons if b.label == "As a list"]
    assert back and pack_app.handle_text(f"/{back[0].action} {back[0].value}").body == listed.body


def test_a_standings_chart_stays_small_and_describes_every_member_it_can() -> None:
    scores = [(f"Member number {i} with a long display name", 1000 - i * 7) for i in range(200)]
    image = pictures.standings_png(scores, "Final standings")
    img = decoded(image.data)
    assert len(image.data) < pictures.MAX_PNG_BYTES and img.width > 300
    assert len(image.alt) <= pictures.ALT_CHARS and image.alt.endswith("more.")
    assert "1. Member number 0 with a long display name, 1000 points" in image.alt
    assert pixels_near(img, "#8B1E3F") > 100  # the leader's bar
    single = pictures.standings_png([("Vera", 1)], "Final standings")
    assert "1 member's points" in single.alt and "Vera, 1 point." in single.alt


def test_a_whole_century_stays_under_the_size_bound(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/timeline 1891-1991 picture")
    assert reply.ok and reply.image and len(reply.image.data) < pictures.MAX_PNG_BYTES
    decoded(reply.image.data)


def test_spread_keeps_the_ends_and_the_order() -> None:
    assert pictures.spread(list(range(10)), 40) == list(range(10))
    picked = pictures.spread(list(range(71)), 40)
    assert len(picked) == len(set(picked)) == 40 and picked == sorted(picked) and picked[0] == 0 and picked[-1] == 70


# --- off the event loop -------------------------------------------------------------------------------------


async def test_drawing_runs_in_the_door_workers_and_never_holds_up_the_loop(mini_app: Clio, monkeypatch) -> None:
    threads: list[str] = []
    render = pictures._render

    def watched(draw: Any, size: Any) -> bytes:
        threads.append(threading.current_thread().name)
        return render(draw, size)

    monkeypatch.setattr(pictures, "_render", watched)
    pictures._drawing.acquire()  # a drawing that takes as long as the test likes
    try:
        drawing = asyncio.create_task(mini_app.call(MEMBER, "/timeline 1917-1918 picture"))
        ticks = 0
        for _ in range(5):  # the loop runs meanwhile...
            await asyncio.sleep(0.01)
            ticks += 1
        other = await mini_app.call(MEMBER, "/who Kornilov")  # ...and so do other members' commands
        assert ticks == 5 and other.ok and "Kornilov" in other.title and not drawing.done()
    finally:
        pictures._drawing.release()
    reply = await drawing
    assert reply.ok and reply.image and threads[0].startswith("clio-reader")

    # a quiz's final standings are drawn in the writer, where the quiz ends
    host = Context(workspace="w1", channel="c1", user_id="u1", user_name="Masha", is_admin=True)
    assert (await mini_app.call(host, "/quiz start 1 30")).ok
    quiz = mini_app.quiz.repo.running("w1", "c1")
    q = mini_app.quiz.repo.question(quiz.id, 0)
    right = "ABCDEF"[q.options.index(q.answer)]
    assert "recorded" in (await mini_app.call(host, f"/quiz answer {right}")).body
    ended = await mini_app.call(host, "/quiz skip")
    final = ended.sequence()[-1]
    assert final.title == "Quiz over" and final.image is not None
    assert threads[-1].startswith("clio-writer")
    assert "1. Masha" in final.image.alt and "Masha" in final.body
    mini_app.close()


def test_only_the_final_standings_carry_a_chart(mini_app: Clio) -> None:
    host = Context(workspace="w1", channel="c1", user_id="u1", user_name="Masha", is_admin=True)
    mini_app.handle_text("/quiz start 2 30", host)
    mini_app.handle_text("/quiz answer A", host)
    assert mini_app.handle_text("/quiz scores", host).image is None  # while it runs: text only
    stopped = mini_app.handle_text("/quiz stop", host).sequence()
    assert stopped[-1].title == "Quiz stopped" and stopped[-1].image is not None
    assert all(r.image is None for r in stopped[:-1])
    assert mini_app.handle_text("/quiz scores", host).image is None  # looking back later: text only
    quiet = Context(workspace="w1", channel="c2", user_id="u1", user_name="Masha", is_admin=True)
    mini_app.handle_text("/quiz start 1 30", quiet)
    nobody = mini_app.handle_text("/quiz stop", quiet).sequence()[-1]
    assert nobody.image is None and "No answers yet" in nobody.body  # nothing to chart


def test_the_console_saves_the_picture_and_says_where(mini_app: Clio, tmp_path) -> None:
    from adapters.console import ask, pictures_dir

    out = io.StringIO()
    assert ask(mini_app, "/timeline 1917-1918 picture", out=out) == 0
    path = pictures_dir(mini_app) / "timeline-1917-1918.png"
    assert f"(saved as {path})" in out.getvalue() and "Picture: Timeline 1917–1918" in out.getvalue()
    decoded(path.read_bytes())
    as_json = io.StringIO()
    ask(mini_app, "/timeline 1917 picture", as_json=True, out=as_json)
    data = json.loads(as_json.getvalue())
    assert data["image"]["filename"] == "timeline-1917.png" and data["image"]["alt"] and data["pictures"]


# --- Discord: an attachment, shown in the embed -----------------------------------------------------------

discord = pytest.importorskip("discord")
from tests.fake_discord import CHANNEL_ID, GUILD_ID, FakeDiscord, check_uploads, Upload  # noqa: E402
from tests.fake_discord import LimitError  # noqa: E402
from tests.test_discord import bot, buttons_of, callback_of, ephemeral, fake, start_bot  # noqa: E402,F401


def attachment_of(call: Any) -> tuple[dict[str, Any], bytes, dict[str, Any]]:
    """(the attachments entry, the file's bytes, the embed) of a message call that carried one picture."""
    data = call.body.get("data", call.body)
    (entry,) = data["attachments"]
    (upload,) = call.uploads.values()
    assert entry["filename"] == upload.filename
    return entry, upload.data, data["embeds"][0]


async def test_discord_sends_the_timeline_picture_as_an_attachment_in_the_embed(bot, fake: FakeDiscord) -> None:
    payload = await fake.slash("timeline", [{"type": 3, "name": "year", "value": "1917-1918 picture"}])
    call = await fake.wait_for(callback_of(payload))
    entry, data, embed = attachment_of(call)
    decoded(data)
    assert entry["id"] == "0" and entry["filename"] == "timeline-1917-1918.png"
    assert entry["description"].startswith("Timeline 1917–1918: 2 events")  # the alt text
    assert embed["image"]["url"] == "attachment://timeline-1917-1918.png"
    stored = fake.messages[next(iter(fake.messages))]
    (attached,) = stored["attachments"]
    assert attached["content_type"] == "image/png" and attached["size"] == len(data)
    assert stored["embeds"][0]["image"]["url"] == attached["url"]  # Discord links the embed to the file
    from aiohttp import ClientSession

    async with ClientSession() as s, s.get(attached["url"]) as r:
        assert await r.read() == data


async def test_the_picture_button_and_a_slow_answer_still_bring_the_picture(bot, fake: FakeDiscord) -> None:
    listed = await fake.wait_for(callback_of(await fake.slash("timeline", [{"type": 3, "name": "year",
                                                                          "value": "1917"}])))
    assert not listed.uploads
    picture = next(b for b in buttons_of(listed.body) if b["label"] == "Picture")
    message = fake.messages[next(iter(fake.messages))]
    bot.defer_after = 0  # the answer comes after the deferral: the picture arrives in an edit of it
    click = await fake.click(message, picture["custom_id"])
    edit = await fake.wait_for(lambda c: c.method == "PATCH" and click["token"] in c.path)
    entry, data, embed = attachment_of(edit)
    decoded(data)
    assert embed["image"]["url"] == f"attachment://{entry['filename']}" == "attachment://timeline-1917.png"
    defer = await fake.wait_for(callback_of(click))
    assert ephemeral(defer)  # a click answers the member who clicked


async def test_a_quiz_night_ends_with_its_chart_in_the_channel(bot, fake: FakeDiscord, mini_app: Clio) -> None:
    start = await fake.slash("quiz", [{"type": 1, "name": "start", "options": [
        {"type": 3, "name": "topic", "value": "1 30"}]}])
    await fake.wait_for(callback_of(start))
    quiz = mini_app.quiz.repo.running(f"discord:{GUILD_ID}", CHANNEL_ID)
    q = mini_app.quiz.repo.question(quiz.id, 0)
    question = await fake.wait_for(lambda c: c.path.startswith("/webhooks/") and buttons_of(c.body))
    right = next(b for b in buttons_of(question.body) if b["label"].split(". ", 1)[1] == q.answer)
    on = next(m for m in fake.messages.values() if m["components"])
    await fake.wait_for(callback_of(await fake.click(on, right["custom_id"])))

    # time runs out; the clock's tick (in the door's writer) ends the quiz and the outbox posts it
    mini_app.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    posts = await mini_app.door.run(lambda core: core.quiz.tick("discord"))
    for post in posts:
        await bot.outbox.send(post.ref, post.reply)
    final = await fake.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages"
                                and c.uploads)
    entry, data, embed = attachment_of(final)
    img = decoded(data)
    assert embed["title"] == "Quiz over" and "Masha" in embed["description"]
    assert entry["filename"] == f"quiz-{quiz.id}-standings.png" and "1. Masha" in entry["description"]
    assert pixels_near(img, "#8B1E3F") > 100

    # a channel where Clio may not attach files still gets the standings, without the chart
    fake.bot_attaches = False
    before = len(fake.calls)
    await bot.outbox.send(post.ref, mini_app.quiz.scores_reply(quiz.id, "Quiz over", "Final scores:", chart=True))
    refused, sent = fake.calls[before:]
    assert refused.uploads and not sent.uploads and "image" not in sent.body["embeds"][0]
    assert "Masha" in sent.body["embeds"][0]["description"]


async def test_the_fake_discord_refuses_attachments_discord_refuses(fake: FakeDiscord) -> None:
    from aiohttp import ClientSession, FormData

    png = pictures.standings_png([("Vera", 1)], "Final standings").data

    async def send(payload: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> tuple[int, dict[str, Any]]:
        form = FormData()
        form.add_field("payload_json", json.dumps(payload), content_type="application/json")
        for name, (filename, data) in files.items():
            form.add_field(name, data, filename=filename, content_type="application/octet-stream")
        async with ClientSession() as s, s.post(f"{fake.url}/api/v10/channels/{CHANNEL_ID}/messages", data=form,
                                                headers={"Authorization": f"Bot {fake.token}"}) as r:
            return r.status, await r.json()

    good = {"embeds": [{"title": "x", "image": {"url": "attachment://a.png"}}],
            "attachments": [{"id": "0", "filename": "a.png", "description": "a chart"}]}
    assert (await send(good, {"files[0]": ("a.png", png)}))[0] == 200
    cases = [
        ({**good, "attachments": [{"id": "1", "filename": "a.png"}]}, {"files[0]": ("a.png", png)}),  # no files[1]
        (good, {"files[0]": ("b.png", png)}),  # the embed names no file sent
        ({**good, "attachments": [{"id": 0, "filename": "a.png"}]}, {"files[0]": ("a.png", png)}),  # id not a string
        ({**good, "attachments": [{"id": "0", "description": "x" * 1025}]}, {"files[0]": ("a.png", png)}),
        (good, {"files[0]": ("a.png", png), "file": ("c.png", png)}),  # a part Discord does not read
    ]
    for payload, files in cases:
        status, body = await send(payload, files)
        assert status == 400 and body["code"] == 50035, (payload, files.keys(), body)
    too_big = {"embeds": [{"title": "x"}], "attachments": [{"id": "0", "filename": "big.png"}]}
    status, body = await send(too_big, {"files[0]": ("big.png", b"\0" * (10 * 2**20 + 1))})
    assert status == 413 and body["code"] == 40005
    with pytest.raises(LimitError):
        check_uploads("/interactions/1/t/callback", {"type": 5, "data": {}}, {0: Upload("a.png", png)})


# --- Slack: files_upload_v2, shared in the channel -----------------------------------------------------------

pytest.importorskip("slack_bolt")
from tests.test_slack import TEAM, command, post, signed, slack  # noqa: E402,F401


async def test_slack_uploads_the_timeline_picture_to_the_channel(slack) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    body = command("timeline 1917-1918 picture", fake_url)
    assert await post(url, body, signed(body)) == 200
    (answer,) = await fake.wait_for("respond")
    assert answer["response_type"] == "in_channel" and "Timeline 1917–1918, as a picture" in answer["text"]
    await fake.wait_for("files.completeUploadExternal")
    (asked,) = fake.of("files.getUploadURLExternal")
    (shared,) = fake.shared
    assert shared["channel_id"] == "CQUIZ" and shared["name"] == "timeline-1917-1918.png"
    assert int(asked["length"]) == shared["size"] == len(shared["data"])
    decoded(shared["data"])
    assert shared["alt_txt"].startswith("Timeline 1917–1918: 2 events") and len(shared["alt_txt"]) <= 1000
    assert shared["title"] == "Timeline 1917–1918, as a picture"
    assert [m for m, _ in fake.calls if m in ("files.getUploadURLExternal", "upload",
                                               "files.completeUploadExternal")] == [
        "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


async def test_a_slack_quiz_ends_with_its_standings_chart_in_the_channel(slack, mini_app: Clio) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, _ = slack
    body = command("quiz start 1 30", fake_url)
    assert await post(url, body, signed(body)) == 200
    _, question = await fake.wait_for("respond", 2)
    quiz = mini_app.quiz.repo.running(f"slack:{TEAM}", "CQUIZ")
    q = mini_app.quiz.repo.question(quiz.id, 0)
    buttons = [e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]]
    right = next(e for e in buttons if e["text"]["text"].split(". ", 1)[1] == q.answer)
    click = {"type": "block_actions", "user": {"id": "UMEMBER", "name": "vera"}, "team": {"id": TEAM},
             "container": {"type": "message", "channel_id": "CQUIZ", "message_ts": "1.0"},
             "channel": {"id": "CQUIZ"}, "actions": [{"action_id": right["action_id"], "value": right["value"],
                                                      "type": "button"}],
             "response_url": f"{fake_url}/respond/{TEAM}/2", "trigger_id": "3.4", "api_app_id": "A1"}
    from urllib.parse import urlencode

    form = urlencode({"payload": json.dumps(click)})
    assert await post(url, form, signed(form)) == 200
    await fake.wait_for("respond", 3)
    assert not fake.shared  # no picture until the quiz ends
    body = command("quiz skip", fake_url)
    assert await post(url, body, signed(body)) == 200
    await fake.wait_for("files.completeUploadExternal")
    shown = fake.of("respond")
    assert shown[-1]["text"].startswith("Quiz over") and shown[-1]["response_type"] == "in_channel"
    (chart,) = fake.shared
    points = mini_app.quiz.repo.scores(quiz.id)[0].points
    assert chart["channel_id"] == "CQUIZ" and chart["name"] == f"quiz-{quiz.id}-standings.png"
    assert f"1. vera, {points} points" in chart["alt_txt"]
    assert pixels_near(decoded(chart["data"]), "#8B1E3F") > 100


async def test_a_failed_slack_upload_leaves_the_answer_standing(slack) -> None:  # type: ignore[no-untyped-def]
    fake, fake_url, url, client = slack
    fake.fail["files.getUploadURLExternal"] = "missing_scope"  # an app installed before files:write was added
    body = command("timeline 1917 picture", fake_url)
    assert await post(url, body, signed(body)) == 200
    (answer,) = await fake.wait_for("respond")
    assert "Timeline 1917, as a picture" in answer["text"]
    await fake.wait_for("files.getUploadURLExternal")
    assert not fake.shared
    from adapters.slack.app import SlackOutbox
    from bot.events import ConversationRef

    del fake.fail["files.getUploadURLExternal"]
    standings = Reply(ok=True, title="Quiz over", body="1. vera: 100 points",
                      image=pictures.standings_png([("vera", 100)], "Final standings"))
    await SlackOutbox(client).send(ConversationRef("slack", f"slack:{TEAM}", "CDAILY"), standings)
    (posted,) = fake.of("chat.postMessage")
    (chart,) = fake.shared
    assert posted["channel"] == chart["channel_id"] == "CDAILY"
