"""scikit-learn estimators that train a losslab model under any loss of the catalogue.

``LossRegressor`` and ``LossClassifier`` minimise the weighted mean loss of a
linear model (or an MLP) plus an L2 penalty on its weights,

    f(W, b) = Σᵢ wᵢ l(model(xᵢ), yᵢ) / Σᵢ wᵢ  +  ½ α ‖W‖²,

with the intercept started at the loss's optimal constant (the mean for
mse, the median for mae, the base-rate log-odds for logistic losses...).

Solvers: ``"lbfgs"`` (default) is L-BFGS-B with the loss's exact gradient,
stopping when the largest gradient entry is under ``tol``; ``"trust-ncg"``
is a Newton method with the loss's exact Hessian-vector product (linear
models with an identity head, losses with a second derivative: C¹ and
smoother). Both warn with :class:`sklearn.exceptions.ConvergenceWarning`
when they stop short of ``tol`` after ``max_iter`` iterations. The
first-order optimizers of :mod:`losslab.optim` (``"gd"``, ``"sgd"``,
``"momentum"``, ``"nesterov"``, ``"adam"``) run :func:`losslab.train.fit`
for ``max_iter`` epochs at learning rate ``lr``, with ``alpha`` as weight
decay on the weights; they warn when the run diverges.

``loss`` is a loss object, a name, or a spec string with parameters
(``"huber:delta=2"``); ``loss_params`` adds parameters, so ``GridSearchCV``
can search them (``{"loss_params": [{"delta": 0.5}, {"delta": 2.0}]}``).

Fitted attributes: ``model_`` (the :class:`losslab.models.Model`), ``loss_``,
``history_`` (:class:`losslab.train.History`: every recorded epoch for a
first-order solver; the start and the end for the others), ``n_iter_``
(iterations or epochs), ``converged_``, ``diverged_``, ``n_features_in_``;
for ``model="linear"`` also ``coef_`` and ``intercept_`` shaped as in
scikit-learn's linear models.

>>> import numpy as np
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
>>> reg = LossRegressor(loss="huber:delta=0.5", alpha=0.0, tol=1e-10).fit(X, y)
>>> np.round(reg.coef_, 4), round(float(reg.intercept_), 4)
(array([2.]), 1.0)
"""

from __future__ import annotations

from losslab._optional import require

require("sklearn", "losslab's scikit-learn estimators")

import math
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from losslab import losses as _losses
from losslab import optim
from losslab._solvers import SOLVERS, minimize
from losslab.models import make_model
from losslab.runs import fits_task
from losslab.specs import parse_spec
from losslab.train import History, check_targets, epoch_record, fit, resolve_loss

__all__ = ["LossClassifier", "LossRegressor"]


def _solvers() -> tuple[str, ...]:
    return (*SOLVERS, *optim.available())


def _make_loss(loss: Any, loss_params: Mapping[str, Any] | None) -> Any:
    """The loss named by ``loss`` (an object, a name or a spec string) with ``loss_params``.

    Raises:
        TypeError: ``loss_params`` not a mapping, or a parameter the loss lacks.
        ValueError: An unknown loss, a parameter given twice, or parameters
            for a loss outside the catalogue.
    """
    if loss_params is not None and not isinstance(loss_params, Mapping):
        raise TypeError(f"loss_params must be a dict or None, got {type(loss_params).__name__}")
    params = dict(loss_params or {})
    if isinstance(loss, str):
        name, spec_params = parse_spec(loss, "loss")
        both = sorted(set(spec_params) & set(params))
        if both:
            raise ValueError(
                f"loss parameters {both} are given both in loss={loss!r} and loss_params"
            )
        return _losses.get(name, **spec_params, **params)
    loss = resolve_loss(loss)
    if not params:
        return loss
    if loss.name not in _losses.available() or _losses.definition(loss.name) is not getattr(
        loss, "definition", None
    ):
        raise ValueError(
            f"loss_params set the parameters of catalogue losses; {loss.name!r} is not one"
        )
    return _losses.get(loss.name, **{**loss.params, **params})


def _is_smooth(loss: Any) -> bool:
    """Whether the loss is C¹ in ``y_pred``; custom losses, which state nothing, count as smooth."""
    try:
        return loss.properties.smoothness != "C0"
    except TypeError:
        return True


def _start_at_optimal_constant(model: Any, loss: Any, y: np.ndarray, sample_weight: Any) -> None:
    """Set the output bias to the loss's best constant prediction, as boosters start.

    The mean for mse, the median for mae, the base-rate log-odds for logistic
    losses (through the sigmoid head for losses on probabilities), log class
    frequencies for cross-entropy: training then starts from the best model
    that ignores X. Left at 0 for custom losses, losses without a stated
    constant, and where the constant is infinite (every label one class).
    """
    if getattr(loss, "definition", None) is None:
        return
    try:
        constant = loss.optimal_constant(y, weights=sample_weight)
    except NotImplementedError:
        return  # a loss whose constant is not written yet starts at 0
    start = loss.link.head_inverse(constant)
    if np.all(np.isfinite(start)) and start.size in (1, model.output_bias.size):
        model.output_bias[...] = start


class _LossEstimator(BaseEstimator):
    """Shared parameters and training for the two estimators."""

    def __init__(
        self,
        loss: Any = None,
        *,
        loss_params: Mapping[str, Any] | None = None,
        solver: str = "lbfgs",
        alpha: float = 1e-4,
        tol: float = 1e-5,
        max_iter: int = 200,
        model: str = "linear",
        hidden: Sequence[int] = (32,),
        activation: str = "tanh",
        lr: float = 0.01,
        batch_size: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.loss = loss
        self.loss_params = loss_params
        self.solver = solver
        self.alpha = alpha
        self.tol = tol
        self.max_iter = max_iter
        self.model = model
        self.hidden = hidden
        self.activation = activation
        self.lr = lr
        self.batch_size = batch_size
        self.random_state = random_state

    def _check_settings(self) -> None:
        if self.solver not in _solvers():
            raise ValueError(f"solver must be one of {_solvers()}, got {self.solver!r}")
        if not isinstance(self.max_iter, (int, np.integer)) or self.max_iter < 1:
            raise ValueError(f"max_iter must be an integer >= 1, got {self.max_iter!r}")
        if not (isinstance(self.tol, (int, float)) and math.isfinite(self.tol) and self.tol > 0):
            raise ValueError(f"tol must be a finite number > 0, got {self.tol!r}")
        if not (
            isinstance(self.alpha, (int, float)) and math.isfinite(self.alpha) and self.alpha >= 0
        ):
            raise ValueError(f"alpha must be a finite number >= 0, got {self.alpha!r}")

    def _train(
        self, loss, X: np.ndarray, y: np.ndarray, n_classes: int, sample_weight, cost_matrix=None
    ) -> None:
        self._check_settings()
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        model = make_model(
            loss, X.shape[1], n_classes=n_classes, kind=self.model,
            hidden=self.hidden, activation=self.activation, seed=seed,
        )  # fmt: skip
        y = check_targets(loss, y, model.n_outputs if loss.link.rows else None)
        _start_at_optimal_constant(model, loss, y, sample_weight)
        if self.solver in SOLVERS:
            history, n_iter, converged = self._minimize(
                model, loss, X, y, sample_weight, cost_matrix
            )
        else:
            history = fit(
                model, loss, X, y, optimizer=self.solver, lr=self.lr, epochs=self.max_iter,
                batch_size=self.batch_size, weight_decay=self.alpha,
                optimizer_params={"decay_bias": False}, sample_weight=sample_weight,
                seed=seed, cost_matrix=cost_matrix,
            )  # fmt: skip
            n_iter, converged = history.epochs_completed, not history.diverged
            if history.diverged:
                warnings.warn(
                    f"solver {self.solver!r} diverged at epoch {history.diverged_epoch} "
                    f"({history.diverged_reason}); the model is that of the last finite "
                    "epoch. Lower lr, scale the features, or use solver='lbfgs'",
                    ConvergenceWarning,
                    stacklevel=3,
                )
        self.loss_, self.model_, self.history_ = loss, model, history
        self.n_iter_, self.converged_, self.diverged_ = n_iter, converged, history.diverged

    def _minimize(self, model, loss, X, y, weights, cost_matrix) -> tuple[History, int, bool]:
        """Run the quasi-Newton or Newton solver; the History holds the start and the end."""
        start = time.perf_counter()
        history = History(loss=loss.name, task=loss.task)
        record = epoch_record(model, loss, X, y, epoch=0, sample_weight=weights,
                              cost_matrix=cost_matrix, metrics=False)  # fmt: skip
        history.records.append(record)
        history.initial_loss = record["train_loss"]
        result = minimize(
            model, loss, X, y, weights=weights, alpha=self.alpha, solver=self.solver,
            tol=self.tol, max_iter=self.max_iter, smooth=_is_smooth(loss),
        )  # fmt: skip
        history.records.append(
            epoch_record(model, loss, X, y, epoch=max(result.n_iter, 1), sample_weight=weights,
                         cost_matrix=cost_matrix, wall_time=time.perf_counter() - start,
                         metrics=False)
        )  # fmt: skip
        if not math.isfinite(result.objective):
            history.diverged, history.diverged_epoch = True, result.n_iter
            history.diverged_reason = "the objective is not finite at the solver's end"
        if not result.converged:
            warnings.warn(
                f"solver {self.solver!r} stopped after {result.n_iter} iterations without "
                f"reaching tol={self.tol:g} ({result.message}). Raise max_iter, scale the "
                "features, or raise alpha",
                ConvergenceWarning,
                stacklevel=4,
            )
        return history, result.n_iter, result.converged

    def _output(self, X: ArrayLike) -> np.ndarray:
        """What the loss reads (``y_pred``) for ``X``."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.model_(X)

    def _linear_coefficients(self) -> tuple[np.ndarray, np.ndarray] | None:
        if self.model != "linear":
            return None
        return self.model_.params["weight"].T.copy(), self.model_.params["bias"].copy()

    def _weights(self, X: np.ndarray, sample_weight: ArrayLike | None) -> np.ndarray | None:
        if sample_weight is None:
            return None
        return _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)


class LossRegressor(RegressorMixin, _LossEstimator):
    """Regression under any regression loss of the catalogue.

    Args:
        loss: Loss object, name or spec string (``"huber:delta=2"``); default ``"mse"``.
        loss_params: Parameters of the loss, merged with the spec's (a key
            in both is an error).
        solver: ``"lbfgs"``, ``"trust-ncg"``, ``"gd"``, ``"sgd"``,
            ``"momentum"``, ``"nesterov"`` or ``"adam"`` (see the module).
        alpha: L2 coefficient on the weights (not the intercept), >= 0.
        tol: Gradient tolerance of ``"lbfgs"`` and ``"trust-ncg"``, > 0.
        max_iter: Most iterations (epochs for a first-order solver), >= 1.
        model: ``"linear"`` or ``"mlp"``.
        hidden: Hidden layer widths of the MLP.
        activation: ``"tanh"``, ``"relu"``, ``"sigmoid"`` or ``"gelu"``.
        lr: Learning rate of a first-order solver, > 0.
        batch_size: Mini-batch size of a first-order solver, None for full batch.
        random_state: Seed of the MLP initialisation and the shuffling.

    ``predict`` returns the model's prediction (``exp(z)`` for ``poisson_nll``);
    ``score`` is R².
    """

    def __init__(
        self,
        loss: Any = "mse",
        *,
        loss_params: Mapping[str, Any] | None = None,
        solver: str = "lbfgs",
        alpha: float = 1e-4,
        tol: float = 1e-5,
        max_iter: int = 200,
        model: str = "linear",
        hidden: Sequence[int] = (32,),
        activation: str = "tanh",
        lr: float = 0.01,
        batch_size: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        super().__init__(
            loss, loss_params=loss_params, solver=solver, alpha=alpha, tol=tol,
            max_iter=max_iter, model=model, hidden=hidden, activation=activation, lr=lr,
            batch_size=batch_size, random_state=random_state,
        )  # fmt: skip

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> LossRegressor:
        """Train on ``X`` ``(n, d)`` and real targets ``y`` ``(n,)``."""
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        loss = _make_loss("mse" if self.loss is None else self.loss, self.loss_params)
        if not fits_task(loss.task, "regression"):
            raise ValueError(
                f"loss {loss.name!r} is a {loss.task} loss; LossRegressor needs a regression loss"
            )
        self._train(loss, X, y, 1, self._weights(X, sample_weight))
        coefficients = self._linear_coefficients()
        if coefficients is not None:
            self.coef_, self.intercept_ = coefficients[0][0], float(coefficients[1][0])
        return self

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted values, shape ``(n,)``."""
        output = self._output(X)
        return self.loss_.link.inverse(output)


def _is_probability_model(estimator: LossClassifier) -> bool:
    """Whether the classifier's loss is a proper scoring rule, so its link gives probabilities."""
    loss = getattr(estimator, "loss_", None)
    if loss is None:
        try:
            loss = _make_loss(
                "bce_with_logits" if estimator.loss is None else estimator.loss,
                estimator.loss_params,
            )
        except (TypeError, ValueError):
            return True  # fit reports the bad loss
    try:
        return bool(loss.properties.proper)
    except TypeError:
        return False  # a custom loss states no properties


class LossClassifier(ClassifierMixin, _LossEstimator):
    """Classification under any binary or multiclass loss of the catalogue.

    Labels may be any sortable values (strings included); they are mapped to
    ``0 .. K − 1`` in the order of ``classes_``. A binary loss (``bce``,
    ``bce_with_logits``, ``focal``, ``hinge``, ``squared_hinge``) trains one
    output for ``classes_[1]`` and needs exactly two classes; a multiclass loss
    (``cross_entropy``, ``kl_div`` against one-hot rows) trains ``K`` logits.

    Args:
        loss: Loss object, name or spec string (``"hinge"``); None picks
            ``"bce_with_logits"`` for two classes and ``"cross_entropy"`` for more.
        loss_params: Parameters of the loss, merged with the spec's (a key
            in both is an error).
        solver: ``"lbfgs"``, ``"trust-ncg"``, ``"gd"``, ``"sgd"``,
            ``"momentum"``, ``"nesterov"`` or ``"adam"`` (see the module).
        alpha: L2 coefficient on the weights (not the intercept), >= 0.
        tol: Gradient tolerance of ``"lbfgs"`` and ``"trust-ncg"``, > 0.
        max_iter: Most iterations (epochs for a first-order solver), >= 1.
        model: ``"linear"`` or ``"mlp"``.
        hidden: Hidden layer widths of the MLP.
        activation: ``"tanh"``, ``"relu"``, ``"sigmoid"`` or ``"gelu"``.
        lr: Learning rate of a first-order solver, > 0.
        batch_size: Mini-batch size of a first-order solver, None for full batch.
        random_state: Seed of the MLP initialisation and the shuffling.
        class_weight: None, a dict ``{label: weight}`` or ``"balanced"``
            (``n / (K · count(label))``, as scikit-learn); multiplies
            ``sample_weight`` row by row.
        cost_matrix: Optional K x K non-negative costs, ``C[i, j]`` the cost
            of predicting ``classes_[j]`` when the truth is ``classes_[i]``;
            ``history_`` records ``train_expected_cost``. It does not change
            training or ``predict``. Checked in ``fit``.

    ``decision_function`` gives the margin: the logit ``z`` (shape ``(n,)``)
    for two classes (``z₁ − z₀`` for a multiclass loss), the ``K`` logits for
    more. ``predict``
    picks ``classes_[1]`` where ``z > 0``, else the largest logit.
    ``predict_proba`` exists only where the loss is a proper scoring rule
    (``loss.properties.proper``: ``bce_with_logits``, ``bce``,
    ``cross_entropy``, ``kl_div``, ``brier``...): ``σ(z)`` or ``softmax(z)``.
    A hinge loss's margin is not a probability; calibrate it with
    ``sklearn.calibration.CalibratedClassifierCV``. For a linear model,
    ``coef_`` has shape ``(1, d)`` (binary) or ``(K, d)``, as
    ``sklearn.linear_model.LogisticRegression``.
    """

    def __init__(
        self,
        loss: Any = None,
        *,
        loss_params: Mapping[str, Any] | None = None,
        solver: str = "lbfgs",
        alpha: float = 1e-4,
        tol: float = 1e-5,
        max_iter: int = 200,
        model: str = "linear",
        hidden: Sequence[int] = (32,),
        activation: str = "tanh",
        lr: float = 0.01,
        batch_size: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        class_weight: Mapping[Any, float] | str | None = None,
        cost_matrix: ArrayLike | None = None,
    ) -> None:
        super().__init__(
            loss, loss_params=loss_params, solver=solver, alpha=alpha, tol=tol,
            max_iter=max_iter, model=model, hidden=hidden, activation=activation, lr=lr,
            batch_size=batch_size, random_state=random_state,
        )  # fmt: skip
        self.class_weight = class_weight
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
        loss = _make_loss(default if self.loss is None else self.loss, self.loss_params)
        if not fits_task(loss.task, "binary" if n_classes == 2 else "multiclass"):
            if loss.task not in ("binary", "multiclass"):
                raise ValueError(
                    f"loss {loss.name!r} is a {loss.task} loss; "
                    "LossClassifier needs a classification loss"
                )
            raise ValueError(
                f"Only binary classification is supported by loss {loss.name!r}: "
                f"y has {n_classes} classes; use a multiclass loss such as 'cross_entropy'"
            )
        weights = self._weights(X, sample_weight)
        if self.class_weight is not None:
            per_class = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
            weights = per_class[encoded] if weights is None else weights * per_class[encoded]
        targets = np.eye(n_classes)[encoded] if loss.name == "kl_div" else encoded
        self._train(loss, X, targets, n_classes, weights, self.cost_matrix)
        coefficients = self._linear_coefficients()
        if coefficients is not None:
            self.coef_, self.intercept_ = coefficients
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            loss = _make_loss(
                "bce_with_logits" if self.loss is None else self.loss, self.loss_params
            )
        except (TypeError, ValueError):
            return tags
        # A binary loss (hinge, focal...) trains one logit: two classes only.
        tags.classifier_tags.multi_class = self.loss is None or loss.task == "multiclass"
        return tags

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """The margin: the logit ``(n,)`` of ``classes_[1]``, or the ``(n, K)`` logits.

        With two classes the margin is one column, as scikit-learn has it: a
        multiclass loss's two logits give ``z₁ − z₀``.
        """
        output = self._output(X)
        margin = np.asarray(self.loss_.link.head_inverse(output))
        return margin[:, 1] - margin[:, 0] if margin.ndim == 2 and margin.shape[1] == 2 else margin

    @available_if(_is_probability_model)
    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, shape ``(n, K)``, columns in the order of ``classes_``.

        Only for losses that are proper scoring rules (``loss.properties.proper``).
        """
        output = self._output(X)
        proba = self.loss_.link.inverse(output)
        return np.column_stack([1.0 - proba, proba]) if proba.ndim == 1 else proba

    @available_if(_is_probability_model)
    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """The log of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The class of the largest margin (binary: ``classes_[1]`` where the logit is > 0)."""
        margin = self.decision_function(X)
        if margin.ndim == 1:
            return self.classes_[(margin > 0).astype(np.int64)]
        return self.classes_[np.argmax(margin, axis=1)]
