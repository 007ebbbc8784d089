"""Calendars as pack data (issue 22): a pack says which calendars its dates are shown in and when. Russia:
Old Style beside New Style until 14 Feb 1918, with Old Style anniversaries. France: Gregorian dates, the
Republican date beside them from 22 Sep 1792 to 31 Dec 1805, and no Old Style twin ever."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import Clio
from bot.dates import GREGORIAN, RUSSIA, CalendarRule, HistDate
from tests.conftest import TEST_PACKS

FRANCE = CalendarRule(republican=(dt.date(1792, 9, 22), dt.date(1805, 12, 31)))


@pytest.fixture
def french(tmp_path: Path, make_app: Callable[..., Clio]) -> Clio:
    return make_app(tmp_path / "fr.db", pack="mini-fr")


@pytest.mark.parametrize(("date", "rule", "shown"), [
    ("1794-07-27", FRANCE, "9 Thermidor Year II / 27 Jul 1794"),
    ("1799-11-09", FRANCE, "18 Brumaire Year VIII / 9 Nov 1799"),
    ("1792-09-22", FRANCE, "1 Vendémiaire Year I / 22 Sep 1792"),  # the calendar's first day
    ("1792-09-21", FRANCE, "21 Sep 1792"),  # the day before it
    ("1805-12-31", FRANCE, "10 Nivôse Year XIV / 31 Dec 1805"),  # its last day
    ("1806-01-01", FRANCE, "1 Jan 1806"),
    ("1794-09-20", FRANCE, "Sansculottide 4, Year II / 20 Sep 1794"),  # a complementary day
    ("1789-07-14", FRANCE, "14 Jul 1789"),  # France never counted Old Style
    ("1789-07-14", GREGORIAN, "14 Jul 1789"),
    ("1917-11-07", RUSSIA, "25 Oct 1917 O.S. / 7 Nov 1917 N.S."),
    ("1918-02-14", RUSSIA, "14 Feb 1918"),
])
def test_a_date_is_shown_in_the_calendars_its_pack_shows_that_day(date: str, rule: CalendarRule, shown: str) -> None:
    assert HistDate.parse(date).display(rule) == shown


def test_the_french_pack_shows_the_bastille_without_an_old_style_twin(french: Clio) -> None:
    card = french.handle_text("/when storming of the Bastille")
    assert card.match and card.match.id == "storming-of-the-bastille-1789"
    assert any(f.name == "Date" and f.value == "14 Jul 1789" for f in card.fields), card.text()
    assert "O.S." not in card.text()
    # and no Old Style anniversary on 3 Jul (14 Jul 1789 N.S. was 3 Jul O.S. in Russia, not in France)
    assert "Bastille" not in french.handle_text("/onthisday 3 Jul").text()
    assert "Bastille" in french.handle_text("/onthisday 14 Jul").text()


def test_on_this_day_in_the_french_pack_shows_the_republican_date(french: Clio) -> None:
    day = french.handle_text("/onthisday 27 Jul")
    assert "9 Thermidor Year II / 27 Jul 1794" in day.text()
    assert "Old Style" not in day.text()


def test_the_russian_pack_keeps_both_calendars_and_its_old_style_anniversaries(mini_app: Clio) -> None:
    assert "25 Oct 1917 O.S. / 7 Nov 1917 N.S." in mini_app.handle_text("/onthisday 7 Nov").text()
    assert "Old Style anniversary" in mini_app.handle_text("/onthisday 25 Oct").text()


def test_a_pack_that_declares_no_calendars_shows_one_date(tmp_path: Path, make_app: Callable[..., Clio]) -> None:
    import shutil

    plain = tmp_path / "packs" / "plain"
    shutil.copytree(TEST_PACKS / "mini-fr", plain)
    text = (plain / "pack.yaml").read_text(encoding="utf-8")
    (plain / "pack.yaml").write_text(text.replace("id: mini-fr", "id: plain").split("calendars:")[0]
                                     + "readings:" + text.split("readings:")[1], encoding="utf-8")
    app = make_app(tmp_path / "p.db", content_dir=tmp_path / "packs", pack="plain")
    assert "27 Jul 1794 —" in app.handle_text("/onthisday 27 Jul").text()
    assert "Thermidor" not in app.handle_text("/onthisday 27 Jul").text().split("—")[1]


@pytest.mark.parametrize("typed", ["9 Thermidor", "9 thermidor", "9 Thermidor Year II", "9 Thermidor an II",
                                   "9 thermidor year 2"])
def test_on_this_day_matches_a_day_of_the_republican_calendar(french: Clio, typed: str) -> None:
    reply = french.handle_text(f"/onthisday {typed}")
    assert reply.ok and "The fall of Robespierre" in reply.text(), reply.text()
    assert "Storming of the Bastille" not in reply.text()
    if "2" in typed or "II" in typed:
        assert "was 27 Jul 1794" in reply.body


def test_a_republican_day_without_accents_finds_its_event(french: Clio) -> None:
    # Louis XVI was executed on 21 Jan 1793, 2 Pluviôse of Year I
    assert "Execution of Louis XVI" in french.handle_text("/onthisday 2 Pluviose").text()
    assert "Execution of Louis XVI" in french.handle_text("/onthisday 2 Pluviôse").text()


@pytest.mark.parametrize(("typed", "says"), [("31 Thermidor", "30 days"), ("9 Thermidor Year XX", "Year XIV")])
def test_a_republican_day_that_never_was_gets_a_clear_reply(french: Clio, typed: str, says: str) -> None:
    reply = french.handle_text(f"/onthisday {typed}")
    assert not reply.ok and says in reply.text()


def test_a_pack_without_the_republican_calendar_says_so(mini_app: Clio) -> None:
    reply = mini_app.handle_text("/onthisday 9 Thermidor")
    assert "does not use the Republican calendar" in reply.text()
