"""The Slack app: a thin bolt AsyncApp over the core. Converts slash commands, mentions, button clicks and
channel messages into core commands with a workspace context, and renders replies as Block Kit."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from urllib.parse import urlsplit
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.request_verification.async_request_verification import AsyncRequestVerification
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import ACTION_PREFIX, blocks_for, escape
from bot.app import Clio
from bot.events import Context, ConversationRef
from bot.ingest.readers import MAX_FILE_BYTES
from bot.response import Field, Reply
from bot.services import own_questions
from bot.services.schedule import OutboxError
from bot.text import shorten

log = logging.getLogger("clio.slack")
MAX_UPLOAD_BYTES = MAX_FILE_BYTES
_MENTION = re.compile(r"^\s*<@[A-Z0-9]+>\s*")
# errors after which retrying a post cannot help: the channel is gone or the app was removed from it
PERMANENT_ERRORS = {"channel_not_found", "not_in_channel", "is_archived", "account_inactive", "invalid_auth",
                    "missing_scope", "team_access_not_granted"}


_IMPORT = re.compile(r"^(?:clio\s+)?quiz\s+import\b", re.IGNORECASE)
# question files on Slack: never readings, so a reading's share skips them (a .txt is a reading here)
SLACK_QUESTION_FILES = {".csv", ".tsv", ".yaml", ".yml"}


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def workspace_of(team_id: str) -> str:
    return f"slack:{team_id}"


ALT_CHARS = 1000  # a file's alt text on Slack


async def share_picture(client: AsyncWebClient, channel: str, part: Reply) -> None:
    """A reply's picture, uploaded with files_upload_v2 (files.getUploadURLExternal, the upload, then
    files.completeUploadExternal) and shared in the channel under the reply, with its alt text. Slack has no
    files only one member sees, so a private reply's picture is not shared (its text says what it shows).
    A failed upload is logged: the reply itself has already gone out."""
    if part.image is None or part.private or not part.ok or not channel:
        return
    try:
        await client.files_upload_v2(channel=channel, file=part.image.data, filename=part.image.filename,
                                     title=shorten(part.title or part.image.filename, 250),
                                     alt_txt=shorten(part.image.alt, ALT_CHARS))
    except SlackApiError as e:
        log.warning("could not share a picture in the channel: %s", e.response.get("error"))


class SlackOutbox:
    """Scheduled posts and quiz updates, sent with chat.postMessage."""

    def __init__(self, client: AsyncWebClient):
        self.client = client

    async def send(self, ref: ConversationRef, reply: Reply) -> None:
        try:
            for part in reply.sequence():
                text, blocks = blocks_for(part)
                # a scheduled post's mark rides as message metadata (unseen), found again after a crash
                metadata = {"event_type": "clio_post", "event_payload": {"marker": part.marker}} if part.marker else None
                await self.client.chat_postMessage(channel=ref.channel, text=text, blocks=blocks, metadata=metadata)
                await share_picture(self.client, ref.channel, part)
        except SlackApiError as e:
            error = str(e.response.get("error", "unknown_error"))
            raise OutboxError(error.replace("_", " "), permanent=error in PERMANENT_ERRORS) from None

    async def posted(self, ref: ConversationRef, marker: str) -> bool:
        """Whether one of the channel's last messages carries `marker` in its metadata."""
        try:
            history = await self.client.conversations_history(channel=ref.channel, limit=RECENT_MESSAGES,
                                                              include_all_metadata=True)
        except SlackApiError as e:
            error = str(e.response.get("error", "unknown_error"))
            raise OutboxError(f"could not read the channel's recent messages: {error.replace('_', ' ')}") from None
        return any(((m.get("metadata") or {}).get("event_payload") or {}).get("marker") == marker
                   for m in history.get("messages") or [])


SLACK_FILE_HOSTS = ("files.slack.com",)  # where Slack serves url_private; the bot token goes nowhere else


def slack_file(url: str | None, client: AsyncWebClient) -> bool:
    """Whether the bot token may go with a download from `url`: only Slack's file host over HTTPS (a
    url_private naming any other host gets nothing), or the local fake Slack a test points the client at."""
    if not url:
        return False
    target, api = urlsplit(url), urlsplit(client.base_url)
    return (target.scheme == "https" and target.hostname in SLACK_FILE_HOSTS) or (
        api.hostname in ("127.0.0.1", "localhost") and (target.hostname, target.port) == (api.hostname, api.port))


NOT_SLACKS = "That file's address is not Slack's file host, so Clio did not download it."


class VerifiedOnce(AsyncRequestVerification):
    """Slack's signature check, plus: a request is taken once (a signed request replayed within its five
    minutes is refused like a forged one), and a timestamp that is not a number is a 401, not a crash."""

    WINDOW = 300.0  # Slack's own limit on a request's age

    def __init__(self, signing_secret: str):
        super().__init__(signing_secret)
        self._seen: OrderedDict[str, float] = OrderedDict()  # signature -> when it was taken

    async def async_process(self, *, req: Any, resp: Any, next: Any) -> Any:  # noqa: A002 - bolt's name
        if self._can_skip(req.mode, req.body):
            return await next()
        timestamp = req.headers.get("x-slack-request-timestamp", [""])[0]
        signature = req.headers.get("x-slack-signature", [""])[0]
        if not (timestamp.isascii() and timestamp.isdigit()) or not self.verifier.is_valid(req.raw_body, timestamp,
                                                                                           signature):
            return self._build_error_response()
        now = time.monotonic()
        self._forget_older_than(now - self.WINDOW)
        if signature in self._seen:
            return self._build_error_response()
        self._seen[signature] = now
        return await next()

    def _forget_older_than(self, cutoff: float) -> None:
        while self._seen:
            signature, taken = next(iter(self._seen.items()))
            if taken >= cutoff:
                return
            del self._seen[signature]


RECENT_MESSAGES = 50  # how far back a restarted process looks for a post it may already have sent
ADMIN_TTL = 60.0  # seconds a member's admin status from Slack is trusted
MAX_ADMIN_CACHE = 10_000


class Admins:
    """Who may run admin commands: workspace admins and owners, or members of a configured list. Slack's
    answer is kept for ADMIN_TTL seconds (a demoted admin loses the rights within that time); a failed
    lookup is never kept, so one Slack hiccup does not lock a real admin out."""

    def __init__(self, client: AsyncWebClient, configured: set[str], ttl: float = ADMIN_TTL,
                 clock: Callable[[], float] = time.monotonic):
        self.client = client
        self.configured = configured
        self.ttl, self.clock = ttl, clock
        self._cache: dict[str, tuple[bool, float]] = {}  # user id -> (admin, when Slack said so)

    async def is_admin(self, user_id: str) -> bool:
        if user_id in self.configured:
            return True
        known = self._cache.get(user_id)
        if known is not None and self.clock() - known[1] < self.ttl:
            return known[0]
        try:
            info = await self.client.users_info(user=user_id)
        except SlackApiError:
            log.warning("users.info failed; treating the member as not an admin this time")
            return False
        user = info.get("user") or {}
        admin = bool(user.get("is_admin") or user.get("is_owner"))
        if len(self._cache) > MAX_ADMIN_CACHE:
            self._cache.clear()
        self._cache[user_id] = (admin, self.clock())
        return admin


def build_app(clio: Clio, *, client: AsyncWebClient, signing_secret: str | None = None,
              admin_users: set[str] | None = None, **kwargs: Any) -> AsyncApp:
    """The bolt app for a Clio. `client` carries the bot token (and, in tests, a local base_url)."""
    verify = kwargs.pop("request_verification_enabled", True) and signing_secret is not None
    app = AsyncApp(client=client, signing_secret=signing_secret, request_verification_enabled=False, **kwargs)
    if verify:
        app.use(VerifiedOnce(signing_secret))  # Slack's check, and each signed request taken once
    admins = Admins(client, admin_users or set())

    async def make_ctx(team: str, channel: str, user: str, name: str | None = None) -> Context:
        return Context(workspace=workspace_of(team), channel=channel, user_id=user, user_name=name or user,
                       is_admin=await admins.is_admin(user), platform="slack")

    @app.command("/clio")
    async def slash(ack, command, respond, client):  # type: ignore[no-untyped-def]
        await ack()  # within Slack's 3 seconds; the answer follows
        ctx = await make_ctx(command["team_id"], command["channel_id"], command["user_id"], command.get("user_name"))
        text = (command.get("text") or "").strip()
        reply = await clio.call(ctx, "/" + text if text and not text.startswith("/") else text or "/help")
        await deliver(reply, respond, client, ctx.channel)

    @app.event("app_mention")
    async def mention(event, say, client, context: Any):  # type: ignore[no-untyped-def]
        ctx = await _ctx_from_event(event, context)
        text = _MENTION.sub("", event.get("text", ""))
        reply = await clio.call(ctx, "/" + text if text and not text.startswith("/") else text or "/help")
        for part in reply.sequence():
            text_fallback, blocks = blocks_for(part)
            await say(text=text_fallback, blocks=blocks)
            await share_picture(client, ctx.channel, part)

    @app.event("message")
    async def message(event, say, client, context: Any):  # type: ignore[no-untyped-def]
        if event.get("subtype") == "file_share" and not event.get("bot_id"):
            await questions_shared(event, client, context)
            return
        if event.get("subtype") or event.get("bot_id"):
            return
        ctx = await _ctx_from_event(event, context)
        answer = await clio.door.answer(ctx, event.get("text", ""))  # only a channel with an open-mode quiz answers
        if answer is not None and (answer.private or not answer.ok):  # "slow down" and errors: the member only
            text_fallback, blocks = blocks_for(answer)
            await client.chat_postEphemeral(channel=ctx.channel, user=ctx.user_id, text=text_fallback, blocks=blocks)
        elif answer is not None:
            for part in answer.sequence():
                text_fallback, blocks = blocks_for(part)
                await say(text=text_fallback, blocks=blocks)
                await share_picture(client, ctx.channel, part)

    async def _ctx_from_event(event: dict, context: Any) -> Context:
        team = event.get("team") or context.get("team_id") or "unknown"
        return await make_ctx(team, event.get("channel", ""), event.get("user", ""))

    @app.action(re.compile(f"^{re.escape(ACTION_PREFIX)}"))
    async def clicked(ack, body, respond, client):  # type: ignore[no-untyped-def]
        await ack()
        action = body["actions"][0]
        try:
            payload = json.loads(action.get("value") or "{}")
            text = f"/{payload['a']} {payload['v']}"
        except (ValueError, KeyError, TypeError):
            await respond(text="That button no longer works; try the command again.", response_type="ephemeral",
                          replace_original=False)
            return
        team = (body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", "unknown")
        channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id", "")
        user = body.get("user", {})
        ctx = await make_ctx(team, channel, user.get("id", ""), user.get("name") or user.get("username"))
        reply = await clio.call(ctx, text)
        await deliver(reply, respond, client, channel, ephemeral=True)
        ts = (body.get("container") or {}).get("message_ts")
        if payload["a"] == "quiz" and payload["v"].startswith("answer ") and reply.ok and ts:
            await update_question(client, channel, ts, ctx)

    async def update_question(client: AsyncWebClient, channel: str, ts: str, ctx: Context) -> None:
        """Show the running count of answers on the question message itself (chat.update)."""
        quiz = await clio.door.run(lambda core: core.quiz.current(ctx), write=False)
        if quiz is None:
            return
        question, answered = quiz
        question.fields.append(Field("Answers so far", str(answered)))
        text, blocks = blocks_for(question)
        try:
            await client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except SlackApiError as e:
            log.warning("could not update the quiz message: %s", e.response.get("error"))

    async def questions_shared(event: dict, client: AsyncWebClient, context: Any) -> None:
        """A question file shared in a channel with the message "quiz import" (a mention or "/clio" before it
        may be there too): the workspace's own quiz questions, added by an admin. Every problem, with its line,
        goes back to the channel, and a file with any problem adds nothing."""
        text = _MENTION.sub("", event.get("text") or "").strip().lstrip("/")
        files = event.get("files") or []
        if not _IMPORT.match(text) or not files:
            return
        ctx = await _ctx_from_event(event, context)
        if not ctx.is_admin:
            await client.chat_postEphemeral(channel=ctx.channel, user=ctx.user_id,
                                            text="Adding quiz questions is for the workspace's admins.")
            return
        info = (await client.files_info(file=files[0]["id"]))["file"]
        name = info.get("name") or "questions.csv"
        url = info.get("url_private_download") or info.get("url_private")
        if _suffix(name) not in SLACK_QUESTION_FILES:
            reply = Reply(ok=False, kind="error", body="On Slack a question file is .csv, .tsv, .yaml or .yml (a "
                          ".txt shared here is taken for a reading): save a Quizlet export as .tsv or .csv.")
        elif info.get("size", 0) > own_questions.MAX_FILE_BYTES or not url:
            reply = Reply(ok=False, kind="error", body=f"{name[:100]} is over the "
                          f"{own_questions.MAX_FILE_BYTES // 1024} KB limit for a question file.")
        elif not slack_file(url, client):
            reply = Reply(ok=False, kind="error", body=NOT_SLACKS)
        else:
            import aiohttp

            async with aiohttp.ClientSession() as http, http.get(url, headers={"Authorization": f"Bearer {client.token}"},
                                                                allow_redirects=False) as r:
                data = b""
                async for chunk in r.content.iter_chunked(65536):  # never much more than the limit
                    data += chunk
                    if len(data) > own_questions.MAX_FILE_BYTES:
                        break
            reply = await own_questions.import_upload(clio, ctx, name, data)
        text_fallback, blocks = blocks_for(reply)
        await client.chat_postMessage(channel=ctx.channel, text=text_fallback, blocks=blocks)

    @app.event("file_shared")
    async def file_shared(event, client, context: Any):  # type: ignore[no-untyped-def]
        """A reading shared with the bot by an admin is ingested into that workspace (a question file is
        not a reading: shared with "quiz import", the message event adds its questions)."""
        team = event.get("team_id") or context.get("team_id") or "unknown"
        channel = event.get("channel_id", "")
        ctx = await make_ctx(team, channel, event.get("user_id", ""))
        if not ctx.is_admin:
            return
        info = (await client.files_info(file=event["file_id"]))["file"]
        if _suffix(info.get("name") or "") in SLACK_QUESTION_FILES:
            return
        url = info.get("url_private_download") or info.get("url_private")
        if info.get("size", 0) > MAX_UPLOAD_BYTES or not url:
            await client.chat_postMessage(channel=channel, text=f"{escape(info.get('name', 'That file'))} is too large "
                                          f"to ingest (limit {MAX_UPLOAD_BYTES // 2**20} MB).")
            return
        if not slack_file(url, client):
            await client.chat_postMessage(channel=channel, text=NOT_SLACKS)
            return
        import aiohttp

        async with aiohttp.ClientSession() as http, http.get(url, headers={"Authorization": f"Bearer {client.token}"},
                                                                allow_redirects=False) as r:
            data = await r.read()
        async def queued(message: str) -> None:  # another upload goes first: the admin sees theirs waits
            await client.chat_postMessage(channel=channel, text=escape(message))

        reply = await clio.ingest_upload(ctx, info.get("name") or "reading.txt", data, title=info.get("title") or None,
                                         queued=queued)
        await client.chat_postMessage(channel=channel, text=escape(reply.body))  # parsed and stored off the loop

    @app.error
    async def on_error(error, body):  # type: ignore[no-untyped-def]
        log.error("slack listener failed: %s", type(error).__name__)

    return app


async def deliver(reply: Reply, respond: Any, client: AsyncWebClient, channel: str, ephemeral: bool = False) -> None:
    """Errors and private replies go only to the asker; answers go to the channel."""
    for part in reply.sequence():  # a quiz's reveal, then its next question: each a message of its own
        text, blocks = blocks_for(part)
        if ephemeral or reply.private or not reply.ok:
            await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        else:
            await respond(text=text, blocks=blocks, response_type="in_channel")
        if not reply.private:  # a picture asked for with a button too: Slack's files are the channel's
            await share_picture(client, channel, part)


class SlackConfigError(Exception):
    """A missing or unusable Slack setting; the message is one line for the operator."""


def settings_from_env(env: dict[str, str] | None = None) -> dict[str, Any]:
    env = dict(os.environ if env is None else env)
    token = env.get("SLACK_BOT_TOKEN", "")
    app_token = env.get("SLACK_APP_TOKEN", "")
    secret = env.get("SLACK_SIGNING_SECRET", "")
    if not token.startswith("xoxb-"):
        raise SlackConfigError("SLACK_BOT_TOKEN is missing or is not a bot token (xoxb-...)")
    if app_token and not app_token.startswith("xapp-"):
        raise SlackConfigError("SLACK_APP_TOKEN is not an app-level token (xapp-...)")
    if not app_token and not secret:
        raise SlackConfigError("set SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode")
    port = env.get("CLIO_SLACK_PORT", "3000")
    if not port.isdigit():
        raise SlackConfigError("CLIO_SLACK_PORT must be a port number")
    admins = {u.strip() for u in env.get("CLIO_SLACK_ADMINS", "").split(",") if u.strip()}
    return {"token": token, "app_token": app_token, "signing_secret": secret, "port": int(port), "admins": admins}


async def run(clio: Clio, env: dict[str, str] | None = None) -> int:
    """`clio slack`: Socket Mode when SLACK_APP_TOKEN is set, else HTTP with signature verification."""
    import asyncio

    from bot.lease import background as leased

    conf = settings_from_env(env)
    client = AsyncWebClient(token=conf["token"])
    try:
        await client.auth_test()
    except SlackApiError as e:
        raise SlackConfigError(f"Slack rejected the bot token ({e.response.get('error', 'error')})") from None
    app = build_app(clio, client=client, signing_secret=conf["signing_secret"] or None, admin_users=conf["admins"])
    outbox = SlackOutbox(client)
    stop = asyncio.Event()
    # daily posts, quiz nights and the quiz clock: run by whichever Slack process holds the lease
    background = asyncio.gather(leased(clio, outbox, "slack", stop), clio.heartbeat("slack", stop))
    try:
        if conf["app_token"]:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            await AsyncSocketModeHandler(app, conf["app_token"]).start_async()
        else:
            from aiohttp import web

            runner = web.AppRunner(app.web_app(path="/slack/events"))
            await runner.setup()
            await web.TCPSite(runner, "0.0.0.0", conf["port"]).start()
            log.warning("Clio on Slack, HTTP mode, port %d (path /slack/events)", conf["port"])
            await asyncio.Event().wait()
    finally:
        stop.set()
        await background
    return 0
