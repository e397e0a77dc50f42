"""The index by "The formula" of sipas-methodology.md, on hand-built data, on both databases.

Every figure expected here is computed in the test from the answers it wrote (tests/index/
survey.py does the arithmetic with Fractions); every index is read from the tallies and from
the raw answers, which must agree (survey.index_of).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlalchemy.orm import Session

from hailong.models import ReviewState
from hailong.tallies.service import set_review_state
from tests.factories import make_counter, make_unit
from tests.index.survey import (
    SIPAS_CRITERIA,
    answer,
    answer_all,
    child,
    column,
    counts,
    criterion,
    index_of,
    make_period,
    mean,
    pooled,
    shown,
    sipas_form,
    small_period,
    units,
)

Forms = dict[str, list[dict[str, str | None]]]
WORKED = {"A": ("A1",), "B": ("B1",)}
# The worked example of the methodology page: unit X, three completed responses.
WORKED_FORMS = [{"A1": "5", "B1": "3"}, {"A1": "4", "B1": None}, {"A1": "2", "B1": "5"}]


class TestWorkedExample:
    def test_the_page_figures(self, session: Session) -> None:
        period = small_period(session, "worked-example", WORKED)
        unit = make_unit(session, code="X", name="Đơn vị X")
        answer_all(session, period, unit, WORKED_FORMS)

        found = index_of(session, period, unit)

        a1 = criterion(column(WORKED_FORMS, "A1"))
        b1 = criterion(column(WORKED_FORMS, "B1"))
        assert (a1, b1) == (Fraction(200, 3), Fraction(50))
        sipas = mean([mean([a1]), mean([b1])])
        # The page: A1 -> 66.67; B1 -> 50.00 (1 of 2 valid); SIPAS 58.33.
        assert (shown(a1), shown(b1), shown(sipas)) == (66.67, 50.0, 58.33)
        assert found["unit"] == "X" and found["name"] == "Đơn vị X"
        assert found["period"] == period.code
        assert found["responses"] == 3
        assert found["sipas"] == shown(sipas)
        assert found["elements"] == {"A": {"index": shown(a1)}, "B": {"index": shown(b1)}}
        assert found["criteria"] == {
            "A1": {"index": 66.67, "valid": 3, "satisfied": 2, "counts": counts(["5", "4", "2"])},
            "B1": {"index": 50.0, "valid": 2, "satisfied": 1, "counts": counts(["3", "5"])},
        }
        assert found["children"] == []

    def test_pooled_element_rule_changes_nothing_with_one_criterion(self, session: Session) -> None:
        period = small_period(session, "worked-pooled", WORKED, element_rule="pooled")
        unit = make_unit(session, code="X", name="Đơn vị X")
        answer_all(session, period, unit, WORKED_FORMS)

        found = index_of(session, period, unit)

        assert (found["elements"]["A"]["index"], found["elements"]["B"]["index"]) == (66.67, 50.0)
        assert found["sipas"] == 58.33


class TestNoValidAnswer:
    def test_criteria_and_elements_without_valid_answers_are_null(self, session: Session) -> None:
        period = make_period(session)
        unit = make_unit(session)
        # Nobody gave feedback, so element E is never asked; A4 is always left unanswered.
        forms = [
            sipas_form({"A1": "5", "A2": "4", "B1": "2", "C1": "4", "D1": "1"}),
            sipas_form({"A1": "3", "A2": "5", "B1": "5", "C1": "5", "D1": "4"}),
        ]
        answer_all(session, period, unit, forms)

        found = index_of(session, period, unit)

        for key in ("A4", "E1", "E2", "E3", "B2"):
            assert found["criteria"][key] == {
                "index": None,
                "valid": 0,
                "satisfied": 0,
                "counts": counts([]),
            }
        assert found["elements"]["E"] == {"index": None}
        elements = {
            code: mean(criterion(column(forms, key)) for key in keys)
            for code, keys in SIPAS_CRITERIA.items()
        }
        assert elements["E"] is None
        assert found["elements"] == {code: {"index": shown(v)} for code, v in elements.items()}
        # SIPAS is the mean of the four elements that have an index, not of five with a 0.
        assert found["sipas"] == shown(mean(elements.values()))
        assert found["sipas"] != shown(sum(v for v in elements.values() if v) / 5)

    def test_a_unit_whose_answers_are_all_unanswered_has_no_index(self, session: Session) -> None:
        period = small_period(session, "blank-form", WORKED)
        unit = make_unit(session, code="X")
        answer(session, period, unit, {"A1": None, "B1": None})

        found = index_of(session, period, unit)

        # A form that rates no criterion is kept, but neither counted nor toward the quota.
        assert found["responses"] == 0
        assert found["unrated"] == 1
        assert found["quota"]["counted"] == 0 and found["quota"]["unrated"] == 1
        assert found["sipas"] is None
        assert found["elements"] == {"A": {"index": None}, "B": {"index": None}}


class TestUnitsWithoutResponses:
    def test_left_out_of_the_parents_mean(self, session: Session) -> None:
        period = small_period(session, "three-wards", WORKED)
        tree = units(session, {"P": None, "X": "P", "Y": "P", "Z": "P"})
        x_forms = [{"A1": "5", "B1": "5"}, {"A1": "1", "B1": "4"}]
        y_forms = [{"A1": "2", "B1": "3"}]
        answer_all(session, period, tree["X"], x_forms)
        answer_all(session, period, tree["Y"], y_forms)

        found = index_of(session, period, tree["P"])

        x = mean([criterion(column(x_forms, "A1")), criterion(column(x_forms, "B1"))])
        y = mean([criterion(column(y_forms, "A1")), criterion(column(y_forms, "B1"))])
        assert child(found, "Z")["responses"] == 0
        assert child(found, "Z")["sipas"] is None
        assert found["sipas"] == shown(mean([x, y]))
        assert found["sipas"] != shown((x + y) / 3)
        assert found["responses"] == len(x_forms) + len(y_forms)

    def test_a_unit_with_only_rejected_responses_has_none(self, session: Session) -> None:
        period = small_period(session, "rejected-ward", WORKED)
        tree = units(session, {"P": None, "X": "P", "Y": "P"})
        answer(session, period, tree["X"], {"A1": "5", "B1": "5"})
        bad = answer(session, period, tree["Y"], {"A1": "1", "B1": "1"})
        set_review_state(session, bad, ReviewState.rejected)

        found = index_of(session, period, tree["P"])

        assert child(found, "Y")["responses"] == 0
        assert found["sipas"] == child(found, "X")["sipas"] == 100.0


# Two criteria answered by different numbers of people: the rules give different results.
UNEVEN = {"A": ("A1", "A2"), "B": ("B1",)}
UNEVEN_FORMS = [
    {"A1": "5", "A2": "5", "B1": "4"},
    {"A1": None, "A2": "2", "B1": "2"},
    {"A1": None, "A2": "1", "B1": "5"},
]


class TestElementRules:
    def test_mean_of_criteria(self, session: Session) -> None:
        period = small_period(session, "uneven-mean", UNEVEN)
        unit = make_unit(session, code="X")
        answer_all(session, period, unit, UNEVEN_FORMS)

        found = index_of(session, period, unit)

        a1, a2 = (criterion(column(UNEVEN_FORMS, key)) for key in ("A1", "A2"))
        element_a = mean([a1, a2])
        assert element_a == Fraction(200, 3)  # (100 + 33.33...) / 2
        b = criterion(column(UNEVEN_FORMS, "B1"))
        assert found["elements"]["A"]["index"] == shown(element_a)
        assert found["sipas"] == shown(mean([element_a, b]))

    def test_pooled(self, session: Session) -> None:
        period = small_period(session, "uneven-pooled", UNEVEN, element_rule="pooled")
        unit = make_unit(session, code="X")
        answer_all(session, period, unit, UNEVEN_FORMS)

        found = index_of(session, period, unit)

        element_a = pooled([column(UNEVEN_FORMS, "A1"), column(UNEVEN_FORMS, "A2")])
        assert element_a == Fraction(50)  # 2 satisfied of 4 valid answers
        b = criterion(column(UNEVEN_FORMS, "B1"))
        assert found["elements"]["A"]["index"] == shown(element_a)
        assert found["sipas"] == shown(mean([element_a, b]))
        # Criteria stay criteria: pooling only changes how an element is made of them.
        assert found["criteria"]["A2"]["index"] == shown(criterion(column(UNEVEN_FORMS, "A2")))


# One ward where everyone is satisfied, one (three times larger) where few are.
SMALL_WARD = [{"A1": "5", "B1": "4"}]
LARGE_WARD = [{"A1": "5", "B1": "1"}, {"A1": "1", "B1": "2"}, {"A1": "2", "B1": None}]


def _wards(session: Session, code: str, rollup_rule: str) -> dict[str, Any]:
    period = small_period(session, code, WORKED, rollup_rule=rollup_rule)
    tree = units(session, {"P": None, "X": "P", "Y": "P"})
    answer_all(session, period, tree["X"], SMALL_WARD)
    answer_all(session, period, tree["Y"], LARGE_WARD)
    return index_of(session, period, tree["P"])


def _unit_sipas(forms: list[dict[str, str | None]]) -> Fraction | None:
    return mean([criterion(column(forms, "A1")), criterion(column(forms, "B1"))])


class TestRollupRules:
    def test_mean_of_units(self, session: Session) -> None:
        found = _wards(session, "rollup-mean", "mean_of_units")

        x, y = _unit_sipas(SMALL_WARD), _unit_sipas(LARGE_WARD)
        assert found["sipas"] == shown(mean([x, y]))
        a = mean([criterion(column(SMALL_WARD, "A1")), criterion(column(LARGE_WARD, "A1"))])
        assert found["criteria"]["A1"]["index"] == shown(a)
        assert found["elements"]["A"]["index"] == shown(a)
        # Counts are always sums over the subtree.
        everyone = SMALL_WARD + LARGE_WARD
        assert found["responses"] == len(everyone)
        assert found["criteria"]["B1"]["counts"] == counts(column(everyone, "B1"))

    def test_pooled(self, session: Session) -> None:
        found = _wards(session, "rollup-pooled", "pooled")

        everyone = SMALL_WARD + LARGE_WARD
        a, b = criterion(column(everyone, "A1")), criterion(column(everyone, "B1"))
        assert found["criteria"]["A1"]["index"] == shown(a)
        assert found["sipas"] == shown(mean([a, b]))
        assert found["sipas"] != shown(mean([_unit_sipas(SMALL_WARD), _unit_sipas(LARGE_WARD)]))

    def test_mean_of_units_takes_direct_children_only(self, session: Session) -> None:
        period = small_period(session, "rollup-levels", WORKED)
        tree = units(session, {"P": None, "D": "P", "X": "D", "Y": "D", "Z": "P"})
        tree["D"].level = "district"
        forms = {
            "X": [{"A1": "5", "B1": "5"}],
            "Y": [{"A1": "1", "B1": "1"}, {"A1": "2", "B1": "4"}],
            "Z": [{"A1": "4", "B1": "3"}],
        }
        for code, unit_forms in forms.items():
            answer_all(session, period, tree[code], unit_forms)

        found = index_of(session, period, tree["P"])

        x, y, z = (_unit_sipas(forms[code]) for code in "XYZ")
        district = mean([x, y])
        assert child(found, "D")["sipas"] == shown(district)
        assert found["sipas"] == shown(mean([district, z]))
        assert found["sipas"] != shown(mean([x, y, z]))


class TestOwnCounters:
    """A pre-2025 district with its own one-stop counter and wards below it."""

    def _district(self, session: Session, rollup_rule: str) -> tuple[dict[str, Any], Forms]:
        period = small_period(session, f"own-{rollup_rule}", WORKED, rollup_rule=rollup_rule)
        tree = units(session, {"D": None, "X": "D", "Y": "D"})
        counter, _ = make_counter(session, tree["D"], name="Quầy quận")
        forms: Forms = {
            "D": [{"A1": "5", "B1": "5"}, {"A1": "5", "B1": "2"}],
            "X": [{"A1": "1", "B1": "2"}],
            "Y": [{"A1": "4", "B1": None}, {"A1": "3", "B1": "3"}],
        }
        for code, unit_forms in forms.items():
            unit_counter = counter if code == "D" else None
            answer_all(session, period, tree[code], unit_forms, counter=unit_counter)
        return index_of(session, period, tree["D"]), forms

    def test_own_figures_are_one_more_member(self, session: Session) -> None:
        found, forms = self._district(session, "mean_of_units")

        own = _unit_sipas(forms["D"])
        own_json = found["own"]
        assert own_json["responses"] == len(forms["D"])
        assert own_json["sipas"] == shown(own)
        assert own_json["criteria"]["B1"]["counts"] == counts(column(forms["D"], "B1"))
        members = [own, _unit_sipas(forms["X"]), _unit_sipas(forms["Y"])]
        assert found["sipas"] == shown(mean(members))
        assert found["responses"] == sum(len(f) for f in forms.values())
        for code in "XY":
            assert child(found, code)["own"] is None

    def test_pooled_takes_every_response_below_and_its_own(self, session: Session) -> None:
        found, forms = self._district(session, "pooled")

        everyone = [form for unit_forms in forms.values() for form in unit_forms]
        assert found["sipas"] == shown(_unit_sipas(everyone))
        assert found["own"]["sipas"] == shown(_unit_sipas(forms["D"]))


class TestChannels:
    def test_official_group_and_all_channels(self, session: Session) -> None:
        period = small_period(session, "channels", WORKED, official=("interview", "email"))
        unit = make_unit(session, code="X")
        official = [{"A1": "5", "B1": "4"}, {"A1": "2", "B1": "4"}]
        other = [{"A1": "1", "B1": "1"}]
        answer_all(session, period, unit, official[:1], channel="interview")
        answer_all(session, period, unit, official[1:], channel="email")
        answer_all(session, period, unit, other, channel="web")

        only_official = index_of(session, period, unit, channels="official")
        every_channel = index_of(session, period, unit, channels="all")

        assert only_official["channels"] == "official"
        assert only_official["responses"] == len(official)
        assert only_official["sipas"] == shown(_unit_sipas(official))
        assert every_channel["channels"] == "all"
        assert every_channel["responses"] == len(official + other)
        assert every_channel["sipas"] == shown(_unit_sipas(official + other))

    def test_a_period_naming_no_official_channel_counts_them_all(self, session: Session) -> None:
        period = small_period(session, "no-official", WORKED, official=())
        unit = make_unit(session, code="X")
        forms = [{"A1": "5", "B1": "4"}, {"A1": "2", "B1": "1"}]
        answer(session, period, unit, forms[0], channel="web")
        answer(session, period, unit, forms[1], channel="telegram")

        assert index_of(session, period, unit)["sipas"] == shown(_unit_sipas(forms))


class TestReviewStates:
    def test_rejected_left_out_and_counted_again_after_approval(self, session: Session) -> None:
        period = small_period(session, "review", WORKED)
        unit = make_unit(session, code="X")
        kept = [{"A1": "5", "B1": "4"}, {"A1": "4", "B1": "2"}]
        doubtful = {"A1": "1", "B1": "1"}
        answer_all(session, period, unit, kept)
        response = answer(session, period, unit, doubtful)
        everyone = [*kept, doubtful]
        assert index_of(session, period, unit)["sipas"] == shown(_unit_sipas(everyone))

        set_review_state(session, response, ReviewState.rejected)
        rejected = index_of(session, period, unit)
        assert rejected["responses"] == len(kept)
        assert rejected["sipas"] == shown(_unit_sipas(kept))
        assert rejected["criteria"]["A1"]["counts"] == counts(column(kept, "A1"))

        set_review_state(session, response, ReviewState.approved)
        approved = index_of(session, period, unit)
        assert approved["responses"] == len(everyone)
        assert approved["sipas"] == shown(_unit_sipas(everyone))

    def test_a_period_that_counts_approved_responses_only(self, session: Session) -> None:
        period = small_period(session, "approved-only", WORKED)
        period.counted_review_states = ["approved"]
        unit = make_unit(session, code="X")
        forms = [{"A1": "5", "B1": "5"}, {"A1": "1", "B1": "2"}, {"A1": "4", "B1": "1"}]
        made = answer_all(session, period, unit, forms)
        assert index_of(session, period, unit)["responses"] == 0

        for response in made[1:]:
            set_review_state(session, response, ReviewState.approved)

        found = index_of(session, period, unit)
        assert found["responses"] == 2
        assert found["sipas"] == shown(_unit_sipas(forms[1:]))


class TestRoundHalfUp:
    def test_exactly_halfway_rounds_up(self, session: Session) -> None:
        elements = {code: (f"{code}1",) for code in "ABCD"}
        period = small_period(session, "halfway", elements)
        unit = make_unit(session, code="X")
        # A1, B1, C1: 1 satisfied of 2 valid (50); D1: 1 of 8 (12.5).
        forms = [
            {key: ("5" if i == 0 else "1" if i == 1 or key == "D1" else None) for key in keys}
            for i, keys in enumerate([["A1", "B1", "C1", "D1"]] * 8)
        ]
        answer_all(session, period, unit, forms)

        found = index_of(session, period, unit)

        sipas = mean(criterion(column(forms, f"{code}1")) for code in "ABCD")
        assert sipas == Fraction(40625, 1000)
        assert found["sipas"] == shown(sipas) == 40.63
        # Not round-half-even, not binary floating point.
        assert round(float(sipas), 2) == 40.62
        assert found["criteria"]["D1"]["index"] == 12.5


class TestSatisfiedCodes:
    def test_a_version_counting_non_adjacent_codes_as_satisfied(self, session: Session) -> None:
        # A questionnaire may name any set of satisfied codes; "3" and "5" are not neighbours
        # on the scale, so no answer between them may be counted.
        period = small_period(session, "odd-satisfied", WORKED, satisfied=("3", "5"))
        unit = make_unit(session, code="X")
        forms: list[dict[str, str | None]] = [
            {"A1": "5", "B1": "4"},
            {"A1": "3", "B1": "4"},
            {"A1": "4", "B1": "3"},
            {"A1": "1", "B1": None},
        ]
        answer_all(session, period, unit, forms)

        found = index_of(session, period, unit)

        assert found["criteria"]["A1"]["satisfied"] == 2  # the 5 and the 3, not the 4
        assert found["criteria"]["A1"]["index"] == 50.0
        assert found["criteria"]["B1"]["satisfied"] == 1
        assert found["criteria"]["B1"]["index"] == shown(Fraction(100, 3))
        assert found["sipas"] == shown(mean([Fraction(50), Fraction(100, 3)]))
        assert found["criteria"]["A1"]["counts"] == {"1": 1, "2": 0, "3": 1, "4": 1, "5": 1}
