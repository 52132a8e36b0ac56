"""A whitelist parser for loss expressions: Python syntax in, a checked SymPy tree out.

An expression such as ``where(y_true > y_pred, 5*(y_true - y_pred)**2,
(y_true - y_pred)**2)`` is parsed with :func:`ast.parse` (mode "eval", which
only builds a syntax tree and runs nothing), every node is checked against a
short whitelist, and the SymPy expression is then built node by node from the
checked tree. Nothing is ever passed to ``eval``, ``exec`` or
``sympy.sympify``, so no attribute, import, call or name outside the
whitelist can run. Size limits (length, nesting, node count, constant
exponents and integers) are checked before any arithmetic, so an
expression cannot exhaust time or memory either.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import sympy as sp

__all__ = [
    "FUNCTIONS",
    "MAX_LENGTH",
    "VARIABLES",
    "ExpressionError",
    "UnsafeExpressionError",
    "parse_expression",
]

MAX_LENGTH = 1000
"""Longest expression accepted, in characters."""
MAX_BRACKET_DEPTH = 32
"""Deepest nesting of brackets accepted (checked before Python's parser runs)."""
MAX_TREE_DEPTH = 32
"""Deepest syntax tree accepted; a chain like a + b - c + ... or a * b / c counts as one level."""
MAX_NODES = 200
"""Most syntax-tree nodes accepted."""
MAX_EXPONENT = 100
"""Largest |exponent| accepted in a power whose exponent is a constant."""
MAX_INTEGER = 10**15
"""Largest |integer constant| accepted."""

VARIABLES = ("y_pred", "y_true")
"""The two variables: the prediction and the target, elementwise."""

CONSTANTS = {"pi": sp.pi}


class ExpressionError(ValueError):
    """An expression that parses safely but does not make a usable loss."""


class UnsafeExpressionError(ExpressionError):
    """An expression refused by the whitelist, before anything is evaluated.

    Attributes:
        construct: what was refused ("attribute access", "unknown name 'open'", ...).
        column: 1-based column where it starts (None when it is the whole input).
    """

    def __init__(self, construct: str, column: int | None = None, hint: str = "") -> None:
        self.construct = construct
        self.column = column
        where = f" at column {column}" if column is not None else ""
        super().__init__(f"{construct}{where} is not allowed in a loss expression{hint}")


# ---------------------------------------------------------------- functions with real derivatives


class _RealSign(sp.Function):
    """sign(x) on the reals, whose derivative is taken as 0 (it is 0 away from x = 0)."""

    nargs = 1

    @classmethod
    def eval(cls, x: sp.Expr) -> sp.Expr | None:
        return sp.sign(x) if x.is_Number else None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.S.Zero


class _RealAbs(sp.Function):
    """|x| on the reals: derivative sign(x), with sign(0) = 0 (the subgradient of mae)."""

    nargs = 1

    @classmethod
    def eval(cls, x: sp.Expr) -> sp.Expr | None:
        return sp.Abs(x) if x.is_Number else None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return _RealSign(self.args[0])


class _Sigmoid(sp.Function):
    """The logistic function 1 / (1 + e^-x); derivative sigmoid(x)(1 - sigmoid(x))."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = _Sigmoid(self.args[0])
        return s * (1 - s)


class _Softplus(sp.Function):
    """log(1 + e^x); derivative sigmoid(x). Evaluated stably, never as log(1 + exp(x))."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return _Sigmoid(self.args[0])


# SymPy prints a Function subclass by its class name; these names make the
# derived formulas read as the expression language, and name the NumPy kernels.
_RealSign.__name__ = "sign"
_RealAbs.__name__ = "abs"
_Sigmoid.__name__ = "sigmoid"
_Softplus.__name__ = "softplus"


def _piecewise_max(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    # A Piecewise, not sympy.Max: its derivatives stay Piecewise (no Heaviside or DiracDelta),
    # taking the first argument's branch at a tie.
    return sp.Piecewise((a, a >= b), (b, True))


def _piecewise_min(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    return sp.Piecewise((a, a <= b), (b, True))


def _log1p(x: sp.Expr) -> sp.Expr:
    from sympy.codegen.cfunctions import log1p

    return log1p(x)


def _expm1(x: sp.Expr) -> sp.Expr:
    from sympy.codegen.cfunctions import expm1

    return expm1(x)


@dataclass(frozen=True)
class _Function:
    arity: int
    build: Callable[..., sp.Expr]
    condition_first: bool = False  # the first argument is a comparison (where)


FUNCTIONS: Mapping[str, _Function] = {
    "log": _Function(1, sp.log),
    "log1p": _Function(1, _log1p),
    "exp": _Function(1, sp.exp),
    "expm1": _Function(1, _expm1),
    "abs": _Function(1, _RealAbs),
    "sqrt": _Function(1, sp.sqrt),
    "tanh": _Function(1, sp.tanh),
    "cosh": _Function(1, sp.cosh),
    "sinh": _Function(1, sp.sinh),
    "softplus": _Function(1, _Softplus),
    "sigmoid": _Function(1, _Sigmoid),
    "maximum": _Function(2, _piecewise_max),
    "minimum": _Function(2, _piecewise_min),
    "clip": _Function(3, lambda x, lo, hi: _piecewise_min(_piecewise_max(x, lo), hi)),
    "where": _Function(3, lambda c, a, b: sp.Piecewise((a, c), (b, True)), condition_first=True),
}
"""The callable functions, by name, with their number of arguments."""

_BINARY = {
    ast.Add: ("+", lambda a, b: a + b),
    ast.Sub: ("-", lambda a, b: a - b),
    ast.Mult: ("*", lambda a, b: a * b),
    ast.Div: ("/", lambda a, b: a / b),
    ast.Pow: ("**", lambda a, b: a**b),
}
_COMPARE = {
    ast.Lt: sp.StrictLessThan,
    ast.LtE: sp.LessThan,
    ast.Gt: sp.StrictGreaterThan,
    ast.GtE: sp.GreaterThan,
    ast.Eq: sp.Eq,
    ast.NotEq: sp.Ne,
}

# What to call a refused node, by type name (so Python versions lacking one still import).
_REFUSED = {
    "Attribute": "attribute access",
    "Subscript": "subscript",
    "Slice": "slice",
    "Lambda": "lambda",
    "ListComp": "list comprehension",
    "SetComp": "set comprehension",
    "DictComp": "dict comprehension",
    "GeneratorExp": "generator expression",
    "JoinedStr": "f-string",
    "FormattedValue": "f-string field",
    "TemplateStr": "template string",
    "NamedExpr": "assignment expression (:=)",
    "Starred": "starred argument",
    "IfExp": "conditional expression (use where(cond, a, b))",
    "BoolOp": "and/or (nest where(...) calls instead)",
    "Tuple": "tuple",
    "List": "list",
    "Set": "set",
    "Dict": "dict",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield from",
}


# ---------------------------------------------------------------- checks before parsing


def _check_text(expression: object) -> str:
    if not isinstance(expression, str):
        raise TypeError(f"expression must be a string, got {type(expression).__name__}")
    if len(expression) > MAX_LENGTH:
        raise UnsafeExpressionError(
            f"an expression of {len(expression)} characters",
            hint=f" (the limit is {MAX_LENGTH})",
        )
    for column, char in enumerate(expression, start=1):
        if not (char.isascii() and (char.isprintable() or char in " \t")):
            raise UnsafeExpressionError(f"the character {char!r}", column, " (ASCII only)")
    depth = 0
    for column, char in enumerate(expression, start=1):
        depth += char in "([{"
        depth -= char in ")]}"
        if depth > MAX_BRACKET_DEPTH:
            raise UnsafeExpressionError(
                f"brackets nested deeper than {MAX_BRACKET_DEPTH} levels", column
            )
    if not expression.strip():
        raise ExpressionError("expression is empty")
    return expression


def _parse(expression: str) -> ast.Expression:
    try:
        return ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        column = exc.offset if exc.offset is not None else None
        raise UnsafeExpressionError(f"invalid syntax ({exc.msg})", column) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise UnsafeExpressionError(f"an expression Python cannot parse ({exc})") from None


# ---------------------------------------------------------------- the whitelist


class _Checker:
    """Walks a syntax tree, refusing anything outside the whitelist. Evaluates nothing."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names
        self.nodes = 0

    def check(self, node: ast.AST, depth: int = 0, condition_allowed: bool = False) -> None:
        self.nodes += 1
        column = getattr(node, "col_offset", -1) + 1 or None
        if self.nodes > MAX_NODES:
            raise UnsafeExpressionError(
                f"an expression of more than {MAX_NODES} syntax nodes", column
            )
        if depth > MAX_TREE_DEPTH:
            raise UnsafeExpressionError(
                f"an expression nested deeper than {MAX_TREE_DEPTH} levels", column
            )
        kind = type(node).__name__
        if kind in _REFUSED:
            raise UnsafeExpressionError(_REFUSED[kind], column)
        if isinstance(node, ast.Expression):
            self.check(node.body, depth + 1)
        elif isinstance(node, ast.Constant):
            self._constant(node, column)
        elif isinstance(node, ast.Name):
            self._name(node, column)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise UnsafeExpressionError(f"the unary operator {type(node.op).__name__}", column)
            self.check(node.operand, depth + 1)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise UnsafeExpressionError(f"the operator {type(node.op).__name__}", column)
            if isinstance(node.op, ast.Pow):
                self._power(node, column)
            # A left-leaning chain of one kind of operator is a flat sum or product to SymPy.
            flat = isinstance(node.left, ast.BinOp) and _group(node.left.op) == _group(node.op)
            self.check(node.left, depth if flat else depth + 1)
            self.check(node.right, depth + 1)
        elif isinstance(node, ast.Compare):
            self._compare(node, column, depth, condition_allowed)
        elif isinstance(node, ast.Call):
            self._call(node, column, depth)
        else:
            raise UnsafeExpressionError(f"the construct {kind}", column)

    def _constant(self, node: ast.Constant, column: int | None) -> None:
        value = node.value
        if type(value) not in (int, float):
            what = {str: "a string constant", bytes: "a bytes constant", bool: "a boolean"}
            raise UnsafeExpressionError(what.get(type(value), f"the constant {value!r}"), column)
        if isinstance(value, int) and abs(value) > MAX_INTEGER:
            raise UnsafeExpressionError(
                "an integer constant larger than 1e15", column, " (write it as a float: 1e16)"
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise UnsafeExpressionError(f"the non-finite constant {value!r}", column)

    def _name(self, node: ast.Name, column: int | None) -> None:
        if node.id.startswith("__") or node.id.endswith("__"):
            raise UnsafeExpressionError(f"the dunder name {node.id!r}", column)
        if node.id in FUNCTIONS:
            raise UnsafeExpressionError(f"the function {node.id!r} used as a value", column)
        if node.id not in self.names:
            known = ", ".join(sorted(self.names))
            raise UnsafeExpressionError(
                f"the unknown name {node.id!r}",
                column,
                f"; names allowed: {known}; functions: {', '.join(FUNCTIONS)}"
                "; declare a parameter as expression_loss(expr, name=value)",
            )

    def _power(self, node: ast.BinOp, column: int | None) -> None:
        if not _is_constant(node.right):
            return
        if _contains_power(node.right) or (_is_constant(node.left) and _contains_power(node.left)):
            raise UnsafeExpressionError(
                "a nested constant power tower", column, " (write the exponent as one number)"
            )
        exponent = _constant_value(node.right)
        if not abs(exponent) <= MAX_EXPONENT:
            raise UnsafeExpressionError(
                f"a constant exponent of {exponent:g}", column, f" (|exponent| <= {MAX_EXPONENT})"
            )

    def _compare(
        self, node: ast.Compare, column: int | None, depth: int, condition_allowed: bool
    ) -> None:
        if not condition_allowed:
            raise UnsafeExpressionError("a comparison outside the condition of where(...)", column)
        if len(node.ops) != 1:
            raise UnsafeExpressionError(
                "a chained comparison", column, " (nest where(...) calls instead)"
            )
        if type(node.ops[0]) not in _COMPARE:
            raise UnsafeExpressionError(f"the comparison {type(node.ops[0]).__name__}", column)
        self.check(node.left, depth + 1)
        self.check(node.comparators[0], depth + 1)

    def _call(self, node: ast.Call, column: int | None, depth: int) -> None:
        if not isinstance(node.func, ast.Name):
            self.check(node.func, depth + 1)  # refuses the attribute, subscript, call... first
            raise UnsafeExpressionError("a call of something other than a function name", column)
        name = node.func.id
        if name not in FUNCTIONS:
            self._name(node.func, column)  # dunder or unknown name: the more precise message
            raise UnsafeExpressionError(f"a call of {name!r}", column)
        for keyword in node.keywords:
            label = f"keyword argument {keyword.arg!r}" if keyword.arg else "**keyword arguments"
            raise UnsafeExpressionError(label, keyword.col_offset + 1)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise UnsafeExpressionError("starred argument", arg.col_offset + 1)
        spec = FUNCTIONS[name]
        if len(node.args) != spec.arity:
            raise UnsafeExpressionError(
                f"{name}() with {len(node.args)} argument(s)", column, f" (it takes {spec.arity})"
            )
        for i, arg in enumerate(node.args):
            is_condition = spec.condition_first and i == 0
            if is_condition and not isinstance(arg, ast.Compare):
                raise UnsafeExpressionError(
                    "a condition that is not a comparison",
                    arg.col_offset + 1,
                    " (where's first argument must be like y_true > y_pred)",
                )
            self.check(arg, depth + 1, condition_allowed=is_condition)


def _group(op: ast.operator) -> str:
    if isinstance(op, (ast.Add, ast.Sub)):
        return "sum"
    return "product" if isinstance(op, (ast.Mult, ast.Div)) else "power"


def _is_constant(node: ast.AST) -> bool:
    called = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
    return not any(
        isinstance(n, ast.Name) and n.id not in CONSTANTS and id(n) not in called
        for n in ast.walk(node)
    )


def _contains_power(node: ast.AST) -> bool:
    return any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(node))


_MATH = {
    "log": math.log,
    "log1p": math.log1p,
    "exp": math.exp,
    "expm1": math.expm1,
    "abs": abs,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "cosh": math.cosh,
    "sinh": math.sinh,
}


def _constant_value(node: ast.AST) -> float:
    """The float value of a constant subtree with no powers, inf on overflow, nan if undefined.

    Only called on subtrees that passed the whitelist and hold no ``**``, so
    it does a bounded number of float operations.
    """
    try:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return math.pi if node.id == "pi" else math.nan
        if isinstance(node, ast.UnaryOp):
            value = _constant_value(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return float(
                _BINARY[type(node.op)][1](_constant_value(node.left), _constant_value(node.right))
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [_constant_value(a) for a in node.args]
            if node.func.id in _MATH and len(args) == 1:
                return float(_MATH[node.func.id](args[0]))
    except OverflowError:
        return math.inf
    except (ZeroDivisionError, ValueError):
        return math.nan
    return math.nan


# ---------------------------------------------------------------- building the SymPy tree


class _Builder:
    """Builds the SymPy expression from a tree that :class:`_Checker` accepted."""

    def __init__(self, symbols: Mapping[str, sp.Symbol]) -> None:
        self.symbols = {**CONSTANTS, **symbols}

    def build(self, node: ast.AST) -> sp.Basic:
        if isinstance(node, ast.Expression):
            return self.build(node.body)
        if isinstance(node, ast.Constant):
            return sp.Integer(node.value) if isinstance(node.value, int) else sp.Float(node.value)
        if isinstance(node, ast.Name):
            return self.symbols[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)][1](self.build(node.left), self.build(node.right))
        if isinstance(node, ast.Compare):
            return _COMPARE[type(node.ops[0])](
                self.build(node.left), self.build(node.comparators[0])
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return FUNCTIONS[node.func.id].build(*(self.build(a) for a in node.args))
        raise AssertionError(f"unchecked node {type(node).__name__}")  # pragma: no cover


def check_parameter_names(names: Iterable[str]) -> None:
    """Raise ValueError unless every parameter name is a plain identifier the language allows."""
    for name in names:
        if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
            raise ValueError(f"parameter name {name!r} is not an identifier")
        if name.startswith("_"):
            raise ValueError(f"parameter name {name!r} must not start with an underscore")
        if name in VARIABLES or name in FUNCTIONS or name in CONSTANTS:
            raise ValueError(f"parameter name {name!r} is taken by a variable or function")


def parse_expression(
    expression: str, parameters: Iterable[str] = ()
) -> tuple[sp.Expr, dict[str, sp.Symbol]]:
    """Check ``expression`` against the whitelist and build its SymPy expression.

    Args:
        expression: the loss of one element in the variables ``y_pred`` and
            ``y_true``, the given parameters and ``pi``, with numbers,
            ``+ - * / **``, unary minus, and the functions in
            :data:`FUNCTIONS`; comparisons only as the condition of
            ``where(cond, a, b)``.
        parameters: names of the parameters the expression may use.

    Returns:
        The SymPy expression, and the symbols by name (``y_pred``, ``y_true``
        and each parameter), all real.

    Raises:
        UnsafeExpressionError: anything outside the whitelist or the size
            limits, with the construct and its column, before any evaluation.
        TypeError: ``expression`` is not a string.

    Example:
        >>> expr, symbols = parse_expression("where(y_true > y_pred, k*y_true, 0)", ["k"])
        >>> expr
        Piecewise((k*y_true, y_pred < y_true), (0, True))
    """
    names = tuple(parameters)
    check_parameter_names(names)
    text = _check_text(expression)
    tree = _parse(text)
    _Checker(frozenset((*VARIABLES, *names, *CONSTANTS))).check(tree)
    symbols = {name: sp.Symbol(name, real=True) for name in (*VARIABLES, *names)}
    built = _Builder(symbols).build(tree)
    if not isinstance(built, sp.Expr):
        raise ExpressionError(f"expression {expression!r} is not a number (it is {built})")
    return built, symbols
