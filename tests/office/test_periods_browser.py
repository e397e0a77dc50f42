"""An official runs periods in Chromium with JavaScript off: adds one, sets a unit's quota,
uploads a quota file (a bad line changes nothing and is named), closes the period; changes a
period's official channels (the index follows) and, while nobody has answered, its
questionnaire version."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from sqlalchemy import select

from hailong.db import make_engine, make_sessionmaker
from hailong.models import AuditEntry, Period, QuestionnaireVersion, Unit
from tests.office.conftest import OFFICE_PC, sign_in
from tests.office.demo import OFFICIAL, WARD_A, DemoOffice, answer_survey, counter_token
from tests.office.test_overview_browser import hailong_index, vietnamese
from tests.web.server import free_port, run_server
from tests.web.test_browser import browser  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
OTHER_VERSION = "sipas-2023-b"


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
            # The unit field offers the official's units by name.
            offered = page.locator("#unit-codes option")
            assert demo.ward_a in offered.evaluate_all("options => options.map(o => o.value)")
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
    office_context: BrowserContext,
    demo: DemoOffice,
) -> None:
    with run_server(demo.env(), free_port()) as server:
        page = office_context.new_page()
        sign_in(page, server.url, WARD_A)
        assert page.get_by_role("link", name="Đợt khảo sát").count() == 0
        answer = page.goto(f"{server.url}/office/periods")
        assert answer is not None and answer.status == 403


def run_by_the_city(demo: DemoOffice) -> None:
    """This year's demo period run by the city's officials, and a second questionnaire version
    for them to choose."""
    engine = make_engine(demo.url)
    try:
        with make_sessionmaker(engine).begin() as session:
            city = session.scalars(select(Unit).where(Unit.code == demo.province)).one()
            period = session.scalars(select(Period).where(Period.code == demo.period)).one()
            period.unit_id = city.id
            builtin = session.get_one(QuestionnaireVersion, period.questionnaire_id)
            session.add(QuestionnaireVersion(code=OTHER_VERSION, title="B", source=builtin.source))
    finally:
        engine.dispose()


def period_changes(demo: DemoOffice) -> list[dict[str, object]]:
    engine = make_engine(demo.url)
    try:
        with make_sessionmaker(engine)() as session:
            query = select(AuditEntry.details).where(AuditEntry.action == "period.change")
            return [
                dict(details or {}) for details in session.scalars(query.order_by(AuditEntry.id))
            ]
    finally:
        engine.dispose()


def test_an_official_changes_a_periods_channels_and_questionnaire(
    browser: Browser,  # noqa: F811
    demo: DemoOffice,
) -> None:
    run_by_the_city(demo)
    with run_server(demo.env(), free_port()) as server:
        answer_survey(server.url, counter_token(demo.url, demo.ward_a), demo.procedure)
        context = browser.new_context(viewport=OFFICE_PC, java_script_enabled=False)
        try:
            page = context.new_page()
            sign_in(page, server.url, OFFICIAL)
            counted = hailong_index(demo, demo.province)["sipas"]
            assert counted is not None
            assert page.inner_text("#sipas").strip() == f"{vietnamese(counted)} %"

            # The period has a response: its questionnaire stays, and the official reads why.
            page.locator(".office-bar summary", has_text="Khác").click()  # "More"
            page.get_by_role("link", name="Đợt khảo sát").click()
            row = page.locator(f"tr[data-period='{demo.period}']")
            row.locator("summary").click()
            row.locator("select[name=questionnaire]").select_option(OTHER_VERSION)
            row.get_by_role("button", name="Lưu").click()
            refusal = page.inner_text("main")
            vietnamese_at = refusal.index(f"Đợt {demo.period} đã có phiếu trả lời")
            assert vietnamese_at < refusal.index("can no longer change")
            page.goto(f"{server.url}/office/periods")
            expect(row.locator("td").nth(2)).to_have_text("sipas-2023")

            # Web answers no longer official: the index has nothing to count, here and in
            # `hailong index` alike; then official again.
            row.locator("summary").click()
            row.locator("input[name=official][value=web]").uncheck()
            row.locator("input[name=comment]").first.fill("Chỉ tính phiếu giấy")
            row.get_by_role("button", name="Lưu").click()
            expect(page.locator(".flash")).to_be_visible()
            assert "web" not in row.locator("td").nth(4).inner_text().split(", ")
            assert hailong_index(demo, demo.province)["sipas"] is None
            page.goto(f"{server.url}/office/")
            assert page.inner_text("#sipas").strip() == "—"
            page.goto(f"{server.url}/office/periods")
            row.locator("summary").click()
            row.locator("input[name=official][value=web]").check()
            row.get_by_role("button", name="Lưu").click()
            assert hailong_index(demo, demo.province)["sipas"] == counted
            page.goto(f"{server.url}/office/")
            assert page.inner_text("#sipas").strip() == f"{vietnamese(counted)} %"
            official = [change["official"] for change in period_changes(demo)]
            assert [len(before) - len(after) for before, after in official] == [1, -1]

            # A new period, nobody has answered yet: its version may change.
            page.goto(f"{server.url}/office/periods")
            page.fill("#code", "2027-q1")
            page.fill("#start", "2027-01-01")
            page.fill("#end", "2027-03-31")
            page.locator("form:has(#code) button").click()
            fresh = page.locator("tr[data-period='2027-q1']")
            fresh.locator("summary").click()
            fresh.locator("select[name=questionnaire]").select_option(OTHER_VERSION)
            fresh.get_by_role("button", name="Lưu").click()
            expect(fresh.locator("td").nth(2)).to_have_text(OTHER_VERSION)
        finally:
            context.close()
