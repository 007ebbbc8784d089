"""How a group's readings use a capitalised name: often enough, never as a common word, not as a group or a
place ("the Jacobins", "in Varennes"), and in which fuller form ("Maximilien Robespierre"). Shared by /who for
names the pack lacks and by `clio pack draft`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.names import is_title

MIN_MENTIONS = 5  # a name the pack lacks counts as a person's once the readings write it this often

# after these words a capitalised word is a group, a thing or a place ("the Jacobins", "at Varennes")
_NOT_A_PERSON_BEFORE = re.compile(r"(?:\b(?:the|in|at|to|from|into|near|a|an)\s+)\Z", re.IGNORECASE)
UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"  # capital letters of Latin scripts
_CAPITALISED_RUN = re.compile(rf"(?:[{UPPER}][\w'’-]*\s+)+\Z")
# capitalised words that come before a name without being part of it ("In", "When Robespierre fell")
_NOT_GIVEN = {"a", "an", "and", "as", "at", "but", "by", "for", "from", "if", "in", "of", "on", "so", "the", "then",
              "to", "when", "while", "with", "after", "before", "during", "under", "since", "although", "though",
              "both", "citizen", "deputy", "general", "king", "queen", "saint", "st", "abbé", "abbe"}


@dataclass(frozen=True)
class NameUsage:
    upper: int  # written with a capital
    lower: int  # written in lower case: a common word
    unlike: int  # after "the", "in", "at"...
    fuller: str | None  # the commonest longer form written at least twice

    @property
    def is_name(self) -> bool:
        return self.upper >= MIN_MENTIONS and not self.lower and self.unlike * 3 <= self.upper


def name_usage(texts: list[str], words: list[str]) -> NameUsage:
    """Count how `texts` write the name made of `words` (matched without regard to case)."""
    phrase = r"\s+".join(re.escape(w) for w in words)
    pattern = re.compile(rf"(?<![\w-])({phrase})(?![\w-])", re.IGNORECASE)
    before = re.compile(rf"((?:[{UPPER}][\w'’-]+\s+){{1,2}})(?i:{phrase})(?![\w-])")
    upper = lower = unlike = 0
    longer: dict[str, int] = {}
    for text in texts:
        for m in pattern.finditer(text):
            if m.group(1)[:1].isupper():
                upper += 1
                run = _CAPITALISED_RUN.search(text, 0, m.start())  # "the Revolutionary Tribunal": look before the run
                if _NOT_A_PERSON_BEFORE.search(text, 0, run.start() if run else m.start()):
                    unlike += 1
            else:
                lower += 1
        for m in before.finditer(text):
            lead = [w for w in m.group(1).split() if not is_title(w) and w.lower() not in _NOT_GIVEN]
            if lead:
                form = " ".join([*lead, *m.group(0).split()[-len(words):]])
                longer[form] = longer.get(form, 0) + 1
    fuller = None
    if longer:
        form, n = max(longer.items(), key=lambda kv: (kv[1], len(kv[0])))
        fuller = form if n >= 2 else None
    return NameUsage(upper, lower, unlike, fuller)
