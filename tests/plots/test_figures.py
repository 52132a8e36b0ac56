"""Every figure draws from computed numbers, shows in Jupyter, and saves as PNG and SVG."""

from __future__ import annotations

import numpy as np
import pytest

from losslab import experiments as ex
from losslab import plots


@pytest.fixture(scope="module")
def classification():
    return ex.compare("blobs:n_samples=60", ["bce_with_logits", "hinge"], epochs=5, seeds=2)


@pytest.fixture(scope="module")
def regression():
    return ex.compare("linear_outliers:n_samples=60", ["mse", "huber"], epochs=5, seeds=2)


def figures(regression, classification):
    models = classification.models()
    data = classification.dataset
    curves = {k: classification.run(k).history.to_frame().reset_index() for k in models}
    tables = {k: ex.reliability(*classification.validation_probabilities(k)) for k in models}
    return {
        "convergence": plots.convergence(regression),
        "lines": plots.fitted_lines(
            ex.line_fits(regression.models(), regression.dataset.X, regression.dataset.y)
        ),
        "regions": plots.decision_boundaries(ex.decision_grid(models, data.X, data.y, 30)),
        "twin": plots.loss_and_accuracy(curves),
        "reliability": plots.reliability_diagram(tables),
        "shapes": plots.loss_shapes(ex.loss_curves(ex.parameter_family("huber", "delta", [1, 2]))),
    }


def test_every_figure_renders_inline_and_saves(tmp_path, regression, classification) -> None:
    for name, figure in figures(regression, classification).items():
        assert isinstance(figure, plots.LabFigure)
        assert figure._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
        png, svg = plots.save_figure(figure, tmp_path / name)
        assert png.stat().st_size > 1000
        assert svg.read_text().lstrip().startswith("<?xml")


def test_decision_boundaries_one_panel_per_loss(classification) -> None:
    data = classification.dataset
    grid = ex.decision_grid(classification.models(), data.X, data.y, resolution=20)
    assert set(grid.surfaces) == {"bce_with_logits", "hinge"}
    assert all(s.shape == (20, 20) for s in grid.surfaces.values())
    assert len(plots.decision_boundaries(grid).axes) >= 2


def test_line_fits_need_one_feature() -> None:
    with pytest.raises(ValueError, match=r"^X:"):
        ex.line_fits({}, np.zeros((3, 2)), np.zeros(3))
