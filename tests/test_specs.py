"""The one reader of name:key=value specs and key=value lists (losslab.specs)."""

from __future__ import annotations

import pytest

from losslab.specs import format_spec, parse_pairs, parse_spec, split_specs


def test_values_are_literals_or_words() -> None:
    name, params = parse_spec("linear_outliers:outlier_fraction=0.1, kind=leverage,seed=3", "spec")
    assert name == "linear_outliers"
    assert params == {"outlier_fraction": 0.1, "kind": "leverage", "seed": 3}
    assert parse_spec("mse", "spec") == ("mse", {})


def test_commas_inside_brackets_and_quotes_do_not_split() -> None:
    _, params = parse_spec("cross_entropy:class_weights=[1, 2.5],label_smoothing=0.1", "spec")
    assert params == {"class_weights": [1, 2.5], "label_smoothing": 0.1}
    _, params = parse_spec("csv:path='a,b.csv',target=y", "spec")
    assert params == {"path": "a,b.csv", "target": "y"}


@pytest.mark.parametrize(
    "params",
    [
        {"delta": 0.1},
        {"n_samples": 40, "noise": 1.0, "standardize": True},
        {"path": "data/my file.csv", "target": "1"},
        {"path": "a,b=c.csv", "kind": "True", "x": " padded "},
        {"class_weights": [1.0, 2.0], "alpha": None},
    ],
)
def test_format_spec_reads_back_to_the_same_values(params) -> None:
    name, read = parse_spec(format_spec("name", params), "spec")
    assert name == "name"
    assert read == params
    assert [type(v) for v in read.values()] == [type(v) for v in params.values()]


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("moons:noise", r"^dataset spec 'moons:noise': expected key=value, got 'noise'"),
        ("moons:=1", "expected key=value"),
        ("moons:noise=1,noise=2", "'noise' is given twice"),
    ],
)
def test_bad_specs_name_what_and_the_item(spec, match) -> None:
    with pytest.raises(ValueError, match=match):
        parse_spec(spec, "dataset spec")


def test_parse_pairs_with_a_converter() -> None:
    assert parse_pairs(["a=2", "b = 0.5"], "--param", convert=lambda k, t: float(t)) == {
        "a": 2.0,
        "b": 0.5,
    }
    with pytest.raises(ValueError, match=r"^--param: expected key=value, got 'a'"):
        parse_pairs(["a"], "--param")


def test_split_specs_keeps_parameters_with_their_loss() -> None:
    assert split_specs("mse, barron:alpha=1,scale=2,quantile:q=0.9,csv:path=C:/x.csv") == [
        "mse", "barron:alpha=1,scale=2", "quantile:q=0.9", "csv:path=C:/x.csv",
    ]  # fmt: skip
    assert split_specs("cross_entropy:class_weights=[1,2],mae") == [
        "cross_entropy:class_weights=[1,2]", "mae",
    ]  # fmt: skip
