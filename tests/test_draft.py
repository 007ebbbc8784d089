"""`clio pack draft`: a draft pack from readings that an editor corrects, and `clio validate` listing every TODO
left (issue 22 item 4)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from adapters.cli import main
from bot.app import Clio
from bot.pack import PackInvalid, load_pack

FRENCH = Path(__file__).resolve().parents[1].parent / "shared" / "readings" / "wikipedia"

# Made-up readings in the team's own words: a person named often, a dated day, a recurring institution.
CHRONICLE = """\
A chronicle of Montrevel

Étienne Vauquelin came to Montrevel as a notary. Vauquelin soon sat on the town council.

On 3 March 1791 the Town Assembly of Montrevel met for the first time. Vauquelin chaired it.

The Town Assembly of Montrevel fixed the price of bread. Étienne Vauquelin signed the order.

On 12 August 1792 the Town Assembly of Montrevel voted to close the convent. Vauquelin abstained.

Vauquelin left the council in 1795.
"""


def editors_pass(draft: Path) -> None:
    """What an editor does with a draft, scripted: every TODO replaced by the editor's own words."""
    for path in sorted(draft.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.name == "pack.yaml":
            data["title"] = "A chronicle pack"
            data["description"] = "What the group reads about one town."
            for r in data["readings"]:
                r["title"], r["author"] = f"Reading {r['id']}", "The group"
        for section, items in data.items():
            if not isinstance(items, list) or path.name == "pack.yaml":
                continue
            for item in items:
                if "TODO" in item["name"]:
                    item["name"] = f"Event of {item['date']}"
                item["summary"] = f"The editor's own account of {item['name']}, checked against the reading."
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def chronicle(tmp_path: Path) -> Path:
    path = tmp_path / "chronicle.txt"
    path.write_text(CHRONICLE, encoding="utf-8")
    return path


def test_a_draft_lists_people_dates_and_terms_and_validate_lists_each_todo(chronicle: Path, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "montrevel"
    assert main(["pack", "draft", str(chronicle), "--out", str(out)]) == 0
    assert "1 people" in capsys.readouterr().out
    people = yaml.safe_load((out / "people.yaml").read_text(encoding="utf-8"))["people"]
    assert [p["name"] for p in people] == ["Étienne Vauquelin"]
    assert people[0]["sources"] == [{"reading": "chronicle", "loc": "paras 2, 3, 4"}]
    events = yaml.safe_load((out / "events.yaml").read_text(encoding="utf-8"))["events"]
    assert [e["date"] for e in events] == ["1791-03-03", "1792-08-12"]
    terms = yaml.safe_load((out / "terms.yaml").read_text(encoding="utf-8"))["terms"]
    assert "Town Assembly of Montrevel" in [t["name"] for t in terms]
    words = CHRONICLE.split()
    drafted = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in out.glob("*.yaml"))
    assert not [run for i in range(len(words) - 5) if (run := " ".join(words[i:i + 6])) in drafted]  # no wording
    with pytest.raises(PackInvalid) as err:
        load_pack(out)
    todo = [p for p in err.value.problems if "TODO" in p.message]
    assert todo and all(p.line > 0 and p.file.startswith("montrevel/") for p in todo)
    assert main(["validate", str(out)]) != 0
    assert "still a draft" in capsys.readouterr().err


def test_after_the_editors_pass_the_draft_validates_and_answers(chronicle: Path, tmp_path: Path,
                                                                make_app: Callable[..., Clio]) -> None:
    out = tmp_path / "montrevel"
    assert main(["pack", "draft", str(chronicle), "--out", str(out)]) == 0
    editors_pass(out)
    pack = load_pack(out)
    assert len(pack.people) == 1 and len(pack.events) == 2
    app = make_app(tmp_path / "clio.db", content_dir=tmp_path, pack="montrevel")
    assert app.handle_text("/who Vauquelin").title.startswith("Étienne Vauquelin")


def test_a_missing_reading_is_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["pack", "draft", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "d")]) == 2
    assert "no such reading" in capsys.readouterr().err


@pytest.mark.skipif(not (FRENCH / "French_Revolution.md").exists(),
                    reason="the French Revolution readings are in ../shared/readings/wikipedia, absent here")
def test_a_draft_of_the_french_readings_validates_after_the_editors_pass(tmp_path: Path) -> None:
    out = tmp_path / "french-draft"
    files = [FRENCH / f"{n}.md" for n in ("French_Revolution", "Bastille_Day", "Jacobin_politics",
                                          "Declaration_of_the_Rights_of_Man_and_of_the_Citizen")]
    assert main(["pack", "draft", *map(str, files), "--out", str(out)]) == 0
    people = {p["name"] for p in yaml.safe_load((out / "people.yaml").read_text(encoding="utf-8"))["people"]}
    assert {"Maximilien Robespierre", "Jean-Paul Marat", "Georges Danton", "Marie Antoinette"} <= people
    events = {e["date"] for e in yaml.safe_load((out / "events.yaml").read_text(encoding="utf-8"))["events"]}
    assert {"1789-07-14", "1789-05-05"} <= events
    editors_pass(out)
    pack = load_pack(out)
    assert len(pack.people) >= 10 and len(pack.events) >= 30
