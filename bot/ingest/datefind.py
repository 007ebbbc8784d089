"""Dates in running text, derived only where the text itself settles day, month, year and calendar.

- Day, month and year come from one date expression ("9 January 1905", "January 9, 1905"), or a day and month
  ("on 24 October") take the year only when their own sentence names exactly one year. Nothing is carried
  over from an earlier sentence or paragraph: a wrong year is worse than no date.
- The calendar comes from an explicit mark first ("7 November [O.S. 25 October] 1917", "25 October (O.S.)",
  "Old Style", "N.S."), then from the reading's convention (`CONVENTIONS`). A reading that marks Old Style dates
  itself (Wikipedia's "[O.S. ...]") writes its unmarked dates in New Style.
- A date the convention cannot place (Russian "1-13 February 1918" in Old Style, which never existed; an
  international event in a book that gives those in New Style) is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from bot.dates import DateError, HistDate
from bot.ingest.passages import sentence_boundary, sentences

# How a reading writes its unmarked dates:
# julian-until-1918: Old Style before February 1918 (Russian texts that follow the calendar Russians lived by)
# julian-domestic-until-1918: the same for Russian events, New Style for international ones (Figes): a date
#   before 1918 in a sentence about another country cannot be placed, so it is left out
# gregorian: New Style throughout (Western texts, Wikipedia, every other subject)
# unknown: nothing says how a reading about Russia dates its events: no unmarked date before 1918 is kept
# gregorian-outside-russia: nothing says, and the reading is not about Russia: a date before 1918 in a sentence
#   about Russia is left out, any other date is New Style (France in 1789 never counted Old Style days)
CONVENTIONS = ("julian-until-1918", "julian-domestic-until-1918", "gregorian", "unknown", "gregorian-outside-russia")
RUSSIA_CENTRIC_PER_1000_WORDS = 3.0


def _word_start(alternatives: str) -> str:
    """`\\b(?:a|b|...)` for alternatives that each start with a letter, written so each group of them starts
    with its literal letter ("R(?<=\\bR)(?:ussi\\w*|us'|omanovs?)|..."), the order kept within each letter: the
    same matches, but the engine skips ahead to those letters instead of trying every alternative at every
    position (the count of Russian words over a whole reading took a tenth of its ingest)."""
    by_initial: dict[str, list[str]] = {}
    depth, start = 0, 0
    for i, c in enumerate(alternatives + "|"):  # split at the top level only: a group inside one is kept whole
        depth += (c == "(") - (c == ")")
        if c == "|" and depth == 0:
            alt, start = alternatives[start:i], i + 1
            by_initial.setdefault(alt[0], []).append(alt[1:])
    return "(?:" + "|".join(f"{c}(?<=\\b{c})(?:{'|'.join(rest)})" for c, rest in by_initial.items()) + ")"


def _words_pattern(alternatives: str) -> str:
    """`\\b(?:a|b|...)\\b`, written as _word_start writes it."""
    return _word_start(alternatives) + r"\b"


_MONTHS = {m.lower(): i for i, names in enumerate(
    [("January", "Jan"), ("February", "Feb"), ("March", "Mar"), ("April", "Apr"), ("May",), ("June", "Jun"),
     ("July", "Jul"), ("August", "Aug"), ("September", "Sept", "Sep"), ("October", "Oct"), ("November", "Nov"),
     ("December", "Dec")], start=1) for m in names}
_MN = "|".join(sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True))
_M = rf"({_MN})\.?"
_D = r"(\d{1,2})(?:st|nd|rd|th)?"
# where a word starts, a month's name (\b(?:{_MN})) and a day (\b\d{1,2}), written to start with a capital or a
# digit (the word start looked behind for): the engine skips ahead to those instead of trying each pattern that
# starts with one at every position of a sentence (two thirds of the time of finding dates)
_MN_AT_WORD = _word_start(_MN)
_DAY_AT_WORD = r"\d(?<=\b\d)\d?"
_M_AT_WORD = rf"({_MN_AT_WORD})\.?"
_D_AT_WORD = rf"({_DAY_AT_WORD})(?:st|nd|rd|th)?"
_Y = r"(1[5-9]\d\d|20\d\d)"
_OS = r"(?:O\.\s?S\.|Old Style|o\.s\.)"
_NS = r"(?:N\.\s?S\.|New Style|n\.s\.)"
# A date with its twin in the other calendar: "7 November [O.S. 25 October] 1917", "7 November (25 October,
# O.S.) 1917", "23 October 1917 (5 November New Style)", "November 7 [O.S. October 25], 1917". The mark on the
# twin says which calendar the outer date is in; the day is stored once, as the outer date.
_ORD = "(?:st|nd|rd|th)?"
_INNER_MARK_1 = rf"(?:(?P<os1>{_OS})|(?P<ns1>{_NS}))?\s*"
_INNER_MARK_2 = rf",?\s*(?:(?P<os2>{_OS})|(?P<ns2>{_NS}))?\s*"
_TWIN_DM = rf"\s*[\[(]\s*{_INNER_MARK_1}(?P<d2>\d{{1,2}}){_ORD} (?P<m2>{_MN})\.?(?:,? (?P<y2>{_Y[1:-1]}))?{_INNER_MARK_2}[\])]"
_TWIN_MD = rf"\s*[\[(]\s*{_INNER_MARK_1}(?P<m2>{_MN})\.? (?P<d2>\d{{1,2}}){_ORD}(?:,? (?P<y2>{_Y[1:-1]}))?{_INNER_MARK_2}[\])]"
_OUT_DM = rf"(?P<d>{_DAY_AT_WORD}){_ORD} (?P<m>{_MN})\.?"
_OUT_MD = rf"(?P<m>{_MN_AT_WORD})\.? (?P<d>\d{{1,2}}){_ORD}"
_YEAR_AFTER = rf",?\s*(?P<y>{_Y[1:-1]})\b"
_YEAR_IN = rf",? (?P<y>{_Y[1:-1]})"
_TWINS = tuple(re.compile(p) for p in (_OUT_DM + _TWIN_DM + _YEAR_AFTER, _OUT_MD + _TWIN_MD + _YEAR_AFTER,
                                       _OUT_DM + _YEAR_IN + _TWIN_DM, _OUT_MD + _YEAR_IN + _TWIN_MD))
_DAY_MONTH_YEAR = re.compile(rf"{_D_AT_WORD} {_M},? {_Y}\b")
_MONTH_DAY_YEAR = re.compile(rf"{_M_AT_WORD} {_D},? {_Y}\b")
_MONTH_DAY = re.compile(rf"{_M_AT_WORD} {_D}\b(?!,? ?\d)")
_DAY_MONTH = re.compile(rf"{_D_AT_WORD} {_M}(?! ?,? ?\d)")
_YEAR = re.compile(rf"(?<![\d.,/-]){_Y}(?![\d/]|,\d)")
# a day and month that recur ("every 14 July", "the 7 November holiday") name no one day in history
_RECURRING = re.compile(r"\b(?:annual\w*|each year|every year|yearly|holiday|anniversar\w*|celebrat\w*|commemorat\w*|"
                        r"national (?:day|holiday)|feast|festival|observed|marks? the)\b", re.I)
_YEAR_SET = re.compile(rf"\b(?:[Ii]n|[Bb]y|[Dd]uring|of|[Ss]pring|[Ss]ummer|[Aa]utumn|[Ww]inter|{_M}),? {_Y}\b")
_MARK_AFTER = re.compile(rf"\s*,?\s*[\[(]?\s*(?:({_OS})|({_NS}))(?!\s*\d)")  # a bare mark, not "[O.S. 25 Oct]"
_MARK_BEFORE = re.compile(rf"(?:({_OS})|({_NS}))\s*[:,]?\s*$")
_NS_MARK = re.compile(_NS)
# "O." "N." "o.s." "n.s.", found at their first "." (a pattern that starts with one literal character is skipped
# ahead to it; six substring tests read a passage six times)
_MARK_HINT = re.compile(r"\.(?:(?<=[ON]\.)|(?<=[on]\.)(?=s\.))")
_OS_MARK = re.compile(rf"\[\s*{_OS}|\(\s*{_OS}|\b\d{{1,2}} \w+,? {_OS}\)")
# words that put a sentence abroad: a book that gives international events in New Style (Figes) cannot be read
# by one rule there
_FOREIGN = re.compile(_words_pattern(
    r"German[sy]?|Austria(?:n|ns)?|Austro-Hungar\w*|Habsburgs?|Kaiser|Berlin|Vienna|Brit(?:ain|ish)|England|"
    r"English|London|France|French|Paris|Japan(?:ese)?|Tokyo|Serbi(?:a|an|ans)|Sarajevo|Turk(?:ey|ish|s)|Ottoman|"
    r"America(?:n|ns)?|United States|Washington|Ital(?:y|ian|ians)|Bulgaria(?:n|ns)?|Romania(?:n|ns)?|Allie[sd]|"
    r"Entente|Versailles|Brest-Litovsk|Western Front|Switzerland|Swiss|Zurich|Geneva|Sweden|Stockholm"))

# words that put a sentence in Russia, where a reading of unknown convention may be counting Old Style days
_RUSSIAN = re.compile(_words_pattern(
    r"Russi\w*|Rus'|Petrograd|Petersburg|Leningrad|Moscow|Muscov\w*|Tsar\w*|Czar\w*|Tsarevich|Bolshevik\w*|"
    r"Menshevik\w*|Duma|Soviets?|Romanovs?|Kerensk\w*|Lenin\w*|Trotsk\w*|Kornilov|Rasputin|Stolypin|Witte|"
    r"Kronstadt|Kiev|Kyiv|Ukrain\w*|Siberia\w*|Cossacks?|Finland|Finnish|Helsingfors|Tiflis|Georgia\w*|Baku|"
    r"Warsaw|Poland|Polish|Riga|Odessa|Crimea\w*|Caucas\w*|Volga|Nizhny|Novgorod|Kazan|Tambov|Ekaterinburg|"
    r"Yekaterinburg|Perm|Sevastopol|Estonia\w*|Latvia\w*|Lithuania\w*|Tallinn|Reval|Kaiser|Orthodox|Okhrana|"
    r"Zemstvo|Narodni\w*|Decembrists?|Pugachev|Catherine|Peter the Great|Alexander|Nicholas|Alexei|Alexis|Grand Duke"))


@dataclass(frozen=True)
class FoundDate:
    date: HistDate
    phrase: str


def reading_convention(text: str | Iterable[str], convention: str | None) -> str:
    """The convention for a whole reading (its text, or its passages' texts): the one given, else inferred from
    its marks (a text that marks Old Style dates writes the rest in New Style; one that marks New Style writes
    the rest in Old Style), else unknown. Passages are counted one by one: a pattern over a whole 50 MB
    reading is one call that holds Python's GIL for seconds, stalling the bot's event loop meanwhile."""
    if convention:
        return convention
    count = ConventionCount()
    for t in [text] if isinstance(text, str) else text:
        count.add(t)
    return count.convention(None)


class ConventionCount:
    """reading_convention's evidence, counted one passage at a time (as a reading is split) and added up."""

    __slots__ = ("os_marks", "ns_marks", "words", "russian")

    def __init__(self) -> None:
        self.os_marks = self.ns_marks = self.words = self.russian = 0

    def add(self, t: str) -> None:
        # every Old Style mark holds "O.", "Old Style" or "o.s.": a text with none is not matched against the
        # marks' pattern (which tries each digit of the text as a day: most of the time of this count); the same
        # for the New Style marks, which stop at every "n". Most passages hold none of the six (_MARK_HINT).
        if _MARK_HINT.search(t) or "Style" in t:
            if "O." in t or "Old Style" in t or "o.s." in t:
                self.os_marks += len(_OS_MARK.findall(t))
            if "N." in t or "New Style" in t or "n.s." in t:
                self.ns_marks += len(_NS_MARK.findall(t))
        self.words += len(t.split())
        self.russian += len(_RUSSIAN.findall(t))

    def convention(self, convention: str | None) -> str:
        """The one given, else the one the counted passages say (see reading_convention)."""
        if convention:
            return convention
        if self.os_marks >= 2 and not self.ns_marks:
            return "gregorian"
        if self.ns_marks >= 2 and not self.os_marks:
            return "julian-until-1918"
        # one stray mark, or both kinds, or none: no rule for the unmarked dates; a reading about Russia may be
        # counting Old Style days anywhere, another only where it speaks of Russia
        about_russia = self.russian * 1000 / max(1, self.words) >= RUSSIA_CENTRIC_PER_1000_WORDS
        return "unknown" if about_russia else "gregorian-outside-russia"


def calendar_for(year: int, month: int, day: int, convention: str, foreign: bool = False,
                 russian: bool = True) -> str | None:
    """The calendar an unmarked date is written in under `convention`, or None when it cannot be told."""
    if convention == "gregorian" or (year, month, day) >= (1918, 2, 14):
        return "gregorian"
    if convention == "unknown":
        return None
    if convention == "gregorian-outside-russia":
        return None if russian else "gregorian"
    if (year, month, day) >= (1918, 2, 1):  # 1-13 Feb 1918: New Style only; Old Style had no such days
        return "gregorian" if convention == "gregorian" else None
    if convention == "julian-domestic-until-1918" and foreign:
        return None
    return "julian"


def _mark(text: str, start: int, end: int) -> str | None:
    """"julian" / "gregorian" when the expression at text[start:end] carries an explicit calendar mark."""
    after = _MARK_AFTER.match(text, end)
    if after:
        return "julian" if after.group(1) else "gregorian"
    before = _MARK_BEFORE.search(text[max(0, start - 14):start])
    if before:
        return "julian" if before.group(1) else "gregorian"
    return None


def find_dates(text: str, convention: str) -> list[FoundDate]:
    """The dates one passage states, each with the calendar it is written in; those that cannot be settled
    are left out."""
    return settle(date_phrases(text), convention)


class DatePhrase(NamedTuple):
    """A date a passage states, before the reading's convention is known: day, month, year, the calendar its
    own mark gives (None: unmarked), the words, and whether its sentence is about another country or Russia."""

    day: int
    month: int
    year: int
    calendar: str | None
    phrase: str
    foreign: bool
    russian: bool


def date_phrases(text: str) -> list[DatePhrase]:
    """What find_dates finds in one passage that does not depend on the reading's convention (so a reading's
    dates are found as it is split, and settled once its convention is known: `settle`)."""
    if not _MONTH_INITIAL.search(text) or not _DIGIT.search(text):
        return []
    out: list[DatePhrase] = []
    for sentence in sentences(text, _SENTENCE_END):
        # every date pattern needs a month's name and a digit: a sentence with neither is not matched against
        # them (most sentences of a passage that names a month somewhere)
        if _DIGIT.search(sentence) and _MONTH_INITIAL.search(sentence):
            out.extend(_sentence_dates(sentence))
    return out


def settle(phrases: Iterable[DatePhrase], convention: str) -> list[FoundDate]:
    """The dates of `phrases` (date_phrases) with their calendars under the reading's `convention`; those that
    cannot be settled are left out."""
    out: list[FoundDate] = []
    for day, month, year, calendar, phrase, foreign, russian in phrases:
        calendar = calendar or calendar_for(year, month, day, convention, foreign,
                                            convention == "gregorian-outside-russia" and russian)
        if calendar is None:
            continue
        try:
            out.append(FoundDate(HistDate.parse(f"{year:04d}-{month:02d}-{day:02d}", calendar), phrase))
        except DateError:
            continue
    return out


_DIGIT = re.compile(r"\d")


# a sentence ends at . ! ? before a capital, not before a digit: "(25 October, O.S.) 1917" is one sentence
_SENTENCE_END = sentence_boundary("A-ZА-Я")


# what every month's name starts with: one pattern, one pass (a test for each of the twelve read a text 12 times)
_MONTH_INITIAL = re.compile("Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec")


def _sentence_dates(s: str) -> list[DatePhrase]:
    hits: list[tuple[int, int, int, int | None, str | None, str]] = []  # start, day, month, year, calendar, phrase
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return not any(x < b and a < y for x, y in taken)

    # a date with its twin has a bracket or parenthesis in it: a sentence with neither is not matched against them
    for rx in _TWINS if "(" in s or "[" in s else ():
        for m in rx.finditer(s):
            if not free(m.start(), m.end()):
                continue
            taken.append((m.start(), m.end()))
            if m.group("os1") or m.group("os2"):
                outer: str | None = "gregorian"  # its twin is the Old Style day
            elif m.group("ns1") or m.group("ns2"):
                outer = "julian"
            else:
                continue  # two days and no word of which is which: neither is stored
            hits.append((m.start(), int(m.group("d")), _MONTHS[m.group("m").lower()], int(m.group("y")), outer,
                         m.group()))
    for rx, d, mo, y in ((_DAY_MONTH_YEAR, 1, 2, 3), (_MONTH_DAY_YEAR, 2, 1, 3), (_MONTH_DAY, 2, 1, 0),
                         (_DAY_MONTH, 1, 2, 0)):
        for m in rx.finditer(s):
            if not free(m.start(), m.end()):
                continue
            taken.append((m.start(), m.end()))
            hits.append((m.start(), int(m.group(d)), _MONTHS[m.group(mo).lower().rstrip(".")],
                         int(m.group(y)) if y else None, _mark(s, m.start(), m.end()), m.group()))
    if not hits:
        return []
    # a bare "24 October" takes the sentence's year only when the sentence sets it first ("In 1917, ...",
    # "in October 1917 ...") and names no other: a year after it is as often another event's ("... the first
    # congress since 1930", "... as in 1848")
    years = {int(m.group(1)) for m in _YEAR.finditer(s)}
    set_first = [m for m in _YEAR_SET.finditer(s)]
    foreign = bool(_FOREIGN.search(s))
    russian = bool(_RUSSIAN.search(s))
    out: list[DatePhrase] = []
    for _start, day, month, year, calendar, phrase in sorted(hits):
        if year is None:
            if len(years) != 1 or not any(m.end() <= _start for m in set_first) or _RECURRING.search(s):
                continue
            year = next(iter(years))
        out.append(DatePhrase(day, month, year, calendar, phrase, foreign, russian))
    return out
