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
# # 1. The objective: minimizing loss
#
# A loss function L(ŷ, y) takes the model's prediction ŷ and the true label y and
# returns a non-negative number measuring how wrong the prediction is: 0 for a perfect
# prediction, more for a worse one. Training searches for the parameters that minimize
# the total training loss, the mean of the per-example losses:
#
# L_total = (1/n) Σᵢ L(f(xᵢ), yᵢ)
#
# This notebook works the lesson's two foundational losses by hand, checks each of
# your answers against `losslab`, and ends with a live training run.
#
# **How the exercises work.** Each exercise has an *answer cell* (it holds a worked
# solution, collapsed: overwrite it with your own) and a *check cell* that calls
# `lessons.check(exercise_id, answer)`. A right answer shows **Correct**; a wrong one
# stops with a `WrongAnswer` error saying what is wrong, with a hint.

# %%
import math

from IPython.display import display

from losslab import lessons
from losslab.losses import get

# %% [markdown]
# ## Mean squared error, on three house prices
#
# MSE = (1/n) Σᵢ (ŷᵢ − yᵢ)². The lesson's true prices and predictions, in dollars:

# %%
true_prices = list(lessons.HOUSING_TRUE)
predicted_prices = list(lessons.HOUSING_PRED)
true_prices, predicted_prices

# %% [markdown]
# **Exercise 1.1.** The error of each prediction, prediction minus true.

# %% jupyter={"source_hidden": true} tags=["solution"]
errors = [p - t for p, t in zip(predicted_prices, true_prices)]

# %%
lessons.check("housing_errors", errors)

# %% [markdown]
# **Exercise 1.2.** The squared errors, in dollars².

# %% jupyter={"source_hidden": true} tags=["solution"]
squared_errors = [e**2 for e in errors]

# %%
lessons.check("housing_squared_errors", squared_errors)

# %% [markdown]
# **Exercise 1.3.** The MSE (dollars²), and the RMSE, its square root, back in dollars
# (to the dollar is fine).

# %% jupyter={"source_hidden": true} tags=["solution"]
mse = sum(squared_errors) / len(squared_errors)
rmse = math.sqrt(mse)

# %%
lessons.check("housing_mse", mse)

# %%
lessons.check("housing_rmse", rmse)

# %% [markdown]
# The same numbers, computed by `losslab.lessons` with the loss catalogue:

# %%
for step in lessons.lesson("housing"):
    display(step)

# %% [markdown]
# ## Binary cross-entropy, on a spam filter
#
# For a probability p of the positive class (spam) and a label y ∈ {0, 1}:
#
# L = −[y log p + (1 − y) log(1 − p)]
#
# **Exercise 1.4.** An email is spam (y = 1). Compute the loss when the model says
# p = 0.9 and when it says p = 0.1 (3 decimals are enough).

# %% jupyter={"source_hidden": true} tags=["solution"]
spam_losses = [-math.log(0.9), -math.log(0.1)]

# %%
lessons.check("spam_losses", spam_losses)

# %% [markdown]
# Low when the model is confidently right, high when it is confidently wrong. The
# catalogue's `bce` agrees, one value per example with `reduction="none"`:

# %%
get("bce")([0.9, 0.1], [1, 1], reduction="none")

# %% [markdown]
# ## Loss functions encode values
#
# MSE penalizes large errors quadratically: an error of 20 costs four times an error
# of 10. Whether that is right depends on what the errors cost in the real world.

# %%
get("mse")([20.0, 10.0], [0.0, 0.0], reduction="none")

# %% [markdown]
# ## Live experiment: training is minimizing the loss
#
# Fit a straight line to noisy data by gradient descent under MSE. `fit` returns a
# `History`; in Jupyter it shows the final epoch's metrics and the curves per epoch.
# The training loss falls towards the noise level (noise 0.5: an MSE near 0.25), the
# lowest point of the landscape this model can reach.

# %%
from losslab import datasets
from losslab.models import make_model
from losslab.train import fit

data = datasets.load("linear", n_samples=200, noise=0.5)
split = data.split(val_fraction=0.25, seed=0)
model = make_model("mse", n_features=data.n_features, kind="linear", seed=0)
history = fit(
    model, "mse", split.X_train, split.y_train,
    X_val=split.X_val, y_val=split.y_val, lr=0.1, epochs=60,
)  # fmt: skip
history

# %% [markdown]
# The loss before training and after: what minimizing the objective bought.

# %%
history.initial_loss, history.final["train_loss"]
