"""The few entries a card offers next, chosen by how closely the pack ties them to the entry.

A tie is something the pack says: the entry's own `related` list, an entry whose `related` names it back, an
event's `people`, and events both take part in. Each tie weighs; the strongest few are shown, nearest in time
first among equals. An entry the pack ties only weakly (one link back: Vladimir Putin's entry linking to
Lenin) never crowds out the people the pack puts beside the entry, and nothing the pack does not tie is ever
offered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: `clio ask` reads the database without importing sqlite-utils
    import sqlite_utils

MAX_RELATED = 6

OWN_LINK = 4  # in the entry's own `related`
PEOPLE_LINK = 4  # the entry is an event with this person in its `people`, or this event has the entry in its
LINK_BACK = 2  # names the entry in its own `related`
SHARED_EVENT = 1  # each event that ties both


@dataclass(frozen=True)
class Related:
    id: str
    name: str
    type: str
    weight: int


def _year(value: str | None) -> int | None:
    try:
        return int(str(value)[:4]) if value else None
    except ValueError:
        return None


def _era(row: dict) -> tuple[int, int] | None:
    """The years an entry spans: a life, an event's days; None for a term."""
    first = _year(row.get("born")) or _year(row.get("date"))
    last = _year(row.get("died")) or _year(row.get("end_date")) or first
    if first is None:
        return None
    return first, max(last or first, first)


def _gap(a: tuple[int, int] | None, b: tuple[int, int] | None) -> int:
    if a is None or b is None:
        return 0
    return max(0, b[0] - a[1], a[0] - b[1])


def ties(db: sqlite_utils.Database, entity_id: str) -> dict[str, int]:
    """Every entry the pack ties to `entity_id`, with the weight of its ties."""
    weight: dict[str, int] = {}

    def add(other: str, w: int) -> None:
        if other != entity_id:
            weight[other] = weight.get(other, 0) + w

    own = [r["related_id"] for r in db.query("select related_id from related where entity_id = ?", [entity_id])]
    back = [r["entity_id"] for r in db.query("select entity_id from related where related_id = ?", [entity_id])]
    for other in own:
        add(other, OWN_LINK)
    for other in back:
        add(other, LINK_BACK)
    mine = next(db.query("select people from events where id = ?", [entity_id]), None)
    people = json.loads(mine["people"] or "[]") if mine else []
    for other in people:
        add(other, PEOPLE_LINK)
    # the events this entry takes part in: as one of their people, or linked either way
    with_me = [r["id"] for r in db.query("select id, people from events where people like ?", [f'%"{entity_id}"%'])
               if entity_id in json.loads(r["people"] or "[]")]
    for other in with_me:
        add(other, PEOPLE_LINK)
    events = set(with_me) | {e for e in [*own, *back] if _is_event(db, e)}
    for event in events:
        row = next(db.query("select people from events where id = ?", [event]), None)
        tied = set(json.loads(row["people"] or "[]") if row else [])
        tied |= {r["related_id"] for r in db.query("select related_id from related where entity_id = ?", [event])}
        for other in tied:
            add(other, SHARED_EVENT)
    return weight


def _is_event(db: sqlite_utils.Database, entity_id: str) -> bool:
    return next(db.query("select 1 from events where id = ?", [entity_id]), None) is not None


def related(db: sqlite_utils.Database, entity_id: str, limit: int = MAX_RELATED) -> list[Related]:
    """The `limit` entries the pack ties most closely to `entity_id`: heaviest ties first, then nearest in
    time, then by name."""
    weight = ties(db, entity_id)
    if not weight:
        return []
    ids = [entity_id, *weight]
    marks = ",".join("?" * len(ids))
    rows = {r["id"]: r for r in db.query(
        "select e.id, e.name, e.type, e.born, e.died, ev.date, ev.end_date from entities e "
        f"left join events ev on ev.id = e.id where e.id in ({marks})", ids)}
    here = _era(rows[entity_id]) if entity_id in rows else None
    found = [rows[i] for i in weight if i in rows]
    found.sort(key=lambda r: (-weight[r["id"]], _gap(here, _era(r)), r["name"]))
    return [Related(r["id"], r["name"], r["type"], weight[r["id"]]) for r in found[:limit]]
