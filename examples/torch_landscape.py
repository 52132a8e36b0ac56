"""A torch MLP trained with a losslab loss, then its landscape, top eigenvalues and spectrum.

    python examples/torch_landscape.py [--out torch-landscape] [--epochs 300]

1. Trains a small ``torch.nn`` MLP on the two moons under ``losslab.torch.fit``
   (Adam from ``torch.optim``, the loss ``losslab.torch.loss("bce_with_logits")``),
   keeping the flat parameters of every epoch: the trajectory.
2. Wraps the trained module as ``losslab.torch.Objective(model, loss, (X, y))``:
   the mean training loss as a function of the parameter vector, with exact
   Hessian-vector products by double backward.
3. Prints the top three Hessian eigenvalues (Lanczos) and draws the eigenvalue
   density (stochastic Lanczos quadrature).
4. Draws the loss on a filter-normalised random plane through the trained
   parameters (Li et al., 2018), with the trajectory projected onto it.
5. Writes the numbers and both figures to ``OUT/index.html``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from losslab import datasets, losses
from losslab.landscape import (
    contour_figure,
    plane_surface,
    random_plane,
    spectral_density,
    top_eigenvalues,
    write_page,
)
from losslab.torch import Objective, TorchModel, fit

LOSS = "bce_with_logits"


def make_mlp(n_features: int, n_outputs: int) -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Linear(n_features, 32),
        torch.nn.Tanh(),
        torch.nn.Linear(32, 32),
        torch.nn.Tanh(),
        torch.nn.Linear(32, n_outputs),
    )


def train(epochs: int, seed: int) -> tuple[torch.nn.Module, Objective, np.ndarray, dict]:
    data = datasets.load("moons", n_samples=400, seed=seed)
    torch.manual_seed(seed)
    module = make_mlp(data.X.shape[1], 1)
    model = TorchModel(module, losses.get(LOSS), n_outputs=1)
    X = torch.as_tensor(data.X, dtype=torch.float32)
    y = torch.as_tensor(data.y, dtype=torch.float32)
    objective = Objective(module, LOSS, (X, y))
    path = [objective.flat_parameters(module)]

    def keep(epoch: int, record: dict, _model: TorchModel) -> bool:
        path.append(objective.flat_parameters(module))
        return False

    history = fit(model, LOSS, data.X, data.y, optimizer="adam", lr=0.01, epochs=epochs,
                  seed=seed, callbacks=[keep])  # fmt: skip
    final = history.final
    numbers = {"epochs": history.epochs_completed, "training loss": final["train_loss"],
               "training accuracy": final["train_accuracy"]}  # fmt: skip
    # The objective was made before training: its centre is the trained parameters now.
    objective = Objective(module, LOSS, (X, y))
    return module, objective, np.array(path), numbers


def project(path: np.ndarray, center: np.ndarray, plane: np.ndarray) -> np.ndarray:
    """Least-squares coordinates of each ``θ_t − θ*`` in the plane's two directions."""
    coords, *_ = np.linalg.lstsq(plane.T, (path - center).T, rcond=None)
    return coords.T


def density_figure(grid: np.ndarray, density: np.ndarray) -> Figure:
    fig = Figure(figsize=(5, 3.2), layout="constrained")
    ax = fig.add_subplot()
    ax.semilogy(grid, np.maximum(density, 1e-12))
    ax.set_xlabel("Hessian eigenvalue")
    ax.set_ylabel("density (log scale)")
    ax.set_title("Eigenvalue density (stochastic Lanczos quadrature)")
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="torch-landscape")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--resolution", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    module, objective, path, numbers = train(args.epochs, args.seed)
    theta = objective.theta0
    top = top_eigenvalues(objective, theta, k=3)
    density = spectral_density(objective, theta, n_steps=min(60, theta.size), n_probes=3)
    print(f"trained {numbers['epochs']} epochs: loss {numbers['training loss']:.4f}, "
          f"accuracy {numbers['training accuracy']:.3f}")  # fmt: skip
    print("top Hessian eigenvalues:", np.round(top.values, 5).tolist())
    print(f"estimated trace / P = {density.moment(1):.5f} ({theta.size} parameters)")

    plane = random_plane(module, seed=args.seed)
    coords = project(path, theta, plane)
    reach = float(np.max(np.abs(coords))) * 1.2 or 1.0
    surface = plane_surface(objective, directions=plane, resolution=args.resolution,
                            ranges=((-reach, reach), (-reach, reach)))  # fmt: skip
    numbers |= {f"eigenvalue {i + 1}": float(v) for i, v in enumerate(top.values)}
    numbers["Hessian-vector products (top-3)"] = top.n_products
    page = write_page(
        Path(args.out) / "index.html",
        "A torch MLP under losslab's bce_with_logits",
        [("Filter-normalised random plane through the trained parameters, with the "
          "Adam trajectory projected onto it", contour_figure(surface, coords)),
         ("Hessian eigenvalue density at the trained parameters",
          density_figure(density.grid, density.density))],
        numbers,
        notes=["The directions are Gaussian, normalised per output neuron to the norm of "
               "that neuron's weights (Li et al., 2018); biases get no direction."],
    )  # fmt: skip
    print(f"report: {page}")


if __name__ == "__main__":
    main()
