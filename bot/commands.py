"""The one command registry: name, arguments, summary, examples. Help text and every adapter's command
list are generated from it, so there is no second list to keep in sync."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.events import Context
from bot.response import Reply

if TYPE_CHECKING:
    from bot.app import Clio

Handler = Callable[["Clio", Context, str], Reply]


@dataclass(frozen=True)
class CommandSpec:
    """A command users can type as /name ARGS."""

    name: str
    args: str
    summary: str
    examples: tuple[str, ...]
    handler: Handler
    admin: bool = False
    autocomplete: str | None = None  # entity type whose names complete the argument
    admin_actions: tuple[str, ...] = field(default=())  # first words of the argument only admins may use

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.args}".rstrip()

    def forms(self) -> list[Form]:
        """The shapes the argument takes, read from `args`: "set TIME [TIMEZONE] | show | off" gives three
        forms led by a literal word; "NAME" one form with a required argument; "[DAY]" an optional one.
        Adapters with structured commands (Discord's subcommands and options) are built from these."""
        args = self.args.strip()
        optional = args.startswith("[") and args.endswith("]") and " | " in args
        if optional:
            args = args[1:-1].strip()
        alternatives = [a.strip() for a in args.split(" | ")] if " | " in args else [args]
        forms: list[Form] = [Form(None, None, False, self.admin)] if optional else []
        for alt in alternatives:
            head, _, rest = alt.partition(" ")
            if len(alternatives) > 1 and _LITERAL.fullmatch(head):
                forms.append(Form(head, rest.strip() or None, bool(rest) and not rest.startswith("["),
                                  self.admin or head in self.admin_actions))
            else:
                forms.append(Form(None, alt or None, bool(alt) and not alt.startswith("["), self.admin))
        return forms

    def needs_admin(self, arg: str) -> bool:
        """Whether running this command with `arg` is for admins only."""
        first = arg.split(maxsplit=1)[0].lower() if arg.split() else ""
        return self.admin or first in self.admin_actions


_LITERAL = re.compile(r"[a-z][a-z-]*")


@dataclass(frozen=True)
class Form:
    """One shape of a command's argument: an optional literal first word, then free text."""

    word: str | None  # the literal first word ("set"), or None
    arg: str | None  # what follows, as documented ("TIME [TIMEZONE]"), or None when nothing does
    required: bool  # whether the free text is required
    admin: bool

    def text(self, command: str, value: str | None) -> str:
        """The chat command this form and value stand for: ("set", "09:00") -> "/schedule set 09:00"."""
        return " ".join(p for p in (f"/{command}", self.word, (value or "").strip()) if p)


REGISTRY: dict[str, CommandSpec] = {}


def command(name: str, args: str = "", examples: tuple[str, ...] = (), *, admin: bool = False,
            autocomplete: str | None = None, admin_actions: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    """Register a handler as /name; its docstring's first line is the summary shown in help."""

    def register(fn: Handler) -> Handler:
        if name in REGISTRY:
            raise ValueError(f"command /{name} registered twice")
        summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        if not summary:
            raise ValueError(f"command /{name} needs a docstring: it is the help text")
        REGISTRY[name] = CommandSpec(name, args, summary, examples, fn, admin, autocomplete, admin_actions)
        return fn

    return register
