"""LINE message objects: texts with quick replies, resource carousels, the consent card, confirmations.

Words come from messages.py; this module only shapes them within LINE's limits (line_limits.py checks
them again before anything is queued).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from madoguchi.bot import messages as say
from madoguchi.knowledge.search import SearchResult, local_tz

Message = dict[str, Any]
MAX_BUBBLES = 10
DESCRIPTION_CHARS = 80


def postback_data(action: str, **params: Any) -> str:
    return urlencode({"a": action, **{k: str(v) for k, v in params.items()}})


def postback(label: str, action: str, *, display: str | None = None, **params: Any) -> dict[str, Any]:
    return {
        "type": "postback",
        "label": label[:20],
        "data": postback_data(action, **params),
        "displayText": display or label,
    }


def quick_reply(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": [{"type": "action", "action": action} for action in items[:13]]}


def text(body: str, *, quick: list[dict[str, Any]] | None = None) -> Message:
    message: Message = {"type": "text", "text": body}
    if quick:
        message["quickReply"] = quick_reply(quick)
    return message


def with_quick_reply(messages: list[Message], quick: list[dict[str, Any]]) -> list[Message]:
    """LINE shows quick replies only on the last message."""
    if messages and quick:
        messages[-1] = {**messages[-1], "quickReply": quick_reply(quick)}
    return messages


def worry_quick_replies() -> list[dict[str, Any]]:
    return [
        postback(say.TALK_TO_PERSON, "talk"),
        postback(say.OTHER_PLACES, "more"),
        postback(say.CHOOSE_AREA, "area"),
        postback(say.IM_OK, "ok"),
    ]


def topic_quick_replies() -> list[dict[str, Any]]:
    items = [postback(label, "topic", c=category) for category, label in say.TOPICS.items()]
    return [*items[:12], postback(say.TALK_TO_PERSON, "talk")]


def tel_uri(phone: str) -> str | None:
    """`tel:` with `#` written `%23` (a raw # would end the URI); None when there is nothing to dial."""
    digits = re.sub(r"[^0-9#*+]", "", phone or "")
    if not digits:
        return None
    return "tel:" + digits.replace("#", "%23")


def hours_line(result: SearchResult) -> str:
    if result.open_now:
        return say.hours_open()
    if result.open_now is None:
        return say.hours_vary()
    if result.next_opens_at is not None:
        return say.hours_next(result.next_opens_at.astimezone(local_tz()))
    return say.hours_closed_unknown()


def _short(value: str, limit: int) -> str:
    value = (value or "").strip()
    return value if len(value) <= limit else value[: limit - 1] + "…"


def resource_bubble(result: SearchResult) -> dict[str, Any]:
    view = result.resource
    body: list[dict[str, Any]] = [
        {"type": "text", "text": _short(view.name, 60), "weight": "bold", "size": "md", "wrap": True},
    ]
    if view.description:
        body.append({"type": "text", "text": _short(view.description, DESCRIPTION_CHARS), "size": "sm", "wrap": True})
    color = "#1B7F3B" if result.open_now else "#666666"
    body.append({"type": "text", "text": hours_line(result), "size": "sm", "color": color, "wrap": True})
    if view.phone:
        body.append({"type": "text", "text": f"☎ {view.phone}", "size": "sm", "wrap": True})
    buttons: list[dict[str, Any]] = []
    uri = tel_uri(view.phone)
    if uri:
        buttons.append(
            {"type": "button", "style": "primary", "height": "sm",
             "action": {"type": "uri", "label": say.CALL, "uri": uri}}
        )
    web = view.web_url or view.line_url
    if web:
        buttons.append(
            {"type": "button", "style": "link", "height": "sm",
             "action": {"type": "uri", "label": say.WEBSITE, "uri": web}}
        )
    bubble: dict[str, Any] = {
        "type": "bubble",
        "size": "kilo",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
    }
    if buttons:
        bubble["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons}
    return bubble


def carousel(results: list[SearchResult], *, alt: str) -> Message:
    bubbles = [resource_bubble(r) for r in results[:MAX_BUBBLES]]
    return {"type": "flex", "altText": _short(alt, 400), "contents": {"type": "carousel", "contents": bubbles}}


def plain_numbers(results: list[SearchResult]) -> list[str]:
    return [f"・{r.resource.name} {r.resource.phone}" for r in results if r.resource.phone]


def alt_text(intro: str, results: list[SearchResult]) -> str:
    return intro + " " + " / ".join(f"{r.resource.name} {r.resource.phone}".strip() for r in results)


def consent_card(*, keep_days: int) -> Message:
    return {
        "type": "flex",
        "altText": say.PRIVACY_ALT,
        "contents": {
            "type": "bubble",
            "body": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    {"type": "text", "text": say.privacy_notice(keep_days=keep_days), "wrap": True, "size": "sm"}
                ],
            },
            "footer": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    {"type": "button", "style": "primary", "action": postback(say.CONSENT_BUTTON, "consent")},
                ],
            },
        },
    }


def erase_confirmation() -> Message:
    return {
        "type": "template",
        "altText": say.ERASE_CONFIRM_ALT,
        "template": {
            "type": "confirm",
            "text": say.erase_confirm(),
            "actions": [postback(say.ERASE_YES, "erase_yes"), postback(say.ERASE_NO, "erase_no")],
        },
    }
