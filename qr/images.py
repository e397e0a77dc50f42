"""QR images of a counter's survey URL: PNG and SVG files, and the module grid for vector PDFs.

Error correction Q (25% of the symbol may be lost) because posters get scuffed, folded and
photographed by cheap phones in dim halls; the quiet zone is the 4 modules the standard asks for,
always white, so the code scans even when the poster hangs on a dark or patterned wall.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage

ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_Q
QUIET_ZONE = 4
# Pixels per module in PNG files: 41 modules (a typical URL) make a 410 px image, sharp when
# pasted into a document and small enough to send.
PNG_MODULE_PIXELS = 10
PNG_MEDIA_TYPE = "image/png"
SVG_MEDIA_TYPE = "image/svg+xml"


@dataclass(frozen=True)
class ModuleRun:
    """Dark modules side by side in one row of the grid (quiet zone included in the offsets)."""

    row: int
    column: int
    length: int


def qr_code(data: str, *, box_size: int = PNG_MODULE_PIXELS) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE, box_size=box_size)
    code.add_data(data)
    code.make(fit=True)
    return code


def module_grid(data: str) -> list[list[bool]]:
    """The symbol as rows of dark (True) and light modules, quiet zone included."""
    return [list(row) for row in qr_code(data).get_matrix()]


def dark_runs(grid: list[list[bool]]) -> Iterator[ModuleRun]:
    """Horizontal runs of dark modules: one rectangle per run keeps a vector drawing small."""
    for row_index, row in enumerate(grid):
        start: int | None = None
        for column, dark in enumerate([*row, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                yield ModuleRun(row=row_index, column=start, length=column - start)
                start = None


def png_bytes(data: str, *, module_pixels: int = PNG_MODULE_PIXELS) -> bytes:
    image = qr_code(data, box_size=module_pixels).make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def svg_bytes(data: str) -> bytes:
    """A standalone SVG with a white background (the quiet zone must not be transparent)."""
    image = qr_code(data).make_image(image_factory=SvgPathFillImage)
    return bytes(image.to_string(encoding="UTF-8", xml_declaration=True))


def image_bytes(data: str, suffix: str) -> bytes:
    """PNG or SVG by file suffix (".png", ".svg"); anything else is the caller's mistake."""
    if suffix.lower() == ".png":
        return png_bytes(data)
    if suffix.lower() == ".svg":
        return svg_bytes(data)
    raise ValueError(f"unsupported image type {suffix!r}")
