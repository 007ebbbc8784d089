"""Relatives: "Nicholas II's wife", "Louis XVI's children", "who did Lenin marry", read from the first sentence of
each summary, which says who the entry is ("she married Nicholas II", "the only son and heir of ...")."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import store
from bot.names import is_title, pack_surname
from bot.response import Reply
from bot.services.phrase import led
from bot.text import first_sentence

if TYPE_CHECKING:
    from bot.services.ask import Asker

# "married to the future Louis XVI", "she married Nicholas II": the capitalised name after it (a possessive, which
# its apostrophe keeps in the name, is left out by `Kin._married_in`)
_MARRIED = re.compile(r"\bmarried (?:to )?(?:the (?:future |young )?)?(?P<name>[A-Z][\w'’-]+(?: (?:[A-Z][\w'’-]+|de|d'|von))"
                      r"{0,3})")


RELATION = re.compile(r"^(?:the )?(?P<x>.+?)['’]s? (?:(?:first|second|third|only|eldest|elder|younger|youngest) )?"
                       r"(?P<rel>wife|husband|son|daughter|brother|sister|father|mother|"
                       r"wives|husbands|sons|daughters|brothers|sisters|children|parents)$", re.I)
# a relation asked in the plural: the relations it is made of, as a summary names each one
_KIN_OF = {"children": ("son", "daughter"), "parents": ("father", "mother"), "wives": ("wife",)}


class Kin:
    """The questions of relatives over one Asker (its Lookup, and how it names people and offers them)."""

    def __init__(self, asker: Asker) -> None:
        self.asker, self.lookup = asker, asker.lookup

    def relation(self, phrase: str, workspace: str) -> Reply | None:
        """"Nicholas II's wife", "the tsar's son": the one person whose summary opens by naming them so ("she
        married Nicholas II", "the only son and heir of Nicholas II"), or the choices when a few do ("Louis XVI's
        brother", "Nicholas II's children"); None when none does or the phrase is no relation."""
        whose, asked, found = self._kin(phrase, workspace)
        if len(found) == 1:
            card = self.lookup.card(found[0], workspace=workspace)
            if asked in _KIN_OF or asked.endswith("s"):  # "Louis XVI's children": the pack has one of them, not all
                named = store.names_of(self.lookup.db, [whose, *found])
                return led(card, f"Of {named[whose]['name']}'s {asked}, the pack has an entry for "
                                  f"{named[found[0]]['name']} alone.")
            return card
        if 1 < len(found) <= 5:  # "Louis XVI's brother": he had two, and each summary says so
            return self.asker.offer(found, phrase)
        return None

    def relatives(self, phrase: str, workspace: str) -> list[str]:
        """The people `phrase` names as someone's relatives (see `relation`)."""
        return self._kin(phrase, workspace)[2]

    def _kin(self, phrase: str, workspace: str) -> tuple[str, str, list[str]]:
        """(whose relatives, the relation asked in lower case, the people `phrase` names as those relatives); no
        one when the phrase is no relation of one person. Only a summary's first sentence, which says who the
        entry is, counts: Alexander III's summary goes on to mention "Lenin's elder brother", who is not him."""
        m = RELATION.match(phrase.strip())
        if m is None:
            return "", "", []
        people = self.asker.people(m["x"], workspace)
        asked = m["rel"].lower()
        relative = store.entity(self.lookup.db, people[0]) if len(people) == 1 else None
        if relative is None:
            return "", asked, []
        names = {relative["name"], *(a for a in relative["aliases"] if len(a.split()) > 1 and not is_title(a))}
        for full in (relative["name"], relative["full_name"] or ""):  # "Bonaparte" of "Napoléon Bonaparte"
            if (surname := pack_surname(full)) is not None:
                names.add(surname[1])
        # only the names that are theirs in the pack's eyes: "Bonaparte" is Napoleon, not his brother Lucien
        matcher = self.lookup.matcher
        names = {n for n in names if (res := matcher.resolve(n, {"person"})).match is not None
                 and res.match.candidate.id == relative["id"]}
        if not names:
            return relative["id"], asked, []
        said = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        rels = _KIN_OF.get(asked) or (asked.removesuffix("s"),)
        rel = "(?:" + "|".join(rels) + ")"
        # "Nicholas II's wife", "the elder of Louis XVI's two younger brothers", "the only son and heir of ..."
        # never the relative of someone they married: Fyodor Dan "married to Martov's sister" is neither
        forms = [rf"(?<!married )(?<!married to )\b(?:{said})['’]s (?:\w+ ){{0,2}}{rel}s?\b",
                 rf"\b{rel}s?(?: and heir)? of (?:the (?:tsar )?)?(?:{said})\b"]  # "the four daughters of ..."
        married = not {"wife", "husband"}.isdisjoint(rels)
        if married:
            forms.append(rf"\bmarried (?:to )?(?:the (?:future |young )?)?(?:{said})\b(?!['’]s)")
        pattern = re.compile("|".join(forms), re.I)
        # anywhere in the summary, the entry itself marrying them: "... she married Bonaparte in 1796"
        wed = re.compile(rf"\b(?:she|he) (?:later |then |also )?married (?:to )?(?:{said})\b(?!['’]s)", re.I) \
            if married else None
        cond, params = store.in_packs(self.lookup.packs, "e")
        found = [r["id"] for r in self.lookup.db.query(
            f"select e.id, e.summary from entities e where e.type = 'person' and e.id != ? and {cond}",
            [relative["id"], *params]) if pattern.search(first_sentence(r["summary"] or "", 10_000))
            or wed is not None and wed.search(r["summary"] or "")]
        if not found and married:  # her own summary names him: "married to the future Louis XVI"
            found = self._married_in(relative)
        return relative["id"], asked, found

    def _married_in(self, person: dict) -> list[str]:
        """The people a person's own summary says they married ("married to the future Louis XVI"), each a name
        the pack resolves to one person for sure; never the relative of one ("married to Martov's sister")."""
        out = []
        for m in _MARRIED.finditer(person["summary"] or ""):
            if re.search(r"['’]s?$", m["name"]):  # "married Napoleon's sister": his sister, not him
                continue
            res = self.lookup.matcher.resolve(m["name"], {"person"})
            if res.match is not None and res.match.candidate.id != person["id"]:
                out.append(res.match.candidate.id)
        return list(dict.fromkeys(out))
