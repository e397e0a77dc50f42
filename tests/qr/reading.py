"""Reading posters and QR images back as a person's tools would: poppler renders a PDF page to
pixels or extracts its text, zbar (Debian's zbar-tools) decodes the QR codes it sees.

Nothing here knows how the poster was drawn: a QR code is found by its finder patterns.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import in_ci

MM_PER_INCH = 25.4
TOOLS = ("pdftoppm", "pdftotext", "pdfinfo", "zbarimg")


def require_tools() -> None:
    """Fail in CI (the tools are part of the setup), skip on a machine without them."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"missing {', '.join(missing)} (apt-get install poppler-utils zbar-tools)"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def _run(*args: str | Path) -> str:
    done = subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, timeout=60, check=False
    )
    # zbarimg exits 4 when it found no symbol: that is an answer, not a failure.
    if done.returncode not in (0, 4):
        raise AssertionError(f"{args[0]} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def decode(image: Path) -> list[str]:
    """Every QR code zbar reads in the image (PNG, or anything zbar opens)."""
    out = _run("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", image)
    return [line for line in out.splitlines() if line]


def render_page(pdf: Path, page: int, *, dpi: int, out_dir: Path) -> Path:
    """One page as a greyscale PNG at `dpi` (pages count from 1)."""
    prefix = out_dir / f"{pdf.stem}-{page}-{dpi}"
    _run("pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-gray", "-png",
         "-singlefile", pdf, prefix)  # fmt: skip
    return prefix.with_suffix(".png")


def page_text(pdf: Path, page: int | None = None) -> str:
    pages = [] if page is None else ["-f", str(page), "-l", str(page)]
    return _run("pdftotext", "-enc", "UTF-8", *pages, pdf, "-")


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    # Page size in millimetres (width, height) of the first page.
    size_mm: tuple[float, float]


def pdf_info(pdf: Path) -> PdfInfo:
    out = _run("pdfinfo", pdf)
    pages = int(re.search(r"^Pages:\s+(\d+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", out, re.MULTILINE)
    assert size is not None, out
    width, height = (float(size.group(i)) * MM_PER_INCH / 72 for i in (1, 2))
    return PdfInfo(pages=pages, size_mm=(width, height))


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels of a rendered page: left, top, right, bottom (exclusive)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


BLACK = 40  # grey level below which a pixel is black ink (navy and grey text stay above)


def qr_symbol_box(image: Path, *, min_run_mm: float, dpi: int) -> Box:
    """The QR symbol's box (quiet zone excluded) on a rendered page.

    A symbol's three finder patterns start with solid black runs 7 modules long, far longer
    than any stroke of text; their outer edges are the symbol's left, top and right edges and
    the bottom-left one its bottom edge.
    """
    picture = Image.open(image).convert("L")
    width, height = picture.size
    ink = picture.point(lambda level: 1 if level < BLACK else 0).tobytes()
    long_run = re.compile(b"\x01{%d,}" % round(min_run_mm / MM_PER_INCH * dpi))
    # (row, first column, column after the last) of every long run of ink
    found = [
        (y, run.start() - y * width, run.end() - y * width)
        for y in range(height)
        for run in long_run.finditer(ink, y * width, (y + 1) * width)
    ]
    assert found, "no QR finder pattern on the page"
    return Box(
        left=min(start for _y, start, _end in found),
        top=min(y for y, _start, _end in found),
        right=max(end for _y, _start, end in found),
        bottom=max(y for y, _start, _end in found) + 1,
    )


def darkest(image: Path, box: Box) -> int:
    """The darkest grey level inside `box` (255 is white paper)."""
    picture = Image.open(image).convert("L").crop((box.left, box.top, box.right, box.bottom))
    return int(picture.getextrema()[0])


def mm(pixels: int, dpi: int) -> float:
    return pixels / dpi * MM_PER_INCH


@dataclass(frozen=True)
class Word:
    text: str
    # In millimetres from the page's top-left corner.
    left: float
    top: float
    right: float
    bottom: float


def words(pdf: Path, page: int) -> list[Word]:
    """Every word of a page with its box, from `pdftotext -bbox`."""
    html = _run("pdftotext", "-enc", "UTF-8", "-bbox", "-f", str(page), "-l", str(page), pdf, "-")
    found = re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html,
    )
    to_mm = MM_PER_INCH / 72
    return [
        Word(
            text=match.group(5),
            left=float(match.group(1)) * to_mm,
            top=float(match.group(2)) * to_mm,
            right=float(match.group(3)) * to_mm,
            bottom=float(match.group(4)) * to_mm,
        )
        for match in found
    ]
