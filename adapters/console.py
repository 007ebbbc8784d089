"""Console adapter: `clio chat` (a REPL) and `clio ask` (one command). Needs no token."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from bot.app import Clio
from bot.events import Context
from bot.response import Reply

PROMPT = "clio> "
CONSOLE = Context(workspace="console:local", channel="console", user_id="local", user_name="you",
                  is_admin=True, platform="console")


def render(reply: Reply, as_json: bool = False) -> str:
    if as_json:
        return json.dumps(reply.to_dict(), ensure_ascii=False, indent=2)
    return reply.text()


def ask(app: Clio, text: str, as_json: bool = False, out: TextIO = sys.stdout) -> int:
    """Answer one command; returns the exit code (0 answered, 1 not found, 2 bad input, 3 internal error)."""
    reply = app.handle_text(text, CONSOLE)
    print(render(reply, as_json), file=out)
    return reply.exit_code


def chat(app: Clio, inp: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """A read-answer loop until end of input, `quit` or Ctrl-C."""
    interactive = inp.isatty()
    if interactive:
        print("Clio — ask about the Russian Revolution. /help lists commands; Ctrl-D or /quit leaves.", file=out)
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
        print(render(app.handle_text(line.rstrip("\n"), CONSOLE)), file=out)
        print(file=out)
