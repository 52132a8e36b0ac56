"""Numba-compiled kernels behind losslab's fast path (imported lazily: numba is optional).

- :mod:`losslab._kernels.elementwise`: one-pass value + gradient (or Hessian
  diagonal) of the elementwise losses;
- :mod:`losslab._kernels.rows`: the same for the softmax losses on C-contiguous
  rows of logits;
- :mod:`losslab._kernels.bandwidth`: the triad a = b + s c that the benchmark
  uses as a memory-bandwidth proxy.

The dispatch from :class:`losslab.losses.Loss` lives in
:mod:`losslab.losses._fused`.
"""
