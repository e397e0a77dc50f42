"""Babel catalogs: Vietnamese first, English second. msgids are English.

Each domain has one .po file per language under hailong/locales/<lang>/LC_MESSAGES/, and owns
the source files listed in DOMAIN_SOURCES (paths relative to the repository root; the catalog
check extracts from exactly these). The .po files are the source of truth; they are compiled
in memory when an entry point starts, so no build step can be forgotten.
"""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
DOMAIN_SOURCES: dict[str, tuple[str, ...]] = {
    # The citizen web form and the core services' polite errors.
    "messages": (
        "hailong/web/**.py",
        "hailong/templates/**.html",
        "hailong/errors.py",
        "hailong/i18n.py",
        "hailong/counters/service.py",
        "hailong/periods/service.py",
        "hailong/responses/service.py",
    ),
    # Operators' commands: unit, procedure, period and counter administration, the demo.
    "admin": (
        "hailong/units/**.py",
        "hailong/procedures/**.py",
        "hailong/cli.py",
        "hailong/periods/cli.py",
        "hailong/counters/cli.py",
        "hailong/demo.py",
        "hailong/demo_data.py",
    ),
    # Posters and QR images.
    "qr": ("qr/**.py",),
    # Checking, loading and listing questionnaire versions.
    "questionnaires": ("hailong/questionnaires/**.py",),
    # Chats: Telegram now, Zalo later.
    "bot": ("bot/**.py", "webhook/**.py"),
    # The index, tallies, downloads, reports and the import of paper forms.
    "reports": (
        "hailong/index/**.py",
        "hailong/tallies/**.py",
        "hailong/reports/**.py",
        "hailong/responses/exporting.py",
        "hailong/responses/importing.py",
        "hailong/responses/checking.py",
        "hailong/responses/cli.py",
    ),
    # The outbox and `hailong worker`.
    "outbox": ("hailong/outbox/**.py",),
}
DOMAINS = tuple(DOMAIN_SOURCES)


def N_(message: str) -> str:
    """Mark a string for extraction where it is translated later (module-level tables)."""
    return message


def locales_dir() -> Path:
    return Path(str(resources.files("hailong").joinpath("locales")))


def po_path(language: str, domain: str = "messages") -> Path:
    return locales_dir() / language / "LC_MESSAGES" / f"{domain}.po"


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

    def __init__(self, domain: str = "messages") -> None:
        self.domain = domain
        self._by_language = {lang: _compile(po_path(lang, domain), lang) for lang in LANGUAGES}

    def get(self, language: str | None) -> NullTranslations:
        return self._by_language[pick_language(language)]

    def gettext(self, language: str | None, message: str) -> str:
        return self.get(language).gettext(message)

    def both(self, message: str, **params: object) -> str:
        """Vietnamese first, English second: for operators' consoles and files."""
        vi = self.gettext("vi", message).format(**params)
        en = self.gettext("en", message).format(**params)
        return vi if vi == en else f"{vi} / {en}"


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
}
