# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,jupyter,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. The loss landscape: a bowl, a saddle, a plateau
#
# Each point of the landscape is one hypothesis (one set of parameter values); its
# height is the training loss there; training looks for the lowest point. For a linear
# model under MSE the landscape is a convex bowl with one minimum. Networks have
# saddle points and plateaus, where the gradient says little about where to go. Here
# you compute the bowl's curvature by hand, classify a saddle from its numbers, find
# which loss stalls on a plateau, and watch gradient descent walk the landscape.

# %%
import numpy as np
from IPython.display import Image, display

from losslab import landscape, lessons
from losslab.models import LinearRegression
from losslab.plots import png_bytes


def show(figure):
    """Display a matplotlib figure inline, as a PNG."""
    display(Image(png_bytes(figure)))


# %% [markdown]
# ## The convex bowl
#
# A linear model ŷ = Xw + b under MSE has L(θ) = (1/n)‖X̃θ − y‖² with X̃ = [X, 1] and
# θ = (w, b). Its Hessian does not depend on θ: H = (2/n) X̃ᵀX̃.
#
# **Exercise 5.1.** Compute H for the data of `landscape.convex_bowl()`.

# %%
bowl = landscape.convex_bowl()
X = bowl["data"].X
X.shape

# %% jupyter={"source_hidden": true} tags=["solution"]
X_tilde = np.column_stack([X, np.ones(len(X))])
H = 2.0 / len(X) * X_tilde.T @ X_tilde

# %%
lessons.check("bowl_hessian", H)

# %% [markdown]
# **Exercise 5.2.** From the eigenvalues of H: is the landscape a convex bowl with a
# single minimum (`True` or `False`)?

# %%
np.linalg.eigvalsh(H)

# %% jupyter={"source_hidden": true} tags=["solution"]
is_convex = bool(np.linalg.eigvalsh(H).min() > 0)

# %%
lessons.check("bowl_is_convex", is_convex)

# %% [markdown]
# ## Live experiment: gradient descent on the bowl, under MSE and MAE
#
# Train the line by gradient descent and record its parameters every epoch, then draw
# the exact loss over a grid of (weight, bias) with the path on top. MSE's contours are
# ellipses whose rings crowd outwards (quadratic); MAE's are evenly spaced (linear), a
# pyramid with a kink at its bottom.

# %%
surfaces, paths = [], []
for loss in ("mse", "mae"):
    model = LinearRegression(X.shape[1])
    history, trajectory = landscape.train_with_trajectory(
        model, loss, X, bowl["data"].y, optimizer="gd", lr=0.1, epochs=60
    )
    low, high = trajectory.min(axis=0) - 1.0, trajectory.max(axis=0) + 1.0
    surfaces.append(
        landscape.grid_surface(
            LinearRegression(X.shape[1]),
            loss,
            X,
            bowl["data"].y,
            ranges=((low[0], high[0]), (low[1], high[1])),
            resolution=61,
        )
    )
    paths.append(trajectory)
    display(history)
show(landscape.compare_figure(surfaces, paths))

# %% [markdown]
# ## A saddle point: XOR
#
# A 2-2-1 tanh network on XOR, at zero weights with the output bias at the base rate.
# Here are the numbers at that point: the gradient's norm and the extreme eigenvalues
# of the Hessian (by Lanczos, from exact Hessian-vector products).

# %%
saddle = landscape.xor_saddle()
objective, theta = saddle["objective"], saddle["theta"]
eigen = landscape.extreme_eigenvalues(objective, theta)
print(
    f"loss {objective.value(theta):.4f}, |gradient| {np.linalg.norm(objective.gradient(theta)):.2e}"
)
print(f"smallest eigenvalue {eigen.smallest[0]:.4f}, largest {eigen.largest[0]:.4f}")

# %% [markdown]
# **Exercise 5.3.** What kind of point is it: `"minimum"`, `"saddle"`, `"maximum"`,
# `"flat"` (a plateau: gradient and curvature both about zero) or `"sloped"` (not a
# critical point)?

# %% jupyter={"source_hidden": true} tags=["solution"]
point_kind = "saddle"  # gradient zero, curvature up in one direction and down in another

# %%
lessons.check("xor_point_kind", point_kind)

# %% [markdown]
# ## A plateau: a saturated sigmoid
#
# A logistic unit started confidently wrong (w = −10 on data with |x| ≥ 1), scored by
# MSE on its probability and by cross-entropy. The gradient norm at that point, per
# loss:

# %%
plateau = landscape.sigmoid_plateau()
for name, point in plateau.items():
    print(f"{name}: loss {point.loss:.4f}, |gradient| {point.grad_norm:.2e}")

# %% [markdown]
# **Exercise 5.4.** Which loss leaves gradient descent stuck on a plateau there,
# `"mse"` or `"bce"`?

# %% jupyter={"source_hidden": true} tags=["solution"]
stalls = min(plateau, key=lambda name: plateau[name].grad_norm)

# %%
lessons.check("plateau_stalls", stalls)

# %% [markdown]
# ## Live experiment: escaping the plateau
#
# Two logistic models start confident and wrong; one trains under cross-entropy, the
# other under MSE on the probability σ(z) (the experiment behind `losslab demo`).
# Cross-entropy's gradient (p − y)x is not shrunk by the sigmoid's slope, so it walks
# off the plateau at once; MSE's carries p(1 − p) ≈ 0 and crawls.

# %%
from losslab.experiments import demo

saturation = demo.saturation(epochs=150)
for label, history in saturation.histories.items():
    reached = saturation.epochs_to_target[label]
    when = "never" if np.isnan(reached) else f"at epoch {reached:.0f}"
    print(f"{label}: validation accuracy {saturation.target} reached {when}")
    display(history)
