"""GET /q/{token}/qr.svg and /q/{token}/qr.png: a counter's QR code as an image.

The image of a token never changes (it encodes the base URL and the token), so responses carry
an ETag and may be cached for an hour; a replaced or revoked token still answers 410 through
`resolve_token`, rendered by the web app's error pages like the form's own.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hailong.counters.service import resolve_token, survey_url
from qr.images import PNG_MEDIA_TYPE, SVG_MEDIA_TYPE, image_bytes

if TYPE_CHECKING:
    from hailong.context import AppContext

CACHE_CONTROL = "public, max-age=3600"
# Part of every ETag: bump it when the images are drawn differently.
IMAGE_VERSION = "q1"


def qr_router(context: AppContext) -> APIRouter:
    router = APIRouter()

    # HEAD too: link checkers and chat apps' previews ask before they fetch.
    @router.api_route("/q/{token}/qr.svg", methods=["GET", "HEAD"], include_in_schema=False)
    def qr_svg(token: str, request: Request) -> Response:
        return _qr_image(context, request, token, ".svg", SVG_MEDIA_TYPE)

    @router.api_route("/q/{token}/qr.png", methods=["GET", "HEAD"], include_in_schema=False)
    def qr_png(token: str, request: Request) -> Response:
        return _qr_image(context, request, token, ".png", PNG_MEDIA_TYPE)

    return router


def _qr_image(
    context: AppContext, request: Request, token: str, suffix: str, media_type: str
) -> Response:
    with context.sessions() as session:
        resolve_token(session, token)  # 404/410 for unknown, replaced and revoked tokens
    # In production a QR code must lead phones to the public address, never to 127.0.0.1.
    url = survey_url(context.settings.link_base(), token)
    etag = _etag(url, suffix)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _matches(etag, request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(image_bytes(url, suffix), media_type=media_type, headers=headers)


def _etag(url: str, suffix: str) -> str:
    digest = hashlib.sha256(f"{IMAGE_VERSION}{suffix}{url}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def _matches(etag: str, if_none_match: str) -> bool:
    # The header may list several tags, weak ones prefixed with W/; "*" matches any.
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags
