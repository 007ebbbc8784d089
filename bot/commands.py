"""The one command registry: name, arguments, summary, examples. Help text and every adapter's command
list are generated from it, so there is no second list to keep in sync."""

from __future__ import annotations

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
    options: tuple[str, ...] = field(default=())

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.args}".rstrip()


REGISTRY: dict[str, CommandSpec] = {}


def command(name: str, args: str = "", examples: tuple[str, ...] = (), *, admin: bool = False,
            autocomplete: str | None = None) -> Callable[[Handler], Handler]:
    """Register a handler as /name; its docstring's first line is the summary shown in help."""

    def register(fn: Handler) -> Handler:
        if name in REGISTRY:
            raise ValueError(f"command /{name} registered twice")
        summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        if not summary:
            raise ValueError(f"command /{name} needs a docstring: it is the help text")
        REGISTRY[name] = CommandSpec(name, args, summary, examples, fn, admin, autocomplete)
        return fn

    return register
