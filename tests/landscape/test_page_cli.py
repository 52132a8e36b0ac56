"""The HTML section and page, and the ``losslab landscape`` command."""

import re

from typer.testing import CliRunner

from losslab.cli import app
from losslab.landscape import landscape_section


def test_landscape_section_numbers_and_self_contained_html():
    section = landscape_section(resolution=15)
    assert section.numbers["XOR saddle: kind"] == "saddle"
    assert section.numbers["bowl: smallest Hessian eigenvalue"] > 0
    assert section.numbers["XOR saddle: smallest eigenvalue (Lanczos)"] < 0
    assert section.html.count("data:image/png;base64,") == 2
    assert not re.search(r"(src|href)=\"https?:", section.html)


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
