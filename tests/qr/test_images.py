"""QR images (PNG and SVG) of a counter's survey URL read back by zbar, as a phone would."""

from __future__ import annotations

import base64
import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import qrcode
import qrcode.constants
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, sync_playwright

from qr.images import PNG_MODULE_PIXELS, QUIET_ZONE, image_bytes, png_bytes, svg_bytes
from tests.conftest import in_ci
from tests.qr.reading import decode
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.usefixtures("readers")


def a_url() -> str:
    return f"https://khaosat.haiphong.gov.vn/q/{secrets.token_urlsafe(16)}"


def saved(tmp_path: Path, data: bytes, name: str = "code.png") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def scuffed(png: bytes, share: float) -> bytes:
    """The image with a grey patch over `share` of the symbol's area, in its middle: a
    scratched, stained or folded poster."""
    picture = Image.open(io.BytesIO(png)).convert("L")
    modules = picture.width // PNG_MODULE_PIXELS - 2 * QUIET_ZONE
    half = round((share * modules * modules) ** 0.5) * PNG_MODULE_PIXELS // 2
    middle = picture.width // 2
    ImageDraw.Draw(picture).rectangle(
        (middle - half, middle - half, middle + half - 1, middle + half - 1), fill=128
    )
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


class TestPng:
    def test_decodes_to_the_survey_url(self, tmp_path: Path) -> None:
        url = a_url()
        assert decode(saved(tmp_path, png_bytes(url))) == [url]

    def test_quiet_zone_is_four_white_modules(self) -> None:
        picture = Image.open(io.BytesIO(png_bytes(a_url()))).convert("L")
        zone = QUIET_ZONE * PNG_MODULE_PIXELS
        inner = (zone, zone, picture.width - zone, picture.height - zone)
        assert picture.width == picture.height and picture.width % PNG_MODULE_PIXELS == 0
        # White all around the symbol, and the symbol's finder patterns start right inside.
        frame = picture.copy()
        ImageDraw.Draw(frame).rectangle((inner[0], inner[1], inner[2] - 1, inner[3] - 1), fill=255)
        assert frame.getextrema() == (255, 255)
        assert picture.getpixel((zone, zone)) == 0
        assert picture.getpixel((zone - 1, zone - 1)) == 255

    def test_a_scuffed_code_still_scans(self, tmp_path: Path) -> None:
        """Error correction M or better: 6% of the symbol lost is recovered."""
        url = a_url()
        ours = saved(tmp_path, scuffed(png_bytes(url), 0.06), "ours.png")
        assert decode(ours) == [url]
        # The same scuff defeats level L, so the check above means something.
        weak = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=QUIET_ZONE)
        weak.add_data(url)
        out = io.BytesIO()
        weak.make_image().save(out)
        assert decode(saved(tmp_path, scuffed(out.getvalue(), 0.06), "weak.png")) == []


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is not installed"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def svg_as_png(browser: Browser, svg: bytes, tmp_path: Path, *, pixels: int = 400) -> Path:
    """The SVG as a browser draws it (an <img> in a page), captured as a PNG."""
    page = browser.new_page(viewport={"width": pixels + 40, "height": pixels + 40})
    try:
        source = base64.b64encode(svg).decode()
        page.set_content(
            f'<body style="margin:20px;background:#777">'
            f'<img src="data:image/svg+xml;base64,{source}" width="{pixels}" height="{pixels}">'
        )
        path = tmp_path / "svg.png"
        page.locator("img").screenshot(path=str(path))
        return path
    finally:
        page.close()


@pytest.mark.browser
class TestSvg:
    def test_decodes_to_the_survey_url(self, browser: Browser, tmp_path: Path) -> None:
        url = a_url()
        # A grey page around it: the SVG's own white background makes the quiet zone.
        assert decode(svg_as_png(browser, svg_bytes(url), tmp_path)) == [url]

    def test_is_a_standalone_svg_document(self) -> None:
        svg = svg_bytes(a_url()).decode()
        assert svg.startswith("<?xml") and "<svg" in svg
        assert 'fill="white"' in svg  # the quiet zone is painted, never transparent


class TestBySuffix:
    def test_png_and_svg_by_file_suffix(self) -> None:
        url = a_url()
        assert image_bytes(url, ".PNG").startswith(b"\x89PNG")
        assert b"<svg" in image_bytes(url, ".svg")
        with pytest.raises(ValueError):
            image_bytes(url, ".gif")
