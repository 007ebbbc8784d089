"""What Discord refuses in a request body, for the fake Discord (tests/fake_discord.py).

Two layers. The schema layer validates a body against the JSON schema of its route and method in Discord's
official OpenAPI description (`../shared/specs/discord-openapi.json` beside the project; jsonschema, Draft
2020-12, its `#/components/...` references resolved inside the file). The hand layer checks what that
schema leaves out (the spec's README): command and option names, descriptions of 1-100 characters, required
options before optional ones, unique custom_ids within a message, and an embed message of at most 6,000
characters. When the spec file is absent only the hand layer runs; `SPEC_MISSING` says why for a skip."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "specs" / "discord-openapi.json"
SPEC_MISSING = "Discord's OpenAPI description (shared/specs/discord-openapi.json beside the project) is absent"
SPEC_URI = "urn:discord-openapi"


class LimitError(Exception):
    """A body Discord would refuse (400, code 50035 Invalid Form Body)."""


# --- the schema layer ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    pointer: str  # JSON pointer of the request body's application/json schema


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


class DiscordSpec:
    """The routes of the OpenAPI description that take a JSON body, each with its validator."""

    def __init__(self, doc: dict[str, Any]):
        import referencing
        from referencing.jsonschema import DRAFT202012

        self.registry = referencing.Registry().with_resource(
            SPEC_URI, referencing.Resource.from_contents(doc, default_specification=DRAFT202012))
        self.routes: list[Route] = []
        for template, item in doc["paths"].items():
            # a literal segment ("@original", "bulk-delete") wins over a parameter: more literal characters first
            regex = "^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template)) + "$"
            for method, op in item.items():
                content = (op.get("requestBody") or {}).get("content", {}) if isinstance(op, dict) else {}
                if "application/json" not in content:
                    continue
                pointer = "/".join(["#", "paths", _escape(template), method, "requestBody", "content",
                                    _escape("application/json"), "schema"])
                self.routes.append(Route(method.upper(), template, re.compile(regex), pointer))
        self.routes.sort(key=lambda r: -len(re.sub(r"\{[a-z_]+\}", "", r.template)))
        self._validators: dict[str, Any] = {}
        # a body validated once on a route gets the same answer again: remembered, so a load test sending the
        # same card thousands of times does not spend its event loop in jsonschema (a card's buttons are costly)
        self._seen: dict[tuple[str, str], list[str]] = {}

    def route(self, method: str, path: str) -> Route | None:
        return next((r for r in self.routes if r.method == method and r.pattern.match(path)), None)

    def validator(self, route: Route) -> Any:
        from jsonschema import Draft202012Validator

        if route.pointer not in self._validators:
            self._validators[route.pointer] = Draft202012Validator({"$ref": SPEC_URI + route.pointer},
                                                                   registry=self.registry)
        return self._validators[route.pointer]

    def errors(self, method: str, path: str, body: Any) -> list[str]:
        """Why Discord's schema refuses `body` on METHOD path ([] when it accepts it, or the route is not in it)."""
        route = self.route(method, path)
        if route is None:
            return []
        key = (route.pointer, json.dumps(body, sort_keys=True, default=str))
        if key not in self._seen:
            if len(self._seen) >= 4096:
                self._seen.clear()
            self._seen[key] = [_explain(e) for e in self.validator(route).iter_errors(body)]
        return list(self._seen[key])


def _explain(error: Any) -> str:
    """The deepest reason under an anyOf/oneOf (which body kind was meant), with where in the body it is."""
    from jsonschema.exceptions import best_match

    if error.context:
        error = best_match(error.context)
    where = ".".join(str(p) for p in error.absolute_path) or "(body)"
    return f"{where}: {error.message[:300]}"


@functools.cache
def load_spec(path: Path = SPEC_PATH) -> DiscordSpec | None:
    """The spec's routes, or None when the file is absent (the fake then keeps to its hand checks)."""
    if not path.is_file():
        return None
    return DiscordSpec(json.loads(path.read_text(encoding="utf-8")))


# --- the hand layer: what the schema leaves out -------------------------------------------------------------

NAME_CHARS = 32
DESCRIPTION_CHARS = (1, 100)
CHOICES = 25
OPTIONS = 25


def _name_char(ch: str) -> bool:
    """`[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]`: a letter, a number, - or _, or a Devanagari or Thai sign."""
    cp = ord(ch)
    return (ch in "-_" or unicodedata.category(ch)[0] in "LN" or 0x0900 <= cp <= 0x097F or 0xA8E0 <= cp <= 0xA8FF
            or 0x0E00 <= cp <= 0x0E7F)


def check_name(name: Any, what: str) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= NAME_CHARS or not all(map(_name_char, name)):
        raise LimitError(f"{what} name {name!r} does not match ^[-_\\p{{L}}\\p{{N}}...]{{1,32}}$")
    if name != name.lower():
        raise LimitError(f"{what} name {name!r} is not lower case")


def check_description(desc: Any, what: str) -> None:
    if not isinstance(desc, str) or not DESCRIPTION_CHARS[0] <= len(desc) <= DESCRIPTION_CHARS[1]:
        size = len(desc) if isinstance(desc, str) else desc
        raise LimitError(f"{what} description must be 1-100 characters (is {size})")


def check_options(options: list[dict[str, Any]], where: str) -> None:
    if len(options) > OPTIONS:
        raise LimitError(f"{where}: {len(options)} options (at most 25)")
    seen_optional = False
    names: set[str] = set()
    for opt in options:
        label = f"{where} option {opt.get('name')!r}"
        check_name(opt.get("name"), label)
        check_description(opt.get("description"), label)
        if opt["name"] in names:
            raise LimitError(f"{label} appears twice")
        names.add(opt["name"])
        if opt.get("type") in (1, 2):  # a subcommand or group: its own options, in their own order
            check_options(opt.get("options") or [], label)
            continue
        if opt.get("required"):
            if seen_optional:
                raise LimitError(f"{label}: required options must come before optional ones")
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if len(choices) > CHOICES:
            raise LimitError(f"{label}: {len(choices)} choices (at most 25)")
        check_choices(choices)


def check_command(cmd: dict[str, Any]) -> None:
    """One application command as sent to PUT/POST .../commands."""
    kind = cmd.get("type") or 1
    if kind == 1:
        check_name(cmd.get("name"), "command")
        check_description(cmd.get("description"), f"command {cmd.get('name')!r}")
        check_options(cmd.get("options") or [], f"command {cmd['name']!r}")
    elif cmd.get("description"):
        raise LimitError("a user or message command must have an empty description")


def check_commands(body: Any) -> None:
    cmds = body if isinstance(body, list) else [body]
    names = [(c.get("type") or 1, c.get("name")) for c in cmds if isinstance(c, dict)]
    if len(names) != len(set(names)):
        raise LimitError("two commands of one type share a name")
    for c in cmds:
        if isinstance(c, dict):
            check_command(c)


def check_choices(choices: list[dict[str, Any]]) -> None:
    if len(choices) > CHOICES:
        raise LimitError(f"{len(choices)} autocomplete choices (at most 25)")
    for c in choices:
        if not 1 <= len(c["name"]) <= 100 or not 1 <= len(str(c["value"])) <= 100:
            raise LimitError("choice name or value not 1-100 characters")


def custom_ids(components: list[dict[str, Any]]) -> list[str]:
    """Every custom_id in a message's components, rows and containers included."""
    out: list[str] = []
    for c in components or []:
        if not isinstance(c, dict):
            continue
        if c.get("custom_id") is not None:
            out.append(c["custom_id"])
        out += custom_ids(c.get("components") or [])
        if isinstance(c.get("accessory"), dict):
            out += custom_ids([c["accessory"]])
        if isinstance(c.get("component"), dict):
            out += custom_ids([c["component"]])
    return out


def check_message(data: dict[str, Any]) -> None:
    """Discord's message limits: content 2,000; 10 embeds of at most 6,000 characters in all, title 256,
    description 4,096, 25 fields of name 256 and value 1,024, footer 2,048, author name 256; 5 rows of 5
    buttons, label 80, custom_id 100 and unique within the message."""
    if len(data.get("content") or "") > 2000:
        raise LimitError("content over 2000")
    embeds = data.get("embeds") or []
    if len(embeds) > 10:
        raise LimitError("more than 10 embeds")
    total = 0
    for e in embeds:
        title, desc = e.get("title") or "", e.get("description") or ""
        footer = (e.get("footer") or {}).get("text") or ""
        author = (e.get("author") or {}).get("name") or ""
        fields = e.get("fields") or []
        if len(title) > 256 or len(desc) > 4096 or len(footer) > 2048 or len(author) > 256 or len(fields) > 25:
            raise LimitError("embed title/description/footer/author/fields over the limit")
        for f in fields:
            if not f.get("name") or not f.get("value") or len(f["name"]) > 256 or len(f["value"]) > 1024:
                raise LimitError("embed field name or value empty or over the limit")
        total += len(title) + len(desc) + len(footer) + len(author)
        total += sum(len(f["name"]) + len(f["value"]) for f in fields)
    if total > 6000:
        raise LimitError(f"embeds total {total} characters (at most 6000)")
    rows = data.get("components") or []
    if len(rows) > 5:
        raise LimitError("more than 5 component rows")
    for row in rows:
        for b in row.get("components", []):
            if len(b.get("custom_id") or "") > 100 or len(b.get("label") or "") > 80:
                raise LimitError("button custom_id or label over the limit")
    ids = custom_ids(rows)
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise LimitError(f"custom_id {dup[0]!r} appears twice in one message (must be unique)")


# --- files sent with a message (multipart/form-data) ------------------------------------------------------

UPLOAD_BYTES = 10 * 2**20  # per file, on a server without boosts
UPLOADS = 10


def check_uploads(path: str, body: dict[str, Any], uploads: dict[int, Any]) -> str:
    """Discord's rules for the files of a multipart request (`uploads`: N -> Upload(filename, data) for files[N];
    the schema layer has checked payload_json): at most 10 files; each `attachments` entry naming a new file
    (id N) has its files[N], with the same file name, and every file has its entry; an embed image
    attachment://NAME names one of them. Raises LimitError (400) for those; returns why the request is too
    large (413), or "" when it is not."""
    data = body.get("data") if path.endswith("/callback") and isinstance(body.get("data"), dict) else body
    if path.endswith("/callback") and uploads and body.get("type") not in (4, 7):
        raise LimitError(f"files with an interaction response of type {body.get('type')}")
    if len(uploads) > UPLOADS:
        raise LimitError(f"{len(uploads)} files (at most {UPLOADS})")
    entries = data.get("attachments") or []
    new = {}
    for entry in entries:
        ident = str(entry.get("id"))
        if ident.isdigit() and int(ident) < UPLOADS:  # a file of this request, not a kept attachment
            if int(ident) not in uploads:
                raise LimitError(f"attachments: id {ident} names no files[{ident}] part")
            if entry.get("filename") not in (None, uploads[int(ident)].filename):
                raise LimitError(f"attachments: id {ident} is called {entry.get('filename')!r} but files[{ident}] "
                                 f"is {uploads[int(ident)].filename!r}")
            new[int(ident)] = entry
    missing = sorted(set(uploads) - set(new))
    if entries and missing:
        raise LimitError(f"files[{missing[0]}] has no entry in attachments")
    names = {u.filename for u in uploads.values()}
    for e in data.get("embeds") or []:
        for key in ("image", "thumbnail"):
            url = (e.get(key) or {}).get("url") or ""
            if url.startswith("attachment://") and url[len("attachment://"):] not in names:
                raise LimitError(f"embeds: {key} {url} names no file sent with the message")
    for n, upload in sorted(uploads.items()):
        if not upload.data:
            raise LimitError(f"files[{n}] is empty")
        if len(upload.data) > UPLOAD_BYTES:
            return f"files[{n}] is {len(upload.data):,} bytes (at most {UPLOAD_BYTES:,})"
    return ""
