"""Ward staff manage their counters in Chromium (JavaScript on and off): add, rename, take out
of service and back, new codes, revoke after a confirmation, a poster; another ward's counter
is not found, typed into the address bar or posted."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from pypdf import PdfReader
from sqlalchemy import select

from hailong.db import make_engine, make_sessionmaker
from hailong.models import Counter, Unit
from tests.office.conftest import OFFICE_PC, sign_in
from tests.office.demo import WARD_A, DemoOffice
from tests.web.server import free_port, run_server
from tests.web.test_browser import browser  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def a_counter_of(demo: DemoOffice, unit_code: str) -> int:
    engine = make_engine(demo.url)
    try:
        with make_sessionmaker(engine)() as session:
            found = session.scalars(
                select(Counter.id).join(Unit).where(Unit.code == unit_code).order_by(Counter.id)
            ).first()
            assert found is not None
            return found
    finally:
        engine.dispose()


def still_active(demo: DemoOffice, counter_id: int) -> bool:
    engine = make_engine(demo.url)
    try:
        with make_sessionmaker(engine)() as session:
            return session.get_one(Counter, counter_id).active
    finally:
        engine.dispose()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript-on", "javascript-off"])
def test_ward_staff_run_their_counters(
    browser: Browser,  # noqa: F811
    demo: DemoOffice,
    javascript: bool,
) -> None:
    with run_server(demo.env(), free_port()) as server:
        context = browser.new_context(
            viewport=OFFICE_PC, java_script_enabled=javascript, accept_downloads=True
        )
        try:
            page = context.new_page()
            sign_in(page, server.url, WARD_A)
            page.get_by_role("link", name="Quầy", exact=True).click()
            # Count the rows only once the counters page has come.
            page.wait_for_url("**/office/counters")
            expect(page.locator("#one-name")).to_be_visible()
            before = page.locator("tr[data-counter]").count()
            page.fill("#one-name", "Quầy tiếp nhận hồ sơ đất đai")
            page.locator("form:has(#one-name) button").click()
            expect(page.locator(".flash")).to_contain_text("Đã thêm 1 quầy")
            expect(page.locator("tr[data-counter]")).to_have_count(before + 1)
            row = page.locator("tr[data-counter]").last
            counter = row.get_attribute("data-counter")
            code = row.locator(".code-cell").inner_text()

            row.locator("input[name=name]").fill("Quầy đất đai")
            row.get_by_role("button", name="Đổi tên").click()
            expect(page.locator(".flash")).to_contain_text("Đã đổi tên")
            row = page.locator(f"tr[data-counter='{counter}']")
            expect(row.locator("input[name=name]")).to_have_value("Quầy đất đai")

            row.get_by_role("button", name="Ngừng hoạt động").click()
            expect(row.locator(".state")).to_have_text("Ngừng hoạt động")
            row.get_by_role("button", name="Hoạt động trở lại").click()
            expect(row.locator(".state")).to_have_text("Đang hoạt động")

            row.get_by_role("button", name="Cấp mã mới").click()
            expect(page.locator(".flash")).to_contain_text("mã mới")
            new_code = row.locator(".code-cell").inner_text()
            assert new_code != code

            with page.expect_download() as download:
                row.get_by_role("link", name="Áp phích A6").click()
            pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
            assert len(pdf.pages) == 1

            row.get_by_role("link", name="Thu hồi").click()
            assert "không còn dùng được" in page.inner_text(".problem")
            assert new_code in page.inner_text(".problem")
            page.fill("#comment", "Quầy đã giải thể")
            page.click("#confirm-revoke")
            expect(page.locator(".flash")).to_contain_text("đã bị thu hồi")
            expect(page.locator(f"tr[data-counter='{counter}'] .state")).to_have_text(
                "Đã thu hồi, mã không còn dùng được"
            )
            # The old short code now says it is no longer in use.
            typed = httpx.get(f"{server.url}/c/{new_code}")
            assert typed.status_code == 410
        finally:
            context.close()


def test_another_wards_counter_is_not_found(
    office_context: BrowserContext,
    demo: DemoOffice,
) -> None:
    theirs = a_counter_of(demo, demo.ward_b)
    with run_server(demo.env(), free_port()) as server:
        page = office_context.new_page()
        sign_in(page, server.url, WARD_A)
        for path in (
            f"/office/counters/{theirs}/revoke",
            f"/office/counters/{theirs}/poster.pdf",
            f"/office/counters?unit={demo.ward_b}",
        ):
            answer = page.request.get(f"{server.url}{path}")
            assert answer.status == 404, path
            assert demo.ward_b_name not in answer.text()
        # A post with a valid form token, aimed at their counter.
        page.goto(f"{server.url}/office/counters")
        token = page.locator("input[name=csrf_token]").first.get_attribute("value")
        answer = page.request.post(
            f"{server.url}/office/counters/{theirs}/revoke",
            form={"csrf_token": token or ""},
        )
        assert answer.status == 404
        page.reload()
        assert page.locator(f"tr[data-counter='{theirs}']").count() == 0
        assert still_active(demo, theirs)
