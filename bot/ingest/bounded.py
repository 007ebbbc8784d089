"""Bounded reading: a file is read, cleaned and split into passages in a child process with a time and memory
budget, so a hostile file (a zip bomb, a quadratic shape, a huge page count) costs the bot a clear refusal, never
its memory or its event loop.

The child comes from a fork server started once (its modules preloaded), so each file costs a fork, not an
interpreter start. It sets its own address-space limit before it parses; the parent waits at most the time
budget and then kills it. Whatever the child meets, the parent gets passages or a `ReadError` with a message
for the user.

Ingest also links in a child: the reading child's passages pass through a linking child (memory-capped too) on
their way to the bot, so reading, linking and storing run in three processes at once and share the cores.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import NamedTuple

from bot.ingest.clean import iter_clean_blocks
from bot.ingest.datefind import ConventionCount, FoundDate, date_phrases, settle
from bot.ingest.link import Linker, LinkTables, cue
from bot.ingest.passages import Passage, iter_passages
from bot.ingest.readers import MAX_FILE_BYTES, Block, ReadError, read_document

# the budget of one file: memory the child may take above what it has at the start, and seconds, growing with
# the file's size (a 50 MB reading takes 40-60 s on a 2-core machine shared with other work, so 2 s a MB; a
# hostile 60 KB file gets 8 s, so its refusal, the fork and the reply fit in 10 s)
MEMORY_BUDGET_BYTES = 300 * 2**20
MEMORY_BUDGET_PER_FILE_BYTE = 6  # a 50 MB text: its bytes, its decoded text, its blocks and passages
BASE_SECONDS = 8.0
# passages sent back per message: the parent unpickles each in one hold of Python's GIL (a 50 MB reading's
# 60,000 passages in one message held it, and stalled the bot's event loop, for a second or more); and the bot
# process links each as it comes, so a smaller batch starts it sooner and leaves it less to do once the child
# is done (2,000 passages: the bot idled about 0.2 s at the start and the child about 0.2 s at the end)
PASSAGES_PER_MESSAGE = 500
# the first message is smaller: until it has passed through the linking child to the bot, only one process works
FIRST_MESSAGE_PASSAGES = 50
SECONDS_PER_MB = 2.0


@dataclass(frozen=True)
class Parsed:
    """What ingest needs of a read file besides its passages (Reading.batches gives those): its kind, title and
    author, and its first block; and what the reading child found in the passages as it split them (the other core's share of the work): how the
    reading writes its dates, the dates each prose passage states, and the names with person cues."""

    kind: str
    title: str | None
    author: str | None
    first: Block | None
    peak_rss: int = 0  # the most memory (bytes) the reading child held at once
    calendar: str = "unknown"  # the reading's convention (bot/ingest/datefind.py): the one given, else inferred
    dates: list[tuple[int, FoundDate]] = field(default_factory=list)  # (passage seq, date), in reading order
    cued: dict[str, tuple[str, str]] = field(default_factory=dict)  # bot.ingest.link.cue's names


Mention = tuple[int, str, int]  # (passage seq, entity id, mentions)


class Batch(NamedTuple):
    """Passages in reading order as the reading child sent them; about what share of the reading has come so
    far (0-1); and, when the reading is linked (Reading's `link`), the links of the passages linked since the
    batch before: each passage's once its paragraph is whole, so some come with the next batch."""

    passages: list[Passage]
    share: float
    links: list[Mention]


@dataclass(frozen=True)
class Linked:
    """What linking a reading in the linking child came to, besides its batches' links: the links of the last
    paragraph; the mentions added to a passage linked before, and (a negative count) taken back from one
    (the whole reading settles them: bot.ingest.link.SourceLinks.late and taken_back), counted; how many entries
    the reading links; and the counts the candidates are made of (bot.ingest.link.candidates_of)."""

    links: list[Mention]
    late: list[Mention]
    entities: int
    cue_counts: dict[str, tuple[int, bool]]


def budget(size: int) -> tuple[float, int]:
    """(seconds, bytes of memory) a file of `size` bytes may take to read."""
    return BASE_SECONDS + SECONDS_PER_MB * size / 2**20, MEMORY_BUDGET_BYTES + MEMORY_BUDGET_PER_FILE_BYTE * size


class Reading:
    """One file being read in a child, its passages taken batch by batch as the child makes them, so the
    caller can link and store each batch while the child reads on (and never needs to hold them all):

        with Reading(path, data) as reading:
            for batch, share in reading.batches():
                ...
        reading.result  # kind, title, author, first block, calendar, dates, cued names

    With `link` (the pack's tables, bot.ingest.link.link_tables), a second child links the passages as they
    pass from the reading child to the caller: the three processes (reading, linking, storing) share the
    machine's cores. Each batch then carries its links, and `linked` is set with `result`.

    The children start (and are sent the bytes) when the Reading is made and are killed when it is closed.
    The time the caller spends between two batches is not counted against the budget.

    Raises (when made, or from `batches`):
        ReadError: the file cannot be read, or it needs more time or memory than its budget.
    """

    def __init__(self, path: Path, data: bytes, max_bytes: int = MAX_FILE_BYTES, calendar: str | None = None,
                 link: LinkTables | None = None):
        if len(data) > max_bytes:  # refused before a process is spent on it
            raise ReadError(f"{path.name} is {len(data) / 2**20:,.0f} MB; the limit is {max_bytes / 2**20:,.0f} MB.")
        self.name = path.name
        self.seconds, self.memory = budget(len(data))
        self.result: Parsed | None = None
        self.linked: Linked | None = None
        self._deadline = time.monotonic() + self.seconds
        ctx = _context()
        self._recv, send = ctx.Pipe(duplex=False)
        _widen(send)
        self._children: list[mp.process.BaseProcess] = []
        if link is not None:  # reading child -> linking child -> here
            linked_send = send
            passages_recv, send = ctx.Pipe(duplex=False)
            _widen(send)
            self._children.append(ctx.Process(target=_linking_child, daemon=True,
                                              args=(linked_send, passages_recv, link, path.name, self.memory)))
        data_recv, data_send = ctx.Pipe(duplex=False)
        # the bytes go through a pipe, not the child's arguments: arguments stay referenced for the child's whole
        # life, and the child drops the bytes as soon as it has read them
        self._children.append(ctx.Process(target=_child, args=(send, data_recv, path.name, max_bytes, self.memory,
                                                                calendar), daemon=True))
        for child in self._children:
            child.start()
        send.close()
        if link is not None:
            passages_recv.close()
            linked_send.close()
        data_recv.close()
        try:
            data_send.send_bytes(data)
        except OSError:  # the child is gone already; what it sent says why
            pass
        finally:
            data_send.close()

    def __enter__(self) -> Reading:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the children (those still running) and let their pipe go."""
        self._recv.close()
        for child in self._children:
            if child.is_alive():
                child.kill()
        for child in self._children:
            child.join(5)

    def batches(self) -> Iterator[Batch]:
        """Each batch of passages in reading order; `result` (and `linked`) are set once the last has come."""
        try:
            # passages come in batches as the child makes them, each unpickled in one short hold of the GIL
            while (message := _receive(self._recv, self._deadline))[0] == "passages":
                began = time.monotonic()
                yield Batch([Passage(*fields) for fields in message[1]], message[2], message[3])
                self._deadline += time.monotonic() - began  # the caller's time, not the children's
        except TimeoutError:
            raise ReadError(f"{self.name} took more than {self.seconds:.0f} seconds to read; Clio gave up on it. "
                            "Save it as plain text and try again.") from None
        except EOFError:  # killed: out of memory, or crashed in a library
            raise ReadError(f"{self.name} needs more than {self.memory / 2**20:,.0f} MB of memory to read; Clio "
                            "gave up on it. Save it as plain text and try again.") from None
        status, value, peak, linked = message
        if status == "error":
            error = ReadError(value)
            error.peak_rss = peak  # type: ignore[attr-defined]
            raise error
        self.result, self.linked = replace(value, peak_rss=peak), linked


# what the child may send ahead of the parent: a batch of passages (about 200 KB pickled) is more than a pipe
# holds by default (64 KB), so the child waited in each send until the parent had linked the batch before and
# came to read (the two processes in step, each idling whenever the other's batch took longer)
PIPE_BYTES = 2**20


def _widen(conn: Connection) -> None:
    """Let the pipe behind `conn` hold PIPE_BYTES (Linux; elsewhere, or past the system's limit, as it is)."""
    try:
        import fcntl
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux counts kB


def _receive(conn: Connection, deadline: float) -> tuple:
    """The child's next message, or TimeoutError when the budget's end comes first."""
    if not conn.poll(max(0.0, deadline - time.monotonic())):
        raise TimeoutError
    return conn.recv()


def _child(conn: Connection, data_conn: Connection, name: str, max_bytes: int, memory: int,
           calendar: str | None = None) -> None:
    try:
        _limit_memory(memory)
        _background()
        data = data_conn.recv_bytes()
        data_conn.close()
        doc = read_document(Path(name), data=data, max_bytes=max_bytes)
        del data
        raw, doc.blocks = doc.blocks, []
        # how far into the reading a passage is: its paragraph's number among the blocks' (they only grow)
        first, span = (raw[0].number, max(1, raw[-1].number - raw[0].number + 1)) if raw else (0, 1)
        firsts: list[Block] = []  # the reading's first cleaned block (a title may come from it)

        def cleaned() -> Iterator[Block]:
            # each block cleaned and split as it comes: the first passages go out before the last block is cleaned
            for b in iter_clean_blocks(raw, release=True):
                if not firsts:
                    firsts.append(b)
                yield b
        batch: list[Passage] = []
        # what the bot process needs of every passage but the pack: found here, while the bot links the batches
        convention = ConventionCount()
        phrases: list[tuple[int, list]] = []  # (seq, its date phrases) for each prose passage stating a date
        cued: dict[str, tuple[str, str]] = {}  # the names with person cues (the candidates' evidence)
        size = FIRST_MESSAGE_PASSAGES
        for passage in iter_passages(cleaned()):  # each read block dropped once it is cleaned
            batch.append(passage)
            if calendar is None:
                convention.add(passage.text)
            if passage.prose and (found := date_phrases(passage.text)):
                phrases.append((passage.seq, found))
            cue(passage, cued)
            if len(batch) == size:
                conn.send(("passages", _plain(batch), min(1.0, (passage.para - first + 1) / span), []))
                batch, size = [], PASSAGES_PER_MESSAGE
        if batch:
            conn.send(("passages", _plain(batch), 1.0, []))
        calendar = convention.convention(calendar)
        dates = [(seq, date) for seq, found in phrases for date in settle(found, calendar)]
        doc_first = firsts[0] if firsts else None
        conn.send(("ok", Parsed(doc.kind, doc.title, doc.author, doc_first, calendar=calendar, dates=dates,
                                          cued=cued),
                  _peak_rss(), None))
    except ReadError as e:
        conn.send(("error", e.user_message, _peak_rss(), None))
    except MemoryError:
        conn.send(("error", f"{name} needs more than {memory / 2**20:,.0f} MB of memory to read; Clio gave up on "
                            "it. Save it as plain text and try again.", _peak_rss(), None))
    except RecursionError:
        conn.send(("error", f"{name} is nested too deeply to read.", _peak_rss(), None))
    except Exception as e:  # a library choking on a malformed file: the user needs to know, not a traceback
        conn.send(("error", f"{name} could not be read ({type(e).__name__}).", _peak_rss(), None))
    finally:
        conn.close()


def _linking_child(conn: Connection, passages: Connection, tables: LinkTables, name: str, memory: int) -> None:
    """Link each batch the reading child sends on `passages`, and send it on `conn` with its links (see Batch
    and Linked); the reading child's other messages pass as they are. Killed reading child: this one ends, and
    its closed pipe tells the caller. Its memory budget is the reading child's: what it holds grows with the
    passages (each one's links are kept to the end, when the whole reading settles the last mentions: a 10 MB
    text of 300,000 one-line paragraphs took 117 MB; the 9.3 MB bench text's 23,662 passages, 50 MB)."""
    try:
        _limit_memory(memory)
        _background()
        linker = Linker(tables=tables, cues=False)  # the reading child finds the cued names
        unlinked: deque[int] = deque()  # the passages given to the linker whose links are not sent yet

        def take_linked() -> list[Mention]:
            found, out = linker.result.links, []
            while unlinked and unlinked[0] in found:
                seq = unlinked.popleft()
                out.extend((seq, e, n) for e, n in found[seq].items())
            return out

        while (message := passages.recv())[0] == "passages":
            for fields in message[1]:
                linker.add(Passage(*fields))
                unlinked.append(fields[0])
            conn.send((*message[:3], take_linked()))
        if message[0] == "ok":
            linker.cued = message[1].cued
            last = set(unlinked)  # the last paragraph, linked by finish(): its links count every mention
            found = linker.finish()
            rest = take_linked()
            late = Counter((seq, e) for seq, e in found.late if seq not in last)
            late.subtract((seq, e) for seq, e in found.taken_back if seq not in last)
            message = ("ok", message[1], max(message[2], _peak_rss()),
                       Linked(rest, [(seq, e, n) for (seq, e), n in late.items() if n], len(found.entities()),
                              found.cue_counts))
        conn.send(message)
    except EOFError:  # the reading child was killed (its budget): the caller sees this pipe close and says why
        pass
    except MemoryError:
        conn.send(("error", f"{name} needs more than {memory / 2**20:,.0f} MB of memory to link; Clio gave up "
                            "on it.", _peak_rss(), None))
    except Exception as e:  # a bug rather than the file; the user needs to know, not a traceback
        conn.send(("error", f"{name} could not be linked ({type(e).__name__}).", _peak_rss(), None))
    finally:
        conn.close()


def _plain(batch: list[Passage]) -> list[tuple]:
    """A batch as plain tuples for the pipe: a dataclass with slots pickles field by field through Python code
    (0.05 CPU s to pickle and 0.06 to unpickle a 9.3 MB reading's passages; as tuples 0.01 each, and 0.02 to
    make the passages again)."""
    return [(p.seq, p.para, p.section, p.text, p.prose) for p in batch]


# how far below the bot the children are scheduled: where the cores are busy (several uploads, several bots on
# one machine) the bot's commands come first and reading and linking take the rest; on an idle machine it makes
# no difference. Two bots on one file, each ingesting 50 MB among mixed commands for 30 s: at the bot's priority
# 369 commands (p99 2.3 s); the linking child at this one 1,278 (p99 0.75 s); both children 2,799 (p99 0.24 s).
# A reading's time budget is wall time, so a hostile file is refused as soon on a busy machine, and a real one
# has ten times the time it needs on an idle one.
CHILD_NICENESS = 10


def _background() -> None:
    """Schedule this process below the bot (CHILD_NICENESS), where the system lets it."""
    try:
        os.nice(CHILD_NICENESS)
    except OSError:
        pass


def _limit_memory(extra: int) -> None:
    """Cap the address space at what the process maps now plus `extra` bytes."""
    with open("/proc/self/statm") as f:
        mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = mapped + extra
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


_lock = threading.Lock()
_ctx: mp.context.BaseContext | None = None


def _context() -> mp.context.BaseContext:
    """A fork server whose children start with the readers' libraries already imported."""
    global _ctx
    with _lock:
        if _ctx is None:
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(["bot.ingest.bounded", "lxml.html", "ebooklib.epub", "pypdf"])
            _ctx = ctx
        return _ctx
