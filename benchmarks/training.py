"""Training throughput: losslab's own :func:`losslab.train.fit` against the same model,
loss and optimizer written in PyTorch, in one process (float64, 2 threads each).

    python benchmarks/training.py           # both cases, a few seconds each
    python benchmarks/training.py --quick   # fewer epochs

Cases (full-batch gradient descent, ``bce_with_logits``):

- logistic regression on 100,000 x 20, zero init, lr 0.5;
- a tanh MLP with hidden layers (64, 64) on moons, 10,000 x 2, losslab's seeded
  init copied into the torch modules, lr 0.5.

losslab runs ``fit(..., optimizer="gd", metrics_every=0)`` (records epoch 0 and
the last; training loss and divergence still checked every epoch) and, for
reference, ``metrics_every=1`` (every epoch's metrics, norms and record). PyTorch
runs ``zero_grad, forward, loss, backward, step`` with ``torch.optim.SGD``.
Epochs per second are the best of ``repeats`` timed runs after a warm-up run.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from losslab import datasets, losses, models
from losslab.train import fit

THREADS = 2


def _best_rate(run: Callable[[], float], epochs: int, repeats: int) -> tuple[float, float]:
    """(epochs per second of the fastest run, final loss); one untimed warm-up run first."""
    run()
    best, final = 0.0, float("nan")
    for _ in range(repeats):
        start = time.perf_counter()
        final = run()
        best = max(best, epochs / (time.perf_counter() - start))
    return best, final


def _logistic_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100_000, 20))
    y = (X @ rng.normal(size=20) + rng.normal(size=100_000) > 0).astype(np.float64)
    return X, y


def _torch_mlp(model: models.MLP) -> torch.nn.Sequential:
    """The same MLP in torch, with losslab's initial parameters (W is (fan_in, fan_out))."""
    layers: list[torch.nn.Module] = []
    for layer in range(1, model.n_layers + 1):
        weight = model.params[f"W{layer}"]
        linear = torch.nn.Linear(*weight.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weight.T.copy()))
            linear.bias.copy_(torch.from_numpy(model.params[f"b{layer}"]))
        layers.append(linear)
        if layer < model.n_layers:
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def _case(name: str, epochs: int, repeats: int) -> dict:
    loss = losses.get("bce_with_logits")
    lr = 0.5
    if name == "logistic":
        X, y = _logistic_data()

        def make() -> models.Model:
            return models.make_model(loss, X.shape[1])

    else:
        data = datasets.moons(n_samples=10_000, seed=0)
        X, y = data.X, data.y.astype(np.float64)

        def make() -> models.Model:
            return models.make_model(
                loss, 2, kind="mlp", hidden=(64, 64), activation="tanh", seed=0
            )

    def losslab_run(every: int) -> Callable[[], float]:
        def run() -> float:
            history = fit(make(), loss, X, y, optimizer="gd", lr=lr, epochs=epochs,
                          metrics_every=every)  # fmt: skip
            return float(history.final["train_loss"])

        return run

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def torch_run() -> float:
        if name == "logistic":
            net: torch.nn.Module = torch.nn.Linear(X.shape[1], 1, dtype=torch.float64)
            with torch.no_grad():
                net.weight.zero_()
                net.bias.zero_()
        else:
            net = _torch_mlp(make())
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        for _ in range(epochs):
            opt.zero_grad()
            value = F.binary_cross_entropy_with_logits(net(Xt).reshape(-1), yt)
            value.backward()
            opt.step()
        # fit reports the loss after its last update; so does one more forward here.
        with torch.no_grad():
            return float(F.binary_cross_entropy_with_logits(net(Xt).reshape(-1), yt))

    result: dict = {"case": name, "shape": list(X.shape), "epochs": epochs}
    for key, run in (
        ("losslab", losslab_run(0)),
        ("losslab_metrics_every_epoch", losslab_run(1)),
        ("torch", torch_run),
    ):
        rate, final = _best_rate(run, epochs, repeats)
        result[key] = {"epochs_per_s": rate, "final_loss": final}
        result.setdefault("load", []).append(os.getloadavg()[0])
    result["ratio"] = result["losslab"]["epochs_per_s"] / result["torch"]["epochs_per_s"]
    return result


def training(quick: bool = False) -> list[dict]:
    """Both cases; each row holds epochs/s, the final losses and the ratio losslab / torch."""
    torch.set_num_threads(THREADS)
    # fit evaluates every metric at epoch 0 and at the last epoch whatever metrics_every is
    # (about 15 ms for 10^5 rows, mostly the ROC AUC's sort): 300 epochs amortise it.
    epochs, repeats = (20, 2) if quick else (300, 3)
    return [_case("logistic", epochs, repeats), _case("mlp", epochs, repeats)]


def many_seeds(n_seeds: int = 32, epochs: int = 200, repeats: int = 3) -> dict:
    """S seeds of logistic regression on 10,000 x 20: a loop of ``fit`` vs one ``fit_seeds``."""
    from losslab.train import fit_seeds

    rng = np.random.default_rng(1)
    X = rng.normal(size=(10_000, 20))
    y = (X @ rng.normal(size=20) + rng.normal(size=10_000) > 0).astype(np.float64)
    seeds = list(range(n_seeds))
    loss = losses.get("bce_with_logits")

    def one_by_one() -> float:
        for seed in seeds:
            model = models.Linear(20, 1, init="glorot", seed=seed)
            fit(model, loss, X, y, optimizer="gd", lr=0.5, epochs=epochs, metrics_every=0)
        return 0.0

    def stacked() -> float:
        fit_seeds(loss, X, y, seeds, lr=0.5, epochs=epochs)
        return 0.0

    loop_rate, _ = _best_rate(one_by_one, epochs * n_seeds, repeats)
    stacked_rate, _ = _best_rate(stacked, epochs * n_seeds, repeats)
    return {
        "seeds": n_seeds,
        "epochs": epochs,
        "fit_loop_seed_epochs_per_s": loop_rate,
        "fit_seeds_seed_epochs_per_s": stacked_rate,
        "speedup": stacked_rate / loop_rate,
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import numba
    from threadpoolctl import threadpool_limits

    numba.set_num_threads(THREADS)
    with threadpool_limits(THREADS):
        for row in training(args.quick):
            print(
                f"{row['case']} {row['shape']}: losslab {row['losslab']['epochs_per_s']:.1f}, "
                f"with metrics {row['losslab_metrics_every_epoch']['epochs_per_s']:.1f}, "
                f"torch {row['torch']['epochs_per_s']:.1f} epochs/s, ratio {row['ratio']:.2f}, "
                f"final loss {row['losslab']['final_loss']:.6f} vs "
                f"{row['torch']['final_loss']:.6f}, load {row['load']}"
            )
        seeds = many_seeds(epochs=50 if args.quick else 200)
        print(
            f"{seeds['seeds']} seeds x {seeds['epochs']} epochs, logistic 10000 x 20: "
            f"fit loop {seeds['fit_loop_seed_epochs_per_s']:.0f}, fit_seeds "
            f"{seeds['fit_seeds_seed_epochs_per_s']:.0f} seed-epochs/s, speed-up "
            f"{seeds['speedup']:.1f}x, load {seeds['load']:.2f}"
        )


if __name__ == "__main__":
    main()
