"""CSV files as users have them: unscaled, categorical, with missing values.

Every file is written in the test (tmp_path). The references are scikit-learn's
own transformers fitted on the training rows of the split, so a statistic
taken from a validation row (leakage) makes the comparison fail.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from typer.testing import CliRunner

from losslab import datasets
from losslab.cli import app
from losslab.runs import RunSpec, prepare


def _write(tmp_path, name: str, frame: pd.DataFrame):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def unscaled(tmp_path):
    """Two features in very different units (areas ~1000, smoothness ~0.1), a binary target."""
    rng = np.random.default_rng(0)
    area = rng.normal(1000.0, 300.0, 120)
    smooth = rng.normal(0.1, 0.02, 120)
    label = (0.01 * (area - 1000) + 80 * (smooth - 0.1) + rng.normal(0, 1, 120) > 0).astype(int)
    frame = pd.DataFrame({"area": area, "smoothness": smooth, "malignant": label})
    return _write(tmp_path, "unscaled.csv", frame), frame


@pytest.fixture
def categorical(tmp_path):
    """A numeric and a string feature; "violet" is in one row only, a regression target."""
    rng = np.random.default_rng(1)
    colour = rng.choice(["red", "green", "blue"], 60).astype(object)
    colour[17] = "violet"
    size = rng.uniform(0, 10, 60)
    price = 2.0 * size + np.select([colour == "red", colour == "green"], [5.0, -5.0], 0.0)
    frame = pd.DataFrame({"size": size, "colour": colour, "price": price})
    return _write(tmp_path, "categorical.csv", frame), frame


@pytest.fixture
def with_gaps(tmp_path):
    """Missing numbers in two columns (data rows 3, 8 and 5) and a missing category (row 11)."""
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "x": rng.normal(5.0, 2.0, 40),
            "z": rng.normal(-3.0, 1.0, 40),
            "kind": rng.choice(["a", "b"], 40).astype(object),
            "y": rng.normal(0.0, 1.0, 40),
        }
    )
    frame.loc[[2, 7], "x"] = np.nan  # data rows 3 and 8 as a user counts them
    frame.loc[4, "z"] = np.nan
    frame.loc[10, "kind"] = np.nan
    return _write(tmp_path, "gaps.csv", frame), frame


def test_standardised_with_training_statistics_only(unscaled):
    path, frame = unscaled
    data = datasets.csv(path, target="malignant")
    assert data.task == "binary"
    parts = data.split(val_fraction=0.25, seed=3)
    raw = frame[["area", "smoothness"]].to_numpy()
    scaler = StandardScaler().fit(raw[parts.train_rows])
    np.testing.assert_allclose(parts.X_train, scaler.transform(raw[parts.train_rows]), rtol=1e-12)
    np.testing.assert_allclose(parts.X_val, scaler.transform(raw[parts.val_rows]), rtol=1e-12)
    fitted_scaler = parts.transformer.named_transformers_["numeric"][-1]
    np.testing.assert_allclose(fitted_scaler.mean_, raw[parts.train_rows].mean(axis=0))
    # Scaling fitted on every row (the leak) gives other validation features.
    leaky = StandardScaler().fit(raw).transform(raw[parts.val_rows])
    assert np.abs(leaky - parts.X_val).max() > 1e-3
    np.testing.assert_allclose(parts.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(parts.X_train.std(axis=0), 1.0, rtol=1e-12)
    # X (every row, for runs without validation) is scaled by every row.
    np.testing.assert_allclose(data.X, StandardScaler().fit_transform(raw), rtol=1e-12)
    assert sorted(np.concatenate([parts.train_rows, parts.val_rows]).tolist()) == list(range(120))


def test_standardize_false_keeps_raw_units(unscaled):
    path, frame = unscaled
    for spelling in (False, "false", "no", 0):
        data = datasets.csv(path, target="malignant", standardize=spelling)
        parts = data.split(val_fraction=0.25, seed=0)
        np.testing.assert_array_equal(
            parts.X_val, frame[["area", "smoothness"]].to_numpy()[parts.val_rows]
        )
    assert "raw units" in data.description
    spec = datasets.load_spec(f"csv:path='{path}',target=malignant,standardize=false")
    assert spec.params["standardize"] is False
    np.testing.assert_array_equal(spec.X, frame[["area", "smoothness"]].to_numpy())


def test_bundled_data_is_scaled_on_the_training_split():
    data = datasets.load("breast_cancer")
    parts = data.split(val_fraction=0.25, seed=1)
    raw = datasets.load("breast_cancer", standardize="false").X
    scaler = StandardScaler().fit(raw[parts.train_rows])
    np.testing.assert_allclose(parts.X_val, scaler.transform(raw[parts.val_rows]), rtol=1e-10)
    assert datasets.load("iris", standardize=False).preprocessing is None


def test_categorical_columns_are_one_hot_encoded(categorical):
    path, frame = categorical
    data = datasets.csv(path, target="price", standardize=False)
    assert data.task == "regression"
    assert data.feature_names == (
        "size", "colour_blue", "colour_green", "colour_red", "colour_violet",
    )  # fmt: skip
    # The split whose validation part holds row 17, the only "violet".
    seed = next(s for s in range(50) if 17 in data.split(0.25, s).val_rows)
    parts = data.split(0.25, seed)
    assert parts.feature_names == ("size", "colour_blue", "colour_green", "colour_red")
    encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    encoder.fit(frame[["colour"]].iloc[parts.train_rows])
    np.testing.assert_array_equal(
        parts.X_val[:, 1:], encoder.transform(frame[["colour"]].iloc[parts.val_rows])
    )
    violet = np.flatnonzero(parts.val_rows == 17)[0]
    np.testing.assert_array_equal(parts.X_val[violet, 1:], 0.0)  # unseen: all zeros
    np.testing.assert_array_equal(parts.X_val[:, 0], frame["size"].to_numpy()[parts.val_rows])
    # A run on that split builds its model for the split's four columns.
    run = prepare(RunSpec(data, "mse", seed=seed, epochs=1))
    assert run.model.n_features == 4


def test_ordinal_encoding_and_scaling(categorical):
    path, frame = categorical
    data = datasets.csv(path, target="price", encode="ordinal", standardize=False)
    assert data.feature_names == ("size", "colour")
    codes = {"blue": 0, "green": 1, "red": 2, "violet": 3}
    np.testing.assert_array_equal(data.X[:, 1], frame["colour"].map(codes).to_numpy())
    scaled = datasets.csv(path, target="price", encode="ordinal").split(0.25, 0)
    np.testing.assert_allclose(scaled.X_train.mean(axis=0), 0.0, atol=1e-12)


def test_missing_values_are_refused_with_column_and_rows(with_gaps):
    path, _ = with_gaps
    with pytest.raises(ValueError, match="impute=median, mean or most_frequent") as error:
        datasets.csv(path, target="y")
    message = str(error.value)
    assert "column 'x' in rows 3, 8" in message
    assert "column 'z' in row 5" in message
    assert "column 'kind' in row 11" in message
    assert "row k is line k + 1 of the file" in message
    lines = path.read_text().splitlines()
    assert lines[3].startswith(",")
    assert lines[8].startswith(",")


def test_many_missing_rows_are_cut_short(tmp_path):
    frame = pd.DataFrame({"a": [np.nan] * 15 + [1.0], "y": np.arange(16.0)})
    path = _write(tmp_path, "holes.csv", frame)
    with pytest.raises(ValueError, match=r"rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 5 more"):
        datasets.csv(path, target="y")


def test_missing_target_is_always_refused(tmp_path):
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": [1.0, np.nan, 0.5]})
    path = _write(tmp_path, "target.csv", frame)
    with pytest.raises(ValueError, match=r"target column 'y' has missing values in row 2"):
        datasets.csv(path, target="y", impute="median")


@pytest.mark.parametrize("strategy", ["median", "mean", "most_frequent"])
def test_imputation_fitted_on_training_rows(with_gaps, strategy):
    path, frame = with_gaps
    data = datasets.csv(path, target="y", impute=strategy, standardize=False)
    parts = data.split(val_fraction=0.3, seed=4)
    numbers = frame[["x", "z"]]
    imputer = SimpleImputer(strategy=strategy).fit(numbers.iloc[parts.train_rows])
    np.testing.assert_allclose(
        parts.X_val[:, :2], imputer.transform(numbers.iloc[parts.val_rows]), rtol=1e-12
    )
    np.testing.assert_allclose(
        parts.X_train[:, :2], imputer.transform(numbers.iloc[parts.train_rows]), rtol=1e-12
    )
    assert np.isfinite(parts.X_train).all()
    assert np.isfinite(parts.X_val).all()
    # The missing category takes the training rows' most frequent one: one 1 per row.
    np.testing.assert_array_equal(parts.X_train[:, 2:].sum(axis=1), 1.0)
    np.testing.assert_array_equal(parts.X_val[:, 2:].sum(axis=1), 1.0)
    assert f"imputed ({strategy})" in data.description


def test_bad_options_name_the_argument(unscaled):
    path, _ = unscaled
    with pytest.raises(ValueError, match=r"encode must be one of onehot, ordinal, got 'binary'"):
        datasets.csv(path, target="malignant", encode="binary")
    with pytest.raises(ValueError, match=r"impute must be one of median, mean, most_frequent"):
        datasets.csv(path, target="malignant", impute="zero")
    with pytest.raises(ValueError, match=r"standardize must be true or false, got 'maybe'"):
        datasets.csv(path, target="malignant", standardize="maybe")
    with pytest.raises(ValueError, match="standardize must be true or false"):
        datasets.load("wine", standardize="sometimes")
    assert datasets.csv(path, target="malignant", impute="none").preprocessing.impute is None


# ---------------------------------------------------------------- the command line


def _compare(*args: str):
    return CliRunner().invoke(
        app, ["compare", *args, "--seeds", "2", "--epochs", "30", "--no-progress"],
        env={"COLUMNS": "220", "NO_COLOR": "1"},
    )  # fmt: skip


def test_cli_refuses_missing_values_with_rows_then_imputes(with_gaps):
    path, _ = with_gaps
    refused = _compare("--dataset", f"csv:path='{path}',target=y", "--losses", "mse")
    assert refused.exit_code == 2
    assert "Error: dataset:" in refused.output
    assert "column 'x' in rows 3, 8" in refused.output
    assert "Traceback" not in refused.output
    imputed = _compare("--dataset", f"csv:path='{path}',target=y,impute=median", "--losses",
                       "mse,mae")  # fmt: skip
    assert imputed.exit_code == 0, imputed.output
    assert "constant (mse)" in imputed.output


def test_cli_trains_on_categorical_and_unscaled_files(categorical, unscaled):
    path, _ = categorical
    result = _compare("--dataset", f"csv:path='{path}',target=price,encode=ordinal", "--losses",
                      "huber")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Ranked by val_rmse" in result.output
    path, _ = unscaled
    bad = _compare("--dataset", f"csv:path='{path}',target=malignant,encode=hash", "--losses",
                   "hinge")  # fmt: skip
    assert bad.exit_code == 2
    assert "encode must be one of onehot, ordinal" in bad.output
