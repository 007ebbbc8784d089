"""Errors a user may see. Anything else is a bug: logged, and answered with a generic apology."""

from __future__ import annotations


class BotError(Exception):
    """A problem with what the user asked; its message is shown to them as it is."""

    exit_code = 1

    def __init__(self, user_message: str):
        super().__init__(user_message)
        self.user_message = user_message


class BadInput(BotError):
    """Input the bot cannot use: empty, too long, or not a command."""

    exit_code = 2
