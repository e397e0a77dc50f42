"""An official signs in and out in real Chromium at an office PC's size, JavaScript on and off."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from hailong import migrate
from hailong.db import make_engine, make_sessionmaker
from hailong.models import Role
from tests.accounts.conftest import PASSWORD, make_account, make_country
from tests.conftest import TEST_SECRET
from tests.web.server import free_port, run_server
from tests.web.test_browser import browser  # noqa: F401  (the Chromium fixture)

OFFICE_PC = {"width": 1366, "height": 768}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def served(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'office.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        make_country(session)
        make_account(session, "sonoivu", Role.official, "31")
    engine.dispose()
    return {"HAILONG_DATABASE_URL": url, "HAILONG_SECRET_KEY": TEST_SECRET}


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript-on", "javascript-off"])
def test_sign_in_see_who_and_sign_out(
    browser: Browser,  # noqa: F811
    served: dict[str, str],
    javascript: bool,
) -> None:
    with run_server(served, free_port()) as server:
        context = browser.new_context(viewport=OFFICE_PC, java_script_enabled=javascript)
        console: list[str] = []
        try:
            page = context.new_page()
            page.on("console", lambda message: console.append(message.text))
            page.goto(f"{server.url}/office/")
            assert page.url.startswith(f"{server.url}/office/login")
            page.fill("#username", "sonoivu")
            page.fill("#password", "sai mật khẩu rồi")
            page.get_by_role("button", name="Đăng nhập").click()
            assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.inner_text("main")
            page.fill("#password", PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_url(f"{server.url}/office/")
            # Who is signed in, at the top of every office page; their unit's overview below.
            assert "sonoivu" in page.inner_text("header")
            assert "Thành phố Hải Phòng" in page.inner_text("main")
            page.get_by_role("button", name="Đăng xuất").click()
            page.wait_for_url(f"{server.url}/office/login")
            page.goto(f"{server.url}/office/")
            assert page.url.startswith(f"{server.url}/office/login")
        finally:
            context.close()
    # Nothing refused by the content security policy (no inline script or style anywhere).
    assert not [text for text in console if "Content Security Policy" in text]
