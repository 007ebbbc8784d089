"""One Clio adapter process for the multi-process tests: `python -m tests.adapter_process discord|slack`.

It runs exactly what `clio discord` or `clio slack` runs (adapters/cli.py: settings from the environment,
the app, the adapter's own `run`), with one change each, the seams to a local fake of the platform:

- Discord: discord.http.Route.BASE and the gateway URL point at the fake Discord (CLIO_TEST_DISCORD_URL,
  tests/fake_discord.py); a client given its shards (CLIO_DISCORD_SHARDS and CLIO_DISCORD_SHARD_IDS, as in
  production) connects to discord.py's default gateway without asking GET /gateway/bot.
- Slack: the Web API client is made with base_url pointing at the fake Slack (CLIO_TEST_SLACK_URL, the
  FakeSlack of tests/test_slack.py); Slack's signed HTTP requests come in on CLIO_SLACK_PORT (HTTP mode,
  SLACK_SIGNING_SECRET) as in production.

Everything else (the database, the lease timing, the rate limit, the pack) is the ordinary settings."""

from __future__ import annotations

import functools
import os
import sys


def main(argv: list[str]) -> int:
    platform = argv[0]
    if platform == "discord":
        import discord
        import yarl

        url = os.environ["CLIO_TEST_DISCORD_URL"]
        discord.http.Route.BASE = url + "/api/v10"
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url.replace("http", "ws", 1) + "/gateway")
    elif platform == "slack":
        from slack_sdk.web.async_client import AsyncWebClient

        import adapters.slack.app as slack

        slack.AsyncWebClient = functools.partial(AsyncWebClient,  # type: ignore[misc]
                                                 base_url=os.environ["CLIO_TEST_SLACK_URL"] + "/api/")
    else:
        raise SystemExit(f"usage: python -m tests.adapter_process discord|slack, not {platform!r}")
    from adapters import cli

    return cli.main([platform])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
