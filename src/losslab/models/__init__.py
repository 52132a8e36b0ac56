"""Models with forward and backward passes written by hand in NumPy."""

from losslab.models._activations import ACTIVATIONS
from losslab.models._base import Model
from losslab.models._factory import make_model
from losslab.models._heads import head_forward, to_prediction
from losslab.models._linear import Linear, LinearRegression, LogisticRegression, SoftmaxRegression
from losslab.models._mlp import MLP

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "Linear",
    "LinearRegression",
    "LogisticRegression",
    "Model",
    "SoftmaxRegression",
    "head_forward",
    "make_model",
    "to_prediction",
]
