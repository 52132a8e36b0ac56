"""The sweep file: pydantic models, TOML loading, errors that name the line.

A sweep file lists datasets, models, losses (with parameter grids),
optimizers (with learning rates), epochs and seeds; every combination is one
run (see :mod:`losslab.sweep._plan`)::

    epochs = 30
    seeds = [0, 1, 2]

    [[datasets]]
    name = "linear_outliers"
    params = { n_samples = 200, outlier_fraction = 0.1 }

    [[losses]]
    name = "huber"
    grid = { delta = [0.1, 0.5, 1, 2, 5] }

    [[optimizers]]
    name = "gd"
    lr = [0.01, 0.1, 1.0]

Validation errors carry the TOML line: pydantic's error location
(``losses.0.grid``) is mapped back to the source by searching the keys in
order, table headers ``[[losses]]`` counted for list indices.

>>> config = loads('''
... [[datasets]]
... name = "linear"
... [[losses]]
... name = "huber"
... grid = {delta = [0.5, 1]}
... [[optimizers]]
... lr = [0.1]
... ''')
>>> config.losses[0].grid["delta"], config.epochs
([0.5, 1], 50)
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from losslab import datasets, losses, models, optim

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "DatasetGrid",
    "LossGrid",
    "ModelSpec",
    "OptimizerGrid",
    "SweepConfig",
    "SweepConfigError",
    "load",
    "loads",
    "locate",
]

Scalar = bool | int | float | str
Location = tuple[str | int, ...]


class SweepConfigError(ValueError):
    """A sweep file that cannot be read or validated.

    Attributes:
        problems: ``(line, location, message)`` per problem; ``line`` is
            1-based, or None when the key is not in the file.
        path: The file, or None for a string.
    """

    def __init__(
        self, problems: list[tuple[int | None, str, str]], path: str | Path | None = None
    ) -> None:
        self.problems = problems
        self.path = path
        where = str(path) if path is not None else "<sweep>"
        lines = [
            f"{where}:{line if line is not None else '?'}: {loc}: {message}"
            if loc
            else f"{where}:{line if line is not None else '?'}: {message}"
            for line, loc, message in problems
        ]
        super().__init__("\n".join(lines))


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_grid(grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
    for key, values in grid.items():
        if not values:
            raise ValueError(f"grid {key!r} is empty; give at least one value")
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f"grid {key!r} repeats a value: {values}")
    return grid


def _check_overlap(grid: dict[str, list[Any]], info: ValidationInfo) -> None:
    both = set(grid) & set(info.data.get("params", {}))
    if both:
        raise ValueError(f"{sorted(both)} given in both params and grid")


class DatasetGrid(_Spec):
    """A dataset of :mod:`losslab.datasets`, with fixed loader arguments and a grid."""

    name: str
    params: dict[str, Scalar] = Field(default_factory=dict)
    grid: dict[str, list[Scalar]] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in datasets.available():
            raise ValueError(
                f"unknown dataset {name!r}; available: {', '.join(datasets.available())}"
            )
        return name

    @field_validator("params", "grid")
    @classmethod
    def _arguments(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        name = info.data.get("name")
        loader = getattr(datasets, name, None) if name else None
        if callable(loader):
            accepted = inspect.signature(loader).parameters
            unknown = sorted(set(value) - set(accepted))
            if unknown:
                raise ValueError(
                    f"dataset {name!r} takes no argument {', '.join(map(repr, unknown))}; "
                    f"it takes: {', '.join(accepted)}"
                )
        if info.field_name == "grid":
            _check_overlap(value, info)
            _check_grid(value)
        return value


class ModelSpec(_Spec):
    """A model of :func:`losslab.models.make_model`: linear, or an MLP."""

    kind: Literal["linear", "mlp"] = "linear"
    hidden: list[int] = Field(default_factory=lambda: [16])
    activation: str = "tanh"

    @field_validator("hidden")
    @classmethod
    def _widths(cls, hidden: list[int]) -> list[int]:
        if not hidden or any(width < 1 for width in hidden):
            raise ValueError(f"hidden widths must be a non-empty list of integers >= 1: {hidden}")
        return hidden

    @field_validator("activation")
    @classmethod
    def _activation(cls, activation: str) -> str:
        if activation not in models.ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}; available: {', '.join(models.ACTIVATIONS)}"
            )
        return activation


class LossGrid(_Spec):
    """A loss of :mod:`losslab.losses` with fixed parameters and a parameter grid."""

    name: str
    params: dict[str, Scalar | list[float]] = Field(default_factory=dict)
    grid: dict[str, list[Scalar]] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in losses.available():
            raise ValueError(f"unknown loss {name!r}; available: {', '.join(losses.available())}")
        return name

    @field_validator("params", "grid")
    @classmethod
    def _parameters(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        name = info.data.get("name")
        if name is None:
            return value
        accepted = losses.parameters(name)
        unknown = sorted(set(value) - set(accepted))
        if unknown:
            raise ValueError(
                f"loss {name!r} has no parameter {', '.join(map(repr, unknown))}; "
                f"its parameters: {', '.join(accepted) or 'none'}"
            )
        if info.field_name == "params":
            _try_loss(name, value)
            return value
        _check_overlap(value, info)
        _check_grid(value)
        for key, values in value.items():
            for item in values:
                _try_loss(name, {**info.data.get("params", {}), key: item})
        return value


def _try_loss(name: str, params: dict[str, Any]) -> None:
    try:
        losses.get(name, **params)
    except (TypeError, ValueError) as error:
        shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
        raise ValueError(f"{name}({shown}): {error}") from None


class OptimizerGrid(_Spec):
    """An optimizer of :mod:`losslab.optim` with its learning rates and settings."""

    name: str = "gd"
    lr: list[float] = Field(min_length=1)
    params: dict[str, float] = Field(default_factory=dict)
    batch_size: int | None = Field(default=None, ge=1)
    schedule: Literal["constant", "step", "cosine"] | None = None
    weight_decay: float = Field(default=0.0, ge=0.0)

    @field_validator("lr", mode="before")
    @classmethod
    def _one_or_many(cls, lr: Any) -> Any:
        return [lr] if isinstance(lr, (int, float)) and not isinstance(lr, bool) else lr

    @field_validator("lr")
    @classmethod
    def _positive(cls, lr: list[float]) -> list[float]:
        bad = [value for value in lr if not value > 0]
        if bad:
            raise ValueError(f"learning rates must be > 0, got {bad}")
        if len(set(lr)) != len(lr):
            raise ValueError(f"learning rates repeat a value: {lr}")
        return lr

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in optim.available():
            raise ValueError(
                f"unknown optimizer {name!r}; available: {', '.join(optim.available())}"
            )
        return name

    @field_validator("params")
    @classmethod
    def _settings(cls, params: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        name = info.data.get("name")
        if name is not None:
            try:
                optim.make_optimizer(name, 0.1, **params)
            except (TypeError, ValueError) as error:
                raise ValueError(f"optimizer {name!r}: {error}") from None
        return params


class SweepConfig(_Spec):
    """A whole sweep: every dataset × model × loss grid point × optimizer × lr × seed.

    Attributes:
        name: A title for the report.
        datasets: The datasets (at least one).
        models: The models; one linear model when absent.
        losses: The losses (at least one).
        optimizers: The optimizers with their learning rates (at least one).
        epochs: Epochs per run.
        seeds: One run per seed; a seed drives the train/validation split, the
            model's initialisation and the mini-batch shuffling.
        val_fraction: Share of each dataset held out for validation.
        metric: The common metric the report compares losses on, a column of
            the History (``val_rmse``, ``val_accuracy`` ...), or ``"auto"``:
            ``val_rmse`` for regression, ``val_accuracy`` for classification.
        divergence_factor: Passed to :func:`losslab.train.fit`.
    """

    name: str = "sweep"
    datasets: list[DatasetGrid] = Field(min_length=1)
    models: list[ModelSpec] = Field(default_factory=lambda: [ModelSpec()], min_length=1)
    losses: list[LossGrid] = Field(min_length=1)
    optimizers: list[OptimizerGrid] = Field(min_length=1)
    epochs: int = Field(default=50, ge=1)
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    val_fraction: float = Field(default=0.25, gt=0.0, lt=1.0)
    metric: str = "auto"
    divergence_factor: float = Field(default=1e6, gt=1.0)

    _source: str = PrivateAttr(default="")
    _path: Path | None = PrivateAttr(default=None)

    @field_validator("seeds")
    @classmethod
    def _distinct(cls, seeds: list[int]) -> list[int]:
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds repeat a value: {seeds}")
        return seeds

    def error(self, loc: Location, message: str) -> SweepConfigError:
        """A :class:`SweepConfigError` at ``loc`` (e.g. ``("losses", 1, "name")``)."""
        return SweepConfigError([(locate(self._source, loc), _dotted(loc), message)], self._path)


def _dotted(loc: Location) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_COMMENT = re.compile(r"#.*$")


def _header(line: str, key: str, array: bool) -> bool:
    brackets = (r"\[\[", r"\]\]") if array else (r"\[(?!\[)", r"\](?!\])")
    pattern = rf'^\s*{brackets[0]}\s*(?:[\w."-]+\.)?"?{re.escape(key)}"?\s*{brackets[1]}'
    return re.match(pattern, line) is not None


def _assigns(line: str, key: str) -> bool:
    return re.search(rf'(^|[\s{{,.])"?{re.escape(key)}"?\s*=(?!=)', line) is not None


def locate(source: str, loc: Location) -> int | None:
    r"""The 1-based line of ``source`` (TOML) that an error location points at.

    Keys are searched in order, each from the line where the previous one was
    found; an integer after a key picks that occurrence of an ``[[key]]``
    header. When a key is missing (a required field), the line of its parent.

    >>> locate('[[losses]]\nname = "mse"\n[[losses]]\nname = "hubr"\n', ("losses", 1, "name"))
    4
    """
    lines = [_COMMENT.sub("", line) for line in source.splitlines()]
    headers = [n for n, line in enumerate(lines) if re.match(r"^\s*\[", line)]

    def table_end(line: int) -> int:
        # Keys of a table stop at the next table header.
        return next((n for n in headers if n > line), len(lines))

    start, end, found = 0, table_end(-1), None
    index = 0
    while index < len(loc):
        part = loc[index]
        following = loc[index + 1] if index + 1 < len(loc) else None
        if isinstance(part, int):
            index += 1
            continue
        if isinstance(following, int):
            tables = [n for n in headers if n >= start and _header(lines[n], part, True)]
            if following < len(tables):
                start = found = tables[following]
                end = table_end(start)
                index += 2
                continue
        match = next((n for n in range(start, end) if _assigns(lines[n], part)), None)
        if match is None:
            match = next(
                (n for n in headers if n >= start and _header(lines[n], part, False)), None
            )
            if match is not None:
                end = table_end(match)
        if match is None:
            break
        start = found = match
        index += 1
    return None if found is None else found + 1


def _toml_error(error: tomllib.TOMLDecodeError) -> tuple[int | None, str]:
    line = getattr(error, "lineno", None)
    if line is None:
        found = re.search(r"line (\d+)", str(error))
        line = int(found.group(1)) if found else None
    return line, f"not valid TOML: {error}"


def loads(source: str, path: str | Path | None = None) -> SweepConfig:
    """Parse and validate a sweep from TOML text.

    Raises:
        SweepConfigError: Listing every problem with its line and field.
    """
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        line, message = _toml_error(error)
        raise SweepConfigError([(line, "", message)], path) from None
    try:
        config = SweepConfig.model_validate(data)
    except ValidationError as error:
        problems = [
            (locate(source, tuple(item["loc"])), _dotted(tuple(item["loc"])), _message(item))
            for item in error.errors(include_url=False)
        ]
        raise SweepConfigError(problems, path) from None
    config._source = source
    config._path = Path(path) if path is not None else None
    return config


def _message(item: dict[str, Any]) -> str:
    message = str(item["msg"]).removeprefix("Value error, ")
    if item["type"] == "extra_forbidden":
        return "unknown field (a typo?)"
    # Our own validators already quote the value; pydantic's type errors do not.
    if item["type"] not in ("missing", "value_error") and not isinstance(item.get("input"), dict):
        return f"{message} (got {item['input']!r})"
    return message


def load(path: str | Path) -> SweepConfig:
    """Read and validate a sweep file.

    Raises:
        SweepConfigError: If the file is missing, not TOML, or not a valid sweep.
    """
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SweepConfigError([(None, "", f"cannot read the sweep file: {error}")], path) from None
    return loads(source, path)
