"""MSE, MAE and Huber on data with outliers
========================================

A straight line fitted to 200 points, 30 of which (15%) are moved 10 to 20
units above or below it. MSE's gradient grows with the residual, so these
outliers pull its line away from the bulk of the data; MAE and Huber give every
large residual the same bounded pull
($|\\partial \\ell / \\partial \\hat y| \\le 1$), and their lines stay with the bulk
(and with each other). Each fit is `LossRegressor`, L-BFGS on the loss's exact
gradient.
"""

import matplotlib.pyplot as plt
import numpy as np

from losslab import LossRegressor, datasets

data = datasets.load("linear_outliers", outlier_fraction=0.15, seed=0)
X, y = data.X, data.y
grid = np.linspace(X.min(), X.max(), 100)[:, None]

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.scatter(X[:, 0], y, s=12, color="0.6", label="data")
for loss in ["mse", "mae", "huber:delta=1"]:
    model = LossRegressor(loss=loss).fit(X, y)
    slope, intercept = model.coef_[0], model.intercept_
    ax.plot(grid[:, 0], model.predict(grid), lw=2, label=f"{loss}: {slope:.2f} x + {intercept:.2f}")
ax.set(xlabel="x", ylabel="y", title="One line per loss")
ax.legend()
fig.tight_layout()
plt.show()
