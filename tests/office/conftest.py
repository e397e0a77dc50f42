"""Office pages in real Chromium against a real server seeded with the demo's province."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.accounts.conftest import PASSWORD
from tests.office.demo import DemoOffice, seed_office
from tests.web.test_browser import browser  # noqa: F401  (the Chromium fixture)

OFFICE_PC = {"width": 1366, "height": 768}


@pytest.fixture
def demo(tmp_path: Path) -> DemoOffice:
    return seed_office(f"sqlite:///{tmp_path / 'office.db'}")


@pytest.fixture
def office_context(browser: Browser) -> Iterator[BrowserContext]:  # noqa: F811
    context = browser.new_context(viewport=OFFICE_PC)
    yield context
    context.close()


def sign_in(page: Page, base_url: str, username: str) -> None:
    """Through the sign-in form, as a person would."""
    page.goto(f"{base_url}/office/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base_url}/office/")
