"""Lookups: /who, /what, /when, /search, /sources (/timeline: bot/services/timeline.py). Index -> neutral Reply, never a wrong match."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # annotations only: `clio ask` reads the database without importing sqlite-utils
    import sqlite_utils

from bot import name_cache, store
from bot.dates import CalendarRule, HistDate
from bot.errors import BadInput
from bot.names import (MAX_CHOICES, PATRONYMIC, Candidate, Matcher, Resolution, Scored, canonical_given, is_title,
                       name_key, name_words, ordinals, pack_surname, query_words, strip_titles)
from bot.names import Prominence as Ranking
from bot.places import is_dynasty, is_place
from bot.response import Button, Citation, Field, Match, Reply
from bot.services.ask import Asker, key_words, slash_question
from bot.services.readnames import name_usage, reading_person
from bot.storage.readings import Readings, SqliteReadings
from bot.services.prominence import Prominence, place_names
from bot.services.related import related as related_entries
from bot.text import counted, echo, excerpt, excerpt_at, first_sentence
from bot.citing import by

TYPE_WORDS = {"person": "person", "term": "term", "event": "event"}
COMMAND_FOR_TYPE = {"person": "who", "term": "what", "event": "when"}
MAX_SEARCH_RESULTS = 10
MAX_ALIASES_SHOWN = 10
CARD_PASSAGES = 3  # "According to ..." passages on a card; "More passages" pages the rest
PASSAGES_PAGE = 4  # passages a "/passages" page shows
MAX_PASSAGES_PER_READING = 3
MAX_PASSAGES = 24  # passages "More passages" reaches in all
_FROM = re.compile(r"(.+?)\s+from\s+(-?\d{1,4})", re.IGNORECASE)
MAX_EVERYONE = 25  # "/who all NAME" lists at most this many (a Discord message holds 25 buttons)
_EVERYONE = re.compile(r"all\s+(\S.*)", re.IGNORECASE | re.DOTALL)


def life_date(date: str, rule: CalendarRule) -> str:
    """A birth or death date in a card's title. The pack keeps them in New Style; one from years the pack
    shows in Old Style says so ("22 Apr 1870 N.S."), and "when was X born" gives both calendars."""
    d = HistDate.parse(date, "gregorian")
    return f"{d.plain()} N.S." if d.precise and d.in_julian_era(rule) else d.plain()


T = TypeVar("T")


class Lookup:
    """Answers lookups from the index; the matcher is built once from every name in it."""

    def __init__(self, db: sqlite_utils.Database, packs: tuple[str, ...] | None = None,
                 readings: Readings | None = None, away: bool = False):
        """`away`: this Lookup is another one's view of the packs it does not read (`_elsewhere`), asked only
        whether it has a name; it has no elsewhere of its own."""
        self.db = db
        self.away = away
        self.readings = readings or SqliteReadings(db)  # the readings' passages: what /search and "what they say" read
        self.packs = packs  # the packs it answers from (a workspace's choice); None: every indexed pack
        self.rule = store.calendar_rule(db, packs)  # how the packs show their dates
        self.places = frozenset(place_names(db))  # the pack's own places, besides bot.places' list
        built = []

        def build() -> Matcher:
            built.append(True)
            return self._build_matcher(db, packs)

        self.matcher = name_cache.load(db, build,  # stored keys when current
                                       scope=",".join(packs) if packs is not None else "", places=self.places)
        if built and not away:  # a new index: the other packs' keys are stored now too, not on a later lookup
            self._elsewhere()  # (a warm `clio ask` that finds nothing reads them without building anything)
        self.prominence = Prominence(db, self.readings)

    @staticmethod
    def _build_matcher(db: sqlite_utils.Database, packs: tuple[str, ...] | None = None) -> Matcher:
        matcher = Matcher()
        for row in store.all_names(db, packs):
            matcher.add(Candidate(row.id, row.name, row.type), row.names, person=row.type == "person")
        return matcher

    # --- helpers -------------------------------------------------------------------------------------

    def kept(self, key: str, make: Callable[[], T]) -> T:
        """What `make` gives, made once for this Lookup and kept on it: what the questions read of its packs
        (events, roles, summaries), since their helpers (bot.services.ask.Asker and its parts) live for one call."""
        if key not in self.__dict__:
            self.__dict__[key] = make()
        return self.__dict__[key]

    def citations(self, entity_id: str) -> list[Citation]:
        return [Citation(c["reading_id"], c["title"], c["author"], c["loc"]) for c in store.citations(self.db, entity_id)]

    @staticmethod
    def _match(s: Scored) -> Match:
        return Match(s.candidate.id, s.candidate.name, s.candidate.type, round(s.score, 1))

    # --- lookups -------------------------------------------------------------------------------------

    def lookup(self, query: str, etype: str, workspace: str = store.SHARED) -> Reply:
        """Resolve `query` among entries of `etype` and answer with a card, choices, or suggestions.

        Choices come likeliest first (prominence in the pack and the workspace's readings), at most
        MAX_CHOICES with the command that lists them all: `/who all NAME`."""
        query, everyone = self._everyone(query)
        asker = Asker(self)  # one for the whole lookup: what it reads of the pack is read once
        if not everyone:
            asked, query = self._asked(query, etype, workspace, asker)
            if asked is not None:
                return asked  # "/when did Stalin die", "/what is a soviet": the question, not a name
        rank = self.prominence.for_workspace(workspace)
        if etype == "person" and self._is_place(query):
            return self._place(query, rank)
        res = self.matcher.resolve(query, {etype}, prominence=rank)
        if res.match:
            return self.card(res.match.candidate.id, match=self._match(res.match), workspace=workspace)
        if etype == "person" and not everyone and (kin := asker.kin.relation(query, workspace)) is not None:
            return kin  # "/who Lenin's wife": Krupskaya, not a name to look up
        if etype == "event" and not everyone and (life := asker.life_date(query, workspace)) is not None:
            return life  # "Lenin's birth": his date, not an event holding "birth" ("Birth of the Gulag")
        if etype == "event" and not everyone and (other_kind := self._not_an_event(query, res, workspace, asker)) is not None:
            return other_kind  # "/when Stalin": his dates and events, not events that share a word with his name
        by_words = asker.events_by_words(query, workspace) if etype == "event" and not everyone else None
        if by_words is not None and by_words.kind == "lookup":  # "Lena goldfields": one event holds those words
            return by_words
        if res.choices:
            return self._choices(query, res, etype, everyone=everyone)
        if by_words is not None:
            return by_words
        if etype == "person" and ordinals(query_words(query)):
            return self._no_such_number(query)
        other = self.matcher.resolve(query)
        if other.match is not None and other.match.candidate.type != etype:  # "/who Pravda": a newspaper
            return self._not_found(query, res, etype, other)
        away = self._in_another_pack(query, etype)
        if etype == "person":
            unknown = self._from_readings_only(query, workspace)
            if unknown:
                if away:
                    unknown.body += f"\n\n{away}"
                return unknown
        reply = self._not_found(query, res, etype, other)
        if away:  # "/who Robespierre" in a group reading the Russian pack alone: a pack it does not read has him
            reply.title = reply.title.removesuffix(" in this pack") + " in this group's packs"
            reply.body = away if not reply.suggestions else f"{reply.body}\n\n{away}"
        return reply

    def _asked(self, query: str, etype: str, workspace: str, asker: Asker) -> tuple[Reply | None, str]:
        """The answer to a question typed after /who, /what or /when, when the argument reads as one and is no
        entry's name ("/who was Lenin's wife" is the question "who was Lenin's wife"), and what to look up when
        no pattern answers it: the argument, less a first auxiliary ("/who was X": X)."""
        command = COMMAND_FOR_TYPE.get(etype, "")
        question = slash_question(command, query)
        if question is None or self.matcher.exact(name_key(query)):
            return None, query
        first, *more = query.split(maxsplit=1)
        rest = more[0] if more else ""
        if not rest:  # "/what is", "/when did": the question's first word and nothing after it
            word = echo(query, 20)
            raise BadInput(f"Say what “/{command} {word}” asks about: /{command} {word} {_ASKED_ABOUT.get(command, 'NAME')}")
        answer = asker.answer(question, workspace)
        return answer, rest if answer is None and first.lower() in _AUXILIARIES else query

    def _not_an_event(self, query: str, res: Resolution, workspace: str, asker: Asker) -> Reply | None:
        """/when of a person's or a term's own name ("/when Stalin", "/when the Terror"), when no event has it:
        not a choice of events that share a word with it ("/when Vladimir Lenin" offered the death of Vladimir
        Vysotsky, "/when Right Opposition" a declaration of rights). A person gets their dates and the events
        the pack ties to them; a term the events whose names hold every word of it, or None when one event does
        (its card answers: "/when Kronstadt"). None when the query names no entry of another kind for sure."""
        s = self.matcher.resolve(query).match
        if s is None or s.candidate.type == "event" or s.kind not in ("name", "alias", "surname"):
            return None
        name, cmd = s.candidate.name, COMMAND_FOR_TYPE[s.candidate.type]
        entry = store.entity(self.db, s.candidate.id)
        if entry is None:
            return None

        def pointer() -> Reply:  # "It looks like the person ...: try /who ..."
            return self._not_found(query, res, "event", Resolution(match=s))
        if s.candidate.type == "person":
            from bot.services import timeline  # the timeline module imports this one

            dates = "; ".join(f"{word} {life_date(entry[word], self.rule)}" for word in ("born", "died") if entry[word])
            reply = timeline.of_person(self, entry, lead=f"{name} is a person, not an event"
                                                         f"{f' ({dates})' if dates else ''}. "
                                                         f"The events the pack ties to {name}:")
            if reply is None:
                return pointer()
            reply.buttons.insert(0, Button(name, cmd, name))
            reply.suggestions = [self._match(s)]
            return reply
        events = asker.events_holding(query, workspace)
        if len(events) == 1:
            return None
        if not events:
            return pointer()
        reply = asker.choose_events(events, query)
        reply.title = f"“{echo(query)}” is the {TYPE_WORDS[s.candidate.type]} {name}, not one event: which event?"
        reply.body = f"/{cmd} {name} tells of it. The events that name it:\n{reply.body}"
        reply.buttons.insert(0, Button(name, cmd, name))
        return reply

    def _in_another_pack(self, query: str, etype: str) -> str | None:
        """Where a pack this workspace does not read has an entry `query` names for sure, what to tell the
        group: that pack, the entry, and how its admins add the pack. Each group sees its own packs' entries
        only (issue 22), so the entry itself is not shown."""
        away = self._elsewhere()
        res = away.matcher.resolve(query, {etype}) if away is not None else None
        if res is None or res.match is None:
            return None
        entity = store.entity(self.db, res.match.candidate.id)
        if entity is None:
            return None
        title = store.indexed_packs(self.db).get(entity["pack"], {}).get("title") or entity["pack"]
        return (f"Another pack here, “{title}”, has {entity['name']}; this group does not read it. Its admins can "
                f"add it with /pack use {' '.join((*(self.packs or ()), entity['pack']))}.")

    def _elsewhere(self) -> Lookup | None:
        """The Lookup over the indexed packs outside this one's (None when there are none), made when first
        asked: where a name these packs lack may be. On this Lookup's connection (a worker's copy rebinds it)."""
        if "_away" not in self.__dict__:
            others = () if self.packs is None or self.away else tuple(
                p for p in store.indexed_packs(self.db) if p not in self.packs)
            self.__dict__["_away"] = Lookup(self.db, packs=others, readings=self.readings, away=True) if others else None
        return self.__dict__["_away"]

    def _everyone(self, query: str) -> tuple[str, bool]:
        """("Alexander", True) for "all Alexander" (list everyone it could mean), unless "all ..." is itself
        a name in the index; else (query, False)."""
        m = _EVERYONE.fullmatch(query.strip())
        if m and not self.matcher.exact(name_key(query)):
            return m.group(1).strip(), True
        return query, False

    def _is_place(self, query: str) -> bool:
        """A country, nationality, region, city or dynasty word (bot.places, plus the pack's places), unless
        the pack gives it as a person's own name or alias."""
        if not is_place(query, self.places):
            return False
        return not any(c.type == "person" and kind in ("name", "alias") for c, kind in self.matcher.exact(name_key(query)))

    def _place(self, query: str, rank: Ranking) -> Reply:
        """/who of a place word: never a person. A dynasty lists the pack's members; a place the pack has
        points to /what; any other place to /search."""
        if is_dynasty(query):
            key = name_key(query).removeprefix("the ")
            forms = {key, key.removesuffix("s"), key + "a", key.removesuffix("s") + "a"}
            members = self.matcher.bearers(forms, {"person"})
            if members:
                weight = rank([c.id for c in members])
                members.sort(key=lambda c: (-weight.get(c.id, 0.0), c.name))
                scored = [Scored(c, 100.0, key, "alias") for c in members]
                res = Resolution(choices=scored[:MAX_CHOICES], more=scored[MAX_CHOICES:])
                return self._choices(query, res, "person", title=f"“{echo(query)}” is a dynasty, not one person: "
                                                                    "which one do you mean?")
        term = self.matcher.resolve(query, {"term"})
        if term.match:
            s = term.match
            return Reply(
                ok=False, kind="not_found", exit_code=1, title=f"“{echo(query)}” is a place, not a person",
                body=f"It looks like the {TYPE_WORDS['term']} {s.candidate.name}: try /what {s.candidate.name}",
                buttons=[Button(s.candidate.name, "what", s.candidate.name)], suggestions=[self._match(s)],
            )
        near = self.matcher.resolve(query, {"person"}).match  # "Luxembourg" for Rosa Luxemburg
        what = "a dynasty" if is_dynasty(query) else "a place or a nationality"
        body = f"Clio's /who answers with people. To find who is connected with it, try /search {echo(query)}."
        if near:
            body = f"Did you mean {near.candidate.name}? " + body
        return Reply(
            ok=False, kind="not_found", exit_code=1, title=f"“{echo(query)}” is {what}, not a person", body=body,
            buttons=[Button(near.candidate.name, "who", near.candidate.name)] if near else [],
            suggestions=[self._match(near)] if near else [],
        )

    def _no_such_number(self, query: str) -> Reply:
        """"Nicholas I" when the pack has only Nicholas II: say so, and name the others as other people."""
        words = query_words(query)
        numbers = ordinals(words)
        base = " ".join(w for i, w in enumerate(words) if not (w in numbers and i > 0))
        near = self.matcher.resolve(base, {"person"})
        others = [s.candidate.name for s in ([near.match] if near.match else near.everyone)
                  if ordinals(name_words(s.candidate.name))]
        body = "Try another spelling, or /search for a word in the summaries."
        if others:
            body = f"The pack has {', '.join(others)}: {'a different person' if len(others) == 1 else 'different people'}."
        return Reply(ok=False, kind="not_found", exit_code=1, title=f"No one called “{echo(query)}” in this pack",
                     body=body)

    def _from_readings_only(self, query: str, workspace: str) -> Reply | None:
        """A person the pack lacks but the group's readings keep naming: answer from those passages."""
        words = strip_titles(name_words(query))
        if not words or len(words) == 1 and PATRONYMIC.search(words[0]):
            return None  # a father's name alone ("Mikhailovich") is several people's
        cand = self.readings.candidate(words[-1], workspace)
        if cand is not None and PATRONYMIC.search(words[-1]) and not set(name_words(cand["name"])) <= set(words):
            cand = None  # "Mikhailovich" is Sergei's, Nikolai's and George's: only the name in full is one of them
        if cand is None:
            cand = self._named_often(query, workspace)
        if cand is None:
            return None
        rows = self.readings.search(cand["name"], workspace, limit=40, prose_only=True)
        if PATRONYMIC.search(name_key(cand["name"].split()[-1])):
            # known by first name and patronymic ("Sergei Mikhailovich"): a passage naming a brother beside
            # someone else's first name is not about them, and the count made for the patronymic is the brothers'
            whole = re.compile(rf"(?<![\w-]){re.escape(cand['name'])}(?![\w-])")
            rows = [r for r in rows if whole.search(r["text"])]
            cand = {**cand, "mentions": sum(len(whole.findall(r["text"])) for r in rows), "as_written": cand["name"]}
            from bot.ingest.link import MIN_CANDIDATE_MENTIONS  # the linking module only when it is needed

            if cand["mentions"] < MIN_CANDIDATE_MENTIONS:
                return None
        rows = store.best_per_source(rows, 2)
        if not rows:
            return None
        return Reply(
            ok=True, kind="lookup", title=f"{cand['name']} (not in the pack yet)",
            body=f"The pack has no entry for {cand['name']}; the group's readings name "
                 f"{cand.get('as_written', cand['name'])} {counted(cand['mentions'], 'time')}, and this is what they "
                 "say.",
            fields=[Field(f"According to {_who_wrote(r)}", f"{excerpt(r['text'])} ({r['loc']})") for r in rows],
            citations=[Citation(r["source_id"], r["title"], r["author"], r["loc"]) for r in rows],
        )

    def _named_often(self, query: str, workspace: str) -> dict | None:
        """A name the readings write with a capital at least READINGS_NAME_MIN times and never in lower case
        ("Robespierre" in readings on France): {"name", "mentions"}, the name in its commonest longer form
        ("Maximilien Robespierre") when the readings use one. None for a word, a place or a rare name (fewer
        than READINGS_NAME_MIN mentions)."""
        words = [w for w in query.split() if w]
        if not 1 <= len(words) <= 3 or not all(re.fullmatch(r"[^\W\d_][\w'’.-]*", w) for w in words):
            return None
        if is_place(query) or is_dynasty(query) or len(query.replace(" ", "")) < 3:
            return None
        rows = self.readings.search(query, workspace, limit=200, prose_only=True)
        # its last word judged as the readings' people are for quizzes and drafts: no month, no "Marxism", no
        # first name mostly before a surname ("Jacques"), no "Russia's", no word mostly after "the" or "in"
        surname = words[-1][:1].upper() + words[-1][1:]
        person = reading_person(rows, surname)
        if person is None:
            return None
        if len(words) == 1:
            return {"name": person.name, "mentions": person.mentions, "as_written": surname}
        usage = name_usage([r["text"] for r in rows], words)
        if not usage.is_name:
            return None
        name = usage.fuller or " ".join(w[:1].upper() + w[1:] for w in words)
        return {"name": name, "mentions": usage.upper, "as_written": " ".join(words)}

    def passage_rows(self, entity_id: str, workspace: str) -> list[dict]:
        """Every passage the card and "More passages" show for an entry, in the order they are shown: each
        reading's best passage first (readings in order of how much they say), then each reading's next best."""
        rows = self.readings.entity_passages(entity_id, workspace, per_source=MAX_PASSAGES_PER_READING,
                                     limit=MAX_PASSAGES * MAX_PASSAGES_PER_READING)
        rank: dict[str, int] = {}
        order = []
        for i, r in enumerate(rows):
            nth = rank[r["source_id"]] = rank.get(r["source_id"], -1) + 1
            order.append((nth, i, r))
        return [r for _, _, r in sorted(order, key=lambda t: (t[0], t[1]))][:MAX_PASSAGES]  # every reading first

    @staticmethod
    def passage_fields(rows: list[dict], entry: dict | None = None) -> tuple[list[Field], list[Citation]]:
        """Passages as "According to AUTHOR, TITLE" fields, with the citations they add; each cut to show where
        it names `entry` (an entity row: its names, aliases and, for a person, surname)."""
        forms = _forms(entry) if entry else []
        fields = [Field(f"According to {_who_wrote(r)}" + (f", {r['title']}" if _who_wrote(r) == r["author"] else ""),
                        f"{excerpt_at(r['text'], forms)} ({r['loc']})") for r in rows]
        return fields, [Citation(r["source_id"], r["title"], r["author"], r["loc"]) for r in rows]

    @staticmethod
    def _card_passages(rows: list[dict]) -> list[dict]:
        seen: set[str] = set()
        first = []
        for r in rows:
            if r["source_id"] not in seen:
                seen.add(r["source_id"])
                first.append(r)
        return first[:CARD_PASSAGES]

    def card(self, entity_id: str, match: Match | None = None, workspace: str = store.SHARED) -> Reply:
        """An entry's card, one message on every platform: the summary first, a few short facts, at most
        CARD_PASSAGES passages from the readings, and buttons for the entries the pack ties closest to it and
        for the rest of the passages; its sources in one line."""
        e = store.entity(self.db, entity_id)
        if e is None:
            raise BadInput("That entry is no longer in the index.")
        fields: list[Field] = []
        title = e["name"]
        if e["type"] == "person":
            life = "–".join(life_date(d, self.rule) if d else "?" for d in (e["born"], e["died"]))
            title = f"{e['name']} ({life})" if e["born"] or e["died"] else e["name"]
            if e["full_name"] and e["full_name"] != e["name"]:
                fields.append(Field("Full name", e["full_name"]))
            if e["roles"]:
                fields.append(Field("Roles", "; ".join(e["roles"])))
        elif e["type"] == "term":
            fields.append(Field("Kind", e["kind"], inline=True))
        else:
            when = HistDate.parse(e["date"], e["calendar"])
            span = when.display(self.rule)
            if e["end_date"]:
                span += " – " + HistDate.parse(e["end_date"], e["calendar"]).display(self.rule)
            fields.append(Field("Date", span))
            if e["people"]:
                people = store.names_of(self.db, e["people"])
                fields.append(Field("People", ", ".join(people[p]["name"] for p in e["people"] if p in people)))
        if e.get("disambiguation"):  # the pack's note on a namesake: which one this entry is
            fields.append(Field("Which one", e["disambiguation"]))
        titles = [a for a in e["aliases"] if is_title(a)]
        if titles:
            fields.append(Field("Titles", ", ".join(titles)))
        aliases = _other_spellings_out([a for a in e["aliases"] if a != e["full_name"] and not is_title(a)], e["name"])
        if aliases:
            shown = aliases[:MAX_ALIASES_SHOWN]
            more = f" (+{len(aliases) - len(shown)} more)" if len(aliases) > len(shown) else ""
            fields.append(Field("Also known as", ", ".join(shown) + more))
        cites = self.citations(entity_id)
        rows = self.passage_rows(entity_id, workspace)
        shown_rows = self._card_passages(rows)
        passage_fields, passage_cites = self.passage_fields(shown_rows, e)
        fields.extend(passage_fields)
        cites.extend(passage_cites)
        buttons = [Button(r.name, COMMAND_FOR_TYPE[r.type], r.name) for r in related_entries(self.db, entity_id)]
        if len(rows) > len(shown_rows):
            buttons.append(Button(f"More passages ({len(rows) - len(shown_rows)})", "passages",
                                  f"{entity_id} from {len(shown_rows) + 1}"))
        return Reply(ok=True, kind="lookup", title=title, body=e["summary"], fields=fields, citations=cites,
                     buttons=buttons, match=match or Match(e["id"], e["name"], e["type"], 100.0))

    def passages(self, arg: str, workspace: str = store.SHARED) -> Reply:
        """"/passages NAME [from N]": the readings' passages on an entry, PASSAGES_PAGE at a time from the Nth,
        with a button for the next ones (what a card's "More passages" runs)."""
        m = _FROM.fullmatch(arg.strip())
        name, start = (m.group(1).strip(), int(m.group(2))) if m else (arg.strip(), 1)
        if start < 1:
            raise BadInput("Passages are counted from 1: /passages Lenin from 4")
        entity_id = name if store.entity(self.db, name) is not None else None
        if entity_id is None:
            res = self.matcher.resolve(name)
            if not res.match:
                near = res.choices or res.suggestions
                return Reply(
                    ok=False, kind="not_found" if not res.choices else "choices", exit_code=0 if res.choices else 1,
                    title=(f"Which one do you mean by “{echo(name)}”?" if res.choices
                           else f"Nothing called “{echo(name)}” in this pack"),
                    body="" if near else "Try another spelling, or /search for a word in the summaries.",
                    buttons=[Button(s.candidate.name, "passages", s.candidate.id) for s in near],
                    suggestions=[self._match(s) for s in near])
            entity_id = res.match.candidate.id
        e = store.entity(self.db, entity_id)
        assert e is not None
        rows = self.passage_rows(entity_id, workspace)
        if not rows:
            return Reply(ok=False, kind="not_found", exit_code=1, title=f"No reading discusses {e['name']} yet",
                         body="Ingest the group's readings (clio ingest), or look it up: "
                              f"/{COMMAND_FOR_TYPE[e['type']]} {e['name']}")
        if start > len(rows):
            raise BadInput(f"The readings have {len(rows)} passages on {e['name']}: /passages {e['name']} "
                           f"from {max(1, len(rows) - PASSAGES_PAGE + 1)}")
        page = rows[start - 1:start - 1 + PASSAGES_PAGE]
        last = start - 1 + len(page)
        fields, cites = self.passage_fields(page, e)
        buttons = [Button(e["name"], COMMAND_FOR_TYPE[e["type"]], e["name"])]
        if last < len(rows):
            buttons.insert(0, Button(f"More passages ({len(rows) - last})", "passages", f"{entity_id} from {last + 1}"))
        span = f"passage {start}" if start == last else f"passages {start}-{last}"
        return Reply(ok=True, kind="list", title=f"{e['name']} in the readings: {span} of {len(rows)}",
                     fields=fields, citations=cites, buttons=buttons,
                     match=Match(e["id"], e["name"], e["type"], 100.0))

    def _choices(self, query: str, res: Resolution, etype: str, *, everyone: bool = False,
                 title: str | None = None) -> Reply:
        """The people (or entries) a name could mean, likeliest first: the first MAX_CHOICES and the command
        that lists them all, or (everyone) all of them up to MAX_EVERYONE."""
        cmd = COMMAND_FOR_TYPE[etype]
        shown = res.everyone[:MAX_EVERYONE] if everyone else res.choices
        hidden = len(res.everyone) - len(shown)
        lines = []
        for s in shown:
            e = store.entity(self.db, s.candidate.id)
            hint = first_sentence(e["summary"], 140) if e else ""
            why = self._matched_as(s, e) if e else None
            lines.append(f"• {s.candidate.name}{f' ({why})' if why else ''}: {hint}")
        if hidden and everyone:
            lines.append(f"…and {hidden} more: add a word to the name to narrow it.")
        elif hidden:
            lines.append(f"…and {hidden} more. To see them all: /{cmd} all {echo(query)}")
        if title is None:
            title = (f"Everyone “{echo(query)}” could mean, likeliest first ({len(res.everyone)})" if everyone
                     else f"Which one do you mean by “{echo(query)}”?" if len(shown) > 1 or hidden
                     else f"Did you mean {shown[0].candidate.name} by “{echo(query)}”?")  # one: no "which one"
        return Reply(
            ok=True, kind="choices", title=title, body="\n".join(lines),
            buttons=[Button(s.candidate.name, cmd, s.candidate.name) for s in shown],
            suggestions=[self._match(s) for s in shown],
            citations=[c for s in shown for c in self.citations(s.candidate.id)[:1]],
        )

    @staticmethod
    def _matched_as(s: Scored, e: dict) -> str | None:
        """The other name a choice was found under, when its shown name lacks the words typed: "Leon Trotsky
        (Lev Davidovich Bronstein)" for "Bronstein"."""
        if s.kind == "title":
            return None

        def words(text: str) -> set[str]:
            ws = name_words(text)
            return set(ws) | {canonical_given(w) for w in ws}
        wanted = set(s.key.split())
        if wanted <= words(e["name"]):
            return None
        for other in [e["full_name"], *e["aliases"]]:
            if other and not is_title(other) and wanted <= words(other):
                return other
        return None

    def _not_found(self, query: str, res: Resolution, etype: str, other: Resolution | None = None) -> Reply:
        """No entry of `etype` is `query`: the entry of another kind it is (`other`: its resolution among every
        kind, when the caller has it), else suggestions."""
        other = other or self.matcher.resolve(query)
        if other.match and other.match.candidate.type != etype:
            s = other.match
            cmd = COMMAND_FOR_TYPE[s.candidate.type]
            return Reply(
                ok=False, kind="not_found", exit_code=1,
                title=f"“{echo(query)}” is not {'an' if etype == 'event' else 'a'} {TYPE_WORDS[etype]} in this pack",
                body=f"It looks like the {TYPE_WORDS[s.candidate.type]} {s.candidate.name}: try /{cmd} {s.candidate.name}",
                buttons=[Button(s.candidate.name, cmd, s.candidate.name)], suggestions=[self._match(s)],
            )
        sugg = res.suggestions
        if etype != "person" and other.suggestions and (not sugg or other.held and not res.held):
            sugg = other.suggestions  # "/what famine": no term holds the word, but events do

        def named(s: Scored) -> str:
            kind = s.candidate.type
            return s.candidate.name if kind == etype else f"{s.candidate.name} (/{COMMAND_FOR_TYPE[kind]})"

        body = ("Did you mean: " + ", ".join(map(named, sugg)) + "?") if sugg else \
            "Try another spelling, a surname, or /search for a word in the summaries."
        noun = "No one" if etype == "person" else "Nothing"
        return Reply(
            ok=False, kind="not_found", exit_code=1,
            title=f"{noun} called “{echo(query)}” in this pack", body=body,
            buttons=[Button(s.candidate.name, COMMAND_FOR_TYPE[s.candidate.type], s.candidate.name) for s in sugg],
            suggestions=[self._match(s) for s in sugg],
        )

    def ask(self, text: str, workspace: str = store.SHARED) -> Reply | None:
        """An everyday question ("when did Lenin die", "who shot Lenin"), or None when `text` is not one."""
        return Asker(self).answer(text, workspace)

    def search(self, text: str, workspace: str = store.SHARED) -> Reply:
        rows = store.search_entities(self.db, text, limit=MAX_SEARCH_RESULTS, packs=self.packs)
        passages = self.readings.search(text, workspace, limit=MAX_SEARCH_RESULTS)
        searched = text
        if not rows and not passages and (keys := key_words(text)) != text:
            # "what did Lenin think of the peasants": nothing holds every word of a question; its key words
            rows = store.search_entities(self.db, keys, limit=MAX_SEARCH_RESULTS, packs=self.packs)
            passages = self.readings.search(keys, workspace, limit=MAX_SEARCH_RESULTS)
            searched = keys
        if not rows and not passages:
            res = self.matcher.resolve(text)
            near = res.match and [res.match] or res.choices or res.suggestions
            body = ("Closest names: " + ", ".join(s.candidate.name for s in near)) if near else \
                "Try fewer or different words."
            return Reply(ok=False, kind="not_found", exit_code=1, title=f"Nothing mentions “{echo(text)}”",
                         body=body, suggestions=[self._match(s) for s in near])
        lines, cites = [], []
        for r in rows:
            lines.append(f"• {r['name']} ({r['type']}, /{COMMAND_FOR_TYPE[r['type']]}): {first_sentence(r['summary'], 140)}")
            cites.extend(self.citations(r["id"])[:1])
        # each passage around a word searched, as the index stems it ("executed" finds "execution")
        stems = [w[:max(4, len(w) - 3)] for w in re.findall(r"[^\W_]+", searched) if len(w) >= 3]
        fields = [Field(f"{by(r['author'], r['title'])} ({r['loc']})", excerpt_at(r["text"], stems, stems=True))
                  for r in passages[:5]]
        cites.extend(Citation(r["source_id"], r["title"], r["author"], r["loc"]) for r in passages[:5])
        said = "" if searched == text else f"Nothing holds every word of “{echo(text)}”; these hold its key words.\n\n"
        return Reply(ok=True, kind="list", title=f"{len(rows) + len(passages)} result(s) for “{echo(searched)}”",
                     body=(said + "\n".join(lines)).strip(), fields=fields, citations=cites)

    def year_hint(self) -> str:
        """"/timeline 1917 or /timeline 1917-1918" with the first and last years of the packs' events."""
        spans = [i["years"] for p, i in store.indexed_packs(self.db).items()
                 if i.get("years") and (self.packs is None or p in self.packs)]
        if not spans:
            return "/timeline YEAR or /timeline YEAR-YEAR"
        first, last = spans[0]
        return f"/timeline {first} or /timeline {first}-{max(last, first + 1)}"

    def covers(self) -> str:
        """What years the packs' events span, for a timeline that found nothing: "The pack covers 1789–1799"."""
        info = store.indexed_packs(self.db)
        spans = [(i.get("title") or p, i["years"]) for p, i in info.items()
                 if i.get("years") and (self.packs is None or p in self.packs)]
        if not spans:
            return "The pack has no dated events."
        if len(spans) == 1:
            return f"The pack covers {spans[0][1][0]}–{spans[0][1][1]}; try a year in that span."
        return "The packs cover " + "; ".join(f"{y[0]}–{y[1]} ({t})" for t, y in spans) + "; try a year in one of them."

    def sources(self, workspace: str = store.SHARED) -> Reply:
        rows = store.readings(self.db, self.packs)
        lines = [f"• {r['author']}, “{r['title']}”" + (f" ({r['year']})" if r["year"] else "")
                 + f": cited by {counted(r['entries'], 'pack entry', 'pack entries')}" for r in rows]
        cites = [Citation(r["id"], r["title"], r["author"]) for r in rows]
        ingested = self.readings.sources(workspace)
        if ingested:
            lines.append("")
            lines.append("Readings indexed for searching:")
            lines.extend(f"• {s['title']} ({s['author']}): {s['passages']} passages, {s['bytes'] / 1e3:,.0f} kB, "
                         f"added {s['added_at'][:10]}" + (" — this group only" if s["workspace"] != store.SHARED else "")
                         for s in ingested)
            cites.extend(Citation(s["id"], s["title"], s["author"]) for s in ingested)
        return Reply(ok=True, kind="list", title=f"{len(rows) + len(ingested)} readings", body="\n".join(lines),
                     citations=cites)

    def compare(self, topic: str, workspace: str) -> Reply:
        """Each reading's passages on a topic, side by side, so a group sees whose account is whose."""
        res = self.matcher.resolve(topic)
        if res.match:
            name = res.match.candidate.name
            rows = self.readings.entity_passages(res.match.candidate.id, workspace, per_source=2, limit=10)
            entry = store.entity(self.db, res.match.candidate.id)
            forms = _forms(entry) if entry else [name]
        else:
            name = topic
            rows = store.best_per_source(self.readings.search(topic, workspace, limit=60, prose_only=True), 2)
            forms = [topic]
        if not rows:
            parts = [p.strip() for p in _TWO_TOPICS.split(topic, maxsplit=1)]
            if len(parts) == 2 and all(parts):  # "Kronstadt and Tambov": two topics, each its own /compare
                return Reply(ok=False, kind="not_found", exit_code=1,
                             title=f"No reading discusses “{echo(name)}” as one topic",
                             body=f"/compare sets each reading's account of one topic side by side: try "
                                  f"/compare {echo(parts[0], 80)}, then /compare {echo(parts[1], 80)}.",
                             buttons=[Button(echo(p, 80), "compare", echo(p, 200)) for p in parts])
            return Reply(ok=False, kind="not_found", exit_code=1, title=f"No reading discusses “{echo(name)}”",
                         body="Ingest the group's readings (clio ingest), or try another topic.")
        by_source: dict[str, list[dict]] = {}
        for r in rows:
            by_source.setdefault(by(r['author'], r['title']), []).append(r)
        fields = [Field(src, "\n".join(f"{excerpt_at(r['text'], forms, 300)} ({r['loc']})" for r in rs))
                  for src, rs in by_source.items()]
        return Reply(ok=True, kind="list", title=f"The readings on {echo(name)}",
                     body=f"{len(by_source)} reading(s) side by side; where their figures differ, each is its author's account.",
                     fields=fields, citations=[Citation(r["source_id"], r["title"], r["author"], r["loc"]) for r in rows])


_ASKED_ABOUT = {"who": "NAME", "what": "TERM", "when": "EVENT"}
_TWO_TOPICS = re.compile(r"\s+(?:and|vs\.?|versus|with|&)\s+", re.IGNORECASE)  # "/compare X and Y"
_AUXILIARIES = frozenset("is was were are did does do".split())


def _forms(entry: dict) -> list[str]:
    """How a passage may name an entry: its name, full name and aliases, and a person's surname."""
    forms = [entry["name"], entry.get("full_name") or "", *(entry.get("aliases") or [])]
    if entry.get("type") == "person" and (surname := pack_surname(entry["name"])):
        forms.append(surname[1])
    return [f for f in forms if f]


def _who_wrote(row: dict) -> str:
    """How a passage's reading is named in "According to ...": its author, else its title."""
    author = (row.get("author") or "").strip()
    return author if author and author.lower() != "unknown" else f"“{row['title']}”"


def _other_spellings_out(names: list[str], name: str) -> list[str]:
    """`names` less those that differ from `name`, or from one kept before them, only in capitals and accents
    ("Emigres" and "émigrés" beside "Émigrés", which a pack gives so that linking and lookups know them): a card
    lists an entry's other names, not other spellings of one."""
    def folded(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()

    seen, kept = {folded(name)}, []
    for n in names:
        if (f := folded(n)) not in seen:
            seen.add(f)
            kept.append(n)
    return kept
