"""The HTML section and page, and the ``losslab landscape`` command."""

import re

from typer.testing import CliRunner

from losslab import claims, demo, plots
from losslab.cli import app
from losslab.landscape import convex_bowl, landscape_section, xor_saddle


def test_landscape_section_numbers_and_self_contained_html():
    section = landscape_section(resolution=15)
    assert section.numbers["XOR saddle: kind"] == "saddle"
    assert section.numbers["bowl: smallest Hessian eigenvalue"] > 0
    assert section.numbers["XOR saddle: smallest eigenvalue (Lanczos)"] < 0
    assert section.html.count("data:image/png;base64,") == 2
    assert not re.search(r"(src|href)=\"https?:", section.html)
    assert [name for name, _, _ in section.figures] == ["landscape_bowl", "landscape_xor_saddle"]


def test_landscape_section_draws_the_results_it_is_given():
    bowl, saddle = convex_bowl(seed=1), xor_saddle(seed=1)
    section = landscape_section(resolution=5, surface3d=False, bowl=bowl, saddle=saddle)
    assert section.numbers["bowl: smallest Hessian eigenvalue"] == bowl["smallest"]
    assert section.numbers["XOR saddle: smallest eigenvalue (Lanczos)"] == (
        saddle["point"].smallest_eigenvalue
    )
    # Seed 0, the default, draws other data: the numbers above came from the arguments.
    assert bowl["smallest"] != convex_bowl(seed=0)["smallest"]


def test_demo_report_has_the_landscape_section_and_its_numbers(tmp_path):
    assert ("g", demo._landscape) in demo.SECTIONS  # so `losslab demo` runs it
    report = plots.Report("demo")
    results = demo._landscape(report, "g", 0)
    rows = demo.summary_rows("g", results)
    page = report.write(tmp_path).read_text()
    assert "<h2>g. Loss landscapes: a convex bowl and a saddle</h2>" in page
    assert page.count("data:image/png;base64,") == 2
    assert (tmp_path / "figures" / "landscape_xor_saddle.png").stat().st_size > 1000
    for quantity in (
        "bowl: smallest Hessian eigenvalue",
        "XOR saddle: smallest eigenvalue (Lanczos)",
        "XOR saddle: kind",
        "gradient norm",
    ):
        assert quantity in page
    assert [row["claim"] for row in rows] == [
        claims.get(name).statement for name in ("convex_bowl", "xor_saddle", "sigmoid_plateau")
    ]
    assert [row["holds"] for row in rows] == [True, True, True]
    # Seed 0, measured: bowl eigenvalues 1.842 to 2.006; at the saddle -0.0418 (Lanczos),
    # equal to the predicted -||c|| to the 4 digits shown.
    bowl = claims.evaluate(claims.get("convex_bowl"), results["convex_bowl"]).measured
    saddle = claims.evaluate(claims.get("xor_saddle"), results["xor_saddle"]).measured
    assert 1.0 < bowl["smallest"] < 3.0
    assert f"{saddle['smallest']:.4f}" == f"{saddle['predicted_smallest']:.4f}"
    assert f"smallest eigenvalue {saddle['smallest']:.4f}" in rows[1]["measured"]


def test_cli_writes_figures_and_page(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "landscape",
            "--dataset",
            "linear:n_samples=50",
            "--loss",
            "mse",
            "--loss",
            "mae",
            "--resolution",
            "11",
            "--epochs",
            "20",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("surfaces", "contour_mse", "contour_mae"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
        assert (tmp_path / f"{name}.svg").read_text().lstrip().startswith("<?xml")
    page = (tmp_path / "index.html").read_text()
    assert "data:image/png;base64," in page
    assert "http://" not in page.split("<body>")[1]


def test_cli_mlp_pca_plane(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "landscape",
            "--dataset",
            "xor:n_samples=60",
            "--model",
            "mlp",
            "--loss",
            "bce_with_logits",
            "--plane",
            "pca",
            "--resolution",
            "9",
            "--epochs",
            "20",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pca.png").exists()
    assert (tmp_path / "interpolation.svg").exists()


def test_cli_bad_plane_exits_2_naming_it(tmp_path):
    result = CliRunner().invoke(app, ["landscape", "--plane", "bogus", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "plane must be one of" in result.output
