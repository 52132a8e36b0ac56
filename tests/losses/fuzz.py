"""A seeded fuzz of every catalogue loss: NaN, wrong inf and fused/plain disagreement, counted.

Inputs are drawn from each loss's declared domains (not from a per-loss list), so a new
loss is fuzzed by being defined: magnitudes log-uniform over the dtype's whole range
(1e-300 ... 1e300 in float64), both signs and exact zeros for real inputs, probabilities
crowding 0 and 1, labels, rows of logits and probability rows with zeros. The parameter
settings are those of the exactness table (tests/losses/exactness.py).

For every element of value, gradient and Hessian (reduction "none") on both paths:

- ``nan``: NaN for valid finite input;
- ``inf``: inf where mpmath says the true value is finite (checked for every inf);
- ``disagree``: fused and plain differ by more than rtol 1e-12 (float64) / 1e-5 (float32)
  beyond the exactness table's tolerance on the terms' scale (mpmath for each candidate);
- ``wrong``: outside the exactness table's tolerance, on a random sample checked in full.

Run as a script for a bigger fuzz: ``python tests/losses/fuzz.py --n 1000000``.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from exactness import REFERENCES, mp

import losslab.losses as losses
from losslab import config

K = 4  # classes of the rows


def _log_uniform(rng: np.random.Generator, n: int, dtype: Any, signed: bool) -> np.ndarray:
    info = np.finfo(dtype)
    low, high = math.log10(float(info.tiny)), math.log10(float(info.max)) - 0.5
    x = 10.0 ** rng.uniform(low, high, n)
    kind = rng.random(n)
    x[kind < 0.05] = 0.0
    # Crowd both ends, where overflow and underflow live, and keep plenty of ordinary values.
    top = (kind >= 0.05) & (kind < 0.15)
    x[top] = 10.0 ** rng.uniform(high - 3.0, high, int(top.sum()))
    bottom = (kind >= 0.15) & (kind < 0.2)
    x[bottom] = 10.0 ** rng.uniform(low, low + 3.0, int(bottom.sum()))
    moderate = kind >= 0.7
    x[moderate] = rng.normal(0.0, 3.0, int(moderate.sum()))
    if signed:
        x *= rng.choice([-1.0, 1.0], n)
    return x.astype(dtype)


def _probabilities(rng: np.random.Generator, n: int, dtype: Any) -> np.ndarray:
    info = np.finfo(dtype)
    near = 10.0 ** rng.uniform(math.log10(float(info.tiny)), 0.0, n)
    p = np.where(rng.random(n) < 0.5, near, 1.0 - near)
    edges = rng.random(n)
    p[edges < 0.05] = 0.0
    p[(edges >= 0.05) & (edges < 0.1)] = 1.0
    return np.clip(p.astype(dtype), 0.0, 1.0)


def _targets(rng: np.random.Generator, n: int, dtype: Any, domain: str) -> np.ndarray:
    if domain == "real":
        return _log_uniform(rng, n, dtype, signed=True)
    if domain == "nonnegative":
        return np.abs(_log_uniform(rng, n, dtype, signed=False))
    if domain == "positive":
        x = np.abs(_log_uniform(rng, n, dtype, signed=False))
        return np.where(x == 0, dtype(1.0), x).astype(dtype)
    if domain == "probability":
        soft = _probabilities(rng, n, dtype)
        labels = rng.integers(0, 2, n).astype(dtype)
        return np.where(rng.random(n) < 0.5, soft, labels)
    return rng.integers(0, 2, n).astype(dtype)  # binary, and signed_binary as 0/1


def _probability_rows(rng: np.random.Generator, n: int, dtype: Any) -> np.ndarray:
    t = rng.dirichlet(np.full(K, 0.3), n)
    t[rng.random((n, K)) < 0.2] = 0.0
    t[t.sum(axis=1) == 0, 0] = 1.0
    return (t / t.sum(axis=1, keepdims=True)).astype(dtype)


def draw(
    name: str, n: int, dtype: Any, rng: np.random.Generator, params: dict | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` valid random inputs of loss ``name`` (rows: ``n`` rows of ``K`` logits).

    :class:`~losslab.losses.Rows` losses get rows of their width (K where any):
    log-uniform reals for every entry; targets one real per row, ordinal labels
    0..width, or relevance grades (integers 0..4, or log-uniform up to max / 16 so
    that a row's sum of grades stays finite).
    """
    definition = losses.definition(name)
    if issubclass(definition, losses.Rows) and definition.target == "classes":
        z = _log_uniform(rng, n * K, dtype, signed=True).reshape(n, K)
        if rng.random() < 0.5:
            return z, rng.integers(0, K, n)
        return z, _probability_rows(rng, n, dtype)
    if issubclass(definition, losses.Rows):
        width = definition.width(definition.bind_params(params or {})) or K
        z = _log_uniform(rng, n * width, dtype, signed=True).reshape(n, width)
        if definition.target == "value":
            return z, _log_uniform(rng, n, dtype, signed=True)
        if definition.target == "ordinal":
            return z, rng.integers(0, width + 1, n)
        grades = np.abs(_log_uniform(rng, n * width, dtype, signed=False))
        grades = np.minimum(grades, np.finfo(dtype).max / 16).reshape(n, width)
        small = rng.integers(0, 5, (n, width)).astype(dtype)
        return z, np.where(rng.random((n, 1)) < 0.5, small, grades).astype(dtype)
    if issubclass(definition, losses.SoftmaxRows):
        z = _log_uniform(rng, n * K, dtype, signed=True).reshape(n, K)
        if definition.labels_allowed:
            return z, rng.integers(0, K, n)
        return z, _probability_rows(rng, n, dtype)
    if definition.pred_domain == "probability":
        p = _probabilities(rng, n, dtype)
    else:
        p = _log_uniform(rng, n, dtype, signed=True)
    return p, _targets(rng, n, dtype, definition.true_domain)


@dataclass
class Count:
    """What the fuzz found for one loss and dtype."""

    inputs: int = 0
    nan: int = 0
    inf: int = 0
    disagree: int = 0
    wrong: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return self.nan + self.inf + self.disagree + self.wrong

    def note(self, kind: str, text: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples) < 5:
            self.examples.append(f"{kind}: {text}")


def _terms(ref: Any, params: dict, p: Any, t: Any, dtype: Any) -> tuple:
    context = ref.context(dtype)
    if ref.rows:
        if np.ndim(t):
            target: Any = [float(v) for v in t]
        else:  # a label, or one real value per row
            target = int(t) if np.asarray(t).dtype.kind in "iu" else float(t)
        return ref.terms([float(v) for v in p], target, **params, **context)
    return ref.terms(float(p), float(t), **params, **context)


def _cell(terms: tuple, ref: Any, q: int, c: int) -> list:
    return terms[q] if q == 0 or not ref.rows else terms[q][c]


def _allowed(cell: list, ulps: float, dtype: Any) -> float:
    info = np.finfo(dtype)
    return ulps * float(info.eps) * float(mp.fsum(abs(v) for v in cell)) + 4 * float(info.tiny)


def _evaluate(loss: Any, y_pred: np.ndarray, y_true: np.ndarray, fused: bool) -> list[np.ndarray]:
    with config.fused(fused):
        value, grad = loss.value_and_grad(y_pred, y_true, reduction="none")
        return [
            np.asarray(value),
            np.asarray(grad),
            np.asarray(loss.hess(y_pred, y_true, reduction="none")),
        ]


def fuzz_one(name: str, dtype: Any, n: int, seed: int, sample: int) -> Count:
    """Fuzz loss ``name`` in ``dtype`` on ``n`` inputs spread over its parameter settings."""
    ref = REFERENCES[name]
    rng = np.random.default_rng([seed, zlib_hash(name), np.dtype(dtype).itemsize])
    if ref.whole:
        return fuzz_whole(name, dtype, n, rng, sample)
    count = Count()
    per_setting = max(1, n // len(ref.params))
    for params in ref.params:
        loss = losses.get(name, **params)
        y_pred, y_true = draw(name, per_setting, dtype, rng, params)
        count.inputs += per_setting
        plain = _evaluate(loss, y_pred, y_true, fused=False)
        fused = _evaluate(loss, y_pred, y_true, fused=True)
        checked = set(rng.choice(per_setting, min(sample, per_setting), replace=False).tolist())
        for q in range(3):
            a, b = fused[q].reshape(per_setting, -1), plain[q].reshape(per_setting, -1)
            for c in range(a.shape[1]):
                cell = _Cell(ref, params, y_pred, y_true, dtype, q, c)
                cell.judge(a[:, c].astype(np.float64), b[:, c].astype(np.float64), checked, count)
    return count


WHOLE_BATCH = 8


def fuzz_whole(name: str, dtype: Any, n: int, rng: np.random.Generator, sample: int) -> Count:
    """A loss of the whole batch (dice, tversky): ``n`` elements in batches of 8.

    Each batch's value, gradient and Hessian diagonal: NaN counted everywhere, every inf
    and a sample of batches checked against mpmath (there is one path).
    """
    ref = REFERENCES[name]
    count = Count()
    batches = max(1, n // (WHOLE_BATCH * len(ref.params)))
    max_ = float(np.finfo(dtype).max)
    for params in ref.params:
        loss = losses.get(name, **params)
        y_pred, y_true = draw(name, batches * WHOLE_BATCH, dtype, rng, params)
        checked = set(rng.choice(batches, min(sample, batches), replace=False).tolist())
        for b in range(batches):
            p = y_pred[b * WHOLE_BATCH : (b + 1) * WHOLE_BATCH]
            t = y_true[b * WHOLE_BATCH : (b + 1) * WHOLE_BATCH]
            count.inputs += WHOLE_BATCH
            got = [np.ravel(q).astype(np.float64) for q in _evaluate_whole(loss, p, t)]
            where = f"{name}{params} at {p!r}, {t!r}"
            if any(np.isnan(q).any() for q in got):
                count.note("nan", where)
                continue
            if b not in checked and not any(np.isinf(q).any() for q in got):
                continue
            terms = ref.terms([float(v) for v in p], [float(v) for v in t], **params)
            cells = [[terms[0]], terms[1], terms[2]]
            for q in range(3):
                for c, cell in enumerate(cells[q]):
                    exact, value = mp.fsum(cell), got[q][c]
                    if math.isinf(value) and not abs(exact) > max_:
                        count.note("inf", f"q{q} {where}")
                    elif abs(value - exact) > _allowed(cell, 8.0 + 2 * WHOLE_BATCH, dtype):
                        count.note("wrong", f"q{q}[{c}] {where}: {value!r} vs {mp.nstr(exact, 17)}")
    return count


def _evaluate_whole(loss: Any, y_pred: np.ndarray, y_true: np.ndarray) -> list[np.ndarray]:
    return [np.asarray(f(y_pred, y_true)) for f in (loss, loss.grad, loss.hess)]


@dataclass
class _Cell:
    """One output column (a quantity, and a class for rows) of one parameter setting."""

    ref: Any
    params: dict[str, Any]
    y_pred: np.ndarray
    y_true: np.ndarray
    dtype: Any
    q: int
    c: int

    def where(self, i: int) -> str:
        return f"q{self.q} {self.ref.name}{self.params} at {self.y_pred[i]!r}, {self.y_true[i]!r}"

    def judge(self, fused: np.ndarray, plain: np.ndarray, checked: set, count: Count) -> None:
        """Count NaN, and check against mpmath every inf, every disagreement and the sample."""
        rtol = 1e-12 if self.dtype == np.float64 else 1e-5
        bad = np.isnan(fused) | np.isnan(plain)
        infinite = (np.isinf(fused) | np.isinf(plain)) & ~bad
        with np.errstate(invalid="ignore"):
            suspect = ~bad & ~infinite & ~(np.abs(fused - plain) <= rtol * np.abs(plain))
        for i in np.flatnonzero(bad):
            count.note("nan", self.where(i))
        for i in set(np.flatnonzero(infinite | suspect).tolist()) | checked:
            terms = _terms(self.ref, self.params, self.y_pred[i], self.y_true[i], self.dtype)
            cell = _cell(terms, self.ref, self.q, self.c)
            exact = mp.fsum(cell)
            ulps = self.ref.ulps
            if callable(ulps):
                ulps = ulps(self.params, self.y_pred[i], self.y_true[i])
            allowed = _allowed(cell, ulps, self.dtype)
            for label, got in (("fused", fused[i]), ("plain", plain[i])):
                if math.isinf(got) and not abs(exact) > float(np.finfo(self.dtype).max):
                    count.note("inf", f"{label} {self.where(i)}")
                elif math.isfinite(got) and abs(got - exact) > allowed and i in checked:
                    text = f"{label} {self.where(i)}: {got!r} vs {mp.nstr(exact, 17)}"
                    count.note("wrong", text)
            if suspect[i] and abs(fused[i] - plain[i]) > rtol * abs(plain[i]) + allowed:
                count.note("disagree", f"{self.where(i)}: {fused[i]!r} vs {plain[i]!r}")


def zlib_hash(text: str) -> int:
    """A stable hash of ``text`` (Python's own is salted per process)."""
    import zlib

    return zlib.crc32(text.encode())


def run(n_per_loss: int, seed: int = 0, sample: int = 40) -> dict[tuple[str, str], Count]:
    """Fuzz every catalogue loss in float64 and float32 with ``n_per_loss`` inputs each."""
    return {
        (name, np.dtype(dtype).name): fuzz_one(name, dtype, n_per_loss, seed, sample)
        for name in losses.available()
        for dtype in (np.float64, np.float32)
    }


def table(counts: dict[tuple[str, str], Count]) -> str:
    """The counts as a plain-text table."""
    lines = [
        f"{'loss':<16}{'dtype':<9}{'inputs':>8}{'nan':>6}{'inf':>6}{'disagree':>10}{'wrong':>7}"
    ]
    for (name, dtype), c in counts.items():
        lines.append(
            f"{name:<16}{dtype:<9}{c.inputs:>8}{c.nan:>6}{c.inf:>6}{c.disagree:>10}{c.wrong:>7}"
        )
    total = sum(c.inputs for c in counts.values())
    lines.append(f"{'total':<25}{total:>8}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="inputs per loss and dtype")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--sample", type=int, default=40, help="elements per setting checked in full"
    )
    args = parser.parse_args()
    counts = run(args.n, args.seed, args.sample)
    print(table(counts))
    for (name, dtype), c in counts.items():
        for example in c.examples:
            print(f"{name} {dtype}: {example}")
    sys.exit(1 if any(c.problems for c in counts.values()) else 0)


if __name__ == "__main__":
    main()
