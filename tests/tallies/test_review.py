"""Review decisions move a response's counts in the same transaction: the tallies stay equal to
the raw answers, and the index leaves rejected responses out."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from hailong.models import ReviewState
from hailong.responses import service as responses
from hailong.tallies import verify
from hailong.tallies.service import set_review_state
from tests.admin.conftest import Hailong
from tests.factories import make_unit
from tests.index.survey import answer, answer_all, criterion, index_of, mean, shown, small_period
from tests.tallies.workload import tally_rows

WORKED = {"A": ("A1",), "B": ("B1",)}
FORMS = [{"A1": "5", "B1": "5"}, {"A1": "4", "B1": "1"}, {"A1": "1", "B1": "2"}]


def sipas(forms: list[dict[str, str | None]]) -> float | None:
    figures = [criterion(f.get(key) for f in forms) for key in ("A1", "B1")]
    return shown(mean(figures))


class TestSetReviewState:
    def test_every_step_keeps_the_tallies_equal_to_the_answers(self, session: Session) -> None:
        period = small_period(session, "review-steps", WORKED)
        unit = make_unit(session, code="X")
        made = answer_all(session, period, unit, FORMS)
        steps = [
            (made[2], ReviewState.rejected, [FORMS[0], FORMS[1]]),
            (made[0], ReviewState.approved, [FORMS[0], FORMS[1]]),
            (made[2], ReviewState.received, FORMS),
            (made[1], ReviewState.rejected, [FORMS[0], FORMS[2]]),
            (made[1], ReviewState.approved, FORMS),
        ]
        for response, state, counted in steps:
            set_review_state(session, response, state)
            assert verify.check(session, period) == []
            found = index_of(session, period, unit)
            assert found["responses"] == len(counted)
            assert found["sipas"] == sipas(counted)

    def test_deciding_the_same_twice_changes_nothing(self, session: Session) -> None:
        period = small_period(session, "review-twice", WORKED)
        unit = make_unit(session, code="X")
        response = answer(session, period, unit, FORMS[0])
        set_review_state(session, response, ReviewState.rejected)
        once = tally_rows(session)

        set_review_state(session, response, ReviewState.rejected)

        assert tally_rows(session) == once
        assert verify.check(session, period) == []

    def test_rejected_before_it_was_finished_is_never_counted(self, session: Session) -> None:
        period = small_period(session, "review-early", WORKED)
        unit = make_unit(session, code="X")
        started = responses.start(
            session, unit_id=unit.id, counter_id=None, period=period, channel="web"
        )
        state = responses.load(session, started)
        responses.save_answers(session, state, {"A1": "1"})
        set_review_state(session, started, ReviewState.rejected)
        responses.save_answers(session, state, {"B1": "1"})
        answer(session, period, unit, FORMS[0])

        found = index_of(session, period, unit)

        assert found["responses"] == 1
        assert found["sipas"] == sipas([FORMS[0]])
        assert verify.check(session, period) == []


class TestReviewCommand:
    def test_reject_then_approve(self, hailong: Hailong, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as session:
            period = small_period(session, "review-cli", WORKED)
            unit = make_unit(session, code="X")
            public_id = answer_all(session, period, unit, FORMS)[1].public_id

        rejected = hailong("responses", "review", "--id", public_id, "--state", "rejected")

        assert rejected.exit_code == 0, rejected.stderr
        assert f"Phiếu {public_id} nay ở trạng thái: bị loại" in rejected.stdout
        with sessions() as session:
            period = session.merge(period)
            assert index_of(session, period)["sipas"] == sipas([FORMS[0], FORMS[2]])
        approved = hailong("responses", "review", "--id", public_id, "--state", "approved")
        assert approved.exit_code == 0, approved.stderr
        with sessions() as session:
            period = session.merge(period)
            assert index_of(session, period)["sipas"] == sipas(FORMS)
            assert verify.check(session, period) == []

    def test_unknown_response_and_state_are_refused(
        self, hailong: Hailong, sessions: sessionmaker[Session]
    ) -> None:
        with sessions.begin() as session:
            period = small_period(session, "review-bad", WORKED)
            unit = make_unit(session, code="X")
            public_id = answer(session, period, unit, FORMS[0]).public_id
            before = tally_rows(session)

        unknown = hailong("responses", "review", "--id", "no-such-id", "--state", "rejected")
        bad_state = hailong("responses", "review", "--id", public_id, "--state", "deleted")

        assert unknown.exit_code != 0
        assert "Không có phiếu nào mang mã no-such-id" in unknown.stderr
        assert bad_state.exit_code != 0
        assert "deleted không phải trạng thái duyệt" in bad_state.stderr
        with sessions() as session:
            assert tally_rows(session) == before
