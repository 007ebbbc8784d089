"""/onthisday: a calendar day matched in both calendars, from the pack and the readings' dated passages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.app import Clio
from bot.errors import BadInput
from bot.services.onthisday import Day, parse_days

BOTH = "25 Oct 1917 O.S. / 7 Nov 1917 N.S."


@pytest.mark.parametrize("text", ["7 Nov", "11-07", "November 7", "1917-11-07", "7th of November", "Nov. 7, 1917"])
def test_every_common_form_of_a_day_is_understood(text: str) -> None:
    assert parse_days(text) == ([Day(11, 7)], None)


def test_a_day_keeps_the_year_it_was_given_in() -> None:
    assert [d.year for d in parse_days("Nov. 7, 1917")[0]] == [1917]
    assert [d.year for d in parse_days("1941-11-07")[0]] == [1941]
    assert [d.year for d in parse_days("7 Nov")[0]] == [0]
    assert [d.year for d in parse_days("7/11/17")[0]] == [0, 0]  # a two-digit year: no century to tell


def test_an_ambiguous_day_says_so_and_gives_both() -> None:
    days, note = parse_days("7/11")
    assert days == [Day(11, 7), Day(7, 11)]
    assert note is not None and "7 Nov" in note and "11 Jul" in note
    assert parse_days("25/10") == ([Day(10, 25)], None)  # only one reading exists


@pytest.mark.parametrize("text", ["2-30", "13-01", "Smarch 3", "yesterday-ish", "31 Nov", "29 Feb 1917", "1917-02-29"])
def test_impossible_days_are_refused(text: str) -> None:
    with pytest.raises(BadInput):
        parse_days(text)


def test_a_day_that_never_was_is_said_so_not_looked_up_as_an_event(pack_app: Clio) -> None:
    # before: "/when 31 Feb 1918" answered "Nothing called ..." with suggestions, and "29 Feb 1917" (a leap day in
    # neither calendar) listed 29 February's anniversaries; 29 Feb 1900 was a Julian day, not a Gregorian one
    for asked in ("/when 31 Feb 1918", "/when 29 Feb 1917", "what happened on 31 Feb 1918"):
        reply = pack_app.handle_text(asked)
        assert reply.kind == "error" and reply.body.startswith("There is no such day as"), (asked, reply.text())
    assert pack_app.handle_text("/when 29 Feb 1900").title.startswith("On this day: 29 Feb")
    assert parse_days("29 Feb 1900") == ([Day(2, 29, year=1900)], None)


def test_the_october_insurrection_on_both_of_its_anniversaries(mini_app: Clio) -> None:
    new_style = mini_app.handle_text("/onthisday 11-07")
    old_style = mini_app.handle_text("/onthisday 10-25")
    for reply in (new_style, old_style):
        assert any("Winter Palace" in f.name and BOTH in f.value for f in reply.fields), reply.text()
        assert reply.citations
    assert any("Old Style anniversary" in f.name for f in old_style.fields)
    assert not any("Old Style anniversary" in f.name for f in new_style.fields)


def test_a_day_with_nothing_says_so_plainly_and_offers_that_weeks_events(mini_app: Clio) -> None:
    reply = mini_app.handle_text("/onthisday 9 Nov")
    assert reply.ok and reply.fields[0].name == "Nothing happened on 9 Nov in this pack"
    assert reply.fields[0].value.startswith("That week (6 Nov – 12 Nov) has ")
    assert any("Winter Palace" in f.name for f in reply.fields)
    assert "day(s)" not in reply.text()
    lonely = mini_app.handle_text("/onthisday 1 Jun")
    assert lonely.ok and lonely.fields[0].name == "Nothing happened on 1 Jun in this pack"
    assert lonely.fields[0].value.startswith("Nor in the week around it (29 May – 4 Jun)")


def test_an_event_of_two_days_shows_on_each_of_them(pack_app: Clio) -> None:
    first = pack_app.handle_text("/onthisday 16 Jul")
    second = pack_app.handle_text("/onthisday 17 Jul")
    assert any("Execution of the Romanovs" in f.name and "day" not in f.name for f in first.fields)
    assert any("Execution of the Romanovs" in f.name and "(day 2 of 2)" in f.name for f in second.fields)
    assert any("reburied" in f.name for f in second.fields)  # the 1998 reburial stays too
    assert not any("Romanovs" in f.name for f in pack_app.handle_text("/onthisday 18 Jul").fields)


def test_an_old_style_span_counts_its_days_in_old_style_too(pack_app: Clio) -> None:
    # the July Days: 3-5 Jul 1917 O.S. = 16-18 Jul N.S.
    old = pack_app.handle_text("/onthisday 4 Jul")
    new = pack_app.handle_text("/onthisday 18 Jul")
    assert any("July Days (Old Style anniversary) (day 2 of 3)" in f.name for f in old.fields)
    assert any("July Days (day 3 of 3)" in f.name for f in new.fields)


def test_a_long_event_shows_on_its_first_day_only(pack_app: Clio) -> None:
    # the Winter War: 30 Nov 1939 - 13 Mar 1940
    assert any("Winter War" in f.name for f in pack_app.handle_text("/onthisday 30 Nov").fields)
    assert not any("Winter War" in f.name for f in pack_app.handle_text("/onthisday 15 Dec").fields)


def test_post_1918_events_have_no_old_style_anniversary(mini_app: Clio) -> None:
    # Brest-Litovsk, 3 Mar 1918 N.S., would fall on 18 Feb in the Julian calendar: not an anniversary
    assert not any("Brest" in f.name for f in mini_app.handle_text("/onthisday 18 Feb").fields)
    assert any("Brest" in f.name for f in mini_app.handle_text("/onthisday 3 Mar").fields)


def test_dated_passages_of_the_readings_appear(mini_app: Clio, tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("The congress opened late on 25 October 1917 while the palace was still held.", encoding="utf-8")
    mini_app.ingest(f, title="Congress Notes", author="A. Reader", calendar="julian-until-1918")
    reply = mini_app.handle_text("/onthisday 7 Nov")
    assert any("A. Reader, Congress Notes" in fl.name and BOTH in fl.value for fl in reply.fields), reply.text()


def test_today_comes_from_the_clock_in_the_configured_timezone(mini_app: Clio) -> None:
    mini_app.clock = lambda: dt.datetime(2026, 11, 7, 1, 30, tzinfo=dt.UTC)
    assert "7 Nov" in mini_app.handle_text("/onthisday").title
    object.__setattr__(mini_app.settings, "timezone", "America/New_York")  # 6 Nov, 20:30 there
    assert "6 Nov" in mini_app.handle_text("/onthisday").title


# /when of a day, a year or a month: answered as a date, never by an event whose name shares a number or a month


def test_when_of_a_day_lists_that_days_events_not_an_event_sharing_its_number(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/when 25 October")
    assert reply.kind == "list" and "is a day, not an event" in reply.body, reply.text()
    assert any("Winter Palace" in f.name and BOTH in f.value for f in reply.fields), reply.text()
    # the general strike of 25 February, which a number and a month word alone used to offer
    assert "General strike" not in reply.text()
    november = pack_app.handle_text("/when 7 November")
    assert november.kind == "list" and any("Winter Palace" in f.name for f in november.fields), november.text()


def test_when_of_a_day_with_a_year_puts_that_years_events_first(pack_app: Clio) -> None:
    plain = pack_app.handle_text("/when 7 November")
    assert "1941" not in plain.fields[0].name  # the readings' 1917 comes first on the day alone
    of_1941 = pack_app.handle_text("/when 7 November 1941")
    assert of_1941.fields[0].name.startswith("1941 — ") and "parade" in of_1941.fields[0].name, of_1941.text()
    assert {f.name for f in of_1941.fields} == {f.name for f in plain.fields}  # reordered, nothing lost


def test_when_of_a_year_or_a_month_is_its_timeline(pack_app: Clio) -> None:
    assert pack_app.handle_text("/when 1917").title.startswith("Timeline 1917")
    assert pack_app.handle_text("/when Oct 1917").title.startswith("Timeline October 1917")


def test_when_of_an_events_own_date_name_is_still_that_event(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/when 9 January 1905")  # an alias of Bloody Sunday
    assert reply.kind == "lookup" and reply.title == "Bloody Sunday", reply.text()


def test_when_of_a_republican_day_in_a_pack_without_that_calendar_says_so(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/when 9 Thermidor")
    assert "does not use the Republican calendar" in reply.text(), reply.text()
    assert "Bloody Sunday" not in reply.text()  # a 9 alone once offered it


def test_a_single_event_choice_is_asked_about_in_the_singular(pack_app: Clio) -> None:
    reply = pack_app.handle_text("/when Chernobyl explosion")  # the one event that holds "Chernobyl"
    assert reply.kind == "choices" and [b.value for b in reply.buttons] == ["The Chernobyl nuclear disaster"], reply.text()
    assert reply.title.startswith("Did you mean this event") and "1 events" not in reply.text()


def test_numbers_in_an_event_question_match_only_whole_and_never_alone(pack_app: Clio) -> None:
    # "25" and "1917" of the general strike's alias "25 February 1917", beside words it lacks: no match
    assert "General strike" not in pack_app.handle_text("/when 25 Oct 1917 page 2").text()
    assert "00447" not in pack_app.handle_text("/when 0").text()  # a number is not the start of another
    assert pack_app.handle_text("/when 9+1").title.startswith('The "9+1" agreement')  # numbers that are the name
    assert pack_app.handle_text("/when strike 25").title.startswith("General strike in Petrograd")


@pytest.mark.parametrize("query, other", [("Lev", "Food Levy"), ("Dan", "Sinyavsky-Daniel"), ("Marx", "Riutin"),
                                          ("Mars", "Marshall Plan")])
def test_when_by_words_takes_a_word_with_its_endings_only(pack_app: Clio, query: str, other: str) -> None:
    reply = pack_app.handle_text(f"/when {query}")  # "Lev" is not the start of "Levy", nor "Dan" of "Daniel"
    assert not (reply.kind == "lookup" and other in reply.title), reply.title
    assert pack_app.handle_text("/when Lena goldfield").title.startswith("The Lena goldfields massacre")


def test_a_day_russia_skipped_in_1918_says_so(pack_app: Clio) -> None:
    # 1-13 February 1918 never came in Russia: the day after 31 January (Old Style) was 14 February
    for text, was in (("/onthisday 13 Feb 1918", "31 Jan 1918 Old Style"), ("/when 1 Feb 1918", "19 Jan 1918 Old Style")):
        body = pack_app.handle_text(text).body
        assert "1–13 Feb 1918 never came" in body and "the day after 31 Jan (Old Style) was 14 Feb" in body, body
        assert was in body, body
    for text in ("/onthisday 14 Feb 1918", "/onthisday 13 Feb 1917", "/onthisday 13 Feb", "/onthisday 31 Jan 1918"):
        assert "never came" not in pack_app.handle_text(text).body, text
