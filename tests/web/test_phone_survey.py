"""The whole survey on a 360×740 phone in real Chromium, as a citizen at the counter does it:
how many taps, pages, pixels of scrolling and words it takes, whether the progress shown is
honest, and that JavaScript on and off store the same answers.

Screenshots of a criteria page at 360×740 and 320×568 go to $HAILONG_SCREENSHOTS when it is
set (a person looks at them), else to the test's own folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from hailong.db import make_engine, make_sessionmaker
from hailong.models import ResponseStatus
from tests.web.citizen import all_responses, answers_of
from tests.web.conftest import ServedDatabase
from tests.web.plan import Plan, answer_plan, page_fields, stored_form
from tests.web.server import free_port, run_server
from tests.web.test_browser import PHONE, browser

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SMALL_PHONE = {"width": 320, "height": 568}
MAX_PAGES = 7  # after the landing page
MAX_SCROLL = 6000  # CSS pixels, every page after the landing page together
# "About two screen heights": a page may run a little over, never far.
MAX_PAGE_HEIGHT = 2 * PHONE["height"] + 120
PROGRESS = re.compile(r"Trang (\d+)/(\d+)")
# The words a citizen reads on a page: what is shown, less the names only screen readers say,
# the answer buttons' digits and the buttons under the form.
READ_WORDS = """() => {
  const main = document.querySelector("main").cloneNode(true);
  main.querySelectorAll(".vh, .sc, .nav").forEach((node) => node.remove());
  return main.textContent.split(/\\s+/).filter(Boolean).length;
}"""
SCALE_WORDS = ("Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng")


def every_answer(procedure_code: str, *, gave_feedback: str = "yes") -> Plan:
    """An answer to every question, the optional ones included."""
    plan = answer_plan(procedure_code, gave_feedback=gave_feedback)
    plan["education"] = ["university"]
    return plan


@dataclass
class Walk:
    """What one citizen did and saw, page by page."""

    taps: int = 0
    answers: int = 0
    pages: list[str] = field(default_factory=list)
    heights: list[int] = field(default_factory=list)
    words: list[int] = field(default_factory=list)
    progress: list[tuple[int, int]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    def report(self, label: str) -> str:
        rows = [
            f"  {page:<12} {height:>6} px {words:>5} words  page {n}/{total}"
            for page, height, words, (n, total) in zip(
                self.pages, self.heights, self.words, self.progress, strict=True
            )
        ]
        return "\n".join(
            [
                f"{label}: {len(self.pages)} pages after the landing page, {self.taps} taps "
                f"({self.answers} answers), {sum(self.heights)} px of pages, "
                f"{sum(self.words)} words to read",
                *rows,
            ]
        )


def tap(page: Page, selector: str, walk: Walk) -> None:
    page.locator(selector).tap()
    walk.taps += 1


def answer_one(page: Page, key: str, values: list[str], walk: Walk) -> None:
    textarea = page.locator(f'textarea[name="{key}"]')
    if textarea.count():
        textarea.tap()  # one tap into the box, then typing
        walk.taps += 1
        textarea.fill(values[0])
        walk.answers += 1
        return
    for value in values:
        choice = page.locator(f'input[name="{key}"][value="{value}"]')
        choice.tap()
        walk.taps += 1
        walk.answers += 1
        # One tap chooses: nothing else to open, confirm or scroll by hand.
        expect(choice).to_be_checked()


def look_at(page: Page, walk: Walk) -> None:
    walk.pages.append(page.url.rsplit("/", 1)[1])
    walk.heights.append(page.evaluate("document.documentElement.scrollHeight"))
    walk.words.append(page.evaluate(READ_WORDS))
    found = PROGRESS.search(page.inner_text("header"))
    assert found, "every page says where the citizen is"
    walk.progress.append((int(found.group(1)), int(found.group(2))))


def wait_for_next(page: Page, before: str) -> None:
    page.wait_for_url(lambda url: url != before)


def walk_survey(page: Page, landing_url: str, plan: Plan) -> Walk:
    walk = Walk()
    page.goto(landing_url)
    page.get_by_role("button", name="Bắt đầu").tap()
    walk.taps += 1
    page.wait_for_url("**/p/**")
    while "/p/" in page.url:
        look_at(page, walk)
        keys = [key for key in page_fields(page.content()) if key in plan]
        for key in keys:
            answer_one(page, key, plan[key], walk)
        walk.keys += keys
        before = page.url
        tap(page, "button.next", walk)
        wait_for_next(page, before)
    assert page.url.endswith("/done")
    return walk


def check_progress(walk: Walk) -> None:
    """The page number only goes up, the total never grows, and the last page is the total."""
    numbers = [n for n, _total in walk.progress]
    totals = [total for _n, total in walk.progress]
    assert numbers == sorted(set(numbers)), walk.progress
    assert totals == sorted(totals, reverse=True), walk.progress
    assert walk.progress[-1][0] == walk.progress[-1][1]


def stored(database: ServedDatabase) -> dict[str, str | None]:
    engine = make_engine(database.url)
    try:
        sessions = make_sessionmaker(engine)
        [response] = all_responses(sessions)
        assert response.status == ResponseStatus.completed
        return answers_of(sessions, response.id)
    finally:
        engine.dispose()


def screenshot_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("HAILONG_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class TestTwoMinutesOnAPhone:
    @pytest.mark.parametrize("javascript", [True, False], ids=["javascript-on", "javascript-off"])
    def test_whole_survey_in_few_taps_pages_and_pixels(
        self,
        browser: Browser,
        served_database: ServedDatabase,
        javascript: bool,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        place = served_database.place
        plan = every_answer(place.procedure_code)
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=javascript
        )
        try:
            with run_server(served_database.env(), free_port()) as server:
                walk = walk_survey(context.new_page(), f"{server.url}/q/{place.token}", plan)
        finally:
            context.close()
        with capsys.disabled():
            print("\n" + walk.report("javascript " + ("on" if javascript else "off")))

        # One tap per answer and one per page (the start button included), nothing more.
        assert walk.answers == sum(len(values) for values in plan.values())
        assert walk.taps == walk.answers + len(walk.pages) + 1
        assert len(walk.pages) <= MAX_PAGES
        assert sum(walk.heights) <= MAX_SCROLL
        assert max(walk.heights) <= MAX_PAGE_HEIGHT
        check_progress(walk)
        assert stored(served_database) == stored_form(plan, walk.keys)

    def test_feedback_no_drops_a_page_without_going_back(
        self, browser: Browser, served_database: ServedDatabase
    ) -> None:
        place = served_database.place
        plan = every_answer(place.procedure_code, gave_feedback="no")
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        try:
            with run_server(served_database.env(), free_port()) as server:
                walk = walk_survey(context.new_page(), f"{server.url}/q/{place.token}", plan)
        finally:
            context.close()
        check_progress(walk)
        # The page of element E was counted until "no", then left out: the total shrank.
        assert walk.progress[0][1] == walk.progress[-1][1] + 1


class TestCriteriaPage:
    def test_one_row_of_large_targets_a_legend_and_full_names(
        self, browser: Browser, served_database: ServedDatabase, tmp_path: Path
    ) -> None:
        place = served_database.place
        plan = every_answer(place.procedure_code)
        folder = screenshot_folder(tmp_path)
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        try:
            with run_server(served_database.env(), free_port()) as server:
                page = context.new_page()
                self._to_first_criteria_page(page, f"{server.url}/q/{place.token}", plan)
                page.screenshot(path=str(folder / "criteria-360x740.png"))
                criteria = page.locator("fieldset.c")
                count = criteria.count()
                assert count >= 4
                # The scale's words once per page, each button named by its full label.
                assert page.locator(".lg").count() == 1
                for words in SCALE_WORDS:
                    assert page.get_by_role("radio", name=words, exact=True).count() == count
                assert page.get_by_role("radio", name="Không trả lời").count() == count
                self._one_row_of_large_targets(page)
                # A tap brings the next criterion into view.
                criteria.nth(0).locator('input[value="4"]').tap()
                expect(criteria.nth(1)).to_be_in_viewport()
                criteria.nth(1).locator('input[value="5"]').tap()
                expect(criteria.nth(2)).to_be_in_viewport(ratio=0.9)
                page.set_viewport_size(SMALL_PHONE)
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(folder / "criteria-320x568.png"))
                self._one_row_of_large_targets(page)
        finally:
            context.close()

    def _to_first_criteria_page(self, page: Page, landing_url: str, plan: Plan) -> None:
        page.goto(landing_url)
        page.get_by_role("button", name="Bắt đầu").tap()
        page.wait_for_url("**/p/**")
        while not page.locator("fieldset.c").count():
            for key in page_fields(page.content()):
                answer_one(page, key, plan[key], Walk())
            before = page.url
            page.locator("button.next").tap()
            wait_for_next(page, before)

    def _one_row_of_large_targets(self, page: Page) -> None:
        boxes = [
            page.locator("fieldset.c").first.locator(".sc > label").nth(i).bounding_box()
            for i in range(5)
        ]
        assert all(box is not None for box in boxes)
        tops = {round(box["y"]) for box in boxes if box}
        assert len(tops) == 1, "the five answers stand in one row"
        assert all(box["width"] >= 44 and box["height"] >= 44 for box in boxes if box)
