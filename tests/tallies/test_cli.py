"""`hailong tallies check` and `hailong tallies rebuild` after a mixed workload."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.index.presenting import index_json
from hailong.index.service import compute_index
from hailong.models import Period, Tally, UnitTally
from hailong.models.packing import pack, unpack
from hailong.periods.service import get_by_code
from hailong.questionnaires.service import questionnaire_by_id
from hailong.tallies.layout import layout_for
from hailong.units.service import get_by_code as unit_by_code
from tests.admin.conftest import Hailong
from tests.factories import make_period
from tests.tallies.workload import PERIOD, completed_responses, mixed_workload, tally_rows


def both_sources(session: Session, period: Period) -> tuple[dict[str, object], dict[str, object]]:
    return (
        index_json(compute_index(session, period, channels="all", source="tallies")),
        index_json(compute_index(session, period, channels="all", source="answers")),
    )


def period_2026(session: Session) -> Period:
    period = get_by_code(session, PERIOD)
    assert period is not None
    return period


def corrupt(
    sessions: sessionmaker[Session],
    model: type[Tally] | type[UnitTally],
    question: str,
    added: Sequence[int] | None,
    **where: object,
) -> int:
    """Change tally rows behind the services' back, as a bad script or a bug would: add
    `added` to `question`'s counts (None: wipe them) in each row that counts that question.
    Returns how many rows changed."""
    changed = 0
    with sessions.begin() as session:
        rows: list[Tally | UnitTally] = list(session.scalars(select(model).filter_by(**where)))
        for row in rows:
            layout = layout_for(questionnaire_by_id(session, row.questionnaire_id))
            vector = list(unpack(row.counts, layout.width))
            slots = layout.questions[question]
            if not any(vector[slots.start : slots.stop]):
                continue
            for offset in range(slots.stop - slots.start):
                position = slots.start + offset
                vector[position] = 0 if added is None else vector[position] + added[offset]
            row.counts = pack(vector)
            changed += 1
    assert changed > 0
    return changed


class TestCheck:
    def test_agrees_after_a_mixed_workload(
        self, hailong: Hailong, sessions: sessionmaker[Session], write_csv: Callable[..., Path]
    ) -> None:
        workload = mixed_workload(sessions, hailong, write_csv)

        result = hailong("tallies", "check", "--period", PERIOD)

        assert result.exit_code == 0, result.stdout + result.stderr
        assert "Đợt 2026: bảng đếm khớp với các câu trả lời gốc." in result.stdout
        with sessions() as session:
            from_tallies, from_answers = both_sources(session, period_2026(session))
            assert from_tallies == from_answers
            # 14 online, 6 on paper; one rejected and still rejected (ids[0], ids[3]).
            assert completed_responses(session) == 14 + workload.paper_forms
            assert from_tallies["responses"] == 14 + workload.paper_forms - 2

    def test_reports_a_corrupted_row_and_rebuild_repairs_it(
        self,
        hailong: Hailong,
        sessions: sessionmaker[Session],
        write_csv: Callable[..., Path],
    ) -> None:
        mixed_workload(sessions, hailong, write_csv)
        with sessions() as session:
            before = tally_rows(session)
            unit_x = unit_by_code(session, "X")
            assert unit_x is not None
            x_id = unit_x.id
        changed = corrupt(sessions, Tally, "A1", [2, 0, 0, 0, 0], unit_id=x_id)

        result = hailong("tallies", "check", "--period", PERIOD)

        assert result.exit_code == 1
        assert f"Đợt 2026: có {changed} dòng đếm không khớp" in result.stdout
        lines = [line for line in result.stdout.splitlines() if line.startswith("tally:")]
        assert len(lines) == changed
        assert all("unit=X" in line and "question_key='A1'" in line for line in lines)
        assert "hailong tallies rebuild --period 2026" in result.stdout

        rebuilt = hailong("tallies", "rebuild", "--period", PERIOD)
        assert rebuilt.exit_code == 0, rebuilt.stderr
        assert "Đang tính lại bảng đếm của đợt 2026" in rebuilt.stderr
        assert "Đợt 2026: đã tính lại bảng đếm" in rebuilt.stdout
        assert hailong("tallies", "check", "--period", PERIOD).exit_code == 0
        with sessions() as session:
            assert tally_rows(session) == before

    def test_a_corrupted_index_table_shows_in_the_index_until_rebuilt(
        self,
        hailong: Hailong,
        sessions: sessionmaker[Session],
        write_csv: Callable[..., Path],
    ) -> None:
        mixed_workload(sessions, hailong, write_csv)
        corrupt(sessions, UnitTally, "B2", [0, 0, 0, 0, 5])
        corrupt(sessions, Tally, "C1", None)
        with sessions() as session:
            from_tallies, from_answers = both_sources(session, period_2026(session))
            assert from_tallies != from_answers

        checked = hailong("tallies", "check")
        assert checked.exit_code == 1
        assert "unit_tally:" in checked.stdout and "question_key='B2'" in checked.stdout
        assert "question_key='C1'" in checked.stdout

        assert hailong("tallies", "rebuild").exit_code == 0
        assert hailong("tallies", "check").exit_code == 0
        with sessions() as session:
            from_tallies, from_answers = both_sources(session, period_2026(session))
            assert from_tallies == from_answers

    def test_a_tally_that_cannot_be_a_count_is_named_not_shown(
        self, hailong: Hailong, sessions: sessionmaker[Session], write_csv: Callable[..., Path]
    ) -> None:
        mixed_workload(sessions, hailong, write_csv)
        with sessions.begin() as session:
            # A hand-made "fix" that left a negative number where counts are packed.
            row = session.scalars(select(UnitTally)).first()
            assert row is not None
            row.counts = -row.counts

        index = hailong("index", "--period", PERIOD, "--channels", "all", "--format", "json")
        assert index.exit_code == 1
        assert "Không đọc được một số bảng đếm đã lưu" in index.stderr
        assert "Traceback" not in index.stderr
        checked = hailong("tallies", "check", "--period", PERIOD)
        assert checked.exit_code == 1
        assert "?" in checked.stdout

        assert hailong("tallies", "rebuild", "--period", PERIOD).exit_code == 0
        assert hailong("index", "--period", PERIOD, "--format", "json").exit_code == 0

    def test_checks_every_period_and_names_the_one_that_differs(
        self,
        hailong: Hailong,
        sessions: sessionmaker[Session],
        write_csv: Callable[..., Path],
    ) -> None:
        mixed_workload(sessions, hailong, write_csv)
        with sessions.begin() as session:
            make_period(session, code="2025-old")
        corrupt(sessions, Tally, "harassment", [0, 1, 0])

        result = hailong("tallies", "check")

        assert result.exit_code == 1
        assert "Đợt 2025-old: bảng đếm khớp với các câu trả lời gốc." in result.stdout
        assert "Đợt 2026: có" in result.stdout


class TestRebuild:
    def test_a_sound_database_is_left_as_it_was(
        self, hailong: Hailong, sessions: sessionmaker[Session], write_csv: Callable[..., Path]
    ) -> None:
        mixed_workload(sessions, hailong, write_csv)
        with sessions() as session:
            before = tally_rows(session)

        result = hailong("tallies", "rebuild")

        assert result.exit_code == 0, result.stderr
        with sessions() as session:
            assert tally_rows(session) == before

    def test_unknown_period_is_refused_politely(self, hailong: Hailong) -> None:
        for command in ("rebuild", "check"):
            result = hailong("tallies", command, "--period", "1999")
            assert result.exit_code != 0
            assert "Không có đợt khảo sát nào mang mã 1999" in result.stderr
            assert "Traceback" not in result.stderr
