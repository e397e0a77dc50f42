"""Be Vietnam Pro (SIL OFL 1.1, from the fontpkg-be-vietnam-pro package) for PDFs.

Every PDF we make (posters, reports) carries Vietnamese with all its diacritics; the core PDF
fonts cannot, and nothing may be downloaded at run time, so the font ships as a dependency.
"""

from __future__ import annotations

from pathlib import Path

import fontpkg_be_vietnam_pro
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "BeVietnamPro"
BOLD = "BeVietnamPro-Bold"
_FILES = {REGULAR: "BeVietnamPro-Regular.ttf", BOLD: "BeVietnamPro-Bold.ttf"}


def font_path(name: str) -> Path:
    return Path(fontpkg_be_vietnam_pro.ROOT) / "files" / _FILES[name]


def register_reportlab_fonts() -> None:
    """Register the fonts with reportlab once per process (idempotent)."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name in _FILES:
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
