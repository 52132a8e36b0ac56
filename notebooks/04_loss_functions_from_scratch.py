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
# # 4. Loss functions from scratch: MSE, MAE, Huber, cross-entropy
#
# "Implement MSE, cross-entropy and Huber loss from scratch. Compare convergence on toy
# datasets; observe how different losses affect learning dynamics." Each function you
# write is checked against `losslab`'s catalogue on several test batches; then your
# gradients drive a plain gradient-descent loop, and `compare` races the catalogue's
# losses on toy data, regression and classification, loss and accuracy side by side.

# %%
import numpy as np
from IPython.display import display

from losslab import lessons
from losslab.losses import get

# %% [markdown]
# ## Regression losses
#
# With the residual r = ŷ − y, averaged over the n examples:
#
# - MSE: r², the mean of squared errors (not half of it);
# - MAE: |r|, robust to outliers, but its gradient is ±1 whatever the error's size;
# - Huber with threshold δ: ½r² for |r| ≤ δ and δ(|r| − ½δ) beyond: MSE's smooth
#   bottom, MAE's bounded slope for large errors.
#
# **Exercise 4.1.** Write the three losses (each returns the mean over the batch).


# %% jupyter={"source_hidden": true} tags=["solution"]
def mse(y_pred, y_true):
    r = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return np.mean(r**2)


def mae(y_pred, y_true):
    r = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return np.mean(np.abs(r))


def huber(y_pred, y_true, delta):
    r = np.abs(np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float))
    return np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta)))


# %%
lessons.check("scratch_mse", mse)

# %%
lessons.check("scratch_mae", mae)

# %%
lessons.check("scratch_huber", huber)

# %% [markdown]
# **Exercise 4.2.** Their gradients with respect to the predictions, of the *mean*
# loss: d/dŷᵢ (1/n) Σ L(ŷⱼ, yⱼ) = L′(ŷᵢ, yᵢ) / n.


# %% jupyter={"source_hidden": true} tags=["solution"]
def mse_grad(y_pred, y_true):
    r = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return 2.0 * r / r.size


def huber_grad(y_pred, y_true, delta):
    r = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return np.clip(r, -delta, delta) / r.size


# %%
lessons.check("scratch_mse_grad", mse_grad)

# %%
lessons.check("scratch_huber_grad", huber_grad)

# %% [markdown]
# ## Cross-entropy and its gradient
#
# For a row of logits z and the true class y, softmax(z)ⱼ = exp(zⱼ) / Σₖ exp(zₖ) and
# the loss is −log softmax(z)_y = logsumexp(z) − z_y. Subtract the row's maximum
# before exponentiating, or large logits overflow.
#
# **Exercise 4.3.** The correct class gets probability 0.9, then 0.01: the losses?

# %% jupyter={"source_hidden": true} tags=["solution"]
correct_class = [-np.log(0.9), -np.log(0.01)]

# %%
lessons.check("correct_class_losses", correct_class)

# %% [markdown]
# **Exercise 4.4.** `cross_entropy(logits, labels)`, the mean over rows, and
# `cross_entropy_grad(logits, labels)`, one gradient row per example with respect to
# its logits (not divided by n). The lesson says what to expect: softmax(z) − onehot(y).


# %% jupyter={"source_hidden": true} tags=["solution"]
def log_softmax(logits):
    z = np.asarray(logits, dtype=float)
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy(logits, labels):
    labels = np.asarray(labels)
    return -np.mean(log_softmax(logits)[np.arange(labels.size), labels])


def cross_entropy_grad(logits, labels):
    labels = np.asarray(labels)
    gradient = np.exp(log_softmax(logits))
    gradient[np.arange(labels.size), labels] -= 1.0
    return gradient


# %%
lessons.check("scratch_cross_entropy", cross_entropy)

# %%
lessons.check("scratch_cross_entropy_grad", cross_entropy_grad)

# %% [markdown]
# The catalogue's worked example: negative on the true class (raise its logit),
# positive elsewhere, each row summing to zero.

# %%
for step in lessons.lesson("cross-entropy")[2:]:
    display(step)

# %% [markdown]
# ## Your gradients train a model
#
# The training loop is four plain lines: forward, loss gradient, backward, update.
# With your `huber_grad` it runs full-batch gradient descent on a line with outliers;
# `losslab.train.fit` runs the same algorithm with the catalogue's Huber, and the two
# end at the same parameters.

# %%
from losslab import datasets
from losslab.models import LinearRegression
from losslab.train import fit

data = datasets.load("linear_outliers", outlier_fraction=0.1, n_samples=200)
X, y = data.X, data.y
w, b, lr = np.zeros(X.shape[1]), 0.0, 0.1
for _ in range(100):
    y_pred = X @ w + b  # forward
    g = huber_grad(y_pred, y, 1.5)  # d loss / d y_pred
    w, b = w - lr * X.T @ g, b - lr * g.sum()  # backward and update

model = LinearRegression(X.shape[1])
fit(model, get("huber", delta=1.5), X, y, optimizer="gd", lr=lr, epochs=100)
print("your loop:", w, b)
print("losslab:  ", model.params["weight"].ravel(), model.params["bias"])
assert np.allclose(w, model.params["weight"].ravel()) and np.isclose(b, model.params["bias"][0])

# %% [markdown]
# ## Compare convergence on toy datasets
#
# **Regression with outliers.** The same model and optimizer under MSE, MAE and Huber,
# three seeds each. Their own values are in different units (mm² against mm), so
# `compare` ranks them by a metric they share, here the validation MAE, which the
# outliers do not dominate. Read how many epochs each needs to reach the target, and
# the constant prediction every loss must beat.

# %%
from losslab.experiments import compare

regression = compare(
    "linear_outliers:outlier_fraction=0.1,n_samples=200",
    ["mse", "mae", "huber:delta=1.5"], optimizer="gd", lr=0.1, epochs=100, seeds=3,
    metric="val_mae",
)  # fmt: skip
regression

# %% [markdown]
# **Classification: loss and accuracy.** Cross-entropy, hinge and focal loss on the
# two moons, ranked by validation accuracy; the figure puts each loss's own training
# loss beside the accuracy. The losses start at different heights (log 2 ≈ 0.69 for
# cross-entropy, 1 for hinge, about 0.17 for focal) and fall smoothly, while the
# accuracy moves in steps: what the model optimizes is not what you measure.

# %%
classification = compare(
    "moons:n_samples=200", ["bce_with_logits", "hinge", "focal"],
    optimizer="gd", lr=0.5, epochs=100, seeds=3,
)  # fmt: skip
classification

# %% [markdown]
# ## A custom, asymmetric objective
#
# Standard losses treat every error alike. When a missed positive (a false negative:
# a disease not diagnosed) costs more than a false alarm, weight the positives:
# `bce_with_logits` with `pos_weight=5` makes each positive example count five times.
# On imbalanced data, recall rises and precision falls: the errors move to the
# cheaper kind.

# %%
asymmetric = compare(
    "imbalanced:n_samples=400,ratio=0.1", ["bce_with_logits", "bce_with_logits:pos_weight=5"],
    optimizer="adam", lr=0.05, epochs=80, seeds=3, metric="val_recall",
)  # fmt: skip
final = asymmetric.results[asymmetric.results["epoch"] == 80]
final.groupby("label")[["val_recall", "val_precision", "val_accuracy"]].median()
