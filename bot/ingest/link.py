"""Entity linking: which pack people, terms and events each passage mentions; and the person names a
reading keeps using that the pack does not know yet (candidates for a maintainer to add)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from bot.ingest.passages import Passage
from bot.names import Matcher, name_key

MAX_NAME_WORDS = 5
PROGRESS_EVERY = 100
MIN_CANDIDATE_MENTIONS = 2
_TOKEN = re.compile(r"[^\W_]+(?:['’](?!s\b)[^\W_]+)?")  # "El'tsin" is one word; "Kornilov's" is Kornilov
_CAP = r"[A-Z][a-z\-]+(?:[A-Z][a-z]+)?(?![’'\w])"
_TITLE_CUE = re.compile(
    rf"\b(?:General|Admiral|Colonel|Captain|Prince|Princess|Count|Countess|Baron|Tsar|Tsarina|Grand Duke|Father|"
    rf"Comrade|Professor|Dr|Mr|Mrs|Minister|President|Premier|Commissar|Marshal|Ataman)\.? ((?:{_CAP} ){{0,2}}{_CAP})"
)
_SAID_CUE = re.compile(rf"\b((?:{_CAP} ){{0,2}}{_CAP}),? (?:said|wrote|recalled|declared|argued|claimed|told|remembered|noted|replied)\b")
_SAID_AFTER = re.compile(rf"\b(?:said|wrote|recalled|declared|according to) ((?:{_CAP} ){{1,2}}{_CAP})")
GIVEN_NAMES = frozenset("""Alexander Aleksandr Nikolai Nicholas Vladimir Ivan Pyotr Peter Sergei Sergey Mikhail Grigory Grigorii
    Lev Leon Fyodor Yakov Boris Pavel Paul Dmitry Dmitri Andrei Georgy Georgii Konstantin Viktor Victor Anatoly Alexei
    Aleksei Nikita Yuri Yury Maria Maxim Anna Alexandra Nadezhda Vera Olga Ekaterina Irina John Karl Rosa Joseph Iosif
    Leonid Vasily Vasilii Semyon Stepan Fedor Felix Grigori Matvei Nestor Ilya Ilia Kliment Lazar Vyacheslav Genrikh
    Nikolay Larisa Inessa Evgenia Yevgeny Evgeny Arkady Anton Mark Isaak Julius Yuly Raisa Lavr Pavel Avel Andrey""".split())
_SAID_WORD = re.compile(r"\b(?:said|wrote|recalled|declared|argued|claimed|told|remembered|noted|replied|according to)\b")
_GIVEN_CUE = re.compile(rf"\b((?:{'|'.join(sorted(GIVEN_NAMES))}) (?:{_CAP} )?{_CAP})\b")
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


@dataclass
class SourceLinks:
    """What linking found in one reading."""

    links: dict[int, Counter[str]] = field(default_factory=dict)  # passage seq -> entity id -> mentions
    candidates: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # key -> (name, count, example loc)

    def entities(self) -> set[str]:
        return {e for c in self.links.values() for e in c}


def link_passages(passages: list[Passage], matcher: Matcher, person_ids: set[str],
                  progress: Callable[[int, int], None] | None = None) -> SourceLinks:
    """Link each passage to the entries it names.

    A name or alias owned by one entry links at once. A surname links when one person in the pack has it,
    or, when several do, when exactly one of them is named in full somewhere in the same reading. A first
    name alone never links ("Alexander" is not evidence for Alexander II or Kerensky).
    """
    result = SourceLinks()
    deferred: list[tuple[int, list[str]]] = []
    words_of = [_TOKEN.findall(p.text) for p in passages]
    # most words start no name at all ("the", "of"): find the ones that do once per distinct word, then look
    # at n-grams only where those stand
    starting = {w for w in set().union(*words_of) if matcher.starts_key(_key(w))}
    for done, (p, words) in enumerate(zip(passages, words_of), 1):
        if progress and (done % PROGRESS_EVERY == 0 or done == len(passages)):
            progress(done, len(passages))
        found: Counter[str] = Counter()
        free = 0  # the first word not already part of a name found
        for i in [i for i, w in enumerate(words) if w in starting]:
            if i < free:
                continue
            is_capital = words[i][:1].isupper()
            longest: tuple[int, list[str]] | None = None  # the longest name starting here: (words, entity ids)
            gram = ""
            for n in range(1, min(MAX_NAME_WORDS, len(words) - i) + 1):
                gram = f"{gram} {_key(words[i + n - 1])}" if gram else _key(words[i])
                if not matcher.starts_key(gram):
                    break
                # a first name alone never links; a person only when written with a capital
                ids = list(dict.fromkeys(c.id for c, kind in matcher.exact(gram)
                                         if kind != "given" and (c.id not in person_ids or is_capital)))
                if ids:
                    longest = (n, ids)
            if longest:
                n, ids = longest
                if len(ids) == 1:
                    found[ids[0]] += 1
                else:
                    deferred.append((p.seq, ids))
                free = i + n
        result.links[p.seq] = found
    named_in_full = result.entities()
    for seq, ids in deferred:
        known = [e for e in ids if e in named_in_full]
        if len(known) == 1:
            result.links[seq][known[0]] += 1
    result.candidates = _candidates(passages, words_of, matcher)
    return result


def _candidates(passages: list[Passage], words_of: list[list[str]],
                matcher: Matcher) -> dict[str, tuple[str, int, str]]:
    """Capitalised names with person cues, recurring in the reading, that the pack cannot resolve."""
    cued: dict[str, tuple[str, str]] = {}
    for p in passages:
        said = _SAID_WORD.search(p.text)  # most passages quote no one: skip the two costly "said" patterns
        for rx in (_TITLE_CUE, _SAID_CUE, _SAID_AFTER, _GIVEN_CUE) if said else (_TITLE_CUE, _GIVEN_CUE):
            for m in rx.finditer(p.text):
                name = m.group(1).strip()
                words = name.split()
                while words and words[0] in _NOT_NAMES:
                    words = words[1:]
                if not words or words[-1] in _NOT_NAMES or words[-1] in GIVEN_NAMES and len(words) == 1:
                    continue
                name = " ".join(words)
                key = name_key(words[-1])
                if len(key) < 3 or key in cued:
                    continue
                cued[key] = (name, p.loc)
    if not cued:
        return {}
    counts: Counter[str] = Counter()
    common: set[str] = set()  # written in lower case somewhere too ("house", "staff"): a word, not a name
    for tok, n in Counter(w for words in words_of for w in words).items():
        k = _key(tok)
        if k in cued:
            if tok[:1].isupper():
                counts[k] += n
            elif tok.islower():
                common.add(k)
    out = {}
    for key, (name, loc) in cued.items():
        if counts[key] < MIN_CANDIDATE_MENTIONS or (key in common and len(name.split()) == 1):
            continue
        res = matcher.resolve(name, {"person"})
        if res.match or res.choices or any(kind != "given" for _, kind in matcher.exact(key)):
            continue  # the pack knows this person (or several by that name)
        out[key] = (name, counts[key], loc)
    return out
