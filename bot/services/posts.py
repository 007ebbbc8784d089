"""Questions of posts, read from the roles the pack gives each person with their years ("General Secretary of the
Communist Party (1985-1991)") and from what their summaries call them: who held a post in a year, who came after
someone, when someone took a post, who was the first or last of one, who a role is."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from bot import store
from bot.names import is_title
from bot.response import Reply
from bot.services.phrase import content_words, in_a_row, led, post_words, stem
from bot.text import echo

if TYPE_CHECKING:
    from bot.services.ask import Asker

# a role's years: "(1894-1917)", "(1814-1815, 1815-1824)", "(June 1789)", "(from 1922)"
_ROLE_YEARS = re.compile(r"(?P<from>\bfrom )?\b(?P<a>1\d{3}|20\d\d)(?:\s*[-–]\s*(?P<b>1\d{3}|20\d\d|\d\d))?\b")
_BRACKETS = re.compile(r"\(([^()]*)\)")  # a role's years are in brackets: "Constitution of 1791" is no date


def _role_is(typed: list[str], words: list[str], title: bool) -> bool:
    """Whether a role (its key words) is the post typed (its key words): the role holds them in a row, and they are
    all of it, two words of it at least, or a title it opens with (`title`: what was typed is only a title)."""
    return (len(typed) >= 2 or len(typed) == len(words) or title and words[:1] == typed) \
        and in_a_row(tuple(words), tuple(typed))


def _in_years(role: str, year: int, died: str | None) -> bool:
    """Whether a role's years ("(1894-1917)", "(from 1922)", "(June 1789)") hold `year`; "from" runs to the
    holder's death."""
    return any(first <= year <= last for first, last in _role_spans(role, died))


def _role_spans(role: str, died: str | None) -> list[tuple[int, int]]:
    """A role's spans of years, first and last ("(1814-1815, 1815-1824)": two; "(from 1922)" to the holder's death,
    or 9999 when the pack gives none)."""
    spans = []
    for bracket in _BRACKETS.findall(role):
        for m in _ROLE_YEARS.finditer(bracket):
            first = int(m["a"])
            if m["b"]:  # "1950-71": 1971
                last = int(m["b"]) if len(m["b"]) == 4 else first // 100 * 100 + int(m["b"])
            else:
                last = (int(died[:4]) if died else 9999) if m["from"] else first
            spans.append((first, last))
    return spans


_FIRST_OR_LAST = re.compile(r"^(?:the )?(?P<which>first|last) (?P<post>.+)$")
# what ends the words a "the first ..." of a summary describes its person by ("the first commissar of labour and then
# ...", "the last Russian tsar, who ..."): punctuation, or one of these words
_CLAUSE = re.compile(r"[^,;:.()!?—–\[\]\"“”]+")
_CLAUSE_ENDS = frozenset("and who which whose that as but he she they was were is had has when while after before "
                         "until since".split())
# what, before "the first", says the person was it: "was the first", "became the first", "As the first", "calls him
# the last"; not "in the first Provisional Government", "joined the first coalition", "one of the first"
_BEING = frozenset("was were is became becomes become being as remained him her named called elected appointed".split())
MAX_WORDS_BEFORE_THE_POST = 2  # "the first Soviet commissar of the interior", "the last Russian tsar"


def _says_first(summary: str, which: str, typed: list[str]) -> str | None:
    """What a summary calls its person when it calls them the first (or last) of the post typed (its key words,
    `post_words`), as written ("last Russian tsar"), else None: "the first" or "the last", in lower case (a capital
    makes a title: "First Secretary"), opening a clause or after a word that says the person was it (_BEING);
    then at most MAX_WORDS_BEFORE_THE_POST words that qualify it ("Soviet", "Russian", "tsarist": a capital, or
    that word); then the post typed, in the singular; then the clause ends. "the first party leader from the KGB"
    is no first party leader, "the first commissar of labour" no first commissar, one of "the first trio of
    consuls" no First Consul, one of "the first five Directors" not the first Director."""
    for clause in _CLAUSE.findall(summary):
        words = re.findall(r"[^\W_]+", clause)
        for i, w in enumerate(words):
            # "the first" said of the person: "was the first", "As the first", "The last"; never a capital (a
            # title: "First Secretary"), a part of something else ("in the first Provisional Government", "joined
            # the first coalition", "one of the first"), or another's ("whose first husband": no "the")
            if w != which or i == 0 or words[i - 1].lower() != "the" or i >= 2 and words[i - 2].lower() not in _BEING:
                continue
            after = []
            for word in words[i + 1:]:
                if word.lower() in _CLAUSE_ENDS:
                    break
                after.append(word)
            said = post_words(" ".join(after))
            before = len(said) - len(typed)
            if said[-len(typed):] != typed or not 0 <= before <= MAX_WORDS_BEFORE_THE_POST:
                continue
            # the post's first word as written: what comes before it qualifies it, one word each
            start = next((j for j, word in enumerate(after) if stem(word.lower()) == typed[0]), None)
            last = after[-1].lower()
            if start == before and all(q[:1].isupper() or q == "tsarist" for q in after[:start]) \
                    and stem(last) == last:
                return " ".join([which, *after])
    return None


class Posts:
    """The questions of posts over one Asker (its Lookup, and how it names people and offers them)."""

    def __init__(self, asker: Asker) -> None:
        self.asker, self.lookup = asker, asker.lookup

    def first_or_last(self, phrase: str, workspace: str) -> Reply | None:
        """"the first commissar of labour": the person whose summary says they were (see _says_first), the card;
        where it says more than was typed ("the last tsarist Minister of the Interior" for "the last Minister of
        the Interior": the Provisional Government had some after him), offered with what it says; several, the
        choices. None when no summary says so: never the first of a post by its holders' years in the pack, which
        may lack the one before."""
        m = _FIRST_OR_LAST.match(phrase.strip())
        typed = post_words(m["post"]) if m else []
        if not m or not typed:
            return None
        said = {i: found for i, summary in self._summaries.items()
                if (found := _says_first(summary, m["which"], typed)) is not None}
        if len(said) == 1:
            (person, called), = said.items()
            if post_words(called) == post_words(f"{m['which']} {m['post']}"):
                return self.lookup.card(person, workspace=workspace)
            offer = self.asker.offer([person], phrase)
            offer.title = f"Did you mean {offer.suggestions[0].name}, whom the pack calls the {called}?"
            return offer
        if 1 < len(said) <= 5:
            return self.asker.offer(self.asker.likeliest(list(said), workspace), phrase)
        return None

    @property
    def _summaries(self) -> dict[str, str]:
        """Each person's summary, read once per Lookup."""
        def read() -> dict[str, str]:
            cond, params = store.in_packs(self.lookup.packs, "e")
            return {r["id"]: r["summary"] for r in self.lookup.db.query(
                f"select e.id, e.summary from entities e where e.type = 'person' and e.summary != '' and {cond}",
                params)}
        return self.lookup.kept("_ask_summaries", read)

    def by_role(self, phrase: str, workspace: str) -> Reply | None:
        """The one person a role of the pack's is ("Lenin's wife": Krupskaya, "the First Consul": Napoleon), the
        phrase's key words all in it and at least half of it: "in the Directory" asks who sat in it, not who is the
        "Society figure of the Directory"."""
        words = {stem(w) for w in content_words(phrase)}
        if not words or re.match(r"(?:in|at|on|among|with) ", phrase.strip()):
            return None
        # every role read (`_role_words`), not those a query found holding one of the words as typed: a stem is not
        # always in the role as written ("policy" of "policies"), and which word of a kind the query took changed
        # from one process to the next with the order of a set
        found = [(person, roles) for person, all_roles in self._role_words.items()
                 if (roles := [held for held in all_roles if words <= held])]
        # one person, and no other whose role holds the words ("the doctor": Chekhov, but also the imperial
        # family's doctor), for a role the words are half of at least
        if len(found) != 1 or not any(2 * len(words) >= len(held) for held in found[0][1]):
            return None
        return self.lookup.card(found[0][0], workspace=workspace)

    def held_in(self, post: str, year: int, workspace: str) -> Reply | None:
        """"who was the tsar in 1905": the people whose role, by the years the pack gives it, was that post in that
        year: a role holding the words typed ("General Secretary ... (1985-1991)"), or, for a title alone ("the
        tsar"), the title's holders by any role of theirs dated then ("Emperor of Russia (1894-1917)"). The one
        card, else the choices; None when no role is dated so (the question is then asked as any other)."""
        typed = post_words(post)
        if not typed:
            return None
        title = is_title(post)
        held: dict[str, str] = {}  # each person -> their first role dated that year
        partly: set[str] = set()  # those whose role is more than the title typed ("King of Prussia" for "the king")
        for person, (died, roles) in self._roles.items():
            for role, words in roles:
                # "General Secretary" of "General Secretary of the Communist Party (1985-1991)", "king" of "King of
                # France (1814-1815, 1815-1824)"; never "leader" of "Leader of the Bloody Sunday march (1905)" or
                # "Lenin" of "Secretary of Sovnarkom and of Lenin (1918-1930)" (see _role_is)
                if _role_is(typed, words, title) and _in_years(role, year, died):
                    held.setdefault(person, role)
                    if len(typed) == 1 and len(words) > 1:
                        partly.add(person)
        if not held and not title and self.asker.named(post, workspace) is not None:
            return None  # "who was Lenin in 1925" asks of a person, not of a post
        if not held and title:  # "the tsar": who held the title then, by their dated roles
            holders = set(self.asker.people(post, workspace))
            for person, (died, roles) in self._roles.items():
                for role, _ in roles if person in holders else ():
                    if _in_years(role, year, died):
                        held.setdefault(person, role)
        if len(held) == 1 and not partly:
            (person, role), = held.items()
            return led(self.lookup.card(person, workspace=workspace), f"In {year}: {role}.")
        if len(held) == 1:  # "the king in 1793": the King of Prussia, offered, as the question may mean another
            offer = self.asker.offer(list(held), f"{post} in {year}")
            offer.title = f"Did you mean {offer.suggestions[0].name} by “{echo(post)} in {year}”?"
            return offer
        if 1 < len(held) <= 5:  # "the emperor in 1810": Napoleon, Francis II, Alexander I; many is no answer
            return self.asker.offer(self.asker.likeliest(list(held), workspace), f"{post} in {year}")
        return None

    def became(self, phrase: str, post: str, workspace: str) -> Reply | None:
        """"when did Napoleon become First Consul": the one event whose names hold the person and the post
        ("Stalin becomes General Secretary"), else their role that is that post, with its years ("First Consul
        (1799-1804)"), on their card; None when the phrase names no one for sure or no role fits."""
        people = self.asker.people(phrase, workspace)
        if len(people) != 1:
            return None
        person = people[0]
        own = self.asker.name_words(person)
        typed = post_words(post)
        if not typed:
            return None
        events = [e for e in self.asker.events if (not e.people or person in e.people) and own & e.name_words
                  and any(in_a_row(t, tuple(typed)) for t in e.titles)]
        if len(events) == 1:
            return self.lookup.card(events[0].id, workspace=workspace)
        title = is_title(post)
        roles = self._roles.get(person, (None, []))[1]
        fits = [role for role, words in roles if _role_is(typed, words, title) and _BRACKETS.search(role)]
        if len(fits) != 1:
            return None
        name = store.names_of(self.lookup.db, [person])[person]["name"]
        return led(self.lookup.card(person, workspace=workspace), f"{name}: {fits[0]}.")

    def successor(self, phrase: str, workspace: str) -> Reply | None:
        """"who succeeded Lenin": whoever took up a role of theirs in the year their holding of it ended, by the years
        the pack gives both roles and the roles' words, one role's all in the other's ("General Secretary of the
        Communist Party (1982-1984)", after "... General Secretary (1966-1982) of the Communist Party of the Soviet
        Union"). Never a guess: a role the pack gives no end, or none taken up that year, is None (a search)."""
        people = self.asker.people(phrase, workspace)
        if len(people) != 1:
            return None
        me = people[0]
        mine = self._roles.get(me)
        if mine is None:
            return None
        found: dict[str, tuple[str, str]] = {}  # successor -> (their role, the role they took over)
        for role, words in mine[1]:
            for first, last in _role_spans(role, mine[0]):
                if last >= 9999 or last == first or not words:  # no end, or a year that may have had several
                    continue
                for other, (died, roles) in self._roles.items():
                    for theirs, their_words in roles if other != me else ():
                        # taken up the year theirs ended, and held past it: one who held it for a few months that
                        # year ("Supreme Commander (July-August 1917)") may have come after others
                        if their_words and (set(words) <= set(their_words) or set(their_words) <= set(words)) \
                                and any(start == last and end > start for start, end in _role_spans(theirs, died)):
                            found.setdefault(other, (theirs, role))
        if len(found) == 1:
            (other, (theirs, role)), = found.items()
            names = store.names_of(self.lookup.db, [me, other])
            return led(self.lookup.card(other, workspace=workspace),
                        f"{names[me]['name']}: {role}. {names[other]['name']}: {theirs}.")
        if 1 < len(found) <= 5:
            return self.asker.offer(self.asker.likeliest(list(found), workspace), f"after {phrase}")
        return None

    @property
    def _role_words(self) -> dict[str, list[frozenset[str]]]:
        """Each person with roles -> each role's key words, each cut by stem, its years among them (by_role weighs a
        role by all its words), read once per Lookup."""
        return self.lookup.kept("_ask_role_words", lambda: {
            person: [frozenset(stem(w) for w in content_words(role)) for role, _ in roles]
            for person, (_, roles) in self._roles.items()})

    @property
    def _roles(self) -> dict[str, tuple[str | None, list[tuple[str, list[str]]]]]:
        """Each person with roles -> (date of death, [(role, its key words in order, years left out)]), read once
        per Lookup."""
        def read() -> dict[str, tuple[str | None, list[tuple[str, list[str]]]]]:
            cond, params = store.in_packs(self.lookup.packs, "e")
            return {r["id"]: (r["died"], [(role, post_words(role)) for role in json.loads(r["roles"] or "[]")])
                    for r in self.lookup.db.query(f"select e.id, e.roles, e.died from entities e where e.type = "
                                                  f"'person' and e.roles != '[]' and {cond}", params)}
        return self.lookup.kept("_ask_roles", read)
