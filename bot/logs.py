"""Logging set-up: one line per record, and never a message's text or a secret at any level.

Clio's own loggers ("clio.*") never log what a member typed (see `Clio.handle_text`). The chat libraries do
at DEBUG: discord.py logs gateway payloads (message text, interaction tokens), slack-bolt and aiohttp log
request bodies and headers. So at any level those libraries are held at INFO or above, and every record
passes a filter that masks tokens and secrets wherever they appear (a library's exception text included).
"""

from __future__ import annotations

import logging
import re
import sys

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# libraries that log payloads at DEBUG: never below INFO, whatever CLIO_LOG_LEVEL says
CHATTY = ("discord", "slack_bolt", "slack_sdk", "aiohttp", "urllib3", "websockets", "asyncio")
_SECRET = re.compile(
    r"xox[abposr]-[A-Za-z0-9-]+"                      # Slack bot, user and app tokens
    r"|xapp-[A-Za-z0-9-]+"
    r"|\b[MNO][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,}"  # a Discord bot token
    r"|(?<=/interactions/)\d+/[A-Za-z0-9_.-]+"        # an interaction id and token in a callback URL
    r"|(?<=/webhooks/)\d+/[A-Za-z0-9_.-]+"            # a webhook or followup token
    r"|(?i:(?<=authorization: )[^\s,'\"]+(?: [^\s,'\"]+)?)"
    r"|(?i:(?<=\"token\": \")[^\"]+)|(?i:(?<='token': ')[^']+)")


class RedactSecrets(logging.Filter):
    """Masks tokens in a record's message and arguments before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _SECRET.sub("[redacted]", message)
        if masked != message:
            record.msg, record.args = masked, None
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and _SECRET.search(str(error)):
            # the traceback would repeat the secret: keep the error's kind and masked text instead
            record.msg = f"{record.getMessage()} ({type(error).__name__}: {_SECRET.sub('[redacted]', str(error))})"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def configure(level: str | None, stream=sys.stderr) -> None:  # type: ignore[no-untyped-def]
    """Log to `stream` at `level` (one of LEVELS; anything else means WARNING) for Clio's own loggers."""
    chosen = (level or "WARNING").upper()
    chosen = chosen if chosen in LEVELS else "WARNING"
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(chosen)
    for name in CHATTY:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(chosen)))
