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
# # 3. Matching, and the lesson's two questions
#
# Match each loss scenario to its loss function or concept, answer the lesson's two
# questions, then watch loss and accuracy side by side in a training run: they are
# different quantities.

# %%
from IPython.display import display

from losslab import lessons
from losslab.losses import get

# %% [markdown]
# ## Matching
#
# The terms, and the definitions in the lesson's (shuffled) order:

# %%
for term in lessons.MATCHING_TERMS:
    print("term:      ", term)
for definition in lessons.MATCHING_DEFINITIONS:
    print("definition:", definition)

# %% [markdown]
# **Exercise 3.1.** A dict from each term to its definition (copy the strings exactly).

# %% jupyter={"source_hidden": true} tags=["solution"]
matches = {
    "Predicting apartment price in dollars": "Mean Squared Error",
    "Predicting spam vs. not-spam probability": "Cross-Entropy Loss",
    "The number training is designed to minimize": "Total training loss",
    "Loss when prediction exactly equals true label": "Zero",
    "Penalizes confident wrong predictions most severely": "Cross-Entropy Loss property",
}

# %%
lessons.check("matching", matches)

# %% [markdown]
# Why each pair goes together, with numbers from the catalogue:

# %%
for step in lessons.lesson("matching"):
    display(step)

# %% [markdown]
# ## Question 1
#
# A house costs $400,000. One model predicts $390,000, another $380,000. Under MSE,
# what is the ratio of the second error's contribution to the first's?

# %% jupyter={"source_hidden": true} tags=["solution"]
ratio = (380_000 - 400_000) ** 2 / (390_000 - 400_000) ** 2

# %%
lessons.check("question_1_ratio", ratio)

# %% [markdown]
# ## Question 2
#
# For a positive example, one classifier outputs p = 0.51, another p = 0.99. Compute
# both cross-entropies (3 decimals), say which probability has the lower loss, and
# whether the two classifiers have the same accuracy at the 0.5 threshold.

# %% jupyter={"source_hidden": true} tags=["solution"]
import math

losses_051_099 = [-math.log(0.51), -math.log(0.99)]
lower_loss_probability = 0.99
same_accuracy = (0.51 >= 0.5) == (0.99 >= 0.5)

# %%
lessons.check("question_2_losses", losses_051_099)

# %%
lessons.check("question_2_lower", lower_loss_probability)

# %%
lessons.check("question_2_same_accuracy", same_accuracy)

# %% [markdown]
# Same accuracy, a loss about 67 times apart: cross-entropy rewards confidence in the
# right answer, which accuracy cannot see. The answers as `losslab` states them:

# %%
for question in lessons.questions():
    print(question.answer)
    print("  ", question.explanation, "\n")

# %% [markdown]
# ## Live experiment: loss and accuracy side by side
#
# A logistic model on two well separated blobs. Accuracy reaches its ceiling within a
# few epochs; the cross-entropy keeps falling long after, because the model grows more
# confident about points it already classifies correctly. The History's figure shows
# both per epoch.

# %%
from losslab import datasets
from losslab.models import make_model
from losslab.train import fit

data = datasets.load("blobs", n_samples=200, separation=4.0)
split = data.split(val_fraction=0.25, seed=0)
model = make_model("bce_with_logits", n_features=data.n_features, kind="linear", seed=0)
history = fit(
    model, "bce_with_logits", split.X_train, split.y_train,
    X_val=split.X_val, y_val=split.y_val, lr=0.5, epochs=80,
)  # fmt: skip
history

# %% [markdown]
# Between epoch 5 and the end, how much did each change?

# %%
loss, accuracy = history["train_loss"], history["train_accuracy"]
print(f"loss     epoch 5 {loss[5]:.4f} -> epoch 80 {loss[-1]:.4f}")
print(f"accuracy epoch 5 {accuracy[5]:.4f} -> epoch 80 {accuracy[-1]:.4f}")

# %% [markdown]
# A perfect prediction still costs exactly zero under both losses of the matching
# exercise:

# %%
float(get("mse")([350_000.0], [350_000.0])), float(get("bce")([1.0], [1.0]))
