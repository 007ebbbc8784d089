"""Readers: a file of any supported format -> blocks of text (headings and paragraphs), nothing else.

Each reader uses a well-kept library (lxml for HTML, ebooklib for EPUB, pypdf for PDF). Files
that cannot be read (binary junk, empty, too large, encrypted) raise ReadError with a message for the user.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bot.errors import BotError

SUPPORTED = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html",
             ".htm": "html", ".xhtml": "html", ".epub": "epub", ".pdf": "pdf"}
MAX_FILE_BYTES = 50 * 1024 * 1024
# caps on what a small file may unpack into (bot.ingest.bounded adds a time and memory budget per file)
MAX_EPUB_MEMBERS = 5_000
MAX_EPUB_UNZIPPED_BYTES = 128 * 1024 * 1024  # all members together, as the archive declares them
MAX_EPUB_DOCUMENTS = 2_000  # chapters read from the spine, each once however often the spine lists it
MAX_PDF_PAGES = 3_000
MAX_TEXT_CHARS = 64 * 1024 * 1024  # text read out of an EPUB or PDF

BlockKind = Literal["heading", "para"]
# what a paragraph is on the page: running text, or an entry of a list (a markdown "- " or "1." line, an HTML
# <li>); ingest reads lists as non-prose (see bot/ingest/prose.py)
BlockForm = Literal["text", "item", "caption", "note"]  # caption and note: set by cleaning
_ITEM = "\ue000"  # marks a list item's line between the markdown reader's passes (a private-use character)


class ReadError(BotError):
    """A file Clio cannot ingest; nothing was changed."""

    exit_code = 2


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str
    number: int  # position in the document: the paragraph number a citation shows
    form: BlockForm = "text"


@dataclass
class Document:
    blocks: list[Block]
    kind: str
    title: str | None = None
    author: str | None = None
    notes: list[str] = field(default_factory=list)


def read_document(path: Path, data: bytes | None = None, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Read a file into blocks. `data` may carry the bytes already (an upload).

    Raises:
        ReadError: unsupported extension, too large, empty, binary, undecodable or encrypted.
    """
    data = check_file(path, data, max_bytes)
    kind = SUPPORTED[path.suffix.lower()]
    try:
        doc = _READERS[kind](data)
    except ReadError as e:
        raise ReadError(f"{path.name}: {e.user_message}") from None
    except (MemoryError, RecursionError):  # over the budget: bot.ingest.bounded says so
        raise
    except Exception as e:  # a library choking on a malformed file: the user needs to know, not a traceback
        raise ReadError(f"{path.name} is not a readable {kind.upper()} file ({type(e).__name__}).") from None
    if not any(b.kind == "para" for b in doc.blocks):
        raise ReadError(f"{path.name} has no text Clio can read.")
    return doc


def check_file(path: Path, data: bytes | None = None, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, after the checks that need no parsing: a supported extension, the size, not empty.

    Raises:
        ReadError: unsupported extension, too large, empty or cannot be opened.
    """
    if SUPPORTED.get(path.suffix.lower()) is None:
        raise ReadError(f"{path.name}: Clio reads {', '.join(sorted(set(SUPPORTED)))} files, not “{path.suffix or 'no extension'}”.")
    if data is None:
        try:
            size = path.stat().st_size
        except OSError as e:
            raise ReadError(f"{path.name}: cannot open it ({e.strerror}).") from None
        if size > max_bytes:
            raise ReadError(f"{path.name} is {size / 2**20:,.0f} MB; the limit is {max_bytes / 2**20:,.0f} MB.")
        data = path.read_bytes()
    elif len(data) > max_bytes:
        raise ReadError(f"{path.name} is {len(data) / 2**20:,.0f} MB; the limit is {max_bytes / 2**20:,.0f} MB.")
    if not data or data.isspace():
        raise ReadError(f"{path.name} is empty.")
    return data


def _decode(data: bytes) -> str:
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):  # Windows "Unicode" text: UTF-16 with its mark
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise ReadError("it starts like UTF-16 text but is not valid UTF-16") from None
    head = data[:8192]
    if b"\0" in head:
        raise ReadError("it looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text[:8192])
    if printable < 0.95 * min(len(text), 8192):
        raise ReadError("it looks like a binary file, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _text_blocks(text: str | Iterator[str], heading_marks: bool = False) -> list[Block]:
    """Blank-line separated paragraphs (of a text, or of its lines); numbered by their first line's rank among
    non-blank lines."""
    blocks: list[Block] = []
    nonblank = 0
    current: list[str] = []
    start = 0
    for line in _lines(text) if isinstance(text, str) else text:
        if stripped := line.strip():
            nonblank += 1
            if not current:
                start = nonblank
            current.append(stripped)
            continue
        if current:
            blocks.append(_block(current, start, heading_marks))
            current = []
    if current:
        blocks.append(_block(current, start, heading_marks))
    return blocks


def _lines(text: str) -> Iterator[str]:
    """text.split("\n"), one line at a time: a 50 MB text's million lines, held at once, took 100 MB more."""
    start = 0
    find = text.find
    while (end := find("\n", start)) >= 0:
        yield text[start:end]
        start = end + 1
    yield text[start:]


_MD_HEADING = re.compile(r"^#{1,6}\s+")


def _block(lines: list[str], number: int, heading_marks: bool) -> Block:
    if heading_marks and len(lines) == 1 and _MD_HEADING.match(lines[0]):
        return Block("heading", _MD_HEADING.sub("", lines[0]).strip("# "), number)
    text = "\n".join(lines)
    if _ITEM not in text:  # no line marked as a list's item (the common case): the lines as they are
        return Block("para", text, number)
    items = sum(line.startswith(_ITEM) for line in lines)
    # a list, or a list under its one-line lead-in ("Timeline of ...:" then the entries)
    form: BlockForm = "item" if items == len(lines) or (items >= 2 and items == len(lines) - 1
                                                         and not lines[0].startswith(_ITEM)) else "text"
    return Block("para", "\n".join(line.lstrip(_ITEM) for line in lines), number, form)


def _read_text(data: bytes) -> Document:
    return Document(_text_blocks(_decoded_lines(data)), "text")


DECODE_CHUNK = 1 << 20


def _decoded_lines(data: bytes) -> Iterator[str]:
    """_decode(data).split("\n"), each line decoded as it is needed: a 50 MB text decoded whole was 100 MB
    more while its blocks were made (two bytes a character once one curly quote is in it). The same checks
    and the same choice of encoding: UTF-8 when the whole file is valid UTF-8, else cp1252."""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):  # rare: decoded whole, as before
        yield from _lines(_decode(data))
        return
    if b"\0" in data[:8192]:
        raise ReadError("it looks like a binary file, not text")
    check = codecs.getincrementaldecoder("utf-8")()
    try:
        for at in range(0, len(data), DECODE_CHUNK):
            check.decode(data[at:at + DECODE_CHUNK], final=at + DECODE_CHUNK >= len(data))
        encoding, first, errors = "utf-8", "utf-8-sig", "strict"
        # the first 8192 characters: a character takes at most 4 bytes; a partial one at the cut is left out
        head = codecs.getincrementaldecoder("utf-8-sig")().decode(data[:4 * 8192 + 4],
                                                                   final=len(data) <= 4 * 8192 + 4)
    except UnicodeDecodeError:
        encoding = first = "cp1252"
        errors = "replace"
        head = data[:8192].decode("cp1252", errors="replace")
    head = head[:8192]
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in head)
    if printable < 0.95 * len(head):
        raise ReadError("it looks like a binary file, not text")
    # "\r\n" and a lone "\r" end a line as "\n" does (neither byte is ever inside a UTF-8 character). The lines are
    # decoded a chunk at a time, each chunk up to the last line break in its DECODE_CHUNK bytes (or the first one
    # after them): decoding each line's bytes alone took longer than reading the lines' blocks
    start, size = 0, len(data)
    while True:
        stop = data.rfind(b"\n", start, start + DECODE_CHUNK) if start + DECODE_CHUNK < size else -1
        if stop < 0 and start + DECODE_CHUNK < size:
            stop = data.find(b"\n", start + DECODE_CHUNK)
        chunk = data[start:] if stop < 0 else data[start:stop + 1]
        lines = chunk.decode(first if start == 0 else encoding, errors).split("\n")
        rest = lines.pop()  # "" after the chunk's last line break, or the text's last line (no line break after it)
        for line in lines:
            if line.endswith("\r"):
                line = line[:-1]
            if "\r" in line:
                yield from line.split("\r")
            else:
                yield line
        if stop < 0:
            yield from rest.split("\r")
            return
        start = stop + 1


# Markdown's inline marks, matched in linear time: no part of a pattern can run past the next mark that could
# start another match (a "[" for a link, the same emphasis mark), and line patterns never cross a line, so a
# file of 200,000 "[" or 70,000 "*a " costs one pass, not one pass per mark. (markdown-it-py parses these
# shapes in linear time too, but at about 30 us a character: 7 s for 100,000 "[img:".)
_MD_LINK = re.compile(r"!?\[([^\]\[\n]*)\]\([^()\[\]\n]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|[*_`])(?=\S)((?:(?!\1)[^\n])+?)(?<=\S)\1")
_MD_FRONT_MATTER = re.compile(r"---\n(?:[^\n]*\n){0,200}?---\n")
_MD_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}\.)[ \t]+", re.M)
_MD_QUOTE = re.compile(r"^>[ \t]?", re.M)
_MD_HEADING_LINE = re.compile(r"^(#{1,6}[ \t]+[^\n]*)$", re.M)


def _read_markdown(data: bytes) -> Document:
    text = _decode(data)
    if front := _MD_FRONT_MATTER.match(text):
        text = text[front.end():]
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = text.replace(_ITEM, "")
    text = _MD_ITEM.sub(_ITEM, text)
    text = _MD_QUOTE.sub("", text)
    # a heading is a block of its own even when the author wrote no blank line after it
    text = _MD_HEADING_LINE.sub(r"\n\1\n", text)
    return Document(_text_blocks(text, heading_marks=True), "markdown")


_DROP_TAGS = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript", "button", "svg", "figure")
_BLOCK_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "dd", "dt", "td")


MAX_HTML_DEPTH = 256  # libxml2's own limit on nesting: a deeper page is refused, not read in part
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]{0,200}\?>")


def _html_text(markup: bytes | str) -> str:
    """HTML bytes as text: UTF-8 (or UTF-16 with its mark) when they are, else Windows-1252; no XML declaration
    (lxml refuses text that still declares an encoding)."""
    if isinstance(markup, bytes):
        if markup[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            markup = markup.decode("utf-16", errors="replace")
        else:
            try:
                markup = markup.decode("utf-8-sig")
            except UnicodeDecodeError:
                markup = markup.decode("cp1252", errors="replace")
    return _XML_DECLARATION.sub("", markup, count=1)


def _html_blocks(markup: bytes | str, start: int = 1) -> tuple[list[Block], str | None]:
    """Blocks of an HTML page, parsed by lxml (libxml2) in linear time."""
    import lxml.html
    from lxml import etree

    text = _html_text(markup)
    if not text.strip():
        return [], None
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except etree.ParserError:  # nothing but white space or markup without content
        return [], None
    if any("Excessive depth" in e.message for e in parser.error_log):
        raise ReadError(f"it is nested too deeply to read (more than {MAX_HTML_DEPTH} elements inside each other)")
    title_el = root.find(".//title")
    title = " ".join(title_el.text_content().split()) or None if title_el is not None else None
    for tag in list(root.iter(*_DROP_TAGS)):
        tag.drop_tree()
    # the innermost block carries the text: a block that holds another block is left out (each block looks up
    # its nearest enclosing block: at most MAX_HTML_DEPTH steps, as libxml2 refuses deeper nesting)
    order = list(root.iter(*_BLOCK_TAGS))
    holds_block = {id(outer) for el in order if (outer := next(el.iterancestors(*_BLOCK_TAGS), None)) is not None}
    blocks: list[Block] = []
    n = start
    for el in order:
        if id(el) in holds_block:
            continue
        text = " ".join(s.strip() for s in el.itertext() if s.strip())
        if not text:
            continue
        kind: BlockKind = "heading" if el.tag[0] == "h" and el.tag[1:].isdigit() else "para"
        blocks.append(Block(kind, text, n, "item" if el.tag in ("li", "dd", "dt", "td") else "text"))
        n += 1
    if not blocks:  # a page of bare text without block elements
        body = "\n".join(root.itertext())
        blocks = [Block("para", b.text, b.number + start - 1) for b in _text_blocks(body)]
    return blocks, title


def _read_html(data: bytes) -> Document:
    if b"\0" in data[:8192]:
        raise ReadError("it looks like a binary file, not HTML")
    blocks, title = _html_blocks(data)
    return Document(blocks, "html", title=title)


def _read_epub(data: bytes) -> Document:
    import zipfile

    import ebooklib
    from ebooklib import epub

    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError):
        raise ReadError("it is not a readable EPUB (an EPUB is a zip archive, and this is none)") from None
    if len(members) > MAX_EPUB_MEMBERS:
        raise ReadError(f"it holds {len(members):,} files; an EPUB Clio reads holds at most {MAX_EPUB_MEMBERS:,}")
    unzipped = sum(m.file_size for m in members)
    if unzipped > MAX_EPUB_UNZIPPED_BYTES:
        raise ReadError(f"it unpacks to {unzipped / 2**20:,.0f} MB; Clio reads EPUBs that unpack to at most "
                        f"{MAX_EPUB_UNZIPPED_BYTES / 2**20:,.0f} MB")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = epub.read_epub(io.BytesIO(data), options={"ignore_ncx": True})
    blocks: list[Block] = []
    seen: set[str] = set()
    chars = 0
    for item_id, _ in book.spine:
        item = book.get_item_with_id(item_id)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or item_id in seen:
            continue  # a chapter the spine lists again is read once
        seen.add(item_id)
        if len(seen) > MAX_EPUB_DOCUMENTS:
            raise ReadError(f"it has more than {MAX_EPUB_DOCUMENTS:,} chapters")
        # the chapter's own bytes (get_content() parses and writes it again, losing a page nested too deeply)
        more, _ = _html_blocks(item.content or b"", start=len(blocks) + 1)
        chars += sum(len(b.text) for b in more)
        if chars > MAX_TEXT_CHARS:
            raise ReadError(f"its text is over {MAX_TEXT_CHARS / 2**20:,.0f} MB")
        blocks.extend(more)
    title = book.get_metadata("DC", "title")
    author = book.get_metadata("DC", "creator")
    return Document(blocks, "epub", title=title[0][0] if title else None, author=author[0][0] if author else None)


def _read_pdf(data: bytes) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # an encryption pypdf cannot undo without extra packages
                opened = False
            if not opened:
                raise ReadError("it is an encrypted PDF; save an unencrypted copy and try again")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise ReadError(f"it has {len(reader.pages):,} pages; Clio reads PDFs of at most {MAX_PDF_PAGES:,}")
        pages = []
        chars = 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            chars += len(pages[-1])
            if chars > MAX_TEXT_CHARS:
                raise ReadError(f"its text is over {MAX_TEXT_CHARS / 2**20:,.0f} MB")
    except LimitReachedError:  # pypdf's own cap on what one stream may inflate to
        from pypdf.filters import ZLIB_MAX_OUTPUT_LENGTH

        raise ReadError(f"one of its streams unpacks to more than {ZLIB_MAX_OUTPUT_LENGTH / 1e6:,.0f} MB; save its "
                        "text as plain text and try again") from None
    except PdfReadError as e:
        raise ReadError(f"it is not a readable PDF ({e})") from None
    meta = reader.metadata
    # pages end mid-paragraph: join them with a blank line only where a page ends a sentence
    parts: list[str] = []
    for page in pages:
        page = page.strip()
        if not page:
            continue
        # the text so far ends as the last page does: look there, not through all of it
        parts.append("\n\n" if not parts or re.search(r"[.!?:”\"']\s*$", parts[-1]) else "\n")
        parts.append(page)
    text = "".join(parts)
    blocks = _text_blocks(_pdf_paragraphs(text))
    return Document(blocks, "pdf", title=(meta.title if meta and meta.title else None),
                    author=(meta.author if meta and meta.author else None))


def _pdf_paragraphs(text: str) -> str:
    """PDF text has a newline at every line end; a paragraph ends where a line ends a sentence and is short."""
    lines = text.split("\n")
    out: list[str] = []
    width = max((len(x) for x in lines), default=0)
    for line in lines:
        out.append(line)
        if line.strip() and re.search(r"[.!?:”\"']\s*$", line) and len(line) < 0.8 * width:
            out.append("")
    return "\n".join(out)


_READERS = {"text": _read_text, "markdown": _read_markdown, "html": _read_html, "epub": _read_epub, "pdf": _read_pdf}
