"""`hailong import responses FILE.csv|FILE.xlsx`: keyed-in paper forms, as an operator runs it,
on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.index.counts import unit_counts_from_tallies
from hailong.index.service import selection_for
from hailong.models import Answer, Response, Tally, Unit, UnitTally
from hailong.responses.csvformat import COLUMNS, CRITERIA_COLUMNS
from hailong.tallies import verify
from tests.admin.conftest import Hailong
from tests.responses.forms import (
    csv_text,
    form,
    messages_for,
    reported_lines,
    setup_units_and_period,
    varied_form,
    write_forms,
    write_xlsx,
)


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def line_of(path: Path, text: str) -> int:
    """The line of the file where `text` is, as an editor shows it."""
    content = path.read_text(encoding="utf-8")
    return content[: content.index(text)].count("\n") + 1


def stored_rows(sessions: sessionmaker[Session]) -> int:
    return sum(count(sessions, model) for model in (Response, Answer, Tally, UnitTally))


class TestAllOrNothing:
    def test_one_bad_row_among_a_thousand_imports_nothing(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        _, wards = setup_units_and_period(session)
        rng = random.Random(6)
        forms = [varied_form(n, rng.choice(wards).code, rng) for n in range(1000)]
        bad_at = rng.randrange(200, 800)
        forms.insert(bad_at, form(5000, C3="6"))
        path = write_forms(tmp_path / "f.csv", forms)
        bad_line = line_of(path, "HA-05000")
        assert bad_line > bad_at + 2  # comments spread over two lines come before it
        result = hailong("import", "responses", str(path))
        assert result.exit_code != 0
        assert reported_lines(result.stderr) == [bad_line]
        assert messages_for(result.stderr, bad_line) == ["C3: “6” is not one of 5, 4, 3, 2, 1."]
        assert "Nothing was imported: 1 problems in the file." in result.stderr
        assert stored_rows(sessions) == 0

    def test_the_same_thousand_without_the_bad_row_import(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        _, wards = setup_units_and_period(session)
        rng = random.Random(6)
        forms = [varied_form(n, rng.choice(wards).code, rng) for n in range(1000)]
        result = hailong("import", "responses", str(write_forms(tmp_path / "f.csv", forms)))
        assert result.exit_code == 0, result.stderr
        assert "Imported 1000 forms; 0 were already there." in result.stdout
        assert count(sessions, Response) == 1000

    def test_every_bad_row_is_reported_with_its_reason(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        bad = {
            3: (form(2, A1="0"), "A1: “0” is not one of 5, 4, 3, 2, 1."),
            4: (form(3, unit_code="99999"), "Unknown unit code “99999”."),
            5: (form(4, period="2019"), "Unknown period “2019”."),
            6: (
                form(5, submitted_at="02/03/2026"),
                "submitted_at “02/03/2026” is not an ISO 8601 date or date-time.",
            ),
            7: (
                form(6, submitted_at="2027-01-05"),
                "submitted_at 2027-01-05 is outside period 2026 (2026-01-01 to 2026-12-31).",
            ),
            8: (form(7, harassment=""), "harassment must be answered."),
            9: (form(8, form_id=""), "form_id is empty."),
            10: (
                form(9, channel="fax"),
                "Unknown channel “fax”; use one of web, telegram, zalo, email, interview, paper.",
            ),
            11: (form(10, priorities="P1;P2;P3;P4"), "priorities: choose at most 3."),
            12: (form(11, priorities="P1;P1"), "priorities: the same choice is given twice."),
            13: (form(12, received_result="maybe"), None),
            14: (form(13, comment="x" * 1001), "comment is longer than 1000 characters."),
        }
        forms = [form(1)] + [row for row, _ in bad.values()] + [form(14)]
        result = hailong("import", "responses", str(write_forms(tmp_path / "f.csv", forms)))
        assert result.exit_code != 0
        assert sorted(set(reported_lines(result.stderr))) == sorted(bad)
        for line, (_, reason) in bad.items():
            if reason is not None:
                assert messages_for(result.stderr, line) == [reason]
        assert messages_for(result.stderr, 13)[0].startswith("received_result: “maybe”")
        assert stored_rows(sessions) == 0

    def test_a_row_with_too_few_cells(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        path = write_forms(tmp_path / "f.csv", [form(1), form(2)])
        with path.open("a", encoding="utf-8") as handle:
            handle.write("HA-9,11413,2026\r\n")
        result = hailong("import", "responses", str(path))
        assert result.exit_code != 0
        assert reported_lines(result.stderr) == [4]
        assert messages_for(result.stderr, 4) == ["This row has 3 cells; the header has 35."]
        assert stored_rows(sessions) == 0

    def test_a_file_that_is_not_utf8(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        path = write_forms(tmp_path / "f.csv", [form(1)])
        # A legacy Windows-1258 line: "Hải An" with its tone as a separate byte.
        legacy = form(2, comment=unicodedata.normalize("NFD", "Hải An"))
        with path.open("ab") as handle:
            handle.write(csv_text([legacy]).split("\r\n", 1)[1].encode("cp1258"))
        result = hailong("import", "responses", str(path))
        assert result.exit_code != 0
        assert reported_lines(result.stderr) == [3]
        assert messages_for(result.stderr, 3) == [
            "The file is not UTF-8 text. Save it as CSV UTF-8."
        ]
        assert stored_rows(sessions) == 0


class TestImportingTwice:
    def test_the_same_file_twice_adds_nothing(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        period, wards = setup_units_and_period(session)
        rng = random.Random(2)
        forms = [varied_form(n, wards[n % 3].code, rng) for n in range(60)]
        path = write_forms(tmp_path / "f.csv", forms)
        assert hailong("import", "responses", str(path)).exit_code == 0
        before = {model: count(sessions, model) for model in (Response, Answer)}
        tallies_before = _tally_sums(sessions)
        again = hailong("import", "responses", str(path))
        assert again.exit_code == 0, again.stderr
        assert "Imported 0 forms; 60 were already there." in again.stdout
        assert {model: count(sessions, model) for model in (Response, Answer)} == before
        assert _tally_sums(sessions) == tallies_before
        with sessions() as check_session:
            assert verify.check(check_session, period) == []

    def test_a_file_with_old_and_new_forms_adds_the_new(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        first = write_forms(tmp_path / "a.csv", [form(1), form(2)])
        assert hailong("import", "responses", str(first)).exit_code == 0
        both = write_forms(tmp_path / "b.csv", [form(1), form(2), form(3)])
        result = hailong("import", "responses", str(both))
        assert "Imported 1 forms; 2 were already there." in result.stdout
        assert count(sessions, Response) == 3

    def test_a_form_twice_in_one_file_is_refused_but_other_units_may_share_serials(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        forms = [form(1), form(1, unit_code="11341"), form(2), form(1, A1="5")]
        result = hailong("import", "responses", str(write_forms(tmp_path / "f.csv", forms)))
        assert result.exit_code != 0
        assert reported_lines(result.stderr) == [5]
        assert messages_for(result.stderr, 5) == [
            "form_id “HA-00001” repeats line 2 (same unit and period)."
        ]
        assert stored_rows(sessions) == 0


def _tally_sums(sessions: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with sessions() as session:
        rows = session.execute(select(UnitTally).order_by(*UnitTally.__table__.primary_key))
        return [(t.unit_id, t.channel, t.review_state, t.counts) for t in rows.scalars()]


class TestFileFormats:
    def test_with_or_without_a_byte_order_mark(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        with_bom = write_forms(tmp_path / "a.csv", [form(1)], bom=True)
        without = write_forms(tmp_path / "b.csv", [form(2)], bom=False)
        assert hailong("import", "responses", str(with_bom)).exit_code == 0
        assert hailong("import", "responses", str(without)).exit_code == 0
        assert count(sessions, Response) == 2

    def test_xlsx_with_the_same_header(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        rng = random.Random(3)
        forms = [varied_form(n, "11413", rng) for n in range(20)]
        forms[0]["submitted_at"] = "2026-05-04"
        result = hailong("import", "responses", str(write_xlsx(tmp_path / "f.xlsx", forms)))
        assert result.exit_code == 0, result.stderr
        assert "Imported 20 forms" in result.stdout
        with sessions() as check:
            answers = dict(
                check.execute(
                    select(Answer.question_key, Answer.value)
                    .join(Response, Response.id == Answer.response_id)
                    .where(Response.form_id == forms[1]["form_id"])
                )
                .tuples()
                .all()
            )
        for key in (*CRITERIA_COLUMNS, "harassment", "priorities", "gave_feedback"):
            assert answers.get(key) == (forms[1][key] or None), key

    def test_xlsx_rows_that_stop_before_their_empty_last_cells(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        from openpyxl import Workbook

        setup_units_and_period(session)
        short = form(1, priorities="", comment="")
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(list(COLUMNS))
        sheet.append([short[c] for c in COLUMNS][: COLUMNS.index("priorities")])
        workbook.save(tmp_path / "f.xlsx")
        result = hailong("import", "responses", str(tmp_path / "f.xlsx"))
        assert result.exit_code == 0, result.stderr
        assert count(sessions, Response) == 1

    def test_a_bad_cell_in_xlsx_is_named_by_its_row(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        forms = [form(1), form(2, D2="9"), form(3)]
        result = hailong("import", "responses", str(write_xlsx(tmp_path / "f.xlsx", forms)))
        assert reported_lines(result.stderr) == [3]
        assert count(sessions, Response) == 0

    def test_a_file_that_is_not_a_spreadsheet(
        self, hailong: Hailong, session: Session, tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        path = tmp_path / "f.xlsx"
        path.write_bytes(b"not a zip file")
        result = hailong("import", "responses", str(path))
        assert result.exit_code != 0
        assert "could not be read as XLSX" in result.stderr

    def test_a_large_file_shows_progress(
        self, hailong: Hailong, session: Session, tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        forms = [form(n) for n in range(3000)]
        result = hailong("import", "responses", str(write_forms(tmp_path / "f.csv", forms)))
        assert result.exit_code == 0, result.stderr
        assert "Đang nhập / Importing" in result.stderr


class TestHeader:
    def _import_with(self, hailong: Hailong, tmp_path: Path, columns: list[str]) -> str:
        path = write_forms(tmp_path / "f.csv", [form(1)], columns=columns)
        result = hailong("import", "responses", str(path))
        assert result.exit_code != 0
        assert reported_lines(result.stderr) == [1]
        return result.stderr

    def test_an_extra_column_is_refused(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        stderr = self._import_with(hailong, tmp_path, [*COLUMNS, "phone"])
        assert messages_for(stderr, 1) == ["Unexpected columns: phone. Remove them."]
        assert count(sessions, Response) == 0

    def test_a_missing_column_is_refused(
        self, hailong: Hailong, session: Session, tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        columns = [c for c in COLUMNS if c != "extra_payment"]
        stderr = self._import_with(hailong, tmp_path, columns)
        assert messages_for(stderr, 1) == ["Missing columns: extra_payment."]

    def test_columns_out_of_order_are_refused(
        self, hailong: Hailong, session: Session, tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        columns = list(COLUMNS)
        columns[0], columns[1] = columns[1], columns[0]
        stderr = self._import_with(hailong, tmp_path, columns)
        assert messages_for(stderr, 1) == [
            f"The columns must come in this order: {', '.join(COLUMNS)}."
        ]

    def test_a_file_saved_with_semicolons(
        self, hailong: Hailong, session: Session, tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        path = tmp_path / "f.csv"
        path.write_text(csv_text([form(1)]).replace(",", ";"), encoding="utf-8")
        result = hailong("import", "responses", str(path))
        assert result.exit_code != 0
        assert messages_for(result.stderr, 1) == [
            "The columns are separated by “;”, not by commas. "
            "Save the file as CSV UTF-8 (comma delimited)."
        ]

    def test_an_empty_file(self, hailong: Hailong, session: Session, tmp_path: Path) -> None:
        setup_units_and_period(session)
        path = tmp_path / "f.csv"
        path.write_bytes(b"")
        result = hailong("import", "responses", str(path))
        assert result.exit_code != 0
        assert messages_for(result.stderr, 1) == ["The file is empty."]


class TestQuestionnaireRules:
    def test_answers_the_questionnaire_does_not_ask_are_refused(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        forms = [
            form(1, gave_feedback="yes", E1="5", E2="4", E3=""),  # 2: fine
            form(2, gave_feedback="no", E2="4"),  # 3: E without feedback
            form(3, received_result="no"),  # 4: answers after "no"
            form(4, gave_feedback="maybe", E1="5"),  # 5: the deciding answer is the problem
        ]
        result = hailong("import", "responses", str(write_forms(tmp_path / "f.csv", forms)))
        assert result.exit_code != 0
        assert sorted(set(reported_lines(result.stderr))) == [3, 4, 5]
        assert messages_for(result.stderr, 3) == [
            "E2 is not asked after the earlier answers on this form; leave it empty."
        ]
        after_no = messages_for(result.stderr, 4)
        assert "The form answers no to received_result: leave A1 empty." in after_no
        assert "The form answers no to received_result: leave harassment empty." in after_no
        assert messages_for(result.stderr, 5) == ["gave_feedback: “maybe” is not one of yes, no."]
        assert count(sessions, Response) == 0

    def test_a_screened_out_form_is_kept_but_not_counted(
        self,
        hailong: Hailong,
        session: Session,
        sessions: sessionmaker[Session],
        tmp_path: Path,
    ) -> None:
        period, _ = setup_units_and_period(session)
        screened = dict.fromkeys(COLUMNS, "")
        screened.update(
            form_id="HA-7", unit_code="11413", period="2026", submitted_at="2026-02-01",
            received_result="no",
        )  # fmt: skip
        path = write_forms(tmp_path / "f.csv", [form(1), screened])
        result = hailong("import", "responses", str(path))
        assert result.exit_code == 0, result.stderr
        with sessions() as check:
            statuses = dict(check.execute(select(Response.form_id, Response.status)).tuples().all())
            counted = unit_counts_from_tallies(check, selection_for(period, "all", None))
        assert statuses == {"HA-00001": "completed", "HA-7": "screened_out"}
        assert sum(c.responses for c in counted.values()) == 1

    def test_unanswered_criteria_and_profile_are_accepted(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        sparse = form(1, A1="", B2="", C5="", priorities="", respondent_type="")
        result = hailong("import", "responses", str(write_forms(tmp_path / "f.csv", [sparse])))
        assert result.exit_code == 0, result.stderr
        with sessions() as check:
            values = dict(check.execute(select(Answer.question_key, Answer.value)).tuples().all())
        assert values["A1"] is None and values["A2"] == "4" and values["priorities"] is None


class TestDefaults:
    def test_channel_is_paper_when_empty_and_times_are_vietnamese(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        forms = [
            form(1, channel="", submitted_at="2026-03-02T08:30"),
            form(2, channel="interview", submitted_at="2026-03-02"),
            form(3, submitted_at="2026-03-02T08:30:00+00:00"),
        ]
        result = hailong("import", "responses", str(write_forms(tmp_path / "f.csv", forms)))
        assert result.exit_code == 0, result.stderr
        with sessions() as check:
            rows = check.execute(
                select(Response.form_id, Response.channel, Response.submitted_at).order_by(
                    Response.form_id
                )
            ).all()
        moments = {form_id: _as_utc(moment) for form_id, _, moment in rows}
        assert {form_id: channel for form_id, channel, _ in rows} == {
            "HA-00001": "paper",
            "HA-00002": "interview",
            "HA-00003": "paper",
        }
        # No offset: Asia/Ho_Chi_Minh, seven hours ahead of UTC; a date alone is its midnight.
        assert moments == {
            "HA-00001": datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
            "HA-00002": datetime(2026, 3, 1, 17, 0, tzinfo=UTC),
            "HA-00003": datetime(2026, 3, 2, 8, 30, tzinfo=UTC),
        }


def _as_utc(moment: datetime) -> datetime:
    # SQLite keeps no offset: its values are UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class TestCountedInTallies:
    def test_tallies_agree_with_the_answers_and_the_file(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        period, wards = setup_units_and_period(session)
        rng = random.Random(11)
        forms = [varied_form(n, wards[n % 3].code, rng) for n in range(300)]
        result = hailong("import", "responses", str(write_forms(tmp_path / "f.csv", forms)))
        assert result.exit_code == 0, result.stderr
        with sessions() as check:
            assert verify.check(check, period) == []
            counted = unit_counts_from_tallies(check, selection_for(period, "all", None))
            ids = dict(check.execute(select(Unit.code, Unit.id)).tuples().all())
        for ward in wards:
            own = [f for f in forms if f["unit_code"] == ward.code]
            counts = counted[ids[ward.code]]
            assert counts.responses == len(own)
            for key in ("A1", "E2", "harassment"):
                expected = Counter(f[key] for f in own if f[key])
                codes = ("5", "4", "3", "2", "1") if key != "harassment" else ("1", "2", "3")
                assert counts.answers.get(key, [0] * len(codes)) == [expected[c] for c in codes]
