"""Questions asked the way people ask them: "when did Lenin die", "who shot Lenin", "what is a soviet",
"when was the tsar shot", and events found by their key words ("Lena goldfields", "abdication").

Each phrasing is turned into a lookup of the index: a person and a verb become that person's life date or the
pack's event that ties them to the verb ("shot": the attempt on Lenin's life), and "who VERB X" answers with
the person that event names. Nothing is guessed past what the pack states: when a phrase could mean several
entries, the member gets the choices, likeliest first; when it fits no pattern, None (the caller searches).
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

from bot import store
from bot.dates import MONTH_NAMES, MONTHS, CalendarRule, HistDate
from bot.names import PATRONYMIC, TITLES, name_key
from bot.response import Button, Match, Reply
from bot.services.kin import RELATION, Kin
from bot.services.phrase import STOP, content_words, in_a_row, led, stem, tokens
from bot.services.posts import Posts
from bot.text import echo, first_sentence, without_article

# a verb as people type it -> the words (whole-word patterns) the pack's event names use for it, its own first
_SHOT, _KILL, _MURDER = r"shot|shoot\w*", r"kill(?:ed|ing|s)?", r"murder\w*"
_ASSASSIN, _EXECUT, _HANG = r"assassinat\w*", r"execut(?:e|ed|es|ion|ions)", r"hang(?:ed|ing)"
VERBS: dict[str, tuple[str, ...]] = {
    "shot": (_SHOT, r"attempts?", _ASSASSIN, _EXECUT, _MURDER, _KILL),
    "killed": (_KILL, _MURDER, _ASSASSIN, _EXECUT, _HANG),
    "murdered": (_MURDER, _KILL, _ASSASSIN, _EXECUT),
    "assassinated": (_ASSASSIN, _MURDER, _KILL),
    "executed": (_EXECUT, _HANG, _SHOT),
    "crowned": (r"coronation", r"crowned"),
    "arrested": (r"arrest\w*",),
    "exiled": (r"exiled?", r"deport\w*", r"expel\w*", r"banish\w*"),
    "deported": (r"deport\w*", r"exiled?", r"expel\w*"),
    "expelled": (r"expel\w*", r"exiled?", r"deport\w*"),
    "overthrown": (r"overthr\w*", r"fall", r"coup", r"abdicat\w*", r"depos\w*", r"ousted"),
    "deposed": (r"depos\w*", r"overthr\w*", r"ousted", r"abdicat\w*", r"coup"),
    "ousted": (r"ousted", r"depos\w*", r"overthr\w*", r"coup"),
    "abdicate": (r"abdicat\w*",),
    "resign": (r"resign\w*",),
    "elected": (r"elect\w*", r"chosen"),
    "tried": (r"trials?",),
    "founded": (r"found\w*", r"creat\w*", r"establish\w*", r"form(?:ed|ation)"),
    "abolished": (r"abolit\w*", r"abolish\w*"),
    "declared": (r"proclam\w*", r"proclaim\w*", r"declar\w*"),
    "introduced": (r"introduc\w*", r"adopt\w*"),
    "flee": (r"flight", r"fle(?:e|es|d|eing)", r"escape[sd]?"),
}
# the nouns an entry of a deed done to a thing is named by ("Abolition of serfdom", "Proclamation of the Republic")
_DEED_NOUNS = {"abolished": ("abolition",), "declared": ("proclamation", "declaration"),
               "introduced": ("introduction", "adoption"), "founded": ("founding", "foundation", "creation"),
               "deposed": ("deposition", "overthrow", "fall", "end"), "overthrown": ("overthrow", "fall", "end"),
               "tried": ("trial",),
               "elected": ("election",), "crowned": ("coronation",), "executed": ("execution",)}
# the words of a making or an ending an event's name may hold beside what was made ("Cheka founded")
_MADE_WORDS = frozenset("founded founding creation created formed formation established adopted adoption proclaimed "
                        "proclamation declared abolished abolition introduced".split())
# verbs of making: the event a thing's own name is may be its making ("the Declaration of the Rights of Man adopted")
_MAKING = frozenset({"founded", "introduced", "declared"})
# verbs the person does themselves ("Gorbachev resigns"), with their past tense
_DONE_BY_ONESELF = {"resign": "resigned", "abdicate": "abdicated", "flee": "fled"}
# of those, the verbs whose word in an event's name the person may stand right before ("Gorbachev resigns"), as
# a flight may not: "Gagarin's flight" is into space
_STANDS_BEFORE = frozenset({"resign", "abdicate"})
KILLING = {"killed", "murdered", "assassinated", "executed"}  # an attempt on a life is none of these
_KILLED = {"killed", "murdered", "assassinated"}  # a killing of any kind; an execution is its own word
_DYING = KILLING | {"shot"}  # a question of these: the pack's death date says what it knows (Lenin was shot)
# "when did X die" and the like: the verb asks for one of the person's own dates
DEATH_VERBS = {"die", "died", "pass away", "passed away"}
_VERB_FORMS = {"shoot": "shot", "kill": "killed", "murder": "murdered", "assassinate": "assassinated",
               "execute": "executed", "crown": "crowned", "arrest": "arrested", "exile": "exiled",
               "deport": "deported", "expel": "expelled", "overthrow": "overthrown", "overthrew": "overthrown",
               "depose": "deposed", "oust": "ousted", "abdicated": "abdicate", "resigned": "resign",
               "elect": "elected", "try": "tried", "found": "founded", "abolish": "abolished",
               "declare": "declared", "proclaim": "declared", "proclaimed": "declared", "introduce": "introduced",
               "adopt": "introduced", "adopted": "introduced", "fled": "flee", "escape": "flee", "escaped": "flee"}
# coming to power, as people ask it ("when did Stalin come to power", "... become leader"): see Asker._to_power
_TO_POWER_FORMS = ("come to power", "came to power", "take power", "took power", "seize power", "seized power",
                   "rise to power", "rose to power", "become leader", "become the leader", "become ruler",
                   "become the ruler")
_VERB_FORMS.update(dict.fromkeys(_TO_POWER_FORMS, "come to power"))
_DONE_BY_ONESELF["come to power"] = "came to power"
# what an event's name says of a person who comes to power, right after their name (its words as _Event keeps them,
# each cut by stem: "comes" is "com"): for sure ("Gorbachev comes to power", "Kolchak takes power"), or one step
# that may be it ("Stalin becomes General Secretary", "Napoleon proclaimed Emperor")
_POWER_TAKEN = (("com", "to", "power"), ("came", "to", "power"), ("tak", "power"), ("took", "power"),
                ("seiz", "power"), ("seized", "power"), ("ris", "to", "power"), ("rose", "to", "power"))
_POWER_STEP = frozenset("becom became elected appointed made proclaimed chosen".split())
# a step to power is to a post at the head ("General Secretary", "Supreme Ruler"), not any ("Minister of Finance",
# "Supreme Commander", "party chief of Stavropol")
_HEAD_POSTS = frozenset("president premier emperor consul chairman leader tsar dictator king ruler".split())
_HEAD_POSTS_OF_TWO = frozenset({("general", "secretary"), ("first", "secretary"), ("prime", "minister"),
                                ("supreme", "ruler"), ("first", "consul"), ("head", "of")})  # not "Controller-General"
_VERB = "|".join(sorted({*VERBS, *_VERB_FORMS}, key=len, reverse=True))
# "who" with a verb of VERBS: never "who came to power after Lenin", which names no one it happened to
_WHO_VERBS = "|".join(sorted({*VERBS, *_VERB_FORMS} - {*_TO_POWER_FORMS, "come to power"}, key=len, reverse=True))

_LEAD = re.compile(r"^(?:(?:hey |ok |okay )?clio[,:]?\s+|please\s+|(?:can|could) you tell me\s+|do you know\s+)", re.I)
_WHEN_BORN = re.compile(r"^when (?:was|is) (?P<x>.+?) born$")
# "how did Lenin die": the card with the date leads, and the summary tells how
_WHEN_DIED = re.compile(r"^(?:when|what year|how) did (?P<x>.+?) (?:die|pass away)$|^when (?:was|is) (?P<y>.+?) dead$")
# "where did Trotsky die": the event of a killing says where; a death the pack has no event of, nothing
_WHERE_DIED = re.compile(r"^where did (?P<x>.+?) (?:die|pass away|get killed)$")
_RULERS = ("king", "queen", "tsar", "tsarina", "emperor", "empress", "kaiser")  # titles one person may hold in a pack
_DIED = (r"death", r"dies|died")  # an event's name that tells a death: "Death of Lenin", "Napoleon dies"
# a place's name after its preposition: "at Gorki", "in Mexico", "at a Moscow factory"; not "in November"
_PLACE_NAME = rf" (?:the |an? )?(?!(?:{'|'.join((*MONTH_NAMES, *MONTHS, 'Sept'))})\b)[A-Z]"
_AT_A_PLACE = re.compile(rf"\b(?:at|in|near|on){_PLACE_NAME}")
_TO_A_PLACE = re.compile(rf"\b(?:at|in|near|on|to){_PLACE_NAME}")  # "deported to Guiana ... and died there"
# a place with no name: "died in exile", "in custody"
_IN_A_PLACE = re.compile(r"\b(?:in|at) (?:a |the )?(?:prison|custody|exile|captivity|hospital|cell|camps?)\b")
# a person's summary telling their own death: "and died in exile in New York", "He died in Brussels", "where he died"
# (never someone else's: "whose son died in ...", "After Stalin died ...")
_DIED_BY = re.compile(r"(?:^|\b(?:he|she|and|where|later|then|eventually|finally|himself|herself) )died\b", re.I)
# a relative or another named before it in the sentence, whose death "and died", "she died" may tell: "His son fell
# ill and died in Tobolsk", "His wife fled abroad; she died in Nice", "He married Anna, who later died in Paris"
# (but "a cautious technocrat who later died an exile in Paris" is the person)
_ANOTHER_BEFORE = re.compile(r"\b(?:[Hh]is|[Hh]er|[Tt]heir|[Ww]hose)\s+(?:\w+\s+){0,2}?(?:son|daughter|wife|husband|"
                             r"father|mother|brother|sister|child|children|family|friend|comrade|colleague|deputy|"
                             r"patron|mentor|lover|partner|uncle|aunt|nephew|niece|cousin)s?\b|\b[A-Z][\w’'-]+,?\s+who\b")
# a sentence's end: a full stop not after an abbreviation ("St. Petersburg"), or "!" or "?"
_SENTENCE_END = re.compile(r"(?<!\bSt)(?<!\bMt)(?<!\bDr)(?<!\bGen)[.!?](?=\s|$)")
# "where was the tsar killed": the event's card says where
_WHEN_VERB = re.compile(rf"^(?P<asked>when|where|what year|in what year) (?:was|were|did) (?P<x>.+?) (?:get )?(?P<v>{_VERB})"
                        r"(?: (?:himself|herself|themselves))?$")  # "when did Napoleon crown himself"
_WHO_VERB = re.compile(rf"^who (?P<v>{_WHO_VERBS}) (?P<x>.+)$")
_WHO_IS = re.compile(r"^(?:who (?:is|was|were)|tell me about|who's|whos) (?P<x>.+)$")
_WHO_DID = re.compile(r"^who (?P<v>[a-z]+) (?P<x>.+)$")  # any other verb: "who led the Whites"
_WHAT_IS = re.compile(r"^(?:what (?:is|was|were|are)|what's|whats|define|meaning of|what does) (?P<x>.+?)(?: mean)?$")
_WHEN_EVENT = re.compile(r"^(?:when|what year|in what year) (?P<aux>was|were|did|is|does) (?P<x>.+?)"
                         r"(?: (?:happen|take place|(?P<start>start|begin|break out)|(?P<end>end|finish|stop)|occur))?$"
                         r"|^how long did (?P<y>.+?) (?:last|go on)$")  # "how long ...": the card gives its span
# a question typed after the command's own word ("/when did Stalin die", "/what is a soviet", "/who led the
# Whites"): the first words that make the command and the rest one everyday question
_ASKING = {
    "when": frozenset("was were did is does do".split()),
    "what": frozenset("is was were are does did".split()),
    "who": frozenset("is was were are".split()) | frozenset(VERBS) | frozenset(_VERB_FORMS),
}
# past tenses that do not end in "-ed", for "/who led the Whites", "/who won the Civil War"
_IRREGULAR_PAST = frozenset("led won wrote ran began made took built became gave lost fought held told sent brought "
                            "beat overthrew threw drew rose broke chose spoke stole shot struck sold bought".split())


def slash_question(command: str, query: str) -> str | None:
    """The everyday question a command's argument makes with the command's word ("when" and "did Stalin die"),
    or None when the argument does not read as one (a name, a term, an event's name)."""
    first = query.split(maxsplit=1)[0].lower() if query.split() else ""
    asking = _ASKING.get(command, frozenset())
    if first in asking or command == "who" and len(query.split()) > 1 and (
            first in _IRREGULAR_PAST or len(first) > 4 and first.endswith("ed") and first.isalpha()):
        return f"{command} {query}"
    return None


_HAPPENED = re.compile(r"^what (?:happened|took place|went on) (?:on|at|in|during|to|with) (?P<x>.+)$", re.I)


def _plain(text: str) -> str:
    """A typed question less its lead-in ("Clio, ...", "please ..."), closing marks and extra spaces."""
    return re.sub(r"\s+", " ", _LEAD.sub("", text.strip()).rstrip("?!. ").strip())


def what_happened(text: str) -> str | None:
    """What "what happened on Bloody Sunday" (in 1917, during the Terror, to Trotsky) asks /when about, as typed
    ("Bloody Sunday"); None for any other text."""
    m = _HAPPENED.match(_plain(text))
    return m["x"] if m else None


# questions asked another way, as the patterns below read them
_SAID_AS = [
    # "what was the name of Lenin's wife": who she was; "... of the treaty of 1918": what it was
    (re.compile(r"^(?:who|what) (?:was|is) the (?:full |real )?name of (?P<x>.+)$"),
     lambda m: f"{'who' if RELATION.match(m['x']) else 'what'} was {m['x']}"),
    # "who was Trotsky's killer", "who was the killer of Kirov"
    (re.compile(r"^who (?:was|were) (?P<x>.+?)['’]s? (?:killer|murderer|assassin)s?$"), r"who killed \g<x>"),
    (re.compile(r"^who (?:was|were) the (?:killer|murderer|assassin)s? of (?P<x>.+)$"), r"who killed \g<x>"),
    # "who was the leader of the Bolsheviks", "who was in charge of the Cheka": the card of what was named
    (re.compile(r"^who (?:was|were|is) (?:the (?:leaders?|heads?) of|in charge of|at the head of) (?P<x>.+)$"),
     r"who led \g<x>"),
]
# "who was the tsar in 1905", "who was General Secretary in 1985": the role held that year (roles give years)
_WHO_IN_YEAR = re.compile(r"^who (?:was|were|is) (?:the )?(?P<post>[a-z][^\d]*?) (?:in|during) (?P<year>1\d{3}|20\d\d)$")
# "when did Napoleon become First Consul": the event that says so, else the role's first year
_WHEN_BECAME = re.compile(r"^(?:when|what year|in what year) did (?P<x>.+?) become (?:the )?(?P<post>[a-z].*)$")
# "who succeeded Lenin", "who was Khrushchev's successor": the next holder of a role of theirs, by its years
_SUCCEEDED = re.compile(r"^who (?:succeeded|replaced|followed|came after) (?P<x>.+)$"
                        r"|^who (?:was|were) (?P<y>.+?)['’]s? successors?$|^who (?:was|were) the successors? (?:of|to) (?P<z>.+)$")
_HOW_OLD = re.compile(r"^how old (?:was|is) (?P<x>.+?) when (?:he|she|they) died$|^(?:at )?what age did (?P<y>.+?) die$")
# "Lenin's birth", "the death of Stalin": a person's own date, when no event of the pack is named so
_LIFE_NOUN = re.compile(r"^(?:the )?(?:(?P<x>.+?)['’]s? (?P<w>birth|death)|(?P<v>birth|death) of (?P<y>.+))$", re.I)
# "who did Lenin marry", "who married Nicholas II", "who was Marie Antoinette married to": a wife or a husband
_MARRY = re.compile(r"^who (?:did (?P<x>.+?) marry|married (?P<y>.+?)|(?:was|were) (?P<z>.+?) married to)$")
# forms of address that name no one by themselves: Marie Antoinette's "Madame Deficit" is not Madame Roland
_HONORIFICS = frozenset("madame monsieur mademoiselle citizen citoyen citoyenne abbe sieur".split())


# what a question is made of besides what it asks about: searched for, they match nothing ("what did Lenin
# think of the peasants" is searched as "Lenin peasants" when nothing holds every word)
_QUESTION_WORDS = STOP | frozenset("where think thought say said tell me about know does mean happened happen "
                                   "can could would should you i we".split())


def key_words(text: str) -> str:
    """`text` less its question words, as typed ("what did Lenin think of the peasants" -> "Lenin peasants");
    `text` itself when that leaves nothing."""
    kept = [w for w in text.split() if re.sub(r"[^\w]", "", w.lower()) not in _QUESTION_WORDS]
    return " ".join(kept) if kept else text


@dataclass(frozen=True)
class _Event:
    id: str
    name: str
    people: tuple[str, ...]
    name_words: frozenset[str]  # the words of its name and aliases
    titles: tuple[tuple[str, ...], ...]  # its name and each alias, as their words in order, each cut by stem
    written: tuple[tuple[str, ...], ...] = ()  # the same words as written (in lower case), uncut


_ENDED_AS = ("end", "abolition", "fall", "collapse", "dissolution")  # what an entry of an ending is named: "X of Y"
# an event named for the end of something, or a later stage of it: no answer to when it began
_NOT_A_START = frozenset("end second third fourth fifth last final".split())


# what may follow a stem in a word of an event's name: an ending, not another word ("goldfield": "goldfields";
# "Lev" is not in "Levy", "Dan" not in "Daniel", "That" not in "Thatcher")
_ENDINGS = frozenset("s es ed d ing er ers ern n ns an ans ian ians ic al".split())


def _akin(word: str, words: frozenset[str]) -> bool:
    """Whether `word` is a verb's form ("-ed", "-ing") and a word of `words` has its stem: the same first letters,
    all but its last three and at least five ("executed", "execution"). A noun's kin is no kin: "successor" is
    not "success"."""
    stem = word[:max(5, len(word) - 3)]
    return len(word) >= 5 and word.endswith(("ed", "ing")) and any(w.startswith(stem) for w in words)


_ORDINALS = frozenset("first second third fourth fifth sixth seventh eighth ninth tenth".split())
_NUMERAL_LETTERS = frozenset("ivx")  # a letter alone that may be a Roman numeral ("World War I", "Nicholas I")


def _unnumbered(weight: float, event: _Event, words: set[str]) -> float:
    """An event holding every word typed only through a name with an ordinal not typed is no full match: "the
    Russian Revolution" is not the "First Russian Revolution" (1905), only maybe it."""
    if weight < 0.999:
        return weight
    whole = [t for t in event.titles if all(_has(frozenset(t), w) or w in t for w in words)]
    return 0.99 if whole and all((_ORDINALS & set(t)) - words for t in whole) else weight


def _in_one_title(weight: float, event: _Event, held: list[str]) -> float:
    """An event holding every word typed only across its names is no full match: "the USSR founded" is not
    the Belavezha Accords, whose name dissolves the USSR and whose alias founds the CIS, only maybe it. Numbers
    are held by any name."""
    if weight < 0.999:
        return weight
    wording = [w for w in held if not w.isdigit()]  # a number may come from a date alias ("strike 25": the strike
    for title in event.titles:  # whose alias is "25 February 1917")
        words = frozenset(title)
        if all(_has(words, w) or _akin(w, words) or _verb_in(w, words) for w in wording):
            return weight
    return 0.99


@functools.lru_cache(maxsize=512)
def _stems_pattern(stems: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled pattern for a verb's whole-word patterns (VERBS)."""
    return re.compile("|".join(f"(?:{s})" for s in stems))


def _verb_places(title: tuple[str, ...], stems: tuple[str, ...]) -> list[int]:
    """Where a name's words say a verb, by its patterns (VERBS): "Trial and execution of ..." has "executed" at 2."""
    said = _stems_pattern(stems).fullmatch
    return [i for i, w in enumerate(title) if said(w)]


def _typed_verb_places(title: tuple[str, ...], verb: str) -> list[int]:
    """Where a name's words say a verb as typed (its stem cut by stem): the word itself, a form of it
    ("stormed": "storming"), or its word in the name's own way ("invade": "invasion")."""
    return [i for i, w in enumerate(title)
            if w == verb or _akin(verb, frozenset([w])) or _verb_in(verb, frozenset([w]))]


def _deed_gap(own: set[str], event: _Event, stems: tuple[str, ...], acting: bool = False,
              thing: bool = False) -> int | None:
    """How closely a name or alias of the event says the verb (`stems`) was done to what the words `own` name
    (the fewest words between them; None when none says so): "of / on / against [the] ... OWN" within a few
    words after the verb ("Execution of Admiral Kolchak", "Trial and execution of Marie Antoinette"), or
    "OWN is / was VERBed" ("Trotsky is expelled"). With `acting` (a verb one does oneself), or of a `thing`
    ("Consulate established"), OWN may stand right before the verb. A person is named by any word of their own
    names; a `thing` by all its words ("the Communist Party" is not the "Socialist Revolutionary Party")."""
    best = None

    def names(words: tuple[str, ...]) -> bool:
        return own <= set(words) if thing else bool(own & set(words))
    for title in event.titles:
        for i in _verb_places(title, stems):
            after = title[i + 1: i + 6]  # "of / on [the] [title] NAME": within a few words after the verb
            if after[:1] == ("and",):  # "Trial and execution of Marie Antoinette": both are hers
                after = title[i + 3: i + 8]
            gap = None
            if after and after[0] in ("of", "on", "against") and names(after[1:]):
                gap = min(j for j, w in enumerate(after[1:]) if w in own) - (after[1:2] == ("the",))
            before = title[max(0, i - 5): i]  # "NAME is shot", "NAME was hanged"
            if before and before[-1] in ("is", "was", "are", "were") and names(before[:-1]):
                gap = 0
            if before and (acting and before[-1] in own or thing and names(before) and before[-1] in own):
                gap = 0
            if gap is not None and (best is None or gap < best):
                best = gap
    return best


def _death_of(title: tuple[str, ...]) -> set[str]:
    """The word a name says the death is of, past "the" and titles ("Death of Andropov; ...": andropov; "Death of
    Emperor Leopold II": leopold), none when it says no death of."""
    out = set()
    for i in range(len(title) - 2):
        if title[i:i + 2] == ("death", "of"):
            out.update(itertools.islice((w for w in title[i + 2:] if w != "the" and w not in TITLES), 1))
    return out


def _where_they_died(name: str, summary: str) -> str | None:
    """Where a person's own summary says they died, as a line: "Alexander Kerensky died in exile in New York." of
    "... and died in exile in New York"; else the sentence that tells it another way ("..., where he died in
    1954", "deported to Guiana ... and died there"), as it stands; None when none does. Never a death told after
    someone else is named in the sentence (_ANOTHER_BEFORE: "His son fell ill and died in Tobolsk")."""
    for sentence in _SENTENCE_END.split(summary):
        for m in _DIED_BY.finditer(sentence):
            before = sentence[:m.start()]
            if _ANOTHER_BEFORE.search(before):
                continue
            rest = re.split(r"[,;]", sentence[m.end():], maxsplit=1)[0].rstrip()
            if _AT_A_PLACE.search(rest) or _IN_A_PLACE.search(rest):
                return f"{name} died{rest}."
            if (re.search(r"\bwhere(?: (?:he|she))?\s*$", before + m[0].removesuffix("died"))
                    or re.match(r"\s+there\b", sentence[m.end():])) and _TO_A_PLACE.search(before):
                return sentence.strip().rstrip(" ;") + "."
    return None


def _deed_exactly(said: set[str], event: _Event, stems: tuple[str, ...]) -> bool:
    """Whether a name of the event says the verb (`stems`) was done to exactly what the words `said` name: the key
    words after "VERB of [the]" up to the next small word ("Abolition of slavery in the French colonies",
    "Abolition of the monarchy and ..."), or before the verb back to one ("Russian Republic proclaimed" names
    "the Russian Republic", not "the Republic")."""
    for title in event.titles:
        for i in _verb_places(title, stems):
            if title[i + 1:i + 2] in (("of",), ("on",), ("against",)):
                rest = title[i + 2:]
                rest = rest[1:] if rest[:1] == ("the",) else rest
                if set(_name_runs(rest)[0]) == said:
                    return True
            named = _name_runs(title[:i][::-1])[0]
            if named and set(named) == said:
                return True
    return False


def _name_runs(words: Iterable[str]) -> list[list[str]]:
    """The runs of key words in `words`, each ended by a small word other than an "of" inside a name ("union of
    liberation" is one run; "monarchy and ..." ends at "and"), each without its "of"s. The first is the run the
    words open with: empty when they open with a small word."""
    runs: list[list[str]] = [[]]
    for w in words:
        if w in STOP and w != "of":
            runs.append([])
        elif w != "of":
            runs[-1].append(w)
    return runs


def _says_exactly(said: set[str], name: str) -> bool:
    """Whether an event's name holds the key words `said` as one run of its key words, no other key word inside
    or beside it ("Founding of the Cheka" for "the Cheka"; not "Union of Liberation founded" for "the union")."""
    return any(said <= (held := set(run)) and not (held - said - _MADE_WORDS)
               for run in _name_runs(stem(t) for t in tokens(name)) if run)


def _power_taken(title: tuple[str, ...], own: set[str]) -> bool:
    """Whether a name's words say the person of the words `own` came to power ("Gorbachev comes to power")."""
    return any(w in own and any(title[i + 1:i + 1 + len(p)] == p for p in _POWER_TAKEN) for i, w in enumerate(title))


def _power_step(title: tuple[str, ...], own: set[str]) -> bool:
    """Whether a name's words say the person of the words `own` took a post at the head ("Stalin becomes General
    Secretary", "Yeltsin is elected President")."""
    for i, w in enumerate(title):
        if w in own:
            rest = title[i + 1:]
            rest = rest[1:] if rest[:1] in (("is",), ("was",)) else rest
            post = rest[1:3]
            post = post[1:] if post[:1] == ("the",) else post
            if rest[:1] and rest[0] in _POWER_STEP and (post[:1] and post[0] in _HEAD_POSTS
                                                       or post[:2] in _HEAD_POSTS_OF_TWO):
                return True
    return False


# verbs an event's name says another way, matched by their words only (no question is built on them: "when did
# Lenin leave" asks no withdrawal)
_SAID_OTHERWISE: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("invade", "invaded", "invading"), (r"invasion", r"invad\w*")),
    **dict.fromkeys(("leave", "left", "leaving", "withdraw", "withdrew", "withdrawn"),
                    (r"withdr\w*", r"leav\w*", r"left")),
}


def _done_to(phrase: str, verb: str, event: _Event) -> bool:
    """Whether a name or alias of the event says the verb and then, after it, every key word of `phrase`:
    "Storming of the Bastille" for "stormed the Bastille"; "Germany declares war on Russia" is no war declared on
    Germany."""
    words = [stem(w) for w in content_words(phrase)]
    verb = stem(verb.lower())
    if not words:  # "who stormed": nothing named, nothing to place after the verb
        return False
    return any(all(_has(frozenset(title[i + 1:]), k) for k in words)
               for title in event.titles for i in _typed_verb_places(title, verb))


def _own_words(names: list[str]) -> set[str]:
    """The words of a person's names that are their own: no patronymic, no title, no form of address."""
    return {stem(w) for name in names for w in content_words(name)
            if len(w) > 3 and not PATRONYMIC.search(w) and w not in TITLES and w not in _HONORIFICS}


def _done_the_other_way(order: list[str], event: _Event) -> bool:
    """Whether the words of an active phrase ("soviet union invade afghanistan", in order) put a word before its
    verb that a name of the event saying that verb has only after it ("germany invad the soviet union")."""
    at = next((i for i, w in enumerate(order) if _VERB_FORMS.get(w, w) in VERBS or w in _SAID_OTHERWISE), None)
    if not at:
        return False
    doers = set(order[:at])
    for title in event.titles:
        places = _typed_verb_places(title, order[at])
        if places and doers & set(title[places[0] + 1:]) and not doers & set(title[:places[0]]):
            return True
    return False


def _verb_in(word: str, words: frozenset[str]) -> bool:
    """Whether `word` is a verb (VERBS) that a word of `words` says its own way ("founded": "creation",
    "invaded": "invasion")."""
    verb = _VERB_FORMS.get(word, word)
    patterns = VERBS.get(verb) if verb in VERBS else _SAID_OTHERWISE.get(word)
    return patterns is not None and any(_says(words, pattern) for pattern in patterns)


def _has(words: frozenset[str], stem: str) -> bool:
    """Whether a word of `words` is `stem`, or `stem` with an ending ("goldfield" in "goldfields")."""
    return any(w.startswith(stem) and (len(w) == len(stem) or w[len(stem):] in _ENDINGS) for w in words)


def _says(words: frozenset[str], pattern: str) -> bool:
    """Whether a word of `words` is `pattern` (a whole-word regular expression: "execution", not "executives")."""
    return any(re.fullmatch(pattern, w) for w in words)


class Asker:
    """Everyday questions over one Lookup (its database, matcher and prominence)."""

    def __init__(self, lookup) -> None:  # type: ignore[no-untyped-def]  # bot.services.lookup.Lookup
        self.lookup = lookup
        self.posts = Posts(self)  # who held a post, and when (bot.services.posts)
        self.kin = Kin(self)  # relatives (bot.services.kin)

    @property
    def events(self) -> list[_Event]:
        """The pack's events with their words, read once per Lookup (kept on it: this Asker lives one call)."""
        return self.lookup.kept("_ask_events", self._read_events)

    def _read_events(self) -> list[_Event]:
        out = []
        cond, params = store.in_packs(self.lookup.packs, "e")  # the packs the workspace reads
        for r in self.lookup.db.query(
                "select e.id, e.name, ev.people, json_group_array(a.alias) as aliases from entities e "
                f"join events ev on ev.id = e.id left join aliases a on a.entity_id = e.id where {cond} group by e.id",
                params):
            titles = [r["name"], *(a for a in json.loads(r["aliases"]) if a)]
            written = tuple(tuple(tokens(t)) for t in titles)
            words = tuple(tuple(map(stem, t)) for t in written)
            out.append(_Event(r["id"], r["name"], tuple(json.loads(r["people"] or "[]")),
                              frozenset(w for t in words for w in t if w not in STOP), words, written))
        return out

    def _event(self, event_id: str) -> _Event:
        """One of `events`, by its id (the index made once per Lookup)."""
        return self.lookup.kept("_ask_event_by_id", lambda: {e.id: e for e in self.events})[event_id]

    @property
    def _idf(self) -> dict[str, float]:
        def weigh() -> dict[str, float]:
            counts: dict[str, int] = {}
            for e in self.events:
                for w in e.name_words:
                    counts[w] = counts.get(w, 0) + 1
            n = max(len(self.events), 1)
            return {w: math.log(1 + n / c) for w, c in counts.items()}
        return self.lookup.kept("_ask_idf", weigh)

    # --- the entry point -----------------------------------------------------------------------------

    def answer(self, text: str, workspace: str) -> Reply | None:
        """The answer to an everyday question, or None when `text` is not one this module understands."""
        q = _plain(text).lower()
        if not q or len(q) > 200:
            return None
        found = self._answer(q, workspace)
        if found is None:  # "who was Trotsky's killer": "who killed Trotsky", when the question as typed gets no reply
            for said, meant in _SAID_AS:
                if (other := said.sub(meant, q)) != q:
                    return self._answer(other, workspace)
        return found

    def _answer(self, q: str, workspace: str) -> Reply | None:
        """`answer` of a question made plain, in lower case."""
        if m := _HOW_OLD.match(q):
            return self._age(m["x"] or m["y"], workspace)
        if m := _SUCCEEDED.match(q):
            return self.posts.successor(m["x"] or m["y"] or m["z"], workspace)
        if m := _MARRY.match(q):  # a wife, else a husband
            who = m["x"] or m["y"] or m["z"]
            return self.kin.relation(f"{who}'s wife", workspace) or self.kin.relation(f"{who}'s husband", workspace)
        if (m := _WHO_IN_YEAR.match(q)) and (held := self.posts.held_in(m["post"], int(m["year"]), workspace)) is not None:
            return held
        if m := _WHEN_BORN.match(q):
            return self._life(m["x"], "born", workspace)
        if m := _WHEN_DIED.match(q):
            return self._life(m["x"] or m["y"], "died", workspace)
        if m := _WHERE_DIED.match(q):
            return self._where_died(m["x"], workspace)
        if m := _WHEN_VERB.match(q):
            return self._when_verb(m["x"], _VERB_FORMS.get(m["v"], m["v"]), workspace,
                                   asked="where" if m["asked"] == "where" else "when", typed=m["v"])  # "what year": when
        if (m := _WHO_VERB.match(q)) and (found := self._who_verb(_VERB_FORMS.get(m["v"], m["v"]), m["x"],
                                                                   workspace)) is not None:
            return found  # else "who declared war on Austria", "who fled to Varennes": as any other verb, below
        if m := _WHO_IS.match(q):  # a name first: "who was Andrei Sakharov" is him, not the role "Sakharov's wife"
            return (self.named(m["x"], workspace) or self.posts.first_or_last(m["x"], workspace)
                    or self.posts.by_role(m["x"], workspace)
                    or self.kin.relation(m["x"], workspace)
                    or self._entry(m["x"], ("person", "term", "event"), workspace, partial=False))
        if m := _WHO_DID.match(q):  # "who led the Whites", "who won the Civil War": the card of what was named,
            # the deed itself first when one event's names hold it ("who stormed the Bastille": the storming, not
            # the fortress), which says who; else the card of what was named; else a search, as before
            # never a deed done by what was named: "who declared war on Germany" is not "Germany declares war on
            # Russia"
            done = [e for e in self.events_holding(f"{m['v']} {m['x']}", workspace)
                    if _done_to(m["x"], m["v"], self._event(e))]
            if len(done) == 1:
                return self.lookup.card(done[0], workspace=workspace)
            if done:  # "who declared war on Austria": France, in 1792 and again in 1799
                return self.choose_events(done, f"{m['v']} {m['x']}")
            found = self._entry(m["x"], ("term", "event"), workspace, by_words=False)
            if found is not None and found.kind == "lookup":
                return found
        if m := _WHAT_IS.match(q):
            return self._entry(m["x"], ("term", "event", "person"), workspace, partial=False)
        if (m := _WHEN_BECAME.match(q)) and (became := self.posts.became(m["x"], m["post"], workspace)) is not None:
            return became
        if m := _WHEN_EVENT.match(q):
            x = m["x"] or m["y"]
            if m["y"]:  # "how long did the Civil War last": the card of an event that gives its span; else a
                # period's own card ("the Terror", "the NEP": their summaries give theirs), before an event's start
                event = self._entry(x, ("event",), workspace, by_words=False)
                if event is not None and event.match is not None and (
                        (row := store.entity(self.lookup.db, event.match.id)) is not None and row["end_date"]):
                    return event
                return self._entry(x, ("term", "event"), workspace)
            if m["end"]:
                found = self._when_ended(x, workspace)
            else:
                # "when did the Terror begin" is never the event of its end ("End of the Terror" holds its words
                # too) nor one named as a later stage ("The second collectivisation drive"), unless that was asked
                skip = _NOT_A_START - set(tokens(x)) if m["start"] else frozenset()
                found = (self._entry(x, ("event",), workspace, by_words=False) or self.life_date(x, workspace)
                         or self.events_by_words(x, workspace, skip=skip, earliest_first=bool(m["start"]),
                                                 active=m["aux"] in ("did", "does")))
            # no event, or none dating what was asked: a period's own card, whose summary dates it ("when did the
            # Reign of Terror end", "when did the NEP end")
            if found is None or found.kind == "not_found":
                period = self._entry(x, ("term",), workspace, by_words=False)
                if period is not None and period.kind == "lookup":
                    return period
            return found
        return None

    # --- the kinds of question -------------------------------------------------------------------------

    def _entry(self, phrase: str, order: tuple[str, ...], workspace: str, partial: bool = True,
               by_words: bool = True) -> Reply | None:
        """The entry a phrase names: tried as each type in turn, an exact card first; else the first type's
        choices; else (with `by_words`) events by their key words (without `partial`, only an event holding them
        all: "who was Lenin's wife" is not Stalin's wife's suicide, which holds "wife")."""
        phrase = without_article(phrase)
        first_choices = None
        for etype in order:
            res = self.lookup.matcher.resolve(phrase, {etype}, prominence=self.lookup.prominence.for_workspace(workspace))
            if res.match:
                return self.lookup.card(res.match.candidate.id, match=self.lookup._match(res.match), workspace=workspace)
            if res.choices and first_choices is None:
                first_choices = (etype, res)
        found = self.events_by_words(phrase, workspace) if "event" in order and by_words else None
        if found is not None and (found.kind == "lookup" or first_choices is None and partial):
            return found
        if first_choices is not None:  # "who was the tsar": the three tsars, not the events with "tsar" in them
            etype, res = first_choices
            return self.lookup._choices(phrase, res, etype)
        return None

    def life_date(self, phrase: str, workspace: str) -> Reply | None:
        """"Lenin's birth", "the death of Stalin": the one person named, with that date of theirs (None when the
        phrase is not of that form or names no one person)."""
        m = _LIFE_NOUN.match(phrase.strip())
        if m is None:
            return None
        people = self.people(m["x"] or m["y"], workspace)
        return self._life_reply(people[0], "born" if (m["w"] or m["v"]).lower() == "birth" else "died",
                                workspace) if len(people) == 1 else None

    def _when_ended(self, phrase: str, workspace: str) -> Reply | None:
        """"when did WW1 end": the event of its end ("End of the First World War"), else the event named when the
        pack dates its end too; never an event dated by its start alone, which would answer another question."""
        if (named := self._named_as(_ENDED_AS, phrase)) is not None:  # "Abolition of serfdom": the emancipation
            return self.lookup.card(named, workspace=workspace)
        ending = self.events_by_words(f"end of {phrase}", workspace)
        if ending is not None and ending.kind == "lookup":
            return ending
        found = self._entry(phrase, ("event",), workspace, partial=False)
        if found is None or found.kind != "lookup" or found.match is None:
            return found
        event = store.entity(self.lookup.db, found.match.id)
        if event is None or event["type"] != "event" or event["end_date"]:
            return found
        began = HistDate.parse(event["date"], event["calendar"]).display(self.lookup.rule)
        return Reply(ok=False, kind="not_found", exit_code=1,
                     title=f"The pack has no date for the end of “{echo(phrase)}”",
                     body=f"It dates its start: {event['name']}, {began}. /search {echo(phrase)} finds what the "
                          "readings say.",
                     buttons=[Button(event["name"], "when", event["name"])], suggestions=[found.match])

    def _named_as(self, nouns: tuple[str, ...], phrase: str) -> str | None:
        """The one entry named "NOUN of [the] PHRASE" for a noun of `nouns` ("Abolition of serfdom"), if any."""
        bare = without_article(phrase)
        for form in (f"{noun} of {the}{bare}" for noun in nouns for the in ("", "the ")):
            named = {c.id for c, kind in self.lookup.matcher.exact(name_key(form)) if kind != "given"}
            if len(named) == 1:
                return named.pop()
        return None

    def named(self, phrase: str, workspace: str) -> Reply | None:
        """The card of the person a phrase names for sure (None when it names no one for sure)."""
        res = self.lookup.matcher.resolve(without_article(phrase), {"person"},
                                          prominence=self.lookup.prominence.for_workspace(workspace))
        return self.lookup.card(res.match.candidate.id, match=self.lookup._match(res.match),
                                workspace=workspace) if res.match else None

    def _people_or_kin(self, phrase: str, workspace: str) -> list[str]:
        """The people a phrase may name (`_people`), else the one relative it names ("Stalin's wife")."""
        people = self.people(phrase, workspace)
        if not people and len(kin := self.kin.relatives(phrase, workspace)) == 1:
            return kin
        return people

    def people(self, phrase: str, workspace: str) -> list[str]:
        """The people a phrase may name, likeliest first (one when it is sure)."""
        phrase = phrase.strip()
        res = self.lookup.matcher.resolve(phrase, {"person"}, prominence=self.lookup.prominence.for_workspace(workspace))
        if res.match:
            return [res.match.candidate.id]
        return [s.candidate.id for s in res.choices]

    def _where_died(self, phrase: str, workspace: str) -> Reply | None:
        """"where did Trotsky die": the event of their killing; else of their death when its summary says where
        ("Lenin died at Gorki"); else their card when their own summary says where, led by what it says ("and died
        in exile in New York"). Failing those, the event of their death (led by a line saying it names no place,
        when its summary names none), else their card led by its date: the pack may tell the place elsewhere, in
        words Clio cannot read ("shot ... at Sarajevo"), so a reply never says the pack does not. None when the
        phrase names no one for sure, or no one dead (a search)."""
        people = self._people_or_kin(phrase, workspace)
        if len(people) != 1:
            return None
        if killed := self._events_for(people[0], "killed"):
            return self.lookup.card(killed[0].id, workspace=workspace)
        # never an event of another's death ("Death of Andropov; Chernenko succeeds him" is not Chernenko's), nor of
        # "the death penalty" (Kamenev moved its abolition)
        own = self.name_words(people[0])
        deaths = [e for e in self.events if self._about(people[0], e, _DIED, acting=True)
                  and not any(_death_of(t) - own or in_a_row(t, ("death", "penalty")) for t in e.titles)]
        row = store.entity(self.lookup.db, deaths[0].id) if len(deaths) == 1 else None
        if row is not None and _AT_A_PLACE.search(first_sentence(row["summary"] or "", 10_000)):
            return self.lookup.card(row["id"], workspace=workspace)
        person = store.entity(self.lookup.db, people[0])
        if person is None or not person["died"]:
            return None
        if (where := _where_they_died(person["name"], person["summary"] or "")) is not None:
            return led(self.lookup.card(people[0], workspace=workspace), where)
        if row is not None:  # what the question asked, said of this entry alone, which Clio has read whole
            card = self.lookup.card(row["id"], workspace=workspace)
            if not _AT_A_PLACE.search(row["summary"] or ""):
                return led(card, f"This entry names no place for {person['name']}'s death.")
            return card
        return self._life_reply(people[0], "died", workspace)

    def _age(self, phrase: str, workspace: str) -> Reply | None:
        """"how old was Lenin when he died": the age the pack's two dates give (both New Style), on their card."""
        return self._life(phrase, "age", workspace)

    def _life(self, phrase: str, which: str, workspace: str) -> Reply | None:
        """The card of the one person (or relative: "when did Stalin's wife die") a phrase names, led by the date
        asked for (`which`: "born", "died", or "age" at death); the choices when it names several."""
        people = self._people_or_kin(phrase, workspace)
        if len(people) != 1:
            return self._entry(phrase, ("person",), workspace) if people else None
        if which == "age":
            return self._age_reply(people[0], workspace)
        return self._life_reply(people[0], which, workspace)

    def _age_reply(self, person: str, workspace: str) -> Reply:
        e = store.entity(self.lookup.db, person)
        card = self.lookup.card(person, workspace=workspace)
        if e is None or not e["born"] or not e["died"]:
            name = e["name"] if e else "them"
            return led(card, f"The pack gives no date of {'birth' if e and not e['born'] else 'death'} for {name}.")
        born, died = (HistDate.parse(d, "gregorian") for d in (e["born"], e["died"]))
        years = died.year - born.year
        if born.month and born.day and died.month and died.day:
            years -= (died.month, died.day) < (born.month, born.day)
            lead = f"{e['name']} died aged {years}"
        elif years > 0:  # a year alone: one of two ages
            lead = f"{e['name']} died aged {years - 1} or {years}"
        else:
            lead = f"{e['name']} died in the year of their birth"
        return led(card, f"{lead} (born {life_date(e['born'], self.lookup.rule)}, died "
                          f"{life_date(e['died'], self.lookup.rule)}).")

    def _life_reply(self, person: str, which: str, workspace: str) -> Reply:
        e = store.entity(self.lookup.db, person)
        card = self.lookup.card(person, workspace=workspace)
        date = e["born"] if which == "born" else e["died"]
        if not date:
            lead = f"The pack gives no date {'of birth' if which == 'born' else 'of death'} for {e['name']}."
            if which == "died" and not e["born"]:
                lead = f"The pack gives no dates for {e['name']}."
        else:
            on = "on" if HistDate.parse(date, "gregorian").day is not None else "in"  # "in 1963", "in Dec 1873"
            lead = f"{e['name']} {'was born' if which == 'born' else 'died'} {on} {life_date(date, self.lookup.rule)}"
            lead += "" if lead.endswith(".") else "."
        return led(card, lead)

    def _events_for(self, person: str, verb: str, said: Collection[str] = frozenset()) -> list[_Event]:
        """The pack's events about `person` (see `_about`: Stolypin's assassination is not the tsar's, though he
        is among its people) with the verb in their name or aliases, the best first. `said`: the words the
        question named them by ("king")."""
        stems = VERBS.get(verb, (verb,))
        own = self.name_words(person)
        scored = []
        for e in self.events:
            if not self._about(person, e, stems, acting=verb in _STANDS_BEFORE, said=said):
                continue
            # the verb's own word counts most ("expelled" over "deported"), then its near synonyms
            if verb in KILLING and _says(e.name_words, r"attempts?"):  # Lenin survived the shots of 1918
                continue
            strength = sum(2 ** (len(stems) - i) for i, s in enumerate(stems) if _says(e.name_words, s))
            if strength:  # then the event that names more of them ("Marie Antoinette", not only "Marie")
                scored.append((-strength, -len(own & e.name_words), e.name, e))
        scored.sort(key=lambda t: t[:3])
        return [e for *_, e in scored]

    def _when_verb(self, phrase: str, verb: str, workspace: str, asked: str = "when",
                   typed: str | None = None) -> Reply | None:
        """"when was Kirov murdered" (or "where ...", `asked`): the event of that deed, which says when and
        where. `typed`: the verb as typed ("proclaimed" of "declared")."""
        people = self.people(phrase, workspace)
        if verb in DEATH_VERBS:
            return self._life(phrase, "died", workspace)
        said = {stem(w) for w in content_words(phrase)}  # "the king": "Flight of the king" names him as typed
        if verb == "come to power" and people:
            return self._to_power(people, phrase, asked, workspace)
        hits = {p: self._events_for(p, verb, said) for p in people}
        with_events = [p for p in people if hits[p]]
        if len(with_events) == 1:  # "the tsar shot": of the three tsars, only one was
            event = hits[with_events[0]][0]
            # unless another could have been, by what the pack says of them: "the tsar assassinated" is also
            # Alexander II, whose summary tells of his killing in 1881, though the pack has no event of it
            others = [p for p in people if p not in with_events and self._summary_says(p, verb)]
            if others:
                return self.offer([event.id, *others], f"{phrase} {verb}")
            return self.lookup.card(event.id, workspace=workspace)
        if with_events:  # one event each; the same event for two people is one choice
            events = list(dict.fromkeys(hits[p][0].id for p in with_events))
            if len(events) == 1:
                return self.lookup.card(events[0], workspace=workspace)
            return self.choose_events(events, f"{phrase} {verb}")
        if people:  # "when was the tsar crowned", "when was Lenin killed": no such event; nothing else answers it
            question = f"{asked} {{who}} {_DONE_BY_ONESELF[verb]}" if verb in _DONE_BY_ONESELF else \
                f"{asked} {{who}} was {verb}"
            return self._no_event(people, phrase, question, dying=verb in _DYING)
        # what was named is no person: the event whose name says the deed was done to it ("Abolition of serfdom",
        # "Proclamation of the Republic", "Consulate established"), the closest named first; else the events
        # holding the words, each holding one of what was named ("Napoleon exiled", where the pack has no
        # Napoleon, is not Sakharov's exile)
        if (named := self._named_as(_DEED_NOUNS.get(verb, ()), phrase)) is not None:  # "Abolition of serfdom"
            return self.lookup.card(named, workspace=workspace)
        stems = VERBS.get(verb, (verb,))
        deeds = self._deeds_to(said, stems)
        # a card only for the one event naming the thing exactly ("Abolition of slavery in ..."); one that names
        # more ("Founding of the Union of Liberation" for "the union") is offered
        exact = [e for e in deeds if _deed_exactly(said, e, stems)]
        if len(exact) == 1:
            return self.lookup.card(exact[0].id, workspace=workspace)
        if deeds:
            ids = [e.id for e in exact] + self.likeliest([e.id for e in deeds if e not in exact], workspace)
            return self.choose_events(ids, f"{phrase} {typed or verb}")
        if verb in _MAKING:  # "the Declaration of the Rights of Man adopted": the event that name is (never for
            named = self._entry(phrase, ("event",), workspace, by_words=False)  # an ending: its name may be its start)
            if named is not None and named.kind == "lookup":
                return named
        found = self.events_by_words(f"{phrase} {typed or verb}", workspace, need=frozenset(said))
        if found is None or found.kind != "lookup":  # "when was the Red Army founded": its card says, not the
            thing = self._entry(phrase, ("term",), workspace, by_words=False)  # events that only name it
            if thing is not None and thing.kind == "lookup":
                return thing
        elif found.match is not None and not _says_exactly(said, found.match.name):
            # an event holding the words, whose name says more than what was named ("Union of Liberation founded"
            # for "the union"): offered, not answered
            return self.choose_events([found.match.id], f"{phrase} {typed or verb}")
        return found

    def _deeds_to(self, said: set[str], stems: tuple[str, ...]) -> list[_Event]:
        """The events whose name or an alias says the verb (`stems`) was done to what the words `said` name,
        those naming it most closely ("of the Republic" before "of the Batavian Republic")."""
        if not said:
            return []
        gaps = [(gap, e) for e in self.events if (gap := _deed_gap(said, e, stems, thing=True)) is not None]
        if not gaps:
            return []
        closest = min(gap for gap, _ in gaps)
        return [e for gap, e in gaps if gap == closest]

    def _to_power(self, people: list[str], phrase: str, asked: str, workspace: str) -> Reply:
        """"when did Gorbachev come to power": the event whose name says so ("Gorbachev comes to power",
        "Kolchak takes power"; the "seizure of power" of the one an event lists first: Lenin's October); else the
        steps the pack names that may be it, earliest first, as choices ("Stalin becomes General Secretary":
        Figes finds no one day); never an event that only holds "power" ("Khrushchev is removed from power")."""
        sure: list[_Event] = []
        steps: list[_Event] = []
        for person in people:
            own = self.name_words(person)
            for e in self.events:
                if e.people and person not in e.people:
                    continue
                if any(_power_taken(t, own) or e.people[:1] == (person,) and in_a_row(t, ("seizure", "of", "power"))
                       for t in e.titles):
                    sure.append(e)
                elif any(_power_step(t, own) for t in e.titles):
                    steps.append(e)
        found = list(dict.fromkeys(e.id for e in sure or steps))
        if len(found) == 1 and sure:
            return self.lookup.card(found[0], workspace=workspace)
        if found:
            return self.choose_events(self._in_time_order(found), f"{phrase} came to power")
        return self._no_event(people, phrase, f"{asked} {{who}} came to power")

    def _summary_says(self, person: str, verb: str) -> bool:
        """Whether a person's summary tells of the verb done to them, by the verb's own word (for a killing,
        any word of a killing done: "the killing", "assassins"; an execution only by its own word)."""
        e = store.entity(self.lookup.db, person)
        if e is None or not e["summary"]:
            return False
        # a killing told in the past or as a noun ("the killing", "assassins"); "a plot to kill him" is no killing
        killing = (r"killed|killing|murdered|assassinat\w*|assassins?",) if verb in _KILLED else ()
        own = killing or VERBS.get(verb, (verb,))[:1]
        # "the assassination of his father": another's
        told = re.sub(r"\b\w+ of (?:his|her|their) \w+", " ", e["summary"].lower())
        words = frozenset(re.findall(r"[^\W_]+", told))
        return any(_says(words, pattern) for pattern in own)

    def offer(self, ids: list[str], phrase: str) -> Reply:
        """Choices of people, or of an event and people ("the tsar assassinated": the Romanovs' execution, and
        Alexander II, whom the pack has no event of), each with its command; a mix says each one's command."""
        names = store.names_of(self.lookup.db, ids)
        shown = [names[i] for i in ids if i in names]
        command = {r["id"]: "when" if r["type"] == "event" else "who" for r in shown}
        mixed = len(set(command.values())) > 1
        lines = [f"• {r['name']}" + (f" (/{command[r['id']]})" if mixed else "") for r in shown]
        return Reply(ok=True, kind="choices",
                     title=f"“{echo(phrase)}” could be {len(shown)} {'things' if mixed else 'people'}: which one?",
                     body="\n".join(lines), buttons=[Button(r["name"], command[r["id"]], r["name"]) for r in shown],
                     suggestions=[Match(r["id"], r["name"], r["type"], 100.0) for r in shown])

    def _no_event(self, people: list[str], phrase: str, question: str, dying: bool = False) -> Reply:
        """No event of the pack answers the question about these people: say so, and never with another entry;
        of a question of a killing (`dying`), with what the pack does know of one of them: their death date
        (Lenin was shot, not killed)."""
        names = store.names_of(self.lookup.db, people)
        who = " or ".join(names[p]["name"] for p in people if p in names)
        body = f"Try /who {echo(phrase)} for what the pack has about them, or /search for the readings."
        if len(people) == 1 and dying:
            e = store.entity(self.lookup.db, people[0])
            if e and e["died"]:
                died = life_date(e["died"], self.lookup.rule)
                body = f"The pack has {e['name']} dying on {died}{'' if died.endswith('.') else '.'} " + body
        return Reply(ok=False, kind="not_found", exit_code=1, title=f"Nothing in the pack says {question.format(who=who)}",
                     body=body, buttons=[Button(names[p]["name"], "who", names[p]["name"]) for p in people if p in names])

    def _who_verb(self, verb: str, phrase: str, workspace: str) -> Reply | None:
        """"who shot Lenin": the event that ties Lenin to a shooting, and the person its name gives (Fanny
        Kaplan); the event itself when its name names nobody else."""
        people = self.people(phrase, workspace)
        for p in people[:1] if len(people) == 1 else people:
            events = self._events_for(p, verb)
            if not events:
                continue
            event = events[0]
            doers = [o for o in event.people if o != p and self._named_in(o, event, besides=p)]
            if len(doers) == 1:
                return self.lookup.card(doers[0], workspace=workspace)
            return self.lookup.card(event.id, workspace=workspace)
        if verb == "founded" and not people:  # "who founded the Cheka": a term or event whose card says who (a
            return self._entry(phrase, ("term", "event"), workspace)  # person is no founding's answer)
        if people:  # "who shot Kaplan": no event of the pack is about that
            return self._no_event(people, phrase, f"who {verb} {{who}}", dying=verb in _DYING)
        return None

    def _about(self, person: str, event: _Event, stems: tuple[str, ...], acting: bool = False,
               said: Collection[str] = frozenset()) -> bool:
        """Whether the event's name or an alias says the verb happened to `person`: "Murder of Rasputin",
        "Assassination attempt on Lenin", "Execution of Admiral Kolchak", "Trotsky is expelled". Being named
        is not enough: "Fanny Kaplan's attempt on Lenin's life" is about Lenin, and "Stalin's wife ... kills
        herself" about no one's killer. An event that lists its people is about one of them only: "Murder of
        Sergei Kirov" names a Sergei, not Sergei Witte, and "Execution of the Romanovs" a Romanov, not Alexander
        II, who was killed in 1881. With `acting` (_STANDS_BEFORE: resign, abdicate), the person may stand right
        before it too: "Gorbachev resigns". `said`: the words the question named them by, which
        name them too in an event that lists them ("Flight of the king": Louis XVI).
        A name that opens with the deed and names no one ("Exile to Saint Helena") is the deed of the person
        another name of the event opens with ("Napoleon surrenders to the British"), when it lists them."""
        if event.people and person not in event.people:
            return False
        own = self.name_words(person) | (set(said) | self._sure_titles(person) if event.people else set())
        # a name that says the deed was done to someone named in full is about that one alone: "Trial of Louis XVI"
        # is not the trial of Louis Antoine de Saint-Just, whose first name is Louis too
        theirs = []
        for title, written in zip(event.titles, event.written):
            whom = self._named_whole(written, stems)
            if whom == person:
                return True
            if whom is None:
                theirs.append(title)
        if _deed_gap(own, replace(event, titles=tuple(theirs)), stems, acting=acting) is not None:
            return True
        if not event.people or not any(t and t[0] in own for t in event.titles):
            return False  # they open no name of the event: not its protagonist
        for title in event.titles:
            deed = title[1:] if title[:1] == ("the",) else title
            if deed and _verb_places(deed[:1], stems[:1]) and not self._names_anyone(title):
                return True
        return False

    def _names_none(self, phrase: str, event: _Event) -> bool:
        """Whether `phrase` names people (words of their own names) and the event's names hold none of those
        words."""
        named = {w for w in (stem(t) for t in content_words(phrase)) if w in self._people_names}
        return bool(named) and not any(_has(event.name_words, w) for w in named)

    def _names_only(self, phrase: str, event: _Event) -> bool:
        """Whether the key words of `phrase` that the event's names hold are all words of people's names."""
        held = {w for w in (stem(t) for t in content_words(phrase)) if _has(event.name_words, w)}
        return bool(held) and not held - self._people_names

    def _named_whole(self, title: tuple[str, ...], stems: tuple[str, ...]) -> str | None:
        """The person a name of an event (its words as written) says the verb (`stems`) was done to, named whole
        right after it ("of / on / against [the] NAME", the matcher sure of it), if any; worked out once per
        Lookup."""
        known = self.lookup.kept("_ask_named_whole", dict)
        if (title, stems) not in known:
            known[title, stems] = self._named_whole_now(title, stems)
        return known[title, stems]

    def _named_whole_now(self, title: tuple[str, ...], stems: tuple[str, ...]) -> str | None:
        for i in _verb_places(title, stems):
            if title[i + 1:i + 2] not in (("of",), ("on",), ("against",)):
                continue
            after = title[i + 2:i + 7]
            after = after[1:] if after[:1] == ("the",) else after
            for k in range(len(after), 1, -1):  # the longest name first; one word alone is no whole name
                res = self.lookup.matcher.resolve(" ".join(after[:k]), {"person"})
                if res.match is not None and res.match.score >= 100:
                    return res.match.candidate.id
        return None

    def _names_anyone(self, title: tuple[str, ...] | frozenset[str]) -> bool:
        """Whether a name's words hold a word of a person's own names."""
        return bool(self._people_words & set(title))

    @property
    def _people_words(self) -> frozenset[str]:
        """The words of every person's own names and aliases (as name_words keeps them)."""
        return self._names_read()[0]

    @property
    def _people_names(self) -> frozenset[str]:
        """The words of every person's own name and full name, no alias ("Elder of the Union" is Kalinin's, but
        "union" names no one)."""
        return self._names_read()[1]

    def _names_read(self) -> tuple[frozenset[str], frozenset[str]]:
        """(_people_words, _people_names), read once per Lookup (kept on it, as `events` is)."""
        return self.lookup.kept("_ask_people_words", self._read_names)

    def _read_names(self) -> tuple[frozenset[str], frozenset[str]]:
        cond, params = store.in_packs(self.lookup.packs, "e")
        every: set[str] = set()
        named: set[str] = set()
        for r in self.lookup.db.query(
                "select e.name, e.full_name, json_group_array(a.alias) as aliases from entities e left join aliases a "
                f"on a.entity_id = e.id where e.type = 'person' and {cond} group by e.id", params):
            own = _own_words([r["name"], r["full_name"] or ""])
            named |= own
            every |= own | _own_words([a for a in json.loads(r["aliases"]) if a])
        return frozenset(every), frozenset(named)

    def _sure_titles(self, person: str) -> set[str]:
        """The titles that name this person for sure in the workspace's packs ("the king" is Louis XVI in the
        French pack, while "the tsar" is any of three), read once per Lookup: in an event that lists them, "Flight
        of the king" is theirs."""
        def read() -> dict[str, set[str]]:
            sure: dict[str, set[str]] = {}
            for title in _RULERS:
                res = self.lookup.matcher.resolve(f"the {title}", {"person"})
                if res.match is not None and res.match.score >= 100:
                    sure.setdefault(res.match.candidate.id, set()).add(title)
            return sure
        return self.lookup.kept("_ask_sure_titles", read).get(person, set())

    def name_words(self, person: str) -> set[str]:
        """The words of a person's names that are their own: no patronymic, and no title ("Tsar Alexander II"
        is not named by "Abdication of the Tsar", though Nicholas II is by his own name there). Read once per
        person and question (a verb's events ask it of each event)."""
        known = self.__dict__.setdefault("_own_words", {})
        if person not in known:
            e = store.entity(self.lookup.db, person)
            known[person] = _own_words([e["name"], e["full_name"] or "", *e["aliases"]]) if e is not None else set()
        return known[person]

    def _named_in(self, person: str, event: _Event, besides: str | None = None) -> bool:
        """Whether the event's name or aliases name `person` by a word of their own names (not one they share
        with `besides`: "Romanov" names the whole family, not Alexei's killer)."""
        own = self.name_words(person) - (self.name_words(besides) if besides else set())
        return bool(own & event.name_words)

    def events_by_words(self, phrase: str, workspace: str, skip: frozenset[str] = frozenset(),
                        earliest_first: bool = False, need: frozenset[str] = frozenset(),
                        active: bool = False) -> Reply | None:
        """Events whose name or aliases hold every key word of `phrase`: the one card when a single event
        does (or clearly best), else the choices by how much of the phrase they hold; None when none does.
        An event whose names hold a word of `skip` is left out, and with `need`, one that holds none of those
        words. With `active` (a phrase "X VERB Y" of a question "when did ..."), so is an event whose names
        have X only after the verb: "the Soviet Union invade Afghanistan" is not "Germany invades the Soviet
        Union". The choices come likeliest first, or with `earliest_first` (a question of a start: "when did the
        Terror begin") in the order they happened."""
        order = [stem(w) for w in content_words(phrase)]
        scored = [(w, e) for w, e in self._by_words(phrase) if skip.isdisjoint(e.name_words)
                  and (not need or any(_has(e.name_words, w) for w in need))
                  and not (active and _done_the_other_way(order, e))]
        full = [e for w, e in scored if w >= 0.999]
        if len(full) == 1:
            return self.lookup.card(full[0].id, workspace=workspace)
        # a near match that holds only names of people says nothing of what was asked of them ("Louis XVI
        # flee" is none of his events), nor one that holds none of the names asked about ("Lenin leave" is not
        # the Aurora's crew refusing to leave Petrograd)
        best = full or [e for w, e in scored if w >= 0.5 and not self._names_only(phrase, e)
                        and not self._names_none(phrase, e)]
        if not best:
            return None
        ids = self.likeliest([e.id for e in best], workspace)
        return self.choose_events(self._in_time_order(ids) if earliest_first else ids, phrase)

    def events_holding(self, phrase: str, workspace: str) -> list[str]:
        """The events whose name or aliases hold every key word of `phrase` (see events_by_words), likeliest
        first."""
        return self.likeliest([e.id for w, e in self._by_words(phrase) if w >= 0.999], workspace)

    def _in_time_order(self, ids: list[str]) -> list[str]:
        """Event ids in the order the events happened (an id that is no event of the packs last)."""
        when = {r["id"]: HistDate.parse(r["date"], r["calendar"]).time_order()
                for r in store.events_among(self.lookup.db, ids, self.lookup.packs)}
        return sorted(ids, key=lambda i: when.get(i, (9999, 0, 0, 0)))

    def likeliest(self, ids: list[str], workspace: str) -> list[str]:
        rank = self.lookup.prominence.for_workspace(workspace)(ids)
        return sorted(ids, key=lambda e: -rank.get(e, 0.0))

    def _by_words(self, phrase: str) -> list[tuple[float, _Event]]:
        """Each event holding a key word of `phrase` with how much of the phrase it holds (1: all of it), the
        most first (events_by_words)."""
        words = {stem(w) for w in content_words(phrase)}
        if not words:
            return []
        numbers_only = all(w.isdigit() for w in words)
        ordinals = words & _ORDINALS
        holding = []
        for e in self.events:
            if ordinals and ordinals.isdisjoint(e.name_words) and not _ORDINALS.isdisjoint(e.name_words):
                continue  # "the Second World War" is never "Russia leaves the First World War"
            # a number only whole ("0" is not in "00447"); and numbers alone, beside words the name lacks, are no
            # match: "25 Oct 1917" is not "25 February 1917"
            # a lone letter is no word an event holds: the "D" of "D-Day" is not the "d" of "coup d'état"
            held = [w for w in words if (w in e.name_words if w.isdigit() else _has(e.name_words, w)
                                         and (len(w) > 1 or w in _NUMERAL_LETTERS))]
            if held and (numbers_only or not all(w.isdigit() for w in held)):
                # a word of the same stem counts for the event beside the words it holds ("executed": "execution"),
                # and a verb the event names another way ("founded": "Creation of the USSR")
                holding.append((held + [w for w in words.difference(held)
                                        if _akin(w, e.name_words) or _verb_in(w, e.name_words)], e))
        if not holding:
            return []
        # a word no event holds, even in another form, weighs as much as the rarest word (one event's), and a name
        # (typed with a capital) more: "Chernobyl explosion" is still the one event that holds "Chernobyl", but
        # "Decembrist revolt" is no other revolt ("Kornilov revolt"), "Tsaritsyn defence" not Moscow's defence
        anywhere = {w for held, _ in holding for w in held}
        anywhere |= {w for w in words - anywhere if any(_akin(w, e.name_words) for e in self.events)}
        named = {stem(w) for w in content_words(" ".join(t for t in phrase.split() if t[:1].isupper()))}
        rarest = math.log(1 + max(len(self.events), 1))
        weigh = {w: self._idf.get(w, 3.0) if w in anywhere else 2 * rarest if w in named else rarest for w in words}
        whole = sum(weigh.values())
        scored = [(_in_one_title(_unnumbered(sum(weigh[w] for w in held) / whole, e, words), e, held), e)
                  for held, e in holding]
        scored.sort(key=lambda t: (-t[0], t[1].name))
        return scored

    def choose_events(self, ids: list[str], phrase: str) -> Reply:
        names = store.names_of(self.lookup.db, ids)
        shown = [names[i] for i in ids if i in names][:5]
        return Reply(
            ok=True, kind="choices", title=f"“{echo(phrase)}” could be {len(shown)} events: which one?" if len(shown) > 1
            else f"Did you mean this event by “{echo(phrase)}”?",
            body="\n".join(f"• {r['name']}" for r in shown),
            buttons=[Button(r["name"], "when", r["name"]) for r in shown],
            suggestions=[Match(r["id"], r["name"], r["type"], 100.0) for r in shown],
        )


def life_date(date: str, rule: CalendarRule) -> str:
    """A person's birth or death date, stored in New Style, in each calendar the pack shows on that day."""
    return HistDate.parse(date, "gregorian").display(rule)
