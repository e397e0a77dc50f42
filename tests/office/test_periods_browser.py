"""An official runs periods in Chromium with JavaScript off: adds one, sets a unit's quota,
uploads a quota file (a bad line changes nothing and is named), closes the period."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.office.conftest import OFFICE_PC, sign_in
from tests.office.demo import OFFICIAL, WARD_A, DemoOffice
from tests.web.server import free_port, run_server
from tests.web.test_browser import browser  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_official_runs_a_period_and_its_quotas(
    browser: Browser,  # noqa: F811
    demo: DemoOffice,
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(f"unit_code,quota\n{demo.ward_a},40\n99999,10\n{demo.ward_b},abc\n")
    good = tmp_path / "good.csv"
    good.write_text(f"unit_code;quota\n{demo.ward_a};40\n{demo.ward_b};45\n")
    with run_server(demo.env(), free_port()) as server:
        context = browser.new_context(viewport=OFFICE_PC, java_script_enabled=False)
        try:
            page = context.new_page()
            sign_in(page, server.url, OFFICIAL)
            page.locator(".office-bar summary", has_text="Khác").click()  # "More"
            page.get_by_role("link", name="Đợt khảo sát").click()
            page.fill("#code", "2027-q1")
            page.fill("#start", "2027-01-01")
            page.fill("#end", "2027-03-31")
            page.fill("#quota", "25")
            page.locator("form:has(#code) button").click()
            row = page.locator("tr[data-period='2027-q1']")
            expect(row).to_contain_text("25")

            row.get_by_role("link", name="Chỉ tiêu").click()
            page.fill("#unit", demo.ward_a)
            page.fill("#quota", "33")
            page.get_by_role("button", name="Lưu").click()
            expect(page.locator(f"#quotas tr[data-unit='{demo.ward_a}']")).to_contain_text("33")

            page.set_input_files("#file", str(bad))
            page.get_by_role("button", name="Tải lên").click()
            assert "3, 4" in page.inner_text("main")  # the lines to correct
            page.go_back()
            page.reload()
            expect(page.locator(f"#quotas tr[data-unit='{demo.ward_a}']")).to_contain_text("33")

            page.set_input_files("#file", str(good))
            page.get_by_role("button", name="Tải lên").click()
            expect(page.locator(".flash")).to_contain_text("2")
            expect(page.locator(f"#quotas tr[data-unit='{demo.ward_b}']")).to_contain_text("45")

            page.get_by_role("link", name="Quay lại các đợt khảo sát").click()
            row = page.locator("tr[data-period='2027-q1']")
            row.get_by_role("button", name="Đóng đợt").click()
            expect(page.locator("tr[data-period='2027-q1'] .state")).to_have_text("Đã đóng")
        finally:
            context.close()


def test_ward_staff_have_no_periods_page(
    browser: Browser,  # noqa: F811
    demo: DemoOffice,
) -> None:
    with run_server(demo.env(), free_port()) as server:
        context = browser.new_context(viewport=OFFICE_PC)
        try:
            page = context.new_page()
            sign_in(page, server.url, WARD_A)
            assert page.get_by_role("link", name="Đợt khảo sát").count() == 0
            answer = page.goto(f"{server.url}/office/periods")
            assert answer is not None and answer.status == 403
        finally:
            context.close()
