"""Calendar conversion: Old Style dates stored as given, New Style computed (and back)."""

import pytest

from bot.dates import DateError, HistDate


@pytest.mark.parametrize(
    ("julian", "gregorian"),
    [
        ("1917-10-25", "1917-11-07"),  # the October insurrection
        ("1917-02-23", "1917-03-08"),  # International Women's Day, first day of the February revolution
        ("1905-01-09", "1905-01-22"),  # Bloody Sunday
        ("1918-01-31", "1918-02-13"),  # the last Old Style day in Russia
        ("1899-12-31", "1900-01-12"),  # 12 days' difference in the nineteenth century...
        ("1900-02-28", "1900-03-12"),
        ("1900-02-29", "1900-03-13"),  # ...13 from the Julian leap day of 1900, which Gregorian 1900 lacks
        ("1891-07-01", "1891-07-13"),
    ],
)
def test_old_style_converts_to_new_style_and_back(julian: str, gregorian: str) -> None:
    os = HistDate.parse(julian, "julian")
    assert os.new_style.iso() == gregorian
    assert HistDate.parse(gregorian, "gregorian").old_style.iso() == julian


def test_display_shows_both_calendars_in_the_julian_era() -> None:
    assert HistDate.parse("1917-10-25", "julian").display() == "25 Oct 1917 O.S. / 7 Nov 1917 N.S."
    # an international event given New Style still shows what Russians' calendars said
    assert HistDate.parse("1914-08-01", "gregorian").display() == "19 Jul 1914 O.S. / 1 Aug 1914 N.S."


def test_display_after_the_switch_is_new_style_only() -> None:
    assert HistDate.parse("1918-02-14", "gregorian").display() == "14 Feb 1918"
    assert HistDate.parse("1991-08-19", "gregorian").display() == "19 Aug 1991"


def test_partial_dates_keep_their_precision() -> None:
    d = HistDate.parse("1891", "julian")
    assert not d.precise and d.display() == "1891 (O.S.)"
    assert HistDate.parse("1917-10", "julian").new_style.plain() == "Oct 1917"


def test_a_year_or_month_after_the_switch_is_not_marked_old_style() -> None:
    # the end of a span that began in Old Style (the Civil War: Oct 1917 O.S. to 1921) is given in its calendar;
    # Russia no longer lived by it, so no "(O.S.)" is shown
    assert HistDate.parse("1921", "julian").display() == "1921"
    assert HistDate.parse("1918-03", "julian").display() == "Mar 1918"
    assert HistDate.parse("1918-01", "julian").display() == "Jan 1918 (O.S.)"
    assert HistDate.parse("1917-10", "julian").display() == "Oct 1917 (O.S.)"


def test_sort_key_orders_across_calendars() -> None:
    os_event = HistDate.parse("1917-12-20", "julian")  # 2 Jan 1918 N.S.
    ns_event = HistDate.parse("1918-01-01", "gregorian")
    assert ns_event.sort_key() < os_event.sort_key()


@pytest.mark.parametrize(
    ("text", "calendar", "why"),
    [
        ("1900-02-29", "gregorian", "does not exist"),
        ("1917-13-01", "julian", "no month 13"),
        ("1917-02-30", "julian", "does not exist"),
        ("25 October 1917", "julian", "is not YYYY"),
        ("1917-10-25", "byzantine", "unknown calendar"),
    ],
)
def test_bad_dates_are_refused_with_a_reason(text: str, calendar: str, why: str) -> None:
    with pytest.raises(DateError, match=why):
        HistDate.parse(text, calendar)
