"""Console adapter: `clio chat` (a REPL) and `clio ask` (one command). Needs no token."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from bot.app import Clio
from bot.events import Context, ConversationRef
from bot.response import Reply

PROMPT = "clio> "
CONSOLE = Context(workspace="console:local", channel="console", user_id="local", user_name="you",
                  is_admin=True, platform="console")


def render(reply: Reply, as_json: bool = False, pictures: Path | None = None) -> str:
    """The reply as text (or JSON). A terminal shows no pictures: each is saved as a PNG in `pictures` (when
    given) and the text says where, after its alt text."""
    saved = save_pictures(reply, pictures) if pictures is not None else {}
    if as_json:
        data = reply.to_dict()
        if saved:
            data["pictures"] = [str(p) for p in saved.values()]
        return json.dumps(data, ensure_ascii=False, indent=2)
    if not saved:
        return reply.text()
    return "\n\n".join(r.own_text() + (f"\n(saved as {saved[id(r)]})" if id(r) in saved else "")
                       for r in reply.sequence())


def pictures_dir(app: Clio) -> Path:
    """Where the console saves pictures: beside the database."""
    return app.settings.db_path.parent / "pictures"


def save_pictures(reply: Reply, folder: Path) -> dict[int, Path]:
    """Each picture of the reply (and the replies after it) written to `folder`; id(reply) -> its file. A
    folder that cannot be written to saves nothing (the alt text still says what the picture shows)."""
    saved: dict[int, Path] = {}
    for part in reply.sequence():
        if part.image is None:
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / Path(part.image.filename).name
            path.write_bytes(part.image.data)
        except OSError:
            continue
        saved[id(part)] = path
    return saved


def ask(app: Clio, text: str, as_json: bool = False, out: TextIO = sys.stdout) -> int:
    """Answer one command; returns the exit code (0 answered, 1 not found, 2 bad input, 3 internal error)."""
    reply = app.handle_text(text, CONSOLE)
    print(render(reply, as_json, pictures_dir(app)), file=out)
    return reply.exit_code


def chat(app: Clio, inp: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """A read-answer loop until end of input, `quit` or Ctrl-C."""
    interactive = inp.isatty()
    if interactive:
        print(f"Clio — ask about {app.banner(CONSOLE.workspace)}. /help lists commands; Ctrl-D or /quit leaves.",
              file=out)
    while True:
        if interactive:
            print(PROMPT, end="", file=out, flush=True)
        try:
            line = inp.readline()
        except KeyboardInterrupt:
            print(file=out)
            return 0
        if not line:
            return 0
        if line.strip().lower() in ("/quit", "/exit", "quit", "exit"):
            return 0
        if not line.strip():
            continue
        print(render(app.handle_text(line.rstrip("\n"), CONSOLE), pictures=pictures_dir(app)), file=out)
        print(file=out)


class ConsoleOutbox:
    """Posts Clio makes by itself (daily posts, quiz reveals): printed where the conversation is, then the
    prompt drawn again (when there is one), so the member sees where to type."""

    def __init__(self, out: TextIO, label: str, prompt: str = "", pictures: Path | None = None):
        self.out = out
        self.label = label
        self.prompt = prompt
        self.pictures = pictures

    async def send(self, ref: ConversationRef, reply: Reply) -> None:
        import asyncio

        text = await asyncio.to_thread(render, reply, False, self.pictures)  # a picture is a file write
        print(f"\n— {self.label} #{ref.channel} —\n{text}\n", file=self.out, flush=True)
        if self.prompt:
            print(self.prompt, end="", file=self.out, flush=True)


async def chat_async(app: Clio, inp: TextIO = sys.stdin, out: TextIO = sys.stdout, schedule: bool = False,
                     interactive: bool | None = None) -> int:
    """`clio chat`: the chat loop with the quiz clock beside it (reveals arrive when time is up), and with
    --schedule the daily-post scheduler too, so a person can see a post arrive (/schedule set HH:MM with
    the next minute) without Discord or Slack. A quiz still running from before a restart shows its
    question again. `interactive` (default: whether the input is a terminal) draws the prompt."""
    import asyncio  # here and not at the top: `clio ask` needs neither asyncio nor the door

    from bot.door import run_clock

    interactive = inp.isatty() if interactive is None else interactive
    prompt = PROMPT if interactive else ""
    scheduler = app.scheduler(ConsoleOutbox(out, "daily post to", prompt, pictures_dir(app)), "console")
    stop = asyncio.Event()
    loops = [run_clock(app, ConsoleOutbox(out, "quiz in", prompt, pictures_dir(app)), stop, platform="console")]
    if schedule:
        loops.append(scheduler.run(stop))
    loop = asyncio.get_running_loop()
    if interactive:
        about = await app.door.run(lambda core: core.banner(CONSOLE.workspace), write=False)  # its packs'
        print(f"Clio — ask about {about}, or /quiz start. /help lists commands; /quit leaves."
              + (" Daily posts are on: try /schedule set HH:MM for the next minute." if schedule else ""), file=out)
    running = await app.door.run(lambda core: core.quiz.current(CONSOLE), write=False)
    if running is not None:  # a restart mid-quiz: the question members were answering, again
        print(f"A quiz is running here; its question again:\n\n{running[0].text()}\n", file=out, flush=True)
    task = asyncio.gather(*loops)
    try:
        while True:
            if interactive:
                print(PROMPT, end="", file=out, flush=True)
            line = await loop.run_in_executor(None, inp.readline)
            if not line or line.strip().lower() in ("/quit", "/exit", "quit", "exit"):
                return 0
            if line.strip():
                reply = await app.call(CONSOLE, line.rstrip("\n"))
                print(await asyncio.to_thread(render, reply, False, pictures_dir(app)), file=out, flush=True)
                if schedule:
                    await scheduler.tick()  # a schedule set for now posts at once, not at the next wake-up
    finally:
        stop.set()
        await task
