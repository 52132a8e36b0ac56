"""Parameter vectors: a model's parameters as one flat vector, and named single entries.

The flat order is the order of ``model.params`` (``weight, bias`` for linear
models, ``W1, b1, …, WL, bL`` for MLPs), each array in C (row-major) order.

>>> from losslab.models import LinearRegression
>>> model = LinearRegression(2)
>>> flatten(model.params).shape
(3,)
>>> parse_coordinate(model, "weight[1]").flat
1
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Coordinate", "check_trainable", "flatten", "parse_coordinate", "set_flat", "unflatten"]

_SPEC = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\[\s*([\d\s,]*)\s*\])?\s*$")


def check_trainable(model: Any, argument: str = "model") -> None:
    """Raise ValueError naming ``argument`` unless ``model`` has at least one parameter entry."""
    params = getattr(model, "params", None)
    if not isinstance(params, Mapping) or sum(np.size(p) for p in params.values()) == 0:
        raise ValueError(f"{argument} has no trainable parameters (its params dict is empty)")


def flat_vector(theta: Any, n_params: int, name: str = "theta") -> np.ndarray:
    """``theta`` as a float64 vector of length ``n_params``; a ValueError naming ``name``."""
    theta = np.asarray(theta, dtype=np.float64)
    if theta.shape != (n_params,):
        raise ValueError(f"{name} must have shape ({n_params},), got {theta.shape}")
    return theta


def flatten(params: Mapping[str, np.ndarray]) -> np.ndarray:
    """All parameter arrays concatenated into one float64 vector, in dict order."""
    if not params:
        return np.zeros(0)
    return np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in params.values()])


def unflatten(params: Mapping[str, np.ndarray], theta: np.ndarray) -> dict[str, np.ndarray]:
    """Split the flat vector ``theta`` into arrays shaped like ``params``."""
    theta = np.asarray(theta, dtype=np.float64)
    total = sum(np.size(p) for p in params.values())
    if theta.shape != (total,):
        raise ValueError(f"theta must have shape ({total},), got {theta.shape}")
    out, start = {}, 0
    for name, p in params.items():
        out[name] = theta[start : start + p.size].reshape(p.shape)
        start += p.size
    return out


def set_flat(model: Any, theta: np.ndarray) -> None:
    """Write the flat vector ``theta`` into ``model.params`` in place."""
    for name, value in unflatten(model.params, theta).items():
        model.params[name][...] = value


@dataclass(frozen=True)
class Coordinate:
    """One scalar parameter entry: ``name[index]`` and its position in the flat vector."""

    name: str
    index: tuple[int, ...]
    flat: int

    @property
    def label(self) -> str:
        """``name[i, j]`` as typed."""
        return f"{self.name}[{', '.join(map(str, self.index))}]" if self.index else self.name


def parse_coordinate(model: Any, spec: str, argument: str = "params") -> Coordinate:
    """The entry ``spec`` (``"bias"``, ``"weight[0]"``, ``"W1[0, 1]"``) of ``model.params``.

    A name alone is accepted when the array has one entry; for a column
    ``(d, 1)`` array one index is enough (``weight[1]`` is ``weight[1, 0]``).

    Raises:
        ValueError: naming ``argument``, for a parameter the model does not
            have, a malformed spec or an index out of range.
    """
    params = model.params
    known = ", ".join(f"{k}{tuple(v.shape)}" for k, v in params.items()) or "none"
    match = _SPEC.match(str(spec))
    if match is None:
        raise ValueError(f"{argument}: cannot read {spec!r}; write e.g. 'weight[0]' or 'bias'")
    name, raw = match.group(1), match.group(2)
    if name not in params:
        raise ValueError(f"{argument}: the model has no parameter {name!r}; it has {known}")
    shape = params[name].shape
    index = tuple(int(i) for i in raw.replace(" ", "").split(",") if i) if raw else ()
    if len(index) < len(shape) and all(s == 1 for s in shape[len(index) :]):
        index = index + (0,) * (len(shape) - len(index))
    if len(index) != len(shape) or any(not 0 <= i < s for i, s in zip(index, shape, strict=True)):
        raise ValueError(
            f"{argument}: {spec!r} is not an entry of {name} with shape {shape}; it has {known}"
        )
    offset = 0
    for key, value in params.items():
        if key == name:
            break
        offset += value.size
    flat = offset + (int(np.ravel_multi_index(index, shape)) if shape else 0)
    return Coordinate(name, index, flat)
