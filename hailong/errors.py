"""One error base: a polite message for the citizen or official, and an HTTP status."""

from __future__ import annotations

from typing import Any

from hailong.i18n import N_


class HailongError(Exception):
    """An expected failure. `message` is an English msgid, translated when shown."""

    status_code = 400
    message = N_("Something is not right with this request.")

    def __init__(self, message: str | None = None, **params: Any) -> None:
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(self.message)


class NotFound(HailongError):
    status_code = 404
    message = N_("We could not find what you asked for.")


class Gone(HailongError):
    status_code = 410
    message = N_("This is no longer available.")


class Forbidden(HailongError):
    status_code = 403
    message = N_("You may not do this.")


class BadInput(HailongError):
    status_code = 422
    message = N_("Some of what was sent is not valid.")
