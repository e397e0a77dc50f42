"""The progress page updates itself while open: a response completed elsewhere shows up
within ten seconds without a reload, through one app process, across two (PostgreSQL and
Redis), and by polling when Redis is down."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import REDIS_TEST_URL
from tests.office.conftest import OFFICE_PC, sign_in
from tests.office.demo import OFFICIAL, DemoOffice, answer_survey, counter_token, seed_office
from tests.web.server import free_port, run_server
from tests.web.test_browser import browser  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WITHIN_MS = 10_000


def open_progress(browser: Browser, server_url: str) -> Page:  # noqa: F811
    page = browser.new_context(viewport=OFFICE_PC).new_page()
    sign_in(page, server_url, OFFICIAL)
    page.goto(f"{server_url}/office/progress")
    # A mark that a reload would wipe: the update must come without one.
    page.evaluate("window.notReloaded = true")
    return page


def sees_new_response(page: Page, demo: DemoOffice, complete: Callable[[], None]) -> None:
    cell = page.locator(f"tr[data-unit='{demo.ward_a}'] .count")
    expect(cell).to_have_text("0 / 30")
    complete()
    expect(cell).to_have_text("1 / 30", timeout=WITHIN_MS)
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#progress-totals")).to_contain_text("1 trên")


class TestLiveProgress:
    def test_one_process_without_redis(
        self,
        browser: Browser,  # noqa: F811
        demo: DemoOffice,
    ) -> None:
        with run_server(demo.env(), free_port()) as server:
            page = open_progress(browser, server.url)
            expect(page.locator("#live-status")).to_have_text("Tự cập nhật khi trang đang mở.")
            token = counter_token(demo.url, demo.ward_a)
            sees_new_response(page, demo, lambda: answer_survey(server.url, token, demo.procedure))
            page.context.close()

    def test_two_processes_on_postgresql_with_redis(
        self,
        browser: Browser,  # noqa: F811
        postgres_database_factory: Callable[[], str],
        redis_prefix: str,
    ) -> None:
        demo = seed_office(postgres_database_factory())
        env = demo.env(HAILONG_REDIS_URL=REDIS_TEST_URL, HAILONG_REDIS_PREFIX=redis_prefix)
        with ExitStack() as servers:
            shown_by = servers.enter_context(run_server(env, free_port()))
            stored_by = servers.enter_context(run_server(env, free_port()))
            assert shown_by.pid != stored_by.pid
            page = open_progress(browser, shown_by.url)
            expect(page.locator("#live-status")).to_have_text("Tự cập nhật khi trang đang mở.")
            token = counter_token(demo.url, demo.ward_a)
            sees_new_response(
                page, demo, lambda: answer_survey(stored_by.url, token, demo.procedure)
            )
            page.context.close()

    def test_redis_down_the_page_loads_and_polls(
        self,
        browser: Browser,  # noqa: F811
        demo: DemoOffice,
    ) -> None:
        # Nothing listens on this port: Redis is "down" from the start.
        env = demo.env(HAILONG_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
        with run_server(env, free_port()) as server:
            page = open_progress(browser, server.url)
            expect(page.locator("#live-status")).to_have_text(
                "Cứ vài giây kiểm tra phiếu mới một lần."
            )
            token = counter_token(demo.url, demo.ward_a)
            sees_new_response(page, demo, lambda: answer_survey(server.url, token, demo.procedure))
            page.context.close()
