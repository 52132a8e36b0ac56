"""losslab.claims: conditions, evaluate and evaluate_seeds on small made-up claims.

The real claims are judged on their experiments in tests/experiments/test_demo_claims.py,
tests/landscape/test_demos.py and tests/test_demo.py.
"""

from __future__ import annotations

import math

import pytest

from losslab import claims
from losslab.claims import Claim, Condition, evaluate, evaluate_seeds


def ratio_claim(**changes) -> Claim:
    fields = {
        "name": "ratio",
        "experiment": "pair",
        "statement": "the first is at most half the second",
        "measure": lambda pair: {"ratio": pair[0] / pair[1], "second": pair[1]},
        "conditions": (Condition("ratio", "<=", 0.5), Condition("second", ">", 0)),
        "describe": lambda m: f"ratio {m['ratio']:.2f}",
    }
    return Claim(**(fields | changes))


@pytest.mark.parametrize(
    ("op", "value", "holds"),
    [
        ("<", 0.99, True), ("<", 1.0, False), ("<=", 1.0, True), ("<=", 1.01, False),
        (">", 1.01, True), (">", 1.0, False), (">=", 1.0, True), (">=", 0.99, False),
        ("==", 1.0, True), ("==", 0.99, False),
    ],
)  # fmt: skip
def test_condition_compares_with_its_limit(op: str, value: float, holds: bool) -> None:
    assert Condition("x", op, 1.0).holds(value) is holds


@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "=="])
def test_nan_satisfies_no_condition(op: str) -> None:
    assert not Condition("x", op, 1.0).holds(math.nan)


def test_condition_rejects_an_unknown_operator() -> None:
    with pytest.raises(ValueError, match=r"op must be one of .*, got '!='"):
        Condition("x", "!=", 1.0)  # type: ignore[arg-type]


def test_claim_needs_a_condition() -> None:
    with pytest.raises(ValueError, match="conditions of claim 'ratio' must not be empty"):
        ratio_claim(conditions=())


def test_evaluate_reports_measurements_text_and_the_failed_conditions() -> None:
    claim = ratio_claim()
    good = evaluate(claim, (1.0, 4.0))
    assert good == claims.Verdict({"ratio": 0.25, "second": 4.0}, True, "ratio 0.25", ())
    bad = evaluate(claim, (3.0, -4.0))
    assert not bad.holds
    assert bad.failed == ("second > 0 (measured -4)",)
    assert claim.rule == "ratio ≤ 0.5; second > 0"


def test_evaluate_names_a_condition_on_a_measurement_the_claim_does_not_make() -> None:
    claim = ratio_claim(conditions=(Condition("ratoi", "<=", 0.5),))
    with pytest.raises(ValueError, match=r"condition on 'ratoi' but measures only \['ratio'"):
        evaluate(claim, (1.0, 4.0))


def test_evaluate_seeds_checks_each_result_and_the_medians() -> None:
    claim = ratio_claim(over_seeds=(Condition("ratio", "<=", 0.2),))
    # Each result holds (ratios 0.1, 0.3, 0.4), but the median 0.3 breaks the median rule.
    verdict = evaluate_seeds(claim, [(1.0, 10.0), (3.0, 10.0), (4.0, 10.0)])
    assert verdict.measured == {"ratio": pytest.approx(0.3), "second": 10.0}
    assert verdict.failed == ("median ratio ≤ 0.2 (measured 0.3)",)
    assert verdict.text == "ratio 0.30 (medians over 3 results)"
    # One result failing is named by its index, and the claim fails.
    verdict = evaluate_seeds(claim, [(1.0, 10.0), (9.0, 10.0), (1.0, 10.0)])
    assert verdict.failed == ("result 1: ratio ≤ 0.5 (measured 0.9)",)
    assert evaluate_seeds(claim, [(1.0, 10.0), (1.5, 10.0)]).holds
    # evaluate judges one result by the per-result conditions only.
    assert evaluate(claim, (3.0, 10.0)).holds


def test_evaluate_seeds_needs_results() -> None:
    with pytest.raises(ValueError, match="results must not be empty for claim 'ratio'"):
        evaluate_seeds(ratio_claim(), [])


def test_get_finds_a_claim_and_names_the_choices_otherwise() -> None:
    assert claims.get("xor_saddle").experiment == "xor_saddle"
    with pytest.raises(ValueError, match=r"name must be one of \['robust_slopes'.*got 'nope'"):
        claims.get("nope")


def test_registered_claims_have_distinct_names_and_statements() -> None:
    names = [claim.name for claim in claims.CLAIMS]
    statements = [claim.statement for claim in claims.CLAIMS]
    assert len(set(names)) == len(names)
    assert len(set(statements)) == len(statements)
