"""A local Discord for the adapter tests: its REST API and gateway on one loopback aiohttp server.

The real discord.py client talks to it after two class attributes are pointed here (discord.http.Route.BASE
and the gateway URL, which AutoShardedClient reads from GET /gateway/bot). The fake answers login, HELLO,
IDENTIFY -> READY + GUILD_CREATE (of several guilds if asked, each shard given those Discord routes to it:
(guild_id >> 22) % shard count), heartbeats, command sync, interaction callbacks, followups, edits and channel
messages; it records every REST call and refuses, as Discord does, what Discord refuses, so a test can prove
Clio never sends one: a body that breaks the schema of its route in Discord's OpenAPI description or a rule
the schema leaves out (400, code 50035; see tests/discord_spec.py), a second response to one interaction
(400, 40060), a first response after 3 seconds (404, 10062), a followup or edit 15 minutes after the
interaction (401, 50027), and an edit of a message that does not exist (404, 10008). Deadlines run on
`FakeDiscord.clock`, a clock that moves only when a test moves it (`fake.clock.now += 3.1`): the suite times
nothing, so a loaded machine never makes a test fail, and a test checks a deadline without sleeping."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from tests.discord_spec import LimitError, check_choices, check_commands, check_message, check_uploads, load_spec

__all__ = ["LimitError", "check_choices", "check_commands", "check_message", "check_uploads"]  # for the tests

APP_ID = "700000000000000001"
BOT_ID = "700000000000000002"
GUILD_ID = "800000000000000001"
CHANNEL_ID = "800000000000000010"
OTHER_CHANNEL_ID = "800000000000000011"
MEMBER_ID = "900000000000000001"
ADMIN_ID = "900000000000000002"
OWNER_ID = "900000000000000003"
MOD_ROLE_ID = "800000000000000100"
EVERYONE_PERMS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 31)  # view, send, embed, history, use commands
MANAGE_GUILD = 1 << 5
NOW = "2026-11-23T12:00:00.000000+00:00"
FIRST_RESPONSE_SECONDS = 3  # an interaction must be answered (or deferred) within 3 seconds
TOKEN_SECONDS = 15 * 60  # its token then takes followups and edits for 15 minutes


def user(uid: str, name: str, bot: bool = False) -> dict[str, Any]:
    return {"id": uid, "username": name, "discriminator": "0", "global_name": name, "avatar": None, "bot": bot,
            "public_flags": 0}


BOT_USER = user(BOT_ID, "Clio", bot=True)
USERS = {MEMBER_ID: user(MEMBER_ID, "Masha"), ADMIN_ID: user(ADMIN_ID, "Teacher"), OWNER_ID: user(OWNER_ID, "Owner")}


def member(uid: str) -> dict[str, Any]:
    roles = [MOD_ROLE_ID] if uid == ADMIN_ID else []
    known = BOT_USER if uid == BOT_ID else USERS.get(uid) or user(uid, f"member-{uid[-6:]}")
    return {"user": known, "roles": roles, "joined_at": NOW, "deaf": False, "mute": False,
            "flags": 0, "nick": None, "avatar": None, "pending": False}


def channel(cid: str, guild_id: str = GUILD_ID) -> dict[str, Any]:
    return {"id": cid, "type": 0, "guild_id": guild_id, "name": f"history-{cid[-2:]}", "position": 0,
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None, "last_message_id": None,
            "rate_limit_per_user": 0, "flags": 0}


def channels_of(guild_id: str) -> tuple[str, str]:
    """A guild's two text channels: GUILD_ID's are CHANNEL_ID and OTHER_CHANNEL_ID."""
    return str(int(guild_id) + 9), str(int(guild_id) + 10)


def shard_of(guild_id: str, shard_count: int) -> int:
    """The shard Discord sends a guild's events to."""
    return (int(guild_id) >> 22) % shard_count


def guild(guild_id: str = GUILD_ID) -> dict[str, Any]:
    role = {"hoist": False, "managed": False, "mentionable": False, "flags": 0, "color": 0, "icon": None,
            "unicode_emoji": None, "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None}}
    return {"id": guild_id, "name": "Reading group", "owner_id": OWNER_ID, "icon": None, "splash": None,
            "discovery_splash": None, "banner": None, "description": None, "features": [], "emojis": [],
            "stickers": [], "roles": [{**role, "id": guild_id, "name": "@everyone", "permissions": str(EVERYONE_PERMS),
                                       "position": 0},
                                      {**role, "id": MOD_ROLE_ID, "name": "Mods",
                                       "permissions": str(EVERYONE_PERMS | MANAGE_GUILD), "position": 1}],
            "channels": [channel(c, guild_id) for c in channels_of(guild_id)], "threads": [], "voice_states": [],
            "presences": [], "members": [member(BOT_ID), member(MEMBER_ID), member(ADMIN_ID)], "member_count": 4,
            "large": False, "unavailable": False, "joined_at": NOW, "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0,
            "premium_tier": 0, "preferred_locale": "en-US", "system_channel_id": None, "system_channel_flags": 0,
            "rules_channel_id": None, "public_updates_channel_id": None, "afk_channel_id": None, "afk_timeout": 300,
            "vanity_url_code": None, "application_id": None, "max_members": 500000,
            "premium_progress_bar_enabled": False, "stage_instances": [], "guild_scheduled_events": [],
            "soundboard_sounds": [], "safety_alerts_channel_id": None, "incidents_data": None}


@dataclass(frozen=True)
class Upload:
    """A file a multipart request carried (files[N])."""

    filename: str
    data: bytes


@dataclass
class Call:
    method: str
    path: str
    body: Any
    uploads: dict[int, Upload] = field(default_factory=dict)  # files[N] of a multipart request
    at: float = field(default_factory=time.perf_counter)  # when the fake received it


class Clock:
    """The fake's time in seconds: still until a test moves it."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Interaction:
    """An interaction the fake sent: when, where, and what the bot has answered so far."""

    id: str
    token: str
    channel_id: str
    created: float
    message_id: str | None = None  # the message a clicked button is on
    response: int | None = None  # the callback type of the first (only) response
    original: str | None = None  # the id of the response's message, if it has one
    followups: set[str] = field(default_factory=set)


@dataclass
class FakeDiscord:
    """Discord on loopback. `calls` holds every REST call; `gone` holds channel ids that answer 404 10003."""

    calls: list[Call] = field(default_factory=list)
    identifies: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    forbidden: set[str] = field(default_factory=set)
    url: str = ""
    token: str = "fake-token-for-clio-tests-0000"
    _ids: Any = field(default_factory=lambda: itertools.count(1_000_000_000_000_000_000))
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _seq: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    clock: Callable[[], float] = field(default_factory=Clock)  # interaction deadlines; a test moves it
    interactions: dict[str, Interaction] = field(default_factory=dict)
    strict_schema: bool = True  # validate bodies against the OpenAPI description when it is there
    _uploads: dict[int, Upload] = field(default_factory=dict)  # the files of the request being answered
    bot_attaches: bool = True  # whether the bot has Attach Files in the channels (its invite asked for it)
    guilds: list[str] = field(default_factory=lambda: [GUILD_ID])  # the servers the bot is in
    _shards: dict[web.WebSocketResponse, tuple[int, int]] = field(default_factory=dict)  # socket -> [id, count]

    def next_id(self) -> str:
        return str(next(self._ids))

    def guild_of(self, cid: str) -> str:
        """The guild a channel id belongs to (GUILD_ID for a channel of no guild here)."""
        return next((g for g in self.guilds if str(cid) in channels_of(g)), GUILD_ID)

    def shards(self) -> list[tuple[int, int]]:
        """[shard id, shard count] of each open gateway connection."""
        return [shard for ws, shard in self._shards.items() if not ws.closed]

    # --- server ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_get("/gateway", self.gateway)
        app.router.add_get("/attachments/{name}", self.attachment)
        app.router.add_route("*", "/api/v10/{path:.*}", self.rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    @staticmethod
    def json(data: Any, status: int = 200) -> web.Response:
        # discord.py parses a body as JSON only when Content-Type is exactly application/json
        return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})

    def error(self, status: int, code: int, message: str) -> web.Response:
        return self.json({"code": code, "message": message}, status)

    # --- gateway --------------------------------------------------------------------------------------

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            if frame["op"] == 1:
                await ws.send_json({"op": 11})
            elif frame["op"] == 2:
                self.identifies.append(frame["d"])
                shard = frame["d"].get("shard", [0, 1])
                mine = [g for g in self.guilds if shard_of(g, shard[1]) == shard[0]]
                await self._send(ws, "READY", {
                    "v": 10, "user": BOT_USER, "guilds": [{"id": g, "unavailable": True} for g in mine],
                    "session_id": "session-1", "resume_gateway_url": self.url.replace("http", "ws") + "/gateway",
                    "application": {"id": APP_ID, "flags": 0}, "shard": shard, "private_channels": [],
                    "relationships": [], "presences": []})
                for g in mine:
                    await self._send(ws, "GUILD_CREATE", guild(g))
                self._shards[ws] = (shard[0], shard[1])
                self.changed.set()
        return ws

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        await ws.send_json({"op": 0, "t": event, "s": next(self._seq), "d": data})

    async def dispatch(self, event: str, data: dict[str, Any], shard: int | None = None) -> None:
        """Send an event to the connection of the shard its guild belongs to (every connection, for an event
        of no guild); `shard` sends it to that shard's connection instead, as when a guild moves to another
        shard (Discord reshards a growing bot)."""
        for ws in self._sockets:
            if ws.closed:
                continue
            sid, count = self._shards.get(ws, (0, 1))
            wanted = shard if shard is not None else shard_of(data["guild_id"], count) if "guild_id" in data else sid
            if sid == wanted:
                await self._send(ws, event, data)

    # --- interactions a test sends ---------------------------------------------------------------------

    def interaction(self, itype: int, data: dict[str, Any], *, user_id: str = MEMBER_ID,
                    channel_id: str = CHANNEL_ID, message: dict[str, Any] | None = None) -> dict[str, Any]:
        perms = EVERYONE_PERMS | (MANAGE_GUILD if user_id == ADMIN_ID else 0)
        gid = self.guild_of(channel_id)
        payload = {"id": self.next_id(), "application_id": APP_ID, "type": itype, "token": f"tok-{self.next_id()}",
                   "version": 1, "guild_id": gid, "channel_id": channel_id, "channel": channel(channel_id, gid),
                   "member": {**member(user_id), "permissions": str(perms)}, "data": data,
                   "app_permissions": str(EVERYONE_PERMS), "locale": "en-GB", "guild_locale": "en-US",
                   "entitlements": [], "authorizing_integration_owners": {"0": gid}, "context": 0,
                   "attachment_size_limit": 26214400}
        if message is not None:
            payload["message"] = message
        self.interactions[payload["id"]] = Interaction(payload["id"], payload["token"], channel_id, self.clock(),
                                                       message_id=str(message["id"]) if message else None)
        return payload

    async def slash(self, name: str, options: list[dict[str, Any]] | None = None, shard: int | None = None,
                    **kw: Any) -> dict[str, Any]:
        payload = self.interaction(2, {"id": self.next_id(), "name": name, "type": 1, "options": options or [],
                                       **({"resolved": kw.pop("resolved")} if "resolved" in kw else {})}, **kw)
        await self.dispatch("INTERACTION_CREATE", payload, shard)
        return payload

    async def autocomplete(self, name: str, option: str, typed: str) -> dict[str, Any]:
        payload = self.interaction(4, {"id": self.next_id(), "name": name, "type": 1,
                                       "options": [{"type": 3, "name": option, "value": typed, "focused": True}]})
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def click(self, message: dict[str, Any], custom_id: str, shard: int | None = None,
                    **kw: Any) -> dict[str, Any]:
        payload = self.interaction(3, {"custom_id": custom_id, "component_type": 2}, message=message, **kw)
        await self.dispatch("INTERACTION_CREATE", payload, shard)
        return payload

    # --- REST -----------------------------------------------------------------------------------------

    async def attachment(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    async def rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body: Any = None
        uploads: dict[int, Upload] = {}
        problem = ""
        if request.content_type == "application/json":
            body = await request.json()
        elif request.content_type == "multipart/form-data":
            body, uploads, problem = await self._multipart(request)
        elif request.can_read_body:
            problem = f"a body of type {request.content_type!r}"
        self.calls.append(Call(request.method, path, body, uploads))
        self.changed.set()
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bot ") and auth != f"Bot {self.token}":
            return self.error(401, 0, "401: Unauthorized")
        try:
            if problem:
                raise LimitError(problem)
            self.check_body(request.method, path, body)
            if uploads or request.content_type == "multipart/form-data":
                too_big = check_uploads(path, body, uploads)
                if too_big:
                    return self.error(413, 40005, f"Request entity too large: {too_big}")
            self._uploads = uploads
            return await self._answer(request.method, path, body, dict(request.query))
        except LimitError as e:
            return self.error(400, 50035, f"Invalid Form Body: {e}")
        finally:
            self._uploads = {}

    async def _multipart(self, request: web.Request) -> tuple[Any, dict[int, Upload], str]:
        """A multipart/form-data body as Discord reads one: one `payload_json` part (the JSON body) and file parts
        named files[0]..files[9], each with a file name. Anything else is refused (the third value says why)."""
        body: Any = None
        uploads: dict[int, Upload] = {}
        seen: set[str] = set()
        reader = await request.multipart()
        async for part in reader:
            name = part.name or ""  # type: ignore[union-attr]
            if name in seen:
                return body, uploads, f"the form has two parts named {name!r}"
            seen.add(name)
            if name == "payload_json":
                try:
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                except ValueError:
                    return body, uploads, "payload_json is not JSON"
                continue
            m = re.fullmatch(r"files\[(\d)\]", name)
            if m is None:
                return body, uploads, f"a form part named {name!r} (payload_json and files[0]..files[9] only)"
            filename = part.filename  # type: ignore[union-attr]
            if not filename:
                return body, uploads, f"{name} has no file name"
            uploads[int(m.group(1))] = Upload(filename, await part.read())  # type: ignore[union-attr]
        if body is None:
            return body, uploads, "a multipart body without payload_json"
        if not isinstance(body, dict):
            return body, uploads, "payload_json is not a JSON object"
        return body, uploads, ""

    def check_body(self, method: str, path: str, body: Any) -> None:
        """Refuse, as Discord does, a body its route's schema or the documented rules refuse."""
        if body is None:
            return
        spec = load_spec() if self.strict_schema else None
        if spec is not None:
            errors = spec.errors(method, path, body)
            if errors:
                raise LimitError("; ".join(errors[:3]))
        parts = path.strip("/").split("/")
        if parts[0] == "applications" and parts[-1] == "commands" and method in ("PUT", "POST"):
            check_commands(body)
        elif parts[0] == "applications" and len(parts) >= 2 and parts[-2] == "commands" and method == "PATCH":
            check_commands(body)

    async def _answer(self, method: str, path: str, body: Any, query: dict[str, str] | None = None) -> web.Response:
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            return self.json(BOT_USER)
        if path == "/oauth2/applications/@me":
            return self.json({"id": APP_ID, "name": "Clio", "icon": None, "description": "", "bot_public": True,
                              "bot_require_code_grant": False, "owner": USERS[OWNER_ID], "verify_key": "k",
                              "team": None, "flags": 0, "summary": ""})
        if path == "/gateway/bot":
            return self.json({"url": self.url.replace("http", "ws") + "/gateway", "shards": 1,
                              "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0,
                                                      "max_concurrency": 1}})
        if parts[0] == "applications" and parts[-1] == "commands" and method == "PUT":
            return self.json([{**c, "id": self.next_id(), "application_id": APP_ID, "version": "1",
                               "default_member_permissions": c.get("default_member_permissions")} for c in body])
        if parts[0] == "interactions" and parts[-1] == "callback":
            return self._callback(parts[1], parts[2], body)
        if parts[0] == "webhooks":
            return self._webhook(method, parts, body or {})
        if parts[0] == "channels":
            cid = parts[1]
            if cid in self.gone:
                return self.error(404, 10003, "Unknown Channel")
            if cid in self.forbidden:
                return self.error(403, 50013, "Missing Permissions")
            if len(parts) == 2 and method == "GET":
                return self.json(channel(cid, self.guild_of(cid)))
            if len(parts) == 3 and parts[2] == "messages" and method == "GET":  # the channel's history, newest first
                mine = [m for m in reversed(list(self.messages.values())) if str(m["channel_id"]) == cid]
                return self.json(mine[:int((query or {}).get("limit", 50))])
            if len(parts) == 3 and parts[2] == "messages" and method == "POST":
                if self._uploads and not self.bot_attaches:  # a channel message with files needs Attach Files
                    return self.error(403, 50013, "Missing Permissions")
                check_message(body)
                return self.json(self._message(cid, body))
            if len(parts) == 4 and parts[2] == "messages" and method == "PATCH":
                old = self.messages.get(parts[3])
                if old is None or str(old["channel_id"]) != cid:
                    return self.error(404, 10008, "Unknown Message")
                check_message(body)
                return self.json(self._message(cid, {**old, **body}, mid=parts[3]))
        return self.error(404, 0, f"no route {method} {path} in the fake")

    def _callback(self, iid: str, token: str, body: dict[str, Any]) -> web.Response:
        """POST /interactions/{id}/{token}/callback: the one response, within 3 seconds."""
        it = self.interactions.get(iid)
        if it is None or it.token != token or self.clock() - it.created > FIRST_RESPONSE_SECONDS:
            return self.error(404, 10062, "Unknown interaction")
        if it.response is not None:
            return self.error(400, 40060, "Interaction has already been acknowledged.")
        rtype = body["type"]
        data = body.get("data") or {}
        if rtype == 8:
            check_choices(data.get("choices", []))
        if rtype in (4, 7):
            check_message(data)
        if rtype in (6, 7) and (it.message_id is None or it.message_id not in self.messages):
            return self.error(400, 50035, "Invalid Form Body: a message update for an interaction without a message")
        it.response = rtype
        out: dict[str, Any] = {"interaction": {"id": iid, "type": 2}}
        if rtype == 4:
            msg = self._message(it.channel_id, data)
            it.original = msg["id"]
            out["resource"] = {"type": rtype, "message": msg}
        elif rtype == 5:  # "Clio is thinking...": a message the bot edits later
            it.original = self._message(it.channel_id, {"flags": data.get("flags")})["id"]
            out["resource"] = {"type": rtype}
        elif rtype in (6, 7):
            it.original = it.message_id
            if rtype == 7:
                old = self.messages[it.message_id]  # type: ignore[index]
                out["resource"] = {"type": rtype, "message": self._message(it.channel_id, {**old, **data},
                                                                           mid=it.message_id)}
        return self.json(out)

    def _webhook(self, method: str, parts: list[str], body: dict[str, Any]) -> web.Response:
        """An interaction's webhook: followups and edits, after the first response and for 15 minutes."""
        it = next((i for i in self.interactions.values() if len(parts) > 2 and i.token == parts[2]), None)
        if it is None or parts[1] != APP_ID or it.response is None or it.response == 8:
            return self.error(404, 10015, "Unknown Webhook")
        if self.clock() - it.created > TOKEN_SECONDS:
            return self.error(401, 50027, "Invalid Webhook Token")
        if len(parts) == 3 and method == "POST":  # a followup
            check_message(body)
            msg = self._message(it.channel_id, body, webhook=parts[1])
            it.followups.add(msg["id"])
            return self.json(msg)
        if len(parts) == 5 and parts[3] == "messages":
            mid = it.original if parts[4] == "@original" else parts[4]
            if mid is None or mid not in self.messages or (mid != it.original and mid not in it.followups):
                return self.error(404, 10008, "Unknown Message")
            if method == "GET":
                return self.json(self.messages[mid])
            if method == "PATCH":
                check_message(body)
                return self.json(self._message(it.channel_id, {**self.messages[mid], **body}, mid=mid))
            if method == "DELETE":
                del self.messages[mid]
                return web.Response(status=204)
        return self.error(404, 0, f"no route {method} /{'/'.join(parts)} in the fake")

    def _message(self, cid: str, data: dict[str, Any], mid: str | None = None,
                 webhook: str | None = None) -> dict[str, Any]:
        attachments = self._attachments(data, (self.messages.get(mid) or {}).get("attachments") or [])
        msg = {"id": mid or self.next_id(), "channel_id": cid, "guild_id": self.guild_of(cid), "author": BOT_USER,
               "content": data.get("content") or "", "embeds": _linked(data.get("embeds") or [], attachments),
               "components": data.get("components") or [], "attachments": attachments, "mentions": [], "mention_roles": [],
               "mention_everyone": False, "pinned": False, "tts": False, "timestamp": NOW, "edited_timestamp": None,
               "type": 0, "flags": data.get("flags") or 0, **({"webhook_id": webhook} if webhook else {}),
               "application_id": APP_ID}
        self.messages[msg["id"]] = msg
        return msg

    def _attachments(self, data: dict[str, Any], kept: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A message's attachments after this request, as Discord stores them: the files uploaded with it (an
        `attachments` entry with id N describes files[N]) and, on an edit, the old ones it names by id; an edit
        without `attachments` keeps the old ones."""
        if "attachments" not in data and not self._uploads:
            return kept
        entries = data.get("attachments")
        if entries is None:
            entries = [{"id": str(n)} for n in sorted(self._uploads)]
        old = {a["id"]: a for a in kept}
        out = []
        for entry in entries:
            ident = str(entry["id"])
            if ident in old:
                out.append(old[ident])
                continue
            upload = self._uploads[int(ident)]
            aid = self.next_id()
            key = f"{aid}-{upload.filename}"
            self.files[key] = upload.data
            out.append({"id": aid, "filename": upload.filename, "size": len(upload.data),
                        "url": f"{self.url}/attachments/{key}", "proxy_url": f"{self.url}/attachments/{key}",
                        "content_type": _content_type(upload.data),
                        **({"description": entry["description"]} if entry.get("description") else {})})
        return out

    # --- what tests read ------------------------------------------------------------------------------

    def sent(self) -> list[Call]:
        """Every call that puts a message in front of people."""
        return [c for c in self.calls if c.method in ("POST", "PATCH") and isinstance(c.body, dict)
                and (c.path.endswith("/callback") or c.path.startswith(("/webhooks/", "/channels/")))]

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> Call:
        """The first recorded call matching `predicate`, waiting for it to arrive."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for call in self.calls:
                if predicate(call):
                    return call
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no matching call; calls were: {[(c.method, c.path) for c in self.calls]}")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass


def _content_type(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG\r\n\x1a\n") else "application/octet-stream"


def _linked(embeds: list[dict[str, Any]], attachments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Embeds as Discord stores them: an attachment://NAME image points at that attachment's URL."""
    by_name = {a["filename"]: a for a in attachments}
    out = []
    for e in embeds:
        e = dict(e)
        for key in ("image", "thumbnail"):
            url = (e.get(key) or {}).get("url") or ""
            if url.startswith("attachment://") and url[len("attachment://"):] in by_name:
                found = by_name[url[len("attachment://"):]]
                e[key] = {"url": found["url"], "proxy_url": found["proxy_url"]}
        out.append(e)
    return out
