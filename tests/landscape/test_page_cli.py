"""The HTML section and page, and the ``losslab landscape`` command."""

import re

from typer.testing import CliRunner

from losslab import demo, plots
from losslab.cli import app
from losslab.landscape import landscape_section


def test_landscape_section_numbers_and_self_contained_html():
    section = landscape_section(resolution=15)
    assert section.numbers["XOR saddle: kind"] == "saddle"
    assert section.numbers["bowl: smallest Hessian eigenvalue"] > 0
    assert section.numbers["XOR saddle: smallest eigenvalue (Lanczos)"] < 0
    assert section.html.count("data:image/png;base64,") == 2
    assert not re.search(r"(src|href)=\"https?:", section.html)
    assert [name for name, _, _ in section.figures] == ["landscape_bowl", "landscape_xor_saddle"]


def test_demo_report_has_the_landscape_section_and_its_numbers(tmp_path):
    assert demo._landscape in demo.SECTIONS  # so `losslab demo` runs it
    report = plots.Report("demo")
    rows = demo._landscape(report, 0)
    page = report.write(tmp_path).read_text()
    assert "<h2>g. Loss landscapes: a convex bowl and a saddle</h2>" in page
    assert page.count("data:image/png;base64,") == 2
    assert (tmp_path / "figures" / "landscape_xor_saddle.png").stat().st_size > 1000
    for quantity in (
        "bowl: smallest Hessian eigenvalue",
        "XOR saddle: smallest eigenvalue (Lanczos)",
        "XOR saddle: kind",
    ):
        assert quantity in page
    assert [row["holds"] for row in rows] == [True, True]
    # Seed 0, measured: bowl eigenvalues 1.842 to 2.006; at the saddle -0.0418 (Lanczos),
    # equal to the predicted -||c|| to the 4 digits shown.
    measured = rows[0]["measured"] + " " + rows[1]["measured"]
    bowl = float(re.search(r"smallest Hessian eigenvalue ([-0-9.e]+) > 0", measured)[1])
    saddle = float(re.search(r"smallest eigenvalue (-[0-9.]+) \(predicted", measured)[1])
    predicted = float(re.search(r"= (-[0-9.]+)\)", measured)[1])
    assert 1.0 < bowl < 3.0
    assert saddle < 0
    assert saddle == predicted


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
