"""The HTML report: self-contained, offline, with the command and configuration."""

from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from losslab import runs
from losslab.cli import app
from losslab.experiments import _compare
from losslab.plots import Report, check_folder, comparison_report
from losslab.plots import report as report_module

URL = re.compile(r"https?://")


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_cli_compare_writes_self_contained_report(tmp_path) -> None:
    out = tmp_path / "out"
    result = invoke(
        "compare", "--dataset", "linear_outliers:outlier_fraction=0.1", "--losses",
        "mse,mae,huber:delta=1", "--seeds", "5", "--epochs", "60", "--lr", "0.1",
        "--report", str(out), "--no-progress",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text()
    assert URL.search(page) is None
    assert page.count("data:image/png;base64,") == 3  # convergence, lines, shapes
    assert "<table" in page
    assert "val_rmse" in page
    assert "losslab compare --dataset linear_outliers:outlier_fraction=0.1" in page
    assert '"losses": [' in page
    assert (out / "figures" / "convergence.png").exists()
    assert (out / "figures" / "convergence.svg").exists()
    assert "huber:delta=1" in result.output
    assert "report:" in result.output


def test_classification_report_has_boundaries_and_calibration(tmp_path) -> None:
    result = _compare.compare("moons:n_samples=80", "bce_with_logits,focal:gamma=2", epochs=5,
                              seeds=2)  # fmt: skip
    comparison_report(result, tmp_path)
    page = (tmp_path / "index.html").read_text()
    assert URL.search(page) is None
    for title in ("Decision regions", "Loss and accuracy", "Calibration"):
        assert title in page
    config = json.loads(
        re.search(r"<pre>(\{.*?\})</pre>", page, re.S).group(1).replace("&quot;", '"')
    )
    assert config["losses"] == ["bce_with_logits", "focal:gamma=2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "linear", "--losses", "nope"], "losses:"),
        (["--dataset", "nope", "--losses", "mse"], "dataset:"),
        (["--dataset", "linear", "--losses", "cross_entropy"], "losses:"),
    ],
)
def test_cli_bad_input_exits_2(args, message) -> None:
    result = invoke("compare", *args, "--no-progress")
    assert result.exit_code == 2
    assert "Error: " + message in result.output


def test_unwritable_report_folder_fails_before_training(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ValueError, match=r"^report:"):
        check_folder(blocker)
    with pytest.raises(ValueError, match=r"^report:"):
        check_folder(blocker / "below")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(ValueError, match=r"^report:"):
            check_folder(locked)
    monkeypatch.setattr(runs, "fit", lambda *a, **k: pytest.fail("training started"))
    result = invoke("compare", "--dataset", "linear", "--losses", "mse", "--report",
                    str(blocker / "below"), "--no-progress")  # fmt: skip
    assert result.exit_code == 2
    assert "Error: report:" in result.output


def test_ctrl_c_writes_the_finished_runs_and_exits_130(tmp_path, monkeypatch) -> None:
    real_fit = runs.fit
    calls = []

    def fit(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(runs, "fit", fit)
    result = invoke("compare", "--dataset", "linear", "--losses", "mse,mae", "--epochs", "5",
                    "--report", str(tmp_path), "--no-progress")  # fmt: skip
    assert result.exit_code == 130
    page = (tmp_path / "index.html").read_text()
    assert "Interrupted" in page
    assert "3 of 10 runs finished" in page


def test_report_escapes_text() -> None:
    report = Report("a <b>")
    report.section("s", "x < y & z")
    page = report.html()
    assert "a &lt;b&gt;" in page
    assert "x &lt; y &amp; z" in page


def test_csv_report_draws_the_rows_as_the_models_read_them(tmp_path) -> None:
    path = tmp_path / "line.csv"
    rows = "\n".join(f"{100 + 10 * i},{3 * i + (7 if i == 5 else 0)}" for i in range(40))
    path.write_text(f"x,y\n{rows}\n")
    result = _compare.compare(f"csv:path='{path}',target=y", "mse,mae", epochs=5, seeds=1)
    page = comparison_report(result, tmp_path / "out").html()
    assert "Fitted lines" in page
    assert "constant (mse)" in page
    run = result.runs[0]
    X, _ = report_module._drawn_rows(run)
    assert X.shape == (40, 1)
    np.testing.assert_allclose(X[: len(run.split.X_train)], run.split.X_train)
