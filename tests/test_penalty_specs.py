"""Penalty specs and amount checks (core/penalties.py), with the C-14 fine bounds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.contracts import PenaltyBounds
from core.penalties import PenaltyAmountError, PenaltyRuleSpec, c14_specs, check_amount
from plugins.realestate.policy import DEFAULT_POLICY


def _refused(spec: PenaltyRuleSpec, amount: Decimal | None) -> PenaltyAmountError:
    with pytest.raises(PenaltyAmountError) as caught:
        check_amount(spec, amount)
    return caught.value


# C-14 belongs to core: the default bounds every line's table starts from (issue 7).
CORE_C14 = {spec.code: spec for spec in c14_specs(PenaltyBounds())}


def test_C_14_staff_fine_is_200_to_1000_cny():
    spec = CORE_C14["C-14-staff"]
    assert (spec.rule, spec.kind) == ("C-14", "fine")
    assert check_amount(spec, Decimal("200")) == Decimal("200")
    assert check_amount(spec, Decimal("1000")) == Decimal("1000")
    assert check_amount(spec, Decimal("550.50")) == Decimal("550.50")

    for amount in (Decimal("199.99"), Decimal("1000.01"), Decimal("0")):
        error = _refused(spec, amount)
        assert error.code == "PENALTY_AMOUNT_OUT_OF_RANGE"
        assert "200–1000 CNY" in error.message


def test_C_14_manager_fine_is_100_to_500_cny():
    spec = CORE_C14["C-14-manager"]
    assert spec.rule == "C-14"
    assert check_amount(spec, Decimal("100")) == Decimal("100")
    assert check_amount(spec, Decimal("500")) == Decimal("500")
    error = _refused(spec, Decimal("501"))
    assert error.code == "PENALTY_AMOUNT_OUT_OF_RANGE"
    assert "100–500 CNY" in error.message
    assert _refused(spec, Decimal("99.99")).code == "PENALTY_AMOUNT_OUT_OF_RANGE"


def test_C_14_range_fine_needs_an_amount():
    error = _refused(CORE_C14["C-14-staff"], None)
    assert error.code == "PENALTY_AMOUNT_REQUIRED"
    assert "200–1000 CNY" in error.message


def test_C_14_money_is_never_float():
    with pytest.raises(TypeError):
        check_amount(CORE_C14["C-14-staff"], 500.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        PenaltyRuleSpec.from_dict(
            {
                "code": "x",
                "rule": "C-14",
                "title": "t",
                "kind": "fine",
                "min_amount": 1.5,
                "max_amount": "2",
            }
        )


def test_RE_5_fixed_suspension_is_issued_without_an_amount():
    spec = DEFAULT_POLICY.penalty("RE-5")
    assert spec.is_fixed and spec.unit == "days"
    assert check_amount(spec, None) == Decimal(1)
    assert check_amount(spec, Decimal(1)) == Decimal(1)
    error = _refused(spec, Decimal(2))
    assert error.code == "PENALTY_AMOUNT_OUT_OF_RANGE"
    assert "exactly 1 days" in error.message


def test_dismissal_has_no_amount():
    spec = PenaltyRuleSpec("X-1", "X-1", "Dismissal", "dismissal")
    assert check_amount(spec, None) is None
    assert _refused(spec, Decimal(1)).code == "PENALTY_AMOUNT_NOT_APPLICABLE"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "caning", "min_amount": Decimal(1), "max_amount": Decimal(1)},
        {"kind": "fine", "min_amount": Decimal(10), "max_amount": Decimal(5)},
        {"kind": "fine", "min_amount": Decimal(-1), "max_amount": Decimal(5)},
        {"kind": "fine", "min_amount": Decimal(1)},
        {"kind": "dismissal", "min_amount": Decimal(1), "max_amount": Decimal(1)},
    ],
)
def test_penalty_spec_refuses_inconsistent_bounds(kwargs: dict):
    with pytest.raises(ValueError):
        PenaltyRuleSpec(code="X-1", rule="X-1", title="t", **kwargs)


def test_penalty_spec_from_dict_reads_json_amounts():
    spec = PenaltyRuleSpec.from_dict(
        {
            "code": "C-14-staff",
            "rule": "C-14",
            "title": "Fine",
            "kind": "fine",
            "min_amount": "200.00",
            "max_amount": 1000,
        }
    )
    assert spec.min_amount == Decimal("200.00") and spec.max_amount == Decimal(1000)
    with pytest.raises(ValueError, match="colour"):
        PenaltyRuleSpec.from_dict(
            {"code": "c", "rule": "r", "title": "t", "kind": "fine", "colour": "red"}
        )


def test_a_spec_fits_the_penalty_rules_columns() -> None:
    base = {"code": "X-1", "rule": "X-1", "title": "t", "kind": "fine",
            "min_amount": "1", "max_amount": "2"}  # fmt: skip
    for bad, message in (
        ({"title": "t" * 201}, "at most 200"),
        ({"code": "c" * 33}, "at most 32"),
        ({"rule": {"a": 1}}, "non-empty text rule"),
        ({"max_amount": "1e20"}, "below"),
        ({"max_amount": "2.001"}, "at most 2 decimals"),
    ):
        with pytest.raises(ValueError, match=message):
            PenaltyRuleSpec.from_dict({**base, **bad})
    with pytest.raises(ValueError, match="lacks kind"):
        PenaltyRuleSpec.from_dict({k: v for k, v in base.items() if k != "kind"})
    assert PenaltyRuleSpec.from_dict(base).to_dict() == {**base}
