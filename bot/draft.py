"""`clio pack draft READINGS... --out DIR`: a first draft of a content pack from a group's readings, for an
editor to correct.

The readings are ingested into a scratch database on an empty pack; the draft then lists
- people: names the readings write with a capital at least five times and never in lower case (the same rule
  /who uses for a workspace without a pack), in their fuller form, citing the paragraphs that name them;
- events: the day-precise dates the readings state, one per day, citing the paragraph that states it;
- terms: capitalised phrases of several words that recur ("Committee of Public Safety").
Nothing of the readings' wording goes into the draft: names, dates and paragraph numbers only. Every name,
summary and kind the editor must write says TODO, and `clio validate` lists each TODO left with its file and
line, so a draft never passes for a finished pack.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.dates import HistDate
from bot.names import name_key
from bot.places import is_place
from bot.services.readnames import NEVER_NAMES, UPPER, find_people

TODO = "TODO"
MAX_PEOPLE = 150
MAX_EVENTS = 300
MAX_TERMS = 120
MAX_LOCS = 3

_REGNAL = re.compile(r"^[A-Z][\w'’-]+ [IVX]+$")  # Louis XVI: a person, not a term
_PHRASE = re.compile(rf"(?<![\w'’-])[{UPPER}][\w'’-]+(?:\s+(?:(?:of|the|de|du|des|and|for|on|la|le)\s+)?[{UPPER}][\w'’-]+){{1,4}}")


@dataclass
class Draft:
    people: int
    events: int
    terms: int
    files: list[Path]


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return s[:60].rstrip("-") or "entry"


def draft_pack(readings: list[Path], out: Path, *, pack_id: str | None = None) -> Draft:
    """Write a draft pack for `readings` into `out` (created; existing draft files are replaced)."""
    out.mkdir(parents=True, exist_ok=True)
    pack_id = pack_id or slug(out.name)
    reading_ids = _reading_ids(readings)
    with tempfile.TemporaryDirectory(prefix="clio-draft-") as tmp:
        scratch = Path(tmp) / pack_id
        scratch.mkdir()
        (scratch / "pack.yaml").write_text(yaml.safe_dump(
            {"id": pack_id, "title": "draft", "readings": []}, sort_keys=False), encoding="utf-8")
        from bot.app import Clio  # the app imports the services; kept here so `clio validate` stays light
        from bot.config import Settings

        app = Clio(Settings(db_path=Path(tmp) / "draft.db", content_dir=Path(tmp), pack=pack_id))
        try:
            for path in readings:
                app.ingest(path)
            rows = list(app.db.query(
                "select p.id, p.text, p.loc, p.source_id, s.filename as file from passages p join sources s on s.id = p.source_id "
                "where p.prose = 1 order by s.filename, p.seq"))
            dates = list(app.db.query(
                "select pd.date, pd.calendar, pd.passage_id, p.loc, s.filename as file from passage_dates pd "
                "join passages p on p.id = pd.passage_id join sources s on s.id = pd.source_id order by pd.sort_key"))
        finally:
            app.close()
    by_file = {p.name: rid for p, rid in reading_ids.items()}
    people = _people(rows, by_file)
    taken = {slug(p["name"]) for p in people}
    terms = _terms(rows, by_file, {name_key(p["name"]) for p in people}, taken)
    events = _events(dates, by_file, taken | {t["id"] for t in terms})
    years = sorted({int(e["date"][:4]) for e in events})
    meta = {
        "id": pack_id,
        "title": f"{TODO}: the pack's title",
        "description": f"{TODO}: one or two sentences on what the pack covers.",
        "periods": [f"{years[0]}-{years[-1]}"] if years else [],
        "readings": [{"id": rid, "title": f"{TODO}: title of {p.name}", "author": f"{TODO}: author",
                      "kind": "article", "file": p.name}
                     for p, rid in reading_ids.items()],
    }
    if not meta["periods"]:
        del meta["periods"]
    head = ("# A draft made by `clio pack draft` from the group's readings: names, dates and paragraph numbers\n"
            "# only. Write every TODO in your own words, check every fact against the readings, delete what is\n"
            "# wrong; `clio validate` lists what is still to do.\n")
    files = []
    for name, data in (("pack.yaml", meta), ("people.yaml", {"people": people}), ("events.yaml", {"events": events}),
                       ("terms.yaml", {"terms": terms})):
        path = out / name
        path.write_text(head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
        files.append(path)
    return Draft(len(people), len(events), len(terms), files)


def _reading_ids(readings: list[Path]) -> dict[Path, str]:
    ids: dict[Path, str] = {}
    for p in readings:
        base = slug(p.stem)
        rid, n = base, 2
        while rid in ids.values():
            rid, n = f"{base}-{n}", n + 1
        ids[p] = rid
    return ids


def _locs(locs: list[str]) -> str:
    paras = []
    for loc in locs:
        m = re.search(r"para (\d+)", loc)
        if m and int(m.group(1)) not in paras:
            paras.append(int(m.group(1)))
    paras = sorted(paras)[:MAX_LOCS]
    return ("para " if len(paras) == 1 else "paras ") + ", ".join(map(str, paras)) if paras else ""


def _sources(where: dict[str, list[str]], by_file: dict[str, str]) -> list[dict]:
    out = []
    for file, locs in sorted(where.items(), key=lambda kv: -len(kv[1])):
        ref = {"reading": by_file[file]}
        loc = _locs(locs)
        if loc:
            ref["loc"] = loc
        out.append(ref)
    return out


def _people(rows: list[dict], by_file: dict[str, str]) -> list[dict]:
    people = []
    for person in find_people(rows, MAX_PEOPLE):
        where: dict[str, list[str]] = defaultdict(list)
        for r in person.rows:
            where[r["file"]].append(r["loc"])
        people.append({"id": slug(person.name), "name": person.name,
                       "summary": f"{TODO}: who {person.name} was, in your own words (the readings name them "
                                  f"{person.mentions} times).",
                       "sources": _sources(where, by_file)})
    return people


def _terms(rows: list[dict], by_file: dict[str, str], people: set[str], taken: set[str]) -> list[dict]:
    counts: Counter[str] = Counter()
    where: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        for m in _PHRASE.finditer(r["text"]):
            words = m.group(0).split()
            while words and words[0].lower() in NEVER_NAMES | {"the", "in", "on", "at", "by", "as", "of", "and"}:
                words = words[1:]
            phrase = " ".join(words)
            if len(words) < 2 or words[0][:1].islower() or _REGNAL.match(phrase):
                continue
            counts[phrase] += 1
            where[phrase][r["file"]].append(r["loc"])
    terms = []
    for phrase, n in counts.most_common():
        if n < 3 or len(terms) >= MAX_TERMS:
            break
        tid = slug(phrase)
        if name_key(phrase) in people or tid in taken or is_place(phrase) \
                or any(word in people for word in map(name_key, phrase.split())) \
                or any(name_key(phrase).endswith(p) or p.endswith(name_key(phrase)) for p in people):
            continue
        taken.add(tid)
        terms.append({"id": tid, "name": phrase, "kind": "concept",
                      "summary": f"{TODO}: what {phrase} is, in your own words; set its kind.",
                      "sources": _sources(where[phrase], by_file)})
    return terms


def _events(dates: list[dict], by_file: dict[str, str], taken: set[str]) -> list[dict]:
    events = []
    seen: set[str] = set()
    for d in dates:
        try:
            h = HistDate.parse(d["date"])
        except Exception:
            continue
        if h.day is None or d["date"] in seen or len(events) >= MAX_EVENTS:
            continue
        seen.add(d["date"])
        eid = f"event-{d['date']}"
        if eid in taken:
            continue
        calendar = "julian" if d["calendar"] == "julian" else "gregorian"
        events.append({"id": eid, "name": f"{TODO}: name the event of {d['date']} ({by_file[d['file']]}, {d['loc']})",
                       "date": d["date"], "calendar": calendar,
                       "summary": f"{TODO}: what happened, in your own words, from {d['loc']} of the reading.",
                       "sources": [{"reading": by_file[d["file"]], "loc": d["loc"]}]})
    return events
