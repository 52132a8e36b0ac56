"""Presets: one click sets up a headline experiment of ``losslab demo`` in the playground.

Each preset is a playground link (the page's query-string format, see
:mod:`losslab.web.links`) with a two-line caption: what is set up, and what to
watch. ``tests/web/test_web_browser.py`` runs every preset in the page and
checks its caption's claim on the numbers the page shows.
"""

from __future__ import annotations

from typing import Any

from losslab.web import links


def _link(dataset: str, losses: list[str], **settings: Any) -> str:
    """A playground link without L2 penalty and with one run per loss, as every preset has."""
    return links.playground(dataset, losses, l2=0, cap=1, **settings)


PRESETS: list[dict[str, str]] = [
    {
        "name": "outliers",
        "title": "Outliers: MSE vs MAE vs Huber",
        "setup": "A line through data with 10% outliers, fitted by MSE, MAE and Huber (δ = 1).",
        "watch": "MSE squares the outliers' errors, so its line is pulled: on the validation "
        "rows its MAE ends above MAE's and Huber's.",
        "link": _link(
            "linear_outliers",
            ["mse", "mae", "huber:delta=1"],
            n=200,
            noise=0.5,
            outliers=0.1,
            model="linear",
            opt="adam",
            lr=0.1,
            epochs=300,
            speed=300,
            metric="mae",
        ),
    },
    {
        "name": "saturation",
        "title": "The saturated sigmoid: cross-entropy vs MSE on σ(z)",
        "setup": "Sigmoid units and two losses on the same logits: cross-entropy and the squared "
        "error of p = σ(z).",
        "watch": "MSE on p multiplies its gradient by σ′(z) ≤ 1/4, so it starts slower: "
        "cross-entropy reaches 80% validation accuracy in fewer epochs.",
        "link": _link(
            "blobs",
            ["bce_with_logits", "mse_probability"],
            n=400,
            sep=2,
            model="mlp",
            hidden="8,8",
            activation="sigmoid",
            opt="gd",
            lr=0.5,
            epochs=200,
            speed=400,
            metric="accuracy",
        ),
    },
    {
        "name": "calibration",
        "title": "The loss keeps falling while accuracy is flat",
        "setup": "A logistic model on two overlapping blobs, trained for 300 epochs.",
        "watch": "After epoch 20 the validation accuracy hardly moves (within 2 points), "
        "yet the training loss keeps falling: the probabilities grow more confident.",
        "link": _link(
            "blobs",
            ["bce_with_logits"],
            n=400,
            sep=2,
            model="linear",
            opt="gd",
            lr=0.5,
            epochs=300,
            speed=600,
            metric="accuracy",
        ),
    },
    {
        "name": "pos_weight",
        "title": "pos_weight trades false negatives for false positives",
        "setup": "10% positives; cross-entropy plain (bce) and with pos_weight = 5 "
        "(bce_with_logits: a missed positive costs five false alarms).",
        "watch": "With pos_weight the boundary moves into the negatives: validation recall "
        "rises (fewer misses) and precision falls (more false alarms).",
        "link": _link(
            "imbalanced",
            ["bce", "bce_with_logits:pos_weight=5"],
            n=400,
            ratio=0.1,
            sep=2,
            model="linear",
            opt="adam",
            lr=0.1,
            epochs=300,
            speed=600,
            metric="recall",
        ),
    },
    {
        "name": "overfitting",
        "title": "Overfitting: the objective is not the goal",
        "setup": "An MLP with two layers of 64 units on 30 noisy training rows of a sine.",
        "watch": "The training MSE (the objective) keeps falling; the validation MSE (the goal) "
        "is lowest part-way and ends at least 20% above its best.",
        "link": _link(
            "sine",
            ["mse"],
            n=40,
            noise=0.3,
            model="mlp",
            hidden="64,64",
            activation="tanh",
            opt="adam",
            lr=0.01,
            epochs=1500,
            speed=3000,
            metric="mse",
        ),
    },
    {
        "name": "confidence",
        "title": "Confident wrong answers",
        "setup": "Cross-entropy −log p of a positive example, against the predicted p "
        "(the loss explorer).",
        "watch": "0.51 and 0.99 are both right at the 0.5 threshold, yet 0.51 costs about 67 "
        "times more; 0.1 costs 2.3, and the slope −1/p grows without bound as p → 0.",
        "link": links.explorer(["bce"], family="probability", y=1, **{"from": 0.01, "to": 0.99}),
    },
]
"""The presets in the order the page lists them."""
