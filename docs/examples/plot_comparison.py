"""Comparing losses: validation error per epoch
============================================

`losslab.experiments.compare` trains a linear model under each loss for
three seeds and records every epoch. The curves are the validation mean
absolute error (a metric the three losses share: their own values are not
comparable), one per loss and seed (each seed has its own split, hence the
three levels); the dashed line is the best constant prediction, the floor any
loss must beat.
"""

import matplotlib.pyplot as plt

from losslab.experiments import compare

result = compare(
    "linear_outliers:outlier_fraction=0.15",
    ["mse", "mae", "huber:delta=1"],
    metric="val_mae",
    optimizer="adam",
    lr=0.05,
    epochs=120,
    seeds=3,
)

fig, ax = plt.subplots(figsize=(7, 4.2))
colors = dict(zip(result.losses, ["C0", "C1", "C2"], strict=True))
for run in result.runs:
    curve = run.history.to_frame()["val_mae"]
    label = run.spec.label if run.spec.seed == 0 else None
    ax.plot(curve.index, curve.to_numpy(), color=colors[run.spec.label], alpha=0.8, label=label)
constant = result.summary.query("kind == 'constant'")["final_median"].min()
ax.axhline(constant, color="0.3", ls="--", label="best constant (median over seeds)")
ax.set(xlabel="epoch", ylabel="validation MAE")
ax.legend()
fig.tight_layout()
plt.show()

print(result.summary[["rank", "label", "kind", "final_median", "flag"]].to_string(index=False))
