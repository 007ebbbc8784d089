"""Hostile files: each shape a stranger could upload is read or refused with a clear message, within 10 s and with
the reading child under 300 MB, and the index is left as it was when refused. The shapes are generated in
tests/hostile.py (the zip bombs inflate for real); the time and memory budget that bounds them is
bot.ingest.bounded's."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.app import Clio
from bot.ingest import bounded
from bot.ingest.readers import MAX_EPUB_UNZIPPED_BYTES, ReadError
from tests.hostile import NAMES, STORY, shapes
from tests.records import Records

SECONDS = 10.0
PEAK_BYTES = 300 * 2**20
SIZE_ATTACKS = {"line.txt"}  # 50 MB: its budget grows with its size (see test_one_50_mb_line_...)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every hostile shape, written once for the module."""
    d = tmp_path_factory.mktemp("hostile")
    made = shapes()
    assert list(made) == NAMES
    for name, data in made.items():
        (d / name).write_bytes(data)
    return {name: d / name for name in made}


@pytest.fixture
def app_with_a_reading(mini_app: Clio, tmp_path: Path) -> Clio:
    good = tmp_path / "good.txt"
    good.write_text(STORY, encoding="utf-8")
    mini_app.ingest(good)
    return mini_app


def passages(app: Clio) -> list[dict]:
    """The stored passages, read where the deployment keeps them."""
    return Records(app).rows("passages", "order by id", columns="id, text")


@pytest.mark.parametrize(("name", "says"), [
    ("bomb.epub", r"bomb.epub: it unpacks to 4,096 MB; Clio reads EPUBs that unpack to at most 128 MB"),
    ("listed.epub", r"listed.epub: it unpacks to 8,000 MB; Clio reads EPUBs that unpack to at most 128 MB"),
    ("members.epub", r"members.epub: it holds 5,005 files; an EPUB Clio reads holds at most 5,000"),
    ("pages.pdf", r"pages.pdf: it has 3,500 pages; Clio reads PDFs of at most 3,000"),
    ("stream.pdf", r"stream.pdf: one of its streams unpacks to more than 75 MB"),
    ("nested.html", r"nested.html: it is nested too deeply to read \(more than 256 elements inside each other\)"),
    ("nested.epub", r"nested.epub: it is nested too deeply to read"),
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
    assert Records(app_with_a_reading).count("sources") == 1


def test_an_epub_listing_one_chapter_many_times_is_read_once(mini_app: Clio, hostile: dict[str, Path]) -> None:
    result = mini_app.ingest(hostile["repeated.epub"])
    assert result.status == "added" and result.passages == 1
    assert Records(mini_app).values("passages", "text") == [STORY]


def test_the_zip_bombs_are_real(hostile: dict[str, Path]) -> None:
    """What the archives declare is what they hold: the bomb's member inflates to 4 GiB (checked on its first
    64 MiB and its CRC), the listed member to 200 MiB, forty times over."""
    import zipfile

    with zipfile.ZipFile(hostile["bomb.epub"]) as z:
        big = z.getinfo("OEBPS/big.xhtml")
        assert big.file_size == 4 * 2**30 > MAX_EPUB_UNZIPPED_BYTES and hostile["bomb.epub"].stat().st_size < 5 * 2**20
        with z.open(big) as f:
            assert f.read(64 * 2**20) == bytes(64 * 2**20)
    with zipfile.ZipFile(hostile["listed.epub"]) as z:
        assert [i.file_size for i in z.infolist()].count(200 * 2**20) == 40
        assert z.read("OEBPS/big.xhtml") == bytes(200 * 2**20)  # its CRC checked at the end


def _peak(path: Path) -> int | None:
    """The reading child's peak RSS for `path`, read again through the budgeted reader alone."""
    try:
        with bounded.Reading(path, path.read_bytes()) as reading:
            for _ in reading.batches():
                pass
        assert reading.result is not None
        return reading.result.peak_rss
    except ReadError as e:
        return getattr(e, "peak_rss", None)


@pytest.mark.parametrize("name", [n for n in NAMES if n not in SIZE_ATTACKS])
def test_every_hostile_shape_is_answered_within_10_s_and_300_mb(app_with_a_reading: Clio, hostile: dict[str, Path],
                                                                name: str) -> None:
    """Read (into a few bounded passages) or refused with a message naming the file, never a traceback or a
    stall; a refusal changes nothing."""
    app = app_with_a_reading
    before = passages(app)
    started = time.perf_counter()
    try:
        result = app.ingest(hostile[name])
    except ReadError as e:
        seconds = time.perf_counter() - started
        assert e.user_message.startswith(name) and "Traceback" not in e.user_message, e.user_message
        assert passages(app) == before
    else:
        seconds = time.perf_counter() - started
        assert result.status == "added" and 0 < result.passages <= 25, result.text()
    assert seconds <= SECONDS, f"{name}: answered in {seconds:.1f} s"
    peak = _peak(hostile[name])
    assert peak is not None and peak <= PEAK_BYTES, f"{name}: the reading child peaked at {(peak or 0) / 2**20:,.0f} MB"


def test_one_50_mb_line_without_spaces_is_read_as_a_few_bounded_passages(mini_app: Clio, hostile: dict[str, Path]) -> None:
    from bot.ingest.passages import MAX_PASSAGE_CHARS, MAX_PIECES

    result = mini_app.ingest(hostile["line.txt"])
    assert result.status == "added" and result.passages == MAX_PIECES
    texts = Records(mini_app).values("passages", "text")
    assert set("".join(texts)) == {"x"} and max(map(len, texts)) <= MAX_PASSAGE_CHARS


def test_utf16_text_is_read_like_utf8(mini_app: Clio, hostile: dict[str, Path]) -> None:
    result = mini_app.ingest(hostile["utf16.txt"])
    assert result.status == "added"
    reply = mini_app.handle_text("/who Kornilov")
    assert any("Railway workers" in f.value for f in reply.fields), reply.text()
