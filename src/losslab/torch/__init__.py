"""losslab for PyTorch users: every catalogue loss as torch operations, twice differentiable.

- :func:`loss` (``losslab.torch.loss("huber", delta=1.0)``) gives a function
  ``f(y_pred, y_true, weights=None, reduction="mean")`` of torch tensors;
- :func:`fit` trains a user's ``nn.Module`` under a losslab loss with a
  ``torch.optim`` optimizer and returns losslab's History (what
  ``compare(model="torch", torch_model=factory)`` runs);
- :class:`LossModule` is the same as an ``nn.Module``
  (``LossModule("cross_entropy", axis=1)`` for ``(N, C, H, W)`` logits);
- :class:`Objective`: the mean loss of a module over a data set as a function
  of its flat parameter vector, with exact Hessian-vector products by double
  backward, for :mod:`losslab.landscape` (``extreme_eigenvalues``,
  ``hutchinson_trace``, ``spectral_density``, ``random_plane``,
  ``plane_surface`` ...).

The losses differentiate exactly twice with the loss's own gradient and Hessian
(double backward, ``torch.func``), compile with ``torch.compile`` (with
``validate=False``), keep the input dtype, and run the fused kernels on CPU
tensors. Importing this module needs PyTorch (``pip install
'losslab[torch]'``); ``import losslab`` alone never imports it.
"""

from losslab._optional import require

require("torch", "losslab.torch")

from losslab.torch._loss import LossModule, TorchLoss, loss
from losslab.torch._objective import Objective
from losslab.torch._train import TorchModel, fit, load_factory

__all__ = [
    "LossModule",
    "Objective",
    "TorchLoss",
    "TorchModel",
    "fit",
    "load_factory",
    "loss",
]
