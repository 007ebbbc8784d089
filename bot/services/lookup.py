"""Lookups: /who, /what, /when, /search, /timeline, /sources. Index -> neutral Reply, never a wrong match."""

from __future__ import annotations

import re

import sqlite_utils

from bot import store
from bot.dates import HistDate
from bot.errors import BadInput
from bot.names import Candidate, Matcher, Resolution, Scored, name_words, strip_titles
from bot.response import Button, Citation, Field, Match, Reply
from bot.text import echo, excerpt, first_sentence

TYPE_WORDS = {"person": "person", "term": "term", "event": "event"}
COMMAND_FOR_TYPE = {"person": "who", "term": "what", "event": "when"}
MAX_TIMELINE_LINES = 40
MAX_SEARCH_RESULTS = 10
MAX_ALIASES_SHOWN = 10
_YEAR_RANGE = re.compile(r"^(\d{3,4})(?:\s*(?:-|–|—|to|\.\.)\s*(\d{3,4}))?$")


class Lookup:
    """Answers lookups from the index; the matcher is built once from every name in it."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.matcher = Matcher()
        for row in store.all_names(db):
            self.matcher.add(Candidate(row.id, row.name, row.type), row.names, person=row.type == "person")

    # --- helpers -------------------------------------------------------------------------------------

    def citations(self, entity_id: str) -> list[Citation]:
        return [Citation(c["reading_id"], c["title"], c["author"], c["loc"]) for c in store.citations(self.db, entity_id)]

    @staticmethod
    def _match(s: Scored) -> Match:
        return Match(s.candidate.id, s.candidate.name, s.candidate.type, round(s.score, 1))

    # --- lookups -------------------------------------------------------------------------------------

    def lookup(self, query: str, etype: str, workspace: str = store.SHARED) -> Reply:
        """Resolve `query` among entries of `etype` and answer with a card, choices, or suggestions."""
        res = self.matcher.resolve(query, {etype})
        if res.match:
            return self.card(res.match.candidate.id, match=self._match(res.match), workspace=workspace)
        if res.choices:
            return self._choices(query, res, etype)
        if etype == "person":
            unknown = self._from_readings_only(query, workspace)
            if unknown:
                return unknown
        return self._not_found(query, res, etype)

    def _from_readings_only(self, query: str, workspace: str) -> Reply | None:
        """A person the pack lacks but the group's readings keep naming: answer from those passages."""
        words = strip_titles(name_words(query))
        cand = store.candidate(self.db, words[-1], workspace) if words else None
        if cand is None:
            return None
        rows = store.search_passages(self.db, cand["name"], workspace, limit=40).rows
        rows = store.best_per_source(rows, 2)
        if not rows:
            return None
        return Reply(
            ok=True, kind="lookup", title=f"{cand['name']} (not in the pack yet)",
            body=f"The readings name {cand['name']} {cand['mentions']} times; here is what they say.",
            fields=[Field(f"According to {r['author']}", f"{excerpt(r['text'])} ({r['loc']})") for r in rows],
            citations=[Citation(r["source_id"], r["title"], r["author"], r["loc"]) for r in rows],
        )

    def passages_field(self, entity_id: str, workspace: str) -> tuple[list[Field], list[Citation]]:
        """The best passage from each reading that mentions an entry, attributed to its reading."""
        rows = store.entity_passages(self.db, entity_id, workspace)
        fields = [Field(f"According to {r['author']}, {r['title']}", f"{excerpt(r['text'])} ({r['loc']})")
                  for r in rows]
        return fields, [Citation(r["source_id"], r["title"], r["author"], r["loc"]) for r in rows]

    def card(self, entity_id: str, match: Match | None = None, workspace: str = store.SHARED) -> Reply:
        e = store.entity(self.db, entity_id)
        if e is None:
            raise BadInput("That entry is no longer in the index.")
        fields: list[Field] = []
        title = e["name"]
        if e["type"] == "person":
            life = "–".join(HistDate.parse(d).plain() if d else "?" for d in (e["born"], e["died"]))
            title = f"{e['name']} ({life})" if e["born"] or e["died"] else e["name"]
            if e["full_name"] and e["full_name"] != e["name"]:
                fields.append(Field("Full name", e["full_name"]))
            if e["roles"]:
                fields.append(Field("Roles", "; ".join(e["roles"])))
        elif e["type"] == "term":
            fields.append(Field("Kind", e["kind"], inline=True))
        else:
            when = HistDate.parse(e["date"], e["calendar"])
            span = when.display()
            if e["end_date"]:
                span += " – " + HistDate.parse(e["end_date"], e["calendar"]).display()
            fields.append(Field("Date", span))
            if e["people"]:
                people = store.names_of(self.db, e["people"])
                fields.append(Field("People", ", ".join(people[p]["name"] for p in e["people"] if p in people)))
        aliases = [a for a in e["aliases"] if a != e["full_name"]]
        if aliases:
            shown = aliases[:MAX_ALIASES_SHOWN]
            more = f" (+{len(aliases) - len(shown)} more)" if len(aliases) > len(shown) else ""
            fields.append(Field("Also known as", ", ".join(shown) + more))
        related = store.names_of(self.db, store.related_ids(self.db, entity_id))
        if related:
            fields.append(Field("See also", ", ".join(
                f"{r['name']} (/{COMMAND_FOR_TYPE[r['type']]})" for r in sorted(related.values(), key=lambda r: r["name"]))))
        cites = self.citations(entity_id)
        passage_fields, passage_cites = self.passages_field(entity_id, workspace)
        fields.extend(passage_fields)
        cites.extend(passage_cites)
        return Reply(ok=True, kind="lookup", title=title, body=e["summary"], fields=fields, citations=cites,
                     match=match or Match(e["id"], e["name"], e["type"], 100.0))

    def _choices(self, query: str, res: Resolution, etype: str) -> Reply:
        cmd = COMMAND_FOR_TYPE[etype]
        lines = []
        for s in res.choices:
            e = store.entity(self.db, s.candidate.id)
            hint = first_sentence(e["summary"], 140) if e else ""
            lines.append(f"• {s.candidate.name}: {hint}")
        return Reply(
            ok=True, kind="choices", title=f"Which one do you mean by “{echo(query)}”?", body="\n".join(lines),
            buttons=[Button(s.candidate.name, cmd, s.candidate.name) for s in res.choices],
            suggestions=[self._match(s) for s in res.choices],
            citations=[c for s in res.choices for c in self.citations(s.candidate.id)[:1]],
        )

    def _not_found(self, query: str, res: Resolution, etype: str) -> Reply:
        other = self.matcher.resolve(query)
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
        body = ("Did you mean: " + ", ".join(s.candidate.name for s in sugg) + "?") if sugg else \
            "Try another spelling, a surname, or /search for a word in the summaries."
        noun = "No one" if etype == "person" else "Nothing"
        return Reply(
            ok=False, kind="not_found", exit_code=1,
            title=f"{noun} called “{echo(query)}” in this pack", body=body,
            buttons=[Button(s.candidate.name, COMMAND_FOR_TYPE[etype], s.candidate.name) for s in sugg],
            suggestions=[self._match(s) for s in sugg],
        )

    def search(self, text: str, workspace: str = store.SHARED) -> Reply:
        rows = store.search_entities(self.db, text, limit=MAX_SEARCH_RESULTS)
        hits = store.search_passages(self.db, text, workspace, limit=MAX_SEARCH_RESULTS)
        passages = hits.rows
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
        fields = [Field(f"{r['author']}, {r['title']} ({r['loc']})", excerpt(r["text"])) for r in passages[:5]]
        cites.extend(Citation(r["source_id"], r["title"], r["author"], r["loc"]) for r in passages[:5])
        if hits.sampled:
            lines.append(f"More than {store.SEARCH_RANK_CAP:,} passages match, so these are the best of the "
                         f"{store.SEARCH_RANK_CAP:,} most recently added. Add a word to narrow the search.")
        return Reply(ok=True, kind="list", title=f"{len(rows) + len(passages)} result(s) for “{echo(text)}”",
                     body="\n".join(lines), fields=fields, citations=cites)

    def timeline(self, arg: str) -> Reply:
        m = _YEAR_RANGE.match(arg.strip())
        if not m:
            raise BadInput("Give a year or a range of years: /timeline 1917 or /timeline 1917-1921")
        y1 = int(m.group(1))
        y2 = int(m.group(2) or y1)
        if y2 < y1:
            y1, y2 = y2, y1
        rows = store.events_in_years(self.db, y1, y2, limit=MAX_TIMELINE_LINES + 1)
        span = str(y1) if y1 == y2 else f"{y1}–{y2}"
        if not rows:
            return Reply(ok=False, kind="not_found", exit_code=1, title=f"No dated events in {span}",
                         body="The pack covers 1891–1991; try a year in that span.")
        more = ""
        if len(rows) > MAX_TIMELINE_LINES:
            rows = rows[:MAX_TIMELINE_LINES]
            more = "\n…and more: narrow the range to see them all."
        lines = [f"• {HistDate.parse(r['date'], r['calendar']).display()}: {r['name']}" for r in rows]
        cites = [c for r in rows for c in self.citations(r["id"])[:1]]
        return Reply(ok=True, kind="list", title=f"Timeline {span}", body="\n".join(lines) + more, citations=cites)

    def sources(self, workspace: str = store.SHARED) -> Reply:
        rows = store.readings(self.db)
        lines = [f"• {r['author']}, “{r['title']}”" + (f" ({r['year']})" if r["year"] else "")
                 + f": cited by {r['entries']} pack entries" for r in rows]
        cites = [Citation(r["id"], r["title"], r["author"]) for r in rows]
        ingested = store.sources(self.db, workspace)
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
            rows = store.entity_passages(self.db, res.match.candidate.id, workspace, per_source=2, limit=10)
        else:
            name = topic
            rows = store.best_per_source(store.search_passages(self.db, topic, workspace, limit=60).rows, 2)
        if not rows:
            return Reply(ok=False, kind="not_found", exit_code=1, title=f"No reading discusses “{echo(name)}”",
                         body="Ingest the group's readings (clio ingest), or try another topic.")
        by_source: dict[str, list[dict]] = {}
        for r in rows:
            by_source.setdefault(f"{r['author']}, {r['title']}", []).append(r)
        fields = [Field(src, "\n".join(f"{excerpt(r['text'], 300)} ({r['loc']})" for r in rs))
                  for src, rs in by_source.items()]
        return Reply(ok=True, kind="list", title=f"The readings on {echo(name)}",
                     body=f"{len(by_source)} reading(s) side by side; where their figures differ, each is its author's account.",
                     fields=fields, citations=[Citation(r["source_id"], r["title"], r["author"], r["loc"]) for r in rows])
