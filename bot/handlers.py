"""The built-in commands: each parses its argument and hands it to a service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands import REGISTRY, command
from bot.events import Context
from bot.names import name_key
from bot.response import Field, Reply
from bot.errors import BadInput
from bot.events import ConversationRef
from bot.services import privacy as privacy_service
from bot import store
from bot.services import own_words
from bot.services.onthisday import Day, NoSuchDay, parse_days
from bot.text import MAX_MESSAGE_CHARS, clean, echo, require_arg

if TYPE_CHECKING:
    from bot.app import Clio


@command("who", "NAME", ("/who NAME", "/who SURNAME"), autocomplete="person")
def who(app: Clio, ctx: Context, arg: str) -> Reply:
    """Who was this person? Any spelling, a surname or a title; a question works too."""
    return app.lookup.lookup(require_arg(arg, "a name", lambda: app.example("who")), "person", ctx.workspace)


@command("what", "TERM", ("/what TERM",), autocomplete="term")
def what(app: Clio, ctx: Context, arg: str) -> Reply:
    """What was this party, institution, place or idea? A question works too."""
    return app.lookup.lookup(require_arg(arg, "a term", lambda: app.example("what")), "term", ctx.workspace)


@command("when", "EVENT", ("/when EVENT",), autocomplete="event")
def when(app: Clio, ctx: Context, arg: str) -> Reply:
    """When did this happen? Dates in both calendars where they differ; a question works too."""
    query = require_arg(arg, "an event", lambda: app.example("when"))
    return _when_dated(app, ctx, query) or app.lookup.lookup(query, "event", ctx.workspace)


def _when_dated(app: Clio, ctx: Context, query: str) -> Reply | None:
    """/when of a day ("25 October", "7 Nov 1917", "9 Thermidor"): what happened on it, as /onthisday says
    (that year's events first when a year is given); of a year, a range or a month ("1917", "Oct 1917"): the
    timeline. Never an event whose name merely holds the same number or month ("25 October" is not the general
    strike of 25 February). None when the query is no date, or an event is named so exactly ("9 January 1905")."""
    from bot.services import timeline as timeline_service

    if any(c.type == "event" for c, _ in app.lookup.matcher.exact(name_key(query))):
        return None
    try:
        days, note = parse_days(query)
    except NoSuchDay:  # "31 Feb 1918": a day's shape, but no day; no event is named so
        raise
    except BadInput:
        days, note = [], None
    if days:
        said = f"“{echo(query)}” is a day, not an event: this is what happened on it."
        return app.onthisday.reply(days, ctx.workspace, f"{said} {note}" if note else said)
    try:
        timeline_service.parse(query)
    except BadInput:
        return None
    return timeline(app, ctx, query)


@command("passages", "NAME [from N]", ("/passages NAME", "/passages NAME from 4"))
def passages(app: Clio, ctx: Context, arg: str) -> Reply:
    """More of what the readings say about a person, term or event, a few passages at a time."""
    return app.lookup.passages(require_arg(arg, "a name", lambda: app.example("passages")), ctx.workspace)


@command("search", "TEXT", ("/search WORDS",))
def search(app: Clio, ctx: Context, arg: str) -> Reply:
    """Search every name and summary for words."""
    return app.lookup.search(require_arg(arg, "what to search for", lambda: app.example("search")), ctx.workspace)


@command("timeline", "YEAR[-YEAR] or MONTH YEAR [page N] [picture]",
         ("/timeline YEAR", "/timeline YEAR-YEAR", "/timeline MONTH YEAR", "/timeline YEAR page 2",
          "/timeline YEAR picture"))
def timeline(app: Clio, ctx: Context, arg: str) -> Reply:
    """The dated events of a year, a range of years or a month, in order, a page at a time (or as a picture)."""
    from bot.services import pictures  # timelines, pictures and packs: imported by their commands, so a lookup
    from bot.services import timeline as timeline_service  # (`clio ask "/who ..."`) never compiles their patterns

    text, picture = pictures.wants_picture(require_arg(arg, "a year or a month", lambda: app.example("timeline"),
                                                       limit=60))
    if picture:
        return timeline_picture(app, text)
    reply = timeline_service.reply(app.lookup, text, ctx.workspace)
    try:
        rng, _ = timeline_service.parse(text)
    except BadInput:  # an entry's timeline ("the Civil War", "Stalin"): no picture of a range
        return reply
    if reply.ok and reply.citations and not rng.by_month:  # the pack's events (not the readings'): a "Picture" button
        reply.buttons.append(pictures.picture_button(rng.start.year, rng.end.year))
    return reply


def timeline_picture(app: Clio, arg: str) -> Reply:
    """/timeline YEAR[-YEAR] picture: the range's events drawn on a dated line (in the door's worker thread); an
    event that lasted ("the Civil War picture"): the years of its span."""
    from bot.services import pictures
    from bot.services import timeline as timeline_service

    text = require_arg(arg, "a year", lambda: app.example("timeline"), limit=60)
    try:
        first, last = pictures.years(text)
    except BadInput:
        span = timeline_service.event_years(app.lookup, text)
        if span is None:
            raise
        first, last = span
    return pictures.timeline_reply(store.events_in_years(app.db, first, last, limit=10_000, packs=app.lookup.packs),
                                   first, last, app.lookup.rule)


@command("sources", "", ("/sources",))
def sources(app: Clio, ctx: Context, arg: str) -> Reply:
    """The readings Clio's answers come from."""
    return app.lookup.sources(ctx.workspace)


@command("compare", "TOPIC", ("/compare TOPIC",))
def compare(app: Clio, ctx: Context, arg: str) -> Reply:
    """What each reading says on a topic, side by side."""
    return app.lookup.compare(require_arg(arg, "a topic", lambda: app.example("compare")), ctx.workspace)


@command("forget", "SOURCE", ("/forget TITLE",), admin=True)
def forget(app: Clio, ctx: Context, arg: str) -> Reply:
    """Remove one of this group's ingested readings (admins)."""
    return app.forget(require_arg(arg, "which reading", "/forget TITLE"), ctx.workspace)


@command("help", "[COMMAND]", ("/help", "/help who"))
def help_(app: Clio, ctx: Context, arg: str) -> Reply:
    """What Clio can do, or how to use one command."""
    name = require_arg(arg, "", "", limit=MAX_MESSAGE_CHARS).lstrip("/").lower() if arg.strip() else ""
    if name and name in REGISTRY:
        spec = REGISTRY[name]
        examples = app.examples(spec.name)
        return Reply(ok=True, kind="help", title=spec.usage, body=spec.summary,
                     fields=[Field("Examples", "\n".join(examples))] if examples else [])
    lines = [f"{spec.usage}: {spec.summary}" for spec in REGISTRY.values() if not spec.admin or ctx.is_admin]
    body = "\n".join(lines)
    if name:
        body = f"There is no /{echo(name, 30)} command.\n\n" + body
    return Reply(ok=not name, kind="help", title=f"Clio answers about {app.banner(ctx.workspace)} from the pack "
                 "and the readings your group studies",
                 body=body, exit_code=2 if name else 0)


@command("privacy", "[forget-me | forget USER_ID]", ("/privacy", "/privacy forget-me"), admin_actions=("forget",))
def privacy(app: Clio, ctx: Context, arg: str) -> Reply:
    """What Clio stores about you, and how to delete it."""
    words = arg.split()
    if not words:
        return privacy_service.privacy_reply()
    if words[0].lower() == "forget-me" and len(words) == 1:
        return privacy_service.forget_member(app.db, ctx.workspace, ctx.user_id, own=True)
    if words[0].lower() == "forget" and len(words) == 2:  # admins only: the registry's admin_actions
        return privacy_service.forget_member(app.db, ctx.workspace, clean(words[1])[:100], own=False)
    raise BadInput("Use /privacy, /privacy forget-me, or (admins) /privacy forget USER_ID.")


@command("onthisday", "[DAY]", ("/onthisday", "/onthisday 7 Nov", "/onthisday 10-25", "/onthisday January 9"))
def onthisday(app: Clio, ctx: Context, arg: str) -> Reply:
    """What happened on this day (default today), in either calendar."""
    text = clean(arg)
    if not text:
        today = app.today(ctx)
        days, note = [Day(today.month, today.day)], None
    else:
        days, note = parse_days(require_arg(text, "a day", "/onthisday 7 Nov", limit=40))
    return app.onthisday.reply(days, ctx.workspace, note)


@command("schedule", "set TIME [TIMEZONE] | show | off",
         ("/schedule show", "/schedule set 09:00 Europe/London", "/schedule off"), admin_actions=("set", "off"))
def schedule_(app: Clio, ctx: Context, arg: str) -> Reply:
    """The channel's daily "on this day" post: set its time (admins), show it, turn it off (admins)."""
    from bot.services import schedule  # imported here: a lookup (`clio ask`) never needs the scheduler

    words = clean(arg).split()
    action = words[0].lower() if words else "show"
    now = app.clock()
    if action == "show" and len(words) <= 1:
        return schedule.show(app.schedules, ctx.workspace, ctx.channel, now)
    if action not in ("set", "off"):
        raise BadInput("Use /schedule set 09:00 Europe/London, /schedule show or /schedule off.")
    if action == "off":
        return schedule.unsubscribe(app.schedules, ctx.workspace, ctx.channel, now)
    if len(words) not in (2, 3):
        raise BadInput("Use /schedule set TIME [TIMEZONE], e.g. /schedule set 09:00 Europe/London")
    post_time = schedule.parse_time(words[1])
    tz = schedule.parse_timezone(words[2]) if len(words) == 3 else app.settings.timezone
    return schedule.subscribe(app.schedules, ConversationRef.of(ctx), post_time, tz, ctx.user_id, now)


QUIZ_ACTIONS = ("start [TOPIC] [QUESTIONS] [SECONDS] [choice|open] | answer X | stop | skip | scores | leaderboard | "
                "me | review | appeal TEXT | appeals | accept ID | "
                "schedule [DAY TIME TIMEZONE [TOPIC] [QUESTIONS] [SECONDS] [MODE]|show|off]"
                # the group's own questions (bot/services/own_questions.py); no " | " inside a form
                " | add QUESTION|ANSWER|OPTION;OPTION;OPTION[|ACCEPTED;FORMS][|TOPIC] | questions | remove ID"
                " | import FILE")


@command("quiz", QUIZ_ACTIONS, ("/quiz start", "/quiz start TOPIC 5 20 open", "/quiz leaderboard", "/quiz me",
                                "/quiz schedule Fri 19:30 Europe/London TOPIC 10 30", "/quiz start mine",
                                own_words.ADD_EXAMPLE, "/quiz questions", "/quiz remove 3"),
         admin_actions=("appeals", "accept", "add", "remove", "import"))
def quiz(app: Clio, ctx: Context, arg: str) -> Reply:
    """Quiz nights: start, answer, scores, leaderboards, appeals, and the group's own questions."""
    action, _, rest = clean(arg).partition(" ")
    action = action.lower() or "help"
    engine = app.quiz
    simple = {"stop": engine.stop, "skip": engine.skip, "scores": engine.scores, "leaderboard": engine.leaderboard,
              "me": engine.me, "appeals": engine.appeals}
    if action in simple:
        return simple[action](ctx)
    with_arg = {"start": engine.start, "answer": engine.choose, "appeal": engine.appeal, "accept": engine.accept}
    if action == "review":
        return engine.review(ctx, rest)
    if action == "schedule":  # weekly quiz nights: set and off are for admins, checked there (show is for all)
        from bot.services import quiz_schedule

        return quiz_schedule.command(app, ctx, rest)
    if action in own_words.ACTIONS:  # add, questions, remove, import: the group's own questions
        from bot.services import own_questions  # pydantic and the pack's models: only for these actions

        return own_questions.handle(app, ctx, action, rest)
    if action in with_arg:
        return with_arg[action](ctx, require_arg(rest, "more", f"/quiz {action} ...", limit=300) if action != "start" else rest)
    raise BadInput(f"Use /quiz {QUIZ_ACTIONS}")


@command("pack", "list | use ID [ID ...]", ("/pack list", "/pack use ID", "/pack use ID ID", "/pack use default"),
         admin_actions=("use",))
def pack(app: Clio, ctx: Context, arg: str) -> Reply:
    """The content packs this group reads: list them all, or choose (admins)."""
    from bot.services import packs as packs_service

    return packs_service.command(app, ctx, arg)
