"""/pack: which content packs a workspace reads. Every pack of the deployment is indexed; a workspace reads the
operator's default (CLIO_PACK) until its admins choose with /pack use."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from bot import store
from bot.errors import BadInput
from bot.events import Context
from bot.response import Field, Reply
from bot.text import clean, echo

if TYPE_CHECKING:
    from bot.app import Clio

USAGE = "Use /pack list, or (admins) /pack use ID [ID ...] (or /pack use default)."
_SEPARATORS = re.compile(r"[\s,]+")


def command(app: Clio, ctx: Context, arg: str) -> Reply:
    """/pack, /pack list, /pack use ID [ID ...] (the registry keeps `use` for admins)."""
    action, _, rest = clean(arg).partition(" ")
    action = action.lower() or "list"
    if action == "list" and not rest.strip():
        return listing(app, ctx.workspace)
    if action == "use":
        return use(app, ctx, rest)
    raise BadInput(USAGE)


def _counts(info: dict) -> str:
    parts = [f"{info.get(k, 0)} {k}" for k in ("people", "terms", "events", "questions")]
    years = info.get("years")
    return ", ".join(parts) + (f"; {years[0]}–{years[1]}" if years else "")


def listing(app: Clio, workspace: str) -> Reply:
    """Every indexed pack with its title and counts, those the workspace reads marked."""
    indexed = store.indexed_packs(app.db)
    using = app.packs_of(workspace)
    fields = []
    for pid, info in indexed.items():
        mark = " ✓ in use" if pid in using else ""
        about = (info.get("description") or "").strip()
        fields.append(Field(f"{info.get('title') or pid} ({pid}){mark}",
                            (f"{about}\n" if about else "") + _counts(info)))
    own = app.workspace_data.chosen_packs(workspace) is not None
    body = (f"This group reads {', '.join(using)}" + ("" if own else " (the deployment's default)")
            + ". Admins choose with /pack use ID [ID ...].")
    return Reply(ok=True, kind="list", title=f"{len(indexed)} pack(s) here", body=body, fields=fields)


def use(app: Clio, ctx: Context, rest: str) -> Reply:
    """Choose the packs the workspace reads (admins): one id or several; `default` goes back to the default."""
    wanted = [w.lower() for w in _SEPARATORS.split(rest.strip()) if w]
    indexed = store.indexed_packs(app.db)
    if not wanted:
        raise BadInput(f"Name the pack, e.g. /pack use {next(iter(indexed), 'ID')}. /pack list shows them all.")
    now = dt.datetime.now(dt.UTC).isoformat()
    if wanted == ["default"]:
        app.workspace_data.choose_packs(ctx.workspace, None, ctx.user_id, now)
        packs = app.packs_of(ctx.workspace)
    else:
        unknown = [w for w in wanted if w not in indexed]
        if unknown:
            raise BadInput(f"There is no pack {', '.join(echo(u, 40) for u in unknown)} here. "
                           f"The packs are: {', '.join(indexed)} (/pack list describes them).")
        packs = tuple(dict.fromkeys(wanted))
        app.workspace_data.choose_packs(ctx.workspace, packs, ctx.user_id, now)
    titles = [f"{indexed[p].get('title') or p} ({p})" for p in packs if p in indexed]
    return Reply(ok=True, kind="info", title="Packs chosen",
                 body=f"This group now reads {' and '.join(titles)}. Ask about {app.banner(ctx.workspace)}: "
                      "/help shows how.")
