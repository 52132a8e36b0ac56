"""losslab: a laboratory for loss functions.

Exact values, gradients and Hessians for a catalogue of losses, written from
scratch, with the tools to train models under them and watch what happens.
"""

from typing import Any

from losslab import losses

__all__ = ["LossClassifier", "LossRegressor", "__version__", "advise", "losses"]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # importlib.metadata costs ~40 ms that `import losslab.losses` need not pay.
        from importlib import metadata

        try:
            return metadata.version("losslab")
        except metadata.PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    # The estimators import scikit-learn; load them only when asked for.
    if name in ("LossRegressor", "LossClassifier"):
        from losslab import estimators

        return getattr(estimators, name)
    if name == "advise":
        # losslab.advisor imports scikit-learn and pandas: only when asked for.
        from losslab.advisor import advise

        return advise
    raise AttributeError(f"module 'losslab' has no attribute {name!r}")
