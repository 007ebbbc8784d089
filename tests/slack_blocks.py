"""What Slack refuses in a message's blocks, for the fake Slack (tests/test_slack.py): each block parsed and
validated with slack_sdk's Block Kit models, then Slack's documented limits the models do not check."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

BLOCKS_PER_MESSAGE = 50
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
BLOCK_ID = 255
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
MESSAGE_TEXT = 40_000


def _text(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


def _element_problems(where: str, raw: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if raw.get("type") == "button":
        if not 1 <= len(_text(raw.get("text"))) <= BUTTON_TEXT:
            out.append(f"{where}: button text must be 1-{BUTTON_TEXT} characters")
        if len(raw.get("value") or "") > BUTTON_VALUE:
            out.append(f"{where}: button value over {BUTTON_VALUE} characters")
    if len(raw.get("action_id") or "") > ACTION_ID:
        out.append(f"{where}: action_id over {ACTION_ID} characters")
    return out


def block_problems(index: int, raw: Any) -> list[str]:
    """Why Slack refuses one block ([] when it takes it)."""
    where = f"blocks[{index}]"
    if not isinstance(raw, dict):
        return [f"{where}: not an object"]
    block = Block.parse(raw)
    if block is None:
        return [f"{where}: unknown block type {raw.get('type')!r}"]
    out: list[str] = []
    try:
        block.validate_json()
        for el in getattr(block, "elements", None) or []:
            if hasattr(el, "validate_json"):
                el.validate_json()
        for part in [getattr(block, "accessory", None), *(getattr(block, "fields", None) or [])]:
            if part is not None and hasattr(part, "validate_json"):
                part.validate_json()
        unknown = set(raw) - set(block.to_dict())
        if unknown:
            out.append(f"{where}: attributes Block Kit does not have: {sorted(unknown)}")
    except SlackObjectFormationError as e:
        out.append(f"{where} ({raw.get('type')}): {e}")
    kind = raw["type"]
    if len(raw.get("block_id") or "") > BLOCK_ID:
        out.append(f"{where}: block_id over {BLOCK_ID} characters")
    if kind == "section":
        if not raw.get("text") and not raw.get("fields"):
            out.append(f"{where}: a section needs text or fields")
        if len(_text(raw.get("text"))) > SECTION_TEXT:
            out.append(f"{where}: section text over {SECTION_TEXT} characters")
        fields = raw.get("fields") or []
        if len(fields) > SECTION_FIELDS or any(len(_text(f)) > FIELD_TEXT for f in fields):
            out.append(f"{where}: over {SECTION_FIELDS} fields or a field over {FIELD_TEXT} characters")
        if isinstance(raw.get("accessory"), dict):
            out += _element_problems(f"{where}.accessory", raw["accessory"])
    elif kind == "header":
        if not 1 <= len(_text(raw.get("text"))) <= HEADER_TEXT:
            out.append(f"{where}: header text must be 1-{HEADER_TEXT} characters")
    elif kind == "actions":
        elements = raw.get("elements") or []
        if not 1 <= len(elements) <= ACTIONS_ELEMENTS:
            out.append(f"{where}: an actions block holds 1-{ACTIONS_ELEMENTS} elements")
        ids = [e.get("action_id") for e in elements if isinstance(e, dict) and e.get("action_id")]
        if len(ids) != len(set(ids)):
            out.append(f"{where}: action_ids must be unique within the block")
        for j, e in enumerate(elements):
            out += _element_problems(f"{where}.elements[{j}]", e) if isinstance(e, dict) else []
    elif kind == "context":
        if not 1 <= len(raw.get("elements") or []) <= CONTEXT_ELEMENTS:
            out.append(f"{where}: a context block holds 1-{CONTEXT_ELEMENTS} elements")
    return out


def payload_problems(payload: dict[str, Any]) -> list[str]:
    """Why Slack refuses a chat.postMessage / chat.update / response_url payload ([] when it takes it)."""
    out: list[str] = []
    if len(payload.get("text") or "") > MESSAGE_TEXT:
        out.append(f"text over {MESSAGE_TEXT} characters")
    blocks = payload.get("blocks")
    if blocks is None:
        return out
    if isinstance(blocks, str):  # form-encoded calls carry the blocks as a JSON string
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return [*out, "blocks is not JSON"]
    if not isinstance(blocks, list):
        return [*out, "blocks is not a list"]
    if len(blocks) > BLOCKS_PER_MESSAGE:
        out.append(f"{len(blocks)} blocks (at most {BLOCKS_PER_MESSAGE})")
    ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
    if len(ids) != len(set(ids)):
        out.append("block_ids must be unique within the message")
    for i, raw in enumerate(blocks):
        out += block_problems(i, raw)
    return out
