"""The office's own stylesheet and script, served with a content hash so browsers keep them
for a year (no CDN, nothing inline: the content security policy refuses inline code)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

from fastapi.responses import Response

YEAR_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class Asset:
    name: str
    media_type: str
    text: str

    @cached_property
    def version(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:10]

    @property
    def url(self) -> str:
        return f"/static/{self.name}?v={self.version}"

    def response(self) -> Response:
        return Response(
            self.text,
            media_type=self.media_type,
            headers={"cache-control": f"public, max-age={YEAR_SECONDS}, immutable"},
        )


def load_asset(name: str, media_type: str) -> Asset:
    path = resources.files("hailong").joinpath("static", name)
    return Asset(name, media_type, path.read_text(encoding="utf-8"))
