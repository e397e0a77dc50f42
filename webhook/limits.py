"""What every webhook bounds: the body's size, read as it streams in."""

from __future__ import annotations

from fastapi import Request


class BodyTooLarge(Exception):
    pass


async def bounded_body(request: Request, limit: int) -> bytes:
    """The raw body, refused past `limit` bytes (declared or streamed) before it is all read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge()
    return bytes(body)
