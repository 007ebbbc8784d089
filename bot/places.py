"""Place words: countries, nationalities, regions, cities and dynasties, which never name a person.

"Germany", "Austria", "Hesse" and "Romanov" all appear inside people's names ("Wilhelm II of Germany", "Alix
of Hesse", "Nikolai Romanov"), so a matcher that takes a name's last word for a surname would answer
`/who Germany` with the Kaiser. Code that derives names (bot.names), answers /who (bot.services.lookup) or
links passages to people (bot.ingest) asks this module first.

The list is built once per process, without a database, from:

- pycountry (ISO 3166): every country's name, common and official name, and the historic countries
  (USSR, Czechoslovakia, Yugoslavia, ...);
- pycountry (ISO 639-1): the major languages, whose English names are mostly the nationality adjectives
  (German, Russian, Polish, Georgian, ...), and the "-n" adjectives of country names ending in -a
  (Austria -> Austrian, Serbia -> Serbian), with the plurals of both (Germans, Austrians);
- the historical and regional names this subject needs that ISO does not list (Prussia, Hesse, Galicia,
  Siberia, Petrograd, ...), and the dynasties (Romanov, Habsburg, Hohenzollern, ...).

A content pack's own places (terms of kind `place`) are not known here: pass their names as `extra`.

Interface:

- `place_keys(extra=()) -> frozenset[str]`: every place word, normalised with `bot.names.name_key`, plus the
  keys of `extra` (any iterable of names; the result is cached per distinct `extra`, so pass the same
  tuple or frozenset each time rather than a fresh generator).
- `is_place(text, extra=()) -> bool`: whether `text` ("Germany", "the Ukraine", "Germans", "Romanov") is one
  of them. Fast: one normalisation and a set lookup.
- `is_dynasty(text) -> bool`, `dynasty_keys()`: the dynasty words alone (a /who of "Romanov" lists the
  Romanovs the pack has instead of answering one of them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from bot.names import name_key

# Names ISO does not give (historical states, provinces, regions, cities, rivers) that the readings of this
# subject use as places. Only whole names: a word here never counts as a person's surname.
_HISTORICAL = """
Prussia; Prussian; Prussians; East Prussia; Hesse; Hesse-Darmstadt; Hessian; Bavaria; Bavarian; Saxony; Saxon;
Wurttemberg; Baden; Silesia; Pomerania; Bohemia; Moravia; Galicia; Bukovina; Transylvania; Bessarabia;
Courland; Livonia; Estland; Baltic; the Baltic states; Ingria; Karelia; Finland; Poland; Congress Poland;
Little Russia; Little Russian; Great Russia; White Russia; Belorussia; Byelorussia; Ruthenia; Ruthenian;
Ukraine; the Ukraine; Ukrainians; Crimea; the Crimea; Crimean; Caucasus; the Caucasus; Transcaucasia;
Caucasian; Siberia; Siberian; Siberians; Turkestan; Central Asia; Manchuria; Manchurian; Mongolia; Far East;
Urals; the Urals; Volga; Don; Kuban; Donbas; Donbass; Russia; Russians; Soviet Union; USSR; the Soviet Union;
Russian Empire; Muscovy; Muscovite; Muscovites; Rus; Kievan Rus; Petrograd; St Petersburg; Saint Petersburg;
Petersburg; Leningrad; Moscow; Kiev; Kyiv; Odessa; Odesa; Kharkov; Kharkiv; Tsaritsyn; Stalingrad; Volgograd;
Kronstadt; Brest-Litovsk; Ekaterinburg; Yekaterinburg; Sverdlovsk; Perm; Omsk; Tomsk; Samara; Kazan; Tiflis;
Tbilisi; Baku; Riga; Warsaw; Vilna; Vilnius; Helsingfors; Helsinki; Minsk; Smolensk; Novgorod; Nizhny Novgorod;
Sevastopol; Archangel; Arkhangelsk; Murmansk; Vladivostok; Port Arthur; Tsushima; Mukden; Berlin; Vienna;
Paris; London; Rome; Constantinople; Istanbul; Sarajevo; Budapest; Prague; Geneva; Zurich; Brussels;
Austria-Hungary; Austro-Hungarian; Austro-Hungarians; Habsburg Empire; Ottoman Empire; German Empire;
Britain; Great Britain; British; the British; England; Scotland; Scots; Wales; Ireland; America; American;
Americans; the United States; USA; UK; the West; Western Europe; Eastern Europe; Europe; European;
Europeans; Asia; Asian; Africa; African; Greek; Greeks; Poles; Finns; Swedes; Danes; Czechs; Slovaks; Serbs;
Croats; Turks; Magyars; Germans; Austrians; French; the French; Frenchmen; Dutch; Swiss; Belgian; Belgians;
Cossack; Cossacks; Tatars; Tartars; Slav; Slavs; Slavic; Slavonic
"""

_DYNASTIES = """
Romanov; Romanovs; Romanova; House of Romanov; Holstein-Gottorp-Romanov; Rurik; Rurikid; Rurikids;
Habsburg; Habsburgs; Hapsburg; Hapsburgs; Habsburg-Lorraine; Hohenzollern; Hohenzollerns; Windsor;
Saxe-Coburg; Saxe-Coburg and Gotha; Saxe-Coburg-Gotha; Bourbon; Bourbons; Ottoman;
Ottomans; Osmanli; Wittelsbach; Glucksburg; Hanover; Hanoverian; Savoy; Orleans
"""

_PARENTHESES = re.compile(r"\s*\([^)]*\)")


def _split(block: str) -> list[str]:
    return [s.strip() for s in block.replace("\n", " ").split(";") if s.strip()]


def _iso_names() -> set[str]:
    """Country names (current and historic) and nationality adjectives from pycountry."""
    import pycountry  # here: a process with the keys stored (bot.name_cache) never needs its databases

    names: set[str] = set()
    countries: list[str] = []
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                names.add(value)
                head = value.split(",")[0].strip()  # "Korea, Republic of" -> "Korea"
                names.add(head)
                countries.append(head)
    for c in pycountry.historic_countries:
        parts = [p.strip() for p in c.name.split(",")]  # "USSR, Union of Soviet Socialist Republics"
        names.add(parts[0])
        names.update(p for p in parts[1:] if not p.endswith(" of") and not p.startswith("("))
    adjectives: set[str] = set()
    for lang in pycountry.languages:
        if getattr(lang, "alpha_2", None):  # ISO 639-1: the major languages, not every dialect of ISO 639-3
            adjectives.add(_PARENTHESES.sub("", lang.name).strip())
    adjectives.update(f"{n}n" for n in countries if " " not in n and n.endswith("a"))  # Austria -> Austrian
    names |= adjectives
    names.update(f"{a}s" for a in adjectives if " " not in a and a.endswith("an"))  # Germans, Austrians
    return names


def _keys(names: Iterable[str]) -> set[str]:
    keys: set[str] = set()
    for n in names:
        k = name_key(n)
        if k:
            keys.add(k)
            if k.startswith("the "):  # "the Ukraine" and "Ukraine" are one place
                keys.add(k[4:])
    return keys


@lru_cache(maxsize=1)
def dynasty_keys() -> frozenset[str]:
    """The dynasty words (Romanov, Habsburg, Hohenzollern, ...), normalised with name_key."""
    return frozenset(_keys(_split(_DYNASTIES)))


_stored_keys: frozenset[str] | None = None  # the built-in list as bot.name_cache stored it, when it did


def use_stored_keys(keys: frozenset[str]) -> None:
    """Take the built-in list from a store made by this same code (bot.name_cache), instead of reading
    pycountry's databases again: a new process answers sooner."""
    global _stored_keys
    _stored_keys = keys


@lru_cache(maxsize=1)
def _base_keys() -> frozenset[str]:
    if _stored_keys is not None:
        return _stored_keys
    return frozenset(_keys(_iso_names()) | _keys(_split(_HISTORICAL)) | dynasty_keys())


_stored_extra: dict[frozenset[str], frozenset[str]] = {}  # a pack's places -> their keys, as bot.name_cache stored them


def use_stored_extra_keys(extra: frozenset[str], keys: frozenset[str]) -> None:
    """Take the keys of a pack's own places (`extra`) from a store made by this same code (bot.name_cache)
    instead of normalising each name again: `clio ask` then never imports anyascii for a Cyrillic place name."""
    _stored_extra[extra] = keys


def extra_keys(extra: Iterable[str]) -> frozenset[str]:
    """The keys of the names in `extra` alone (what `use_stored_extra_keys` takes back)."""
    return frozenset(_keys(extra))


@lru_cache(maxsize=32)
def _with_extra(extra: frozenset[str]) -> frozenset[str]:
    stored = _stored_extra.get(extra)
    return _base_keys() | (stored if stored is not None else extra_keys(extra))


def place_keys(extra: Iterable[str] = ()) -> frozenset[str]:
    """Every place word's key (see the module docstring), plus the keys of the names in `extra` (a pack's
    own places). Cached: the built-in list is made once per process, each distinct `extra` once."""
    extra = frozenset(extra)
    return _with_extra(extra) if extra else _base_keys()


def _query_key(text: str) -> str:
    key = name_key(text)
    return key[4:] if key.startswith("the ") else key


def is_place(text: str, extra: Iterable[str] = ()) -> bool:
    """Whether `text` is a country, nationality, region, city or dynasty word (or one of `extra`)."""
    key = _query_key(text)
    return bool(key) and key in place_keys(extra)


def is_dynasty(text: str) -> bool:
    """Whether `text` names a dynasty ("Romanov", "the Habsburgs")."""
    key = _query_key(text)
    return bool(key) and key in dynasty_keys()
