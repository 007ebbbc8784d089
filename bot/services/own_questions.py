"""A group's own quiz questions: admins add them in chat (/quiz add) or from a file (the pack's YAML question
format, a Kahoot spreadsheet saved as CSV, a Quizlet export), list and remove them; quizzes draw from them,
and `/quiz start mine` draws only from them. They belong to one workspace: no other lists or draws them.

Every question is checked with the pack's own rules (its pydantic Question model, and `clio validate`'s check
that the quiz's grader would not take a wrong option for the answer). A file is all or nothing: every problem
is listed with its line, and a file with any problem adds nothing.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import io
import random
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlite_utils
import yaml
from pydantic import Field, ValidationError, model_validator

from bot import store
from bot.errors import BadInput, BotError
from bot.events import Context
from bot.names import Matcher
from bot.pack import Period, Problem, Question, SourceRef, _line_for, _load_yaml, _question_problems, _text_list, _Where
from bot.response import Reply
from bot.services.grading import grade
from bot.storage.workspace_data import SqliteWorkspaceData, WorkspaceData
from bot.services.own_words import ACTIONS, ADD_EXAMPLE, ADD_USAGE, OWN_WORDS  # noqa: F401
from bot.text import clean, echo, shorten

if TYPE_CHECKING:
    from bot.app import Clio

MAX_FILE_BYTES = 512 * 1024  # a question file, however it arrives
MAX_ROWS = 500  # questions in one file
MAX_PER_WORKSPACE = 2000  # a group's own questions in all
MAX_PROBLEMS = 200  # problems listed for one file (each with its line); more are counted
QUESTION_FILES = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".tsv": "csv", ".txt": "csv"}
DEFAULT_EXPLANATION = "One of this group's own questions."
KAHOOT_ANSWERS = 6  # Kahoot's spreadsheet has Answer 1-4 (6 in newer templates)


class OwnQuestion(Question):
    """The pack's Question model with what a group's own question may leave out: no id (Clio numbers them),
    period, difficulty, explanation or sources are required, and the answer joins the options when missing."""

    id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)  # type: ignore[assignment]
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    period: Period | None = None  # type: ignore[assignment]
    topic: str = Field(default="", max_length=100)
    explanation: str = Field(default="", max_length=1000)
    sources: list[SourceRef] = []

    @model_validator(mode="before")
    @classmethod
    def _answer_joins_options(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        answer, options = data.get("answer"), _text_list(data.get("options"))
        answer = str(answer).strip() if isinstance(answer, (str, int, float)) else answer
        if isinstance(answer, str) and answer and isinstance(options, list):
            if answer not in [o.strip() if isinstance(o, str) else o for o in options]:
                options = [answer, *options]
            data = {**data, "answer": answer, "options": options}
        return data


class Rejected(BotError):
    """A question or a file Clio will not store; the message lists every problem."""

    exit_code = 2


# --- checking ----------------------------------------------------------------------------------------------


def _cleaned(v: Any) -> Any:
    """Chat and file text made safe before it is checked: control and invisible characters dropped."""
    if isinstance(v, str):
        return clean(v)
    if isinstance(v, list):
        return [_cleaned(x) for x in v]
    if isinstance(v, dict):
        return {k: _cleaned(x) for k, x in v.items()}
    return v


def _safe(text: str) -> str:
    """Text stored to be shown again: mention markers defused (echo without shortening; lengths are checked)."""
    return echo(text, 10_000)


def check(item: Any, fname: str, lines: dict[tuple, int], base: tuple, matcher: Matcher,
          db: sqlite_utils.Database) -> tuple[OwnQuestion | None, list[Problem]]:
    """One question checked by the pack's rules: its pydantic model, then `clio validate`'s check that the
    quiz's grader would not take a wrong option for the answer, then its `about` entries and `sources`
    readings exist. `lines` and `base`: where its values are in the file (as the pack loader records them).
    Returns the question (None when it has a problem) and its problems."""
    where = _Where(fname, lines, base, [])
    if not isinstance(item, dict):
        return None, [Problem(fname, where.line(), "expected a question with question, answer and options")]
    try:
        q = OwnQuestion.model_validate(_cleaned(item))
    except ValidationError as e:
        problems = []
        for err in e.errors():
            field = ".".join(str(x) for x in err["loc"]) or "question"
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(fname, where.line(*err["loc"]), f"{field}: {msg}"))
        return None, problems
    problems = [Problem(p.file, p.line, p.message.removeprefix("None: ")) for p in _question_problems(q, where, matcher)]
    known = store.names_of(db, list(q.about))
    problems += [Problem(fname, where.line("about"), f"about names unknown entry {a!r}") for a in q.about if a not in known]
    problems += [Problem(fname, where.line("sources", j), f"unknown reading {s.reading!r} in sources")
                 for j, s in enumerate(q.sources) if store.reading(db, s.reading) is None]
    return (None if problems else q), problems


def _row(q: OwnQuestion, origin: str, now: dt.datetime) -> dict[str, Any]:
    return {"question": _safe(q.question), "answer": _safe(q.answer), "options": [_safe(o) for o in q.options],
            "accept": [_safe(a) for a in q.accept], "topic": _safe(q.topic), "period": q.period or "",
            "about": list(q.about), "explanation": _safe(q.explanation or DEFAULT_EXPLANATION),
            "sources": [s.model_dump() for s in q.sources], "origin": shorten(_safe(origin), 200),
            "added_at": now.isoformat()}


def _key(question: str) -> str:
    return " ".join(re.findall(r"\w+", question.casefold()))


# --- reading files -----------------------------------------------------------------------------------------


def parse_file(filename: str, data: bytes, matcher: Matcher, db: sqlite_utils.Database,
               room: int = MAX_PER_WORKSPACE) -> list[OwnQuestion]:
    """Every question in a file, checked. Raises Rejected listing every problem (with its line) when there
    is any: then nothing of the file is used."""
    name = Path(clean(filename)[:200] or "questions").name
    kind = QUESTION_FILES.get(Path(name).suffix.lower())
    if kind is None:
        raise Rejected(f"{echo(name, 80)}: question files are {', '.join(sorted(QUESTION_FILES))} "
                       "(the pack's YAML format, a Kahoot spreadsheet saved as CSV, or a Quizlet export).")
    if len(data) > MAX_FILE_BYTES:
        raise Rejected(f"{echo(name, 80)} is {len(data) / 1024:,.0f} KB; a question file may be at most "
                       f"{MAX_FILE_BYTES // 1024} KB. Split it into smaller files.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Rejected(f"{echo(name, 80)} is not UTF-8 text ({e.reason}); save it as UTF-8 and try again.") from None
    if "\x00" in text:
        raise Rejected(f"{echo(name, 80)} is not a text file.")
    found, problems = (_parse_yaml if kind == "yaml" else _parse_csv)(name, text, matcher, db)
    if not problems and not found:
        problems.append(Problem(name, 1, "no questions in the file"))
    if len(found) > room and not problems:
        problems.append(Problem(name, 1, f"{len(found)} questions, but this group has room for {room} more "
                                         f"(at most {MAX_PER_WORKSPACE}); /quiz remove some first"))
    if problems:
        raise Rejected(_problem_text(name, problems))
    return found


def _problem_text(name: str, problems: list[Problem]) -> str:
    problems = sorted(set(problems), key=lambda p: (p.line, p.message))
    lines = [f"line {p.line}: {echo(p.message, 300)}" for p in problems[:MAX_PROBLEMS]]
    more = len(problems) - MAX_PROBLEMS
    return (f"{len(problems)} problem(s) in {echo(name, 80)}; nothing was added. Fix them and upload it again:\n"
            + "\n".join(lines) + (f"\n…and {more} more." if more > 0 else ""))


def _parse_yaml(name: str, text: str, matcher: Matcher, db: sqlite_utils.Database) -> tuple[list[OwnQuestion], list[Problem]]:
    """The pack's question format: a mapping with one key, `questions:`, a list of questions."""
    try:
        if any(isinstance(t, (yaml.AliasToken, yaml.AnchorToken, yaml.TagToken)) for t in yaml.scan(text, Loader=yaml.SafeLoader)):
            return [], [Problem(name, 1, "YAML anchors, aliases and tags are not allowed in a question file")]
        data, lines = _load_yaml(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        return [], [Problem(name, (mark.line + 1) if mark else 1, f"YAML syntax: {getattr(e, 'problem', None) or e}")]
    if not isinstance(data, dict) or "questions" not in data:
        return [], [Problem(name, 1, "expected `questions:` followed by a list of questions (see content/README.md)")]
    problems = [Problem(name, _line_for(lines, (k,)), f"unknown section {str(k)[:40]!r}: a question file has only "
                        "questions") for k in data if k != "questions"]
    items = data["questions"]
    if not isinstance(items, list):
        return [], [*problems, Problem(name, _line_for(lines, ("questions",)), "questions must be a list")]
    found: list[OwnQuestion] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        line = _line_for(lines, ("questions", i))
        if i >= MAX_ROWS:
            problems.append(Problem(name, line, f"more than {MAX_ROWS} questions in one file: split it"))
            break
        q, ps = check(item, name, lines, ("questions", i), matcher, db)
        problems += ps
        if q is not None:
            problems += _repeat(q, name, line, seen)
            found.append(q)
    return found, problems


def _repeat(q: OwnQuestion, name: str, line: int, seen: dict[str, int]) -> list[Problem]:
    key = _key(q.question)
    if key in seen:
        return [Problem(name, line, f"repeats the question at line {seen[key]}")]
    seen[key] = line
    return []


def _csv_rows(text: str) -> tuple[list[tuple[int, list[str]]], str]:
    """(line, cells) of every non-blank row, and the delimiter: a tab when the first line has one, else a comma."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = "\t" if "\t" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    start = 1
    for cells in reader:
        if any(c.strip() for c in cells):
            rows.append((start, cells))
        start = reader.line_num + 1
    return rows, delimiter


def _header(cells: list[str]) -> str:
    """A Kahoot column heading without its hint: "Answer 1 - max 75 characters" -> "answer 1"."""
    return re.split(r"\s[-–—]\s|\(", cells and cells[0] or "")[0].strip().lower() if cells else ""


def _parse_csv(name: str, text: str, matcher: Matcher, db: sqlite_utils.Database) -> tuple[list[OwnQuestion], list[Problem]]:
    try:
        rows, delimiter = _csv_rows(text)
    except csv.Error as e:
        return [], [Problem(name, 1, f"not a readable CSV file ({e})")]
    for i, (_, cells) in enumerate(rows[:12]):  # Kahoot's template has a few lines of instructions first
        heads = [_header([c.strip()]) for c in cells]
        if "question" in heads and "answer 1" in heads:
            return _parse_kahoot(name, heads, rows[i + 1:], matcher, db)
    return _parse_quizlet(name, rows, delimiter, text, matcher, db)


def _parse_kahoot(name: str, heads: list[str], rows: list[tuple[int, list[str]]], matcher: Matcher,
                  db: sqlite_utils.Database) -> tuple[list[OwnQuestion], list[Problem]]:
    """Kahoot's columns: Question, Answer 1..4, Time limit (sec), Correct answer(s) as numbers."""
    col = {h: j for j, h in reversed(list(enumerate(heads)))}
    answers = [col[f"answer {k}"] for k in range(1, KAHOOT_ANSWERS + 1) if f"answer {k}" in col]
    correct_col = next((j for h, j in col.items() if h.startswith("correct answer")), None)
    time_col = next((j for h, j in col.items() if h.startswith("time limit")), None)
    if correct_col is None:
        return [], [Problem(name, rows[0][0] - 1 if rows else 1, "no “Correct answer(s)” column: Kahoot's "
                            "spreadsheet gives the number of the right answer there")]
    found: list[OwnQuestion] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}

    def cell(cells: list[str], j: int | None) -> str:
        return cells[j].strip() if j is not None and j < len(cells) else ""

    for n, (line, cells) in enumerate(rows):
        if n >= MAX_ROWS:
            problems.append(Problem(name, line, f"more than {MAX_ROWS} questions in one file: split it"))
            break
        options = {k + 1: cell(cells, j) for k, j in enumerate(answers)}
        numbers = [int(x) for x in re.findall(r"\d+", cell(cells, correct_col))]
        row_problems = []
        if not numbers:
            row_problems.append("Correct answer(s): give the number of the right answer (1-4)")
        elif len(set(numbers)) > 1:
            row_problems.append(f"Correct answer(s): Clio's quizzes take one right answer, not {len(set(numbers))}")
        elif not options.get(numbers[0]):
            row_problems.append(f"Correct answer(s): answer {numbers[0]} is empty")
        limit = cell(cells, time_col)
        if limit and not re.fullmatch(r"\d+(\.\d+)?\s*s?(ec(ond)?s?)?", limit, re.I):
            row_problems.append("Time limit: a number of seconds")
        if row_problems:
            problems += [Problem(name, line, p) for p in row_problems]
            continue
        item = {"question": cell(cells, col["question"]), "answer": options[numbers[0]],
                "options": [o for o in options.values() if o]}
        problems += _take(item, name, line, matcher, db, seen, found)
    return found, problems


def _take(item: dict[str, Any], name: str, line: int, matcher: Matcher, db: sqlite_utils.Database,
          seen: dict[str, int], found: list[OwnQuestion]) -> list[Problem]:
    """Check one imported row as a question; keep it in `found` unless it is wrong or repeats an earlier row.
    The problems to report for that row."""
    q, problems = check(item, name, {(): line}, (), matcher, db)
    if q is not None:
        problems = [*problems, *_repeat(q, name, line, seen)]
        found.append(q)
    return problems


def _parse_quizlet(name: str, rows: list[tuple[int, list[str]]], delimiter: str, text: str, matcher: Matcher,
                   db: sqlite_utils.Database) -> tuple[list[OwnQuestion], list[Problem]]:
    """Quizlet's export: TERM<tab or comma>DEFINITION a line. The term is the question and the definition
    its answer; the wrong options are other definitions of the same file."""
    if rows and [c.strip().lower() for c in rows[0][1][:2]] == ["term", "definition"]:
        rows = rows[1:]
    pairs: list[tuple[int, str, str]] = []
    problems: list[Problem] = []
    for n, (line, cells) in enumerate(rows):
        if n >= MAX_ROWS:
            problems.append(Problem(name, line, f"more than {MAX_ROWS} questions in one file: split it"))
            break
        term, definition = cells[0].strip(), delimiter.join(cells[1:]).strip() if delimiter == "," else ""
        if delimiter == "\t":
            if len([c for c in cells if c.strip()]) > 2:
                problems.append(Problem(name, line, "more than two columns: a Quizlet line is TERM, a tab, DEFINITION"))
                continue
            definition = cells[1].strip() if len(cells) > 1 else ""
        if not term or not definition:
            problems.append(Problem(name, line, "expected a term and its definition (Quizlet), or Kahoot's columns "
                                                "Question, Answer 1-4, Time limit, Correct answer(s)"))
            continue
        pairs.append((line, term, definition))
    definitions = list(dict.fromkeys(d for _, _, d in pairs))
    if pairs and len(definitions) < 2:
        problems.append(Problem(name, pairs[0][0], "a Quizlet file needs at least two different definitions: the "
                                                   "wrong options are drawn from the other definitions"))
        return [], problems
    rng = random.Random(hashlib.sha256(text.encode()).hexdigest())
    found: list[OwnQuestion] = []
    seen: dict[str, int] = {}
    for line, term, definition in pairs:
        others = [d for d in definitions if d != definition]
        rng.shuffle(others)
        wrong: list[str] = []
        for d in others:  # the first three the grader would not take for the answer
            if len(wrong) == 3:
                break
            if not grade(d, definition, [], matcher).correct:
                wrong.append(d)
        if not wrong:
            problems.append(Problem(name, line, "no other definition in the file differs enough to be a wrong option"))
            continue
        question = term if term.endswith("?") else f"Which fits “{term}”?"
        item = {"question": question, "answer": definition, "options": [definition, *wrong]}
        problems += _take(item, name, line, matcher, db, seen, found)
    return found, problems


# --- the commands --------------------------------------------------------------------------------------------


def parse_add(text: str) -> dict[str, Any]:
    """`QUESTION | ANSWER | OPTION; OPTION; OPTION [| ACCEPTED; FORMS] [| TOPIC]` as a question's fields."""
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < 3 or len(parts) > 5 or not all(parts[:3]):
        raise BadInput(f"Use {ADD_USAGE}\n(the answer joins the options if you leave it out), e.g. {ADD_EXAMPLE}")
    semis = lambda s: [x.strip() for x in s.split(";") if x.strip()]  # noqa: E731
    item: dict[str, Any] = {"question": parts[0], "answer": parts[1], "options": semis(parts[2])}
    if len(parts) > 3 and parts[3]:
        item["accept"] = semis(parts[3])
    if len(parts) > 4 and parts[4]:
        item["topic"] = parts[4]
    return item


def _room(own: WorkspaceData, workspace: str) -> int:
    return MAX_PER_WORKSPACE - own.own_question_count(workspace)


def add(db: sqlite_utils.Database, matcher: Matcher, workspace: str, text: str, now: dt.datetime,
        own: WorkspaceData | None = None) -> Reply:
    """/quiz add: one question typed in chat. `own`: where the group's questions are (the file `db`'s by
    default; `db` is the pack's index, which the question is checked against)."""
    own = own or SqliteWorkspaceData(db)
    item = parse_add(text)
    q, problems = check(item, "chat", {(): 1}, (), matcher, db)
    if q is None:
        raise Rejected("That question cannot be added:\n" + "\n".join(f"• {echo(p.message, 300)}" for p in problems)
                       + f"\nUse {ADD_USAGE}")
    if any(_key(r["question"]) == _key(q.question) for r in own.own_questions(workspace)):
        raise Rejected("This group already has that question: /quiz questions lists them.")
    if _room(own, workspace) < 1:
        raise Rejected(f"This group has {MAX_PER_WORKSPACE} questions of its own, its limit: /quiz remove some first.")
    (qid,) = own.add_own_questions(workspace, [_row(q, "chat", now)])
    return Reply(ok=True, kind="info", title=f"Question {qid} added",
                 body=f"“{echo(q.question, 120)}” (answer: {echo(q.answer, 80)}; {len(q.options)} options). "
                      "/quiz start mine asks only this group's questions; /quiz remove " + str(qid) + " removes it.")


def import_file(db: sqlite_utils.Database, matcher: Matcher, workspace: str, filename: str, data: bytes,
                now: dt.datetime, own: WorkspaceData | None = None) -> Reply:
    """A question file: every question added in one transaction, or none and every problem listed."""
    own = own or SqliteWorkspaceData(db)
    name = Path(clean(filename)[:200] or "questions").name
    found = parse_file(name, data, matcher, db, room=_room(own, workspace))
    have = {_key(r["question"]) for r in own.own_questions(workspace)}
    new = [q for q in found if _key(q.question) not in have]
    ids = own.add_own_questions(workspace, [_row(q, name, now) for q in new])
    again = len(found) - len(new)
    return Reply(ok=True, kind="info", title=f"{len(ids)} question(s) added from {echo(name, 80)}",
                 body=(f"Numbered {ids[0]}–{ids[-1]}. " if ids else "")
                      + (f"{again} were already here and were left as they are. " if again else "")
                      + "/quiz questions lists them; /quiz start mine asks only this group's questions.")


def list_questions(own: WorkspaceData, workspace: str) -> Reply:
    """/quiz questions: this group's own questions (id, topic, the question's start)."""
    rows = own.own_questions(workspace)
    lines = [f"{r['id']}. " + (f"[{echo(r['topic'], 40)}] " if r["topic"] else "") + echo(r["question"], 80)
             for r in rows]
    return Reply(ok=True, kind="list", title=f"This group's own questions: {len(rows)}",
                 body="\n".join(lines) or f"None yet. Admins add them with {ADD_USAGE}, or from a file (/help quiz).")


def remove(own: WorkspaceData, workspace: str, arg: str) -> Reply:
    """/quiz remove ID: one of this group's own questions."""
    ref = clean(arg).lstrip("#")
    if not ref.isdecimal() or len(ref) > 12:
        raise BadInput("Give the question's number: /quiz remove 3 (/quiz questions lists them).")
    row = own.delete_own_question(workspace, int(ref))
    if row is None:
        raise BotError(f"This group has no question {ref}: /quiz questions lists them.")
    return Reply(ok=True, kind="info", title=f"Question {ref} removed", body=f"“{echo(row['question'], 120)}”")


IMPORT_HOW = ("To add questions from a file: on Discord, /quiz import with the file attached; on Slack, share the "
              "file in a channel with the message “quiz import”; in the console, /quiz import PATH. Files: the "
              "pack's YAML question format, a Kahoot spreadsheet saved as CSV, or a Quizlet export (.csv, .tsv, or "
              f".txt except on Slack), up to {MAX_FILE_BYTES // 1024} KB and {MAX_ROWS} questions.")


def handle(app: Clio, ctx: Context, action: str, rest: str) -> Reply:
    """The /quiz sub-actions of this module (add, questions, remove: admins add and remove)."""
    if action == "add":
        return add(app.db, app.lookup.matcher, ctx.workspace, rest, app.clock(), own=app.workspace_data)
    if action == "questions":
        return list_questions(app.workspace_data, ctx.workspace)
    if action == "remove":
        return remove(app.workspace_data, ctx.workspace, rest)
    return import_path(app, ctx, rest)


def import_path(app: Clio, ctx: Context, arg: str) -> Reply:
    """/quiz import PATH, in the console only (where the member is the machine's user): a file on disk.
    Elsewhere a path would name a file on the bot's machine, so chat platforms take an upload instead."""
    if ctx.platform != "console" or not arg.strip():
        raise BadInput(IMPORT_HOW)
    path = Path(arg.strip().strip("\"'")).expanduser()
    try:
        if not path.is_file():
            raise BadInput(f"There is no file {echo(str(path), 120)}.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise Rejected(f"{echo(path.name, 80)} is over the {MAX_FILE_BYTES // 1024} KB limit for a question file.")
        data = path.read_bytes()
    except OSError as e:
        raise BadInput(f"Could not read {echo(path.name, 80)}: {e.strerror or 'unreadable'}.") from None
    return import_file(app.db, app.lookup.matcher, ctx.workspace, path.name, data, app.clock(),
                       own=app.workspace_data)


async def import_upload(app: Clio, ctx: Context, filename: str, data: bytes) -> Reply:
    """A question file an admin uploaded in chat (Discord, Slack), read and stored in a worker thread on its
    own connection so the bot keeps answering. Never raises for the member's mistakes."""
    if not ctx.is_admin:
        return Reply(ok=False, kind="error", body="Adding quiz questions is for the group's admins.")

    def work() -> Reply:
        db = store.open_db(app.settings.db_path)
        try:
            return import_file(db, app.lookup.matcher, ctx.workspace, filename, data, app.clock(),
                               own=app.workspace_data_on(db))
        finally:
            db.close()

    try:
        return await asyncio.to_thread(work)
    except BotError as e:
        return Reply(ok=False, kind="error", body=e.user_message, exit_code=e.exit_code)


# --- drawing them in a quiz ------------------------------------------------------------------------------------


def own_topic(topic: str | None) -> tuple[bool, str | None]:
    """Whether a quiz topic asks for the group's own questions only ("mine", "own", "mine 1917"), and the
    topic left."""
    words = (topic or "").split()
    if words and words[0].lower() in OWN_WORDS:
        return True, " ".join(words[1:]) or None
    return False, topic


def draw(own: WorkspaceData, matcher: Matcher, workspace: str, topic: str | None) -> list[dict[str, Any]]:
    """The workspace's own questions on `topic` (None: all), as quiz bank questions. A topic matches the
    way curated questions match: a year within the question's period or named in it, its topic, words of
    its question or answer, or an entry it is about."""
    rows = own.own_questions(workspace)
    if topic:
        t = topic.strip().lower()
        year = int(t) if t.isdecimal() else None
        res = matcher.resolve(topic)
        entity = res.match.candidate.id if res.match else None
        rows = [r for r in rows if _on_topic(r, t, year, entity)]
    return [{"id": f"own-{r['id']}", "question": r["question"], "answer": r["answer"], "options": r["options"],
             "accept": r["accept"], "difficulty": "medium", "period": r["period"], "topic": r["topic"] or "own",
             "about": r["about"], "explanation": r["explanation"], "sources": r["sources"]} for r in rows]


def _on_topic(r: dict[str, Any], t: str, year: int | None, entity: str | None) -> bool:
    text = f"{r['topic']} {r['question']} {r['answer']}".lower()
    if year is not None:
        lo, _, hi = (r["period"] or "").partition("-")
        return (bool(lo) and int(lo) <= year <= int(hi or lo)) or re.search(rf"\b{year}\b", text) is not None
    words = re.findall(r"\w+", t)
    return t in text or (bool(words) and all(re.search(rf"\b{re.escape(w)}", text) for w in words)) \
        or (entity is not None and entity in r["about"])


def none_yet(own: WorkspaceData, workspace: str, topic: str | None) -> BotError:
    """Why a quiz of the group's own questions cannot start: it has none, or none on the topic."""
    if topic and own.own_question_count(workspace):
        return BotError(f"None of this group's own questions match “{echo(topic)}”: /quiz questions lists them.")
    return BotError(f"This group has no quiz questions of its own yet. Admins add them with {ADD_USAGE}, or "
                    "from a file (/help quiz).")
