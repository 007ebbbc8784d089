"""The precision report: what Clio derived from a set of readings by itself (dates, person links, generated
questions, the person names the pack lacks), each beside the sentence it came from, and how often it is right on
hand-labelled samples.

Labels live in YAML files (tests/labels/): each names a reading, a paragraph, the words as written and the
truth a person checked by hand. An item Clio derived is right when it agrees with the label; an item Clio
left out counts for nothing (a shorter answer beats a wrong one) but the report says how many it left out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
import yaml

from bot import store
from bot.dates import HistDate
from bot.ingest.link import link_passages
from bot.ingest.passages import Passage, sentences
from bot.names import Matcher
from bot.services import questions as question_bank

TARGETS = {"dates": 0.97, "links": 0.98, "questions": 0.95, "candidates": 0.95}


@dataclass
class Derived:
    """Everything derived from one reading, keyed for comparison with labels."""

    filename: str
    dates: list[dict[str, Any]] = field(default_factory=list)  # para, phrase, date, calendar, sentence
    links: list[dict[str, Any]] = field(default_factory=list)  # para, surface, person, sentence
    questions: list[dict[str, Any]] = field(default_factory=list)  # para, answer, question, id
    candidates: list[dict[str, Any]] = field(default_factory=list)  # name, mentions, example_loc (as stored)


@dataclass
class Score:
    kind: str
    right: int = 0
    wrong: int = 0
    left_out: int = 0
    errors: list[str] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)  # derived items no label speaks of (candidates)

    @property
    def derived(self) -> int:
        return self.right + self.wrong

    @property
    def precision(self) -> float:
        return self.right / self.derived if self.derived else 0.0

    def line(self) -> str:
        target = TARGETS[self.kind]
        verdict = "meets" if self.precision >= target else "BELOW"
        unlabelled = f"; {len(self.unlabelled)} derived but not labelled" if self.unlabelled else ""
        return (f"{self.kind:<10} {self.right}/{self.derived} right = {self.precision:.1%} "
                f"(target {target:.0%}: {verdict}); {self.left_out} labelled item(s) left out{unlabelled}")


def _sentence_with(text: str, words: str) -> str:
    """The sentence of `text` holding `words` (for showing where a derived fact came from)."""
    return next((s for s in sentences(text) if words in s), text[:200])


def derive(db: sqlite_utils.Database, matcher: Matcher, person_ids: set[str],
           sources: Iterable[dict[str, Any]], workspace: str = store.SHARED) -> list[Derived]:
    """What Clio derived from each stored reading: its dates (as stored), its person links (linking the
    stored passages again, to know the words each link stands on) and the questions generated from it."""
    out = []
    facts = store.link_facts(db)  # what linking reads of the packs, the same for every reading
    for src in sources:
        d = Derived(src["filename"])
        rows = store.passages_of(db, src["id"])
        passages = [Passage(r["seq"], r["para"], r["section"], r["text"], bool(r["prose"])) for r in rows]
        by_seq = {p.seq: p for p in passages}
        by_id = {r["id"]: by_seq[r["seq"]] for r in rows}
        parts: dict[int, list[Passage]] = defaultdict(list)  # a long paragraph may be stored as several passages
        for p in passages:
            parts[p.para].append(p)
        placed: dict[tuple[str, str], int] = {}  # (passage id, phrase) -> where its last date was found
        for r in db.query("select * from passage_dates where source_id = ? order by rowid", [src["id"]]):
            p = by_id[r["passage_id"]]
            date = {"para": p.para, "phrase": r["phrase"], "date": r["date"], "calendar": r["calendar"],
                    "sentence": _sentence_with(p.text, r["phrase"])}
            # where it stands: a passage's dates are stored in the order they stand, so a phrase stated twice
            # ("14 July 1789" ... "14 July 1789") is the next time it occurs after the one before
            at = p.text.find(r["phrase"], placed.get((r["passage_id"], r["phrase"]), -1) + 1)
            if at >= 0:
                placed[(r["passage_id"], r["phrase"])] = at
                date.update(seq=p.seq, start=at, end=at + len(r["phrase"]), parts=parts[p.para])
            d.dates.append(date)
        links = link_passages(passages, matcher, person_ids, **facts)
        for span in links.spans:
            if span.entity in person_ids:
                p = by_seq[span.seq]
                d.links.append({"para": p.para, "surface": span.surface, "person": span.entity,
                                "sentence": _sentence_with(p.text, span.surface),
                                "seq": span.seq, "start": span.start, "end": span.end, "parts": parts[p.para]})
        para_of = {r["id"]: r["para"] for r in rows}
        for q in question_bank.generated(db, matcher, workspace, source_id=src["id"]):
            pid = q.get("passage_id")
            d.questions.append({"para": para_of.get(pid), "answer": q["answer"], "question": q["question"],
                                "id": q["id"]})
        d.candidates = list(db.query("select name, mentions, example_loc from candidates where source_id = ? "
                                     "order by name", [src["id"]]))
        out.append(d)
    return out


def load_labels(directory: Path, kind: str) -> list[dict[str, Any]]:
    path = directory / f"{kind}.yaml"
    if not path.exists():
        return []
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def _pick(candidates: list[dict[str, Any]], label: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The derived item a label speaks of: same paragraph, words overlapping; the nth such when a phrase
    occurs more than once in the paragraph. Where Clio recorded where its item stands ("start", "end" in
    "text"), the label's nth is the nth time its words occur in the paragraph, so an occurrence Clio rightly
    passed over is not mistaken for the one it took."""
    want = _norm(str(label[key]))
    placed = [c for c in candidates if "start" in c]
    if placed:
        words = re.compile(rf"(?<!\w){re.escape(str(label[key]))}(?!\w)", re.I)
        found = [(p.seq, m) for p in placed[0]["parts"] for m in words.finditer(p.text)]
        nth = int(label.get("nth", 1))
        if len(found) < nth:
            return None
        seq, at = found[nth - 1]
        return next((c for c in placed if c["seq"] == seq and c["start"] < at.end() and at.start() < c["end"]), None)
    hits = [c for c in candidates
            if f" {want} " in f" {_norm(c[key])} " or f" {_norm(c[key])} " in f" {want} "]
    nth = int(label.get("nth", 1))
    return hits[nth - 1] if len(hits) >= nth else None


def _matched(derived: list[Derived], labels: list[dict[str, Any]], kind: str,
             key: str) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each label of a reading that was audited, with the derived item (of `kind`: "dates" or "links") it
    speaks of, or None when Clio derived nothing there."""
    by_para: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for d in derived:
        for r in getattr(d, kind):
            by_para[(d.filename, r["para"])].append(r)
    readings = {d.filename for d in derived}
    for lab in labels:
        if lab["reading"] in readings:
            yield lab, _pick(by_para[(lab["reading"], int(lab["para"]))], lab, key)


def score_dates(derived: list[Derived], labels: list[dict[str, Any]]) -> Score:
    score = Score("dates")
    for lab, got in _matched(derived, labels, "dates", "phrase"):
        if got is None:
            score.left_out += 1
            continue
        if not lab.get("prose", True) or not lab.get("date"):
            score.wrong += 1
            score.errors.append(f"{lab['reading']} para {lab['para']} “{lab['phrase']}”: derived {got['date']} "
                                f"{got['calendar']}, but it should not be ({lab.get('why', '')})")
            continue
        truth = HistDate.parse(lab["date"], lab["calendar"])
        mine = HistDate.parse(got["date"], got["calendar"])
        # "7 November [O.S. 25 October] 1917" is stored once, as New Style: right for either half's label
        twin = "[" in got["phrase"] or "(" in got["phrase"]
        if truth.new_style == mine.new_style and (truth.calendar == mine.calendar or twin):
            score.right += 1
        else:
            score.wrong += 1
            score.errors.append(f"{lab['reading']} para {lab['para']} “{lab['phrase']}”: derived {mine.display()} "
                                f"({mine.calendar}), truth {truth.display()} ({truth.calendar})")
    return score


def score_links(derived: list[Derived], labels: list[dict[str, Any]]) -> Score:
    score = Score("links")
    for lab, got in _matched(derived, labels, "links", "surface"):
        if got is None:
            score.left_out += 1
            continue
        if got["person"] == lab.get("person") and lab.get("prose", True):
            score.right += 1
        else:
            score.wrong += 1
            score.errors.append(f"{lab['reading']} para {lab['para']} “{lab['surface']}”: linked {got['person']}, "
                                f"truth {lab.get('person')} ({lab.get('why', '')})")
    return score


def score_questions(derived: list[Derived], labels: list[dict[str, Any]]) -> Score:
    score = Score("questions")
    made = {(d.filename, q["para"], _norm(q["answer"])): q for d in derived for q in d.questions}
    readings = {d.filename for d in derived}
    for lab in labels:
        if lab["reading"] not in readings:
            continue
        q = made.get((lab["reading"], int(lab["para"]), _norm(str(lab["answer"]))))
        if q is None:
            score.left_out += 1
        elif lab.get("ok"):
            score.right += 1
        else:
            score.wrong += 1
            score.errors.append(f"{lab['reading']} para {lab['para']} answer {lab['answer']}: {lab.get('why', '')}")
    return score


def score_candidates(derived: list[Derived], labels: list[dict[str, Any]]) -> Score:
    """The names a reading gives as people the pack lacks: right when a label says it is a person's name. Every
    one should be labelled (a new one is listed in `unlabelled`); a labelled person no longer given is left out."""
    score = Score("candidates")
    truth = {(lab["reading"], _norm(str(lab["name"]))): lab for lab in labels}
    given = {(d.filename, _norm(c["name"])) for d in derived for c in d.candidates}
    for d in derived:
        for c in d.candidates:
            lab = truth.get((d.filename, _norm(c["name"])))
            if lab is None:
                score.unlabelled.append(f"{d.filename} “{c['name']}” ({c['mentions']} mentions, {c['example_loc']})")
            elif lab.get("person"):
                score.right += 1
            else:
                score.wrong += 1
                score.errors.append(f"{d.filename} “{c['name']}”: not a person ({lab.get('why', '')})")
    readings = {d.filename for d in derived}
    score.left_out = sum(1 for key, lab in truth.items() if lab["reading"] in readings and lab.get("person")
                         and key not in given)
    return score


def scores(derived: list[Derived], labels_dir: Path) -> list[Score]:
    return [score_dates(derived, load_labels(labels_dir, "dates")),
            score_links(derived, load_labels(labels_dir, "links")),
            score_questions(derived, load_labels(labels_dir, "questions")),
            score_candidates(derived, load_labels(labels_dir, "candidates"))]


def report(derived: list[Derived],
           kinds: Iterable[str] = ("dates", "links", "questions", "candidates")) -> Iterable[str]:
    """Lines listing every derived fact with its source sentence."""
    kinds = set(kinds)
    for d in derived:
        yield (f"== {d.filename}: {len(d.dates)} dates, {len(d.links)} person links, {len(d.questions)} questions, "
               f"{len(d.candidates)} names the pack lacks")
        if "dates" in kinds:
            for r in d.dates:
                when = HistDate.parse(r["date"], r["calendar"])
                yield f"date  para {r['para']}: {when.display_as_stated()} ({r['calendar']}) from “{r['phrase']}” | {r['sentence']}"
        if "links" in kinds:
            for r in d.links:
                yield f"link  para {r['para']}: {r['surface']} -> {r['person']} | {r['sentence']}"
        if "questions" in kinds:
            for q in d.questions:
                yield f"quiz  para {q['para']}: {q['question']} -> {q['answer']}"
        if "candidates" in kinds:
            for c in d.candidates:
                yield f"name  {c['name']}: {c['mentions']} mentions, e.g. {c['example_loc']}"
