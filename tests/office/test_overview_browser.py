"""An official opens the overview and the progress page in Chromium at 1366x768."""

from __future__ import annotations

import json

import pytest
from babel.numbers import format_decimal
from playwright.sync_api import Browser, expect

from hailong.cli import build_cli
from tests.office.conftest import OFFICE_PC, sign_in
from tests.office.demo import OFFICIAL, WARD_A, DemoOffice, answer_survey, counter_token
from tests.web.server import free_port, run_server
from tests.web.test_browser import browser  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def hailong_index(demo: DemoOffice, unit: str) -> dict[str, object]:
    from typer.testing import CliRunner

    result = CliRunner().invoke(
        build_cli(),
        ["index", "--period", demo.period, "--unit", unit, "--format", "json"],
        env={"HAILONG_DATABASE_URL": demo.url},
    )
    assert result.exit_code == 0, result.output
    found: dict[str, object] = json.loads(result.stdout)
    return found


def vietnamese(figure: object) -> str:
    return format_decimal(figure, format="#,##0.00", locale="vi")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript-on", "javascript-off"])
class TestOverview:
    def test_the_overview_shows_the_index_that_hailong_index_computes(
        self,
        browser: Browser,  # noqa: F811
        demo: DemoOffice,
        javascript: bool,
    ) -> None:
        with run_server(demo.env(), free_port()) as server:
            for unit in (demo.ward_a, demo.ward_a, demo.ward_b):
                answer_survey(server.url, counter_token(demo.url, unit), demo.procedure)
            context = browser.new_context(viewport=OFFICE_PC, java_script_enabled=javascript)
            try:
                page = context.new_page()
                sign_in(page, server.url, OFFICIAL)
                expected = hailong_index(demo, demo.province)
                assert page.inner_text("#sipas").strip() == f"{vietnamese(expected['sipas'])} %"
                assert page.inner_text("#count-total") == "3"
                main = page.inner_text("main")
                assert "Tiếp cận dịch vụ" in main  # the first of the five elements
                assert "Phường" in main  # units behind their quota
                # A ward's own figures, through the address bar.
                page.goto(f"{server.url}/office/?period={demo.period}&unit={demo.ward_a}")
                ward = hailong_index(demo, demo.ward_a)
                assert page.inner_text("#sipas").strip() == f"{vietnamese(ward['sipas'])} %"
                # English on request, numbers written the English way.
                page.get_by_role("link", name="English").click()
                assert page.inner_text("h1").startswith("Overview")
                assert page.inner_text("#sipas").strip() == f"{float(ward['sipas']):,.2f} %"
            finally:
                context.close()

    def test_progress_lists_every_unit_furthest_behind_first(
        self,
        browser: Browser,  # noqa: F811
        demo: DemoOffice,
        javascript: bool,
    ) -> None:
        with run_server(demo.env(), free_port()) as server:
            answer_survey(server.url, counter_token(demo.url, demo.ward_a), demo.procedure)
            context = browser.new_context(viewport=OFFICE_PC, java_script_enabled=javascript)
            try:
                page = context.new_page()
                sign_in(page, server.url, OFFICIAL)
                page.get_by_role("link", name="Tiến độ", exact=True).click()
                rows = page.locator("#progress tbody tr")
                expect(rows.first).to_be_visible()
                codes = rows.evaluate_all("rows => rows.map(r => r.dataset.unit)")
                assert codes[-1] == demo.ward_a  # the only unit with a response is last
                ward = page.locator(f"tr[data-unit='{demo.ward_a}'] .count")
                assert ward.inner_text() == "1 / 30"
                # The filters are a plain form: a channel that brought nothing shows nothing.
                page.select_option("#channel", "telegram")
                if not javascript:
                    page.get_by_role("button", name="Xem").click()
                page.wait_for_url("**channel=telegram**")
                assert page.locator(f"tr[data-unit='{demo.ward_a}'] .count").inner_text() == (
                    "0 / 30"
                )
            finally:
                context.close()


class TestWardStaffSeeOnlyTheirWard:
    def test_another_wards_pages_are_not_found(
        self,
        browser: Browser,  # noqa: F811
        demo: DemoOffice,
    ) -> None:
        with run_server(demo.env(), free_port()) as server:
            context = browser.new_context(viewport=OFFICE_PC)
            try:
                page = context.new_page()
                sign_in(page, server.url, WARD_A)
                assert demo.ward_a in page.inner_text("h1")
                page.goto(f"{server.url}/office/progress")
                assert page.locator("#progress tbody tr").count() == 1
                for path in ("/office/", "/office/progress", "/office/progress/events"):
                    answer = page.goto(f"{server.url}{path}?unit={demo.ward_b}")
                    assert answer is not None and answer.status == 404, path
                    assert demo.ward_b_name not in page.content()
            finally:
                context.close()


class TestQuestionnairePreview:
    def test_an_official_reads_the_questionnaire_as_a_citizen_would(
        self,
        browser: Browser,  # noqa: F811
        demo: DemoOffice,
    ) -> None:
        with run_server(demo.env(), free_port()) as server:
            context = browser.new_context(viewport=OFFICE_PC, java_script_enabled=False)
            try:
                page = context.new_page()
                sign_in(page, server.url, OFFICIAL)
                page.locator(".office-bar summary", has_text="Khác").click()  # "More"
                page.get_by_role("link", name="Phiếu khảo sát").click()
                page.get_by_role("link", name="sipas-2023").click()
                main = page.inner_text("main")
                assert "Rất hài lòng" in main  # the scale, in Vietnamese
                assert page.locator("fieldset[disabled]").count() >= 19
            finally:
                context.close()
