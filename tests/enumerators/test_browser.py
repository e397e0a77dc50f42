"""An enumerator on a phone in real Chromium: three interviews with the network gone, sent
exactly once when it returns; an interview at their own unit refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from hailong import migrate
from hailong.db import make_engine, make_sessionmaker
from hailong.models import Response, ResponseStatus
from tests.accounts.conftest import PASSWORD
from tests.conftest import TEST_SECRET
from tests.enumerators.conftest import COPY, Field, seed_field
from tests.web.plan import answer_plan
from tests.web.server import free_port, run_server
from tests.web.test_browser import PHONE, browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def served(tmp_path: Path) -> tuple[str, Field]:
    url = f"sqlite:///{tmp_path / 'field.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        field = seed_field(session)
    engine.dispose()
    return url, field


def interview(page: Page) -> None:
    """One interview, from the setup form to "next respondent"."""
    page.get_by_role("button", name="Bắt đầu phỏng vấn").click()
    plan = answer_plan(COPY)
    for _page in range(20):
        page.wait_for_selector("#survey:not([hidden]), #done:not([hidden])")
        if page.locator("#done").is_visible():
            return
        title = page.inner_text("#title")
        names = page.eval_on_selector_all(
            "#page-form [name]", "nodes => [...new Set(nodes.map(n => n.name))]"
        )
        for key in names:
            if page.locator(f'#page-form textarea[name="{key}"]').count():
                page.fill(f'#page-form textarea[name="{key}"]', plan[key][0])
                continue
            for value in plan[key]:
                page.check(f'#page-form input[name="{key}"][value="{value}"]')
        page.click("#page-form button[type=submit]")
        page.wait_for_function(
            "t => document.getElementById('title').textContent !== t"
            " || !document.getElementById('done').hidden",
            arg=title,
        )
    raise AssertionError("the interview did not end")


def test_three_interviews_offline_arrive_once(
    browser: Browser,  # noqa: F811
    served: tuple[str, Field],
) -> None:
    url, field = served
    env = {"HAILONG_DATABASE_URL": url, "HAILONG_SECRET_KEY": TEST_SECRET}
    with run_server(env, free_port()) as server:
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        try:
            page = context.new_page()
            page.goto(f"{server.url}/interview/")
            page.fill("#username", "dieutra")
            page.fill("#password", PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_url(f"{server.url}/interview/")
            page.wait_for_selector("#setup:not([hidden])")
            options = page.eval_on_selector_all("#unit option", "o => o.map(x => x.textContent)")
            assert options == ["Phường Hải An"]  # never their own Ngô Quyền
            page.evaluate("navigator.serviceWorker.ready")

            context.set_offline(True)
            page.reload()  # the service worker's copy: the page opens without network
            page.wait_for_selector("#setup:not([hidden])")
            for _respondent in range(3):
                interview(page)
                assert page.locator("#queue li[data-state=queued]").count() >= 1
                page.get_by_role("button", name="Người trả lời tiếp theo").click()
            assert page.locator("#queue li[data-state=queued]").count() == 3
            assert page.locator("#network").is_visible()

            context.set_offline(False)
            page.wait_for_function(
                "() => document.querySelectorAll('#queue li[data-state=sent]').length === 3",
                timeout=20000,
            )
            # Everything again, as a retry after a lost answer would: nothing new.
            resent = page.evaluate(
                """async () => {
                    const db = await new Promise(r => {
                        const q = indexedDB.open('hailong-interviews', 1);
                        q.onsuccess = () => r(q.result);
                    });
                    const all = await new Promise(r => {
                        const q = db.transaction('interviews').objectStore('interviews').getAll();
                        q.onsuccess = () => r(q.result);
                    });
                    const codes = [];
                    for (const item of all) {
                        const {state, reason, ...body} = item;
                        const answer = await fetch('/interview/responses', {method: 'POST',
                            headers: {'content-type': 'application/json'},
                            body: JSON.stringify(body)});
                        codes.push(answer.status);
                    }
                    return codes;
                }"""
            )
            assert resent == [200, 200, 200]
            own = page.evaluate(
                """async ([unit, counter]) => {
                    const answer = await fetch('/interview/responses', {method: 'POST',
                        headers: {'content-type': 'application/json'},
                        body: JSON.stringify({client_id: crypto.randomUUID(), unit_id: unit,
                            counter_id: counter, procedure_code: '1.004227', answers: {}})});
                    return [answer.status, (await answer.json()).error.message.vi];
                }""",
                [field.own_unit, field.own_counter],
            )
            assert own[0] == 403 and "đơn vị của chính mình" in own[1]
        finally:
            context.close()

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        stored = session.scalars(select(Response)).all()
    engine.dispose()
    assert len(stored) == 3
    assert {r.channel for r in stored} == {"interview"}
    assert {r.enumerator_id for r in stored} == {field.enumerator_id}
    assert {r.status for r in stored} == {ResponseStatus.completed}
    assert {r.unit_id for r in stored} == {field.assigned_unit}


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/interview/")
    page.fill("#username", "dieutra")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/interview/")


def test_without_storage_the_page_says_so_and_works_online(
    browser: Browser,  # noqa: F811
    served: tuple[str, Field],
) -> None:
    url, _field = served
    env = {"HAILONG_DATABASE_URL": url, "HAILONG_SECRET_KEY": TEST_SECRET}
    with run_server(env, free_port()) as server:
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        # What a private window may do: IndexedDB refuses to open.
        context.add_init_script(
            "IDBFactory.prototype.open = function () { throw new DOMException('no', 'x'); };"
        )
        try:
            page = context.new_page()
            sign_in(page, server.url)
            page.wait_for_selector("#setup:not([hidden])")
            assert "không cho lưu trữ" in page.inner_text("#storage")
            interview(page)
            page.wait_for_selector("#queue li[data-state=sent]")
        finally:
            context.close()
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        assert len(session.scalars(select(Response)).all()) == 1
    engine.dispose()


def test_with_javascript_off_the_page_says_it_needs_it(
    browser: Browser,  # noqa: F811
    served: tuple[str, Field],
) -> None:
    url, _field = served
    env = {"HAILONG_DATABASE_URL": url, "HAILONG_SECRET_KEY": TEST_SECRET}
    with run_server(env, free_port()) as server:
        context = browser.new_context(viewport=PHONE, java_script_enabled=False)
        try:
            page = context.new_page()
            sign_in(page, server.url)
            assert "cần JavaScript" in page.inner_text("main")
        finally:
            context.close()
