"""Every failure a visitor can cause ends on a polite page, in Vietnamese with English below.

Also installs the web edge's middleware (body bound, security headers, compression): the
body bound raises an error that only these handlers can turn into its page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from hailong.errors import BadInput, HailongError
from hailong.i18n import N_, Catalogs, catalogs_for
from hailong.web.rendering import Renderer, format_date, other_language, request_language
from hailong.web.security import BodyLimitMiddleware, SecurityHeadersMiddleware

if TYPE_CHECKING:
    from hailong.context import AppContext

log = logging.getLogger(__name__)

# Statuses that Starlette itself raises (no route, wrong method, unreadable form).
HTTP_MESSAGES = {
    404: N_("We could not find this page. Please scan the QR code at the counter again."),
    405: N_("We could not find this page. Please scan the QR code at the counter again."),
}
UNEXPECTED = N_(
    "Something went wrong on our side. Your earlier answers are kept; please try again."
)


def install_error_handlers(app: FastAPI, context: AppContext) -> None:
    """Render HailongError (and every other failure) as a polite page."""
    renderer = Renderer(context.settings, context.catalogs)
    app.add_middleware(BodyLimitMiddleware, max_bytes=context.settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    # Slow 3G: pages are small, and smaller still compressed.
    app.add_middleware(GZipMiddleware, minimum_size=500)

    async def on_hailong_error(request: Request, exc: Exception) -> HTMLResponse:
        assert isinstance(exc, HailongError)
        # An error is worded in its own module's domain (see hailong/i18n.py).
        words = catalogs_for(exc.domain)
        return error_page(renderer, request, exc.status_code, exc.message, exc.params, words)

    async def on_http_error(request: Request, exc: Exception) -> HTMLResponse:
        assert isinstance(exc, StarletteHTTPException)
        message = HTTP_MESSAGES.get(exc.status_code, BadInput.message)
        return error_page(renderer, request, exc.status_code, message, {})

    async def on_invalid_request(request: Request, exc: Exception) -> HTMLResponse:
        return error_page(renderer, request, BadInput.status_code, BadInput.message, {})

    async def on_unexpected(request: Request, exc: Exception) -> HTMLResponse:
        log.exception("unexpected error on %s", request.url.path, exc_info=exc)
        return error_page(renderer, request, 500, UNEXPECTED, {})

    app.add_exception_handler(HailongError, on_hailong_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(Exception, on_unexpected)


def error_page(
    renderer: Renderer,
    request: Request,
    status_code: int,
    message: str,
    params: Mapping[str, Any],
    catalogs: Catalogs | None = None,
) -> HTMLResponse:
    """A polite page; `message` is looked up in `catalogs` (the renderer's by default)."""
    language = request_language(request)
    second = other_language(language)
    words = catalogs or renderer.catalogs
    return renderer.render(
        request,
        "error.html",
        {
            "message": _translate(words, language, message, params),
            "message_other": _translate(words, second, message, params),
            "status_code": status_code,
        },
        status_code=status_code,
        language=language,
    )


def _translate(catalogs: Catalogs, language: str, message: str, params: Mapping[str, Any]) -> str:
    shown = {k: format_date(v) if isinstance(v, date) else v for k, v in params.items()}
    text = catalogs.gettext(language, message)
    try:
        return text.format(**shown)
    except (KeyError, IndexError, ValueError):
        # A catalog entry that lost a placeholder must not turn a polite page into a 500.
        return text
