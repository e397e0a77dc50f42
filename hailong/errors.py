"""One error base: a polite message for the citizen or official, and an HTTP status."""

from __future__ import annotations

from typing import Any

from hailong.i18n import N_, catalogs_for, domain_of


class HailongError(Exception):
    """An expected failure. `message` is an English msgid, translated when shown, in the
    domain of the module whose class words it (`domain`)."""

    status_code = 400
    message = N_("Something is not right with this request.")

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.message)

    @property
    def domain(self) -> str:
        """The translation domain of the class that says `message` (a subclass may keep its
        parent's words), so the error reads the same wherever it is raised or shown."""
        owner = next(kind for kind in type(self).__mro__ if "message" in vars(kind))
        return domain_of(owner.__module__)

    def text(self, language: str) -> str:
        """The message in one language, its parameters filled in."""
        return catalogs_for(self.domain).gettext(language, self.message).format(**self.params)

    def both(self) -> str:
        """Vietnamese, then English, for an operator's console or a file."""
        return catalogs_for(self.domain).both(self.message, **self.params)


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
