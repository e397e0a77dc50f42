"""One data set, one index: on SQLite and on PostgreSQL, from the tallies and from raw answers,
and equal to the formula worked out by hand over the answers."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from hailong.db import make_engine, make_sessionmaker
from hailong.index.presenting import counters_json, fields_json, index_json
from hailong.index.service import compute_index, index_by_counter, index_by_field
from hailong.models import Base, Period
from hailong.periods.service import get_by_code
from tests.factories import make_counter, make_period, make_procedure, make_unit
from tests.index.survey import (
    SIPAS_CRITERIA,
    Answers,
    answer,
    as_shown,
    child,
    expected_figures,
    figures_of,
    index_of,
    mean_of_units,
    sipas_form,
    units,
)

ANSWER_CHOICES = (None, "1", "2", "3", "4", "5", "4", "5")


def random_form(rng: random.Random, *, procedure: str = "other") -> dict[str, str | None]:
    criteria = {
        key: rng.choice(ANSWER_CHOICES)
        for element, keys in SIPAS_CRITERIA.items()
        for key in keys
        if element != "E" or rng.random() < 0.3
    }
    criteria = {k: v for k, v in criteria.items() if not k.startswith("E") or v is not None}
    return sipas_form(
        criteria,
        procedure=procedure,
        harassment=rng.choice("1112"),
        extra_payment=rng.choice("1113"),
        priorities=rng.choice([None, "P1", "P2;P4", "P7;P1;P3"]),
    )


# A province, a pre-2025 district with counters of its own and two wards, two communes of which
# one has no response at all.
TREE = {"P": None, "D": "P", "D1": "D", "D2": "D", "X": "P", "Z": "P"}
FORM_COUNTS = {"D": 4, "D1": 7, "D2": 3, "X": 9}


def build(session: Session, seed: int = 6) -> dict[str, list[dict[str, str | None]]]:
    rng = random.Random(seed)
    period = make_period(session, code="2026")
    tree = units(session, TREE)
    tree["D"].level = "district"
    counter, _ = make_counter(session, tree["D"], name="Quầy quận")
    forms: dict[str, list[dict[str, str | None]]] = {}
    for code, n in FORM_COUNTS.items():
        forms[code] = [random_form(rng) for _ in range(n)]
        for form in forms[code]:
            answer(session, period, tree[code], form, counter=counter if code == "D" else None)
    session.flush()
    return forms


def period_2026(session: Session) -> Period:
    period = get_by_code(session, "2026")
    assert period is not None
    return period


def expected_tree(forms: dict[str, list[dict[str, str | None]]]) -> dict[str, dict[str, Any]]:
    def unit(code: str) -> dict[str, Any]:
        return expected_figures(forms[code], SIPAS_CRITERIA)

    district = mean_of_units([unit("D1"), unit("D2"), unit("D")])
    return {
        "D1": unit("D1"),
        "D2": unit("D2"),
        "D-own": unit("D"),
        "D": district,
        "X": unit("X"),
        "P": mean_of_units([district, unit("X")]),
    }


class TestAgainstTheFormulaByHand:
    def test_every_unit_of_a_mixed_tree(self, session: Session) -> None:
        forms = build(session)

        found = index_of(session, period_2026(session))

        expected = expected_tree(forms)
        province = child(found, "P")
        district = child(province, "D")
        assert found["unit"] is None and found["responses"] == sum(FORM_COUNTS.values())
        assert figures_of(found) == as_shown(expected["P"])  # the only root: the same figures
        assert figures_of(province) == as_shown(expected["P"])
        assert figures_of(district) == as_shown(expected["D"])
        assert figures_of(district["own"]) == as_shown(expected["D-own"])
        for code in ("D1", "D2"):
            assert figures_of(child(district, code)) == as_shown(expected[code])
        assert figures_of(child(province, "X")) == as_shown(expected["X"])
        assert child(province, "Z")["responses"] == 0
        assert child(province, "Z")["sipas"] is None


def _empty_postgres(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def both_databases(sqlite_url: str, postgres_migrated_url: str) -> Iterator[list[str]]:
    _empty_postgres(postgres_migrated_url)
    yield [sqlite_url, postgres_migrated_url]
    _empty_postgres(postgres_migrated_url)


def _national_index(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        with sessions.begin() as session:
            build(session)
        with sessions() as session:
            period = period_2026(session)
            return {
                source: index_json(compute_index(session, period, source=source))
                for source in ("tallies", "answers")
            }
    finally:
        engine.dispose()


class TestSameEverywhere:
    def test_sqlite_and_postgresql_give_the_same_index(self, both_databases: list[str]) -> None:
        sqlite, postgresql = (_national_index(url) for url in both_databases)

        assert sqlite["tallies"] == sqlite["answers"]
        assert postgresql["tallies"] == postgresql["answers"]
        assert sqlite["tallies"] == postgresql["tallies"]
        assert sqlite["tallies"]["responses"] == sum(FORM_COUNTS.values())


class TestBreakdowns:
    def test_per_counter(self, session: Session) -> None:
        rng = random.Random(11)
        period = make_period(session)
        unit = make_unit(session, code="X")
        first, _ = make_counter(session, unit, name="Quầy 1")
        second, _ = make_counter(session, unit, name="Quầy 2")
        make_counter(session, unit, name="Quầy 3")  # no response yet
        by_counter: dict[str, list[Answers]] = {"Quầy 1": [], "Quầy 2": [], "": []}
        for i in range(12):
            counter = (first, second, None)[i % 3]
            form = random_form(rng)
            answer(session, period, unit, form, counter=counter, channel="web")
            by_counter["" if counter is None else counter.name].append(form)

        result = compute_index(session, period, unit=unit)
        found = counters_json(
            result.formula, index_by_counter(session, period, unit, channels="all")
        )

        names = [c["counter"] for c in found]
        # Responses without a counter (a link sent by e-mail, a paper form) first, as "no counter".
        assert names == [None, "Quầy 1", "Quầy 2", "Quầy 3"]
        for item in found:
            forms = by_counter.get(item["counter"] or "", [])
            assert item["responses"] == len(forms)
            if forms:
                assert figures_of(item) == as_shown(expected_figures(forms, SIPAS_CRITERIA))
            else:
                assert item["sipas"] is None

    def test_per_procedure_field(self, session: Session) -> None:
        rng = random.Random(12)
        period = make_period(session)
        tree = units(session, {"P": None, "X": "P", "Y": "P"})
        make_procedure(session, code="1.001", name="Đăng ký khai sinh", field="Hộ tịch")
        make_procedure(session, code="1.002", name="Đăng ký kết hôn", field="Hộ tịch")
        make_procedure(session, code="2.001", name="Cấp sổ đỏ", field="Đất đai")
        field_of = {"1.001": "Hộ tịch", "1.002": "Hộ tịch", "2.001": "Đất đai", "other": ""}
        forms: dict[tuple[str, str], list[Answers]] = {}
        for i in range(24):
            code = ("X", "Y")[i % 2]
            procedure = rng.choice(list(field_of))
            form = random_form(rng, procedure=procedure)
            answer(session, period, tree[code], form)
            forms.setdefault((field_of[procedure], code), []).append(form)

        found = fields_json(index_by_field(session, period, unit=tree["P"], channels="official"))

        assert [f["field"] for f in found] == sorted({field for field, _ in forms})
        for item in found:
            members = []
            for code in ("X", "Y"):
                unit_forms = forms.get((item["field"], code), [])
                node = child(item, code)
                assert node["responses"] == len(unit_forms)
                if unit_forms:
                    members.append(expected_figures(unit_forms, SIPAS_CRITERIA))
                    assert figures_of(node) == as_shown(members[-1])
            assert figures_of(item) == as_shown(mean_of_units(members))
