"""`hailong download report`: the PDF's text, read back with pdftotext, holds the figures a test
computes by hand; its pages render (pdftoppm) with the chart drawn and the font embedded."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image

from hailong.periods.service import today_in_vietnam
from tests.reports.conftest import Hailong
from tests.reports.dataset import (
    CHILDREN,
    CRITERIA,
    ELEMENT_LABELS,
    PERIOD,
    PROVINCE,
    Dataset,
    Form,
    expected_tree,
    shown_vi,
)

PRIORITY_LABELS = {
    "P1": "Cung cấp thông tin về thủ tục hành chính",
    "P2": "Trụ sở và trang thiết bị",
    "P3": "Năng lực chuyên môn của công chức",
    "P4": "Thái độ phục vụ của công chức",
    "P5": "Ứng dụng công nghệ thông tin, chuyển đổi số",
    "P6": "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
    "P7": "Việc giải quyết thủ tục hành chính",
}
BAR_COLOUR = (0x2E, 0x75, 0xB6)


def download(hailong: Hailong, tmp_path: Path, unit: str, *extra: str) -> Path:
    target = tmp_path / f"report-{unit}.pdf"
    args = ("--period", PERIOD, "--unit", unit, *extra, "-o", str(target))
    result = hailong("download", "report", *args)
    assert result.exit_code == 0, result.stderr
    return target


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def section(text: str, start: str, end: str | None) -> str:
    """The text between two headings (to the end when `end` is None)."""
    begin = text.index(start)
    return text[begin : text.index(end, begin) if end else len(text)]


def share(forms: list[Form], key: str) -> Fraction | None:
    answers = [getattr(f, key) for f in forms]
    return Fraction(100 * sum(a in ("2", "3") for a in answers), len(answers)) if answers else None


def ranked_criteria(values: dict[str, Fraction | None]) -> list[str]:
    """Lowest first, criteria with no figure last, ties in the questionnaire's order."""
    return sorted(CRITERIA, key=lambda k: (values[k] is None, values[k] or 0))


def ranked_priorities(forms: list[Form]) -> list[str]:
    chosen = Counter(code for f in forms if f.priorities for code in f.priorities.split(";"))
    return sorted(PRIORITY_LABELS, key=lambda code: -chosen[code])


def in_order(text: str, needles: list[str]) -> bool:
    places = [text.index(needle) for needle in needles]
    return places == sorted(places)


class TestUnitReport:
    def test_cover_index_elements_and_warnings(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path
    ) -> None:
        text = pdf_text(download(hailong, tmp_path, "11413"))
        expected = expected_tree(dataset)["11413"]
        forms = dataset.counted(["11413"])
        assert "Phường Hải An" in text
        assert "BÁO CÁO KẾT QUẢ KHẢO SÁT" in text
        assert "Quyết định số 1001/QĐ-BNV" in text
        assert today_in_vietnam().strftime("%d/%m/%Y") in text
        assert "Thành phố Hải Phòng" in text  # the parent, on the cover
        assert f"{shown_vi(expected.sipas)}%" in text
        for label in ELEMENT_LABELS.values():
            assert label in text
        warnings = section(text, "Tín hiệu cảnh báo", "Nội dung cần ưu tiên")
        for label, key in (
            ("Công chức gây phiền hà, sách nhiễu", "harassment"),
            ("Phải trả thêm chi phí ngoài quy định", "extra_payment"),
        ):
            flagged = sum(getattr(f, key) in ("2", "3") for f in forms)
            line = rf"{label}\s+{len(forms)}\s+{flagged}\s+{re.escape(shown_vi(share(forms, key)))}"
            assert re.search(line, warnings), (label, warnings)

    def test_criteria_ranked_lowest_first(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path
    ) -> None:
        text = pdf_text(download(hailong, tmp_path, "11413"))
        expected = expected_tree(dataset)["11413"]
        criteria = section(text, "Các tiêu chí, xếp từ thấp đến cao", "Tín hiệu cảnh báo")
        found = re.findall(r"^\s*(\d{1,2})\s+([A-E]\d)\s", criteria, flags=re.MULTILINE)
        assert [int(rank) for rank, _ in found] == list(range(1, len(CRITERIA) + 1))
        assert [key for _, key in found] == ranked_criteria(expected.criteria)
        lowest = ranked_criteria(expected.criteria)[0]
        assert re.search(
            rf"\b1\s+{lowest}\b.*?{re.escape(shown_vi(expected.criteria[lowest]))}", criteria, re.S
        )

    def test_priorities_ranked_and_quota_met(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path
    ) -> None:
        text = pdf_text(download(hailong, tmp_path, "11413"))
        forms = dataset.counted(["11413"])
        priorities = section(text, "Nội dung cần ưu tiên cải thiện", "Tiến độ thu phiếu")
        order = ranked_priorities(forms)
        assert in_order(priorities, [PRIORITY_LABELS[code] for code in order])
        quota = section(text, "Tiến độ thu phiếu", None)
        # Hải An's quota is 3 and it has 3 official forms (its Telegram one is reference only).
        assert "Chỉ tiêu: 3 phiếu; số phiếu tính vào chỉ tiêu: 3 (100,00%)." in quota
        assert re.search(r"Phường Hải An\s+3\s+3\s+100,00\s+Đạt", quota)

    def test_a_unit_without_responses(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path
    ) -> None:
        text = pdf_text(download(hailong, tmp_path, "11415"))
        assert "Xã Hà Đông" in text
        assert "Chưa có phiếu hợp lệ nào được tính nên chưa có chỉ số." in text
        assert re.search(r"Xã Hà Đông\s+30\s+0\s+0,00\s+Chưa đạt", text)


class TestParentReport:
    def test_children_ranked_and_their_quotas(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path
    ) -> None:
        text = pdf_text(download(hailong, tmp_path, PROVINCE.code))
        tree = expected_tree(dataset)
        assert PROVINCE.name in text
        assert f"{shown_vi(tree[PROVINCE.code].sipas)}%" in text
        children = section(text, "Các đơn vị trực thuộc, xếp từ cao đến thấp", None)
        best_first = sorted(
            CHILDREN, key=lambda p: (tree[p.code].sipas is None, -(tree[p.code].sipas or 0))
        )
        assert in_order(children, [p.name for p in best_first])
        for place in CHILDREN:
            unit = tree[place.code]
            figure = re.escape(shown_vi(unit.sipas))
            row = rf"{re.escape(place.code)}\s+{place.name}\s+{unit.responses}\s+{figure}"
            assert re.search(row, children), place
        quota = section(text, "Tiến độ thu phiếu", "Các đơn vị trực thuộc")
        met = [p for p in CHILDREN if tree[p.code].responses >= (p.quota or 30)]
        assert f"Số đơn vị đạt chỉ tiêu: {len(met)}/{len(CHILDREN)}." in quota
        for place in CHILDREN:
            result = "Đạt" if place in met else "Chưa đạt"
            assert re.search(rf"{place.name}\s+{place.quota or 30}\s+.*?\s{result}\b", quota)

    def test_english_on_request(self, hailong: Hailong, dataset: Dataset, tmp_path: Path) -> None:
        text = pdf_text(download(hailong, tmp_path, PROVINCE.code, "--language", "en"))
        sipas = expected_tree(dataset)[PROVINCE.code].sipas
        assert "SURVEY RESULTS REPORT" in text
        assert f"{shown_vi(sipas).replace(',', '.')}%" in text


class TestRendering:
    def test_font_embedded_and_pages_render_with_the_chart(
        self, hailong: Hailong, dataset: Dataset, tmp_path: Path
    ) -> None:
        pdf = download(hailong, tmp_path, PROVINCE.code)
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True)
        embedded = [line for line in fonts.stdout.splitlines() if "BeVietnamPro" in line]
        assert embedded and all(" yes " in line for line in embedded)
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True
        )
        pages = sorted(tmp_path.glob("page-*.png"))
        assert len(pages) >= 3
        # The elements' chart comes right after the cover: its bars are in the bar colour.
        with Image.open(pages[1]) as image:
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
        assert any(_near(colour, BAR_COLOUR) for _, colour in colours)


def _near(colour: tuple[int, int, int], target: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 8 for a, b in zip(colour, target, strict=True))


@pytest.fixture(autouse=True)
def _tools() -> None:
    for tool in ("pdftotext", "pdftoppm", "pdffonts"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} (poppler-utils) is needed", pytrace=False)
