"""The signed cookie that ties a browser to its response, so a second scan resumes it.

It holds the browser's resume key, a random secret made the first time the browser opens a
landing page, and the response it started. The key is never shown in a page (the cookie is
HttpOnly) and the database keeps only its hash, so a response's id, seen in a page or copied
from another phone, continues nobody else's survey.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hailong.settings import Settings
from hailong.web.rendering import cookie_options

RESPONSE_COOKIE = "hl_response"
KEY_BYTES = 24
# A saved page signs the cookie again once its signature is this old: the resume hours run
# from the last answer, give or take these minutes, without signing anew on every page.
REFRESH_SECONDS = 300


@dataclass(frozen=True)
class Resume:
    key: str  # the browser's resume key
    public_id: str | None  # the response it started last, if any
    # When the cookie it was read from was signed (seconds since the epoch); None if new.
    signed_at: float | None = field(default=None, compare=False)


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


class ResumeCookie:
    """Holds the resume key and a response's public id, signed with the server secret, for
    `resume_hours`."""

    def __init__(self, settings: Settings) -> None:
        self._serializer = URLSafeTimedSerializer(settings.secret(), salt="hailong.web.resume.2")
        self.max_age = settings.resume_hours * 3600
        self._options = cookie_options(settings)

    def read(self, request: Request) -> Resume | None:
        raw = request.cookies.get(RESPONSE_COOKIE)
        if not raw:
            return None
        try:
            value, signed = self._serializer.loads(raw, max_age=self.max_age, return_timestamp=True)
        except BadSignature:  # tampered with, or older than resume_hours
            return None
        if not isinstance(value, dict):
            return None
        key, public_id = value.get("k"), value.get("r")
        if not isinstance(key, str) or not key:
            return None
        return Resume(
            key=key,
            public_id=public_id if isinstance(public_id, str) else None,
            signed_at=signed.timestamp(),
        )

    def key_of(self, request: Request) -> str:
        """The browser's resume key, or a new one when it has none yet."""
        found = self.read(request)
        return found.key if found is not None else new_key()

    def refresh(self, response: Response, resume: Resume) -> None:
        """Sign the cookie again after a saved page, when its signature is getting old."""
        if resume.signed_at is None or time.time() - resume.signed_at >= REFRESH_SECONDS:
            self.write(response, resume)

    def write(self, response: Response, resume: Resume) -> None:
        response.set_cookie(
            RESPONSE_COOKIE,
            self._serializer.dumps({"k": resume.key, "r": resume.public_id}),
            max_age=self.max_age,
            **self._options,
        )
