"""The `clio` command: chat, ask, index, validate (and later the chat-platform adapters)."""

from __future__ import annotations

import os
import sys

from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: `clio ask` reads its arguments without argparse
    import argparse

from bot import logs
from bot.config import Settings, SettingsError
from bot.packfiles import PackInvalid

# Modules are imported where a command needs them: `clio ask` answers a lookup without ever loading the pack's
# models (pydantic), ingest, the chat adapters or the scheduler, so it starts in a fraction of the time.

PROGRESS_MIN_PASSAGES = 500


class _Conventions:
    """The calendar conventions `clio ingest --calendar` accepts, read from bot.ingest.datefind only when argparse
    checks or lists them (importing ingest costs every other command time for nothing)."""

    @staticmethod
    def _names() -> list[str]:
        from bot.ingest.datefind import CONVENTIONS

        return list(CONVENTIONS)

    def __contains__(self, value: object) -> bool:
        return value in self._names()

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._names())

    def __bool__(self) -> bool:  # argparse asks whether there are choices when it adds the option
        return True

    def __len__(self) -> int:
        return len(self._names())

    def __str__(self) -> str:  # as the metavar: "{julian-until-1918,...}", as argparse lists choices
        return "{" + ",".join(self._names()) + "}"


def _app(settings: Settings, one_shot: bool = False):
    from bot.app import Clio

    return Clio(settings, one_shot=one_shot)


def _migrate(settings: Settings, to: str | None) -> int:
    from bot.config import _database_url, mask_url
    from bot.storage.migrate import MigrateError, migrate

    url = _database_url(to) if to else settings.database_url
    if url is None:
        print("clio: migrate-db needs --to postgresql://user:password@host/database (or CLIO_DATABASE_URL)",
              file=sys.stderr)
        return 2
    try:
        counts = migrate(settings.db_path, url, progress=lambda line: print(f"  {line}"))
    except MigrateError as e:
        print(f"clio: {e}", file=sys.stderr)
        return 1
    print(f"copied {sum(counts.values())} rows to {mask_url(url)}. Now set CLIO_DATABASE_URL to it for every "
          "process, keep CLIO_DB as it is (the pack's index stays there), and restart them.")
    return 0


def _quick_ask(argv: list[str]) -> SimpleNamespace | None:
    """`clio [-v] ask [--json] TEXT` read as argparse would read it, without argparse: building the parser (its
    help formatter, gettext, locale, shutil) costs a one-shot lookup more than the lookup. None for anything
    else, or anything unusual (`--help`, an abbreviated option, a text starting with "-", a missing or second
    text): argparse then reads it, with its usual messages."""
    verbose = False
    rest = list(argv)
    while rest and rest[0] in ("-v", "--verbose"):
        verbose = True
        rest.pop(0)
    if not rest or rest[0] != "ask":
        return None
    as_json, texts = False, []
    for arg in rest[1:]:
        if arg == "--json":
            as_json = True
        elif arg.startswith("-"):
            return None
        else:
            texts.append(arg)
    if len(texts) != 1:
        return None
    return SimpleNamespace(verbose=verbose, cmd="ask", text=texts[0], json=as_json)


def _parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(prog="clio", description="Clio, a chat bot for history study groups.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    p_chat = sub.add_parser("chat", help="talk to Clio in this terminal (no token needed)")
    p_chat.add_argument("--schedule", action="store_true", help="run the daily-post scheduler in the console too")
    p_ask = sub.add_parser("ask", help='answer one command, e.g. clio ask "/who kornilof"')
    p_ask.add_argument("text", help="the command, e.g. /who Kornilov")
    p_ask.add_argument("--json", action="store_true", help="print the reply object as JSON")
    sub.add_parser("index", help="rebuild the index from the content pack")
    p_ing = sub.add_parser("ingest", help="index readings (.txt .md .html .epub .pdf) for lookups and quizzes")
    p_ing.add_argument("paths", nargs="+", type=Path, help="files to ingest")
    p_ing.add_argument("--title", help="title (default: from the file)")
    p_ing.add_argument("--author", help="author (default: from the file, or unknown)")
    calendar = p_ing.add_argument("--calendar", choices=_Conventions(), metavar="CALENDAR",
                       default=None, help="how the reading writes unmarked dates (default: the pack's entry for the "
                       "file, else read from its own [O.S.]/N.S. marks, else Old Style for Russia until 1918)")
    calendar.metavar = _Conventions()  # after argparse's check of the metavar, which would list the conventions now
    p_ing.add_argument("--workspace", default=None,
                       help="add to this workspace only (default: shared with every workspace)")
    sub.add_parser("sources", help="list the indexed readings")
    p_forget = sub.add_parser("forget", help="remove an indexed reading (id, file name or title)")
    p_forget.add_argument("source")
    sub.add_parser("candidates", help="person names the readings use that the pack lacks")
    sub.add_parser("slack", help="run Clio on Slack (SLACK_BOT_TOKEN; SLACK_APP_TOKEN or SLACK_SIGNING_SECRET)")
    sub.add_parser("discord", help="run Clio on Discord (DISCORD_TOKEN)")
    sub.add_parser("stats", help="the pack's counts, and how many recurring names in the readings it lacks")
    p_health = sub.add_parser("health", help="exit 0 when the database and (with --adapter) its process are healthy")
    p_health.add_argument("--adapter", choices=["discord", "slack"], help="also require this adapter's heartbeat")
    p_health.add_argument("--max-age", type=float, default=120.0, help="seconds a heartbeat stays fresh")
    p_ws = sub.add_parser("workspace", help="operator's workspace tools")
    ws_sub = p_ws.add_subparsers(dest="ws_cmd", required=True, metavar="ACTION")
    p_wsdel = ws_sub.add_parser("delete", help="delete everything one workspace added (readings, members' records)")
    p_wsdel.add_argument("workspace", help="e.g. discord:1234 or slack:T0123")
    ws_sub.add_parser("purge", help="delete workspaces whose removal grace period has ended")
    p_aud = sub.add_parser("audit", help="what Clio derives from readings by itself, with its sources and precision")
    p_aud.add_argument("paths", nargs="+", type=Path, help="readings to audit (ingested into a scratch database)")
    p_aud.add_argument("--labels", type=Path, default=None,
                       help="a folder of hand-labelled samples (dates.yaml, links.yaml, questions.yaml, "
                            "candidates.yaml): print precision")
    p_aud.add_argument("--show", default="dates,links,questions,candidates",
                       help="which derived facts to list: dates,links,questions,candidates, or none (default: all)")
    p_pack = sub.add_parser("pack", help="content pack tools")
    pack_sub = p_pack.add_subparsers(dest="pack_cmd", required=True, metavar="ACTION")
    p_draft = pack_sub.add_parser("draft", help="write a draft pack from readings for an editor to correct")
    p_draft.add_argument("readings", nargs="+", type=Path, help="the readings (.txt .md .html .epub .pdf)")
    p_draft.add_argument("--out", type=Path, required=True, help="the draft pack's directory (its name is the id)")
    p_mig = sub.add_parser("migrate-db", help="copy what PostgreSQL keeps (schedules, quizzes, readings, ...) from the SQLite database")
    p_mig.add_argument("--to", metavar="URL", help="postgresql://user:password@host/database "
                                                   "(default: CLIO_DATABASE_URL)")
    p_val = sub.add_parser("validate", help="check a content pack and list every problem")
    p_val.add_argument("pack_dir", nargs="?", help="pack directory (default: the configured pack)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _quick_ask(argv) or _parser().parse_args(argv)
    level = "INFO" if args.verbose else (os.environ.get("CLIO_LOG_LEVEL") or "WARNING").upper()
    logs.configure(level, sys.stderr)  # chat libraries never below INFO; tokens masked at every level
    try:
        settings = Settings.from_env()
        if args.cmd == "validate":
            from bot.pack import load_pack

            pack = load_pack(args.pack_dir or settings.pack_dir)
            print(f"{pack.meta.id}: ok — {len(pack.people)} people, {len(pack.terms)} terms, "
                  f"{len(pack.events)} events, {len(pack.questions)} questions, {len(pack.meta.readings)} readings")
            return 0
        if args.cmd == "audit":
            return _audit(settings, args)
        if args.cmd == "pack":
            return _draft(args)
        if args.cmd == "migrate-db":
            return _migrate(settings, args.to)
        app = _app(settings, one_shot=args.cmd == "ask")
        try:
            return _command(app, args, settings)
        finally:
            app.close()  # its pool, listener and worker threads go before the process does
    except SettingsError as e:
        print(f"clio: {e}", file=sys.stderr)
        return 2
    except PackInvalid as e:
        print(str(e), file=sys.stderr)
        return 2
    except OSError as e:
        print(f"clio: {e.strerror or e}: {e.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _command(app, args: argparse.Namespace, settings: Settings) -> int:
    """Run one command on an open app (see `main`)."""
    from bot import store

    if args.cmd == "index":
        app.ensure_index(force=True)
        print(f"indexed {settings.pack} into the database")
        return 0
    if args.cmd == "ingest":
        return _ingest(app, args)
    if args.cmd == "sources":
        return _sources(app)
    if args.cmd == "forget":
        found = app.find_sources(args.source, None)
        if len(found) != 1:
            print(f"clio: {'no' if not found else 'more than one'} reading matches {args.source!r}; "
                  "see clio sources", file=sys.stderr)
            return 1
        app.readings.delete(found[0]["id"])
        print(f"forgot {found[0]['title']} ({found[0]['passages']} passages)")
        return 0
    if args.cmd == "slack":
        return _serve(app, "slack")
    if args.cmd == "discord":
        return _serve(app, "discord")
    if args.cmd == "stats":
        return _stats(app)
    if args.cmd == "health":
        problems = app.health(args.adapter, args.max_age)
        print("healthy" if not problems else "unhealthy: " + "; ".join(problems))
        return 1 if problems else 0
    if args.cmd == "workspace":
        if args.ws_cmd == "purge":
            import datetime as dt

            gone = app.workspaces.purge_due(dt.datetime.now(dt.UTC))
            print(f"purged {len(gone)} workspace(s){': ' + ', '.join(gone) if gone else ''}")
            return 0
        if args.workspace == store.SHARED:
            print("clio: 'shared' holds the operator's readings; use clio forget for those", file=sys.stderr)
            return 2
        owned = app.readings.usage(args.workspace)[0]  # wherever the readings are (PostgreSQL too)
        counts = store.delete_workspace(app.db, args.workspace)
        counts["readings"] = max(counts.get("readings", 0), owned)
        print(f"deleted workspace {args.workspace}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        return 0
    if args.cmd == "candidates":
        rows = app.readings.candidates(None)
        for r in rows:
            print(f"{r['mentions']:5d}  {r['name']:<32} {r['readings']} reading(s), e.g. {r['example']}")
        print(f"{len(rows)} name(s) the pack does not know yet")
        return 0
    from adapters import console

    if args.cmd == "ask":
        return console.ask(app, args.text, as_json=args.json)
    import asyncio

    return asyncio.run(console.chat_async(app, schedule=args.schedule))


def _ingest(app, args: argparse.Namespace) -> int:
    from bot import store

    from tqdm import tqdm

    from bot.ingest.readers import ReadError

    failed = 0
    for path in args.paths:
        bar = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, desc=path.name[:30], unit="passage", leave=False, file=sys.stderr,
                           disable=total < PROGRESS_MIN_PASSAGES)
            bar.total = total  # the total is an estimate while the reading is still being read
            bar.n = done
            bar.refresh()

        try:
            result = app.ingest(path, workspace=args.workspace or store.SHARED, title=args.title, author=args.author,
                                calendar=args.calendar, progress=progress, alone=len(args.paths) == 1)
            print(result.text())
        except ReadError as e:
            print(f"clio: {e.user_message}", file=sys.stderr)
            failed += 1
        finally:
            if bar is not None:
                bar.close()
    return 2 if failed else 0


def _draft(args: argparse.Namespace) -> int:
    from bot.draft import draft_pack

    missing = [str(p) for p in args.readings if not p.is_file()]
    if missing:
        print(f"clio: no such reading: {', '.join(missing)}", file=sys.stderr)
        return 2
    d = draft_pack(list(args.readings), args.out)
    print(f"draft written to {args.out}: {d.people} people, {d.terms} candidate terms, {d.events} dated events; "
          f"write every TODO in your own words, then run clio validate {args.out}")
    return 0


def _audit(settings, args: argparse.Namespace) -> int:
    import tempfile

    from bot import audit, store
    from bot.app import Clio
    from bot.config import Settings
    from bot.ingest.readers import ReadError

    with tempfile.TemporaryDirectory() as scratch:
        app = Clio(Settings(db_path=Path(scratch) / "audit.db", content_dir=settings.content_dir, pack=settings.pack))
        for path in args.paths:
            try:
                app.ingest(path, alone=False)
            except ReadError as e:
                print(f"clio: {e.user_message}", file=sys.stderr)
        derived = audit.derive(app.db, app.lookup.matcher, app.person_ids, store.sources(app.db, None))
        show = [k for k in args.show.split(",") if k in ("dates", "links", "questions", "candidates")]
        for line in audit.report(derived, show):
            print(line)
        if args.labels:
            print(f"\nprecision on the hand-labelled samples in {args.labels}:")
            scores = audit.scores(derived, args.labels)
            for sc in scores:
                print("  " + sc.line())
                for err in sc.errors:
                    print("    wrong: " + err)
                for item in sc.unlabelled:
                    print("    not labelled: " + item)
            return 0 if all(sc.precision >= audit.TARGETS[sc.kind] or not sc.derived for sc in scores) else 1
    return 0


ADAPTERS = {"slack": ("adapters.slack.app", "SlackConfigError"),
            "discord": ("adapters.discord.client", "DiscordConfigError")}


def _serve(app, platform: str) -> int:
    """`clio slack` / `clio discord`: run that adapter until stopped; a bad setting is one line, exit 2."""
    import asyncio
    import importlib

    module, error = ADAPTERS[platform]
    try:
        adapter = importlib.import_module(module)
    except ImportError:
        print(f"clio: the {platform.title()} adapter is not installed: pip install '.[{platform}]'", file=sys.stderr)
        return 2
    try:
        return asyncio.run(adapter.run(app))
    except getattr(adapter, error) as e:
        print(f"clio: {e}", file=sys.stderr)
        return 2


def _stats(app) -> int:
    from bot import store

    st = store.pack_stats(app.db, app.settings.default_packs)
    st.update(app.readings.coverage(store.pack_people(app.db, app.settings.default_packs)))  # wherever kept
    others = [p for p in store.indexed_packs(app.db) if p not in app.settings.default_packs]
    if others:
        print(f"also indexed (for /pack use): {', '.join(others)}")
    print(f"pack {app.settings.pack}: {st['people']} people, {st['terms']} terms, {st['events']} events "
          f"({st['events_day_precise']} with a day, {st['events_without_source']} without a source), "
          f"{st['questions']} questions")
    print("questions by period: " + ", ".join(f"{k} {v}" for k, v in st["questions_by_period"].items()))
    print(f"readings indexed: {st['readings_indexed']} ({st['passages']:,} passages)")
    recurring = st["recurring_people_linked"] + st["recurring_names_missing"]
    if not st["readings_indexed"]:
        print("coverage: no readings indexed yet (clio ingest FILE ...)")
    else:
        share = st["recurring_names_missing"] / recurring if recurring else 0.0
        print(f"coverage: {st['recurring_names_missing']} of {recurring} recurring person names in the readings "
              f"are missing from the pack ({share:.1%}); clio candidates lists them")
    return 0


def _sources(app) -> int:
    rows = app.readings.sources(None)
    for s in rows:
        print(f"{s['id']}  {s['title'][:40]:<40} {s['author'][:24]:<24} {s['bytes'] / 1e3:>8,.0f} kB "
              f"{s['passages']:>6} passages  added {s['added_at'][:10]}  [{s['workspace']}]")
    print(f"{len(rows)} reading(s) indexed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
