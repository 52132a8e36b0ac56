"""``losslab advise`` on a CSV file, the HTML report, resuming from a store, and Dask."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from advisor_data import student_t_outliers
from typer.testing import CliRunner

from losslab.advisor import advise
from losslab.cli import app


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.fixture
def data_csv(tmp_path: Path) -> Path:
    X, y = student_t_outliers(seed=2)
    frame = pd.DataFrame(X[:200], columns=["a", "b", "c"])
    frame["colour"] = np.where(X[:200, 0] > 0, "red", "blue")
    frame["y"] = y[:200]
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path


def test_cli_json_is_the_record(data_csv):
    result = invoke("advise", str(data_csv), "--target", "y", "--json", "--folds", "3",
                    "--seeds", "1", "--candidates", "mae")  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["task"] == "regression"
    assert record["n_features"] == 5  # a, b, c and colour one-hot encoded
    labels = {row["label"] for row in record["comparison"]}
    assert {"mse", "mae", "huber", "cauchy", "tukey"} <= labels
    assert record["recommendation"]["label"] in labels
    assert any(rule["key"] == "heavy_tails" for rule in record["rules"])


def test_cli_prints_tables_and_writes_a_self_contained_report(data_csv, tmp_path):
    out = tmp_path / "report"
    result = invoke("advise", str(data_csv), "--target", "y", "--folds", "3", "--seeds", "1",
                    "--report", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Recommended:" in result.output
    assert "Runner-up:" in result.output
    assert "heavy_tails" in result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    figures = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,', page)
    assert len(figures) >= 8  # seven diagnostics and the differences
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "Breusch–Pagan" in page
    assert "Nadeau–Bengio" in page
    assert "losslab advise" in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "nope"], "target column 'nope' not in data.csv"),
        (["--target", "y", "--metric", "f1"], "--metric: metric 'f1' does not fit"),
        (["--target", "y", "--folds", "1"], "--folds: folds must be an integer >= 2"),
        (["--target", "y", "--cost-matrix", "0,1;1"], "--cost-matrix: every row"),
        (["--target", "y", "--cost-matrix", "0,1;1,0"], "--cost-matrix: cost_matrix is for"),
        (["--target", "y", "--candidates", "bce"], "--candidates: 'bce' is a binary loss"),
        (["--target", "y", "--scheduler", "nowhere"], "--scheduler: scheduler must be one of"),
    ],
)
def test_cli_bad_input(data_csv, args, message):
    result = invoke("advise", str(data_csv), *args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_cli_constant_target(tmp_path):
    path = tmp_path / "flat.csv"
    pd.DataFrame({"a": np.arange(20.0), "y": np.full(20, 2.5)}).to_csv(path, index=False)
    result = invoke("advise", str(path), "--target", "y")
    assert result.exit_code == 2
    assert "--target: y is constant" in result.output


def _small():
    X, y = student_t_outliers(seed=4)
    return X[:150], y[:150]


def test_a_reused_store_runs_nothing_new(tmp_path):
    X, y = _small()
    first = advise(X, y, folds=3, seeds=1, store=tmp_path / "store")
    assert first.runs_new == len(first.candidates) * 3
    assert first.runs_reused == 0
    again = advise(X, y, folds=3, seeds=1, store=tmp_path / "store")
    assert again.runs_new == 0
    assert again.runs_reused == first.runs_new
    assert again.comparison == first.comparison
    # One unit lost (a run interrupted there): only it runs again.
    next((tmp_path / "store" / "runs").glob("*.parquet")).unlink()
    resumed = advise(X, y, folds=3, seeds=1, store=tmp_path / "store")
    assert (resumed.runs_new, resumed.runs_reused) == (1, first.runs_new - 1)
    assert [r["mean"] for r in resumed.comparison] == [r["mean"] for r in first.comparison]
    # Other data: nothing of the store applies.
    other = advise(X, y + 1.0, folds=3, seeds=1, store=tmp_path / "store")
    assert other.runs_reused == 0


def test_a_sweep_folder_is_refused_as_store(tmp_path):
    from losslab.sweep import Store

    Store(tmp_path).write_manifest({"config_hash": "x"})
    X, y = _small()
    with pytest.raises(ValueError, match=r"store: .* holds a sweep.s results"):
        advise(X, y, folds=3, seeds=1, store=tmp_path)


def test_dask_gives_the_same_scores():
    distributed = pytest.importorskip("distributed")
    X, y = _small()
    here = advise(X, y, folds=3, seeds=1)
    synchronous = advise(X, y, folds=3, seeds=1, scheduler="synchronous")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        clustered = advise(X, y, folds=3, seeds=1, scheduler=client)
    key = [(r["label"], r["seed"], r["fold"], r["score"]) for r in here.scores]
    assert [(r["label"], r["seed"], r["fold"], r["score"]) for r in synchronous.scores] == key
    assert [(r["label"], r["seed"], r["fold"], r["score"]) for r in clustered.scores] == key
    assert clustered.recommended == here.recommended


def test_classification_report_and_terminal_output(tmp_path):
    from advisor_data import imbalanced
    from rich.console import Console

    from losslab.advisor import advice_report, print_advice

    advice = advise(*imbalanced(), metric="f1", folds=3, seeds=1)
    page = advice_report(advice, command="losslab advise x.csv --target y").write(tmp_path)
    html = page.read_text(encoding="utf-8")
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 5  # 4 diagnostics + differences
    for diagnostic in advice.diagnostics:
        assert diagnostic.name in html
    console = Console(record=True, width=200)
    print_advice(advice, console)
    text = console.export_text()
    assert "Recommended: " in text
    assert "imbalance" in text
    assert "focal+balanced" in text
