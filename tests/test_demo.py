"""``losslab demo``: the report runs every section and judges every claim by losslab.claims."""

from __future__ import annotations

import dataclasses
import html
import re
import time

from typer.testing import CliRunner

from losslab import claims, demo
from losslab.cli import app
from losslab.experiments.demo import confidence

URL = re.compile(r"https?://")


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


def capture_run_demo(monkeypatch) -> list[demo.DemoResult]:
    """Make ``losslab demo`` keep the DemoResult it prints, for the test to read."""
    made: list[demo.DemoResult] = []
    real = demo.run_demo

    def run_demo(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(demo, "run_demo", run_demo)
    return made


def test_demo_command_runs_fast_and_writes_report(tmp_path, monkeypatch) -> None:
    made = capture_run_demo(monkeypatch)
    start = time.perf_counter()
    result = invoke("demo", "--out", str(tmp_path / "demo"))
    seconds = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    page = (tmp_path / "demo" / "index.html").read_text()
    assert URL.search(page) is None
    for section in ("a. ", "b. ", "c. ", "d. ", "e. ", "f. ", "g. "):
        assert f"<h2>{section}" in page
    assert "NO" not in result.output.split()  # every claim holds on seed 0
    assert "report:" in result.output
    # Measured 15-20 s on 2 idle cores (report included); the issue allows 120 s, which
    # this test holds even when the suite's other worker shares the cores.
    assert seconds < 120

    # The summary judges every claim once, and its holds column is claims.evaluate on
    # the very results the report drew.
    (made,) = made
    rows = made.summary.to_dict("records")
    assert [row["claim"] for row in rows] == [claim.statement for claim in claims.CLAIMS]
    for row, claim in zip(rows, claims.CLAIMS, strict=True):
        verdict = claims.evaluate(claim, made.results[claim.experiment])
        assert (row["holds"], row["measured"], row["rule"]) == (
            verdict.holds,
            verdict.text,
            claim.rule,
        )
        assert verdict.holds, (claim.name, verdict.failed)
        assert html.escape(verdict.text, quote=False) in page


def test_a_claim_that_fails_shows_no_in_the_report_and_the_command(tmp_path, monkeypatch) -> None:
    # Only the confidence section, which trains nothing, and no loss-shape figures: the
    # command runs in under a second.
    failing = dataclasses.replace(
        claims.get("confident_wrong"), conditions=(claims.Condition("wrong_ratio", ">=", 1e6),)
    )
    monkeypatch.setattr(
        claims, "CLAIMS", tuple(failing if c.name == failing.name else c for c in claims.CLAIMS)
    )
    monkeypatch.setattr(demo, "SECTIONS", (("f", demo._confidence),))
    monkeypatch.setattr(demo, "_shapes", lambda report: None)
    made = capture_run_demo(monkeypatch)
    result = invoke("demo", "--out", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    (made,) = made
    (row,) = made.summary.to_dict("records")
    verdict = claims.evaluate(failing, made.results["confidence"])
    assert not verdict.holds
    assert verdict.failed == ("wrong_ratio ≥ 1e+06 (measured 21.85)",)
    assert (row["claim"], row["holds"], row["rule"]) == (
        failing.statement,
        False,
        "wrong_ratio ≥ 1e+06",
    )
    assert "NO" in result.output.split()
    assert "wrong_ratio ≥ 1e+06" in (tmp_path / "demo" / "index.html").read_text()


def test_summary_rows_judges_only_the_claims_of_the_results_given() -> None:
    result = confidence()
    (row,) = demo.summary_rows("f", {"confidence": result, "unclaimed": object()})
    verdict = claims.evaluate(claims.get("confident_wrong"), result)
    assert row == {
        "section": "f",
        "claim": claims.get("confident_wrong").statement,
        "measured": verdict.text,
        "rule": claims.get("confident_wrong").rule,
        "holds": True,
    }
