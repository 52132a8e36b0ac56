"""A loss landscape and a training path
====================================

The exact MSE and MAE of a linear model $\\hat y = w x + b$ over a grid of
$(w, b)$, with the path gradient descent takes on each from the same start.
MSE's surface is a quadratic bowl with elliptic contours; MAE's is piecewise
linear, one plane between the creases where a residual changes sign, so its
gradient jumps there and does not shrink near the minimum.
"""

import matplotlib.pyplot as plt
import numpy as np

from losslab import datasets
from losslab.landscape import grid_surface, train_with_trajectory
from losslab.models import make_model

data = datasets.load("linear_outliers", outlier_fraction=0.1, seed=0)
ranges = ((-1.0, 4.0), (-2.5, 2.5))

fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
for ax, loss in zip(axes, ["mse", "mae"], strict=True):
    model = make_model(loss, n_features=1, kind="linear", seed=0)
    model.params["weight"][:] = -0.5
    model.params["bias"][:] = -2.0
    _, path = train_with_trajectory(model, loss, data.X, data.y, optimizer="gd", lr=0.1, epochs=80)
    surface = grid_surface(model, loss, data.X, data.y, ranges=ranges, resolution=81)
    levels = np.quantile(surface.values, np.linspace(0, 1, 25))
    ax.contourf(surface.x, surface.y, surface.values, levels=levels, cmap="viridis")
    ax.plot(path[:, 0], path[:, 1], "w.-", ms=3, lw=1)
    ax.set(title=loss, xlabel=surface.x_label, ylabel=surface.y_label)
fig.tight_layout()
plt.show()
