"""Exact loss surfaces: two free parameters, a plane through parameter space, a line.

A surface is ``L(θ) = (1/n) Σ_i l(f(x_i; θ), y_i)`` evaluated exactly at
every point of a grid, with all grid points of a chunk in one array
(:mod:`losslab.landscape._batched`): no Python loop over grid points.

- :func:`grid_surface`: two named entries of ``model.params`` vary over a
  grid, the rest stay fixed. For a linear model with one output the
  prediction is affine in the two entries, ``z = z₀ + a u + b v`` (``u`` is a
  feature column, or ones for a bias), so a chunk of grid points is one
  ``(g, 2) @ (2, n)`` product. MSE on such a model uses sufficient
  statistics: with ``e = z₀ − y``,
  ``L(a, b) = ē² + a² ū² + b² v̄² + 2a ēu + 2b ēv + 2ab ūv`` (bars are means),
  exact in ``O(G)`` after ``O(n)``. Other catalogue losses with an
  elementwise kernel run the compiled grid kernel
  (:mod:`losslab._kernels.grid`): one pass over the examples per grid point,
  the catalogue's per-element formula, no ``(G, n)`` array; anything else
  (custom losses, several outputs, numba missing or the fused path turned
  off with :func:`losslab.config.fused`) takes the chunked product above.
- :func:`plane_surface`: ``θ(α, β) = θ₀ + α d₁ + β d₂`` for two directions.
- :func:`interpolate`: ``θ(t) = (1 − t) θ_a + t θ_b``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losslab.landscape._batched import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_MAX_BYTES,
    batched_loss,
    bytes_per_setting,
    check_data,
    evaluate_chunked,
    plan_chunks,
)
from losslab.landscape._curvature import Objective
from losslab.landscape._params import (
    Coordinate,
    check_trainable,
    flatten,
    parse_coordinate,
    unflatten,
)
from losslab.models import Linear, head_forward
from losslab.train import resolve_loss

__all__ = ["Line", "Surface", "grid_surface", "interpolate", "plane_surface"]


@dataclass(frozen=True)
class Surface:
    """A loss surface on a grid.

    Attributes:
        x: Grid values along the first axis, shape ``(nx,)``.
        y: Grid values along the second axis, shape ``(ny,)``.
        values: Loss at each grid point, shape ``(ny, nx)`` (row ``j`` is ``y[j]``).
        x_label: What the first axis is (a parameter entry, or ``α``).
        y_label: What the second axis is.
        loss: Name of the loss.
        method: ``"sufficient statistics"``, ``"affine kernel"`` (compiled, one
            pass), ``"affine"`` (chunked NumPy) or ``"batched forward"``.
        seconds: Wall time of the evaluation.
        extra: Anything else worth keeping (plane directions, eigenvalues).
    """

    x: np.ndarray
    y: np.ndarray
    values: np.ndarray
    x_label: str
    y_label: str
    loss: str
    method: str
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    def argmin(self) -> tuple[float, float, float]:
        """``(x, y, loss)`` at the lowest grid point."""
        j, i = np.unravel_index(int(np.argmin(self.values)), self.values.shape)
        return float(self.x[i]), float(self.y[j]), float(self.values[j, i])


@dataclass(frozen=True)
class Line:
    """The loss along a line ``θ(t) = (1 − t) θ_a + t θ_b``."""

    t: np.ndarray
    values: np.ndarray
    loss: str


def _resolution(resolution: int | Sequence[int]) -> tuple[int, int]:
    res = (resolution, resolution) if np.isscalar(resolution) else tuple(resolution)
    if len(res) != 2 or any(int(r) != r or r < 2 for r in res):
        raise ValueError(f"resolution must be an integer >= 2 or two of them, got {resolution!r}")
    return int(res[0]), int(res[1])


def _ranges(ranges: Any, center: np.ndarray, span: float) -> list[tuple[float, float]]:
    if ranges is None:
        return [(c - span * max(1.0, abs(c)), c + span * max(1.0, abs(c))) for c in center]
    out = [tuple(map(float, r)) for r in ranges]
    if len(out) != 2 or any(len(r) != 2 or not r[0] < r[1] for r in out):
        raise ValueError(f"ranges must be two (low, high) pairs with low < high, got {ranges!r}")
    return out  # type: ignore[return-value]


def _prepare(model: Any, loss: Any, X: Any, y: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    check_trainable(model)
    loss = resolve_loss(loss)
    X, y = check_data(model, loss, X, y)
    return loss, X, y


def _chunk_size(model: Any, X: Any, nx: int, ny: int, chunk_bytes: int, max_bytes: int) -> int:
    """Grid points per chunk for ``nx · ny`` settings, after the memory check (see plan_chunks)."""
    per_setting = bytes_per_setting(model, np.shape(X)[0] if np.ndim(X) == 2 else 0)
    return plan_chunks(
        nx * ny, per_setting, chunk_bytes=chunk_bytes, max_bytes=max_bytes, argument="resolution"
    )


def _axes(
    bounds: Sequence[tuple[float, float]], nx: int, ny: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grid's two axes and its ``nx · ny`` points: row ``j · nx + i`` is ``(x[i], y[j])``."""
    (x0, x1), (y0, y1) = bounds
    gx, gy = np.linspace(x0, x1, nx), np.linspace(y0, y1, ny)
    return gx, gy, np.stack([a.ravel() for a in np.meshgrid(gx, gy)], axis=1)


def _two_coordinates(model: Any, params: Sequence[str]) -> list[Coordinate]:
    if isinstance(params, str) or len(params) != 2:
        raise ValueError(f"params must name two parameter entries, got {params!r}")
    coords = [parse_coordinate(model, p, "params") for p in params]
    if coords[0].flat == coords[1].flat:
        raise ValueError(f"params must name two different entries, got {params!r}")
    return coords


def _column(model: Linear, coord: Coordinate, X: np.ndarray) -> np.ndarray:
    """How the prediction moves per unit of ``coord`` (one-output linear model)."""
    return X[:, coord.index[0]] if coord.name == "weight" else np.ones(len(X))


def grid_surface(
    model: Any,
    loss: Any,
    X: Any,
    y: Any,
    *,
    params: Sequence[str] = ("weight[0]", "bias"),
    ranges: Sequence[Sequence[float]] | None = None,
    span: float = 2.0,
    resolution: int | Sequence[int] = 101,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    n_jobs: int | None = None,
    exact_statistics: bool = True,
) -> Surface:
    """The exact loss over a grid of two parameter entries, the others fixed at their values.

    Args:
        model: A losslab Linear or MLP model; it is not modified.
        loss: A loss name or object.
        X: Features ``(n, d)``.
        y: Targets fitting the loss.
        params: Two entries of ``model.params``, e.g. ``("weight[0]", "bias")``.
        ranges: ``((low, high), (low, high))`` for the two entries; by default
            each is ``value ± span · max(1, |value|)``.
        span: Half-width of the default ranges, relative.
        resolution: Grid points per axis (one number or two).
        chunk_bytes: Working memory per chunk of grid points.
        max_bytes: Refuse jobs whose estimated memory exceeds this.
        n_jobs: Threads evaluating chunks (default: CPU count, at most 8), or
            running the compiled grid kernel (default: numba's thread count).
        exact_statistics: Use sufficient statistics for MSE on a one-output
            linear model with identity head (exact up to rounding).

    Returns:
        The :class:`Surface`, ``values[j, i] = L(x[i], y[j])``.

    Raises:
        ValueError: for an entry the model does not have (naming ``params``),
            a grid over the memory limit (naming ``resolution``), a model
            without parameters (naming ``model``), or bad data.

    Example:
        >>> import numpy as np
        >>> from losslab.models import LinearRegression
        >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
        >>> s = grid_surface(LinearRegression(1), "mse", X, y, ranges=((0, 4), (-1, 3)),
        ...                  resolution=5)
        >>> s.argmin()
        (2.0, 1.0, 0.0)
    """
    check_trainable(model)
    coords = _two_coordinates(model, params)
    nx, ny = _resolution(resolution)
    chunk = _chunk_size(model, X, nx, ny, chunk_bytes, max_bytes)
    loss, X, y = _prepare(model, loss, X, y)
    theta = flatten(model.params)
    center = theta[[c.flat for c in coords]]
    gx, gy, points = _axes(_ranges(ranges, center, span), nx, ny)
    start = time.perf_counter()
    if not (isinstance(model, Linear) and model.n_outputs == 1):
        values = _batched_surface(model, loss, X, y, theta, coords, points, chunk, n_jobs)
        method = "batched forward"
    else:
        base, directions = _affine_parts(model, theta, coords, X)
        if exact_statistics and loss.name == "mse" and model.head == "identity":
            method = "sufficient statistics"
            values = _mse_from_statistics(base - y, directions, points)
        else:
            values, method = _affine_surface(
                model, loss, y, base, directions, (gx, gy, points), chunk, n_jobs
            )
    seconds = time.perf_counter() - start
    return Surface(
        gx,
        gy,
        values.reshape(ny, nx),
        coords[0].label,
        coords[1].label,
        loss.name,
        method,
        seconds,
        {"center": center, "params": tuple(c.label for c in coords)},
    )


def _affine_parts(
    model: Linear, theta: np.ndarray, coords: Sequence[Coordinate], X: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``z = base + a u + b v`` on a one-output linear model: ``base`` and ``(u, v)``."""
    base_theta = theta.copy()
    base_theta[[c.flat for c in coords]] = 0.0
    base = X @ unflatten(model.params, base_theta)["weight"][:, 0] + base_theta[-1]
    return base, np.stack([_column(model, c, X) for c in coords])


def _mse_from_statistics(e: np.ndarray, directions: np.ndarray, points: np.ndarray) -> np.ndarray:
    """MSE at each grid point ``(a, b)`` from six means of the residual ``e`` at ``a = b = 0``.

    ``mean (e + a u + b v)² = ē² + a² ū² + b² v̄² + 2a ēu + 2b ēv + 2ab ūv`` (bars are means).
    """
    u, v = directions
    mean = {
        k: float(np.mean(p * q))
        for k, (p, q) in {
            "ee": (e, e), "uu": (u, u), "vv": (v, v), "eu": (e, u), "ev": (e, v), "uv": (u, v),
        }.items()
    }  # fmt: skip
    a, b = points[:, 0], points[:, 1]
    values = (
        mean["ee"]
        + a * a * mean["uu"]
        + b * b * mean["vv"]
        + 2 * a * mean["eu"]
        + 2 * b * mean["ev"]
        + 2 * a * b * mean["uv"]
    )
    # Rounding can leave a tiny negative where the exact minimum is 0.
    return np.maximum(values, 0.0)


def _affine_surface(
    model: Linear,
    loss: Any,
    y: np.ndarray,
    base: np.ndarray,
    directions: np.ndarray,
    grid: tuple[np.ndarray, np.ndarray, np.ndarray],
    chunk: int,
    n_jobs: int | None,
) -> tuple[np.ndarray, str]:
    """Mean loss at each grid point of ``z = base + a u + b v``, and the method that made it."""
    gx, gy, points = grid

    def evaluate(chunk_points: np.ndarray) -> np.ndarray:
        z = chunk_points @ directions + base
        y_pred = head_forward(model.head, z)
        y_true = np.broadcast_to(y, y_pred.shape)
        return np.asarray(loss(y_pred, y_true, reduction="none")).mean(axis=1)

    # The plain path judges the targets once (domain errors are its own), at one point.
    evaluate_chunked(evaluate, points[:1], 1, n_jobs=1)
    values = _kernel_surface(model, loss, y, base, directions, gx, gy, n_jobs)
    if values is not None:
        return values, "affine kernel"
    return evaluate_chunked(evaluate, points, chunk, n_jobs=n_jobs), "affine"


def _batched_surface(
    model: Any,
    loss: Any,
    X: np.ndarray,
    y: np.ndarray,
    theta: np.ndarray,
    coords: Sequence[Coordinate],
    points: np.ndarray,
    chunk: int,
    n_jobs: int | None,
) -> np.ndarray:
    """Mean loss at each grid point by batched forward passes: any model, any loss."""

    def evaluate(chunk_points: np.ndarray) -> np.ndarray:
        flat = np.repeat(theta[None, :], len(chunk_points), axis=0)
        flat[:, coords[0].flat] = chunk_points[:, 0]
        flat[:, coords[1].flat] = chunk_points[:, 1]
        return batched_loss(model, loss, X, y, _split_rows(model, flat, coords))

    return evaluate_chunked(evaluate, points, chunk, n_jobs=n_jobs)


def _kernel_surface(
    model: Linear,
    loss: Any,
    y: np.ndarray,
    base: np.ndarray,
    directions: np.ndarray,
    gx: np.ndarray,
    gy: np.ndarray,
    n_jobs: int | None,
) -> np.ndarray | None:
    """Mean loss at every grid point from the compiled grid kernel; None where it does not apply.

    It applies to catalogue losses with an elementwise kernel on a one-output
    linear model whose head is identity or sigmoid, when the fused path is on
    and numba is installed.
    """
    from losslab import config
    from losslab.losses import Elementwise

    definition = getattr(loss, "definition", None)
    if not (config.fused_enabled() and config.fused_available()):
        return None
    if definition is None or not issubclass(definition, Elementwise):
        return None
    if model.head not in ("identity", "sigmoid"):
        return None
    if y.ndim != 1 or y.shape != base.shape:
        return None
    # |z| is at most this bound everywhere on the grid; below it every prediction is finite,
    # as the plain path requires (it raises otherwise, so let it).
    bound = (
        np.max(np.abs(base))
        + np.max(np.abs(gx)) * np.max(np.abs(directions[0]))
        + np.max(np.abs(gy)) * np.max(np.abs(directions[1]))
    )
    if not bound < 1e300:
        return None
    from losslab._kernels import grid

    kernel = grid.kernel(definition, definition.variant(loss.params))
    arguments = definition.arguments(loss.params, float(np.finfo(np.float64).eps))
    sums = np.zeros((gy.size, gx.size))
    arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in (base, *directions, y)]
    with config.kernel_threads(sums.size * y.size, n_jobs):
        kernel(*arrays, np.empty(0), gx, gy, model.head == "sigmoid", arguments, sums)
    return sums.ravel() / y.size


def _split_rows(
    model: Any, flat: np.ndarray, coords: Sequence[Coordinate] | None = None
) -> dict[str, np.ndarray]:
    """Rows of flat vectors as a batch dict; only the arrays holding ``coords`` are batched."""
    batch, start = {}, 0
    names = None if coords is None else {c.name for c in coords}
    for name, p in model.params.items():
        if names is None or name in names:
            batch[name] = flat[:, start : start + p.size].reshape((len(flat), *p.shape))
        start += p.size
    return batch


def _objective_arguments(model: Any, loss: Any, X: Any, y: Any) -> Any:
    """``model`` when it is an objective (landscape's or torch's), else None.

    Raises:
        TypeError: for an objective given with ``loss``, ``X`` or ``y``
            (they are the objective's own), or a model without them.
    """
    is_objective = isinstance(model, Objective) or (
        callable(getattr(model, "value", None)) and hasattr(model, "theta0")
    )
    given = [name for name, v in (("loss", loss), ("X", X), ("y", y)) if v is not None]
    if is_objective:
        if given:
            raise TypeError(f"{', '.join(given)}: an objective carries its own loss and data")
        return model
    if len(given) != 3:
        missing = sorted({"loss", "X", "y"} - set(given))
        raise TypeError(f"model is not an objective, so {', '.join(missing)} must be given")
    return None


def _objective_plane(
    objective: Any,
    directions: Any,
    center: Any,
    ranges: Sequence[Sequence[float]],
    resolution: int | Sequence[int],
    labels: tuple[str, str],
) -> Surface:
    """The plane through an objective that evaluates one point at a time (torch's)."""
    theta = objective.theta0 if center is None else np.asarray(center, dtype=np.float64)
    if theta.shape != (objective.n_params,):
        raise ValueError(f"center must have shape ({objective.n_params},), got {theta.shape}")
    directions = np.asarray(directions, dtype=np.float64)
    if directions.shape != (2, theta.size):
        raise ValueError(f"directions must have shape (2, {theta.size}), got {directions.shape}")
    nx, ny = _resolution(resolution)
    gx, gy, points = _axes(_ranges(ranges, np.zeros(2), 1.0), nx, ny)
    start = time.perf_counter()
    values = objective.values(theta + points @ directions)
    return Surface(
        gx,
        gy,
        values.reshape(ny, nx),
        labels[0],
        labels[1],
        _loss_name(objective),
        "one forward pass per point",
        time.perf_counter() - start,
        {"center": theta, "directions": directions},
    )


def _loss_name(objective: Any) -> str:
    loss = objective.loss
    return str(
        getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    )


def plane_surface(
    model: Any,
    loss: Any = None,
    X: Any = None,
    y: Any = None,
    directions: np.ndarray | None = None,
    *,
    center: np.ndarray | None = None,
    ranges: Sequence[Sequence[float]] = ((-1.0, 1.0), (-1.0, 1.0)),
    resolution: int | Sequence[int] = 51,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    n_jobs: int | None = None,
    labels: tuple[str, str] = ("α", "β"),
) -> Surface:
    """The exact loss on the plane ``θ(α, β) = θ₀ + α d₁ + β d₂``.

    Either a losslab model with ``loss``, ``X`` and ``y`` (every grid point
    of a chunk in one batched forward pass), or an objective alone
    (``plane_surface(objective, directions=d)``): a landscape ``Objective``
    (its weight decay included) or a ``losslab.torch.Objective`` (one
    evaluation of ``objective.value`` per grid point, batch by batch).

    Args:
        model: A losslab Linear or MLP model, not modified; or an objective.
        loss: A loss name or object (None with an objective).
        X: Features (None with an objective).
        y: Targets (None with an objective).
        directions: ``(2, P)`` array, the directions ``d₁, d₂`` (flat vectors).
        center: ``θ₀`` (flat); default the model's current parameters
            (an objective's ``theta0``).
        ranges: ``((α_low, α_high), (β_low, β_high))``.
        resolution: Grid points per axis.
        chunk_bytes: Working memory per chunk.
        max_bytes: Refuse jobs whose estimated memory exceeds this.
        n_jobs: Threads evaluating chunks.
        labels: Axis labels.

    Raises:
        ValueError: for directions or a center of the wrong shape (naming
            them), a grid over the memory limit, a model without parameters.
    """
    if directions is None:
        raise TypeError("plane_surface() needs directions, a (2, P) array")
    objective = _objective_arguments(model, loss, X, y)
    if objective is not None and not isinstance(objective, Objective):
        return _objective_plane(objective, directions, center, ranges, resolution, labels)
    if objective is not None:
        model, loss, X, y = objective.model, objective.loss, objective.X, objective.y
    check_trainable(model)
    theta = flatten(model.params) if center is None else np.asarray(center, dtype=np.float64)
    directions = np.asarray(directions, dtype=np.float64)
    if theta.shape != (flatten(model.params).size,):
        raise ValueError(
            f"center must have shape ({flatten(model.params).size},), got {theta.shape}"
        )
    if directions.shape != (2, theta.size):
        raise ValueError(f"directions must have shape (2, {theta.size}), got {directions.shape}")
    nx, ny = _resolution(resolution)
    chunk = _chunk_size(model, X, nx, ny, chunk_bytes, max_bytes)
    loss, X, y = _prepare(model, loss, X, y)
    gx, gy, points = _axes(_ranges(ranges, np.zeros(2), 1.0), nx, ny)
    decay = objective.weight_decay if objective is not None else 0.0

    def evaluate(chunk_points: np.ndarray) -> np.ndarray:
        flat = theta + chunk_points @ directions
        values = batched_loss(model, loss, X, y, _split_rows(model, flat))
        return values + 0.5 * decay * np.einsum("gp,gp->g", flat, flat) if decay else values

    start = time.perf_counter()
    values = evaluate_chunked(evaluate, points, chunk, n_jobs=n_jobs)
    return Surface(
        gx,
        gy,
        values.reshape(ny, nx),
        labels[0],
        labels[1],
        loss.name,
        "batched forward",
        time.perf_counter() - start,
        {"center": theta, "directions": directions},
    )


def interpolate(
    model: Any,
    loss: Any = None,
    X: Any = None,
    y: Any = None,
    theta_a: np.ndarray | None = None,
    theta_b: np.ndarray | None = None,
    *,
    t: np.ndarray | None = None,
) -> Line:
    """The loss along ``θ(t) = (1 − t) θ_a + t θ_b`` (Goodfellow et al., 2015).

    ``t`` defaults to 101 points on [−0.5, 1.5]: ``t = 0`` is ``θ_a``, ``t = 1`` is ``θ_b``.
    ``model`` is a losslab model with ``loss``, ``X``, ``y``, or an objective
    alone (``interpolate(objective, theta_a=a, theta_b=b)``), as for
    :func:`plane_surface`.

    Example:
        >>> import numpy as np
        >>> from losslab.models import LinearRegression
        >>> X = np.array([[0.0], [1.0]]); y = np.array([0.0, 1.0])
        >>> line = interpolate(LinearRegression(1), "mse", X, y, np.zeros(2), np.array([1.0, 0.0]),
        ...                    t=np.array([0.0, 1.0]))
        >>> line.values.tolist()
        [0.5, 0.0]
    """
    if theta_a is None or theta_b is None:
        raise TypeError("interpolate() needs theta_a and theta_b")
    objective = _objective_arguments(model, loss, X, y)
    if objective is not None:
        size = objective.n_params
    else:
        check_trainable(model)
        size = flatten(model.params).size
    theta_a, theta_b = (np.asarray(v, dtype=np.float64) for v in (theta_a, theta_b))
    for name, vec in (("theta_a", theta_a), ("theta_b", theta_b)):
        if vec.shape != (size,):
            raise ValueError(f"{name} must have shape ({size},), got {vec.shape}")
    t = np.linspace(-0.5, 1.5, 101) if t is None else np.asarray(t, dtype=np.float64)
    if objective is not None:
        points = theta_a + t[:, None] * (theta_b - theta_a)
        values = (
            objective.values(points)
            if hasattr(objective, "values")
            else np.array([objective.value(p) for p in points])
        )
        return Line(t, values, _loss_name(objective))
    loss, X, y = _prepare(model, loss, X, y)
    chunk = plan_chunks(t.size, bytes_per_setting(model, len(X)), argument="t")

    def evaluate(ts: np.ndarray) -> np.ndarray:
        flat = theta_a + ts[:, :1] * (theta_b - theta_a)
        return batched_loss(model, loss, X, y, _split_rows(model, flat))

    return Line(t, evaluate_chunked(evaluate, t[:, None], chunk), loss.name)
