"""The loss at many parameter settings at once: a forward pass with a leading grid axis.

Every parameter array may carry a leading axis of ``g`` settings
(``W`` of shape ``(g, fan_in, fan_out)``, ``b`` of shape ``(g, fan_out)``) or
none (fixed). Layers are ``Z = A W + b`` with NumPy's broadcasting ``matmul``,
so ``g`` settings cost one call per layer, not a Python loop over settings.
The per-setting loss is ``mean_i l(ŷ_gi, y_i)``: the loss's
``reduction="none"`` averaged over examples (the ``"mean"`` reduction, one
value per setting).

Memory: one setting needs about ``8 n (3 Σ hidden + 8 K) + 16 P`` bytes
(activations, pre-activations and loss temporaries for ``n`` examples, ``K``
outputs, ``P`` parameters); :func:`plan_chunks` splits the settings into
chunks that fit ``chunk_bytes`` and refuses a job whose result alone, or whose
single setting, exceeds ``max_bytes``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from losslab.models import ACTIVATIONS, MLP, Linear, head_forward
from losslab.train import check_targets

__all__ = [
    "DEFAULT_CHUNK_BYTES",
    "DEFAULT_MAX_BYTES",
    "batched_loss",
    "batched_predictions",
    "bytes_per_setting",
    "check_data",
    "evaluate_chunked",
    "plan_chunks",
]

DEFAULT_CHUNK_BYTES = 8 * 2**20
"""Working memory of one chunk, 8 MiB: each temporary stays near 1 MiB, in cache and below
the size where every allocation maps fresh pages (page faults cost more than the arithmetic)."""

DEFAULT_MAX_BYTES = 2**30
"""Largest job accepted by default: 1 GiB for the result or for one setting."""


def check_data(
    model: Any, loss: Any, X: Any, y: Any, *, match_head: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` as arrays that fit ``model`` and ``loss``, else a ValueError naming them.

    With ``match_head=False`` a model whose head is not the loss's is
    accepted (MSE on a sigmoid output, the classic plateau).
    """
    head = loss.link.head
    if match_head and getattr(model, "head", head) != head:
        raise ValueError(
            f"model: head {model.head!r} does not fit loss {loss.name!r} "
            f"(y_pred_kind {loss.link.kind!r} needs head {head!r})"
        )
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != model.n_features:
        raise ValueError(f"X must have shape (n, {model.n_features}), got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or inf")
    n_outputs = model.n_outputs if loss.link.rows else None
    y = check_targets(loss, y, n_outputs)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    return X, y


def bytes_per_setting(model: Any, n_samples: int) -> int:
    """Estimated working bytes of one parameter setting (see the module docstring)."""
    hidden = sum(getattr(model, "hidden", ()))
    n_params = sum(p.size for p in model.params.values())
    return 8 * n_samples * (3 * hidden + 8 * model.n_outputs) + 16 * n_params


def plan_chunks(
    n_settings: int,
    per_setting: int,
    *,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    argument: str = "resolution",
) -> int:
    """Settings per chunk, after checking the job against ``max_bytes``.

    Raises:
        ValueError: naming ``argument``, with the estimate, when the result
            (8 bytes a setting) or one setting's working memory exceeds ``max_bytes``.
    """
    result = 8 * n_settings
    if result > max_bytes or per_setting > max_bytes:
        raise ValueError(
            f"{argument}: {n_settings:,} settings need about {result + per_setting:,} bytes "
            f"(result {result:,}, {per_setting:,} per setting), over the limit "
            f"max_bytes={max_bytes:,}; use a coarser grid or fewer samples"
        )
    return max(1, min(n_settings, chunk_bytes // max(per_setting, 1)))


def _layers(model: Any) -> list[tuple[str, str]]:
    if isinstance(model, MLP):
        return [(f"W{i}", f"b{i}") for i in range(1, model.n_layers + 1)]
    if isinstance(model, Linear):
        return [("weight", "bias")]
    raise TypeError(
        f"model: batched evaluation supports losslab's Linear and MLP models, "
        f"got {type(model).__name__}"
    )


def batched_predictions(model: Any, batch: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """Predictions for ``g`` settings: shape ``(g, n)``, or ``(g, n, K)`` with K outputs.

    ``batch`` maps each parameter name to an array of shape ``(g,) + shape``
    (batched) or ``shape`` (fixed); names not in ``batch`` keep
    ``model.params``. At least one parameter must be batched.
    """
    layers = _layers(model)
    sizes = {v.shape[0] for k, v in batch.items() if np.ndim(v) == np.ndim(model.params[k]) + 1}
    if len(sizes) != 1:
        raise ValueError(f"batch must batch at least one parameter, one size; got sizes {sizes}")
    g = sizes.pop()
    act = ACTIVATIONS[model.activation][0] if isinstance(model, MLP) else None
    a = X
    for depth, (w_name, b_name) in enumerate(layers, start=1):
        weight = batch.get(w_name, model.params[w_name])
        bias = batch.get(b_name, model.params[b_name])
        if bias.ndim == 2:  # (g, fan_out) -> (g, 1, fan_out), one row per setting
            bias = bias[:, None, :]
        z = np.matmul(a, weight) + bias
        a = act(z) if depth < len(layers) else head_forward(model.head, z)
    a = np.broadcast_to(a, (g, X.shape[0], model.n_outputs))
    return a[..., 0] if model.n_outputs == 1 else a


def batched_loss(
    model: Any, loss: Any, X: np.ndarray, y: np.ndarray, batch: dict[str, np.ndarray]
) -> np.ndarray:
    """Mean loss over examples for each of the ``g`` settings in ``batch``, shape ``(g,)``."""
    y_pred = batched_predictions(model, batch, X)
    y_true = np.broadcast_to(y, y_pred.shape[:2] + y.shape[1:])
    return np.asarray(loss(y_pred, y_true, reduction="none")).mean(axis=1)


def evaluate_chunked(
    evaluate: Callable[[np.ndarray], np.ndarray],
    points: np.ndarray,
    chunk: int,
    *,
    n_jobs: int | None = None,
) -> np.ndarray:
    """``evaluate`` over the rows of ``points`` in chunks of ``chunk`` rows, concatenated.

    Chunks run on ``n_jobs`` threads (default: the CPU count, at most 8);
    NumPy releases the GIL in its array loops, so threads use several cores.
    """
    starts = range(0, len(points), chunk)
    jobs = min(n_jobs or min(os.cpu_count() or 1, 8), len(starts))

    def run(start: int) -> np.ndarray:
        # errstate is per thread: saturating heads may underflow, which is harmless here.
        with np.errstate(under="ignore", over="ignore"):
            return evaluate(points[start : start + chunk])

    if jobs <= 1:
        return np.concatenate([run(s) for s in starts])
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return np.concatenate(list(pool.map(run, starts)))
