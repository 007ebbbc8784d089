"""How prominent each entry is, in the pack and in the readings a group sees; and the pack's place names.

When a name fits several people equally ("Alexander", "Tsar", "Bronstein"), /who offers them likeliest
first. Likeliest is how much the pack says about a person plus how much the group's readings do:

- the pack: one point for each citation, each related entry (either way round), each quiz question about
  them and each event they took part in (computed once per index, for every entry);
- the readings: one point for each passage of a reading the workspace sees that links to them (the readings
  repository's `link_counts`, per lookup, for the few people a name leaves undecided: an index lookup each).

The SQL /who resolution needs lives here rather than in bot/store.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: `clio ask` reads the database without importing sqlite-utils
    import sqlite_utils

from bot.storage.readings import Readings, SqliteReadings

# Each pack query yields (entity id, count) rows.
_PACK_COUNTS = (
    "select entity_id, count(*) from citations group by entity_id",
    "select entity_id, count(*) from related group by entity_id",
    "select related_id, count(*) from related group by related_id",
    "select j.value, count(*) from questions q, json_each(q.about) j group by j.value",
    "select j.value, count(*) from events ev, json_each(ev.people) j group by j.value",
)


def pack_points(db: sqlite_utils.Database) -> dict[str, float]:
    """Every entry's prominence in the pack (see the module docstring)."""
    points: Counter[str] = Counter()
    for sql in _PACK_COUNTS:
        for entity_id, n in db.execute(sql).fetchall():
            points[entity_id] += n
    return {k: float(v) for k, v in points.items()}




class Prominence:
    """Prominence of entries for one index: the pack's part once, the readings' part per workspace."""

    def __init__(self, db: sqlite_utils.Database, readings: Readings | None = None):
        self.db = db
        self.readings = readings or SqliteReadings(db)  # the readings' part: how many passages link an entry
        self._pack: dict[str, float] | None = None

    @property
    def pack(self) -> dict[str, float]:
        """The pack's part, counted when a name first leaves several people undecided (most lookups never)."""
        if self._pack is None:
            self._pack = pack_points(self.db)
        return self._pack

    def of(self, ids: Iterable[str], workspace: str) -> dict[str, float]:
        """id -> prominence (pack points plus linked passages the workspace sees)."""
        ids = list(ids)
        readings = self.readings.link_counts(ids, workspace)
        return {i: self.pack.get(i, 0.0) + readings.get(i, 0) for i in ids}

    def for_workspace(self, workspace: str) -> Callable[[list[str]], Mapping[str, float]]:
        """The function a matcher calls to order undecided choices (bot.names.Prominence), for one workspace."""
        def rank(ids: list[str]) -> Mapping[str, float]:
            return self.of(ids, workspace)
        return rank


def place_names(db: sqlite_utils.Database) -> tuple[str, ...]:
    """The names and aliases of the pack's places (terms of kind `place`), for bot.places' `extra`."""
    return tuple(r[0] for r in db.execute(
        "select a.alias from aliases a join entities e on e.id = a.entity_id "
        "where e.type = 'term' and e.kind = 'place' order by a.alias").fetchall())
