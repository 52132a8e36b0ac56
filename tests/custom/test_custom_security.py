"""Hostile expressions are refused by the whitelist before anything is evaluated."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sympy

from losslab.custom import (
    ExpressionError,
    UnsafeExpressionError,
    expression_loss,
    parse_expression,
)

SENTINEL = "SENTINEL"  # replaced by a path under tmp_path; executing the expression creates it


def _corpus() -> list[str]:
    s = SENTINEL
    return [
        # imports and builtins that would run code or touch the file system
        f"__import__('os').system('touch {s}')",
        f"__import__('pathlib').Path('{s}').touch()",
        f"open('{s}', 'w')",
        f"open('{s}', 'w').write('x')",
        f"eval(\"open('{s}', 'w')\")",
        f"exec(\"open('{s}', 'w')\")",
        "compile('1', 'f', 'eval')",
        "globals()",
        "locals()",
        "vars()",
        "dir()",
        "breakpoint()",
        "input()",
        "getattr(y_pred, 'shape')",
        "setattr(y_pred, 'x', 1)",
        "type(y_pred)",
        "exit()",
        "help()",
        # attribute chains and dunder walks
        "().__class__.__bases__[0].__subclasses__()",
        "y_pred.__class__",
        "y_pred.__class__.__mro__[-1].__subclasses__()",
        "__builtins__",
        "__import__",
        "y_pred.sum()",
        "log.__globals__",
        "exp.__self__",
        "(1).__class__",
        "where.__code__",
        # format-string tricks, f-strings, strings and bytes
        "'{0.__class__}'.format(1)",
        f'f\'{{open("{s}", "w")}}\'',
        "f'{y_pred}'",
        "'abc'",
        "b'abc'",
        "y_pred + 'a'",
        # lambdas, comprehensions, walrus, conditional, boolean logic
        "(lambda: 0)()",
        "lambda y_pred: y_pred",
        "[x for x in (1, 2)]",
        "{x for x in (1, 2)}",
        "{x: 1 for x in (1, 2)}",
        "sum(x for x in (1, 2))",
        "(z := y_pred)",
        "y_pred if y_true else y_true",
        "y_pred and y_true",
        "not y_pred",
        # subscripts, containers, starred and keyword arguments
        "y_pred[0]",
        "y_true[0:2]",
        "(y_pred, y_true)",
        "[y_pred]",
        "{'a': y_pred}",
        "exp(*[y_pred])",
        "log(x=y_pred)",
        "where(y_true > y_pred, y_pred, y_true, **{})",
        # huge powers and constants
        "9**9**9",
        "2**10**10",
        "y_pred * 2**10**10",
        "(2**50)**50",
        "y_pred**1000",
        "y_pred**(-101)",
        "y_pred**(10*20)",
        "y_pred**exp(10)",
        "10**1000000",
        "y_pred + 99999999999999999999",
        "y_pred + 1e999",
        # size: 10 000 characters, deep brackets, deep unary chains, many nodes
        "y_pred" + " + y_pred" * 1200,
        "(" * 1000 + "y_pred" + ")" * 1000,
        "(" * 40 + "y_pred" + ")" * 40,
        "-" * 900 + "y_pred",
        "+".join(["y_pred"] * 200),
        # names and operators outside the whitelist
        "open",
        "os",
        "sys",
        "print(y_pred)",
        "pow(y_pred, 2)",
        "max(y_pred, y_true)",
        "y_pred // 2",
        "y_pred % 2",
        "y_pred @ y_true",
        "y_pred << 2",
        "~y_pred",
        "y_pred > y_true",
        "where(y_true > y_pred > 0, y_pred, y_true)",
        "where(y_pred, y_pred, y_true)",
        "where(y_pred is y_true, 1, 2)",
        "where(y_pred in y_true, 1, 2)",
        "log(y_pred, 2)",
        "True + y_pred",
        "None",
        "...",
        "1j * y_pred",
        "y_pred\x00",
        "ｙ_pred",
        "import os",
        "y_pred; open('x')",
        "yield y_pred",
        "await y_pred",
        "",
    ]


CORPUS = _corpus()


def test_corpus_is_large() -> None:
    assert len(CORPUS) >= 50


@pytest.mark.parametrize("template", CORPUS, ids=range(len(CORPUS)))
def test_hostile_expression_is_refused_without_side_effects(
    template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sentinel = tmp_path / "pwned"
    expression = template.replace(SENTINEL, str(sentinel))

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("sympify must never see a raw expression")

    monkeypatch.setattr(sympy, "sympify", forbidden)
    monkeypatch.setattr(sympy, "parse_expr", forbidden)
    start = time.perf_counter()
    with pytest.raises(ExpressionError) as info:
        expression_loss(expression)
    assert time.perf_counter() - start < 1.0
    assert not sentinel.exists()
    assert isinstance(info.value, ValueError)
    if expression:  # the empty string is invalid but not hostile
        assert isinstance(info.value, UnsafeExpressionError), info.value
        assert "not allowed" in str(info.value)


@pytest.mark.parametrize(
    ("expression", "construct", "column"),
    [
        ("y_pred + y_true.__class__", "attribute access", 10),
        ("y_pred[0]", "subscript", 1),
        ("__import__('os')", "the dunder name '__import__'", 1),
        ("open('x')", "the unknown name 'open'", 1),
        ("y_pred**9**9", "a nested constant power tower", 1),
        ("y_pred**101", "a constant exponent of 101", 1),
        ("lambda: 1", "lambda", 1),
        ("log(x=y_pred)", "keyword argument 'x'", 5),
        ("f'{y_pred}'", "f-string", 1),
        ("(z := y_pred)", "assignment expression (:=)", 2),
        ("y_pred * 'a'", "a string constant", 10),
        ("exp(*y_pred)", "starred argument", 5),
    ],
)
def test_refusal_names_construct_and_column(expression: str, construct: str, column: int) -> None:
    with pytest.raises(UnsafeExpressionError) as info:
        parse_expression(expression)
    assert info.value.construct == construct
    assert info.value.column == column
    assert f"at column {column}" in str(info.value)


def test_length_limit_is_checked_before_parsing() -> None:
    with pytest.raises(UnsafeExpressionError, match="10000 characters"):
        parse_expression("1" * 10_000)


def test_numeric_overflow_is_allowed_and_does_not_hang() -> None:
    # Allowed by the whitelist: it only overflows to inf when evaluated, which must be quick.
    start = time.perf_counter()
    loss = expression_loss("exp(exp(exp(1000*y_pred)))")
    assert float(loss([1.0], [0.0])) == float("inf")
    assert time.perf_counter() - start < 5.0


def test_largest_allowed_constants_still_work() -> None:
    loss = expression_loss("y_pred**100 + 10**15 * y_true")
    assert float(loss([1.0], [1.0])) == pytest.approx(1.0 + 1e15)


def test_raw_string_never_reaches_sympify(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    original = sympy.sympify

    def spy(a: object, *args: object, **kwargs: object) -> object:
        seen.append(a)
        return original(a, *args, **kwargs)

    monkeypatch.setattr(sympy, "sympify", spy)
    text = "where(y_true > y_pred, 3*(y_true - y_pred)**2, abs(y_pred - y_true))"
    expression_loss(text)
    assert text not in [x for x in seen if isinstance(x, str)]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"__class__": 1.0}, ValueError),
        ({"y_pred": 1.0}, ValueError),
        ({"exp": 1.0}, ValueError),
        ({"a": "1"}, TypeError),
        ({"a": float("nan")}, ValueError),
    ],
)
def test_bad_parameters_are_refused(kwargs: dict, error: type) -> None:
    with pytest.raises(error):
        expression_loss("a*(y_pred - y_true)**2", **kwargs)
