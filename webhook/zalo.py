"""POST /webhook/zalo: authenticate, bound, parse, record and queue the reply, answer 200.

Zalo wants a 200 within about 2 seconds and otherwise delivers again after 30 s, 5 min,
15 min, 30 min and 1 h. So nothing here waits for Zalo: the reply is queued in the outbox in
the event's own transaction and sent by `hailong worker`. A wrong or missing signature, an
event from another app or a stale one get a 401; a body too large a 413, malformed JSON a
400: nothing is stored. The unsigned `{}` Zalo posts when the webhook's address is saved gets
a 200 and changes nothing. Delivery receipts and the like get a 200 and are ignored. A storage
failure, or the webhook's own deadline (shorter than Zalo's) passing first, get a 503, so the
event comes again; its redelivery is recognised by its msg_id and sends nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.chat.delivery import DeliveryFailed
from bot.zalo import api, parser
from bot.zalo.chat import ZaloChat
from bot.zalo.parser import BadEvent, EventKind
from hailong.errors import HailongError
from hailong.i18n import Catalogs
from webhook.limits import BodyTooLarge, bounded_body

if TYPE_CHECKING:
    from hailong.context import AppContext

WEBHOOK_PATH = "/webhook/zalo"

# Never the event's content, a user id or a token: only what went wrong, by kind.
logger = logging.getLogger(__name__)


def _answer(status_code: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status_code)


def zalo_router(context: AppContext) -> APIRouter:
    settings = context.settings
    app_id = settings.zalo_app_id or ""
    oa_secret = settings.zalo_oa_secret.get_secret_value() if settings.zalo_oa_secret else ""
    if not oa_secret:
        logger.warning("zalo: HAILONG_ZALO_OA_SECRET is not set; every event is refused")
    chat = ZaloChat(
        sessions=context.sessions,
        catalogs=Catalogs("bot"),
        secret=settings.secret(),
        language=settings.default_language,
        limiter=context.limiter,
    )
    router = APIRouter()

    @router.post(WEBHOOK_PATH, include_in_schema=False)
    async def receive_event(request: Request) -> Response:
        try:
            raw = await bounded_body(request, settings.max_body_bytes)
        except BodyTooLarge:
            return _answer(413, "Request Entity Too Large")
        except HailongError as error:  # an app-wide body limit got there first
            return _answer(error.status_code, "Bad Request")
        try:
            envelope = parser.read(raw)
        except BadEvent:
            return _answer(400, "Bad Request")
        signature = request.headers.get(api.SIGNATURE_HEADER)
        if parser.is_probe(envelope, signature):
            return _answer(200, "OK")
        signed = oa_secret and parser.authentic(
            raw, envelope, signature, app_id=app_id, oa_secret=oa_secret
        )
        if not signed:
            return _answer(401, "Unauthorized")
        event = parser.event(envelope)
        if event.kind is EventKind.ignored:
            return _answer(200, "OK")
        try:
            await asyncio.wait_for(
                asyncio.to_thread(chat.handle, event),
                timeout=settings.zalo_webhook_deadline_seconds,
            )
        except DeliveryFailed:
            return _answer(503, "Service Unavailable")
        except TimeoutError:
            # The transaction may still commit; the redelivery then finds the event done.
            logger.error("zalo event: not stored within the webhook's deadline")
            return _answer(503, "Service Unavailable")
        except Exception as error:  # never a 200 for an event that was not handled
            logger.error("zalo event: failed (%s)", type(error).__name__)
            return _answer(500, "Internal Server Error")
        return _answer(200, "OK")

    return router
