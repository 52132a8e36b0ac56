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
# # 2. Exercise: compute and compare losses (weekly rainfall)
#
# Two regression models predict weekly rainfall in millimetres. Work the lesson's
# steps by hand, check each answer, then watch what the one large error does when a
# model is *trained* under MSE rather than only scored by it.

# %%
from IPython.display import display

from losslab import lessons
from losslab.losses import get

true_mm = list(lessons.RAINFALL_TRUE)
model_a = list(lessons.RAINFALL_MODEL_A)
model_b = list(lessons.RAINFALL_MODEL_B)
print("true   ", true_mm)
print("model A", model_a)
print("model B", model_b)

# %% [markdown]
# **Step 1.** The error (prediction minus true) for each week, for both models.

# %% jupyter={"source_hidden": true} tags=["solution"]
errors_a = [p - t for p, t in zip(model_a, true_mm)]
errors_b = [p - t for p, t in zip(model_b, true_mm)]

# %%
lessons.check("rainfall_errors_a", errors_a)

# %%
lessons.check("rainfall_errors_b", errors_b)

# %% [markdown]
# **Step 2.** The squared error for each week.

# %% jupyter={"source_hidden": true} tags=["solution"]
squared_a = [e**2 for e in errors_a]
squared_b = [e**2 for e in errors_b]

# %%
lessons.check("rainfall_squared_errors_a", squared_a)

# %%
lessons.check("rainfall_squared_errors_b", squared_b)

# %% [markdown]
# **Step 3.** The MSE of both models, in mm².

# %% jupyter={"source_hidden": true} tags=["solution"]
mse_a = sum(squared_a) / len(squared_a)
mse_b = sum(squared_b) / len(squared_b)

# %%
lessons.check("rainfall_mse_a", mse_a)

# %%
lessons.check("rainfall_mse_b", mse_b)

# %% [markdown]
# **Step 4.** Which model has the lower MSE, `"A"` or `"B"`? Does it match your
# intuition from looking at the errors?

# %% jupyter={"source_hidden": true} tags=["solution"]
lower = "A" if mse_a < mse_b else "B"

# %%
lessons.check("rainfall_lower_mse", lower)

# %% [markdown]
# **Step 5.** Model B predicted 50 mm in week 4, when 40 fell. How many mm² of B's MSE
# come from that week alone, and what would B's MSE be had week 4 been predicted
# exactly (still averaging over five weeks)?

# %% jupyter={"source_hidden": true} tags=["solution"]
week4_contribution = squared_b[3] / len(squared_b)
mse_b_without_week4 = (sum(squared_b) - squared_b[3]) / len(squared_b)

# %%
lessons.check("rainfall_outlier_contribution", week4_contribution)

# %%
lessons.check("rainfall_mse_b_without_outlier", mse_b_without_week4)

# %% [markdown]
# One week of five makes up most of B's MSE: squaring lets a single large miss
# dominate the average.
#
# **Bonus.** A loss that penalizes A and B equally for errors of equal absolute size:
# do not square. Compute the mean absolute error (MAE) of both models.

# %% jupyter={"source_hidden": true} tags=["solution"]
mae_a = sum(abs(e) for e in errors_a) / len(errors_a)
mae_b = sum(abs(e) for e in errors_b) / len(errors_b)

# %%
lessons.check("rainfall_mae_a", mae_a)

# %%
lessons.check("rainfall_mae_b", mae_b)

# %% [markdown]
# The worked solution as `losslab` computes it, step by step:

# %%
for step in lessons.lesson("rainfall"):
    display(step)

# %% [markdown]
# `explain` lays any catalogue loss out the same way, example by example. Huber with
# δ = 2 treats B's small errors (|r| ≤ 2) as half their square, and its larger
# misses linearly, as MAE does:

# %%
huber = lessons.explain(get("huber", delta=2.0), model_b, true_mm)
display(huber.table, huber.totals)

# %% [markdown]
# ## Live experiment: what the squared penalty does to training
#
# Scoring a model with MSE is one thing; *training* under it is another. Fit a line to
# 200 points of which 10 % are vertical outliers, under MSE, MAE and Huber (δ = 1),
# three seeds each (`losslab.experiments.demo.outliers`, the experiment behind
# `losslab demo`). The comparison ranks the losses by validation RMSE, a metric every
# loss shares (their own values are in different units); its figure shows the
# training loss and the RMSE per epoch, with the best constant prediction as the
# floor any loss must beat.

# %%
from losslab.experiments import demo

outliers = demo.outliers(seeds=3, epochs=150)
outliers.comparison

# %% [markdown]
# The data were drawn from a known line, so we can ask how far each fitted slope lies
# from the true one. Squaring lets the outliers pull MSE's line towards them; MAE and
# Huber, whose gradients stay bounded for large errors, hold close to the truth.

# %%
print(f"true slope {outliers.true_slope:.3f}")
for label, errors in outliers.slope_error.items():
    print(f"{label:>14}: mean |slope error| {errors.mean():.3f} over {errors.size} seeds")
