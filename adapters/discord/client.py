"""The Discord bot: a thin discord.py client over the core. Every core command becomes an app (slash) command
generated from the core's one registry; replies become embeds; buttons carry their command in the custom_id;
daily posts and quiz questions go out through an outbox. No reply can ping anyone: the client sends every
message, interaction response and followup with AllowedMentions.none()."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import discord
from discord import app_commands

from adapters.discord.render import ClioButton, Message, messages_for, view_for
from bot.app import Clio
from bot.commands import REGISTRY, CommandSpec, Form
from bot.events import Context, ConversationRef
from bot.ingest.readers import MAX_FILE_BYTES, SUPPORTED
from bot.response import Field, Reply
from bot.services import own_questions
from bot.lease import background
from bot.services.schedule import OutboxError
from bot.text import shorten

log = logging.getLogger("clio.discord")
DESCRIPTION_CHARS = 100
CHOICE_CHARS = 100
MAX_CHOICES = 25
MANAGE_SERVER = discord.Permissions(manage_guild=True)
NO_PINGS = discord.AllowedMentions.none()
# Discord error codes after which retrying a post cannot help: the channel is gone or access was lost
PERMANENT_CODES = {10003: "the channel no longer exists", 50001: "Clio lost access to the channel",
                   50013: "Clio lacks permission to post there", 10004: "Clio was removed from the server"}


class DiscordConfigError(Exception):
    """A missing or unusable Discord setting; the message is one line for the operator."""


@dataclass(frozen=True)
class DiscordSettings:
    """`clio discord`'s settings, from the environment (see settings_from_env)."""

    token: str
    guilds: tuple[int, ...] = ()  # sync commands to these servers (instant) instead of globally
    sync: bool = True  # sync the command tree at start
    open_answers: bool = False  # open-mode quizzes read channel messages: needs the Message Content intent
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    background: bool = True  # this process may run daily posts and the quiz clock (when it holds the lease)


def _ids(text: str, name: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise DiscordConfigError(f"{name} must be a comma-separated list of numeric ids")
    return tuple(int(p) for p in parts)


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value not in ("0", "1", "true", "false", "yes", "no"):
        raise DiscordConfigError(f"{name} must be 1 or 0")
    return value in ("1", "true", "yes")


def settings_from_env(env: dict[str, str] | None = None) -> DiscordSettings:
    """DISCORD_TOKEN (required); CLIO_DISCORD_GUILDS (ids: sync there instead of globally), CLIO_DISCORD_SYNC,
    CLIO_DISCORD_OPEN_ANSWERS, CLIO_DISCORD_SHARDS and CLIO_DISCORD_SHARD_IDS, CLIO_DISCORD_BACKGROUND."""
    env = dict(os.environ if env is None else env)
    token = env.get("DISCORD_TOKEN", "").strip()
    if not token:
        raise DiscordConfigError("DISCORD_TOKEN is not set: give the bot token from the Discord developer portal")
    if any(c.isspace() for c in token) or len(token) < 20:
        raise DiscordConfigError("DISCORD_TOKEN does not look like a bot token")
    shards = env.get("CLIO_DISCORD_SHARDS", "").strip()
    if shards and not shards.isdigit():
        raise DiscordConfigError("CLIO_DISCORD_SHARDS must be a number")
    shard_ids = _ids(env.get("CLIO_DISCORD_SHARD_IDS", ""), "CLIO_DISCORD_SHARD_IDS") or None
    if shard_ids and not shards:
        raise DiscordConfigError("CLIO_DISCORD_SHARD_IDS needs CLIO_DISCORD_SHARDS (the total shard count)")
    return DiscordSettings(token=token, guilds=_ids(env.get("CLIO_DISCORD_GUILDS", ""), "CLIO_DISCORD_GUILDS"),
                           sync=_flag(env, "CLIO_DISCORD_SYNC", True),
                           open_answers=_flag(env, "CLIO_DISCORD_OPEN_ANSWERS", False),
                           shard_count=int(shards) if shards else None, shard_ids=shard_ids,
                           background=_flag(env, "CLIO_DISCORD_BACKGROUND", True))


def workspace_of(guild_id: int | str) -> str:
    return f"discord:{guild_id}"


def context_of(user: discord.abc.User, guild_id: int | None, channel_id: int | None) -> Context:
    """The core's view of who asked where. Admin means the Manage Server permission."""
    perms = getattr(user, "guild_permissions", None)
    return Context(workspace=workspace_of(guild_id or f"dm-{user.id}"), channel=str(channel_id or ""),
                   user_id=str(user.id), user_name=getattr(user, "display_name", None) or user.name,
                   is_admin=bool(perms and perms.manage_guild), platform="discord")


def _send_kwargs(message: Message, edit: bool = False) -> dict[str, Any]:
    """send()/followup arguments for a message; with `edit`, those of an edit (its files are `attachments`)."""
    view = view_for(message.buttons)
    files = message.files()
    return {"embeds": message.embeds, **({"view": view} if view else {}),
            **({"attachments" if edit else "files": files} if files else {})}


RECENT_MESSAGES = 50  # how far back a restarted process looks for a post it may already have sent


class DiscordOutbox:
    """Daily posts and quiz questions, sent to a channel by id."""

    def __init__(self, client: discord.Client):
        self.client = client

    async def send(self, ref: ConversationRef, reply: Reply) -> None:
        if not ref.channel.isdigit():
            raise OutboxError("not a Discord channel id", permanent=True)
        try:
            channel = self.client.get_channel(int(ref.channel)) or await self.client.fetch_channel(int(ref.channel))
            for message in messages_for(reply):
                try:
                    await channel.send(**_send_kwargs(message))  # type: ignore[union-attr]
                except discord.Forbidden as e:
                    if message.image is None or e.code != 50013:
                        raise
                    # no Attach Files permission here: the message goes out without its picture
                    log.warning("could not attach a picture in channel %s (no Attach Files permission)", ref.channel)
                    message.image = None
                    for embed in message.embeds:
                        embed.set_image(url=None)
                    await channel.send(**_send_kwargs(message))  # type: ignore[union-attr]
        except discord.HTTPException as e:
            reason = PERMANENT_CODES.get(e.code)
            raise OutboxError(reason or f"Discord answered {e.status}", permanent=reason is not None) from None

    async def posted(self, ref: ConversationRef, marker: str) -> bool:
        """Whether one of the bot's last messages in the channel carries `marker` (in its embed footer)."""
        try:
            channel = self.client.get_channel(int(ref.channel)) or await self.client.fetch_channel(int(ref.channel))
            async for message in channel.history(limit=RECENT_MESSAGES):  # type: ignore[union-attr]
                if message.author.id == self.client.user.id and any(  # type: ignore[union-attr]
                        marker in (e.footer.text or "") for e in message.embeds):
                    return True
        except discord.HTTPException as e:
            raise OutboxError(f"could not read the channel's recent messages (Discord answered {e.status})") from None
        return False


class ClioDiscord(discord.AutoShardedClient):
    """Clio's Discord client. AutoShardedClient: one process runs every shard by default; a large deployment
    runs several processes, each with CLIO_DISCORD_SHARD_IDS, all with the same CLIO_DISCORD_SHARDS."""

    progress_every = 1.5  # seconds between progress edits of an /ingest reply
    defer_after = 2.0  # seconds the core may take before an interaction is deferred (Discord allows 3)

    def __init__(self, clio: Clio, settings: DiscordSettings, **kwargs: Any):
        intents = discord.Intents.default()
        intents.members = False
        intents.message_content = settings.open_answers  # privileged: only for open-answer quizzes
        kwargs.setdefault("shard_count", settings.shard_count)
        if settings.shard_ids:
            kwargs.setdefault("shard_ids", list(settings.shard_ids))
        super().__init__(intents=intents, allowed_mentions=NO_PINGS, **kwargs)
        self.clio = clio
        self.settings = settings
        self.tree = build_tree(self)
        self.outbox = DiscordOutbox(self)
        self._stop = asyncio.Event()
        self._background: asyncio.Future[Any] | None = None

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ClioButton)  # buttons route by custom_id, on messages sent before a restart too
        if self.settings.sync:
            await self.sync_commands()
        loops = [self.clio.heartbeat("discord", self._stop)]
        if self.settings.background:  # run by one Discord process at a time: the lease's holder
            loops.append(background(self.clio, self.outbox, "discord", self._stop))
        self._background = asyncio.gather(*loops)

    async def sync_commands(self) -> None:
        if self.settings.guilds:
            for gid in self.settings.guilds:
                guild = discord.Object(gid)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def close(self) -> None:
        self._stop.set()
        if self._background is not None:
            try:
                await asyncio.wait_for(self._background, timeout=5)
            except Exception:  # noqa: BLE001 - shutting down (a timeout included): log and go on
                log.warning("background tasks did not stop cleanly")
        await super().close()

    # --- interactions ---------------------------------------------------------------------------------

    def context(self, interaction: discord.Interaction) -> Context:
        return context_of(interaction.user, interaction.guild_id, interaction.channel_id)

    async def run_command(self, interaction: discord.Interaction, text: str) -> None:
        reply, deferred = await self.in_time(interaction, self.clio.call(self.context(interaction), text))
        ephemeral = reply.private or not reply.ok
        if deferred is None:
            await self.respond(interaction, reply, ephemeral=ephemeral)
        else:
            await self.finish_deferred(interaction, reply, ephemeral=ephemeral, deferred_ephemeral=deferred)

    async def in_time(self, interaction: discord.Interaction, work: Any,
                      ephemeral: bool = False) -> tuple[Reply, bool | None]:
        """The core's reply to an interaction, deferring the interaction ("Clio is thinking...") when the core
        has not answered within `defer_after` seconds, so Discord never says the application did not respond.
        Returns the reply and None when it came in time, else whether the deferral was ephemeral."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.defer_after)
        deferred: bool | None = None
        if not done and not interaction.response.is_done():
            try:
                await interaction.response.defer(thinking=True, ephemeral=ephemeral)
                deferred = ephemeral
            except discord.HTTPException as e:  # the token expired meanwhile: the reply cannot be delivered
                log.warning("could not defer an interaction: %s", e.status)
        return await task, deferred

    async def finish_deferred(self, interaction: discord.Interaction, reply: Reply, *, ephemeral: bool,
                              deferred_ephemeral: bool) -> None:
        """Deliver a reply to a deferred interaction: its first message replaces the "thinking" one, the rest
        are followups. A private reply to a public deferral removes the public placeholder instead, so only
        the asker sees the answer."""
        rendered = messages_for(reply)
        if ephemeral and not deferred_ephemeral:
            await interaction.delete_original_response()
        else:
            await interaction.edit_original_response(content=None, allowed_mentions=NO_PINGS,
                                                     **_send_kwargs(rendered[0], edit=True))
            rendered = rendered[1:]
        for message in rendered:
            await interaction.followup.send(ephemeral=ephemeral, **_send_kwargs(message))

    async def respond(self, interaction: discord.Interaction, reply: Reply, *, ephemeral: bool) -> None:
        """The reply as one or more messages: the interaction response, then followups."""
        for message in messages_for(reply):
            if interaction.response.is_done():
                await interaction.followup.send(ephemeral=ephemeral, **_send_kwargs(message))
            else:
                await interaction.response.send_message(ephemeral=ephemeral, **_send_kwargs(message))

    async def clicked(self, interaction: discord.Interaction, action: str, value: str) -> None:
        """A button: the command it stands for, answered to the member who clicked."""
        ctx = self.context(interaction)
        reply, deferred = await self.in_time(interaction, self.clio.call(ctx, f"/{action} {value}"), ephemeral=True)
        if deferred is None:
            await self.respond(interaction, reply, ephemeral=True)
        else:
            await self.finish_deferred(interaction, reply, ephemeral=True, deferred_ephemeral=deferred)
        if action == "quiz" and value.startswith("answer ") and reply.ok and interaction.message is not None:
            await self.update_question(interaction.message, ctx)

    async def update_question(self, message: discord.Message, ctx: Context) -> None:
        """Show the running count of answers on the question message itself."""
        current = await self.clio.door.run(lambda core: core.quiz.current(ctx), write=False)
        if current is None:
            return
        question, answered = current
        question.fields.append(Field("Answers so far", str(answered)))
        rendered = messages_for(question)
        try:
            await message.edit(embeds=rendered[0].embeds, view=view_for(rendered[-1].buttons),
                               allowed_mentions=NO_PINGS)  # an edit is not covered by the client default
        except discord.HTTPException as e:
            log.warning("could not update the quiz message: %s", e.status)

    async def ingest(self, interaction: discord.Interaction, attachment: discord.Attachment, title: str | None) -> None:
        """/ingest: download the attachment, index it off the event loop, edit progress into the reply."""
        ctx = self.context(interaction)
        suffix = Path(attachment.filename).suffix.lower()
        if attachment.size > MAX_FILE_BYTES or suffix not in SUPPORTED:
            why = (f"is over the {MAX_FILE_BYTES // 2**20} MB limit" if attachment.size > MAX_FILE_BYTES
                   else f"is not one of {', '.join(sorted(set(SUPPORTED)))}")
            await self.respond(interaction, Reply(ok=False, kind="error", body=f"{attachment.filename[:100]} {why}."),
                               ephemeral=True)
            return
        await interaction.response.defer(thinking=True)
        data = await attachment.read()
        latest = [0, 0]

        def progress(done: int, total: int) -> None:  # called from the ingest thread
            latest[0], latest[1] = done, total

        async def queued(message: str) -> None:  # another upload goes first: the admin sees theirs waits
            await interaction.edit_original_response(content=message[:2000], allowed_mentions=NO_PINGS)

        task = asyncio.create_task(self.clio.ingest_upload(ctx, attachment.filename, data, title=title,
                                                           progress=progress, queued=queued))
        shown = (0, 0)
        while not task.done():
            await asyncio.wait([task], timeout=self.progress_every)
            if not task.done() and latest[1] and tuple(latest) != shown:
                shown = (latest[0], latest[1])
                await interaction.edit_original_response(
                    content=f"Indexing {attachment.filename[:100]}: {shown[0]:,} of {shown[1]:,} passages…",
                    allowed_mentions=NO_PINGS)
        reply = task.result()
        rendered = messages_for(reply)
        await interaction.edit_original_response(content=None, embeds=rendered[0].embeds, allowed_mentions=NO_PINGS)

    async def import_questions(self, interaction: discord.Interaction, attachment: discord.Attachment) -> None:
        """/quiz import: the server's own quiz questions from an attached file, read off the event loop; the
        result (or every problem, with its line) only to the admin who sent it."""
        ctx = self.context(interaction)
        if attachment.size > own_questions.MAX_FILE_BYTES:
            await self.respond(interaction, Reply(ok=False, kind="error", body=(
                f"{shorten(attachment.filename, 100)} is over the {own_questions.MAX_FILE_BYTES // 1024} KB limit "
                "for a question file.")), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        reply = await own_questions.import_upload(self.clio, ctx, attachment.filename, await attachment.read())
        rendered = messages_for(reply)
        await interaction.edit_original_response(content=None, allowed_mentions=NO_PINGS,
                                                 **_send_kwargs(rendered[0], edit=True))
        for message in rendered[1:]:
            await interaction.followup.send(ephemeral=True, **_send_kwargs(message))

    async def on_message(self, message: discord.Message) -> None:
        """Typed answers in a channel with an open-mode quiz (only with the Message Content intent)."""
        if not self.settings.open_answers or message.author.bot or message.guild is None:
            return
        answer = await self.clio.door.answer(context_of(message.author, message.guild.id, message.channel.id),
                                             message.content)  # graded off the event loop, rate limited
        if answer is not None:
            for rendered in messages_for(answer):
                await message.reply(mention_author=False, **_send_kwargs(rendered))


# --- the command tree, generated from the core registry ----------------------------------------------------


def option_name(arg: str) -> str:
    """"TIME [TIMEZONE]" -> "time"; "YEAR[-YEAR]" -> "year": the first word of the documented argument."""
    return (re.findall(r"[A-Za-z]+", arg) or ["text"])[0].lower()


def _hint(spec: CommandSpec, form: Form) -> str:
    """The option's description: the documented argument and an example from the registry."""
    lead = f"/{spec.name} {form.word} " if form.word else f"/{spec.name} "
    example = next((e[len(lead):] for e in spec.examples if e.startswith(lead) and len(e) > len(lead)), "")
    return shorten(f"{form.arg}, e.g. {example}" if example else str(form.arg), DESCRIPTION_CHARS)


def _leaf(client: ClioDiscord, spec: CommandSpec, form: Form, name: str, description: str,
          top_level: bool) -> app_commands.Command[Any, Any, None]:
    """One slash command (or subcommand) for one form of a core command."""
    if form.arg is None:
        async def callback(interaction: discord.Interaction) -> None:
            await client.run_command(interaction, form.text(spec.name, None))
    elif form.required:
        async def callback(interaction: discord.Interaction, value: str) -> None:  # type: ignore[misc]
            await client.run_command(interaction, form.text(spec.name, value))
    else:
        async def callback(interaction: discord.Interaction, value: Optional[str] = None) -> None:  # type: ignore[misc]  # noqa: UP007
            await client.run_command(interaction, form.text(spec.name, value))
    if form.arg is not None:
        callback = app_commands.rename(value=option_name(form.arg))(callback)
        callback = app_commands.describe(value=_hint(spec, form))(callback)
    if form.admin:
        callback = app_commands.checks.has_permissions(manage_guild=True)(callback)
    if top_level:
        callback = app_commands.guild_only()(callback)
        if spec.admin:
            callback = app_commands.default_permissions(manage_guild=True)(callback)
    command = app_commands.Command(name=name, description=shorten(description, DESCRIPTION_CHARS), callback=callback)
    if spec.autocomplete and form.arg is not None:
        @command.autocomplete("value")
        async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            workspace = workspace_of(interaction.guild_id or f"dm-{interaction.user.id}")  # its packs' names
            names = await client.clio.door.run(
                lambda core: core.complete_for(workspace, spec.name, current, limit=MAX_CHOICES), write=False)
            return [app_commands.Choice(name=shorten(n, CHOICE_CHARS), value=shorten(n, CHOICE_CHARS))
                    for n in names[:MAX_CHOICES]]
    return command


def command_for(client: ClioDiscord, spec: CommandSpec) -> app_commands.Command[Any, Any, None] | app_commands.Group:
    """/who NAME -> a command with one option; /schedule set|show|off -> a group of subcommands."""
    forms = spec.forms()
    if len(forms) == 1 and forms[0].word is None:
        return _leaf(client, spec, forms[0], spec.name, spec.summary, top_level=True)
    group = app_commands.Group(name=spec.name, description=shorten(spec.summary, DESCRIPTION_CHARS), guild_only=True,
                               allowed_contexts=app_commands.AppCommandContext(guild=True),
                               default_permissions=MANAGE_SERVER if spec.admin else None)
    for form in forms:
        usage = f"/{spec.name} {form.word or ''} {form.arg or ''}".replace("  ", " ").strip()
        group.add_command(_leaf(client, spec, form, form.word or "show", usage, top_level=False))
    return group


def build_tree(client: ClioDiscord) -> app_commands.CommandTree[Any]:
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    for spec in REGISTRY.values():
        tree.add_command(command_for(client, spec))
    quiz = tree.get_command("quiz")
    if isinstance(quiz, app_commands.Group) and quiz.get_command("import") is not None:
        quiz.remove_command("import")  # the registry's "import FILE" takes an attachment here, not text

        @app_commands.describe(file="questions: YAML as in the pack, a Kahoot spreadsheet as CSV, or a Quizlet export")
        @app_commands.checks.has_permissions(manage_guild=True)
        async def import_questions(interaction: discord.Interaction, file: discord.Attachment) -> None:
            await client.import_questions(interaction, file)

        quiz.add_command(app_commands.Command(name="import", description="/quiz import FILE: add this server's own "
                                              "quiz questions from a file", callback=import_questions))

    @tree.command(name="ingest", description="Add a reading (.txt .md .html .epub .pdf) to this server's index")
    @app_commands.describe(reading="the file to index", title="its title (default: from the file)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def ingest(interaction: discord.Interaction, reading: discord.Attachment, title: Optional[str] = None) -> None:  # noqa: UP007
        await client.ingest(interaction, reading, title)

    @tree.error
    async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if isinstance(error, app_commands.MissingPermissions):
            text = "That is for members with the Manage Server permission."
        elif isinstance(error, app_commands.NoPrivateMessage):
            text = "Use Clio in a server channel."
        else:
            log.error("discord command failed: %s", type(getattr(error, "original", error)).__name__,
                      exc_info=getattr(error, "original", error))
            text = "Sorry, something went wrong on my side. It has been logged; please try again."
        await client.respond(interaction, Reply(ok=False, kind="error", body=text), ephemeral=True)

    return tree


async def run(clio: Clio, env: dict[str, str] | None = None) -> int:
    """`clio discord`: log in with DISCORD_TOKEN and serve until stopped."""
    settings = settings_from_env(env)
    client = ClioDiscord(clio, settings)
    try:
        async with client:
            await client.start(settings.token)
    except discord.LoginFailure:
        raise DiscordConfigError("Discord rejected DISCORD_TOKEN: reset the bot token in the developer portal "
                                 "and set it again") from None
    except discord.PrivilegedIntentsRequired:
        raise DiscordConfigError("CLIO_DISCORD_OPEN_ANSWERS needs the Message Content intent: enable it on the "
                                 "bot's page in the developer portal, or unset CLIO_DISCORD_OPEN_ANSWERS") from None
    return 0
