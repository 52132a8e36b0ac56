"""scikit-learn estimators that boost trees under any losslab loss, with XGBoost or LightGBM.

``XGBoostLossRegressor``, ``XGBoostLossClassifier``, ``LightGBMLossRegressor``
and ``LightGBMLossClassifier`` train through :func:`~losslab.custom.xgboost_params`
and :func:`~losslab.custom.lightgbm_params`, so they start from the loss's
optimal constant and, with ``hessian=`` set to the booster's name, grow the
trees of the corresponding built-in objective. Predictions go through the
loss's link: ``predict`` gives values (the mean for log-link losses) or
labels, ``predict_proba`` probabilities (only for losses that are proper
probability models), a classifier's ``decision_function`` the raw margins. They follow the
scikit-learn API (``clone``, ``get_params``, pickling, ``Pipeline``,
``GridSearchCV``); ``params`` passes any other booster parameter.

>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> names = np.array(["setosa", "versicolor", "virginica"])[y]
>>> clf = XGBoostLossClassifier("cross_entropy", n_estimators=5).fit(X, names)
>>> clf.classes_.tolist(), clf.predict(X[:1]).tolist()
(['setosa', 'versicolor', 'virginica'], ['setosa'])
>>> np.allclose(clf.predict_proba(X).sum(axis=1), 1.0)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from losslab.custom._boosters import import_booster, lightgbm_params, resolve_loss, xgboost_params
from losslab.losses import Loss
from losslab.runs import fits_task

__all__ = [
    "LightGBMLossClassifier",
    "LightGBMLossRegressor",
    "XGBoostLossClassifier",
    "XGBoostLossRegressor",
]


class _Booster(BaseEstimator):
    """Training and raw margins shared by the four estimators; a booster subclass each."""

    def _loss(self, n_classes: int | None = None) -> Loss:
        spec = self.loss
        if spec is None:
            spec = "mse" if n_classes is None else "bce_with_logits"
            if n_classes is not None and n_classes > 2:
                spec = "cross_entropy"
        loss = resolve_loss(spec)
        task = "regression" if n_classes is None else "binary" if n_classes == 2 else "multiclass"
        if not fits_task(loss.task, task):
            raise ValueError(f"loss {loss.name!r} is for {loss.task}, not {task} targets")
        return loss

    def _fit(self, X: ArrayLike, y: np.ndarray, sample_weight: ArrayLike | None) -> None:
        if len(y) < 2:
            raise ValueError(f"n_samples={len(y)}: boosting needs at least 2 samples")
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if w is not None and w.shape != (len(y),):
            raise ValueError(f"sample_weight must have shape ({len(y)},), got {w.shape}")
        self.booster_ = self._train(X, y, w)

    def _raw(self, X: ArrayLike) -> np.ndarray:
        """The raw margins: ``y_pred`` for the loss, shape (n,) or (n, K)."""
        check_is_fitted(self, "booster_")
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        return self._margins(X)

    def _predictions(self, X: ArrayLike) -> np.ndarray:
        """What the margins stand for, through the loss's head and link."""
        margin = self._raw(X)
        link = self.loss_.link
        return np.asarray(link.inverse(link.head_forward(margin)))

    def _train(self, X: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> Any:
        """The trained booster (each booster's subclass)."""
        raise NotImplementedError

    def _margins(self, X: np.ndarray) -> np.ndarray:
        """The booster's raw margins for ``X`` (each booster's subclass)."""
        raise NotImplementedError

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class _XGBoost(_Booster):
    def __init__(
        self,
        loss: Loss | str | None = None,
        *,
        n_estimators: int = 100,
        learning_rate: float = 0.3,
        max_depth: int = 6,
        hessian: str = "exact",
        base_score: bool | float = True,
        params: dict[str, Any] | None = None,
        random_state: int | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.loss = loss
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.hessian = hessian
        self.base_score = base_score
        self.params = params
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _train(self, X: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> Any:
        xgboost = import_booster("xgboost")

        setup = xgboost_params(self.loss_, y, w, hessian=self.hessian, base_score=self.base_score)
        params = {"eta": self.learning_rate, "max_depth": self.max_depth}
        if self.random_state is not None:
            params["seed"] = self.random_state
        if self.n_jobs is not None:
            params["nthread"] = self.n_jobs
        data = xgboost.DMatrix(X, label=y, weight=w)
        params = {**params, **(self.params or {}), **setup.params}
        return xgboost.train(params, data, num_boost_round=self.n_estimators, obj=setup.obj)

    def _margins(self, X: np.ndarray) -> np.ndarray:
        xgboost = import_booster("xgboost")

        return np.asarray(self.booster_.predict(xgboost.DMatrix(X), output_margin=True))


class _LightGBM(_Booster):
    def __init__(
        self,
        loss: Loss | str | None = None,
        *,
        n_estimators: int = 100,
        learning_rate: float = 0.1,
        num_leaves: int = 31,
        min_child_samples: int = 20,
        hessian: str = "exact",
        base_score: bool | float = True,
        params: dict[str, Any] | None = None,
        random_state: int | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.loss = loss
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.hessian = hessian
        self.base_score = base_score
        self.params = params
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _train(self, X: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> Any:
        lightgbm = import_booster("lightgbm")

        setup = lightgbm_params(self.loss_, y, w, hessian=self.hessian, base_score=self.base_score)
        params: dict[str, Any] = {
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "verbose": -1,
        }
        if self.random_state is not None:
            params["seed"] = self.random_state
        if self.n_jobs is not None:
            params["num_threads"] = self.n_jobs
        data = lightgbm.Dataset(X, label=y, weight=w, init_score=setup.init_score)
        try:
            return lightgbm.train(
                {**params, **(self.params or {}), **setup.params},
                data,
                num_boost_round=self.n_estimators,
                callbacks=setup.callbacks,
            )
        except lightgbm.basic.LightGBMError as exc:
            # LightGBM drops every feature no split of which can leave min_child_samples on
            # each side; with none left, a custom objective fails in its C++ checks.
            if "num_features" not in str(exc):
                raise
            raise ValueError(
                f"LightGBM kept no feature to split on: {len(y)} samples cannot fill two "
                f"leaves of min_child_samples={self.min_child_samples}; lower it"
            ) from exc

    def _margins(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster_.predict(X, raw_score=True))


class _Regressor(RegressorMixin):
    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> _Regressor:
        """Boost ``n_estimators`` trees under the loss, from its optimal constant.

        Args:
            X: features, shape (n, d); NaN marks a missing value.
            y: real targets, shape (n,), in the loss's domain (counts for
                ``poisson_nll``, positive amounts for ``gamma_nll``).
            sample_weight: optional non-negative weights, shape (n,).
        """
        X, y = validate_data(
            self, X, y, y_numeric=True, ensure_all_finite="allow-nan", dtype=np.float64
        )
        self.loss_ = self._loss()
        self._fit(X, y, sample_weight)
        return self

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The prediction the margin stands for: a value, or a mean (exp for log-link losses)."""
        return self._predictions(X)


def _states_probabilities(estimator: Any) -> bool:
    """Whether ``predict_proba`` means something: the loss is a proper probability model."""
    loss = getattr(estimator, "loss_", None)
    if loss is None:
        try:
            loss = resolve_loss("cross_entropy" if estimator.loss is None else estimator.loss)
        except (TypeError, ValueError):
            return True  # fit checks the loss, and refuses it clearly
    try:
        return bool(loss.properties.proper)
    except TypeError:
        return True  # a custom loss that states no properties: taken at its word


class _Classifier(ClassifierMixin):
    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> _Classifier:
        """Boost trees under the loss on labels of any kind (``classes_`` keeps them).

        A binary loss (``bce_with_logits``) needs two classes; a loss on rows
        of logits (``cross_entropy``) takes two or more. The booster starts
        from the loss's optimal constant (the base-rate log-odds, the log class
        frequencies).
        """
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y must hold at least two classes, got one class: {self.classes_}")
        self.loss_ = self._loss(len(self.classes_))
        binary = not self.loss_.link.rows
        self._fit(X, encoded.astype(np.float64 if binary else np.int64), sample_weight)
        return self

    @available_if(_states_probabilities)
    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities through the loss's link: shape (n, n_classes), rows sum to 1."""
        p = self._predictions(X)
        return p if p.ndim == 2 else np.column_stack([1.0 - p, p])

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """The raw margins: ``y_pred`` for the loss, shape (n,) (binary) or (n, K)."""
        return self._raw(X)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The label of the largest margin (binary: margin > 0), as given to ``fit``."""
        margin = self._raw(X)
        index = np.argmax(margin, axis=1) if margin.ndim == 2 else (margin > 0).astype(int)
        return self.classes_[index]


class XGBoostLossRegressor(_Regressor, _XGBoost):
    """XGBoost regression under any losslab loss (``mse`` by default).

    Args:
        loss: a loss, a catalogue name or a spec (``"pseudo_huber:delta=2"``).
        n_estimators: boosting rounds.
        learning_rate: XGBoost's ``eta``.
        max_depth: the trees' depth.
        hessian: ``"exact"`` or ``"xgboost"`` (:func:`~losslab.custom.xgboost_params`).
        base_score: ``True``: start from the loss's optimal constant;
            ``False``: from 0; a number: from that margin.
        params: any other XGBoost parameter (``{"lambda": 2.0}``).
        random_state: XGBoost's ``seed``.
        n_jobs: XGBoost's ``nthread``.
    """


class XGBoostLossClassifier(_Classifier, _XGBoost):
    """XGBoost classification under any losslab loss (binary or on rows of logits).

    The arguments are those of :class:`XGBoostLossRegressor`; ``loss`` defaults
    to ``bce_with_logits`` for two classes and ``cross_entropy`` for more.
    """


class LightGBMLossRegressor(_Regressor, _LightGBM):
    """LightGBM regression under any losslab loss (``mse`` by default).

    Args:
        loss: a loss, a catalogue name or a spec (``"tweedie:power=1.2"``).
        n_estimators: boosting rounds.
        learning_rate: LightGBM's ``learning_rate``.
        num_leaves: leaves per tree.
        min_child_samples: LightGBM's ``min_data_in_leaf``.
        hessian: ``"exact"`` or ``"lightgbm"`` (:func:`~losslab.custom.lightgbm_params`).
        base_score: ``True``: start from the loss's optimal constant;
            ``False``: from 0; a number: from that margin.
        params: any other LightGBM parameter (``{"lambda_l2": 1.0}``).
        random_state: LightGBM's ``seed``.
        n_jobs: LightGBM's ``num_threads``.
    """


class LightGBMLossClassifier(_Classifier, _LightGBM):
    """LightGBM classification under any losslab loss (binary or on rows of logits).

    The arguments are those of :class:`LightGBMLossRegressor`; ``loss`` defaults
    to ``bce_with_logits`` for two classes and ``cross_entropy`` for more.
    """
