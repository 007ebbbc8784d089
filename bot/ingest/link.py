"""Entity linking: which pack people, terms and events each passage mentions; and the person names a
reading keeps using that the pack does not know yet (candidates for a maintainer to add)."""

from __future__ import annotations

import math
import re
import weakref
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter
from typing import NamedTuple

import ahocorasick

from bot.ingest.passages import Passage
from bot.ingest.words import Words
from bot.names import TITLES, Matcher, name_key, pack_surname
from bot.places import is_place, place_keys

MAX_NAME_WORDS = 5
PROGRESS_EVERY = 100
MIN_CANDIDATE_MENTIONS = 2
_CAP_REST = r"[a-z\-]+(?:[A-Z][a-z]+)?(?![’'\w])"  # a capitalised word after its capital
_CAP = rf"[A-Z]{_CAP_REST}"


def _words_literal_first(words: list[str]) -> str:
    """`\\b(?:w1|w2|...)` for words that start with a letter, written so every alternative starts with a literal
    letter ("A(?<=\\bA)(?:dmiral|taman)|..."), the order kept within each letter: the same matches, but the engine
    skips ahead to those letters instead of trying every word at every position."""
    by_initial: dict[str, list[str]] = {}
    for w in words:
        by_initial.setdefault(w[0], []).append(re.escape(w[1:]))
    return "(?:" + "|".join(f"{c}(?<=\\b{c})(?:{'|'.join(rest)})" for c, rest in by_initial.items()) + ")"


_TITLE_WORDS = ("General Admiral Colonel Captain Prince Princess Count Countess Baron Tsar Tsarina Grand_Duke Father "
                "Comrade Professor Dr Mr Mrs Minister President Premier Commissar Marshal Ataman")
_TITLE_CUE = re.compile(
    rf"{_words_literal_first([w.replace('_', ' ') for w in _TITLE_WORDS.split()])}\.? ((?:{_CAP} ){{0,2}}{_CAP})")
# the first capital outside the repeat, so the engine skips ahead to capitals; the same matches as
# "\b((?:{_CAP} ){0,2}{_CAP})": a capitalised word can end only where it ends greedily or before a hyphen, so
# only one way of matching each word can be followed by a space or the cue
_SAID_CUE = re.compile(rf"([A-Z](?<=\b[A-Z]){_CAP_REST}(?: {_CAP}){{0,2}}),? "
                       r"(?:said|wrote|recalled|declared|argued|claimed|told|remembered|noted|replied)\b")
_SAID_AFTER = re.compile(rf"\b(?:said|wrote|recalled|declared|according to) ((?:{_CAP} ){{1,2}}{_CAP})")
GIVEN_NAMES = frozenset("""Alexander Aleksandr Nikolai Nicholas Vladimir Ivan Pyotr Peter Sergei Sergey Mikhail Grigory Grigorii
    Lev Leon Fyodor Yakov Boris Pavel Paul Dmitry Dmitri Andrei Georgy Georgii Konstantin Viktor Victor Anatoly Alexei
    Aleksei Nikita Yuri Yury Maria Maxim Anna Alexandra Nadezhda Vera Olga Ekaterina Irina John Karl Rosa Joseph Iosif
    Leonid Vasily Vasilii Semyon Stepan Fedor Felix Grigori Matvei Nestor Ilya Ilia Kliment Lazar Vyacheslav Genrikh
    Nikolay Larisa Inessa Evgenia Yevgeny Evgeny Arkady Anton Mark Isaak Julius Yuly Raisa Lavr Pavel Avel Andrey""".split())
# the words _SAID_CUE and _SAID_AFTER need, looked for as plain substrings: most passages have none
_SAID_WORDS = ("said", "wrote", "recalled", "declared", "argued", "claimed", "told", "remembered", "noted", "replied",
               "according to")
_GIVEN_CUE = re.compile(rf"({_words_literal_first(sorted(GIVEN_NAMES))} (?:{_CAP} )?{_CAP})\b")
_NOT_NAMES = frozenset(
    "The A An In On At Of And But For Or Soviet Soviets Russia Russian Russians Bolshevik Bolsheviks Party Red White "
    "Army Government Provisional Petrograd Moscow Revolution Congress Committee Duma State Union Communist Central "
    "Socialist Revolutionary Revolutionaries Menshevik Mensheviks January February March April May June July August "
    "September October November December Palace Winter Street Square Europe European German Germany Western War "
    "World Great Civil New Old Minister Ministers Commissar Church God He She They It This That These Those "
    "As When If After Before While Then Both Even Only Under With From By To Yet So Not No All Some Many Most "
    "Tsar Tsarina Empress Emperor Secretary General People France Britain British England English Austria "
    "Austrians Americans American Japan Japanese Poland Polish Ukraine Ukrainian Jews Jewish You We I His Her "
    "Their Our My Its Chapter Introduction Conclusion Why What Who How There Here Now Later Today Soviet".split()
)


@lru_cache(maxsize=200_000)
def _key(token: str) -> str:
    return name_key(token)


class Span(NamedTuple):
    """One name linked: the passage, the words as written, the entry, and where in the passage they start."""

    seq: int
    surface: str
    entity: str
    start: int
    end: int


@dataclass
class SourceLinks:
    """What linking found in one reading."""

    links: dict[int, Counter[str]] = field(default_factory=dict)  # passage seq -> entity id -> mentions
    candidates: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # key -> (name, count, example loc)
    spans: list[Span] = field(default_factory=list)  # each linked name as written, where it stands
    # (passage seq, entity id) of each mention `Linker.finish` added to a passage linked before, and of each one
    # it took back from one (a lone common word in a reading not about its pack: see Linker): what a caller that
    # stored each passage's links as it was linked still has to add, and to take away
    late: list[tuple[int, str]] = field(default_factory=list)
    taken_back: list[tuple[int, str]] = field(default_factory=list)
    # each cued name's key -> (its capitalised mentions, whether it is also written in lower case): what the
    # candidates are made of (`candidates_of`) where linking had no matcher (ingest's linking child)
    cue_counts: dict[str, tuple[int, bool]] = field(default_factory=dict)

    def entities(self) -> set[str]:
        return {e for c in self.links.values() for e in c}


def link_passages(passages: list[Passage], matcher: Matcher, person_ids: set[str],
                  progress: Callable[[int, int], None] | None = None,
                  births: dict[str, int] | None = None, confusable: Collection[str] = (),
                  proper: Collection[str] = (), stripped: Collection[str] = (),
                  adjectives: Collection[str] = (), acronyms: Mapping[str, Collection[str]] | None = None
                  ) -> SourceLinks:
    """Link each passage to the entries it names.

    A name or alias owned by one entry links at once. A surname links when one person in the pack has it,
    or, when several do, when exactly one of them is named in full somewhere in the same reading. A first
    name alone never links ("Alexander" is not evidence for Alexander II or Kerensky). Non-prose passages
    (references, lists, captions) link nothing.

    A word standing alone for a person is taken only when it is that person's surname as the pack names them
    (not a nickname's or patronymic's last word: "Bill", "Fifth", "Nikolaevich"), is no place
    ("Germany", "Lvov"), is spelled as the pack spells it when short ("Red" is not Reed), and is not part
    of another proper name ("Dan Bogart", "Gorky Street", "Order of Lenin", "Pavlov's House"). The surname
    alone of a person the pack gives a disambiguation note (`confusable`: their ids) links only once the
    reading has named them in full, in that passage or before: the note says a namesake is about ("Smirnov"
    of the 1923 Declaration of the 46, before Figes names A. P. Smirnov of 1932).
    A name in a sentence whose every year is before a person's birth (`births`: id -> year) is not them:
    "Mikhail Romanov" in 1613 is the first Romanov tsar, not the grand duke born in 1878. A sentence with no
    year takes its paragraph's years, and a paragraph with none the years of the paragraph before it, when
    they lie a century before the birth ("the former
    family became known as Yakovlev" after a paragraph set in 1347 is no Gorbachev adviser).
    """
    linker = Linker(matcher, person_ids, births, spans=True, confusable=confusable, proper=proper,
                    stripped=stripped, adjectives=adjectives, acronyms=acronyms)
    for done, p in enumerate(passages, 1):
        if progress and (done % PROGRESS_EVERY == 0 or done == len(passages)):
            progress(done, len(passages))
        linker.add(p)
    return linker.finish()


class Linker:
    """link_passages, fed one passage at a time in reading order (a paragraph's passages together, as
    split_passages makes them), so a reading is linked while the rest of it is still being read, and what is
    kept of it is each word's count, the names found and the person cues, never its passages.

    A paragraph's passages are linked together once the next paragraph's first passage comes (or at
    `finish`): a name's sentence without years is judged by the years of its whole paragraph.

    With `spans`, the result also lists each linked name as written and where it stands (SourceLinks.spans):
    what an audit shows; ingest, which stores the links and candidates, is spared a Span per name.
    Without `cues`, the caller finds the names with person cues (`cue`) and sets `cued` before `finish`:
    ingest's reading child finds them, and its linking child (bot.ingest.bounded) links."""

    def __init__(self, matcher: Matcher | None = None, person_ids: set[str] | None = None,
                 births: dict[str, int] | None = None, spans: bool = False, cues: bool = True,
                 tables: LinkTables | None = None, confusable: Collection[str] = (),
                 proper: Collection[str] = (), stripped: Collection[str] = (),
                 adjectives: Collection[str] = (), acronyms: Mapping[str, Collection[str]] | None = None) -> None:
        """A Linker of the pack's `matcher`, `person_ids` and `births`; or, in a process without the pack, of
        its `tables` (`link_tables`) alone: that one finds no candidates but counts their mentions
        (SourceLinks.cue_counts) for `candidates_of`."""
        if tables is None:
            if matcher is None or person_ids is None:
                raise TypeError("a Linker needs a matcher and its people, or their tables")
            tables = link_tables(matcher, person_ids, births, confusable, proper, stripped, adjectives, acronyms)
        self.matcher, self.spans, self.cues = matcher, spans, cues
        self.person_ids, self.births, self.surname_of = tables.person_ids, tables.births, tables.surname_of
        self.places, self.scan, self.owners = tables.places, tables.scan, tables.owners
        self.weak_keys, self.proper_keys, self.unlinked = tables.weak, tables.proper, tables.unlinked
        self.adjective_keys, self.acronyms = tables.adjectives, tables.acronyms
        self.confusable = tables.confusable
        self.result = SourceLinks()
        self.deferred: list[tuple[Span, list[str], bool]] = []  # a key several entries own: (span, ids, weak)
        # a lone common word a pack names a thing by ("revolution", "empire", "terror": `LinkTables.weak`): linked
        # at once, and taken back at the end unless the whole reading is about that pack (`_subjects`). Most are
        # kept (a reading is mostly about one pack, and names it most), so few links change once they are stored;
        # holding them all to the end made a long reading's ingest write tens of thousands of them at its very
        # end, with no other work to run beside. Without `spans`, a Span of the passage and entry alone
        self.weak: list[Span] = []
        self.evidence: Counter[str] = Counter()  # each pack's mentions by the other keys (see _subjects)
        self.lone_towns: list[Span] = []
        self.namesakes: list[Span] = []  # a confusable person's surname alone (see link_passages)
        # each passage's words are found as it is linked and then dropped (a 50 MB reading's words and their
        # places, held at once, took a gigabyte); what the candidates need of them is each word's count. Each
        # word as written is coded once: its key's code in self.scan's alphabet
        self.words = Words(lambda word, code=self.scan.code: code(_key(word)))
        self.named_in_full: dict[int, set[str]] = {}  # passage seq -> people named there in more than one word
        self.cued: dict[str, tuple[str, str]] = {}  # candidate key -> (name as cued, where first)
        self.paragraph: list[Passage] = []  # the passages of the paragraph being read
        self.before: list[int] | None = None  # the years of the last paragraph with prose (None: none yet)

    def add(self, p: Passage) -> None:
        if self.paragraph and p.para != self.paragraph[0].para:
            self._link_paragraph()
        self.paragraph.append(p)

    def finish(self) -> SourceLinks:
        """What the reading links to, once every passage was added."""
        if self.paragraph:
            self._link_paragraph()
        result = self.result
        for span in self.lone_towns:
            if span.entity in self.named_in_full.get(span.seq, ()):
                self._late(span)
        if self.namesakes:
            first_full: dict[str, int] = {}  # person -> the first passage naming them in more than one word
            for seq, people in self.named_in_full.items():  # in reading order
                for person in people:
                    first_full.setdefault(person, seq)
            for span in self.namesakes:
                if first_full.get(span.entity, span.seq + 1) <= span.seq:
                    self._late(span)
        subjects = _subjects(self.evidence, self.weak)
        dropped = [span for span in self.weak if _pack(span.entity) not in subjects]
        for span in dropped:
            self._take_back(span)
        if dropped and self.spans:
            gone = set(dropped)
            result.spans = [span for span in result.spans if span not in gone]
        in_reading = result.entities()
        for span, ids, weak in self.deferred:
            known = [e for e in ids if e in in_reading and (not weak or _pack(e) in subjects)]
            if len(known) == 1:
                self._late(span._replace(entity=known[0]))
        counts = _cue_counts(self.cued, self.words.counts())
        if self.matcher is None:
            result.cue_counts = counts
        else:
            result.candidates = candidates_of(self.cued, counts, self.matcher)
        return result

    def _late(self, span: Span) -> None:
        """Link a mention only the whole reading settled, to a passage linked before (SourceLinks.late)."""
        self.result.links[span.seq][span.entity] += 1
        if self.spans:
            self.result.spans.append(span)
        self.result.late.append((span.seq, span.entity))

    def _take_back(self, span: Span) -> None:
        """Unlink a mention linked before, which the whole reading overruled (SourceLinks.taken_back)."""
        counts = self.result.links[span.seq]
        counts[span.entity] -= 1
        if not counts[span.entity]:
            del counts[span.entity]
        self.result.taken_back.append((span.seq, span.entity))

    def _link_paragraph(self) -> None:
        passages, self.paragraph = self.paragraph, []
        # each prose passage's years with where they stand (a paragraph may be stored as several passages)
        dated = [(p, _years_at(p.text) if p.prose else []) for p in passages]
        years = [y for _, years_at in dated for _, y in years_at]
        # a paragraph with no years takes those of the paragraph with prose before it
        context = years or (self.before or [])
        if any(p.prose for p in passages):
            self.before = years
        for p, years_at in dated:
            self._link(p, years_at, context)
            if self.cues:
                cue(p, self.cued)

    def _link(self, p: Passage, years_at: list[tuple[int, int]], context: list[int]) -> None:
        person_ids, births, owners = self.person_ids, self.births, self.owners
        found: Counter[str] = Counter()
        self.result.links[p.seq] = found
        # word k is text[bounds[2k]:bounds[2k + 1]]
        stream, bounds, regular = self.words.scan(p.text, coding=p.prose)
        if not p.prose:  # a reference list names authors and subjects, not who the reading speaks of
            return
        # word index -> (word count, key) of each key starting there, the fewest words first
        starts_at = self.scan.names_in(stream, None if regular else self._codes(p.text, bounds))
        if not starts_at:
            return
        text, named_in_full = p.text, self.named_in_full

        free = 0  # the first word not already part of a name found
        for i in sorted(starts_at):
            if i < free:
                continue
            longest: tuple[int, str, list[str]] | None = None  # the longest name starting here: (words, key, ids)
            for n, gram in starts_at[i]:
                if gram in self.proper_keys and not text[bounds[2 * (i + n) - 2]].isupper():
                    continue  # a name written in lower case: the common word ("the right to vote", LinkTables.proper)
                if gram in self.unlinked:
                    continue  # no name of the entry's ("the Party Secretary" is no General Secretary)
                if (gram in self.acronyms
                        and text[bounds[2 * i]:bounds[2 * (i + n) - 1]].upper() not in self.acronyms[gram]):
                    continue  # "SSR" is no "SR" (LinkTables.acronyms)
                if gram in self.adjective_keys and not _as_noun(text, bounds, i, n):
                    continue  # "Soviet troops": the adjective, not the council (LinkTables.adjectives)
                ids, people = owners[gram]
                if people:
                    # a first name alone never links; a person only when written with a capital
                    is_capital, start = text[bounds[2 * i]].isupper(), bounds[2 * i]
                    ids = [cid for cid, person in people
                           if not person or (
                               is_capital
                               and (cid not in births or not _before_birth(text, start, births[cid], years_at, context))
                               and _person_stands(text, bounds, i, n, cid, gram, self.surname_of, self.places))]
                if ids:
                    longest = (n, gram, ids)
            if not longest:
                continue
            n, gram, ids = longest
            free = i + n
            # "Lvov", "Gorky" alone: a town too; the person only where the passage also names them in full. A
            # surname a namesake shares (the person's disambiguation note in the pack: "Smirnov"): the person only
            # once the reading has named them in full
            lone = n == 1 and len(ids) == 1 and ids[0] in person_ids
            town = lone and gram in _TOWNS
            namesake = lone and not town and ids[0] in self.confusable
            # a lone common word (LinkTables.weak), or a name of a thing written all in lower case, a common
            # phrase ("the old regime", "a national assembly", "the civil war"): linked only in a reading about
            # its pack's subject (see _subjects); never a person's
            weak = gram in self.weak_keys or (n > 1 and owners[gram][1] is None and
                                              text[bounds[2 * i]:bounds[2 * (i + n) - 1]].islower())
            if len(ids) == 1 and not town and not namesake:
                found[ids[0]] = found.get(ids[0], 0) + 1
                if weak:
                    if not self.spans:
                        self.weak.append(Span(p.seq, "", ids[0], 0, 0))
                        continue
                else:
                    self.evidence[_pack(ids[0])] += 1
                    if n > 1:
                        named_in_full.setdefault(p.seq, set()).add(ids[0])
                    if not self.spans:
                        continue
            start, end = bounds[2 * i], bounds[2 * (i + n) - 1]  # where word i starts and word i + n - 1 ends
            surface = " ".join(text[bounds[2 * j]:bounds[2 * j + 1]] for j in range(i, i + n))
            span = Span(p.seq, surface, ids[0], start, end)
            if len(ids) > 1:
                self.deferred.append((span, ids, weak))
            elif weak:
                self.weak.append(span)
                self.result.spans.append(span)
            elif town:
                self.lone_towns.append(span)
            elif namesake:
                self.namesakes.append(span)
            else:
                self.result.spans.append(span)

    def _codes(self, text: str, bounds: Sequence[int]) -> list[str]:
        """Each word's code, for a passage with a code longer than two characters (see _Scan.names_in)."""
        return [self.words.code(text[bounds[k]:bounds[k + 1]]) for k in range(0, len(bounds), 2)]



@dataclass(frozen=True)
class LinkTables:
    """What linking needs of the pack, made once from its matcher: plain data that pickles, so a process
    without the pack (ingest's linking child) links as the bot would."""

    person_ids: frozenset[str]
    births: dict[str, int]  # person id -> year of birth
    surname_of: dict[str, tuple[str, str]]  # see _surnames
    places: frozenset[str]  # bot.places.place_keys()
    scan: _Scan
    # each key the scan finds -> the entries owning it as more than a first name, each once: (their ids, None)
    # when none is a person (they link wherever the key stands), else ([], (id, is a person) for each), to be
    # checked where the key stands
    owners: dict[str, tuple[list[str], list[tuple[str, bool]] | None]]
    confusable: frozenset[str] = frozenset()  # people whose surname alone a namesake shares (see link_passages)
    # the keys that are one word, alone or after "the", owned by no person: "revolution" (the French Revolution's
    # "The Revolution"), "empire", "terror", "soviet". Common words, or a pack's shorthand for its own subject:
    # linked only in a reading about that pack's subject (see _subjects)
    weak: frozenset[str] = frozenset()
    # the weak keys a pack gives only as "The X" with a capital (bot.store.proper_names: "The Right", "The Thaw"):
    # a name, linked only where the word is written with a capital ("the right to vote" is no Right Opposition)
    proper: frozenset[str] = frozenset()
    # a place's name alone as an event's ("Stalingrad" for the German surrender there, "Kronstadt" for the 1921
    # rising): the place, wherever it is written alone; never linked to the event
    place_events: frozenset[str] = frozenset()
    # keys that link nothing: the place_events, and those a term's or event's name gives only with a title word
    # taken off (bot.store.stripped_names: "secretary" of "General Secretary", "plan" of "Marshall Plan", "of the
    # soviet union" of "President of the Soviet Union")
    unlinked: frozenset[str] = frozenset()
    # the weak keys a pack marks as adjectives too (bot.store.adjective_names: "Soviet" of Soviet troops, the USSR's):
    # linked only where the word stands as a noun (see _as_noun)
    adjectives: frozenset[str] = frozenset()
    # the keys only abbreviations give, each with them as written in capitals (bot.store.acronyms: "SR"): linked
    # only where the text writes one of them ("SSR", a Soviet republic, has the key of "SR")
    acronyms: dict[str, frozenset[str]] = field(default_factory=dict)


def link_tables(matcher: Matcher, person_ids: set[str], births: dict[str, int] | None = None,
                confusable: Collection[str] = (), proper: Collection[str] = (),
                stripped: Collection[str] = (), adjectives: Collection[str] = (),
                acronyms: Mapping[str, Collection[str]] | None = None) -> LinkTables:
    """The LinkTables of a pack's matcher and people (made once per matcher and set of people)."""
    people = frozenset(person_ids)
    made = _tables.get(matcher)
    if made is None or made.person_ids != people:
        scan = _Scan(matcher) if made is None else made.scan  # the matcher's keys alone: other people, same scan
        owners = {}
        for key in scan.keys:
            owned = list(dict.fromkeys((c.id, c.id in people) for c, kind in matcher.exact(key) if kind != "given"))
            owners[key] = ([], owned) if any(person for _, person in owned) else ([cid for cid, _ in owned], None)
        weak = frozenset(key for key in scan.keys if owners[key][1] is None
                         and len(key.split()) - key.startswith("the ") == 1)
        places = place_keys()
        place_events = frozenset(key for key in weak if key.removeprefix("the ") in places and all(
            c.type == "event" for c, kind in matcher.exact(key) if kind != "given"))
        made = _tables[matcher] = LinkTables(people, {}, _surnames(matcher, people), places, scan, owners,
                                             weak=weak, place_events=place_events)
    return replace(made, births=births or {}, confusable=frozenset(confusable),
                   proper=made.weak.intersection(proper),
                   adjectives=made.weak.intersection(adjectives),
                   acronyms={key: frozenset(written) for key, written in (acronyms or {}).items()
                             if key in made.owners},
                   unlinked=made.place_events.union(key for key in stripped
                                                    if key in made.owners and made.owners[key][1] is None))


class _Scan:
    """An Aho-Corasick automaton over the matcher's keys that some entry owns as more than a first name, built
    once per matcher (`link_tables`): a passage's words are scanned for all of them in one pass, in C.

    Each word of those keys has a code of two characters, the first from one half of a small alphabet and the
    second from the other; a word in no key, or with no key, has the code `filler`, in no key's code. A passage
    is scanned as its words' codes put together: a key's code starts with a first-half character, so a hit starts
    where a word's code starts and, ending on a second-half one, ends where one ends; every hit is whole words
    with no second look at its ends. The automaton's value of a key is (its word count, the key)."""

    def __init__(self, matcher: Matcher) -> None:
        self.keys = keys = [key for key in matcher.keys() if len(key.split()) <= MAX_NAME_WORDS
                            and any(kind != "given" for _, kind in matcher.exact(key))]
        words = list(dict.fromkeys(w for key in keys for w in key.split()))
        side = math.isqrt(len(words) + 1) + 1  # side * side codes: the filler's and one for each word
        alphabet = [chr(1 + c) for c in range(2 * side)]  # "\0" is in none: see below
        codes = [a + b for a in alphabet[:side] for b in alphabet[side:]]
        self.filler = codes[0]
        self.codes = dict(zip(words, codes[1:]))
        self.automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
        for key in keys:
            self.automaton.add_word(self.code(key), (key.count(" ") + 1, key))
        if len(self.automaton) == 0:
            self.automaton.add_word("\0", (1, ""))  # an automaton with no words cannot be searched
        self.automaton.make_automaton()

    def code(self, key: str) -> str:
        """The code of a key (a word's or a name's): its words' codes put together."""
        return "".join(self.codes.get(w, self.filler) for w in key.split()) or self.filler

    def names_in(self, stream: str, codes: list[str] | None = None) -> dict[int, list[tuple[int, str]]]:
        """Where the keys stand in a passage whose words' codes, put together, are `stream`: the first word's
        index -> (how many words, the key) for each key found there (at most MAX_NAME_WORDS words), the fewest
        words first (the automaton gives the hits by where they end). `codes`: each word's code, needed only
        when one is longer than two characters (a word whose key is several words: "½" is "1 2")."""
        hits = self.automaton.iter(stream)
        out: dict[int, list[tuple[int, str]]] = {}
        if codes is None:  # each word's key one word (or none): word k's code is stream[2k:2k + 2]
            for end, (n, key) in hits:
                out.setdefault(end // 2 - n + 1, []).append((n, key))
            return out
        # a word whose key is several words ("½" is "1 2"): where each word's code starts and ends in the stream
        ends = list(accumulate(map(len, codes)))
        first = {end - len(code): i for i, (end, code) in enumerate(zip(ends, codes))}
        last = {end - 1: i for i, end in enumerate(ends)}
        for end, (n, key) in hits:
            i, j = first.get(end + 1 - 2 * n), last.get(end)
            if i is not None and j is not None and 0 < j - i + 1 <= MAX_NAME_WORDS:
                out.setdefault(i, []).append((j - i + 1, key))
        return out


_tables: weakref.WeakKeyDictionary[Matcher, LinkTables] = weakref.WeakKeyDictionary()


# a year, not inside a longer number or after a hyphen; the look behind follows the first digit, so the engine
# skips ahead to a 1 or 2 instead of looking behind at every position (four times faster, the same matches)
_YEARS = re.compile(r"(1(?<![\d-]1)\d\d\d|2(?<![\d-]2)0\d\d)(?!\d)")
# surnames that the readings also use as towns (Lvov, Lenin's estate Gorki, the city Gorky): alone, may be the town
_TOWNS = frozenset(name_key(t) for t in "Lvov Lviv Lwow Gorky Gorki".split())
_OF_PROPER = re.compile(r"(?:[A-Z][\w’'-]+ )(?:of|de|du|von|van)\s*$")  # "Order of ", "House of "
_POSSESSIVE_PLACE = re.compile(r"^[’']s (?:House|Street|Square|Prospekt|Avenue|Hall|Bridge|Station|Factory|Works|"
                               r"Plant|Institute|Museum|Line|Mausoleum|[Tt]omb|[Mm]ausoleum)\b")
_NEXT_NOUN = re.compile(r"^\s+(?:cocktails?|cult|mausoleum|hills|street|square|prize|order|levy|enrolment|"
                        r"district|region|oblast|province)\b", re.I)
# abbreviated titles before a name: the ones that name the pack's people ("Gen. Kornilov"), and ranks that
# the pack's people are not known by ("Sgt. Pavlov" is the sergeant of Pavlov's House, not the premier)
_TITLE_ABBREVIATIONS = frozenset("Gen Adm Prof Mr Mrs Ms Dr St".split())
_RANK_ABBREVIATIONS = frozenset("Sgt Lt Capt Col Maj Cpl Pvt Rev Gov Sen Rep".split())
MIN_FOLDED_SURNAME = 5
CONTEXT_MARGIN_YEARS = 100  # a shorter surname must be spelled as the pack spells it: "Red" is not Reed, "Dann" not Dan


def _surnames(matcher: Matcher, person_ids: set[str]) -> dict[str, tuple[str, str]]:
    """Each person's surname as the pack names them: id -> (key, written form in lower case)."""
    out = {}
    for c in matcher.candidates():
        if c.id in person_ids and (surname := pack_surname(c.name)):
            out[c.id] = (surname[0], surname[1].lower())
    return out


def _person_stands(text: str, bounds: Sequence[int], i: int, n: int, person: str, key: str,
                   surname_of: dict[str, tuple[str, str]], places: frozenset[str]) -> bool:
    """Whether the n words from word i stand for `person` (see link_passages); word k of the text is
    text[bounds[2k]:bounds[2k + 1]] (Words.scan). `places`: the keys of places."""
    at = bounds[2 * i]
    if i > 0 and not _sentence_start(text, bounds, i):  # "Frederick William II": the name goes on before
        prev, gap = text[bounds[2 * i - 2]:bounds[2 * i - 1]], text[bounds[2 * i - 1]:at].strip()
        if prev[:1].isupper() and (gap == "" or gap == "." and prev in _RANK_ABBREVIATIONS):
            # unless it is a title, as written ("Marshal", not the folded "Marshall" of Marshall Goldman)
            prev_key = _key(prev)
            if not (prev_key in TITLES and len(prev_key) == len(prev) or prev in _TITLE_ABBREVIATIONS):
                return False
    if n > 1:
        return True
    own = surname_of.get(person)
    if own is None or own[0] != key or key in places or key in TITLES:
        return False
    end = bounds[2 * i + 1]
    if len(key) < MIN_FOLDED_SURNAME and text[at:end].lower() != own[1]:
        return False
    after = text[end:end + 40]
    if _POSSESSIVE_PLACE.match(after) or _NEXT_NOUN.match(after):
        return False
    if 2 * i + 2 < len(bounds):  # "Dan Bogart", "Gorky Street": another capitalised word right after, same phrase
        if text[bounds[2 * i + 2]].isupper() and text[end:bounds[2 * i + 2]].strip() == "":
            return False
    return not _OF_PROPER.search(text[max(0, at - 30):at])


_WHERE = itemgetter(0)
# a pack is a subject of a reading when the reading names its entries, by keys other than lone common words, at
# least a third as often as it names the most named pack's: the Russian readings name the French pack's
# entries by such keys 1 % as often as the Russian pack's ("the French Revolution", Napoleon), the French
# readings the Russian pack's 1-3 % as often
SUBJECT_SHARE = 3


def _pack(entity: str) -> str:
    """The pack an entry belongs to: the prefix of its id ("french-revolution:directory"), "" for the home pack."""
    return entity.partition(":")[0] if ":" in entity else ""


def _subjects(evidence: Counter[str], weak: list[Span]) -> set[str]:
    """The packs a reading is about (SUBJECT_SHARE), judged by its mentions of each (`evidence`: pack -> mentions
    by keys that are not LinkTables.weak); a reading naming nothing by such keys, by its weak ones alone."""
    counts = evidence or Counter(_pack(span.entity) for span in weak)
    top = max(counts.values(), default=0)
    return {pack for pack, n in counts.items() if n * SUBJECT_SHARE >= top > 0}


def _years_at(text: str) -> list[tuple[int, int]]:
    """The years in a text, each with where it starts."""
    return [(m.start(), int(m[0])) for m in _YEARS.finditer(text)]


def _before_birth(text: str, at: int, born: int, years_at: list[tuple[int, int]], context: list[int]) -> bool:
    """Whether the sentence around text[at] names years (`years_at`: the text's, with where they start), all of
    them before `born`; a sentence naming none is judged by `context`, the years of its paragraph or of the
    paragraph before, which must all lie a century (CONTEXT_MARGIN_YEARS) before the birth: Figes recalls 1917
    beside Yeltsin and 1789 beside Rasputin."""
    if years_at:
        start = max(text.rfind(". ", 0, at), text.rfind("; ", 0, at)) + 1
        ends = [j for j in (text.find(". ", at), text.find("; ", at)) if j >= 0]
        end = min(ends) if ends else len(text)
        # a year is digits, so one that starts in the sentence ends in it (years_at is in text order)
        first, last = bisect_left(years_at, start, key=_WHERE), bisect_left(years_at, end, key=_WHERE)
        if first < last:
            return max(year for _, year in years_at[first:last]) < born
    # a paragraph looks back more freely than a sentence (analogies, asides): only a century earlier tells
    return bool(context) and max(context) < born - CONTEXT_MARGIN_YEARS


_ABBREVIATIONS = _TITLE_ABBREVIATIONS | _RANK_ABBREVIATIONS


# the words that may follow a noun where an adjective could not stand before them ("the Soviet of Workers'
# Deputies", "the Soviet was", "the Soviet decided"): function words, and verbs a body is the subject of. A verb
# not listed drops a right link, never makes a wrong one
_AFTER_A_NOUN = frozenset('''
    of but was were is are be been had has have would will could should might must may can did does do
    in at on to for from with by as that which who whose itself not then now also still only after before under
    against over into than if when while because so too alone again never once first
    decided voted met passed issued demanded refused agreed called elected declared ordered sent took gave approved
    adopted accepted controlled became remained began continued supported opposed rejected formed appointed
    resolved insisted claimed proclaimed summoned sat published urged appealed protested announced recognised
    recognized held lost won wanted feared tried'''.split())


_JOINERS = frozenset("-‐‑–/")  # between two words with no space: one compound ("anti-Soviet", "Soviet-style")
_OPENING_QUOTES = frozenset("‘“«\"'")


def _as_noun(text: str, bounds: Sequence[int], i: int, n: int) -> bool:
    """Whether the n words from word i stand as a noun, not as an adjective (word k is text[bounds[2k]:
    bounds[2k + 1]]): not one part of a compound ("anti-Soviet", "Soviet-style", "Soviet/Warsaw Pact"), and
    followed by nothing, or by a mark (a stop, a comma, a closing quote, a possessive "’s"), or by a word only a
    noun stands before (_AFTER_A_NOUN: "the Soviet of", "the Soviet was"; not "and": "Soviet and Party
    officials"). A quotation opened right after is looked through ("the Soviet ‘sphere of influence’")."""
    if i > 0 and text[bounds[2 * i - 1]:bounds[2 * i]] in _JOINERS:
        return False
    j = i + n  # the word after
    if 2 * j >= len(bounds):
        return True
    gap = text[bounds[2 * j - 1]:bounds[2 * j]]
    if gap in _JOINERS:
        return False
    mark = gap.strip()
    if mark and not (gap[0].isspace() and all(c in _OPENING_QUOTES for c in mark)):
        return True
    return text[bounds[2 * j]:bounds[2 * j + 1]].lower() in _AFTER_A_NOUN


def _sentence_start(text: str, bounds: Sequence[int], j: int) -> bool:
    """Whether word j (text[bounds[2j]:bounds[2j + 1]], see Words.scan) opens a sentence (its capital says
    nothing about being a name). "Sgt. Pavlov" and "Gen. Kornilov" do not: the full stop ends an abbreviation."""
    # what ends the text before the word: the gap before it, else (only spaces) the word before it
    prev = text[bounds[2 * j - 2]:bounds[2 * j - 1]] if j > 0 else ""
    before = text[bounds[2 * j - 1] if j > 0 else 0:bounds[2 * j]].rstrip() or prev
    if j > 0 and before.endswith(".") and prev in _ABBREVIATIONS:
        return False
    return not before or before[-1] in ".!?:;“\"‘'(—–"


def cue(p: Passage, cued: dict[str, tuple[str, str]]) -> None:
    """Add the capitalised names with person cues in one prose passage to `cued` (key -> (name, where)), the
    first place each key is cued kept. A reference list or a caption names authors and buildings, not who the
    reading speaks of ("McPhee, Peter Review of ...", "Peter and Paul Fortress"): it cues nothing."""
    if not p.prose:
        return
    text = p.text
    # most passages quote no one: skip the two costly "said" patterns (a substring test, in C, is a third of the
    # cost of a regex search for the words; a word inside another, "unsaid", only costs those patterns' search)
    said = any(map(text.__contains__, _SAID_WORDS))
    for rx in (_TITLE_CUE, _SAID_CUE, _SAID_AFTER, _GIVEN_CUE) if said else (_TITLE_CUE, _GIVEN_CUE):
        for m in rx.finditer(text):
            name = m.group(1).strip()
            words = name.split()
            if rx is not _TITLE_CUE and (words[0] in _ARTICLES or _A_THING_BEFORE.search(
                    text, max(0, m.start() - 24), m.start())):
                continue  # "the Assembly declared", "the battleship Potemkin declared" (but "the Grand Duke ...")
            while words and words[0] in _NOT_NAMES:
                words = words[1:]
            if not words or words[-1] in _NOT_NAMES or words[-1] in _NOT_PERSON_ENDS \
                    or words[-1] in GIVEN_NAMES and len(words) == 1:
                continue
            name = " ".join(words)
            key = name_key(words[-1])
            if len(key) < 3 or key in cued:
                continue
            cued[key] = (name, p.loc)


_ARTICLES = frozenset("The A An".split())
# what stands right before a thing's name, never a person's (after a title it may: "the Grand Duke Sergei"): an
# article ("the Female Citizen replied", "the Stukas claimed"), a vessel ("the battleship Potemkin declared")
_A_THING_BEFORE = re.compile(r"\b(?:[Tt]he|[Aa]n?|battleship|cruiser|warship|gunboat|steamer|ship|yacht)"
                             r"[\s‘“'\"(]*$")
# a cued name's last word that makes it a building, a body or a firm ("Peter and Paul Cathedral", "the Raisa
# Gorbachev Foundation", "Peter Bedrick Books")
_NOT_PERSON_ENDS = frozenset(
    "Assembly Foundation Cathedral Fortress Church Monastery Abbey Institute University Academy Museum Society "
    "League Bank Company Books Press Review Journal Prize Bridge Station Prospekt Avenue Boulevard Embankment "
    "Island Islands Canal Theatre Theater Hospital College Library Archive Archives Fund Ministry Tribunal "
    "Convention Parliament Senate Fleet Regiment Division Corps Brigade Battalion Mausoleum Prison Factory "
    "Foreign Affairs End Citizen Citizens".split())


def _cue_counts(cued: dict[str, tuple[str, str]], token_counts: Counter[str]) -> dict[str, tuple[int, bool]]:
    """Each cued name's key (see cue) -> (how often a word with that key is written with a capital, whether
    one is also written in lower case somewhere: "house", "staff" are words, not names)."""
    if not cued:  # no name with a person cue: no word need be folded to its key
        return {}
    counts: Counter[str] = Counter()
    common: set[str] = set()
    for tok, n in token_counts.items():
        k = _key(tok)
        if k in cued:
            if tok[:1].isupper():
                counts[k] += n
            elif tok.islower():
                common.add(k)
    return {k: (counts[k], k in common) for k in cued}


def candidates_of(cued: dict[str, tuple[str, str]], counts: dict[str, tuple[int, bool]],
                  matcher: Matcher) -> dict[str, tuple[str, int, str]]:
    """Capitalised names with person cues (`cued`, see cue), recurring in the reading (`counts`, see
    _cue_counts), that the pack cannot resolve."""
    out = {}
    for key, (name, loc) in cued.items():
        n, common = counts.get(key, (0, False))
        if n < MIN_CANDIDATE_MENTIONS or (common and len(name.split()) == 1):
            continue
        if is_place(name) or _people_of_a_place(name):
            continue  # "Central Asia, argued": a place; "Comrade Kronstadters": the people of one
        res = matcher.resolve(name, {"person"})
        if res.match or res.choices or any(kind != "given" for _, kind in matcher.exact(key)):
            continue  # the pack knows this person (or several by that name)
        out[key] = (name, n, loc)
    return out


def _people_of_a_place(name: str) -> bool:
    """Whether a one-word name is the people of a place ("Kronstadters", "Parisians")."""
    return " " not in name and any(name.endswith(end) and is_place(name[:-len(end)])
                                   for end in ("ers", "ites", "ians"))
