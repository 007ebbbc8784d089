"""The matcher's keys kept in the database, so a new process (`clio ask`) reads them instead of normalising
every name of the index again.

The stored keys are valid for one signature: the indexed pack's fingerprint, the entries and their names
(count and last row of each table), and the code that makes keys (bot/names.py, bot/places.py and the
installed pycountry's version). Readings are not in it: the keys are made from the packs' names alone
(`store.all_names`), and readings may live in another database (PostgreSQL) than the keys. Anything else
and the matcher is built again from the index and stored under the new signature. Stored as JSON, never
pickled: reading it runs no code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: `clio ask` reads the database without importing sqlite-utils
    import sqlite_utils

from bot.names import Matcher

log = logging.getLogger("clio.names")
FORMAT = 1
_TABLE = "matcher_keys"
KEEP = 8  # stored matchers kept: one per set of packs in use, the oldest dropped
_CODE = [Path(__file__).with_name("names.py"), Path(__file__).with_name("places.py")]


def _pycountry_version() -> str:
    """The installed pycountry's version, read from its distribution's folder name beside the package: importing
    pycountry or importlib.metadata costs a new process (`clio ask`) more time than the whole lookup. Else the
    package's metadata, else nothing."""
    spec = importlib.util.find_spec("pycountry")
    if spec is not None and spec.origin:
        site = Path(spec.origin).parent.parent
        found = sorted(p.name for p in site.glob("pycountry-*.dist-info"))
        if len(found) == 1:
            return found[0].removeprefix("pycountry-").removesuffix(".dist-info")
    from importlib import metadata

    try:
        return metadata.version("pycountry")
    except metadata.PackageNotFoundError:
        return ""


def signature(db: sqlite_utils.Database, scope: str = "") -> str:
    h = hashlib.sha256(f"format {FORMAT}\0{scope}\0".encode())
    for p in _CODE:
        h.update(p.read_bytes())
    h.update(_pycountry_version().encode())
    for part in packs_state(db):
        h.update(part.encode())
    return h.hexdigest()


def packs_state(db: sqlite_utils.Database) -> list[str]:
    """What changes whenever a pack is indexed: the packs' fingerprints, and the count and last row of the entries
    and of their names, each as JSON ("-" for a table not made yet). What the matcher's keys are signed with, and
    bot.store.link_facts' facts kept by."""
    parts = []
    for sql in ("select key, value from meta where key like 'pack:%' order by key",
                "select count(*), max(rowid) from entities", "select count(*), max(rowid) from aliases"):
        try:
            parts.append(json.dumps(db.execute(sql).fetchall(), default=str))
        except sqlite3.OperationalError:  # a table not made yet
            parts.append("-")
    return parts


def load(db: sqlite_utils.Database, build: Callable[[], Matcher], scope: str = "",
         places: Iterable[str] = ()) -> Matcher:
    """The matcher stored for the index as it is now, else `build()` stored for next time. `scope` names
    which entries it holds (a workspace's packs): each scope's keys are kept beside the others'. The keys of
    `places` (the pack's own place names, bot.places' `extra`) are kept with it, and given back to bot.places."""
    places = sorted(set(places))
    sig = signature(db, scope)
    try:
        row = db.execute(f"select state from {_TABLE} where sig = ?", [sig]).fetchone()
    except sqlite3.OperationalError:
        row = None
    if row:
        try:
            state = json.loads(row[0])
            matcher = Matcher.from_state(state)
            from bot.places import use_stored_extra_keys, use_stored_keys

            use_stored_keys(matcher.places)  # the same code made them (see signature)
            if state.get("place_names") == places and "place_keys" in state:
                use_stored_extra_keys(frozenset(places), frozenset(state["place_keys"]))
            return matcher
        except (ValueError, KeyError, TypeError, IndexError) as e:  # a damaged row: build it again
            log.warning("stored matcher keys unreadable (%s); rebuilding", type(e).__name__)
    matcher = build()
    try:
        with db.conn:
            db.execute(f"create table if not exists {_TABLE} (sig text primary key, state text not null)")
            db.execute(f"delete from {_TABLE} where rowid not in (select rowid from {_TABLE} "
                       f"order by rowid desc limit {KEEP - 1})")  # the latest few scopes' keys
            db.execute(f"insert into {_TABLE} (sig, state) values (?, ?)",
                       [sig, json.dumps(_state(matcher, places), separators=(",", ":"))])
    except sqlite3.OperationalError as e:  # read-only or busy: answer anyway, store another time
        log.info("matcher keys not stored: %s", e)
    return matcher


def _state(matcher: Matcher, places: list[str]) -> dict:
    from bot.places import extra_keys

    return {**matcher.state(), "place_names": places, "place_keys": sorted(extra_keys(places))}
