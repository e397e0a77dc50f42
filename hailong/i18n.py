"""Babel catalogs: Vietnamese first, English second. msgids are English.

Each domain has one .po file per language under hailong/locales/<lang>/LC_MESSAGES/, and owns
the source files listed in DOMAIN_SOURCES (paths relative to the repository root; the catalog
check extracts from exactly these). The .po files are the source of truth; they are compiled
in memory when an entry point starts, so no build step can be forgotten.

A domain owns whole packages (a directory and everything below it) and, at the top of
`hailong/`, single modules: moving a function between the modules of one package never moves
its strings to another domain. An error is translated in the domain of the module that words
it (`HailongError.domain`), wherever it is raised and shown. And tests turn on
`Catalogs.strict`, so a msgid looked up in a domain that does not hold it fails loudly instead
of showing English to a Vietnamese reader.
"""

from __future__ import annotations

import functools
import io
from importlib import resources
from pathlib import Path
from typing import ClassVar

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from babel.util import pathmatch

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
DOMAIN_SOURCES: dict[str, tuple[str, ...]] = {
    # The citizen web form, and the core concepts a citizen meets: counters, periods, the
    # public address of links, the polite errors of every layer.
    "messages": (
        "hailong/web/**.py",
        "hailong/templates/**.html",
        "hailong/counters/**.py",
        "hailong/periods/**.py",
        "hailong/channels.py",
        "hailong/errors.py",
        "hailong/i18n.py",
        "hailong/settings.py",
        # Accounts, the audit log and the API: their errors are shown on pages and in commands.
        "hailong/accounts/**.py",
        "hailong/audit/**.py",
        "hailong/api/**.py",
        "hailong/survey/**.py",
        # E-mail invitations and enumerators: their pages, e-mails and commands.
        "hailong/invitations/**.py",
        "hailong/enumerators/**.py",
    ),
    # Operators' commands: units, procedures, the command line itself, the demo.
    "admin": (
        "hailong/units/**.py",
        "hailong/procedures/**.py",
        "hailong/cli.py",
        "hailong/cli_support.py",
        "hailong/cli_output.py",
        "hailong/migrate.py",
        "hailong/serve.py",
        "hailong/demo.py",
        "hailong/demo_data.py",
    ),
    # Posters and QR images.
    "qr": ("qr/**.py",),
    # Checking, loading and listing questionnaire versions.
    "questionnaires": ("hailong/questionnaires/**.py",),
    # Chats: Telegram now, Zalo later.
    "bot": ("bot/**.py", "webhook/**.py"),
    # The index, tallies, downloads, reports, and responses: paper forms in, review, export.
    "reports": (
        "hailong/index/**.py",
        "hailong/tallies/**.py",
        "hailong/reports/**.py",
        "hailong/responses/**.py",
    ),
    # The outbox and `hailong worker`.
    "outbox": ("hailong/outbox/**.py",),
}
DOMAINS = tuple(DOMAIN_SOURCES)


class MissingMessage(LookupError):
    """A msgid looked up in a domain whose catalog does not hold it (raised in strict mode)."""


def N_(message: str) -> str:
    """Mark a string for extraction where it is translated later (module-level tables)."""
    return message


def locales_dir() -> Path:
    return Path(str(resources.files("hailong").joinpath("locales")))


def po_path(language: str, domain: str = "messages") -> Path:
    return locales_dir() / language / "LC_MESSAGES" / f"{domain}.po"


@functools.cache
def domain_of(module: str) -> str:
    """The domain that owns a module ("hailong.periods.service" -> "messages")."""
    parts = module.split(".")
    candidates = ("/".join(parts) + ".py", "/".join(parts) + "/__init__.py")
    for domain, patterns in DOMAIN_SOURCES.items():
        if any(pathmatch(p, c) for p in patterns for c in candidates):
            return domain
    raise LookupError(f"no translation domain owns {module}; add it to DOMAIN_SOURCES")


class _Refusal(NullTranslations):
    """The last fallback of a strict catalog: a msgid it does not hold is an error."""

    def __init__(self, domain: str, language: str) -> None:
        super().__init__()
        self.where = f"the {domain!r} catalog ({language})"

    def gettext(self, message: str) -> str:
        raise MissingMessage(f"{message!r} is not in {self.where}")

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        raise MissingMessage(f"{msgid1!r} is not in {self.where}")


def _compile(path: Path, language: str) -> NullTranslations:
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


class Catalogs:
    """Compiled translations for every language of one domain."""

    # Tests set this: then a msgid missing from the domain raises MissingMessage instead of
    # passing through in English. Read when a Catalogs is made.
    strict: ClassVar[bool] = False

    def __init__(self, domain: str = "messages") -> None:
        self.domain = domain
        self._by_language = {lang: self._load(lang) for lang in LANGUAGES}

    def _load(self, language: str) -> NullTranslations:
        translations = _compile(po_path(language, self.domain), language)
        if self.strict:
            translations.add_fallback(_Refusal(self.domain, language))
        return translations

    def get(self, language: str | None) -> NullTranslations:
        return self._by_language[pick_language(language)]

    def gettext(self, language: str | None, message: str) -> str:
        return self.get(language).gettext(message)

    def both(self, message: str, **params: object) -> str:
        """Vietnamese first, English second: for operators' consoles and files."""
        vi = self.gettext("vi", message).format(**params)
        en = self.gettext("en", message).format(**params)
        return vi if vi == en else f"{vi} / {en}"


@functools.cache
def catalogs_for(domain: str) -> Catalogs:
    """One compiled Catalogs per domain for the whole process, made when first asked for:
    for the edges that show errors from every package (the web pages, the API, commands)."""
    return Catalogs(domain)


def pick_language(requested: str | None) -> str:
    if requested:
        code = requested.strip().lower().replace("_", "-").split("-")[0]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


# Why an answer was refused (survey_flows.Invalid.reason), as msgids.
INVALID_ANSWER = {
    "required": N_("Please answer this question."),
    "not_an_option": N_("Please choose one of the answers shown."),
    "too_long": N_("Please keep this under {limit} characters."),
    "too_many": N_("Please choose at most {limit}."),
    "duplicate": N_("Please choose each answer only once."),
    # A criterion sent without a choice (hailong.survey.service.NO_CHOICE).
    "no_choice": N_("Please choose an answer, or “I prefer not to answer”."),
}
