"""An official checks responses in Chromium: approves one from the list, rejects another from
its page with a comment; both show in the response's history with the official's name, and
the rejected one leaves the index."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from hailong.demo_data import PROCEDURES
from tests.office.conftest import OFFICE_PC, sign_in
from tests.office.demo import OFFICIAL, WARD_A, DemoOffice, answer_survey, counter_token
from tests.office.test_overview_browser import hailong_index, vietnamese
from tests.web.server import free_port, run_server
from tests.web.test_browser import browser  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PROCEDURE = PROCEDURES[0]


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript-on", "javascript-off"])
def test_approve_one_reject_another_with_a_comment(
    browser: Browser,  # noqa: F811
    demo: DemoOffice,
    javascript: bool,
) -> None:
    with run_server(demo.env(), free_port()) as server:
        for unit in (demo.ward_a, demo.ward_b):
            answer_survey(server.url, counter_token(demo.url, unit), demo.procedure)
        context = browser.new_context(viewport=OFFICE_PC, java_script_enabled=javascript)
        try:
            page = context.new_page()
            sign_in(page, server.url, OFFICIAL)
            # The demo's units with their progress bars.
            page.get_by_role("link", name="Tiến độ", exact=True).click()
            expect(page.locator("#progress tbody tr svg.bar")).to_have_count(7)

            page.get_by_role("link", name="Kiểm tra phiếu").click()
            rows = page.locator("tr[data-response]")
            expect(rows).to_have_count(2)
            # Each response names its procedure, with the code.
            expect(rows.first).to_contain_text(f"{PROCEDURE.name} {PROCEDURE.code}")
            # and its channel in words, as the channel filter names it.
            web = page.locator("#channel option[value=web]").inner_text()
            expect(rows.first.locator("td").nth(4)).to_have_text(web)
            assert web != "web"
            first, second = rows.evaluate_all("rows => rows.map(r => r.dataset.response)")
            page.check(f"tr[data-response='{first}'] input[name=id]")
            page.select_option("#new-state", "approved")
            page.get_by_role("button", name="Lưu kết quả kiểm tra").click()
            expect(page.locator(".flash")).to_contain_text("1 phiếu")
            expect(page.locator(f"tr[data-response='{first}'] td.state-approved")).to_have_text(
                "Đã duyệt"
            )

            page.goto(f"{server.url}/office/responses/{second}")
            page.select_option("#new-state", "rejected")
            page.fill("#comment", "Phiếu trùng, cùng một người trả lời hai lần")
            page.get_by_role("button", name="Lưu kết quả kiểm tra").click()
            expect(page.locator("#review-state")).to_have_text("Bị loại")
            trail = page.inner_text("#trail")
            assert OFFICIAL in trail and "Phiếu trùng, cùng một người" in trail

            page.goto(f"{server.url}/office/responses/{first}")
            assert OFFICIAL in page.inner_text("#trail")

            # The audit log shows both decisions, with the official's name.
            page.locator(".office-bar summary", has_text="Khác").click()  # "More"
            page.get_by_role("link", name="Nhật ký hoạt động").click()
            reviews = page.locator("#audit tr", has_text="response.review")
            expect(reviews).to_have_count(2)
            assert all(OFFICIAL in text for text in reviews.all_inner_texts())
            assert "Phiếu trùng, cùng một người" in page.inner_text("#audit")

            # The rejected response left the index: the overview still equals `hailong index`.
            page.goto(f"{server.url}/office/")
            expected = hailong_index(demo, demo.province)
            assert expected["responses"] == 1
            assert page.inner_text("#sipas").strip() == f"{vietnamese(expected['sipas'])} %"
        finally:
            context.close()


def test_ward_staff_do_not_verify(
    office_context: BrowserContext,
    demo: DemoOffice,
) -> None:
    with run_server(demo.env(), free_port()) as server:
        page = office_context.new_page()
        sign_in(page, server.url, WARD_A)
        assert page.get_by_role("link", name="Kiểm tra phiếu").count() == 0
        answer = page.goto(f"{server.url}/office/responses")
        assert answer is not None and answer.status == 403
