"""Quiz questions from a group's own readings when its subject has no pack (issue 22 item 4): who-is-this
questions about the people the readings name in full, checked against a hand-labelled sample."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.app import Clio
from bot.events import Context
from bot.services.questions import generated
from bot.services.readings_quiz import readings_questions

LABELS = Path(__file__).parent / "labels" / "readings_quiz.yaml"
FRENCH = Path(__file__).resolve().parents[1].parent / "shared" / "readings" / "wikipedia"
GROUP = Context(workspace="slack:T-town", channel="C1", user_id="u1", is_admin=True, platform="slack")

# A made-up history in the team's own words: five people named in full at least twice and often by surname.
TOWN = "\n\n".join([
    "A history of Montrevel in the Revolution",
    "Étienne Vauquelin came to Montrevel as a notary in 1785 and was soon elected to the council of the town, "
    "where he argued for lower bread prices and a new granary.",
    "Louise Carrel kept the town's only printing press. Carrel printed the council's notices and a weekly sheet "
    "that mocked the bishop, which brought her many readers and some enemies.",
    "Henri Dufresne commanded the local guard. Dufresne drilled his men in the square every Sunday and refused "
    "to march them to the city when the district asked for volunteers in the spring.",
    "Paul Moirac, a miller, led the poorer quarter. Moirac wanted the price of flour fixed by law and spoke "
    "against the notaries at every meeting he could attend.",
    "Anne Besson ran the hospital of the town. Besson housed the wounded after the riot and wrote to the "
    "district for bandages, blankets and a second doctor.",
    "Étienne Vauquelin chaired the council when the riot broke out. Vauquelin sent for the guard and promised "
    "the crowd an inquiry into the price of bread.",
    "Louise Carrel printed the inquiry's findings in full. Carrel added a long comment of her own that blamed "
    "the district for the shortage and called for new elections.",
    "Henri Dufresne resigned his command after the riot. Dufresne said the guard should never again be used "
    "against the people of the town, and he left for the army.",
    "Paul Moirac was elected to the council in the autumn. Moirac joined the commission on bread, and his first "
    "act there was to open the granary to the poor.",
    "Anne Besson was thanked by the council for her work. Besson asked that the thanks be given instead to "
    "the nurses, and she went back to the wards the same afternoon.",
    "Vauquelin and Moirac quarrelled over the granary until Vauquelin left the council. Carrel printed both "
    "men's letters, and Dufresne wrote from the front to take Moirac's side.",
    "Visitors today walk through the Besson Gardens, laid out in the nineteenth century on the old hospital "
    "grounds, where a plaque recalls the riot and the council's inquiry.",
])


@pytest.fixture
def town(mini_app: Clio, tmp_path: Path) -> Clio:
    path = tmp_path / "montrevel.txt"
    path.write_text(TOWN, encoding="utf-8")
    mini_app.ingest(path, workspace=GROUP.workspace, title="A history of Montrevel")
    return mini_app


def test_the_groups_readings_give_who_is_this_questions_about_their_people(town: Clio) -> None:
    qs = readings_questions(town.db, town.lookup.matcher, GROUP.workspace, readings=town.readings)
    people = {"Étienne Vauquelin", "Louise Carrel", "Henri Dufresne", "Paul Moirac", "Anne Besson"}
    assert qs and {q["answer"] for q in qs} <= people and len({q["answer"] for q in qs}) >= 4
    for q in qs:
        assert set(q["options"]) <= people and q["answer"] in q["options"] and len(set(q["options"])) == 4
        surname = q["answer"].split()[-1]
        assert "____" in q["question"] and surname not in q["question"], q["question"]
        assert q["sources"] and q["sources"][0]["loc"]
    assert not any("Gardens" in q["question"] for q in qs)  # "Besson Gardens" is a place, not Anne Besson
    assert not any("Vauquelin and Moirac" in q["question"] or "quarrelled" in q["question"] for q in qs)  # two people


def test_a_quiz_on_the_reading_asks_them(town: Clio) -> None:
    start = town.handle_text("/quiz start A history of Montrevel 3", GROUP)
    assert start.ok and "Question 1 of 3" in start.text() and "____" in start.text(), start.text()
    town.handle_text("/quiz stop", GROUP)


def test_no_questions_from_the_operators_shared_readings_or_for_another_group(town: Clio) -> None:
    other = Context(workspace="slack:T-other", channel="C2", user_id="u2", is_admin=True, platform="slack")
    assert readings_questions(town.db, town.lookup.matcher, other.workspace, readings=town.readings) == []
    assert not [q for q in generated(town.db, town.lookup.matcher, other.workspace,
                                       readings=town.readings) if q["id"].startswith("gen-rwho")]


@pytest.mark.skipif(not (FRENCH / "French_Revolution.md").exists(),
                    reason="the French Revolution readings are in ../shared/readings/wikipedia, absent here")
def test_questions_from_the_french_readings_are_right_by_the_labelled_sample(mini_app: Clio) -> None:
    files = {}
    for name in ("French_Revolution.md", "Bastille_Day.md", "Jacobin_politics.md",
                 "Declaration_of_the_Rights_of_Man_and_of_the_Citizen.md"):
        files[mini_app.ingest(FRENCH / name, workspace="fr").source_id] = name
    labels = {(x["reading"], int(x["passage"]), x["answer"]): x["right"]
              for x in yaml.safe_load(LABELS.read_text(encoding="utf-8"))["questions"]}
    qs = readings_questions(mini_app.db, mini_app.lookup.matcher, "fr", readings=mini_app.readings)
    keys = []
    for q in qs:
        source, seq = q["passage_id"].rsplit(":", 1)
        keys.append((files[source], int(seq), q["answer"]))
    unlabelled = [k for k in keys if k not in labels]
    assert not unlabelled, f"label these by hand in {LABELS.name}: {unlabelled[:5]}"
    right = sum(labels[k] for k in keys)
    assert len(keys) >= 40 and right / len(keys) >= 0.95, (right, len(keys))
