"""Slack adapter (slack-bolt, async): /clio slash command, app mentions, Block Kit replies, quiz buttons."""
