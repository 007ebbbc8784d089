"""Who a reading's words link to: a rank abbreviation, and the time a paragraph speaks of.

Built on the small test pack (Kornilov born 1870, Kerensky born 1881); the labelled samples in tests/labels/
measure the same rules on real readings (tests/test_readings_truth.py).
"""
from __future__ import annotations

from pathlib import Path

from bot import audit
from bot.app import Clio
from tests.records import Records


def _linked(app: Clio, path: Path, text: str) -> dict[int, set[str]]:
    path.write_text(text, encoding="utf-8")
    app.ingest(path)
    records = Records(app)  # read where the deployment keeps them (PostgreSQL's tables cannot join the file's)
    para = {r["id"]: r["para"] for r in records.rows("passages", columns="id, para")}
    out: dict[int, set[str]] = {}
    for r in records.rows("passage_entities", columns="passage_id, entity_id"):
        out.setdefault(para[r["passage_id"]], set()).add(r["entity_id"])
    return out


def test_a_sergeant_of_the_same_name_is_not_the_general(mini_app: Clio, tmp_path: Path) -> None:
    links = _linked(mini_app, tmp_path / "ranks.txt",
                    "The house held out for weeks. Sgt. Kornilov was decorated for it.\n\n"
                    "Gen. Kornilov marched his troops on the capital in August.")
    assert "kornilov" not in links.get(1, set())
    assert "kornilov" in links[2]


def test_a_paragraph_set_centuries_before_a_birth_does_not_speak_of_them(mini_app: Clio, tmp_path: Path) -> None:
    links = _linked(mini_app, tmp_path / "eras.txt",
                    "The empress died in 1740 and her court split. Its old families, the Kerensky clan among them, "
                    "lost their lands.\n\n"
                    "In 1613 the boyars chose a new tsar.\n\n"
                    "His kin, the Kerensky family, took the surname too.\n\n"
                    "France had gone to war in 1792 to save its revolution. Kerensky hoped for the same spirit.")
    assert "kerensky" not in links.get(1, set())  # the paragraph's only year is 1740
    assert "kerensky" not in links.get(3, set())  # no year of its own; the paragraph before is set in 1613
    assert "kerensky" in links[4]  # an analogy a lifetime back is still about him


def test_the_audit_matches_a_label_to_the_occurrence_it_names() -> None:
    text = "From the Lenin Mausoleum Stalin spoke. Lenin's body had been moved away."
    second = text.index("Lenin's")
    derived = audit.Derived("r.txt")
    part = type("Part", (), {"seq": 1, "text": text})()
    derived.links.append({"para": 7, "surface": "Lenin", "person": "lenin", "seq": 1, "start": second,
                          "end": second + 5, "parts": [part]})
    first = {"reading": "r.txt", "para": 7, "surface": "Lenin", "nth": 1, "person": None}
    score = audit.score_links([derived], [first])
    assert (score.right, score.wrong, score.left_out) == (0, 0, 1)  # the mausoleum was rightly passed over
    score = audit.score_links([derived], [{**first, "nth": 2, "person": "lenin"}])
    assert (score.right, score.wrong) == (1, 0)
