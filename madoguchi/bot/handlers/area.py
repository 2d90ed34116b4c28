"""地域をえらぶ: the knowledge base's areas as quick replies; the choice shapes later answers."""

from __future__ import annotations

from madoguchi.bot import compose
from madoguchi.bot import messages as say
from madoguchi.bot.context import HandlerContext
from madoguchi.bot.handlers import worry
from madoguchi.bot.models import Conversation
from madoguchi.knowledge import service as kb_service


def choose(ctx: HandlerContext) -> None:
    areas = kb_service.list_areas(ctx.session)
    if not areas:
        ctx.answer([compose.text(say.area_none())])
        return
    items = [compose.postback(a.name, "area_set", id=a.id) for a in areas[:12]]
    items.append(compose.postback(say.AREA_UNKNOWN, "area_set", id=0))
    ctx.answer([compose.text(say.choose_area(), quick=items)])


def set_area(ctx: HandlerContext, conv: Conversation, area_id: int) -> None:
    assert ctx.resident is not None
    names = {a.id: a.name for a in kb_service.list_areas(ctx.session)}
    if area_id in names:
        ctx.resident.area_id = area_id
        lead = say.area_set(names[area_id])
    else:
        ctx.resident.area_id = None
        lead = say.area_cleared()
    ctx.session.flush()
    worry.refresh_for_area(ctx, conv, lead)
