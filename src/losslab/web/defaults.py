"""The playground's setup for each dataset: what the page fills in when a dataset is chosen.

Chosen so that, at the page's pace, the MLP reaches at least 95% validation
accuracy on every 2-D classification set within 30 seconds and each
regression set's runs beat the best constant on the validation rows;
``tests/web/test_web_defaults.py`` checks both through the running server.
The 2-D sets get 400 rows (100 of them for validation, so one mistake costs
1%); ``blobs`` gets centres 4 apart, since at its library default of 2 the
classes overlap and no model reaches 95%. ``diabetes`` keeps its targets in
their own units (about 25 to 350), which an MLP's output reaches only slowly,
so it starts with the linear model and Adam at rate 1.
"""

from __future__ import annotations

from typing import Any

PLANE = ("moons", "circles", "xor", "spirals", "blobs")
"""The bundled 2-D classification sets the defaults are measured on."""

_MLP: dict[str, Any] = {
    "model": "mlp", "hidden": [8, 8], "activation": "tanh", "optimizer": "adam", "lr": 0.03,
    "weight_decay": 0.0, "l1": 0.0, "epochs": None, "epochs_per_second": 100.0,
    "val_fraction": 0.25, "seed": 0,
}  # fmt: skip
_DATA: dict[str, dict[str, Any]] = {
    "moons": {"n_samples": 400, "noise": 0.15},
    "circles": {"n_samples": 400, "noise": 0.1},
    "xor": {"n_samples": 400, "noise": 0.0},
    "spirals": {"n_samples": 400, "noise": 0.2},
    "blobs": {"n_samples": 400, "separation": 4.0},
}
_TRAINING: dict[str, dict[str, Any]] = {
    "diabetes": {"model": "linear", "lr": 1.0},
}
_LOSSES = {
    "regression": [{"name": "mse", "params": {}}, {"name": "mae", "params": {}}],
    "binary": [{"name": "bce_with_logits", "params": {}}, {"name": "hinge", "params": {}}],
    "multiclass": [{"name": "cross_entropy", "params": {}}],
}


def setup(name: str, task: str, knobs: dict[str, Any]) -> dict[str, Any]:
    """A training request body for dataset ``name``: its knobs, the model, losses, optimizer.

    Args:
        name: The dataset's name.
        task: Its task (picks the losses).
        knobs: The loader's own defaults of the knobs the page offers.

    Example:
        >>> body = setup("moons", "binary", {"n_samples": 200, "noise": 0.15, "seed": 0})
        >>> body["dataset"]["n_samples"], body["model"], body["losses"][0]["name"]
        (400, 'mlp', 'bce_with_logits')
    """
    dataset = {"name": name, **knobs, **_DATA.get(name, {})}
    losses = _LOSSES.get(task, _LOSSES["regression"])
    return {"dataset": dataset, "losses": [dict(x) for x in losses], **_MLP,
            **_TRAINING.get(name, {})}  # fmt: skip
