"""Ingesting readings: every format from files the tests write, the cleaning real texts need, idempotence,
bad files that change nothing, and linking that never mistakes one Alexander for another."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

import pytest

from bot import concurrency, store
from bot.app import Clio
from bot.ingest.clean import clean_blocks, clean_text, is_furniture
from bot.ingest.passages import sentences, split_passages
from bot.ingest.readers import Block, ReadError, read_document
from tests.hostile import pdf_file
from tests.records import Records

STORY = (
    "General Kornilov moved troops toward Petrograd in August 1917. Kerensky called on the soviets to resist. "
    "Railway workers stopped the trains, and the revolt collapsed within days."
)


def write_pdf(path: Path, lines: list[str]) -> Path:
    """A minimal one-page PDF with real text objects, written by hand."""
    text = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({ln}) Tj T*" for ln in lines) + " ET"
    stream = text.encode("latin-1")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    path.write_bytes(pdf_file(objs))
    return path


def write_epub(path: Path) -> Path:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("clio-test")
    book.set_title("A Short History")
    book.add_author("Test Author")
    ch = epub.EpubHtml(title="August", file_name="ch1.xhtml", lang="en")
    ch.content = f"<html><body><h1>The Kornilov affair</h1><p>{STORY}</p></body></html>"
    book.add_item(ch)
    book.toc = [ch]
    book.spine = [ch]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    epub.write_epub(str(path), book)
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "a.txt").write_text(f"The Kornilov affair\n\n{STORY}\n", encoding="utf-8")
    (tmp_path / "b.md").write_text(f"---\ntitle: x\n---\n# The Kornilov affair\n{STORY} See [the notes](n.html).\n",
                                   encoding="utf-8")
    (tmp_path / "c.html").write_text(
        f"<html><head><title>August 1917</title><script>var x=1;</script></head><body><nav>Home | Subscribe</nav>"
        f"<h2>The Kornilov affair</h2><p>{STORY}</p><footer>Share this</footer></body></html>", encoding="utf-8")
    write_epub(tmp_path / "d.epub")
    write_pdf(tmp_path / "e.pdf", [STORY[:90], STORY[90:]])
    return {p.suffix: p for p in tmp_path.iterdir()}


@pytest.mark.parametrize("ext", [".txt", ".md", ".html", ".epub", ".pdf"])
def test_every_format_is_read_into_passages_that_link_to_the_pack(mini_app: Clio, files: dict[str, Path],
                                                                   ext: str) -> None:
    result = mini_app.ingest(files[ext], workspace="console:local")
    assert result.status == "added" and result.passages >= 1
    reply = mini_app.handle_text("/who Kornilov")
    assert any("Railway workers" in f.value or "Railway" in f.value for f in reply.fields), reply.text()
    assert any(c.reading_id == result.source_id for c in reply.citations)
    linked = set(Records(mini_app).values("passage_entities", "entity_id"))
    assert {"kornilov", "kerensky"} <= linked


def test_markup_never_reaches_the_passages(mini_app: Clio, files: dict[str, Path]) -> None:
    for ext in (".md", ".html"):
        mini_app.ingest(files[ext])
    texts = " ".join(Records(mini_app).values("passages", "text"))
    for junk in ("var x", "Subscribe", "Share this", "](", "---", "<p>"):
        assert junk not in texts


def test_reingesting_changes_nothing_and_a_changed_file_replaces_its_passages(mini_app: Clio, tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text(STORY, encoding="utf-8")
    records = Records(mini_app)
    first = mini_app.ingest(f)
    snapshot = records.rows("passages", "order by id", columns="id, text")
    assert mini_app.ingest(f).status == "unchanged"
    assert records.rows("passages", "order by id", columns="id, text") == snapshot
    f.write_text("Lenin returned in April 1917 and called for all power to the soviets.", encoding="utf-8")
    again = mini_app.ingest(f)
    assert again.status == "replaced" and again.source_id == first.source_id
    texts = records.values("passages", "text")
    assert len(texts) == 1 and texts[0].startswith("Lenin returned")
    assert records.count("sources") == 1


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("junk.txt", bytes(range(256)) * 40, "binary"),
        ("empty.txt", b"   \n\n ", "empty"),
        ("notes.docx", b"PK\x03\x04 a word file", "not \u201c.docx\u201d"),
        ("noext", b"plain words", "no extension"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "not a readable"),
        ("broken.epub", b"PK\x03\x04 not a zip", "not a readable"),
    ],
)
def test_bad_files_are_refused_and_leave_the_index_as_it_was(mini_app: Clio, tmp_path: Path, name: str,
                                                           content: bytes, says: str) -> None:
    good = tmp_path / "good.txt"
    good.write_text(STORY, encoding="utf-8")
    mini_app.ingest(good)
    records = Records(mini_app)
    before = records.rows("passages", "order by id", columns="id, text")
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(ReadError, match=says):
        mini_app.ingest(bad)
    assert records.rows("passages", "order by id", columns="id, text") == before


def test_a_200_mb_file_is_refused_without_reading_it(mini_app: Clio, tmp_path: Path) -> None:
    big = tmp_path / "huge.txt"
    with big.open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: costs no disk
    with pytest.raises(ReadError, match="200 MB; the limit is 50 MB"):
        mini_app.ingest(big)
    assert Records(mini_app).count("sources") == 0


def test_an_encrypted_pdf_is_refused(mini_app: Clio, tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = write_pdf(tmp_path / "plain.pdf", [STORY[:80]])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt("secret", algorithm="RC4-128")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as f:
        writer.write(f)
    with pytest.raises(ReadError, match="encrypted"):
        mini_app.ingest(locked)


def test_the_cli_reports_a_bad_file_in_one_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import TEST_PACKS

    (tmp_path / "junk.txt").write_bytes(b"\x00\x01\x02" * 100)
    env = {**os.environ, "CLIO_DB": str(tmp_path / "c.db"), "CLIO_CONTENT": str(TEST_PACKS), "CLIO_PACK": "mini"}
    out = subprocess.run([sys.executable, "-m", "adapters.cli", "ingest", str(tmp_path / "junk.txt")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == ["clio: junk.txt: it looks like a binary file, not text"]


# --- cleaning, on fixtures shaped like the seeds' artefacts ------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("bolstered by the village teachers.6 In the towns", "bolstered by the village teachers. In the towns"),
        ("as the Tsar put it.’12 Then came", "as the Tsar put it.’ Then came"),
        ("the end of 1905.3 Next year", "the end of 1905. Next year"),
        ("some 1.5 million men and 3.5 per cent.", "some 1.5 million men and 3.5 per cent."),
        ("about 400,000 workers", "about 400,000 workers"),
        ("[image: Chapter] The famine began", "The famine began"),
        ("the revolu-\ntionary crowd", "the revolutionary crowd"),
        ("a line broken\nin the middle", "a line broken in the middle"),
    ],
)
def test_cleaning_rules(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize("line", ["Facebook Instagram Twitter YouTube", "Facebook Twitter Share", "Buy this Issue",
                                  "Subscription options", "Issue contents",
                                  "Our new print issue is out! If you like our politics, go ahead and subscribe."])
def test_web_furniture_is_recognised(line: str) -> None:
    assert is_furniture(line)


def test_real_sentences_are_not_furniture() -> None:
    assert not is_furniture("The workers' committees shared power with the soviet in every district.")


def test_headings_and_split_paragraphs() -> None:
    blocks = [
        Block("para", "The Putilov workers", 1),
        Block("para", "Petrograd was the centre of the revolution and its largest plant mattered most of all. "
                      "The pressure on the workers was enormous as conditions", 2),
        Block("para", "generally worsened. Strikes followed.", 3),
        Block("para", "The factory committees", 4),
        Block("para", "Committees grew up in every large factory of the city during the spring of that year.", 5),
    ]
    out = clean_blocks(blocks)
    assert [(b.kind, b.number) for b in out] == [("heading", 1), ("para", 2), ("heading", 4), ("para", 5)]
    assert "conditions generally worsened." in out[1].text
    passages = split_passages(out)
    assert passages[0].loc == "The Putilov workers, para 2"
    assert passages[-1].section == "The factory committees"


def test_a_trailing_list_of_other_articles_is_dropped() -> None:
    body = [Block("para", f"Paragraph {i} of the article itself, long enough to be real prose about 1917.", i)
            for i in range(1, 9)]
    listing = []
    n = 9
    for title in ("Another story", "A second story", "A third story"):
        listing += [Block("para", title, n), Block("para", "A blurb about it.", n + 1),
                    Block("para", "Some Author", n + 2), Block("para", "April 20, 2024", n + 3)]
        n += 4
    out = clean_blocks(body + [Block("para", "Ideas & Debates", 8)] + listing)
    assert out[-1].text.startswith("Paragraph 8")


def test_blocks_come_out_cleaned_before_the_reading_is_cleaned_to_its_end() -> None:
    """The reading child splits each block as cleaning gives it out, so the bot links the first passages while
    the rest is cleaned: the first block comes out when only a few were taken in, and blocks as they come give
    the passages (and sections, and the closing listing cut) the whole list gives."""
    from bot.ingest.clean import iter_clean_blocks
    from bot.ingest.passages import iter_passages

    body = [Block("para", f"Paragraph {i} of the article, long enough to be real prose about the year 1917.", i)
            for i in range(1, 400)]
    taken: list[int] = []
    first = next(iter_clean_blocks(_Counted(body, taken)))
    assert first.number == 1 and len(taken) < 10
    listing = [Block("para", t, 500 + i) for i, t in enumerate(
        ["Another story", "A blurb.", "April 20, 2024", "A second story", "A blurb.", "May 2, 2024",
         "A third story", "A blurb.", "June 3, 2024"])]
    lone = [Block("heading", "Introduction", 0)] + body[:50]
    two = [Block("heading", "One", 0)] + body[:20] + [Block("heading", "Two", 30)] + body[30:60]
    for blocks in (body + listing, lone, two):
        whole = split_passages(clean_blocks(list(blocks)))
        assert list(iter_passages(iter_clean_blocks(list(blocks), release=True))) == whole
    assert all(p.section is None for p in split_passages(clean_blocks(lone)))
    assert {p.section for p in split_passages(clean_blocks(two))} == {"One", "Two"}
    assert not any("story" in p.text for p in split_passages(clean_blocks(body + listing)))  # the listing is cut


class _Counted(list):
    """A list of blocks that counts which were read (cleaning reads each block by its index)."""

    def __init__(self, blocks: list[Block], taken: list[int]) -> None:
        super().__init__(blocks)
        self.taken = taken

    def __getitem__(self, i):  # type: ignore[override]
        b = super().__getitem__(i)
        self.taken.append(b.number)
        return b


def test_sentences_respect_abbreviations_and_initials() -> None:
    assert sentences("Gen. Kornilov moved. V. I. Lenin wrote to St. Petersburg. Then it ended.") == [
        "Gen. Kornilov moved.", "V. I. Lenin wrote to St. Petersburg.", "Then it ended."]


# --- linking ------------------------------------------------------------------------------------------------


def test_a_passage_about_kerensky_never_links_to_another_alexander(mini_app: Clio, tmp_path: Path) -> None:
    f = tmp_path / "k.txt"
    f.write_text("Alexander Kerensky became prime minister in July. Alexander spoke to the crowds daily.\n\n"
                 "In another paragraph Alexander appears alone, and Tsar Alexander III is named in full.",
                 encoding="utf-8")
    mini_app.ingest(f)
    records = Records(mini_app)
    seq = {r["id"]: r["seq"] for r in records.rows("passages", columns="id, seq")}
    links = {(seq[r["passage_id"]], r["entity_id"]) for r in records.rows("passage_entities")}
    assert (1, "kerensky") in links
    assert (1, "alexander-iii") not in links
    assert (2, "alexander-iii") in links and (2, "kerensky") not in links


def test_a_signed_quotation_is_no_account_of_the_reading(mini_app: Clio, tmp_path: Path) -> None:
    """An epigraph (a quotation with its speaker's name below it) is someone else's words: never linked, quoted
    or asked about as the reading's own. A dash aside in running text is not a signature."""
    f = tmp_path / "epigraph.txt"
    f.write_text("“The soldiers will not fire on the crowds in the streets of the capital any longer.”\n— Kerensky\n\n"
                 "Workers of the world, unite, for you have nothing to lose but your chains! - V. I. Lenin, 1917\n\n"
                 "The garrison went over to the crowds in the last days of February 1917 — Kerensky among them.\n\n"
                 "General Kornilov marched on the capital in August 1917. The railwaymen stopped his trains.",
                 encoding="utf-8")
    mini_app.ingest(f)
    rows = Records(mini_app).rows("passages", columns="id, para, prose")
    prose = {r["para"]: r["prose"] for r in rows}
    assert prose == {1: 0, 3: 0, 4: 1, 5: 1}, prose
    linked = {r["passage_id"] for r in Records(mini_app).rows("passage_entities")}
    assert linked == {r["id"] for r in rows if r["para"] in (4, 5)}


def test_unknown_recurring_names_become_candidates_and_who_answers_from_passages(mini_app: Clio,
                                                                                   tmp_path: Path) -> None:
    f = tmp_path / "m.txt"
    f.write_text("General Khabalov commanded the garrison. Khabalov wired the Tsar that order had collapsed.\n\n"
                 "Later Khabalov was arrested by the crowd.", encoding="utf-8")
    mini_app.ingest(f)
    names = {r["name"]: r["mentions"] for r in mini_app.readings.candidates(None)}
    assert names.get("Khabalov") == 3
    reply = mini_app.handle_text("/who Khabalov")
    assert reply.ok and "not in the pack yet" in reply.title
    assert any("garrison" in f.value for f in reply.fields)


def test_things_named_like_people_never_become_candidates(mini_app: Clio, tmp_path: Path) -> None:
    f = tmp_path / "things.txt"
    f.write_text(
        "The Assembly declared the tithe abolished. The Assembly met again in June.\n\n"
        "The ship's doctor on the battleship Potemkin declared the meat fit to eat. Potemkin sailed on.\n\n"
        "The family lies in the Peter and Paul Cathedral. Crowds came to Paul Cathedral square.\n\n"
        "He called on the Comrade Kronstadters to go home. The Kronstadters went home.\n\n"
        "Experts on Central Asia, argued the report, saw it coming. Asia changed.\n\n"
        "The Grand Duke Sergei Mikhailovich was killed. Sergei Mikhailovich had stayed.\n\n"
        "Khabalov said the order had collapsed. Khabalov was arrested.", encoding="utf-8")
    mini_app.ingest(f)
    names = {r["name"] for r in mini_app.readings.candidates(None)}
    assert names == {"Sergei Mikhailovich", "Khabalov"}, names  # a title before "the" still cues a person
    assert "not in the pack yet" not in mini_app.handle_text("/who Assembly").title


def test_a_reference_list_cues_no_candidate(mini_app: Clio, tmp_path: Path) -> None:
    f = tmp_path / "refs.md"
    f.write_text("# The garrison falls\n\nKhabalov said the order had collapsed, and the ministers did not believe him at first. "
                 "By the evening the garrison had gone over to the crowd in the streets.\n\n"
                 "The next morning Khabalov was arrested with the rest of the command, and the city was quiet.\n\n"
                 "## Further reading\n\n- McPhee, Peter Review of the Vendee book. Oxford, 1999.\n"
                 "- Campbell, Peter Robert, ed. The origins. London: Macmillan, 2006.\n"
                 "- Peter Review of another book, 2001.\n", encoding="utf-8")
    mini_app.ingest(f)
    assert {r["name"] for r in mini_app.readings.candidates(None)} == {"Khabalov"}


def test_dates_in_passages_are_stored_in_the_readings_calendar(mini_app: Clio, tmp_path: Path) -> None:
    f = tmp_path / "d.txt"
    f.write_text("The rising began on 25 October 1917. On October 26 the congress met. "
                 "In 1917 the congress closed on October 27. Peace was signed on March 3, 1918.", encoding="utf-8")
    mini_app.ingest(f, calendar="julian-until-1918")
    rows = {(r["phrase"], r["date"], r["calendar"], r["ns_month"], r["ns_day"])
            for r in Records(mini_app).rows("passage_dates")}
    assert ("25 October 1917", "1917-10-25", "julian", 11, 7) in rows
    assert ("October 27", "1917-10-27", "julian", 11, 9) in rows  # its own sentence names the year
    assert ("March 3, 1918", "1918-03-03", "gregorian", 3, 3) in rows
    # the year of "October 26" is only in another sentence: left out rather than guessed
    assert not any(phrase == "October 26" for phrase, *_ in rows)


def test_forget_in_chat_removes_only_this_workspaces_reading(mini_app: Clio, tmp_path: Path) -> None:
    from bot.events import Context

    f = tmp_path / "mine.txt"
    f.write_text(STORY, encoding="utf-8")
    mini_app.ingest(f, workspace="discord:1")
    mini_app.ingest(f, workspace="discord:2")
    admin2 = Context(workspace="discord:2", is_admin=True)
    assert mini_app.handle_text("/forget mine.txt", admin2).ok
    left = set(Records(mini_app).values("sources", "workspace"))
    assert left == {"discord:1"}
    assert not mini_app.handle_text("/forget mine.txt", admin2).ok
    assert not mini_app.handle_text("/forget mine.txt", Context(workspace="discord:1")).ok  # not an admin


def test_readings_of_one_workspace_are_invisible_in_another(mini_app: Clio, tmp_path: Path) -> None:
    from bot.events import Context

    f = tmp_path / "private.txt"
    f.write_text("General Kornilov's private diary speaks of railway sabotage near Luga.", encoding="utf-8")
    sid = mini_app.ingest(f, workspace="slack:T1").source_id
    mine, theirs = Context(workspace="slack:T1"), Context(workspace="slack:T2")

    def cites_it(reply) -> bool:  # type: ignore[no-untyped-def]
        return any(c.reading_id == sid for c in reply.citations) or any("Luga" in x.value for x in reply.fields)

    assert cites_it(mini_app.handle_text("/who Kornilov", mine))
    assert cites_it(mini_app.handle_text("/search Luga diary", mine))
    for command in ("/who Kornilov", "/search Luga diary", "/sources", "/compare Kornilov"):
        reply = mini_app.handle_text(command, theirs)
        assert not cites_it(reply) and "private" not in reply.text(), command


def test_compare_of_two_topics_offers_each_its_own(mini_app: Clio, tmp_path: Path) -> None:
    # before: "/compare Kornilov and Qwertovich" said only that no reading discusses the phrase
    f = tmp_path / "notes.txt"
    f.write_text("General Kornilov sent the Savage Division towards the capital in late August.", encoding="utf-8")
    mini_app.ingest(f)
    reply = mini_app.handle_text("/compare Kornilov and Qwertovich")
    assert reply.title.endswith("as one topic") and "/compare Kornilov, then /compare Qwertovich" in reply.body
    assert [(b.action, b.value) for b in reply.buttons] == [("compare", "Kornilov"), ("compare", "Qwertovich")]
    assert mini_app.handle_text(f"/{reply.buttons[0].action} {reply.buttons[0].value}").title.startswith(
        "The readings on")
    hostile = mini_app.handle_text("/compare @everyone and <!channel>")  # the buttons echo it, ping no one
    assert "@everyone" not in hostile.text() and "<!channel>" not in hostile.text()


def test_pdf_writer_helper_really_makes_a_pdf(tmp_path: Path) -> None:
    doc = read_document(write_pdf(tmp_path / "x.pdf", ["Hello from a PDF."]))
    assert doc.blocks[0].text == "Hello from a PDF."
    assert zlib  # keeps the import honest for future compressed streams


def test_a_search_ranks_every_match_however_many_there_are(mini_app: Clio, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # two readings that both mention the bread queues: the older one's shorter passages rank best,
    # the later one's passages are the newest
    old = tmp_path / "queues-old.txt"
    old.write_text("\n\n".join(f"Entry {i}: the bread queue on the Nevsky grew longer." for i in range(6)))
    new = tmp_path / "queues-new.txt"
    new.write_text("\n\n".join(f"Report {i}: a bread queue formed at dawn outside the bakery." for i in range(4)))
    mini_app.ingest(old, title="Old diary")
    mini_app.ingest(new, title="New report")
    exact = mini_app.handle_text("/search bread queue")
    assert exact.ok and "Add a word" not in exact.body
    assert exact.citations[0].title == "Old diary"  # every match ranked: the best come from the older reading
    # the old cap no longer cuts the ranking to the newest passages (issue 19)
    monkeypatch.setattr(store, "SEARCH_RANK_CAP", 4)
    again = mini_app.handle_text("/search bread queue")
    assert again.citations[0].title == "Old diary" and "Add a word" not in again.body


@pytest.mark.parametrize("text", [
    " ".join(f"word{i} in a lower-case note without any full stop" for i in range(300)),
    " ".join(["Η επανάσταση του Φεβρουαρίου και οι συνέπειές της"] * 200),
    "二月革命推翻了沙皇政府" * 600,
], ids=["lower-case", "greek", "chinese"])
def test_a_paragraph_without_sentence_breaks_is_kept_whole_in_passages_cut_between_words(text: str) -> None:
    from bot.ingest.passages import MAX_PASSAGE_CHARS, split_passages
    from bot.ingest.readers import Block

    passages = split_passages([Block("para", text, 1)])
    assert len(passages) > 1 and all(len(p.text) <= MAX_PASSAGE_CHARS for p in passages)
    if " " in text:
        assert " ".join(p.text for p in passages).split() == text.split()  # every word, none cut in two
    else:
        assert "".join(p.text for p in passages) == text


def test_a_reading_linked_while_it_is_read_links_as_relinking_it_whole_does(mini_app: Clio, tmp_path: Path) -> None:
    """A long reading comes from the reading child in several batches, each linked as it comes; what it links
    (and the progress an admin sees) must be what linking the stored reading in one go gives."""
    from bot import ingest

    paragraphs = []
    for i in range(5000):  # more passages than one batch of the reading child holds: ten batches in all
        if i % 3 == 0:
            paragraphs.append(f"In {1900 + i % 30} General Kornilov wrote to Kerensky about the army, note {i}.")
        elif i % 3 == 1:
            paragraphs.append(f"Kornilov and the Petrograd Soviet disagreed again, and Kerensky waited ({i}).")
        else:
            paragraphs.append(f"Nothing here names anyone in particular, paragraph {i}.")
    f = tmp_path / "long-notes.txt"
    f.write_text("\n\n".join(paragraphs), encoding="utf-8")
    seen: list[tuple[int, int]] = []
    result = mini_app.ingest(f, progress=lambda done, total: seen.append((done, total)))
    assert result.passages == 5000 and result.linked > 0
    records = Records(mini_app)

    def links() -> list[dict[str, object]]:
        return records.rows("passage_entities", "order by passage_id, entity_id",
                            columns="passage_id, entity_id, mentions")

    linked_while_read = links()
    assert linked_while_read
    ingest.relink(mini_app.db, mini_app.library.matcher, mini_app.person_ids, readings=mini_app.readings)
    assert links() == linked_while_read
    # progress counts up, never shows more done than its total, and ends at the true count
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert all(d <= t for d, t in seen) and seen[-1] == (5000, 5000)


def test_a_reading_written_in_many_batches_is_searchable_from_its_first_passage_to_its_last(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reading goes into SQLite (and its full-text index) a batch at a time; every passage of every batch
    must be found by /search, and the index must agree with the passages. (The file's own write path: on
    PostgreSQL a reading goes in one transaction, checked by tests/test_readings_repo.py.)"""
    from bot.config import Settings
    from tests.conftest import TEST_PACKS

    monkeypatch.setattr(concurrency, "BATCH_BYTES", 50_000)  # about 360 KB: several write batches
    mini_app = Clio(Settings(db_path=tmp_path / "clio.db", content_dir=TEST_PACKS, pack="mini"))
    paragraphs = [f"Paragraph {i} tells how the garrison of the capital waited for orders that never came."
                  for i in range(4000)]
    paragraphs[0] = "The quartermaster Zvyagintsev counted the rifles before dawn."
    paragraphs[-1] = "At the end the telegraphist Obolyaninov sent the last message."
    f = tmp_path / "garrison.txt"
    f.write_text("\n\n".join(paragraphs), encoding="utf-8")
    result = mini_app.ingest(f, title="Garrison notes")
    assert result.passages == 4000
    for word in ("Zvyagintsev", "Obolyaninov", "garrison"):
        reply = mini_app.handle_text(f"/search {word}")
        assert reply.ok and reply.citations and reply.citations[0].title == "Garrison notes", word
    assert mini_app.db.execute("select count(*) from passages_fts where passages_fts match 'garrison'"
                               ).fetchone()[0] == 3998
    mini_app.db.execute("insert into passages_fts(passages_fts) values('integrity-check')")  # raises if not
    mini_app.close()


def test_the_same_text_ingested_again_with_another_calendar_is_dated_again(mini_app: Clio, tmp_path: Path) -> None:
    """The reading child dates a reading as it reads it, under the calendar the admin gives (or the one its
    own marks say): given another calendar for unchanged bytes, its dates are derived again in that one."""
    f = tmp_path / "petrograd.txt"
    f.write_text("In Petrograd the Bolsheviks rose on 25 October 1917. The Tsar had abdicated in Russia that "
                 "March, and the soviets of Moscow and Petrograd followed the Bolsheviks.", encoding="utf-8")
    first = mini_app.ingest(f)
    def dates() -> list[dict]:
        return Records(mini_app).rows("passage_dates", columns="date, calendar, ns_month, ns_day")

    # nothing in the reading says how it dates its Russian events: an unmarked day before 1918 is left out
    assert first.status == "added" and dates() == []
    again = mini_app.ingest(f, calendar="julian-until-1918")
    assert again.status == "replaced"
    assert dates() == [{"date": "1917-10-25", "calendar": "julian", "ns_month": 11, "ns_day": 7}]
    assert mini_app.readings.sources(store.SHARED)[0]["calendar"] == "julian-until-1918"


def test_a_copy_a_killed_ingest_left_unpublished_is_written_again_not_taken_for_the_reading(tmp_path: Path) -> None:
    """A process killed after writing a reading's passages but before publishing it leaves that copy hidden
    under the staging workspace (SQLite writes a reading in short transactions; PostgreSQL in one, so this is
    the file's case). Ingesting the file again must add it, not answer "already indexed" for a reading no
    one can see; but a copy written to lately is a live ingest in another process, which must not be
    deleted under it."""
    from bot.concurrency import STAGING
    from bot.config import Settings
    from tests.conftest import TEST_PACKS

    app = Clio(Settings(db_path=tmp_path / "clio.db", content_dir=TEST_PACKS, pack="mini"))
    reading = tmp_path / "cellar-notes.txt"
    reading.write_text("General Kornilov sent the Zyxwv dispatch from Mogilev in August 1917.", encoding="utf-8")
    first = app.ingest(reading)
    with app.db.conn:  # the state the killed process left: everything written, nothing published
        app.db.execute("update sources set workspace = ? where id = ?", [STAGING + store.SHARED, first.source_id])
    assert not app.handle_text("/search Zyxwv").ok  # no one sees it
    # written to a moment ago, it may be another process's ingest, still running: left alone, with a clear reply
    with pytest.raises(ReadError, match="being added by another ingest right now"):
        app.ingest(reading)
    assert Records(app).count("passages", "where source_id = ?", [first.source_id]) == 1
    with app.db.conn:  # the killed process's copy has had no batch written for longer than any ingest waits
        app.db.execute("update sources set added_at = '2026-01-01T00:00:00+00:00' where id = ?", [first.source_id])
    again = app.ingest(reading)
    assert again.status == "added", again.text()
    assert any(c.reading_id == again.source_id for c in app.handle_text("/search Zyxwv").citations)
    assert "cellar-notes" in app.handle_text("/sources").text()
    assert Records(app).count("passages", "where source_id = ?", [again.source_id]) == again.passages == 1
    app.close()


def test_an_ingest_that_fails_midway_leaves_no_trace_and_keeps_the_copy_it_was_replacing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Passages are written while the reading child still reads (a big reading is never held whole). When the
    ingest fails after several batches went in (a reading child over its budget does; here the progress
    callback raises, which stops it at a known passage), the new reading's passages are deleted again; and
    a reading that was replacing an older copy leaves that copy searchable, as it was."""
    from bot.config import Settings
    from tests.conftest import TEST_PACKS

    class Stop(Exception):
        pass

    stored_then: list[int] = []  # passages in the file (any reading) when the ingest stopped

    def stop_at(n: int):
        def progress(done: int, total: int) -> None:
            if done >= n:
                with sqlite3.connect(tmp_path / "clio.db") as other:  # what another process sees committed
                    stored_then.append(other.execute("select count(*) from passages").fetchone()[0])
                raise Stop
        return progress

    monkeypatch.setattr(concurrency, "BATCH_BYTES", 20_000)  # several write batches in a reading of 480 KB
    app = Clio(Settings(db_path=tmp_path / "clio.db", content_dir=TEST_PACKS, pack="mini"))
    records = Records(app)
    f = tmp_path / "barracks.txt"
    f.write_text("\n\n".join(f"Entry {i}: the Volynsky regiment's sentry Qwertovich stood at the gate till dawn."
                             for i in range(6000)), encoding="utf-8")  # several write batches
    with pytest.raises(Stop):
        app.ingest(f, progress=stop_at(5000))
    assert stored_then[-1] >= 1000  # batches were in before the reading ended
    assert records.count("sources") == records.count("passages") == 0
    assert app.db.execute("select count(*) from passages_fts where passages_fts match 'Qwertovich'").fetchone()[0] == 0

    f.write_text("The sentry Qwertovich kept his post through the February days.", encoding="utf-8")
    first = app.ingest(f)
    f.write_text("\n\n".join(f"Entry {i}: the Pavlovsky regiment's drummer Asdfgovich beat the alarm."
                             for i in range(6000)), encoding="utf-8")
    with pytest.raises(Stop):
        app.ingest(f, progress=stop_at(5000))
    assert stored_then[-1] == 1  # a replacement is read whole first: only the old copy's passage was there
    assert [s["id"] for s in app.readings.sources(store.SHARED)] == [first.source_id]
    assert records.values("passages", "text") == ["The sentry Qwertovich kept his post through the February days."]
    assert app.handle_text("/search Qwertovich").ok and not app.handle_text("/search Asdfgovich").ok
    app.close()


def test_an_ingest_summary_counts_one_in_the_singular() -> None:
    from bot.ingest import IngestResult

    one = IngestResult("s", "Notes", "added", 1, 1, 1, 1, 2_000, 0.1).text()
    assert "1 passage, 1 pack entry linked, 1 date, 1 unknown name (" in one, one
    many = IngestResult("s", "Notes", "added", 1_506, 560, 32, 3, 630_000, 0.5).text()
    assert "1,506 passages, 560 pack entries linked, 32 dates, 3 unknown names (" in many, many


def test_a_wiki_category_list_is_no_prose_even_after_the_pages_name() -> None:
    """A Wikipedia page ends with its categories. One that starts with the page's name ("Mikhail_Gorbachev
    Category:1931 births ...") read as a sentence, so a card quoted it as what the reading says."""
    from bot.ingest.passages import split_passages

    blocks = [Block("para", "Gorbachev was born in 1931 in Privolnoye, in the Stavropol region.", 1),
              Block("para", "Mikhail_Gorbachev Category:1931 births Category:Heads of state of the Soviet Union "
                            "Category:Nobel Peace Prize laureates. Category:Russian memoirists", 2)]
    assert [p.prose for p in split_passages(clean_blocks(blocks))] == [True, False]
