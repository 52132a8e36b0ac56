"""PyTorch, first class: the landscape and curvature tools on any ``torch.nn.Module``.

Imported only when PyTorch is installed (``pip install 'losslab[torch]'``).

- :class:`Objective`: the mean loss of a module over a data set as a function
  of its flat parameter vector, with exact Hessian-vector products by double
  backward, for :mod:`losslab.landscape` (``extreme_eigenvalues``,
  ``hutchinson_trace``, ``spectral_density``, ``random_plane``,
  ``plane_surface`` ...).
"""

try:
    import torch as _torch  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised only without torch
    raise ImportError(
        "losslab.torch needs PyTorch; install it with: pip install 'losslab[torch]'"
    ) from error

from losslab.torch._objective import Objective

__all__ = ["Objective"]
