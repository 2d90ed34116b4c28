"""Validate Messaging API requests against LINE's official OpenAPI spec, plus the limits the spec omits.

The spec (vendored in `spec/`) is OpenAPI 3.0: polymorphic objects (Message, Action, FlexComponent, ...) are a
parent with a `discriminator` on `type` whose children `allOf` the parent. Translated literally to JSON Schema
that recursion never ends and an error in one message would be reported against every possible subtype, so the
parent becomes a dispatcher: `type` must be one of the mapping's keys, and `if type == k then <child>`, with
the children including the parent *without* its discriminator. Errors then point at the exact property.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

SPEC_PACKAGE = "madoguchi.bot.fake_line.spec"

# Limits from LINE's documentation that the OpenAPI spec does not carry (see README).
MAX_MESSAGES = 5
MAX_TEXT_UTF16 = 5000
MAX_QUICK_REPLY_ITEMS = 13
MAX_ACTION_LABEL = 20
# Buttons inside Flex messages may carry longer labels than quick replies and templates.
MAX_FLEX_ACTION_LABEL = 40
MAX_POSTBACK_DATA = 300
MAX_FLEX_ALT_TEXT = 1500
MAX_TEMPLATE_ALT_TEXT = 400
MAX_BUBBLE_BYTES = 30 * 1024
MAX_CAROUSEL_BUBBLES = 12
MAX_CAROUSEL_BYTES = 50 * 1024
MAX_REQUEST_BYTES = 2 * 1024 * 1024

_SKIP_KEYS = {"discriminator", "externalDocs", "example", "examples", "nullable", "xml", "readOnly", "writeOnly"}
_TO_PATTERN = re.compile(r"^[UCR][0-9a-f]{32}$")


@dataclass(frozen=True)
class Problem:
    """One reason a request is invalid, shaped like an item of LINE's `details`."""

    message: str
    property: str

    def as_detail(self) -> dict[str, str]:
        return {"message": self.message, "property": self.property}


def utf16_length(text: str) -> int:
    """LINE counts text in UTF-16 code units: an emoji outside the BMP counts 2."""
    return len(text.encode("utf-16-le")) // 2


def json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


# --- OpenAPI 3.0 → JSON Schema -------------------------------------------------------------


def _ref_name(ref: str) -> str:
    if not ref.startswith("#/components/schemas/"):
        raise ValueError(f"unsupported $ref {ref!r}: the vendored specs only use internal refs")
    return ref.rsplit("/", 1)[1]


class _Converter:
    def __init__(self, schemas: dict[str, Any]):
        self.schemas = schemas
        self.discriminated = {name for name, s in schemas.items() if "discriminator" in s}

    def defs(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, schema in self.schemas.items():
            if name in self.discriminated:
                out[name + "__base"] = self.node(schema)
                out[name] = self.dispatcher(schema)
            else:
                out[name] = self.node(schema)
        return out

    def dispatcher(self, schema: dict[str, Any]) -> dict[str, Any]:
        disc = schema["discriminator"]
        prop = disc["propertyName"]
        mapping = disc.get("mapping", {})
        branches = [
            {
                "if": {"properties": {prop: {"const": key}}, "required": [prop]},
                "then": {"$ref": f"#/$defs/{_ref_name(ref)}"},
            }
            for key, ref in mapping.items()
        ]
        return {
            "type": "object",
            "required": [prop],
            "properties": {prop: {"type": "string", "enum": list(mapping)}},
            "allOf": branches,
        }

    def ref(self, ref: str, *, as_parent: bool = False) -> dict[str, Any]:
        name = _ref_name(ref)
        # A child's allOf names its discriminated parent: include the parent's own properties, not the dispatch.
        if as_parent and name in self.discriminated:
            return {"$ref": f"#/$defs/{name}__base"}
        return {"$ref": f"#/$defs/{name}"}

    def node(self, schema: Any) -> Any:
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema:
            return self.ref(schema["$ref"])
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in _SKIP_KEYS or key.startswith("x-") or key == "description":
                continue
            if key == "properties":
                out[key] = {p: self.node(s) for p, s in value.items()}
            elif key == "allOf":
                out[key] = [
                    self.ref(s["$ref"], as_parent=True) if isinstance(s, dict) and "$ref" in s else self.node(s)
                    for s in value
                ]
            elif key in ("oneOf", "anyOf"):
                out[key] = [self.node(s) for s in value]
            elif key in ("items", "not") or (key == "additionalProperties" and isinstance(value, dict)):
                out[key] = self.node(value)
            else:
                out[key] = value
        if schema.get("nullable") and "type" in out:
            out["type"] = [out["type"], "null"]
        return out


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # the spec's template, e.g. /v2/bot/richmenu/{richMenuId}/content
    body_schema: str | None  # component name of the JSON request body, if any


class SpecValidator:
    """The request schemas of one OpenAPI file, ready to validate bodies by operation."""

    def __init__(self, document: dict[str, Any]):
        schemas = document.get("components", {}).get("schemas", {})
        self.defs = _Converter(schemas).defs()
        self.operations: dict[tuple[str, str], Operation] = {}
        for path, item in document.get("paths", {}).items():
            for method, op in item.items():
                if method not in {"get", "post", "put", "delete", "patch"}:
                    continue
                body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                name = _ref_name(body["$ref"]) if body and "$ref" in body else None
                self.operations[(method.upper(), path)] = Operation(op["operationId"], method.upper(), path, name)
        self._validators: dict[str, Draft202012Validator] = {}

    def validator_for(self, schema_name: str) -> Draft202012Validator:
        if schema_name not in self._validators:
            schema = {"$defs": self.defs, "$ref": f"#/$defs/{schema_name}"}
            self._validators[schema_name] = Draft202012Validator(schema)
        return self._validators[schema_name]

    def schema_problems(self, schema_name: str, body: Any) -> list[Problem]:
        errors = sorted(self.validator_for(schema_name).iter_errors(body), key=lambda e: list(e.absolute_path))
        return [_problem(e) for e in errors]


def _path_text(parts: Iterator[Any] | list[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _problem(error: ValidationError) -> Problem:
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = re.match(r"'([^']+)' is a required property", error.message)
        if missing:
            return Problem("Must be specified", _path_text([*path, missing.group(1)]))
    if error.validator == "enum" and path and path[-1] == "type":
        return Problem(f"Invalid type: {error.instance!r} is not one of {error.validator_value}", _path_text(path))
    # Say it as LINE does, without echoing the (possibly long, possibly personal) value back.
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator in ("maxItems", "minItems"):
        low, high = schema.get("minItems", 0), schema.get("maxItems", "")
        return Problem(f"Size must be between {low} and {high}".rstrip(" and"), _path_text(path))
    if error.validator in ("maxLength", "minLength"):
        low, high = schema.get("minLength", 0), schema.get("maxLength", "")
        return Problem(f"Length must be between {low} and {high}".rstrip(" and"), _path_text(path))
    if error.validator in ("maximum", "minimum"):
        return Problem(f"Must be between {schema.get('minimum', '')} and {schema.get('maximum', '')}", _path_text(path))
    if error.validator == "type":
        return Problem(f"Must be of type {error.validator_value}", _path_text(path))
    return Problem(error.message[:200], _path_text(path))


@cache
def load_spec(filename: str = "messaging-api.yml") -> SpecValidator:
    text = resources.files(SPEC_PACKAGE).joinpath(filename).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return SpecValidator(yaml.load(text, Loader=loader))


# --- the limits of LINE-NOTES.md -------------------------------------------------------------

_ACTION_KEYS = ("action", "defaultAction")


def _walk_actions(node: Any, path: list[Any], in_flex: bool) -> Iterator[tuple[dict[str, Any], list[Any], bool]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _ACTION_KEYS and isinstance(value, dict):
                yield value, [*path, key], in_flex
            elif key == "actions" and isinstance(value, list):
                for i, action in enumerate(value):
                    if isinstance(action, dict):
                        yield action, [*path, key, i], in_flex
            yield from _walk_actions(value, [*path, key], in_flex)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk_actions(value, [*path, i], in_flex)


def _action_problems(action: dict[str, Any], path: list[Any], in_flex: bool) -> Iterator[Problem]:
    label = action.get("label")
    limit = MAX_FLEX_ACTION_LABEL if in_flex else MAX_ACTION_LABEL
    if isinstance(label, str) and len(label) > limit:
        yield Problem(f"Length must be between 0 and {limit}", _path_text([*path, "label"]))
    data = action.get("data")
    if action.get("type") == "postback" and isinstance(data, str) and len(data) > MAX_POSTBACK_DATA:
        yield Problem(f"Length must be between 0 and {MAX_POSTBACK_DATA}", _path_text([*path, "data"]))


def message_limit_problems(messages: Any, base: str = "messages") -> list[Problem]:
    """The documented limits on message objects that the OpenAPI spec leaves out."""
    if not isinstance(messages, list):
        return []
    problems: list[Problem] = []
    if len(messages) > MAX_MESSAGES:
        problems.append(Problem(f"Size must be between 1 and {MAX_MESSAGES}", base))
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        where = [base, i]
        kind = message.get("type")
        if kind == "text" and isinstance(message.get("text"), str):
            text = message["text"]
            if not text:
                problems.append(Problem("May not be empty", _path_text([*where, "text"])))
            elif utf16_length(text) > MAX_TEXT_UTF16:
                problems.append(Problem(f"Length must be between 0 and {MAX_TEXT_UTF16}", _path_text([*where, "text"])))
        if kind in ("flex", "template"):
            alt = message.get("altText")
            limit = MAX_FLEX_ALT_TEXT if kind == "flex" else MAX_TEMPLATE_ALT_TEXT
            if isinstance(alt, str) and not alt:
                problems.append(Problem("May not be empty", _path_text([*where, "altText"])))
            elif isinstance(alt, str) and len(alt) > limit:
                problems.append(Problem(f"Length must be between 0 and {limit}", _path_text([*where, "altText"])))
        if kind == "flex" and isinstance(message.get("contents"), dict):
            problems.extend(_flex_size_problems(message["contents"], [*where, "contents"]))
        quick = message.get("quickReply")
        if isinstance(quick, dict) and isinstance(quick.get("items"), list):
            items = quick["items"]
            if len(items) > MAX_QUICK_REPLY_ITEMS:
                problems.append(
                    Problem(
                        f"Size must be between 1 and {MAX_QUICK_REPLY_ITEMS}",
                        _path_text([*where, "quickReply", "items"]),
                    )
                )
        body = {k: v for k, v in message.items() if k != "quickReply"}
        for action, path, in_flex in _walk_actions(body, where, kind == "flex"):
            problems.extend(_action_problems(action, path, in_flex))
        if isinstance(quick, dict):
            for action, path, in_flex in _walk_actions(quick, [*where, "quickReply"], False):
                problems.extend(_action_problems(action, path, in_flex))
    return problems


def _flex_size_problems(container: dict[str, Any], path: list[Any]) -> list[Problem]:
    problems: list[Problem] = []
    if container.get("type") == "bubble" and json_size(container) > MAX_BUBBLE_BYTES:
        problems.append(Problem(f"A bubble must be at most {MAX_BUBBLE_BYTES} bytes of JSON", _path_text(path)))
    if container.get("type") == "carousel":
        bubbles = container.get("contents")
        if isinstance(bubbles, list):
            if len(bubbles) > MAX_CAROUSEL_BUBBLES:
                problems.append(
                    Problem(f"Size must be between 1 and {MAX_CAROUSEL_BUBBLES}", _path_text([*path, "contents"]))
                )
            for i, bubble in enumerate(bubbles):
                if isinstance(bubble, dict) and json_size(bubble) > MAX_BUBBLE_BYTES:
                    problems.append(
                        Problem(
                            f"A bubble must be at most {MAX_BUBBLE_BYTES} bytes of JSON",
                            _path_text([*path, "contents", i]),
                        )
                    )
        if json_size(container) > MAX_CAROUSEL_BYTES:
            problems.append(Problem(f"A carousel must be at most {MAX_CAROUSEL_BYTES} bytes of JSON", _path_text(path)))
    return problems


def request_problems(operation: Operation, body: Any, spec: SpecValidator | None = None) -> list[Problem]:
    """Everything LINE would reject in this request body: the spec's schema, then the documented limits."""
    spec = spec or load_spec()
    problems: list[Problem] = []
    if operation.body_schema:
        problems.extend(spec.schema_problems(operation.body_schema, body))
    if isinstance(body, dict) and "messages" in body:
        # A limit the spec already reported on the same property is not reported twice.
        flagged = {p.property for p in problems}
        problems.extend(p for p in message_limit_problems(body["messages"]) if p.property not in flagged)
    to = body.get("to") if isinstance(body, dict) else None
    if operation.operation_id == "pushMessage" and isinstance(to, str) and not _TO_PATTERN.match(to):
        problems.append(Problem("The property, 'to', in the request body is invalid", "to"))
    if operation.operation_id == "showLoadingAnimation" and isinstance(body, dict):
        seconds = body.get("loadingSeconds")
        if isinstance(seconds, int) and seconds % 5:
            problems.append(Problem("Must be a multiple of 5", "loadingSeconds"))
    # Keep the first problem for each property: the schema's error is usually the more precise one.
    seen: set[tuple[str, str]] = set()
    unique = []
    for p in problems:
        if (p.message, p.property) not in seen:
            seen.add((p.message, p.property))
            unique.append(p)
    return unique


def validate_messages(messages: list[dict[str, Any]]) -> list[Problem]:
    """Validate message objects as a push would (for the bot's own pre-send checks and for tests)."""
    op = load_spec().operations[("POST", "/v2/bot/message/push")]
    return request_problems(op, {"to": "U" + "0" * 32, "messages": messages})
