"""losslab: a laboratory for loss functions.

Exact values, gradients and Hessians for a catalogue of losses, written from
scratch, with the tools to train models under them and watch what happens.
"""

from losslab import losses

__all__ = ["__version__", "losses"]
__version__ = "0.1.0"
