"""Realistic generated Russian names for the name-matching benchmark and tests: given name, patronymic and
surname, in the forms a pack or a reading gives them ("Ivan Petrovich Sidorov", "I. P. Sidorov", "Sidorov"),
spelled by several transliteration conventions ("Aleksei"/"Alexey", "-sky"/"-skii", "Yevgeny"/"Evgenii").

`people(n, rng)` returns n (display name, [names]) pairs: the display name and the other names a person is
registered under, as `Matcher.add` takes them. `typo(name, rng)` misspells a name once, as a user would.
"""

from __future__ import annotations

import random
import string

MALE = """Aleksandr Aleksei Anatoly Andrei Anton Arkady Boris Vadim Valentin Valery Vasily Viktor Vitaly Vladimir
Vladislav Vyacheslav Gavriil Gennady Georgy Gleb Grigory Daniil Denis Dmitry Evgeny Egor Ivan Igor Ilya Iosif
Kirill Konstantin Lavr Lev Leonid Maksim Matvei Mikhail Nikita Nikolai Oleg Pavel Pyotr Roman Ruslan Semyon
Sergei Stanislav Stepan Timofei Fyodor Filipp Yakov Yaroslav Yury Emelyan Zakhar Afanasy Trofim Kliment
Nestor Osip Prokhor Savva Taras Terenty Fedot Ignaty Innokenty Kuzma Luka Makar Mitrofan Nazar Platon""".split()
FEMALE = """Aleksandra Alla Anastasia Anna Antonina Valentina Valeria Vera Viktoria Galina Daria Evgenia Ekaterina
Elena Elizaveta Zinaida Zoya Inessa Irina Klavdia Ksenia Larisa Lidia Lyubov Lyudmila Margarita Maria Marina
Nadezhda Natalia Nina Olga Polina Raisa Svetlana Sofia Tamara Tatiana Ulyana Yulia Aglaya Praskovia Fekla""".split()
# transliteration variants of given names, as different books spell them
VARIANTS = {"Aleksei": ["Alexei", "Alexey", "Aleksey"], "Aleksandr": ["Alexander", "Aleksander"],
            "Evgeny": ["Yevgeny", "Evgenii", "Yevgeniy"], "Yury": ["Yuri", "Iurii", "Yuriy"],
            "Georgy": ["Georgii", "Georgiy"], "Dmitry": ["Dmitri", "Dmitrii"], "Sergei": ["Sergey", "Sergii"],
            "Nikolai": ["Nikolay"], "Andrei": ["Andrey"], "Matvei": ["Matvey"], "Timofei": ["Timofey"],
            "Fyodor": ["Fedor", "Feodor"], "Pyotr": ["Petr", "Piotr"], "Semyon": ["Semen"], "Yakov": ["Iakov"],
            "Maksim": ["Maxim"], "Ksenia": ["Xenia"], "Natalia": ["Natalya"], "Tatiana": ["Tatyana"],
            "Daria": ["Darya"], "Sofia": ["Sofya"], "Maria": ["Mariya"], "Yulia": ["Iulia", "Julia"]}
ONSETS = "b v g d zh z k l m n p r s t f kh ts ch sh shch br gr kr pr tr dr st sk sm sv zv pl bl gl kl".split()
VOWELS = "a o e i u y ya yu".split()
SUFFIXES = [("ov", "ova"), ("ev", "eva"), ("in", "ina"), ("sky", "skaya"), ("ovsky", "ovskaya"), ("enko", "enko"),
            ("ykh", "ykh"), ("yuk", "yuk"), ("insky", "inskaya"), ("nikov", "nikova"), ("tsev", "tseva"),
            ("shin", "shina"), ("kin", "kina"), ("yev", "yeva")]
# how the same surname ending is spelled by other conventions
SUFFIX_SPELLINGS = {"sky": ["skii", "skiy", "skij"], "ev": ["yev", "iev"], "ykh": ["ikh"], "tsev": ["tzev", "cev"]}


def _surnames(count: int, rng: random.Random) -> list[str]:
    found: dict[str, None] = {}
    while len(found) < count:
        root = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(rng.choice((1, 2, 2, 3))))
        found[root + "|" + str(rng.randrange(len(SUFFIXES)))] = None
    return list(found)


def _patronymic(father: str, female: bool) -> str:
    stem = father[:-1] if father[-1] in "iy" else father
    ending = ("evna" if female else "evich") if father[-1] in "iy" else ("ovna" if female else "ovich")
    return stem + ending


def _spell(given: str, rng: random.Random) -> str:
    return rng.choice([given, *VARIANTS.get(given, [])])


def people(n: int, rng: random.Random, surnames: int | None = None) -> list[tuple[str, list[str]]]:
    """n people, each (display name, other names); about n/20 distinct surnames (at least 2,000)."""
    pool = _surnames(surnames or max(2_000, n // 20), rng)
    out: list[tuple[str, list[str]]] = []
    for _ in range(n):
        female = rng.random() < 0.35
        given = rng.choice(FEMALE if female else MALE)
        root, suffix = pool[rng.randrange(len(pool))].split("|")
        male_end, female_end = SUFFIXES[int(suffix)]
        end = female_end if female else male_end
        if not female and end in SUFFIX_SPELLINGS and rng.random() < 0.3:
            end = rng.choice(SUFFIX_SPELLINGS[end])
        surname = (root + end).capitalize()
        patronymic = _patronymic(rng.choice(MALE), female)
        display = f"{_spell(given, rng)} {surname}"
        names = [display, f"{given} {patronymic} {surname}"]
        if rng.random() < 0.3:
            names.append(f"{given[0]}. {patronymic[0]}. {surname}")
        if rng.random() < 0.2:
            names.append(f"{_spell(given, rng)} {patronymic} {surname}")
        out.append((display, names))
    return out


def typo(name: str, rng: random.Random) -> str:
    """One slip in the longest word of a name: two letters swapped, one dropped, one doubled or one wrong."""
    words = name.split()
    i = max(range(len(words)), key=lambda j: len(words[j]))
    w = words[i]
    p = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        w = w[:p] + w[p + 1] + w[p] + w[p + 2:]
    elif kind == 1:
        w = w[:p] + w[p + 1:]
    elif kind == 2:
        w = w[:p] + w[p] + w[p:]
    else:
        w = w[:p] + rng.choice(string.ascii_lowercase) + w[p + 1:]
    words[i] = w
    return " ".join(words)
