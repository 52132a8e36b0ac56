"""Links to playground and explorer setups, in the query-string format the pages read.

The playground reads ``dataset``, ``n``, ``noise``, ``outliers``, ``ratio``,
``flip``, ``seed``, ``model``, ``opt``, ``lr``, ``epochs``, ``speed``,
``metric`` and ``losses`` (comma-separated, parameters after a colon:
``mse,huber:delta=1.5``).

>>> playground("linear_outliers", ["mse", "huber:delta=1"], outliers=0.2)
'/?dataset=linear_outliers&losses=mse%2Chuber%3Adelta%3D1&outliers=0.2'
"""

from __future__ import annotations

from urllib.parse import urlencode


def playground(dataset: str, losses: list[str], **options: object) -> str:
    """The playground URL of a setup."""
    query = {"dataset": dataset, "losses": ",".join(losses), **options}
    return "/?" + urlencode(query)


def explorer(losses: list[str], **options: object) -> str:
    """The loss explorer URL showing ``losses``."""
    return "/explorer?" + urlencode({"losses": ",".join(losses), **options})
