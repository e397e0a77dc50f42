"""CSRF protection for office forms, without JavaScript (a hidden field).

The browser gets a random nonce in an HttpOnly cookie; each form carries an HMAC of that
nonce and of the sign-in session the page was made for. Another site can make a browser
post a form, but can neither read the cookie nor compute the HMAC, so its post is refused
before anything changes; and a token made before signing in is worthless after it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response

from hailong.errors import Forbidden
from hailong.i18n import N_
from hailong.settings import Settings
from hailong.web.callers import office_cookie_options

CSRF_COOKIE = "hl_csrf"
CSRF_FIELD = "csrf_token"


class CsrfRefused(Forbidden):
    message = N_(
        "This form has expired or did not come from our page, so nothing was changed. "
        "Please go back, reload the page and send it again."
    )


@dataclass(frozen=True)
class FormToken:
    value: str
    # A nonce the browser does not have yet: set it as the cookie with the page.
    new_nonce: str | None

    def set_cookie(self, response: Response, settings: Settings, request: Request) -> None:
        if self.new_nonce is not None:
            response.set_cookie(
                CSRF_COOKIE, self.new_nonce, **office_cookie_options(settings, request)
            )


class Csrf:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._key = hashlib.sha256(b"hailong csrf\0" + settings.secret().encode()).digest()

    def _mac(self, nonce: str, binding: str) -> str:
        message = f"{nonce}\0{binding}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def token(self, request: Request, *, binding: str = "") -> FormToken:
        """The hidden field's value for a page shown to this browser; `binding` is the
        sign-in session's id on signed-in pages."""
        nonce = request.cookies.get(CSRF_COOKIE)
        new = None
        if not nonce:
            nonce = new = secrets.token_urlsafe(24)
        return FormToken(self._mac(nonce, binding), new)

    def verify(self, request: Request, posted: str | None, *, binding: str = "") -> None:
        """Refuse (403) a post whose token is missing or was not made for this browser."""
        nonce = request.cookies.get(CSRF_COOKIE)
        if not nonce or not posted or not hmac.compare_digest(posted, self._mac(nonce, binding)):
            raise CsrfRefused()
