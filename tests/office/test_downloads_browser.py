"""Downloads from the office page in Chromium (JavaScript off: plain forms): the index as CSV,
the report as PDF, raw responses as XLSX; another ward's file is not found."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext
from pypdf import PdfReader

from tests.office.conftest import OFFICE_PC, sign_in
from tests.office.demo import OFFICIAL, WARD_A, DemoOffice, answer_survey, counter_token
from tests.web.server import free_port, run_server
from tests.web.test_browser import browser  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_official_downloads_the_index_the_report_and_the_responses(
    browser: Browser,  # noqa: F811
    demo: DemoOffice,
) -> None:
    with run_server(demo.env(), free_port()) as server:
        answer_survey(server.url, counter_token(demo.url, demo.ward_a), demo.procedure)
        context = browser.new_context(
            viewport=OFFICE_PC, java_script_enabled=False, accept_downloads=True
        )
        try:
            page = context.new_page()
            sign_in(page, server.url, OFFICIAL)
            page.get_by_role("link", name="Tải về").click()
            with page.expect_download() as index:
                page.click("#index-csv")
            text = Path(index.value.path()).read_text(encoding="utf-8-sig")
            assert demo.ward_a in text and "Thành phố Hải Phòng" in text
            with page.expect_download() as report:
                page.click("#report-pdf")
            assert len(PdfReader(io.BytesIO(Path(report.value.path()).read_bytes())).pages) > 0
            with page.expect_download() as responses:
                page.click("#responses-xlsx")
            sheet = load_workbook(io.BytesIO(Path(responses.value.path()).read_bytes())).active
            assert sheet is not None
            assert len(list(sheet.iter_rows())) == 2  # the header and the one response
        finally:
            context.close()


def test_another_wards_download_is_not_found(
    office_context: BrowserContext,
    demo: DemoOffice,
) -> None:
    with run_server(demo.env(), free_port()) as server:
        page = office_context.new_page()
        sign_in(page, server.url, WARD_A)
        for path in (
            f"/office/downloads?unit={demo.ward_b}",
            f"/office/downloads/file?file=index.csv&period={demo.period}&unit={demo.ward_b}",
            f"/office/downloads/file?file=responses.csv&period={demo.period}&unit={demo.ward_b}",
        ):
            answer = page.request.get(f"{server.url}{path}")
            assert answer.status == 404, path
            assert demo.ward_b_name not in answer.text()


def test_csv_for_excel_in_vietnamese(
    browser: Browser,  # noqa: F811
    demo: DemoOffice,
) -> None:
    with run_server(demo.env(), free_port()) as server:
        answer_survey(server.url, counter_token(demo.url, demo.ward_a), demo.procedure)
        context = browser.new_context(
            viewport=OFFICE_PC, java_script_enabled=False, accept_downloads=True
        )
        try:
            page = context.new_page()
            sign_in(page, server.url, OFFICIAL)
            page.get_by_role("link", name="Tải về").click()
            button = page.locator("#index-csv-excel")
            assert button.inner_text() == "CSV cho Excel (tiếng Việt)"
            with page.expect_download() as index:
                button.click()
            assert index.value.suggested_filename.endswith("-excel-vi.csv")
            data = Path(index.value.path()).read_bytes()
            assert data.startswith(b"\xef\xbb\xbf")
            header, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")
            assert header[:3] == ["Cấp", "Mã đơn vị", "Tên đơn vị"]
            ward = next(row for row in rows if row[1] == f'="{demo.ward_a}"')
            assert "," in ward[5] and "." not in ward[5]  # the ward's index, a decimal comma
            with page.expect_download() as responses:
                page.click("#responses-csv-excel")
            text = Path(responses.value.path()).read_text(encoding="utf-8-sig")
            header, row = csv.reader(io.StringIO(text), delimiter=";")
            assert header[:3] == ["form_id", "unit_code", "period"]
            assert row[1] == f'="{demo.ward_a}"'
        finally:
            context.close()
