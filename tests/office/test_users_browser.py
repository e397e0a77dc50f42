"""Users (tài khoản) in Chromium at 1366×768: an official adds an account for a ward below
it, disables it (it can no longer sign in), gives another a new password (the new one works,
the old one does not, its open session ends); ward staff have no such page; an official of
one ward cannot reach an account of another, by address or by a posted form. And the red
navigation bar stays on one line."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.accounts.conftest import PASSWORD
from tests.office.conftest import OFFICE_PC, sign_in
from tests.office.demo import OFFICIAL, WARD_A, WARD_B, DemoOffice, seed_office
from tests.web.server import free_port, run_server
from tests.web.test_browser import browser  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEW_PASSWORD = "Hoa-sen-trong-đầm-2026"
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng"
DISABLED = "Tài khoản này đã bị khóa"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_demo(
    request: pytest.FixtureRequest, demo: DemoOffice, postgres_database_factory: Callable[[], str]
) -> DemoOffice:
    if request.param == "sqlite":
        return demo
    return seed_office(postgres_database_factory())


def try_sign_in(context: BrowserContext, base_url: str, username: str, password: str) -> Page:
    """The sign-in form in a browser of its own; the page it ends on."""
    page = context.new_page()
    page.goto(f"{base_url}/office/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    return page


def open_users(page: Page) -> None:
    page.locator(".office-bar").get_by_role("link", name="Tài khoản").click()
    expect(page.locator("h1")).to_contain_text("Tài khoản")


def add_account(page: Page, username: str, role: str, unit: str, password: str = "") -> None:
    page.fill("#username", username)
    page.select_option("#role", role)
    page.select_option("#unit", unit)
    page.fill("#password", password)
    page.fill("#repeated", password)
    page.get_by_role("button", name="Thêm", exact=True).click()
    expect(page.locator("h1")).to_have_text(f"Tài khoản {username}")


def account_href(page: Page, username: str) -> str:
    page.goto(page.url.split("/office/")[0] + "/office/users")
    href = page.locator(f"#accounts tr[data-account='{username}'] a").get_attribute("href")
    assert href is not None
    return href


def post_with_token(page: Page, url: str, action: str) -> int:
    """A form post carrying this page's valid CSRF token, as a crafted request would."""
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(
        url, form={"csrf_token": token or "", "action": action}, max_redirects=0
    )
    return answer.status


def test_an_official_adds_disables_and_resets_accounts(
    browser: Browser,  # noqa: F811
    any_demo: DemoOffice,
) -> None:
    demo = any_demo
    with run_server(demo.env(), free_port()) as server:
        official = browser.new_context(viewport=OFFICE_PC)
        others = browser.new_context(viewport=OFFICE_PC)
        try:
            page = official.new_page()
            page.on("dialog", lambda dialog: dialog.accept())  # "Disable this account?"
            sign_in(page, server.url, OFFICIAL)
            open_users(page)
            add_account(page, "haian-moi", "ward_staff", demo.ward_a, NEW_PASSWORD)
            expect(page.locator(".flash")).to_have_text("Đã thêm tài khoản.")
            assert try_sign_in(others, server.url, "haian-moi", NEW_PASSWORD).url.endswith(
                "/office/"
            )

            page.get_by_role("button", name="Khóa tài khoản").click()
            expect(page.locator("dd.state")).to_contain_text("Đã khóa")
            refused = try_sign_in(others, server.url, "haian-moi", NEW_PASSWORD)
            expect(refused.locator(".problem")).to_contain_text(DISABLED)
            expect(refused.locator(".problem")).to_contain_text("This account is disabled")

            # The audit log, filtered on the account, names the official for both changes.
            page.get_by_role("link", name="Các thay đổi của tài khoản này").click()
            lines = page.locator("#audit tbody tr")
            expect(lines).to_have_count(2)
            assert all(OFFICIAL in text for text in lines.all_inner_texts())
            assert {"user.add", "user.disable"} <= set(page.inner_text("#audit").split())

            # Ward staff A is signed in elsewhere; the official gives them a new password.
            staff = try_sign_in(others, server.url, WARD_A, PASSWORD)
            page.goto(server.url + account_href(page, WARD_A))
            page.get_by_role("button", name="Tạo mật khẩu giúp tôi").click()
            made = page.locator("#new-password").inner_text().strip()
            assert len(made) >= 12
            staff.reload()
            assert "/office/login" in staff.url  # that session ended
            refused = try_sign_in(others, server.url, WARD_A, PASSWORD)
            expect(refused.locator(".problem")).to_contain_text(WRONG)
            assert try_sign_in(others, server.url, WARD_A, made).url.endswith("/office/")
        finally:
            official.close()
            others.close()


def test_with_javascript_off_an_official_adds_an_account_with_a_made_password(
    browser: Browser,  # noqa: F811
    demo: DemoOffice,
) -> None:
    with run_server(demo.env(), free_port()) as server:
        context = browser.new_context(viewport=OFFICE_PC, java_script_enabled=False)
        try:
            page = context.new_page()
            sign_in(page, server.url, OFFICIAL)
            open_users(page)
            add_account(page, "haian-ttam", "official", demo.ward_a)
            made = page.locator("#new-password").inner_text().strip()
            expect(page.locator("dl.facts")).to_contain_text("Cán bộ quản lý")
            page.get_by_role("link", name="Quay lại danh sách tài khoản").click()
            row = page.locator("#accounts tr[data-account='haian-ttam']")
            expect(row).to_contain_text("Đang hoạt động")
            expect(row).to_contain_text("Chưa bao giờ")

            # A password that breaks the rule: a polite message, and nothing is added.
            open_users(page)
            page.fill("#username", "haian-yeu")
            page.fill("#password", "ngắn")
            page.fill("#repeated", "ngắn")
            page.get_by_role("button", name="Thêm", exact=True).click()
            assert "ít nhất 12 ký tự" in page.inner_text("main")
            page.goto(f"{server.url}/office/users")
            assert page.locator("#accounts tr[data-account='haian-yeu']").count() == 0

            other = browser.new_context(viewport=OFFICE_PC, java_script_enabled=False)
            try:
                signed_in = try_sign_in(other, server.url, "haian-ttam", made)
                assert signed_in.url.endswith("/office/")
            finally:
                other.close()
        finally:
            context.close()


def test_ward_staff_neither_see_nor_act_on_accounts(
    browser: Browser,  # noqa: F811
    demo: DemoOffice,
) -> None:
    with run_server(demo.env(), free_port()) as server:
        official = browser.new_context(viewport=OFFICE_PC)
        staff = browser.new_context(viewport=OFFICE_PC)
        try:
            page = official.new_page()
            sign_in(page, server.url, OFFICIAL)
            ward_b_account = server.url + account_href(page, WARD_B)
            own_account = server.url + account_href(page, WARD_A)

            page = staff.new_page()
            sign_in(page, server.url, WARD_A)
            assert page.locator(".office-bar").get_by_role("link", name="Tài khoản").count() == 0
            for url in (f"{server.url}/office/users", ward_b_account, own_account):
                answer = page.goto(url)
                assert answer is not None and answer.status == 403, url
            page.goto(f"{server.url}/office/")
            assert post_with_token(page, ward_b_account, "disable") == 403
            assert post_with_token(page, ward_b_account, "generate") == 403
            official.clear_cookies()
            assert try_sign_in(official, server.url, WARD_B, PASSWORD).url.endswith("/office/")
        finally:
            official.close()
            staff.close()


def test_an_official_of_one_ward_cannot_reach_another_wards_accounts(
    browser: Browser,  # noqa: F811
    demo: DemoOffice,
) -> None:
    with run_server(demo.env(), free_port()) as server:
        context = browser.new_context(viewport=OFFICE_PC)
        try:
            page = context.new_page()
            sign_in(page, server.url, OFFICIAL)
            open_users(page)
            add_account(page, "canbo-a", "official", demo.ward_a, NEW_PASSWORD)
            ward_b_account = server.url + account_href(page, WARD_B)
            context.clear_cookies()

            page = try_sign_in(context, server.url, "canbo-a", NEW_PASSWORD)
            open_users(page)
            listed = set(
                page.locator("#accounts tbody tr").evaluate_all(
                    "rows => rows.map(row => row.dataset.account)"
                )
            )
            assert listed == {"canbo-a", WARD_A}
            answer = page.goto(ward_b_account)
            assert answer is not None and answer.status == 404
            assert demo.ward_b_name not in page.inner_text("body")
            answer = page.goto(f"{server.url}/office/users?unit={demo.ward_b}")
            assert answer is not None and answer.status == 404
            page.goto(f"{server.url}/office/users")
            assert post_with_token(page, ward_b_account, "disable") == 404
            assert post_with_token(page, ward_b_account, "generate") == 404
            page.goto(ward_b_account.rsplit("/", 1)[0])
            # The city's official is above this one: not reachable either.
            assert page.locator(f"#accounts tr[data-account='{OFFICIAL}']").count() == 0
        finally:
            context.close()
        other = browser.new_context(viewport=OFFICE_PC)
        try:
            assert try_sign_in(other, server.url, WARD_B, PASSWORD).url.endswith("/office/")
        finally:
            other.close()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_navigation_bar_stays_on_one_line(
    office_context: BrowserContext,
    demo: DemoOffice,
    language: str,
) -> None:
    with run_server(demo.env(), free_port()) as server:
        page = office_context.new_page()
        page.goto(f"{server.url}/office/login?lang={language}")
        one_line = page.locator(".office-bar").bounding_box()
        assert one_line is not None
        sign_in_label = "Đăng nhập" if language == "vi" else "Sign in"
        page.fill("#username", OFFICIAL)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name=sign_in_label).click()
        for path in ("/office/", "/office/users", "/office/audit"):
            page.goto(f"{server.url}{path}")
            bar = page.locator(".office-bar").bounding_box()
            assert bar is not None and bar["height"] == one_line["height"], path
        # "More" holds the rest, and opens without a script.
        more = "Khác" if language == "vi" else "More"
        page.locator(".office-bar summary", has_text=more).click()
        audit = "Nhật ký hoạt động" if language == "vi" else "Audit log"
        audit_link = page.locator(".office-bar").get_by_role("link", name=audit)
        expect(audit_link).to_be_visible()
        page.locator("main h1").click()  # a click elsewhere closes it again
        expect(audit_link).to_be_hidden()
