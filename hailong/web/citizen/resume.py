"""The signed cookie that ties a browser to its response, so a second scan resumes it."""

from __future__ import annotations

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hailong.settings import Settings
from hailong.web.rendering import cookie_options

RESPONSE_COOKIE = "hl_response"


class ResumeCookie:
    """Holds a response's public id, signed with the server secret, for `resume_hours`."""

    def __init__(self, settings: Settings) -> None:
        self._serializer = URLSafeTimedSerializer(settings.secret(), salt="hailong.web.resume")
        self.max_age = settings.resume_hours * 3600
        self._options = cookie_options(settings)

    def read(self, request: Request) -> str | None:
        raw = request.cookies.get(RESPONSE_COOKIE)
        if not raw:
            return None
        try:
            value = self._serializer.loads(raw, max_age=self.max_age)
        except BadSignature:  # tampered with, or older than resume_hours
            return None
        return value if isinstance(value, str) else None

    def write(self, response: Response, public_id: str) -> None:
        # Signed again on every saved page: the 24 hours run from the last answer.
        response.set_cookie(
            RESPONSE_COOKIE,
            self._serializer.dumps(public_id),
            max_age=self.max_age,
            **self._options,
        )
