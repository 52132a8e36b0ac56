"""Datasets: reproducible generators, splits, real data, CSV loading and the registry."""

from __future__ import annotations

import numpy as np
import pytest

from losslab import datasets

GENERATED = {
    "linear": "regression",
    "linear_outliers": "regression",
    "heavy_tailed": "regression",
    "heteroscedastic": "regression",
    "sine": "regression",
    "blobs": "binary",
    "moons": "binary",
    "circles": "binary",
    "xor": "binary",
    "imbalanced": "binary",
    "spirals": "multiclass",
    "blobs_multiclass": "multiclass",
}


@pytest.mark.parametrize(("name", "task"), GENERATED.items())
def test_generators_are_seeded(name, task):
    a, b = datasets.load(name, seed=3), datasets.load(name, seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, datasets.load(name, seed=4).X)
    assert a.task == task
    assert a.name == name
    assert a.description
    assert a.X.dtype == np.float64
    assert a.X.ndim == 2
    assert a.y.shape == (a.n_samples,)
    assert np.isfinite(a.X).all()
    assert np.isfinite(a.y).all()
    assert a.params["seed"] == 3
    if task != "regression":
        assert a.y.dtype == np.int64
        assert set(np.unique(a.y)) == set(range(a.n_classes))


def test_available_lists_all_loaders():
    assert set(GENERATED) | {"diabetes", "breast_cancer", "iris", "wine", "csv"} == set(
        datasets.available()
    )


@pytest.mark.parametrize("kind", ["vertical", "leverage", "both"])
def test_outliers_are_the_chosen_fraction(kind):
    clean = datasets.linear(n_samples=200, n_features=1, seed=0)
    dirty = datasets.linear_outliers(n_samples=200, outlier_fraction=0.1, kind=kind, seed=0)
    # Same seed, same draws before the outliers: exactly 20 rows differ from the clean data.
    changed = (dirty.X[:, 0] != clean.X[:, 0]) | (dirty.y != clean.y)
    assert changed.sum() == 20
    if kind == "leverage":
        assert np.all(np.abs(dirty.X[changed, 0]) >= 5)
    if kind == "vertical":
        assert np.all(np.abs(dirty.y[changed] - clean.y[changed]) >= 10)


@pytest.mark.parametrize(
    "name", ["blobs", "moons", "circles", "xor", "spirals", "blobs_multiclass"]
)
def test_flip_fraction_changes_that_share_of_labels(name):
    clean = datasets.load(name, n_samples=300, seed=1)
    noisy = datasets.load(name, n_samples=300, flip_fraction=0.2, seed=1)
    np.testing.assert_array_equal(clean.X, noisy.X)
    assert np.sum(clean.y != noisy.y) == 60


def test_imbalanced_ratio():
    data = datasets.imbalanced(n_samples=500, ratio=0.05)
    assert data.y.sum() == 25


def test_heavy_tails_and_heteroscedastic_noise():
    t = datasets.heavy_tailed(n_samples=2000, df=1.5, seed=0)
    gauss = datasets.linear(n_samples=2000, seed=0)
    residual = lambda d: d.y - np.polyval(np.polyfit(d.X[:, 0], d.y, 1), d.X[:, 0])  # noqa: E731
    assert np.abs(residual(t)).max() > 5 * np.abs(residual(gauss)).max()
    h = datasets.heteroscedastic(n_samples=2000, seed=0)
    r, x = residual(h), np.abs(h.X[:, 0])
    assert r[x > 1].std() > 2.5 * r[x < 0.3].std()


def test_split_is_disjoint_stratified_and_seeded():
    data = datasets.imbalanced(n_samples=200, ratio=0.2)
    parts = data.split(val_fraction=0.25, seed=0)
    assert parts.X_train.shape == (150, 2)
    assert parts.X_val.shape == (50, 2)
    assert parts.y_val.sum() == 10
    assert parts.y_train.sum() == 30
    rows = {tuple(x) for x in parts.X_train} | {tuple(x) for x in parts.X_val}
    assert len(rows) == 200
    again = data.split(val_fraction=0.25, seed=0)
    np.testing.assert_array_equal(parts.X_val, again.X_val)
    assert not np.array_equal(parts.X_val, data.split(val_fraction=0.25, seed=1).X_val)
    with pytest.raises(ValueError, match="val_fraction"):
        data.split(val_fraction=1.0)


@pytest.mark.parametrize(
    ("name", "shape", "task", "n_classes"),
    [
        ("diabetes", (442, 10), "regression", 0),
        ("breast_cancer", (569, 30), "binary", 2),
        ("iris", (150, 4), "multiclass", 3),
        ("wine", (178, 13), "multiclass", 3),
    ],
)
def test_real_datasets(name, shape, task, n_classes):
    data = datasets.load(name)
    assert data.X.shape == shape
    assert data.task == task
    assert data.n_classes == n_classes
    np.testing.assert_allclose(data.X.mean(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(data.X.std(axis=0), 1, rtol=1e-10)
    raw = datasets.load(name, standardize=False)
    assert not np.allclose(raw.X.std(axis=0), 1)


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b,label,value\n1,2.5,cat,0.1\n2,3.5,dog,0.7\n3,1.0,cat,1.9\n")
    return path


def test_csv_classification_and_regression(csv_file):
    data = datasets.csv(csv_file, target="label")
    assert data.task == "binary"
    assert data.target_names == ("cat", "dog")
    np.testing.assert_array_equal(data.y, [0, 1, 0])
    by_value = datasets.csv(csv_file, target="value", standardize=False)
    assert by_value.task == "regression"
    assert by_value.feature_names == ("a", "b", "label_cat", "label_dog")  # a string column
    np.testing.assert_array_equal(by_value.X[:, 2:], [[1, 0], [0, 1], [1, 0]])
    csv_file.write_text("a,b,value\n1,2.5,0.1\n2,3.5,0.7\n3,1.0,1.9\n")
    data = datasets.load("csv", path=str(csv_file), target="value")
    assert data.task == "regression"
    assert data.X.shape == (3, 2)
    assert data.feature_names == ("a", "b")


def test_csv_errors(csv_file, tmp_path):
    with pytest.raises(ValueError, match=r"target column 'price' not in data\.csv"):
        datasets.csv(csv_file, target="price")
    nan_file = tmp_path / "nan.csv"
    nan_file.write_text("a,y\n1,0\n,1\n")
    with pytest.raises(ValueError, match=r"missing values \(NaN\) in column 'a' in row 2 "):
        datasets.csv(nan_file, target="y")
    with pytest.raises(ValueError, match="not a file"):
        datasets.csv(tmp_path / "absent.csv", target="y")


def test_load_spec_and_registry_errors():
    data = datasets.load_spec("linear_outliers:outlier_fraction=0.1,kind=leverage,n_samples=50")
    assert data.params["outlier_fraction"] == 0.1
    assert data.params["kind"] == "leverage"
    assert data.n_samples == 50
    with pytest.raises(ValueError, match="unknown dataset name 'lines'"):
        datasets.load("lines")
    with pytest.raises(ValueError, match="bad parameters"):
        datasets.load("moons", radius=2)
    with pytest.raises(ValueError, match="key=value"):
        datasets.load_spec("moons:noise")
    with pytest.raises(ValueError, match="outlier_fraction"):
        datasets.linear_outliers(outlier_fraction=1.5)
    with pytest.raises(ValueError, match="n_samples"):
        datasets.linear(n_samples=1)
