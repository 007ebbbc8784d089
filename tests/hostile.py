"""Hostile files, generated: each shape the issue reported a stranger could upload (zip bombs that really inflate,
quadratic shapes for regular expressions, sentence rejoining and tree walks), for tests/test_hostile_files.py
and bench/looplag.py. Small where the shape, not the size, is the attack."""

from __future__ import annotations

import io
import struct
import zlib

STORY = ("General Kornilov moved troops toward Petrograd in August 1917. Kerensky called on the soviets to resist. "
         "Railway workers stopped the trains, and the revolt collapsed within days.")

_CONTAINER = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
              '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
              '</rootfiles></container>')


def _opf(items: list[str], spine: list[str]) -> str:
    manifest = "".join(f'<item id="{i}" href="{i}.xhtml" media-type="application/xhtml+xml"/>' for i in items)
    return ('<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">clio-hostile</dc:identifier>'
            '<dc:title>Hostile</dc:title><dc:language>en</dc:language></metadata>'
            f'<manifest>{manifest}</manifest><spine>' + "".join(f'<itemref idref="{i}"/>' for i in spine)
            + '</spine></package>')


def _chapter(text: str) -> bytes:
    return f'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>{text}</p></body></html>'.encode()


# --- zeros that inflate for real: a deflate stream repeated, and its CRC-32 without touching the bytes ----------

_MiB = 2**20


def deflated_zeros(n_mib: int) -> bytes:
    """A raw deflate stream that inflates to `n_mib` MiB of zero bytes (about 1 KB a MiB): after a full flush
    the compressor's output for the next MiB of zeros is the same bytes again, so they are repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = c.compress(b"\0" * _MiB) + c.flush(zlib.Z_FULL_FLUSH)
    return chunk * n_mib + c.flush()


def _gf2_times(mat: list[int], vec: int) -> int:
    total, i = 0, 0
    while vec:
        if vec & 1:
            total ^= mat[i]
        vec >>= 1
        i += 1
    return total


def _gf2_square(mat: list[int]) -> list[int]:
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of A + B from crc(A), crc(B) and len(B) (zlib's crc32_combine)."""
    if len2 == 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def crc32_zeros(n_mib: int) -> int:
    """CRC-32 of `n_mib` MiB of zeros: a power-of-two run's CRC by doubling, the runs of n's bits combined."""
    crc, size = zlib.crc32(b"\0" * _MiB), _MiB  # of a run of 2**k MiB
    total = 0  # the CRC of no bytes
    while n_mib:
        if n_mib & 1:
            total = crc32_combine(total, crc, size)
        n_mib >>= 1
        crc, size = crc32_combine(crc, crc, size), size * 2
    return total


# --- a zip written by hand, so a member may declare what it really holds past 4 GiB (zip64) or be listed twice ---

def zip_bytes(members: list[tuple[str, bytes, int, int, int]], repeat_last: int = 1) -> bytes:
    """A zip of (name, data, method, crc, size) members, the last listed `repeat_last` times in the central
    directory (each entry pointing at the same local header: one stored copy, read again for each entry)."""
    out = io.BytesIO()
    central: list[bytes] = []
    for name, data, method, crc, size in members:
        offset = out.tell()
        raw = name.encode()
        extra = struct.pack("<HHQQ", 1, 16, size, len(data))  # zip64: the real sizes
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, method, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                              len(raw), len(extra)) + raw + extra + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, method, 0, 0x21, crc, 0xFFFFFFFF,
                                   0xFFFFFFFF, len(raw), len(extra), 0, 0, 0, 0, offset) + raw + extra)
    central += [central[-1]] * (repeat_last - 1)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _stored(name: str, data: bytes) -> tuple[str, bytes, int, int, int]:
    return name, data, 0, zlib.crc32(data), len(data)


def _deflated(name: str, data: bytes) -> tuple[str, bytes, int, int, int]:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return name, c.compress(data) + c.flush(), 8, zlib.crc32(data), len(data)


def epub_with_zeros(n_mib: int, listed: int = 1) -> bytes:
    """An EPUB whose chapter "big" inflates to `n_mib` MiB of zeros, listed `listed` times in the zip's directory
    and as often in the spine, after a chapter of real text."""
    opf = _opf(["ch1", "big"], ["ch1"] + ["big"] * listed).encode()
    return zip_bytes([_stored("mimetype", b"application/epub+zip"),
                      _deflated("META-INF/container.xml", _CONTAINER.encode()),
                      _deflated("OEBPS/content.opf", opf),
                      _deflated("OEBPS/ch1.xhtml", _chapter(STORY)),
                      ("OEBPS/big.xhtml", deflated_zeros(n_mib), 8, crc32_zeros(n_mib), n_mib * _MiB)],
                     repeat_last=listed)


def epub_bytes(text: str = STORY, *, spine_repeats: int = 1, extra: dict[str, bytes] | None = None) -> bytes:
    """A valid EPUB 3: one chapter (listed `spine_repeats` times in the spine) and any `extra` members."""
    opf = _opf(["ch1"], ["ch1"] * spine_repeats).encode()
    return zip_bytes([_stored("mimetype", b"application/epub+zip"),
                      _deflated("META-INF/container.xml", _CONTAINER.encode()),
                      _deflated("OEBPS/content.opf", opf), _deflated("OEBPS/ch1.xhtml", _chapter(text)),
                      *(_deflated(name, data) for name, data in (extra or {}).items())])


# --- PDFs ---------------------------------------------------------------------------------------------------------

def pdf_file(objs: list[bytes]) -> bytes:
    """A PDF file of the numbered objects `objs` (the catalog first), with its cross-reference table."""
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


def pdf_bytes(pages: int, line: str, *, stream: bytes | None = None, filters: str = "") -> bytes:
    """A PDF of `pages` pages that all show one content stream (`line` as text, or the given encoded `stream`)."""
    stream = stream if stream is not None else f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode("latin-1")
    first_page = 4
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (first_page + i) for i in range(pages))
            + b"] /Count %d >>" % pages,
            b"<< /Length %d%s >>\nstream\n" % (len(stream), filters.encode()) + stream + b"\nendstream"]
    font = first_page + pages
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
             b"/Resources << /Font << /F1 %d 0 R >> >> >>" % font] * pages
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return pdf_file(objs)


def pdf_stream_bomb(n_mib: int) -> bytes:
    """A one-page PDF whose content stream (FlateDecode, zlib framing) inflates to `n_mib` MiB of zeros."""
    adler = ((n_mib * _MiB) % 65521) << 16 | 1  # Adler-32 of zeros: a stays 1, b grows by 1 a byte
    stream = b"\x78\xda" + deflated_zeros(n_mib) + struct.pack(">I", adler)
    return pdf_bytes(1, "", stream=stream, filters=" /Filter /FlateDecode")


NAMES = ["bomb.epub", "listed.epub", "members.epub", "repeated.epub", "pages.pdf", "stream.pdf", "brackets.md",
         "stars.md", "blank.md", "initials.txt", "img.txt", "img.md", "links.md", "captions.txt", "files.txt",
         "nested.html", "nested.epub", "line.txt", "random.txt", "random.epub", "random.pdf", "utf16.txt"]


# --- every shape ----------------------------------------------------------------------------------------------------

def shapes() -> dict[str, bytes]:
    """File name -> bytes of every hostile shape the issue lists (and a few neighbours)."""
    from bot.ingest.readers import MAX_EPUB_MEMBERS, MAX_PDF_PAGES

    return {
        # zip bombs, for real: 4 GiB in one member; a 200 MiB member listed 40 times; too many members
        "bomb.epub": epub_with_zeros(4096),
        "listed.epub": epub_with_zeros(200, listed=40),
        "members.epub": epub_bytes(extra={f"OEBPS/x{i}.css": b"" for i in range(MAX_EPUB_MEMBERS + 1)}),
        "repeated.epub": epub_bytes(spine_repeats=400),
        "pages.pdf": pdf_bytes(MAX_PDF_PAGES + 500, "Kornilov moved troops toward Petrograd."),
        "stream.pdf": pdf_stream_bomb(1024),
        # quadratic shapes: regular expressions, sentence rejoining, tree walks
        "brackets.md": b"[" * 200_000,
        "stars.md": b"*a " * 70_000,
        "blank.md": STORY.encode() + b"\n" * 100_000 + STORY.encode(),
        "initials.txt": b"A. " * 70_000,
        "img.txt": b"[img:" * 200_000,
        "img.md": b"[img:" * 200_000,
        "links.md": b"[a](" * 100_000,
        "captions.txt": b"a]] " * 100_000,
        "files.txt": b"a." * 100_000 + b" x.png",
        "nested.html": b"<html><body>" + b"<blockquote>" * 100_000 + STORY.encode() + b"</blockquote>" * 100_000
                       + b"</body></html>",
        "nested.epub": epub_bytes("<blockquote>" * 100_000 + STORY + "</blockquote>" * 100_000),
        # junk and odd encodings
        "line.txt": b"x" * (50 * 10**6),
        "random.txt": bytes(range(256)) * 4096,
        "random.epub": bytes((i * 7919) % 256 for i in range(2**20)),
        "random.pdf": b"%PDF-1.4\n" + bytes((i * 104729) % 256 for i in range(2**20)),
        "utf16.txt": f"The Kornilov affair\n\n{STORY}\n".encode("utf-16"),
    }
