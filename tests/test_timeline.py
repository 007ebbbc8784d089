"""/timeline (issue 21 item 1): years, ranges and months, a page at a time, in the order events truly began.

Every event of every year of the bundled pack is reached by following the Next buttons: in the console (the
command each button stands for, as the console prints it), on Discord (the real discord.py client against
tests/fake_discord.py, clicking Next) and on Slack (signed block_actions into the bolt app). What each year
should hold is worked out here from the pack's own files, not from the index."""

from __future__ import annotations

import asyncio
import functools
import html
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from adapters.console import CONSOLE
from bot.app import Clio
from bot.config import PROJECT_CONTENT
from bot.dates import CalendarRule, HistDate
from bot.errors import BadInput
from bot.pack import load_pack
from bot.services.ratelimit import RateLimiter
from bot.services.timeline import PAGE_SIZE, parse
from tests.conftest import TEST_PACKS

LINE = re.compile(r"^• (?P<date>.+?): (?P<name>.+)$")
NEXT = re.compile(r"\[Next ▶\]\s+(/timeline .+)$", re.MULTILINE)
PAGE = re.compile(r"Page (\d+) of (\d+)")


# --- what the pack says each year holds (from its files) ---------------------------------------------------


@functools.cache
def pack_events() -> tuple[list[tuple[HistDate, str]], CalendarRule]:
    pack = load_pack(PROJECT_CONTENT / "russian-revolution")
    rule = pack.meta.rule if pack.meta else CalendarRule()
    return [(HistDate.parse(e.date, e.calendar), e.name) for e in pack.events], rule


def expected_by_year() -> dict[int, set[tuple[str, str]]]:
    """Each year's events as (date as shown, name): an event counts in the year its date is stated in, and (a
    dated one) in the year of its New Style day too."""
    events, rule = pack_events()
    years: dict[int, set[tuple[str, str]]] = {}
    for when, name in events:
        for year in {when.year, when.first_day().year if when.precise else when.year}:
            years.setdefault(year, set()).add((when.display(rule), name))
    return years


def lines_of(text: str) -> list[tuple[str, str]]:
    return [(m["date"], m["name"]) for m in map(LINE.match, text.splitlines()) if m]


@pytest.fixture(scope="module")
def expected() -> dict[int, set[tuple[str, str]]]:
    return expected_by_year()


# --- the date logic -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("date", "calendar", "first"), [
    ("1917-03", "julian", "1917-03-14"),  # 1 Mar 1917 O.S.
    ("1917-08", "julian", "1917-08-14"),  # 1 Aug 1917 O.S.
    ("1917", "julian", "1917-01-14"),  # 1 Jan 1917 O.S.
    ("1917-10-25", "julian", "1917-11-07"),
    ("1919-06", "gregorian", "1919-06-01"),
    ("1919", "gregorian", "1919-01-01"),
    ("1900-02", "julian", "1900-02-13"),  # the Julian leap day of 1900 makes the gap 13 days from March
    ("1917-12", "julian", "1917-12-14"),
])
def test_first_day_is_the_first_day_in_the_dates_own_calendar_as_new_style(date: str, calendar: str, first: str) -> None:
    day = HistDate.parse(date, calendar).first_day()
    assert day.iso() == first and day.calendar == "gregorian" and day.precise


def test_a_month_or_a_year_comes_after_the_days_dated_to_its_first_day() -> None:
    order = sorted([HistDate.parse("1917-03", "julian"), HistDate.parse("1917-03-01", "julian"),
                    HistDate.parse("1917-02-19", "julian"), HistDate.parse("1917-03-02", "julian")],
                   key=HistDate.time_order)
    assert [d.iso() for d in order] == ["1917-02-19", "1917-03-01", "1917-03", "1917-03-02"]
    jan = sorted([HistDate.parse("1917", "julian"), HistDate.parse("1917-01", "julian"),
                  HistDate.parse("1917-01-01", "julian")], key=HistDate.time_order)
    assert [d.iso() for d in jan] == ["1917-01-01", "1917-01", "1917"]  # a day, then its month, then its year


@pytest.mark.parametrize(("text", "query", "page"), [
    ("1917", "1917", 1), ("1917 page 3", "1917", 3), ("1921-1917", "1917-1921", 1), ("1917–1921 page 2", "1917-1921", 2),
    ("Oct 1917", "Oct 1917", 1), ("October 1917", "Oct 1917", 1), ("1917-10", "Oct 1917", 1), ("october, 1917", "Oct 1917", 1),
    ("Sept 1917", "Sep 1917", 1), ("10/1917", "Oct 1917", 1), ("Oct 1917 to Mar 1918 page 2", "Oct 1917 to Mar 1918", 2),
    ("1917-10 - 1918-03", "Oct 1917 to Mar 1918", 1), ("1917 to 1917", "1917", 1),
    # a later year of the same century in two digits, where no month has that number ("There is no month 45")
    ("1941-45", "1941-1945", 1), ("1914-18 page 2", "1914-1918", 2),
])
def test_every_form_of_a_range_reads_back_the_same(text: str, query: str, page: int) -> None:
    rng, n = parse(text)
    assert (rng.query(), n) == (query, page)
    assert parse(rng.query())[0] == rng  # the form buttons carry parses back to the same range


# --- the console: every event of every year, by the commands the Next buttons stand for ----------------------


def walk_console(app: Clio, command: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Every event line of a timeline, following the Next command the console prints; and each page's text."""
    seen: list[tuple[str, str]] = []
    pages: list[str] = []
    while command:
        reply = app.handle_text(command, CONSOLE)
        assert reply.ok and reply.exit_code == 0, reply.text()
        text = reply.text()
        pages.append(text)
        seen += lines_of(text)
        nxt = NEXT.search(text)
        command = nxt.group(1).strip() if nxt else ""
        assert len(pages) < 100
    return seen, pages


def test_every_event_of_every_year_is_reachable_in_the_console(pack_app: Clio, expected) -> None:
    for year in sorted(expected):
        seen, pages = walk_console(pack_app, f"/timeline {year}")
        assert set(seen) == expected[year], year
        assert len(seen) == len(set(seen)), f"{year}: an event shown twice"
        assert all(len(lines_of(p)) <= PAGE_SIZE for p in pages)
        if len(pages) > 1:
            assert [PAGE.search(p).groups() for p in pages] == [(str(i), str(len(pages))) for i in range(1, len(pages) + 1)]
    one_seventeen = walk_console(pack_app, "/timeline 1917")[1]
    assert len(one_seventeen) == -(-len(expected[1917]) // PAGE_SIZE) >= 5  # no longer cut at 40 events


def test_1917_is_in_true_order_month_only_events_after_the_days_before_them(pack_app: Clio) -> None:
    seen, _ = walk_console(pack_app, "/timeline 1917")
    shown = [d for d, _ in seen]
    for month, before in (("Mar 1917 (O.S.)", "19 Feb 1917 O.S. / 4 Mar 1917 N.S."),
                          ("Aug 1917 (O.S.)", "25 Jul 1917 O.S. / 7 Aug 1917 N.S.")):
        assert shown.index(before) < shown.index(month), (before, month)
    # Mar 1917 O.S. begins on 14 Mar N.S.: after the events of 1 Mar O.S., before those of 2 Mar O.S.
    assert shown.index("1 Mar 1917 O.S. / 14 Mar 1917 N.S.") < shown.index("Mar 1917 (O.S.)") < \
        shown.index("2 Mar 1917 O.S. / 15 Mar 1917 N.S.")
    events, rule = pack_events()
    order = {(w.display(rule), n): w.time_order() for w, n in events}
    keys = [order[line] for line in seen]
    assert keys == sorted(keys)  # across the pages, never a step back in time


def test_a_range_shows_every_event_of_its_years_not_the_first_page_of_the_first(pack_app: Clio, expected) -> None:
    seen, pages = walk_console(pack_app, "/timeline 1917-1921")
    assert set(seen) == set().union(*(expected[y] for y in range(1917, 1922)))
    assert PAGE.search(pages[0]).group(2) == str(-(-len(seen) // PAGE_SIZE))
    assert "1921" in seen[-1][0]
    assert lines_of(pages[-1]) != lines_of(walk_console(pack_app, "/timeline 1917")[1][-1])


def test_a_month_in_either_form_shows_that_months_events(pack_app: Clio) -> None:
    short, _ = walk_console(pack_app, "/timeline Oct 1917")
    assert walk_console(pack_app, "/timeline October 1917")[0] == short == walk_console(pack_app, "/timeline 1917-10")[0]
    names = {n for _, n in short}
    assert "The October insurrection begins" in names  # 24 Oct O.S.
    assert "The October fighting in Moscow" in names  # dated only "Oct 1917" (O.S.)
    assert "Founding of the Cheka" not in names  # December
    for date, _ in short:  # in October by the calendar it is stated in, or by New Style
        assert re.search(r"\bOct 1917\b", date), date
    first = pack_app.handle_text("/timeline Oct 1917", CONSOLE).text()
    assert first.startswith("Timeline October 1917") and "either calendar" in first


@pytest.mark.parametrize(("command", "says"), [
    ("/timeline 1917-13", "There is no month 13"),
    ("/timeline 1917 page 0", "Pages start at 1"),
    ("/timeline 1917 page 99", "There is no page 99 of 1917"),
    ("/timeline Foo 1917", "“Foo” is not a month"),
    ("/timeline 1917 page two", "is not a page number"),
    ("/timeline 1917 page", "Which page?"),
    ("/timeline nineteen-seventeen", "Give a year, a range of years or a month"),
])
def test_bad_input_gets_a_clear_reply(pack_app: Clio, command: str, says: str) -> None:
    reply = pack_app.handle_text(command, CONSOLE)
    assert not reply.ok and reply.exit_code == 2 and says in reply.text(), reply.text()
    assert "Traceback" not in reply.text()


def test_page_99_points_to_the_last_page(pack_app: Clio, expected) -> None:
    reply = pack_app.handle_text("/timeline 1917 page 99", CONSOLE)
    last = -(-len(expected[1917]) // PAGE_SIZE)
    assert f"/timeline 1917 page {last}" in reply.text()
    assert [b.value for b in reply.buttons] == [f"1917 page {last}"]
    assert f"Page {last} of {last}" in pack_app.handle_text(f"/timeline 1917 page {last}", CONSOLE).text()


def test_a_year_without_events_points_to_the_nearest_and_one_outside_the_pack_says_its_span(pack_app: Clio,
                                                                                            expected) -> None:
    gap = next(y for y in range(min(expected), max(expected)) if y not in expected)
    reply = pack_app.handle_text(f"/timeline {gap}", CONSOLE)
    assert reply.exit_code == 1 and f"No dated events in {gap}" in reply.text()
    before, after = max(y for y in expected if y < gap), min(y for y in expected if y > gap)
    assert [b.value for b in reply.buttons] == [str(before), str(after)]
    outside = pack_app.handle_text("/timeline 1700", CONSOLE)
    assert outside.exit_code == 1 and f"run from {min(expected)} to {max(expected)}" in outside.text()


def test_the_range_check_uses_the_packs_own_span_and_its_calendars(tmp_path: Path,
                                                                   make_app: Callable[..., Clio]) -> None:
    french = make_app(tmp_path / "fr.db", pack="mini-fr")
    pack = load_pack(TEST_PACKS / "mini-fr")
    years = sorted(int(e.date[:4]) for e in pack.events)
    outside = french.handle_text("/timeline 1917", CONSOLE)
    assert f"run from {years[0]} to {years[-1]}" in outside.text() and "1891" not in outside.text()
    shown = french.handle_text(f"/timeline {years[0]}-{years[-1]}", CONSOLE)
    assert shown.ok and len(lines_of(shown.text())) == len(pack.events)
    assert "9 Thermidor Year II / 27 Jul 1794" in shown.text()  # the pack's own calendar rule
    assert "O.S." not in shown.text()


# --- Discord: clicking Next through the real discord.py client ---------------------------------------------


async def test_every_event_of_every_year_is_reachable_on_discord_by_clicking_next(pack_app, monkeypatch, caplog,
                                                                                 expected) -> None:
    pytest.importorskip("discord")
    from tests.fake_discord import FakeDiscord
    from tests.test_discord import buttons_of, callback_of, start_bot

    monkeypatch.setattr(pack_app, "rate_limiter", RateLimiter("10000/minute"))  # one member clicks ~100 pages
    fake = FakeDiscord()
    await fake.start()
    client = await start_bot(fake, pack_app, monkeypatch, sync=False)

    async def answered(payload: dict[str, Any]) -> dict[str, Any]:
        """The message an interaction was answered with (after a deferral, once it is filled in)."""
        call = await fake.wait_for(callback_of(payload), timeout=15)
        it = fake.interactions[payload["id"]]
        if call.body["type"] == 5:
            await fake.wait_for(lambda c: c.method == "PATCH" and payload["token"] in c.path, timeout=15)
        return fake.messages[it.original]

    try:
        for year in sorted(expected):
            message = await answered(await fake.slash("timeline", [{"type": 3, "name": "year", "value": str(year)}]))
            seen: list[tuple[str, str]] = []
            clicks = 0
            while True:
                embed = message["embeds"][0]
                seen += lines_of(embed.get("description") or "")
                nxt = [b for b in buttons_of(message) if b["label"] == "Next ▶"]
                if not nxt:
                    break
                assert nxt[0]["custom_id"] == f"clio:timeline:{year} page {clicks + 2}"
                click = await fake.click(message, nxt[0]["custom_id"])
                message = await answered(click)
                clicks += 1
                assert message["flags"] & 64  # the next page goes to the member who clicked
                assert f"page {clicks + 1} of" in message["embeds"][0]["title"]
                assert any(b["label"] == "◀ Previous" for b in buttons_of(message))
            assert set(seen) == expected[year], year
            assert clicks == -(-len(expected[year]) // PAGE_SIZE) - 1
        typed = await answered(await fake.slash("timeline", [{"type": 3, "name": "year", "value": "Oct 1917 page 2"}]))
        assert typed["embeds"][0]["title"].startswith("Timeline October 1917 (page 2 of")
        assert "Page 2 of" in typed["embeds"][0]["description"] and not typed["flags"] & 64  # a command: in the channel
    finally:
        await client.close()
        await client.task  # type: ignore[attr-defined]
        await fake.stop()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- Slack: signed block_actions into the bolt app ---------------------------------------------------------


def slack_lines(answer: dict[str, Any]) -> list[tuple[str, str]]:
    text = "\n".join(b["text"]["text"] for b in answer["blocks"] if b["type"] == "section")
    return lines_of(html.unescape(text))


async def test_every_event_of_every_year_is_reachable_on_slack_by_clicking_next(pack_app, monkeypatch,
                                                                               expected) -> None:
    pytest.importorskip("slack_bolt")
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.slack.app import build_app
    from tests.test_slack import SECRET, TEAM, FakeSlack, command, post, serve, signed

    for var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(pack_app, "rate_limiter", RateLimiter("10000/minute"))  # one member clicks ~100 pages
    fake = FakeSlack()
    fake_runner, fake_url = await serve(fake.app)
    fake.base = fake_url
    bolt = build_app(pack_app, client=AsyncWebClient(token="xoxb-test", base_url=f"{fake_url}/api/"),
                     signing_secret=SECRET)
    bolt_runner, bolt_url = await serve(bolt.web_app(path="/slack/events"))
    url = bolt_url + "/slack/events"

    async def next_answer() -> dict[str, Any]:
        count = len(fake.of("respond")) + 1
        return (await fake.wait_for("respond", count))[count - 1]

    try:
        for year in sorted(expected):
            body = command(f"timeline {year}", fake_url)
            waiting = asyncio.ensure_future(next_answer())
            assert await post(url, body, signed(body)) == 200
            answer = await waiting
            assert answer["response_type"] == "in_channel"
            seen = slack_lines(answer)
            pages = 1
            while True:
                buttons = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
                nxt = [e for e in buttons if e["text"]["text"] == "Next ▶"]
                if not nxt:
                    break
                assert json.loads(nxt[0]["value"]) == {"a": "timeline", "v": f"{year} page {pages + 1}"}
                payload = {"type": "block_actions", "user": {"id": "UMEMBER", "name": "vera"}, "team": {"id": TEAM},
                           "container": {"type": "message", "channel_id": "CQUIZ", "message_ts": "1.0"},
                           "channel": {"id": "CQUIZ"},
                           "actions": [{"action_id": nxt[0]["action_id"], "value": nxt[0]["value"], "type": "button"}],
                           "response_url": f"{fake_url}/respond/{TEAM}/2", "trigger_id": "3.4", "api_app_id": "A1"}
                click = urlencode({"payload": json.dumps(payload)})
                waiting = asyncio.ensure_future(next_answer())
                assert await post(url, click, signed(click)) == 200
                answer = await waiting
                pages += 1
                assert answer["response_type"] == "ephemeral"
                assert f"Page {pages} of" in html.unescape(json.dumps(answer["blocks"], ensure_ascii=False))
                seen += slack_lines(answer)
            assert set(seen) == expected[year], year
            assert pages == -(-len(expected[year]) // PAGE_SIZE)
        body = command("timeline 1917-10 page 2", fake_url)
        waiting = asyncio.ensure_future(next_answer())
        assert await post(url, body, signed(body)) == 200
        typed = await waiting
        assert typed["response_type"] == "in_channel" and "Timeline October 1917 (page 2 of" in typed["text"]
        bad = command("timeline Foo 1917", fake_url)
        waiting = asyncio.ensure_future(next_answer())
        assert await post(url, bad, signed(bad)) == 200
        refused = await waiting
        assert refused["response_type"] == "ephemeral" and "is not a month" in refused["text"]
        assert "/clio timeline Oct 1917" in html.unescape(refused["text"])  # Slack's own form of the command
    finally:
        await bolt_runner.cleanup()
        await fake_runner.cleanup()
    fake.assert_valid()


# --- the timeline of an entry named: an event's span, a person's events ------------------------------------


def test_an_event_that_lasted_is_the_timeline_of_its_span(pack_app: Clio) -> None:
    # before: "Give a year, a range of years or a month"
    seen, pages = walk_console(pack_app, "/timeline the Civil War")
    assert pages[0].startswith("Timeline of The Russian Civil War, Oct 1917 – 1921")
    assert len(seen) > 15  # more than one page, every one reached by its Next command
    # its own span, by when each event truly begins: 25 Sep 1917 O.S. (8 Oct N.S.) is before it, not in it
    assert not any("Sep 1917" in when for when, _ in seen), seen[:3]
    assert any("Kronstadt" in name for _, name in seen) and not any(when.endswith("1922") for when, _ in seen)


def test_a_person_is_the_timeline_of_the_events_the_pack_ties_to_them(pack_app: Clio) -> None:
    seen, pages = walk_console(pack_app, "/timeline Kornilov")
    assert pages[0].startswith("Timeline of Lavr Kornilov")
    tied = {r["name"] for r in pack_app.db.query(
        "select e.name from events ev join entities e on e.id = ev.id "
        "where exists (select 1 from json_each(ev.people) where value = 'kornilov')")}
    assert {name for _, name in seen} == tied and len(tied) >= 2
    order = [HistDate.parse(r["date"], r["calendar"]).time_order() for r in pack_app.db.query(
        "select ev.date, ev.calendar, e.name from events ev join entities e on e.id = ev.id "
        "where exists (select 1 from json_each(ev.people) where value = 'kornilov')")]
    assert len(order) == len(seen)  # each once


def test_a_term_is_the_timeline_of_the_events_the_pack_ties_to_it(pack_app: Clio) -> None:
    # before: "/timeline the Duma" and "/timeline NEP" gave the usage; the events tied to a term are those in its
    # `related` and those naming it in theirs, never an event that only shares a word, nor a period around it
    seen, pages = walk_console(pack_app, "/timeline the Duma")
    assert pages[0].startswith("Timeline of Duma")
    tied = {r["name"] for r in pack_app.db.query(
        "select e.name from related r join entities e on e.id = r.related_id join events ev on ev.id = e.id "
        "where r.entity_id = 'duma' union select e.name from related r join entities e on e.id = r.entity_id "
        "join events ev on ev.id = e.id where r.related_id = 'duma'")}
    assert {name for _, name in seen} == tied and len(tied) >= 5
    assert pack_app.handle_text("/timeline NEP", CONSOLE).title.startswith("Timeline of New Economic Policy")
    french = pack_app.lookup_for(("french-revolution",))
    from bot.services import timeline as timeline_service

    terror = timeline_service.reply(french, "the Terror")
    assert terror.title == "Timeline of Reign of Terror" and "Fall of Robespierre" in terror.body
    assert "The French Revolution" not in terror.body and "White Terror" not in terror.body  # a period; a word


def test_a_word_that_names_nothing_still_gets_the_usage(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/timeline Kronstadt sailors", CONSOLE)
    assert not reply.ok and "Give a year" in reply.text()


def test_a_republican_year_in_a_pack_that_shows_that_calendar(pack_app: Clio) -> None:
    # before: "Give a year, a range of years or a month"; Year II ran from 22 September 1793 to 21 September 1794
    french = pack_app.lookup_for(("french-revolution",))
    from bot.services import timeline as timeline_service

    reply = timeline_service.reply(french, "Year II")
    assert reply.ok and reply.title.startswith("Timeline Year II, 22 Sep 1793 – 21 Sep 1794"), reply.title
    dated = [line for line in reply.body.splitlines() if line.startswith("• ")]
    # each day in Year II (a month-only date, "Nov 1793", has no Republican day to show)
    assert dated and all("Year II /" in line or re.match(r"• [A-Z][a-z]{2} \d{4}: ", line) for line in dated), dated
    assert timeline_service.reply(french, "an 2 page 2").title.startswith("Timeline Year II")
    with pytest.raises(BadInput, match="Year I"):
        timeline_service.reply(french, "Year XX")
    # the Russian pack has no Republican calendar: the usage, as before
    with pytest.raises(BadInput, match="Give a year"):
        timeline_service.reply(pack_app.lookup_for(("russian-revolution",)), "Year II")


def test_the_picture_of_an_event_that_lasted_is_the_picture_of_its_years(pack_app: Clio) -> None:
    # before: "Give a year or a range of years"
    reply = pack_app.handle_text("/timeline the Civil War picture", CONSOLE)
    assert reply.ok and reply.image is not None and reply.title.startswith("Timeline 1917–1921"), reply.text()[:200]
    assert not pack_app.handle_text("/timeline Stalin picture", CONSOLE).ok  # a person has no span to draw
