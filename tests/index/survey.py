"""Data sets for the index and tally tests, built through the real services.

Responses are started and answered with hailong.responses.service (the path every channel
takes), so the tallies are kept exactly as in production. The expected figures are computed
here by hand, with Fractions, straight from the answers the test wrote: never from the code
under test.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from sqlalchemy.orm import Session

from hailong.index.presenting import index_json
from hailong.index.service import Source, compute_index
from hailong.models import Counter, Period, Response, ResponseStatus, Unit
from hailong.questionnaires.service import load_version
from hailong.responses import service as responses
from tests.factories import make_period, make_unit

Answers = Mapping[str, str | None]
SATISFIED = frozenset({"4", "5"})
SIPAS_CRITERIA = {
    "A": ("A1", "A2", "A3", "A4"),
    "B": ("B1", "B2", "B3", "B4"),
    "C": ("C1", "C2", "C3", "C4", "C5"),
    "D": ("D1", "D2", "D3"),
    "E": ("E1", "E2", "E3"),
}


# --- questionnaires ----------------------------------------------------------------------------


def questionnaire_yaml(
    code: str,
    elements: Mapping[str, Sequence[str]],
    *,
    element_rule: str = "mean_of_criteria",
    satisfied: Iterable[str] = SATISFIED,
) -> str:
    """A small questionnaire version: one section per element, criteria only."""
    sections = []
    for element, keys in elements.items():
        questions = "\n".join(
            f"""      - key: {key}
        text: {{vi: "Tiêu chí {key}", en: "Criterion {key}"}}"""
            for key in keys
        )
        sections.append(
            f"""  - key: {element}
    element: {element}
    title: {{vi: "Yếu tố {element}", en: "Element {element}"}}
    questions:
{questions}"""
        )
    head = textwrap.dedent(
        f"""\
        code: {code}
        title: {{vi: "Phiếu thử {code}", en: "Test form {code}"}}
        settings:
          element_rule: {element_rule}
          satisfied_codes: [{", ".join(f'"{c}"' for c in sorted(satisfied))}]
        scale:
          - {{code: "5", label: {{vi: "Rất hài lòng", en: "Very satisfied"}}}}
          - {{code: "4", label: {{vi: "Hài lòng", en: "Satisfied"}}}}
          - {{code: "3", label: {{vi: "Bình thường", en: "Neutral"}}}}
          - {{code: "2", label: {{vi: "Không hài lòng", en: "Dissatisfied"}}}}
          - {{code: "1", label: {{vi: "Rất không hài lòng", en: "Very dissatisfied"}}}}
        sections:
        """
    )
    return head + "\n".join(sections) + "\n"


def small_period(
    session: Session,
    code: str,
    elements: Mapping[str, Sequence[str]],
    *,
    element_rule: str = "mean_of_criteria",
    rollup_rule: str = "mean_of_units",
    official: tuple[str, ...] = ("web", "telegram", "zalo", "email", "interview", "paper"),
    satisfied: Iterable[str] = SATISFIED,
) -> Period:
    """A period bound to a small questionnaire loaded through the real loader."""
    source = questionnaire_yaml(code, elements, element_rule=element_rule, satisfied=satisfied)
    load_version(session, source)
    period = make_period(session, questionnaire=code, official=official)
    period.rollup_rule = rollup_rule
    session.flush()
    return period


# --- answering ---------------------------------------------------------------------------------


def answer(
    session: Session,
    period: Period,
    unit: Unit,
    answers: Answers,
    *,
    channel: str = "web",
    counter: Counter | None = None,
) -> Response:
    """A citizen answers the whole form in one go, as the web form's last page completes it."""
    response = responses.start(
        session,
        unit_id=unit.id,
        counter_id=None if counter is None else counter.id,
        period=period,
        channel=channel,
    )
    state = responses.load(session, response)
    status = responses.save_answers(session, state, dict(answers))
    assert status == ResponseStatus.completed, (status, answers)
    return response


def answer_all(
    session: Session,
    period: Period,
    unit: Unit,
    forms: Iterable[Answers],
    *,
    channel: str = "web",
    counter: Counter | None = None,
) -> list[Response]:
    return [answer(session, period, unit, f, channel=channel, counter=counter) for f in forms]


def sipas_form(
    criteria: Answers | None = None,
    *,
    procedure: str = "other",
    harassment: str = "1",
    extra_payment: str = "1",
    priorities: str | None = None,
) -> dict[str, str | None]:
    """A complete sipas-2023 form: the given criteria, the others left unanswered; element E
    is asked (gave_feedback yes) exactly when some E criterion is given."""
    given = dict(criteria or {})
    feedback = any(key.startswith("E") for key in given)
    form: dict[str, str | None] = {"received_result": "yes", "procedure": procedure}
    for element, keys in SIPAS_CRITERIA.items():
        if element == "E":
            continue
        form.update({key: given.get(key) for key in keys})
    form["gave_feedback"] = "yes" if feedback else "no"
    if feedback:
        form.update({key: given.get(key) for key in SIPAS_CRITERIA["E"]})
    form.update(
        harassment=harassment,
        extra_payment=extra_payment,
        priorities=priorities,
        comment=None,
        respondent_type=None,
        gender=None,
        age_group=None,
        education=None,
    )
    return form


def units(session: Session, tree: Mapping[str, str | None]) -> dict[str, Unit]:
    """Units by code from {code: parent code}; parents come before their children. A root
    with children is a province, any other unit a commune."""
    made: dict[str, Unit] = {}
    for code, parent in tree.items():
        has_children = code in tree.values()
        made[code] = make_unit(
            session,
            code=code,
            name=f"Đơn vị {code}",
            level="province" if has_children and parent is None else "commune",
            parent=None if parent is None else made[parent],
        )
    return made


# --- the index, from both sources --------------------------------------------------------------


def index_of(
    session: Session, period: Period, unit: Unit | None = None, *, channels: str = "official"
) -> dict[str, Any]:
    """The index JSON from the tallies, after checking that raw answers give the same."""
    from_tallies = index_json(
        compute_index(session, period, unit=unit, channels=channels, source=Source.tallies)
    )
    from_answers = index_json(
        compute_index(session, period, unit=unit, channels=channels, source=Source.answers)
    )
    assert from_tallies == from_answers
    return from_tallies


def child(node: Mapping[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in node["children"] if c["unit"] == code)
    return found


# --- the formula, by hand ----------------------------------------------------------------------


def criterion(values: Iterable[str | None]) -> Fraction | None:
    """100 x satisfied / valid answers; None (not 0) when no answer is valid."""
    valid = [v for v in values if v is not None]
    if not valid:
        return None
    return Fraction(100 * sum(v in SATISFIED for v in valid), len(valid))


def mean(values: Iterable[Fraction | None]) -> Fraction | None:
    present = [v for v in values if v is not None]
    return sum(present, Fraction(0)) / len(present) if present else None


def pooled(columns: Iterable[Iterable[str | None]]) -> Fraction | None:
    """100 x satisfied / valid over several criteria's answers together."""
    return criterion(v for column in columns for v in column)


def column(forms: Iterable[Answers], key: str) -> list[str | None]:
    return [form.get(key) for form in forms]


def shown(value: Fraction | None) -> float | None:
    """Round half up to two decimals: floor(100x + 1/2) / 100, in exact arithmetic."""
    if value is None:
        return None
    hundredths = math.floor(value * 100 + Fraction(1, 2))
    return hundredths / 100


def counts(values: Iterable[str | None]) -> dict[str, int]:
    found = list(values)
    return {code: found.count(code) for code in ("1", "2", "3", "4", "5")}


def expected_figures(
    forms: Sequence[Answers],
    elements: Mapping[str, Sequence[str]],
    *,
    element_rule: str = "mean_of_criteria",
) -> dict[str, Any]:
    """One unit's figures (or a pooled subtree's) by the formula, as exact Fractions."""
    criteria = {key: criterion(column(forms, key)) for keys in elements.values() for key in keys}
    if element_rule == "pooled":
        found = {
            code: pooled(column(forms, key) for key in keys) for code, keys in elements.items()
        }
    else:
        found = {code: mean(criteria[key] for key in keys) for code, keys in elements.items()}
    return {"criteria": criteria, "elements": found, "sipas": mean(found.values())}


def mean_of_units(members: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A parent under mean_of_units: each figure the mean of the members' that exist."""
    first = members[0]
    return {
        "criteria": {k: mean(m["criteria"][k] for m in members) for k in first["criteria"]},
        "elements": {k: mean(m["elements"][k] for m in members) for k in first["elements"]},
        "sipas": mean(m["sipas"] for m in members),
    }


def as_shown(figures: Mapping[str, Any]) -> dict[str, Any]:
    """The figures as the JSON shows them: rounded half up to two decimals, null kept."""
    return {
        "sipas": shown(figures["sipas"]),
        "elements": {code: shown(v) for code, v in figures["elements"].items()},
        "criteria": {key: shown(v) for key, v in figures["criteria"].items()},
    }


def figures_of(node: Mapping[str, Any]) -> dict[str, Any]:
    """The same shape, read from a node of the index JSON."""
    return {
        "sipas": node["sipas"],
        "elements": {code: e["index"] for code, e in node["elements"].items()},
        "criteria": {key: c["index"] for key, c in node["criteria"].items()},
    }
