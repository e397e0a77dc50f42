"""Protections that cost nothing: security headers and a bound on request bodies.

Both are plain ASGI middleware so they see every response and every body, whatever the route.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hailong.errors import HailongError
from hailong.i18n import N_

SECURITY_HEADERS = (
    # Nothing is loaded from elsewhere (no fonts, frameworks or CDNs) and no script or style
    # is inline: the pages carry none, so an injected one would not run.
    (
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    # Survey URLs carry the counter's token: never hand it to another site.
    ("referrer-policy", "same-origin"),
    # Pages show a citizen's answers and the landing page a one-time start id: no browser or
    # proxy may keep them. What may be kept (the stylesheet, QR images) says so itself.
    ("cache-control", "no-store"),
)
# Only over https (directly, or as the proxy told uvicorn): browsers ignore it over http.
HSTS = ("strict-transport-security", "max-age=31536000")


class RequestTooLarge(HailongError):
    status_code = 413
    message = N_("What was sent is too large. Please shorten your answer and try again.")


class HeadersMiddleware:
    """Adds headers to every HTTP response (those a route set itself are left alone)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def add(self, scope: Scope, headers: MutableHeaders) -> None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.add(scope, MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SecurityHeadersMiddleware(HeadersMiddleware):
    def add(self, scope: Scope, headers: MutableHeaders) -> None:
        # One look at the response's own headers, not one per header added (setdefault
        # scans them each time): every response of every citizen passes here.
        present = {name for name, _ in headers.raw}
        wanted = _SECURE_RAW if scope.get("scheme") == "https" else _SECURITY_RAW
        headers.raw.extend(header for header in wanted if header[0] not in present)


def _raw(*headers: tuple[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers)


_SECURITY_RAW = _raw(*SECURITY_HEADERS)
_SECURE_RAW = _raw(*SECURITY_HEADERS, HSTS)


class NoStoreMiddleware(HeadersMiddleware):
    """Answers meant for one signed-in caller are never kept by a browser or a proxy."""

    def add(self, scope: Scope, headers: MutableHeaders) -> None:
        headers.setdefault("cache-control", "no-store")


class BodyLimitMiddleware:
    """Refuse a body over the limit while it is read, declared or not (chunked uploads).

    The refusal is raised where the route reads the body, so the error handlers turn it into
    the polite 413 page and the route stores nothing.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared is not None and declared > self.max_bytes:
                raise RequestTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise RequestTooLarge()
            return message

        await self.app(scope, limited_receive, send)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
