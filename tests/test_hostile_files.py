"""Hostile files: each shape a stranger could upload is read or refused with a clear message, and the index is
left as it was when refused. The shapes are generated here; the time and memory budget that bounds them is
bot.ingest.bounded's (no timing is asserted: the budget's own refusal message is what a stalled read shows)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bot import store
from bot.app import Clio
from bot.ingest.readers import MAX_EPUB_MEMBERS, MAX_EPUB_UNZIPPED_BYTES, MAX_PDF_PAGES, ReadError

STORY = ("General Kornilov moved troops toward Petrograd in August 1917. Kerensky called on the soviets to resist. "
         "Railway workers stopped the trains, and the revolt collapsed within days.")


def epub_bytes(chapter: str, *, spine_repeats: int = 1, extra: dict[str, bytes] | None = None,
               bomb_bytes: int = 0) -> bytes:
    """A valid EPUB 3 written member by member: one chapter (listed `spine_repeats` times in the spine), any
    `extra` members, and optionally a member of `bomb_bytes` zeros that deflate to almost nothing."""
    opf = ('<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
           '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">clio-hostile</dc:identifier>'
           '<dc:title>Hostile</dc:title><dc:language>en</dc:language></metadata>'
           '<manifest><item id="ch1" href="ch1.xhtml" media-type="application/xhtml+xml"/></manifest>'
           '<spine>' + '<itemref idref="ch1"/>' * spine_repeats + '</spine></package>')
    container = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                 '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
                 '</rootfiles></container>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml", container)
        z.writestr("OEBPS/content.opf", opf)
        z.writestr("OEBPS/ch1.xhtml", f'<html xmlns="http://www.w3.org/1999/xhtml"><body>{chapter}</body></html>')
        for name, data in (extra or {}).items():
            z.writestr(name, data)
        if bomb_bytes:
            with z.open("OEBPS/bomb.xhtml", "w") as f:
                zeros = b"\0" * 2**20
                for _ in range(bomb_bytes // 2**20):
                    f.write(zeros)
    return out.getvalue()


def pdf_bytes(pages: int, line: str) -> bytes:
    """A PDF of `pages` pages that all show one text stream."""
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode("latin-1")
    first_page = 4
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (first_page + i) for i in range(pages))
            + b"] /Count %d >>" % pages,
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    font = first_page + pages
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
             b"/Resources << /Font << /F1 %d 0 R >> >> >>" % font] * pages
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every hostile shape, written once for the module."""
    d = tmp_path_factory.mktemp("hostile")
    shapes: dict[str, bytes] = {
        "bomb.epub": epub_bytes(f"<p>{STORY}</p>", bomb_bytes=MAX_EPUB_UNZIPPED_BYTES + 2**20),
        "members.epub": epub_bytes(f"<p>{STORY}</p>", extra={f"OEBPS/x{i}.css": b"" for i in range(MAX_EPUB_MEMBERS + 1)}),
        "repeated.epub": epub_bytes(f"<p>{STORY}</p>", spine_repeats=400),
        "pages.pdf": pdf_bytes(MAX_PDF_PAGES + 500, "Kornilov moved troops toward Petrograd."),
        "nested.html": b"<html><body>" + b"<blockquote>" * 100_000 + STORY.encode() + b"</blockquote>" * 100_000
                       + b"</body></html>",
        "line.txt": b"x" * (50 * 10**6),
        "random.txt": bytes(range(256)) * 4096,
        "random.epub": bytes((i * 7919) % 256 for i in range(2**20)),
        "random.pdf": b"%PDF-1.4\n" + bytes((i * 104729) % 256 for i in range(2**20)),
        "utf16.txt": f"The Kornilov affair\n\n{STORY}\n".encode("utf-16"),
    }
    for name, data in shapes.items():
        (d / name).write_bytes(data)
    return {name: d / name for name in shapes}


@pytest.fixture
def app_with_a_reading(mini_app: Clio, tmp_path: Path) -> Clio:
    good = tmp_path / "good.txt"
    good.write_text(STORY, encoding="utf-8")
    mini_app.ingest(good)
    return mini_app


def passages(app: Clio) -> list[dict]:
    return list(app.db.query("select id, text from passages order by id"))


@pytest.mark.parametrize(("name", "says"), [
    ("bomb.epub", r"bomb.epub: it unpacks to 129 MB; Clio reads EPUBs that unpack to at most 128 MB"),
    ("members.epub", r"members.epub: it holds 5,005 files; an EPUB Clio reads holds at most 5,000"),
    ("pages.pdf", r"pages.pdf: it has 3,500 pages; Clio reads PDFs of at most 3,000"),
    ("random.txt", r"random.txt: it looks like a binary file, not text"),
    ("random.epub", r"random.epub: it is not a readable EPUB"),
    ("random.pdf", r"random.pdf(: it)? is not a readable PDF"),
])
def test_a_hostile_file_is_refused_with_a_clear_message_and_changes_nothing(
        app_with_a_reading: Clio, hostile: dict[str, Path], name: str, says: str) -> None:
    before = passages(app_with_a_reading)
    with pytest.raises(ReadError, match=says):
        app_with_a_reading.ingest(hostile[name])
    assert passages(app_with_a_reading) == before
    assert store.count(app_with_a_reading.db, "sources") == 1


def test_an_epub_listing_one_chapter_many_times_is_read_once(mini_app: Clio, hostile: dict[str, Path]) -> None:
    result = mini_app.ingest(hostile["repeated.epub"])
    assert result.status == "added" and result.passages == 1
    assert [r["text"] for r in mini_app.db.query("select text from passages")] == [STORY]


def test_html_nested_a_hundred_thousand_deep_is_answered_not_stalled(mini_app: Clio, hostile: dict[str, Path]) -> None:
    """Read (its one paragraph) or refused with a message that says why; never a traceback or a hang."""
    try:
        result = mini_app.ingest(hostile["nested.html"])
    except ReadError as e:
        assert e.user_message.startswith("nested.html") and ("nested too deeply" in e.user_message
                                                             or "took more than" in e.user_message
                                                             or "memory" in e.user_message), e.user_message
        assert store.count(mini_app.db, "sources") == 0
    else:
        assert result.passages == 1
        assert "Railway workers" in next(mini_app.db.query("select text from passages"))["text"]


def test_one_50_mb_line_without_spaces_is_read_as_a_few_bounded_passages(mini_app: Clio, hostile: dict[str, Path]) -> None:
    from bot.ingest.passages import MAX_PASSAGE_CHARS, MAX_PIECES

    result = mini_app.ingest(hostile["line.txt"])
    assert result.status == "added" and result.passages == MAX_PIECES
    texts = [r["text"] for r in mini_app.db.query("select text from passages")]
    assert set("".join(texts)) == {"x"} and max(map(len, texts)) <= MAX_PASSAGE_CHARS


def test_utf16_text_is_read_like_utf8(mini_app: Clio, hostile: dict[str, Path]) -> None:
    result = mini_app.ingest(hostile["utf16.txt"])
    assert result.status == "added"
    reply = mini_app.handle_text("/who Kornilov")
    assert any("Railway workers" in f.value for f in reply.fields), reply.text()
