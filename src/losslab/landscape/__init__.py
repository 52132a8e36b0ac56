"""Loss landscapes: exact surfaces, slices of networks, curvature, trajectories, figures.

Training is finding the lowest point of a landscape (seed 000). This package
draws that landscape exactly and measures its shape: where the bowl is convex,
where a saddle or a plateau slows the optimizer down.

The figures, the HTML page and :func:`run_landscape` draw with matplotlib
(``pip install 'losslab[plot]'``) and are imported on first use; the
surfaces, directions and curvature need only the core.
Every function that takes an objective takes a ``losslab.torch.Objective``
too, so it measures any ``torch.nn.Module`` the same way.
"""

from typing import Any

from losslab.landscape._curvature import (
    Eigenvalues,
    Objective,
    PointClass,
    TraceEstimate,
    classify_point,
    extreme_eigenvalues,
    hessian,
    hutchinson_trace,
)
from losslab.landscape._demos import convex_bowl, sigmoid_plateau, xor_saddle, xor_saddle_point
from losslab.landscape._directions import (
    filter_normalize,
    hessian_directions,
    random_direction,
    random_plane,
)
from losslab.landscape._params import Coordinate, flatten, parse_coordinate, set_flat, unflatten
from losslab.landscape._spectrum import (
    LanczosRun,
    SpectralDensity,
    TopEigenvalues,
    lanczos,
    spectral_density,
    top_eigenvalues,
)
from losslab.landscape._surface import Line, Surface, grid_surface, interpolate, plane_surface
from losslab.landscape._trajectory import (
    PCAPlane,
    TrajectoryRecorder,
    pca_plane,
    random_walk_control,
    train_with_trajectory,
    trainable_view,
)

__all__ = [
    "PLANES",
    "Coordinate",
    "Eigenvalues",
    "LanczosRun",
    "Line",
    "Objective",
    "PCAPlane",
    "PointClass",
    "Section",
    "SpectralDensity",
    "Surface",
    "TopEigenvalues",
    "TraceEstimate",
    "TrajectoryRecorder",
    "classify_point",
    "compare_figure",
    "contour_figure",
    "convex_bowl",
    "extreme_eigenvalues",
    "filter_normalize",
    "flatten",
    "grid_surface",
    "hessian",
    "hessian_directions",
    "hutchinson_trace",
    "interpolate",
    "lanczos",
    "landscape_section",
    "line_figure",
    "parse_coordinate",
    "pca_figure",
    "pca_plane",
    "plane_surface",
    "png_base64",
    "random_direction",
    "random_plane",
    "random_walk_control",
    "render_page",
    "run_landscape",
    "save_figure",
    "set_flat",
    "sigmoid_plateau",
    "spectral_density",
    "surface3d_figure",
    "top_eigenvalues",
    "train_with_trajectory",
    "trainable_view",
    "unflatten",
    "write_page",
    "xor_saddle",
    "xor_saddle_point",
]

_DRAWN = {
    "compare_figure": "_figures",
    "contour_figure": "_figures",
    "line_figure": "_figures",
    "pca_figure": "_figures",
    "png_base64": "_figures",
    "save_figure": "_figures",
    "surface3d_figure": "_figures",
    "Section": "_page",
    "landscape_section": "_page",
    "render_page": "_page",
    "write_page": "_page",
    "PLANES": "_run",
    "run_landscape": "_run",
}


def __getattr__(name: str) -> Any:
    if name not in _DRAWN:
        raise AttributeError(f"module 'losslab.landscape' has no attribute {name!r}")
    import importlib

    from losslab._optional import require

    require("plot", f"losslab.landscape.{name}")
    value = getattr(importlib.import_module(f"losslab.landscape.{_DRAWN[name]}"), name)
    globals()[name] = value
    return value
