"""losslab for PyTorch users: every catalogue loss as torch operations, twice differentiable.

- :func:`loss` (``losslab.torch.loss("huber", delta=1.0)``) gives a function
  ``f(y_pred, y_true, weights=None, reduction="mean")`` of torch tensors;
- :class:`LossModule` is the same as an ``nn.Module``
  (``LossModule("cross_entropy", axis=1)`` for ``(N, C, H, W)`` logits).

Both differentiate exactly twice with the loss's own gradient and Hessian
(double backward, ``torch.func``), compile with ``torch.compile`` (with
``validate=False``), keep the input dtype, and run the fused kernels on CPU
tensors. Importing this module needs PyTorch (``pip install
'losslab[torch]'``); ``import losslab`` alone never imports it.
"""

from losslab._optional import require

require("torch", "losslab.torch")

from losslab.torch._loss import LossModule, TorchLoss, loss

# Objective (landscapes and curvature of any nn.Module) is exported here from
# losslab.torch._objective once that module lands:
#     from losslab.torch._objective import Objective

__all__ = [
    "LossModule",
    "TorchLoss",
    "loss",
    # "Objective",
]
