"""scikit-learn estimators that train a losslab model under any loss of the catalogue.

``LossRegressor`` and ``LossClassifier`` wrap :func:`losslab.train.fit`: pick a
loss by name (or pass a loss object), a linear model or an MLP, an optimizer
and a learning rate. They follow the scikit-learn API (``get_params``,
``clone``, ``Pipeline``, ``GridSearchCV``) and pass its estimator checks.

Fitted attributes: ``model_`` (the :class:`losslab.models.Model`), ``loss_``,
``history_`` (:class:`losslab.train.History`), ``diverged_``, ``n_iter_``
(epochs trained), ``n_features_in_``; for ``model="linear"`` also ``coef_``
and ``intercept_`` shaped as in scikit-learn's linear models.

>>> import numpy as np
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
>>> reg = LossRegressor(loss="huber", optimizer="gd", lr=0.3, epochs=2000).fit(X, y)
>>> np.round(reg.coef_, 4), round(float(reg.intercept_), 4)
(array([2.]), 1.0)
"""

from __future__ import annotations

from losslab._optional import require

require("sklearn", "losslab's scikit-learn estimators")

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from losslab.models import make_model
from losslab.runs import fits_task
from losslab.train import fit, resolve_loss

__all__ = ["LossClassifier", "LossRegressor"]


class _LossEstimator(BaseEstimator):
    """Shared parameters and training for the two estimators."""

    def __init__(
        self,
        loss: Any = None,
        *,
        model: str = "linear",
        hidden: Sequence[int] = (32,),
        activation: str = "tanh",
        optimizer: str = "adam",
        lr: float = 0.01,
        epochs: int = 200,
        batch_size: int | None = None,
        weight_decay: float = 0.0,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.loss = loss
        self.model = model
        self.hidden = hidden
        self.activation = activation
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.random_state = random_state

    def _train(
        self, loss, X: np.ndarray, y: np.ndarray, n_classes: int, sample_weight, cost_matrix=None
    ) -> None:
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        model = make_model(
            loss, X.shape[1], n_classes=n_classes, kind=self.model,
            hidden=self.hidden, activation=self.activation, seed=seed,
        )  # fmt: skip
        _start_at_optimal_constant(model, loss, y, sample_weight)
        history = fit(
            model, loss, X, y, optimizer=self.optimizer, lr=self.lr, epochs=self.epochs,
            batch_size=self.batch_size, weight_decay=self.weight_decay,
            sample_weight=sample_weight, seed=seed, cost_matrix=cost_matrix,
        )  # fmt: skip
        self.loss_, self.model_, self.history_ = loss, model, history
        self.diverged_ = history.diverged
        self.n_iter_ = history.epochs_completed

    def _raw(self, X: ArrayLike) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.loss_.link.inverse(self.model_(X))

    def _linear_coefficients(self) -> tuple[np.ndarray, np.ndarray] | None:
        if self.model != "linear":
            return None
        return self.model_.params["weight"].T.copy(), self.model_.params["bias"].copy()


def _start_at_optimal_constant(model: Any, loss: Any, y: np.ndarray, sample_weight: Any) -> None:
    """Set the output bias to the loss's best constant prediction, as boosters start.

    The mean for mse, the median for mae, the base-rate log-odds for logistic
    losses (through the sigmoid head for losses on probabilities), log class
    frequencies for cross-entropy: training then starts from the best model
    that ignores X. Left at 0 for custom losses and where the constant is
    infinite (every label one class).
    """
    if getattr(loss, "definition", None) is None:
        return
    start = loss.link.head_inverse(loss.optimal_constant(y, weights=sample_weight))
    if np.all(np.isfinite(start)) and start.size in (1, model.output_bias.size):
        model.output_bias[...] = start


class LossRegressor(RegressorMixin, _LossEstimator):
    """Regression under any regression loss of the catalogue.

    Args:
        loss: Loss name or object with ``task == "regression"``; default ``"mse"``.
        model: ``"linear"`` or ``"mlp"``.
        hidden: Hidden layer widths of the MLP.
        activation: ``"tanh"``, ``"relu"``, ``"sigmoid"`` or ``"gelu"``.
        optimizer: ``"gd"``, ``"sgd"``, ``"momentum"``, ``"nesterov"`` or ``"adam"``.
        lr: Learning rate, > 0.
        epochs: Passes over the data, >= 1.
        batch_size: Mini-batch size, None for full batch.
        weight_decay: L2 coefficient added to the gradients.
        random_state: Seed of the MLP initialisation and the shuffling.

    ``predict`` returns the model's prediction (``exp(z)`` for ``poisson_nll``);
    ``score`` is R².
    """

    def __init__(
        self,
        loss: Any = "mse",
        *,
        model: str = "linear",
        hidden: Sequence[int] = (32,),
        activation: str = "tanh",
        optimizer: str = "adam",
        lr: float = 0.01,
        epochs: int = 200,
        batch_size: int | None = None,
        weight_decay: float = 0.0,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        super().__init__(
            loss, model=model, hidden=hidden, activation=activation, optimizer=optimizer,
            lr=lr, epochs=epochs, batch_size=batch_size, weight_decay=weight_decay,
            random_state=random_state,
        )  # fmt: skip

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> LossRegressor:
        """Train on ``X`` ``(n, d)`` and real targets ``y`` ``(n,)``."""
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        loss = resolve_loss("mse" if self.loss is None else self.loss)
        if not fits_task(loss.task, "regression"):
            raise ValueError(
                f"loss {loss.name!r} is a {loss.task} loss; LossRegressor needs a regression loss"
            )
        self._train(loss, X, y, 1, sample_weight)
        coefficients = self._linear_coefficients()
        if coefficients is not None:
            self.coef_, self.intercept_ = coefficients[0][0], float(coefficients[1][0])
        return self

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted values, shape ``(n,)``."""
        return self._raw(X)


class LossClassifier(ClassifierMixin, _LossEstimator):
    """Classification under any binary or multiclass loss of the catalogue.

    Labels may be any sortable values (strings included); they are mapped to
    ``0 .. K − 1`` in the order of ``classes_``. A binary loss (``bce``,
    ``bce_with_logits``, ``focal``, ``hinge``, ``squared_hinge``) trains one
    output for ``classes_[1]`` and needs exactly two classes; a multiclass loss
    (``cross_entropy``, ``kl_div`` against one-hot rows) trains ``K`` logits.
    The default loss is ``"bce_with_logits"`` for two classes and
    ``"cross_entropy"`` for more.

    Args:
        loss: Loss name or object; None picks the default above.
        model: ``"linear"`` or ``"mlp"``.
        hidden: Hidden layer widths of the MLP.
        activation: ``"tanh"``, ``"relu"``, ``"sigmoid"`` or ``"gelu"``.
        optimizer: ``"gd"``, ``"sgd"``, ``"momentum"``, ``"nesterov"`` or ``"adam"``.
        lr: Learning rate, > 0.
        epochs: Passes over the data, >= 1.
        batch_size: Mini-batch size, None for full batch.
        weight_decay: L2 coefficient added to the gradients.
        random_state: Seed of the MLP initialisation and the shuffling.
        cost_matrix: Optional K x K non-negative costs, ``C[i, j]`` the cost
            of predicting ``classes_[j]`` when the truth is ``classes_[i]``;
            passed to :func:`losslab.train.fit`, so ``history_`` records
            ``train_expected_cost`` each epoch. It does not change training
            or ``predict``. Checked in ``fit``.

    ``predict_proba`` gives ``σ(z)`` for one logit (hinge losses included) and
    ``softmax`` for ``K`` logits. For a linear model, ``coef_`` has shape
    ``(1, d)`` (binary) or ``(K, d)``, as ``sklearn.linear_model.LogisticRegression``.
    """

    def __init__(
        self,
        loss: Any = None,
        *,
        model: str = "linear",
        hidden: Sequence[int] = (32,),
        activation: str = "tanh",
        optimizer: str = "adam",
        lr: float = 0.01,
        epochs: int = 200,
        batch_size: int | None = None,
        weight_decay: float = 0.0,
        random_state: int | np.random.RandomState | None = None,
        cost_matrix: ArrayLike | None = None,
    ) -> None:
        super().__init__(
            loss, model=model, hidden=hidden, activation=activation, optimizer=optimizer,
            lr=lr, epochs=epochs, batch_size=batch_size, weight_decay=weight_decay,
            random_state=random_state,
        )  # fmt: skip
        self.cost_matrix = cost_matrix

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> LossClassifier:
        """Train on ``X`` ``(n, d)`` and class labels ``y`` ``(n,)``."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        n_classes = self.classes_.size
        if n_classes < 2:
            raise ValueError(
                f"Classifier can't train when only one class is present: {self.classes_[0]!r}"
            )
        default = "bce_with_logits" if n_classes == 2 else "cross_entropy"
        loss = resolve_loss(default if self.loss is None else self.loss)
        if not fits_task(loss.task, "binary" if n_classes == 2 else "multiclass"):
            if loss.task not in ("binary", "multiclass"):
                raise ValueError(
                    f"loss {loss.name!r} is a {loss.task} loss; "
                    "LossClassifier needs a classification loss"
                )
            raise ValueError(
                f"loss {loss.name!r} is binary but y has {n_classes} classes; "
                "use a multiclass loss such as 'cross_entropy'"
            )
        targets = np.eye(n_classes)[encoded] if loss.name == "kl_div" else encoded
        self._train(loss, X, targets, n_classes, sample_weight, self.cost_matrix)
        coefficients = self._linear_coefficients()
        if coefficients is not None:
            self.coef_, self.intercept_ = coefficients
        return self

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, shape ``(n, K)``, columns in the order of ``classes_``."""
        proba = self._raw(X)
        return np.column_stack([1.0 - proba, proba]) if proba.ndim == 1 else proba

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each row (ties go to the first class)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
