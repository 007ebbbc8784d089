"""/who for people a group's readings keep naming when its pack has no entry for them (issue 22 item 4):
answered from the readings' own passages, saying so, and only for what is plainly a person's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Clio
from bot.events import Context
from bot.services.readnames import MIN_MENTIONS as READINGS_NAME_MIN

GROUP = Context(workspace="slack:T-readers", user_id="u1", is_admin=True, platform="slack")
OTHER = Context(workspace="slack:T-other", user_id="u2", is_admin=True, platform="slack")
FRENCH = Path(__file__).resolve().parents[1].parent / "shared" / "readings" / "wikipedia"

# A made-up reading: Vauquelin is named five times, Moirac four, the Feuillardins are a group ("the ..."),
# and "Granary" is a word the text also writes in lower case.
NOTES = """\
Notes on a provincial town in the 1790s

Pierre Vauquelin kept the town's accounts through the hard winter. Vauquelin wrote to the district every week.

The Feuillardins met in the old granary. The Feuillardins wanted bread prices fixed. Granary keepers refused.

When the mayor fell ill, Vauquelin ran the council. Moirac, his rival, called for new elections.

Moirac lost the vote. Vauquelin kept his seat, and the Feuillardins cheered. The granary was reopened.

Moirac left for Paris in the spring. Pierre Vauquelin stayed until the harvest. Moirac never came back.

The Feuillardins dissolved themselves a year later.
"""


@pytest.fixture
def readers(mini_app: Clio, tmp_path: Path) -> Clio:
    notes = tmp_path / "town-notes.txt"
    notes.write_text(NOTES, encoding="utf-8")
    mini_app.ingest(notes, workspace=GROUP.workspace, title="Notes on a provincial town")
    return mini_app


def test_a_name_the_readings_write_five_times_is_answered_from_them(readers: Clio) -> None:
    assert NOTES.count("Vauquelin") == READINGS_NAME_MIN
    reply = readers.handle_text("/who vauquelin", GROUP)
    assert reply.ok and reply.kind == "lookup"
    assert reply.title.split(" (")[0] in ("Vauquelin", "Pierre Vauquelin")
    assert "not in the pack" in reply.title and "readings name Vauquelin 5 times" in reply.body
    assert all("Vauquelin" in f.value for f in reply.fields) and reply.fields
    assert {c.title for c in reply.citations} == {"Notes on a provincial town"}
    assert "According to “Notes on a provincial town”" in reply.text()  # no author: the reading's title


def test_a_rarer_name_a_group_and_a_common_word_are_not_taken_for_people(readers: Clio) -> None:
    assert NOTES.count("Moirac") == READINGS_NAME_MIN - 1
    for query in ("Moirac", "Feuillardins", "Granary"):
        reply = readers.handle_text(f"/who {query}", GROUP)
        assert not reply.ok and reply.kind == "not_found", query


def test_another_workspace_does_not_see_the_groups_readings(readers: Clio) -> None:
    reply = readers.handle_text("/who Vauquelin", OTHER)
    assert not reply.ok and "Vauquelin" not in "".join(f.value for f in reply.fields)


PARADES = """\
Festivals in Paris

Crowds gathered on the Champ de Mars in July. Lauzier led the National Guard there. The Champ de Mars was full.

A year later the Champ de Mars saw a petition signed. Lauzier ordered the guard to fire.

The Marquis de Lauzier lost his popularity. Lauzier fled abroad the next year.

The Champ de Mars was dug up for a new festival, and the Champ de Mars became a shrine. Lauzier never returned.
"""


def test_a_word_that_ends_a_longer_name_is_no_one_but_a_marquis_is_someone(mini_app: Clio, tmp_path: Path) -> None:
    # "Mars" in the readings is the Champ de Mars: /who Mars was "Mars (not in the pack yet)"; Lauzier, named once
    # as "the Marquis de Lauzier", is a person
    parades = tmp_path / "parades.txt"
    parades.write_text(PARADES, encoding="utf-8")
    mini_app.ingest(parades, workspace=GROUP.workspace, title="Festivals")
    assert PARADES.count("Mars") == PARADES.count("Lauzier") == 5 == READINGS_NAME_MIN
    assert not mini_app.handle_text("/who Mars", GROUP).ok
    lauzier = mini_app.handle_text("/who Lauzier", GROUP)
    assert lauzier.ok and "not in the pack yet" in lauzier.title


@pytest.mark.skipif(not (FRENCH / "French_Revolution.md").exists(),
                    reason="the French Revolution readings are in ../shared/readings/wikipedia, absent here")
def test_a_group_with_only_french_readings_gets_robespierre_from_them(mini_app: Clio) -> None:
    for name in ("French_Revolution.md", "Jacobin_politics.md"):
        mini_app.ingest(FRENCH / name, workspace=GROUP.workspace)
    reply = mini_app.handle_text("/who Robespierre", GROUP)
    assert reply.ok and reply.title.startswith("Maximilien Robespierre")
    assert all("Robespierre" in f.value for f in reply.fields)
    for not_a_person in ("Jacobins", "Girondins", "Terror"):
        assert not mini_app.handle_text(f"/who {not_a_person}", GROUP).ok, not_a_person


DIARY = """\
A diary of the Montrevel council

On 3 March 1791 the council of Montrevel met for the first time in the old granary.

The council fixed the price of bread on 12 August 1791, after a week of quarrels.

On 2 December 1791 the council closed the convent school and opened a town school.
"""


def test_a_year_the_pack_lacks_is_shown_from_the_days_the_readings_state(mini_app: Clio, tmp_path: Path) -> None:
    diary = tmp_path / "diary.txt"
    diary.write_text(DIARY, encoding="utf-8")
    mini_app.ingest(diary, workspace=GROUP.workspace, title="A diary of the Montrevel council")
    reply = mini_app.handle_text("/timeline 1791", GROUP)
    assert reply.ok and "The pack has no events in 1791" in reply.body
    lines = [ln for ln in reply.body.splitlines() if ln.startswith("•")]
    assert [ln.split(":")[0] for ln in lines] == ["• 3 Mar 1791", "• 12 Aug 1791", "• 2 Dec 1791"]
    assert "price of bread" in lines[1] and "A diary of the Montrevel council" in lines[1]
    assert mini_app.handle_text("/timeline Aug 1791", GROUP).body.count("•") == 1
    assert not mini_app.handle_text("/timeline 1791", OTHER).ok  # another group's readings stay theirs


@pytest.mark.skipif(not (FRENCH / "French_Revolution.md").exists(),
                    reason="the French Revolution readings are in ../shared/readings/wikipedia, absent here")
def test_a_group_with_only_french_readings_gets_a_timeline_of_1789(mini_app: Clio) -> None:
    mini_app.ingest(FRENCH / "French_Revolution.md", workspace=GROUP.workspace)
    reply = mini_app.handle_text("/timeline 1789", GROUP)
    assert reply.ok and "5 May 1789: The Estates-General convened" in reply.body
    assert "O.S." not in reply.body  # France's dates have no Old Style twin


# A made-up reading where a month is always capitalised and two brothers share a patronymic.
BROTHERS = """\
Letters from the Crimea

In April the two grand dukes left the capital. April was wet, and the roads were bad.

Grand Duke Sergei Mikhailovich said the house at the shore was safe. By late April nobody believed him.

Grand Duke Nikolai Mikhailovich wrote to the Empress every week. His letters of April were kept.

In April the sailors came. Sergei Mikhailovich was taken first; Nikolai Mikhailovich followed in the summer.
"""


def test_a_month_or_a_shared_patronymic_is_never_answered_as_a_person(mini_app: Clio, tmp_path: Path) -> None:
    letters = tmp_path / "letters.txt"
    letters.write_text(BROTHERS, encoding="utf-8")
    mini_app.ingest(letters, workspace=GROUP.workspace, title="Letters from the Crimea")
    assert BROTHERS.count("April") >= READINGS_NAME_MIN
    for query in ("April", "Mikhailovich"):
        reply = mini_app.handle_text(f"/who {query}", GROUP)
        assert "not in the pack yet" not in reply.title, query
    for brother in ("Nikolai Mikhailovich", "Sergei Mikhailovich"):
        reply = mini_app.handle_text(f"/who {brother}", GROUP)  # never the other brother
        assert "not in the pack yet" not in reply.title or reply.title.startswith(brother), reply.title
