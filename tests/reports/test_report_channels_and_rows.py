"""The report's cover names only the channels that really bring responses, and its table of
the units below keeps three-digit row numbers on one line."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_period, make_unit
from tests.reports.conftest import Hailong
from tests.reports.dataset import PERIOD, PROVINCE, Dataset
from tests.reports.test_report_pdf import download, pdf_text

WEB = "Biểu mẫu web (mã QR)"
TELEGRAM = "Telegram"
ZALO = "Zalo"
EMAIL = "Đường dẫn gửi qua thư điện tử"
INTERVIEW = "Phỏng vấn trực tiếp (điều tra viên)"
PAPER = "Phiếu giấy"


def counted_line(text: str) -> str:
    """The cover's "Kênh được tính" cell, joined back into one line."""
    start = text.index("Kênh được tính")
    end = text.index("Mẫu phiếu", start)
    return " ".join(text[start:end].split())


class TestChannelsCounted:
    def test_channels_the_service_does_not_run_are_not_listed(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path
    ) -> None:
        # The period's official channels are web, paper, interview and e-mail. Telegram is off;
        # nobody can answer by e-mail yet; one response came from an enumerator's interview.
        line = counted_line(pdf_text(download(hailong, tmp_path, PROVINCE.code)))
        assert line.startswith("Kênh được tính Các kênh chính thức:"), line
        for name in (WEB, PAPER, INTERVIEW):
            assert name in line, line
        for name in (EMAIL, ZALO, TELEGRAM):
            assert name not in line, line

    def test_all_channels_lists_those_answered_through(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path
    ) -> None:
        text = pdf_text(download(hailong, tmp_path, PROVINCE.code, "--channels", "all"))
        line = counted_line(text)
        # Telegram is off, but a response came through it: its answers are counted.
        assert line.startswith("Kênh được tính Tất cả các kênh:"), line
        for name in (WEB, TELEGRAM, INTERVIEW, PAPER):
            assert name in line, line
        for name in (EMAIL, ZALO):
            assert name not in line, line


class TestUnitsBelow:
    def test_three_digit_row_numbers_stay_on_one_line(
        self, hailong: Hailong, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        with sessions.begin() as session:
            province = make_unit(session, code="01", name="Thành phố Hà Nội", level="province")
            for number in range(1, 127):
                make_unit(session, code=f"{number:05d}", name=f"Xã {number}", parent=province)
            make_period(session, code=PERIOD)
        text = pdf_text(download(hailong, tmp_path, "01"))
        below = text[text.index("Các đơn vị trực thuộc, xếp từ cao đến thấp") :]
        ranks = [int(n) for n in re.findall(r"^\s*(\d+)\s+\d{5}\s+Xã \d+", below, re.M)]
        assert ranks == list(range(1, 127))
