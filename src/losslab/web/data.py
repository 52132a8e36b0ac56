"""Datasets for the web app: the spec-to-loader mapping and the store of uploaded CSVs."""

from __future__ import annotations

import inspect
import tempfile
import threading
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from losslab import datasets
from losslab.web import defaults, limits
from losslab.web.errors import NotFoundError
from losslab.web.schemas import DatasetInfo, DatasetSpec, Point

# Data made at the server: everything but ``csv`` (uploads go through the store).
GENERATED = tuple(name for name in datasets.available() if name != "csv")
_KNOBS = (
    "n_samples", "noise", "outlier_fraction", "ratio", "flip_fraction", "separation", "seed",
)  # fmt: skip


class UploadStore:
    """Uploaded CSV datasets by id, the oldest dropped beyond :data:`limits.MAX_UPLOADS`."""

    def __init__(self, capacity: int = limits.MAX_UPLOADS) -> None:
        self._items: OrderedDict[str, datasets.Dataset] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def add(
        self, content: bytes, target: str, task: str | None, **options: Any
    ) -> tuple[str, datasets.Dataset]:
        """Parse ``content`` with :func:`losslab.datasets.csv` and keep it.

        ``options`` are the CSV options (``standardize``, ``encode``, ``impute``).

        Raises:
            ValueError: the library's message for a bad file, or too many rows.
        """
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload.csv"
            path.write_bytes(content)
            data = datasets.csv(path, target=target, task=task, **options)  # type: ignore[arg-type]
        if data.n_samples > limits.MAX_SAMPLES:
            raise ValueError(f"file has {data.n_samples} rows; at most {limits.MAX_SAMPLES}")
        upload_id = uuid.uuid4().hex
        with self._lock:
            self._items[upload_id] = data
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return upload_id, data

    def get(self, upload_id: str) -> datasets.Dataset:
        """The uploaded dataset.

        Raises:
            NotFoundError: an id the store does not hold.
        """
        with self._lock:
            data = self._items.get(upload_id)
        if data is None:
            raise NotFoundError(f"upload_id {upload_id!r} is unknown (uploads live until restart)")
        return data


def catalogue() -> list[DatasetInfo]:
    """The generated datasets with the knobs each takes, and their task."""
    infos = []
    for name in GENERATED:
        loader = datasets.loader(name)
        parameters = inspect.signature(loader).parameters
        accepted = [p for p in parameters if p in _KNOBS]
        small = datasets.load(name, **({"n_samples": 10} if "n_samples" in accepted else {}))
        task = small.task
        summary = (inspect.getdoc(loader) or "").splitlines()[0]
        knobs = {p: parameters[p].default for p in accepted}
        infos.append(
            DatasetInfo(
                name=name, task=task, params=accepted, description=summary,
                n_features=small.n_features,
                defaults=defaults.setup(name, task, knobs),
            )
        )  # fmt: skip
    return infos


def build(spec: DatasetSpec, store: UploadStore) -> datasets.Dataset:
    """The dataset a spec names; knobs its loader does not take are ignored.

    Raises:
        ValueError: an unknown name (from the library) or bad knob values.
        NotFoundError: an unknown upload id.
    """
    if spec.upload_id is not None:
        return store.get(spec.upload_id)
    if spec.name not in GENERATED:
        raise ValueError(f"dataset.name {spec.name!r} unknown; available: {', '.join(GENERATED)}")
    return datasets.load(spec.name, **knobs(spec))


def knobs(spec: DatasetSpec) -> dict[str, Any]:
    """The knobs ``spec`` sets that its generated dataset's loader takes."""
    accepted = inspect.signature(datasets.loader(spec.name)).parameters
    return {k: getattr(spec, k) for k in _KNOBS if k in accepted and getattr(spec, k) is not None}


def view_of(data: datasets.Dataset) -> str:
    """How the page draws the data: a fitted line, a decision boundary or predicted vs true."""
    if data.task == "regression" and data.n_features == 1:
        return "line"
    if data.task != "regression" and data.n_features == 2:
        return "boundary"
    return "parity"


def display_rows(n: int, seed: int = 0) -> np.ndarray:
    """Row indices to draw: all rows, or a seeded subsample of :data:`limits.DISPLAY_POINTS`."""
    if n <= limits.DISPLAY_POINTS:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, limits.DISPLAY_POINTS, replace=False))


def features(run: Any) -> np.ndarray:
    """Every row's features as the run's model reads them (a split's preprocessing).

    ``run`` is a :class:`losslab.runs.Run`; without a split this is the dataset's ``X``.
    """
    split = run.split
    if split is None or split.train_rows is None or split.val_rows is None:
        return run.dataset.X
    X = np.empty((run.dataset.n_samples, split.X_train.shape[1]))
    X[split.train_rows] = split.X_train
    X[split.val_rows] = split.X_val
    return X


def validation_mask(run: Any) -> np.ndarray:
    """Whether each row of the dataset is a validation row of ``run``."""
    mask = np.zeros(run.dataset.n_samples, dtype=bool)
    if run.split is not None and run.split.val_rows is not None:
        mask[run.split.val_rows] = True
    return mask


def points(X: np.ndarray, y: np.ndarray, rows: np.ndarray, val: np.ndarray) -> Point:
    """The drawn rows: at most the first two features, the targets, which are validation."""
    return Point(
        x=X[rows, :2].round(6).tolist(),
        y=np.asarray(y[rows], dtype=float).tolist(),
        val=val[rows].tolist(),
    )
