"""A poster as a citizen meets it: printed, scanned by a phone, read by eye.

Each test renders posters with qr.posters, then reads the PDF back with poppler and zbar.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from hailong.settings import Settings
from qr.content import PeriodNote, Poster, PosterFrame, PosterSize, configured_channels
from qr.images import QUIET_ZONE, module_grid
from qr.posters import write_posters
from tests.qr.reading import (
    Box,
    darkest,
    decode,
    mm,
    page_text,
    pdf_info,
    qr_symbol_box,
    render_page,
    words,
)

pytestmark = pytest.mark.usefixtures("readers")

BASE_URL = "https://khaosat.haiphong.gov.vn"
DPI = 150
PERIOD = PeriodNote(code="2026", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
# The longest names a poster should still carry whole: a commune centre's full name, a
# counter named after its fields.
LONG_UNIT = "Trung tâm Phục vụ hành chính công phường Thủ Dầu Một, thành phố Hồ Chí Minh"
MARGIN_MM = {PosterSize.A4: 13, PosterSize.A6: 6}
LONG_COUNTER = "Quầy số 12 – Lĩnh vực đất đai, xây dựng, tài nguyên và môi trường, hộ tịch"


def a_poster(
    unit_name: str = "Phường Hải An",
    counter_name: str = "Quầy số 1",
    parent_unit_name: str | None = "Thành phố Hải Phòng",
) -> Poster:
    token = secrets.token_urlsafe(16)
    return Poster(
        unit_name=unit_name,
        parent_unit_name=parent_unit_name,
        counter_name=counter_name,
        short_code="KGP5ZG",
        url=f"{BASE_URL}/q/{token}",
        typed_url=f"{BASE_URL}/c/KGP5ZG",
    )


def settings(*, telegram: bool = False, zalo: bool = False) -> Settings:
    extra = (
        {"telegram_token": "1:fake", "telegram_bot_username": "haiphong_bot"} if telegram else {}
    )
    if zalo:
        extra |= {"zalo_app_id": "3141592653589793238", "zalo_oa_name": "UBND Phường Hải An"}
    return Settings(base_url=BASE_URL, **extra)  # type: ignore[arg-type]


def a_frame(
    size: PosterSize = PosterSize.A4,
    *,
    telegram: bool = False,
    zalo: bool = False,
    period: PeriodNote | None = PERIOD,
) -> PosterFrame:
    channels = configured_channels(settings(telegram=telegram, zalo=zalo))
    return PosterFrame(size=size, channels=channels, period=period)


def write_pdf(path: Path, posters: list[Poster], frame: PosterFrame, **options: int) -> Path:
    with path.open("wb") as out:
        pages = write_posters(out, posters, frame, **options)
    assert pages == len(posters)
    return path


def symbol(png: Path, size: PosterSize) -> Box:
    # A finder pattern is 7 modules: at least 15 mm on A4, 6 mm on A6; text strokes are shorter.
    return qr_symbol_box(png, min_run_mm=12 if size is PosterSize.A4 else 5, dpi=DPI)


class TestScanning:
    @pytest.mark.parametrize("size", list(PosterSize))
    def test_the_printed_qr_code_opens_the_counters_survey(
        self, tmp_path: Path, size: PosterSize
    ) -> None:
        poster = a_poster()
        pdf = write_pdf(tmp_path / "poster.pdf", [poster], a_frame(size, telegram=True))
        assert decode(render_page(pdf, 1, dpi=DPI, out_dir=tmp_path)) == [poster.url]

    def test_qr_code_is_at_least_8_cm_wide_on_a4_with_a_white_quiet_zone(
        self, tmp_path: Path
    ) -> None:
        # The longest names and every channel leave the QR code the least room.
        for name, poster in {
            "short": a_poster(),
            "long": a_poster(LONG_UNIT, LONG_COUNTER, parent_unit_name=LONG_UNIT),
        }.items():
            pdf = write_pdf(tmp_path / f"{name}.pdf", [poster], a_frame(telegram=True))
            png = render_page(pdf, 1, dpi=DPI, out_dir=tmp_path)
            box = symbol(png, PosterSize.A4)
            assert mm(box.width, DPI) >= 80, name
            assert abs(box.width - box.height) <= 2, name
            self._assert_quiet_zone(png, box, len(module_grid(poster.url)) - 2 * QUIET_ZONE)
            assert decode(png) == [poster.url]

    def test_a6_table_tent_has_a_smaller_code_that_still_scans(self, tmp_path: Path) -> None:
        poster = a_poster(LONG_UNIT, LONG_COUNTER)
        pdf = write_pdf(tmp_path / "a6.pdf", [poster], a_frame(PosterSize.A6, telegram=True))
        info = pdf_info(pdf)
        assert [round(side) for side in info.size_mm] == [105, 148]
        png = render_page(pdf, 1, dpi=DPI, out_dir=tmp_path)
        assert mm(symbol(png, PosterSize.A6).width, DPI) >= 40
        assert decode(png) == [poster.url]

    @staticmethod
    def _assert_quiet_zone(png: Path, box: Box, modules: int) -> None:
        """Four modules of white paper on every side of the symbol (a pixel of slack)."""
        zone = round(box.width / modules * QUIET_ZONE) - 1
        around = [
            Box(box.left - zone, box.top - zone, box.right + zone, box.top - 1),
            Box(box.left - zone, box.bottom + 1, box.right + zone, box.bottom + zone),
            Box(box.left - zone, box.top, box.left - 1, box.bottom),
            Box(box.right + 1, box.top, box.right + zone, box.bottom),
        ]
        assert all(darkest(png, side) >= 245 for side in around)


class TestWords:
    def test_unit_names_keep_every_vietnamese_diacritic(self, tmp_path: Path) -> None:
        names = ["Phường Hải An", "Xã Hà Đông", "Phường Ngô Quyền", "Đặc khu Bạch Long Vĩ"]
        posters = [a_poster(name, f"Quầy số {number}") for number, name in enumerate(names, 1)]
        pdf = write_pdf(tmp_path / "batch.pdf", posters, a_frame())
        for page, poster in enumerate(posters, 1):
            text = page_text(pdf, page)
            assert poster.unit_name in text
            assert poster.counter_name in text
            assert "Thành phố Hải Phòng" in text

    def test_a4_carries_title_code_steps_channels_and_period(self, tmp_path: Path) -> None:
        poster = a_poster()
        pdf = write_pdf(tmp_path / "a4.pdf", [poster], a_frame(telegram=True))
        text = page_text(pdf, 1)
        lines = [line.strip() for line in text.splitlines()]
        assert "Ông/Bà có hài lòng với sự" in lines  # the inviting title, in Vietnamese first
        assert poster.short_code in lines
        # Three numbered steps, in order.
        assert [line for line in lines if line in {"1", "2", "3"}] == ["1", "2", "3"]
        assert "Quét mã QR bằng" in text and "Trả lời vài câu hỏi" in text and "Bấm Gửi" in text
        # The short address to type, not the QR code's long token.
        assert f"Trên trang web: {poster.typed_url}" in lines
        assert poster.url not in text
        assert f"mở t.me/haiphong_bot và gửi mã {poster.short_code}" in text
        assert "Đợt khảo sát 2026: từ 01/01/2026 đến 31/12/2026" in lines
        assert "Survey period 2026: 1 Jan 2026 to 31 Dec 2026" in lines

    def test_the_promised_time_is_the_measured_one(self, tmp_path: Path) -> None:
        frame = replace(a_frame(), minutes=2)
        text = " ".join(page_text(write_pdf(tmp_path / "a4.pdf", [a_poster()], frame), 1).split())
        assert "khoảng 2 phút" in text and "about 2 minutes" in text
        assert "3 phút" not in text

    def test_only_configured_channels_are_printed(self, tmp_path: Path) -> None:
        poster = a_poster()
        pdf = write_pdf(tmp_path / "web.pdf", [poster], a_frame(telegram=False, period=None))
        text = page_text(pdf, 1)
        assert f"Trên trang web: {poster.typed_url}" in text
        assert "Telegram" not in text
        assert "Zalo" not in text
        assert "Đợt khảo sát" not in text

    def test_zalo_names_the_oa_and_the_code_to_send(self, tmp_path: Path) -> None:
        poster = a_poster()
        pdf = write_pdf(tmp_path / "zalo.pdf", [poster], a_frame(zalo=True))
        text = " ".join(page_text(pdf, 1).split())
        assert f"Trên Zalo: tìm UBND Phường Hải An và gửi mã {poster.short_code}" in text
        assert f"On Zalo: find UBND Phường Hải An and send the code {poster.short_code}" in text

    @pytest.mark.parametrize("size", list(PosterSize))
    def test_long_names_are_printed_whole(self, tmp_path: Path, size: PosterSize) -> None:
        poster = a_poster(LONG_UNIT, LONG_COUNTER)
        pdf = write_pdf(tmp_path / "long.pdf", [poster], a_frame(size, telegram=True))
        flat = " ".join(page_text(pdf, 1).split())
        assert LONG_UNIT in flat
        assert LONG_COUNTER in flat
        assert poster.typed_url in flat
        # Nothing pushed into the margin (where printers cut) or under the QR code.
        width, height = pdf_info(pdf).size_mm
        margin = MARGIN_MM[size] - 0.5
        png = render_page(pdf, 1, dpi=DPI, out_dir=tmp_path)
        qr = symbol(png, size)
        qr_top, qr_bottom = mm(qr.top, DPI), mm(qr.bottom, DPI)
        for word in words(pdf, 1):
            assert margin <= word.left and word.right <= width - margin, word
            assert margin <= word.top and word.bottom <= height - margin, word
            assert word.bottom <= qr_top or word.top >= qr_bottom, word


class TestBatch:
    def test_pages_come_in_order_across_chunks(self, tmp_path: Path) -> None:
        posters = [a_poster(f"Xã Hà Đông {number}") for number in range(1, 6)]
        pdf = write_pdf(tmp_path / "batch.pdf", posters, a_frame(), chunk_pages=2)
        assert pdf_info(pdf).pages == len(posters)
        for page, poster in enumerate(posters, 1):
            assert decode(render_page(pdf, page, dpi=DPI, out_dir=tmp_path)) == [poster.url]
            assert poster.unit_name in page_text(pdf, page)

    def test_progress_hears_every_page(self, tmp_path: Path) -> None:
        heard: list[int] = []
        posters = [a_poster() for _ in range(5)]
        with (tmp_path / "batch.pdf").open("wb") as out:
            write_posters(out, posters, a_frame(), on_progress=heard.append, chunk_pages=2)
        assert heard == [2, 2, 1]

    def test_the_same_posters_give_the_same_bytes(self, tmp_path: Path) -> None:
        posters = [a_poster() for _ in range(3)]
        first = write_pdf(tmp_path / "first.pdf", posters, a_frame(), chunk_pages=2)
        second = write_pdf(tmp_path / "second.pdf", posters, a_frame(), chunk_pages=2)
        assert first.read_bytes() == second.read_bytes()

    def test_no_posters_is_refused(self, tmp_path: Path) -> None:
        with (tmp_path / "empty.pdf").open("wb") as out, pytest.raises(ValueError):
            write_posters(out, [], a_frame())
