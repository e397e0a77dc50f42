"""Server-rendered pages: one Jinja2 environment per language, the language of a request.

Each language gets its own environment with its catalog installed, so a request never
swaps translations under another request's feet (routes run in a thread pool).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from importlib import resources
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from hailong.i18n import DEFAULT_LANGUAGE, LANGUAGES, Catalogs, pick_language
from hailong.settings import Settings

LANGUAGE_COOKIE = "hl_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
STYLESHEET = "site.css"
# The form's one small script: it only helps (scrolls to the next question); every page works
# without it.
SCRIPT = "form.js"
MEDIA_TYPES = {".css": "text/css", ".js": "text/javascript"}


def request_language(request: Request) -> str:
    """?lang= wins (the switch link), then the cookie it set; Vietnamese otherwise."""
    asked = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return pick_language(asked) if asked else DEFAULT_LANGUAGE


def other_language(language: str) -> str:
    return "en" if language == "vi" else "vi"


def format_date(value: date) -> str:
    # Vietnamese readers expect day/month/year, and so do our English notices.
    return value.strftime("%d/%m/%Y")


def cookie_options(settings: Settings) -> dict[str, Any]:
    """HttpOnly and SameSite=Lax always; Secure in production (whatever the base URL says: a
    mistyped http:// must not send a resume cookie in clear) and whenever served over https."""
    secure = settings.in_production or settings.public_base_url.startswith("https://")
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/"}


@dataclass(frozen=True)
class StaticFile:
    """A small file of hailong/static, served with a content hash so browsers keep it for a
    year."""

    name: str
    text: str

    @cached_property
    def version(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:10]

    @property
    def url(self) -> str:
        return f"/static/{self.name}?v={self.version}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.name[self.name.rindex(".") :]]


def load_static(name: str) -> StaticFile:
    path = resources.files("hailong").joinpath("static", name)
    return StaticFile(name=name, text=path.read_text(encoding="utf-8"))


class Renderer:
    """Renders templates in the request's language and remembers a language switch."""

    def __init__(self, settings: Settings, catalogs: Catalogs) -> None:
        self.settings = settings
        self.catalogs = catalogs
        self.stylesheet = load_static(STYLESHEET)
        self.script = load_static(SCRIPT)
        self._environments = {lang: self._environment(lang) for lang in LANGUAGES}

    def _environment(self, language: str) -> Environment:
        environment = Environment(
            loader=PackageLoader("hailong", "templates"),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.install_gettext_translations(  # type: ignore[attr-defined]
            self.catalogs.get(language), newstyle=True
        )
        return environment

    def static_files(self) -> dict[str, StaticFile]:
        return {served.name: served for served in (self.stylesheet, self.script)}

    def gettext(self, language: str, message: str) -> str:
        return self.catalogs.gettext(language, message)

    def render(
        self,
        request: Request,
        template: str,
        values: Mapping[str, Any],
        *,
        status_code: int = 200,
        language: str | None = None,
    ) -> HTMLResponse:
        language = language or request_language(request)
        page = (
            self._environments[language]
            .get_template(template)
            .render(
                **values,
                lang=language,
                other_lang=other_language(language),
                switch_url=f"{request.url.path}?lang={other_language(language)}",
                css_url=self.stylesheet.url,
            )
        )
        response = HTMLResponse(page, status_code=status_code)
        self.remember_language(request, response)
        return response

    def remember_language(self, request: Request, response: Response) -> None:
        asked = request.query_params.get("lang")
        if asked and pick_language(asked) != request.cookies.get(LANGUAGE_COOKIE):
            response.set_cookie(
                LANGUAGE_COOKIE,
                pick_language(asked),
                max_age=LANGUAGE_COOKIE_SECONDS,
                **cookie_options(self.settings),
            )
