"""The `clio` command: chat, ask, index, validate (and later the chat-platform adapters)."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.config import Settings
from bot.pack import PackInvalid, load_pack


def _app(settings: Settings):
    from bot.app import Clio

    return Clio(settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="clio", description="Clio, a chat bot for history study groups.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    sub.add_parser("chat", help="talk to Clio in this terminal (no token needed)")
    p_ask = sub.add_parser("ask", help='answer one command, e.g. clio ask "/who kornilof"')
    p_ask.add_argument("text", help="the command, e.g. /who Kornilov")
    p_ask.add_argument("--json", action="store_true", help="print the reply object as JSON")
    sub.add_parser("index", help="rebuild the index from the content pack")
    p_val = sub.add_parser("validate", help="check a content pack and list every problem")
    p_val.add_argument("pack_dir", nargs="?", help="pack directory (default: the configured pack)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    try:
        if args.cmd == "validate":
            pack = load_pack(args.pack_dir or settings.pack_dir)
            print(f"{pack.meta.id}: ok — {len(pack.people)} people, {len(pack.terms)} terms, "
                  f"{len(pack.events)} events, {len(pack.questions)} questions, {len(pack.meta.readings)} readings")
            return 0
        app = _app(settings)
        if args.cmd == "index":
            app.ensure_index(force=True)
            print(f"indexed {settings.pack} into the database")
            return 0
        from adapters import console

        if args.cmd == "ask":
            return console.ask(app, args.text, as_json=args.json)
        return console.chat(app)
    except PackInvalid as e:
        print(str(e), file=sys.stderr)
        return 2
    except OSError as e:
        print(f"clio: {e.strerror or e}: {e.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
