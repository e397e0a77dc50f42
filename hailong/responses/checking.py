"""Checks one row of a responses file against the units, the periods and the period's
questionnaire, with the survey engine's own rules (survey_flows), and says what is wrong.

A million-row import asks the engine the same few questions again and again ("is `4` a valid
answer to A1?", "which questions does a form with gave_feedback=yes ask?"). The engine's
functions are pure, so their answers are kept per questionnaire: the rules stay the engine's,
and a row costs a few dictionary look-ups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.i18n import N_
from hailong.models import Channel, Period, QuestionnaireVersion, ResponseStatus, Unit
from hailong.periods.service import VIETNAM
from hailong.questionnaires.service import questionnaire_by_id
from hailong.responses.csvformat import ANSWER_COLUMNS, PROCEDURE_QUESTION, FormRow
from hailong.responses.csvformat import parse_submitted_at as parse_moment
from survey_flows import Questionnaire, rates_a_criterion
from survey_flows.engine import (
    Invalid,
    Valid,
    applicable_questions,
    is_screened_out_by,
    validate_answer,
)
from survey_flows.questionnaire import Question, QuestionKind

FORM_ID_LIMIT = 64
PROCEDURE_LIMIT = 64
# Remembered answers of the engine per questionnaire: codes are few, so this is never reached
# by a real file; it bounds the memory a file of junk could take.
MEMO_LIMIT = 20_000

_INVALID_MESSAGES = {
    "required": N_("{column} must be answered."),
    "not_an_option": N_("{column}: “{value}” is not one of {options}."),
    "too_long": N_("{column} is longer than {limit} characters."),
    "too_many": N_("{column}: choose at most {limit}."),
    "duplicate": N_("{column}: the same choice is given twice."),
}


@dataclass(frozen=True)
class RowProblem:
    """A bad row: its line in the file and why, as an English msgid with parameters."""

    line: int
    message: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckedForm:
    """A row that passed every check, ready to store."""

    line: int
    form_id: str
    unit_id: int
    period: Period
    channel: str
    submitted_at: datetime
    procedure_code: str | None
    status: str
    answers: dict[str, str | None]


Bad = Callable[..., None]
_ABSENT = object()


@dataclass(frozen=True)
class Path:
    """The questions a form asks, given its answers, and whether its screening ended it."""

    keys: frozenset[str]
    screened_out: bool


class FormRules:
    """The questionnaire's rules for a keyed-in form, asked of the engine and remembered."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire
        self.questions = questionnaire.questions()
        self.unknown_columns = tuple(c for c in ANSWER_COLUMNS if not questionnaire.has_question(c))
        self.screening = next(
            (q.key for q in self.questions if q.screen_out_unless is not None), ""
        )
        # The answers that decide which questions are asked: conditions and screening.
        self.conditions: dict[str, frozenset[str]] = {}
        for question, section_when, question_when in questionnaire.conditions():
            self.conditions[question.key] = frozenset(
                c.question for c in (section_when, question_when) if c is not None
            )
        deciding = set().union(*self.conditions.values())
        if self.screening:
            deciding.add(self.screening)
        self.deciding = tuple(sorted(deciding))
        self._plan = tuple((q, q.key, q.kind) for q in self.questions)
        self._valid: dict[tuple[str, str | None], Valid | Invalid] = {}
        self._paths: dict[tuple[object, ...], Path] = {}

    def validated(
        self, given: Mapping[str, str | None], procedure: str | None
    ) -> tuple[dict[str, str | None], dict[str, Invalid]]:
        """Every answer checked on its own with the engine's validate_answer: the valid ones
        in stored form, and the refused ones with the reason."""
        valid: dict[str, str | None] = {}
        invalid: dict[str, Invalid] = {}
        memo = self._valid
        for question, key, kind in self._plan:
            if kind is QuestionKind.procedure:
                valid[key] = procedure  # paper forms may name any procedure, or none
                continue
            raw = given.get(key)
            checked = memo.get((key, raw))
            if checked is None:
                checked = validate_answer(question, raw)
                # Free text is new every time: only codes are worth remembering.
                if kind is not QuestionKind.text and len(memo) < MEMO_LIMIT:
                    memo[(key, raw)] = checked
            if isinstance(checked, Invalid):
                invalid[key] = checked
            else:
                valid[key] = checked.value
        return valid, invalid

    def path(self, answers: Mapping[str, str | None]) -> Path:
        memo = tuple(answers.get(key, _ABSENT) for key in self.deciding)
        found = self._paths.get(memo)
        if found is None:
            asked = applicable_questions(self.questionnaire, answers)
            screened = bool(asked) and is_screened_out_by(asked[-1], answers)
            found = Path(frozenset(q.key for q in asked), screened)
            if len(self._paths) < MEMO_LIMIT:
                self._paths[memo] = found
        return found

    def option_codes(self, question: Question) -> str:
        if question.kind is QuestionKind.yes_no:
            return "yes, no"
        return ", ".join(question.option_codes())


class FormChecker:
    """Checks one row against the units, periods and the period's questionnaire."""

    def __init__(self, session: Session, *, lock: bool = False) -> None:
        """`lock`: hold every unit, period and questionnaire version a form may name until
        the transaction ends (FOR KEY SHARE), as foreign-key checks would; for an import that
        writes with them off (hailong.bulk.triggers_off)."""
        self.session = session
        units = select(Unit.code, Unit.id)
        periods = select(Period)
        versions = select(QuestionnaireVersion.id)
        if lock:
            units = units.with_for_update(key_share=True)
            periods = periods.with_for_update(key_share=True)
            versions = versions.with_for_update(key_share=True)
        self.units = dict(session.execute(units).tuples().all())
        self.periods = {p.code: p for p in session.scalars(periods)}
        if lock:
            session.execute(versions).all()
        self.channels = tuple(channel.value for channel in Channel)
        self._rules: dict[int, FormRules] = {}
        # Loaded now: while the file is read, the session belongs to the import's writer.
        for period in self.periods.values():
            self.rules(period)

    def rules(self, period: Period) -> FormRules:
        found = self._rules.get(period.questionnaire_id)
        if found is None:
            questionnaire = questionnaire_by_id(self.session, period.questionnaire_id)
            found = self._rules[period.questionnaire_id] = FormRules(questionnaire)
        return found

    def questionnaire(self, period: Period) -> Questionnaire:
        return self.rules(period).questionnaire

    def check(self, row: FormRow) -> CheckedForm | list[RowProblem]:
        problems: list[RowProblem] = []

        def bad(message: str, **params: object) -> None:
            problems.append(RowProblem(row.line, message, params))

        form_id = row.form_id or ""
        if not form_id:
            bad(N_("form_id is empty."))
        elif len(form_id) > FORM_ID_LIMIT:
            bad(N_("form_id is longer than {limit} characters."), limit=FORM_ID_LIMIT)
        unit_id = self._unit(row, bad)
        period = self._period(row, bad)
        channel = row.channel or Channel.paper.value
        if channel not in self.channels:
            bad(
                N_("Unknown channel “{channel}”; use one of {channels}."),
                channel=channel,
                channels=", ".join(self.channels),
            )
        submitted_at = self._submitted_at(row, period, bad)
        if row.procedure_code and len(row.procedure_code) > PROCEDURE_LIMIT:
            bad(N_("procedure_code is longer than {limit} characters."), limit=PROCEDURE_LIMIT)
        answers, status = self._answers(row, self.rules(period), bad) if period else ({}, "")
        if problems or unit_id is None or period is None or submitted_at is None:
            return problems
        return CheckedForm(
            line=row.line,
            form_id=form_id,
            unit_id=unit_id,
            period=period,
            channel=channel,
            submitted_at=submitted_at,
            procedure_code=row.procedure_code,
            status=status,
            answers=answers,
        )

    def _unit(self, row: FormRow, bad: Bad) -> int | None:
        if not row.unit_code:
            bad(N_("unit_code is empty."))
            return None
        unit_id = self.units.get(row.unit_code)
        if unit_id is None:
            bad(N_("Unknown unit code “{code}”."), code=row.unit_code)
        return unit_id

    def _period(self, row: FormRow, bad: Bad) -> Period | None:
        if not row.period:
            bad(N_("period is empty."))
            return None
        period = self.periods.get(row.period)
        if period is None:
            bad(N_("Unknown period “{code}”."), code=row.period)
        return period

    def _submitted_at(self, row: FormRow, period: Period | None, bad: Bad) -> datetime | None:
        if not row.submitted_at:
            bad(N_("submitted_at is empty."))
            return None
        try:
            moment = parse_moment(row.submitted_at)
        except ValueError:
            bad(
                N_("submitted_at “{value}” is not an ISO 8601 date or date-time."),
                value=row.submitted_at,
            )
            return None
        day = moment.astimezone(VIETNAM).date()
        if period is not None and not period.start_date <= day <= period.end_date:
            bad(
                N_("submitted_at {day} is outside period {period} ({start} to {end})."),
                day=day.isoformat(),
                period=period.code,
                start=period.start_date.isoformat(),
                end=period.end_date.isoformat(),
            )
        return moment

    def _answers(
        self, row: FormRow, rules: FormRules, bad: Bad
    ) -> tuple[dict[str, str | None], str]:
        given = row.answers
        for column in rules.unknown_columns:
            if given.get(column) is not None:
                bad(
                    N_(
                        "{column} is not a question of questionnaire {questionnaire}; "
                        "leave it empty."
                    ),
                    column=column,
                    questionnaire=rules.questionnaire.code,
                )
        valid, invalid = rules.validated(given, row.procedure_code)
        path = rules.path(valid)
        answers: dict[str, str | None] = {}
        for question in rules.questions:
            key = question.key
            if key not in path.keys:
                self._not_asked(question, given, path, rules, invalid, bad)
            elif key in invalid:
                checked = invalid[key]
                bad(
                    _INVALID_MESSAGES[checked.reason],
                    column=key,
                    value=self._raw(row, key) or "",
                    options=rules.option_codes(question),
                    limit=checked.limit or 0,
                )
            else:
                answers[key] = valid.get(key)
        if path.screened_out:
            # "No" to the screening question: the form ends there and nothing else is kept.
            screened = {rules.screening: answers.get(rules.screening)}
            return screened, ResponseStatus.screened_out.value
        if not rates_a_criterion(rules.questionnaire, answers):
            # Kept like any form, but it says nothing of the service: never counted.
            return answers, ResponseStatus.unrated.value
        return answers, ResponseStatus.completed.value

    @staticmethod
    def _raw(row: FormRow, key: str) -> str | None:
        return row.procedure_code if key == PROCEDURE_QUESTION else row.answers.get(key)

    @staticmethod
    def _not_asked(
        question: Question,
        given: Mapping[str, str | None],
        path: Path,
        rules: FormRules,
        invalid: Mapping[str, Invalid],
        bad: Bad,
    ) -> None:
        """A question the form does not ask must be left empty."""
        if question.kind is QuestionKind.procedure or given.get(question.key) is None:
            return
        if path.screened_out:
            bad(
                N_("The form answers no to {screening}: leave {column} empty."),
                screening=rules.screening,
                column=question.key,
            )
        elif not rules.conditions.get(question.key, frozenset()) & invalid.keys():
            # (When the answer that decides is itself wrong, that answer is the problem.)
            bad(
                N_("{column} is not asked after the earlier answers on this form; leave it empty."),
                column=question.key,
            )
