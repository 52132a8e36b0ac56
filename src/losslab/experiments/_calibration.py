"""Reliability-diagram data: predicted confidence against observed frequency, per bin.

Binary probabilities (shape ``(n,)``) are binned by the predicted probability
of class 1, and each bin's observed frequency is the share of class 1 in it.
Probability rows (shape ``(n, K)``) are binned by the top-label confidence,
and the frequency is the share of correct top labels (as in the ECE of
:func:`losslab.metrics.expected_calibration_error`). A calibrated model puts
every bin on the diagonal.

>>> table = reliability([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 0], n_bins=2)
>>> table[["confidence", "frequency", "count"]].to_numpy().tolist()
[[0.15000000000000002, 0.0, 2.0], [0.8500000000000001, 0.5, 2.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["reliability"]


def reliability(proba: ArrayLike, y_true: ArrayLike, n_bins: int = 10) -> pd.DataFrame:
    """Mean predicted confidence and observed frequency in ``n_bins`` equal-width bins.

    Returns:
        One row per non-empty bin: ``lower``, ``upper``, ``confidence`` (mean
        prediction), ``frequency`` (observed), ``count``.
    """
    if n_bins < 1:
        raise ValueError(f"n_bins: must be >= 1, got {n_bins}")
    proba = np.asarray(proba, dtype=float)
    y_true = np.asarray(y_true)
    if proba.ndim == 1:
        confidence, hit = proba, (y_true == 1).astype(float)
    else:
        confidence = proba.max(axis=1)
        hit = (proba.argmax(axis=1) == y_true).astype(float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.searchsorted(edges[1:-1], confidence, side="left"), 0, n_bins - 1)
    count = np.bincount(bins, minlength=n_bins).astype(float)
    total_conf = np.bincount(bins, weights=confidence, minlength=n_bins)
    total_hit = np.bincount(bins, weights=hit, minlength=n_bins)
    keep = count > 0
    return pd.DataFrame(
        {
            "lower": edges[:-1][keep],
            "upper": edges[1:][keep],
            "confidence": total_conf[keep] / count[keep],
            "frequency": total_hit[keep] / count[keep],
            "count": count[keep],
        }
    )
