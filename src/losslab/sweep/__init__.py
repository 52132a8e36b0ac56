"""Sweeps: every combination of datasets, models, losses, optimizers, rates and seeds on Dask.

A sweep file (TOML, :mod:`~losslab.sweep._config`) expands into runs with
stable ids (:mod:`~losslab.sweep._plan`); :func:`run_sweep` runs them on a
Dask cluster, a ``LocalCluster`` by default, and the client writes each
result atomically as Parquet (:mod:`~losslab.sweep._store`), so an
interrupted sweep resumes where it stopped; :func:`write_report` builds the
HTML report. From the command line: ``losslab sweep`` and ``losslab report``.
"""

from losslab._optional import require

require("sweep", "losslab.sweep")

from losslab.metrics import higher_is_better
from losslab.sweep._config import (
    DatasetGrid,
    LossGrid,
    ModelSpec,
    OptimizerGrid,
    SweepConfig,
    SweepConfigError,
)
from losslab.sweep._config import load as load_config
from losslab.sweep._config import loads as loads_config
from losslab.sweep._plan import Plan, PlannedRun, config_hash, expand, resolve_metric
from losslab.sweep._run import CONFIG_COLUMNS, RunResult, limit_threads, run_batch, run_one
from losslab.sweep._runner import (
    Estimate,
    SweepOutcome,
    batch_size_for,
    calibrate,
    cluster_threads,
    estimate,
    run_sweep,
)
from losslab.sweep._store import ConfigChangedError, Store, atomic_write

__all__ = [
    "CONFIG_COLUMNS",
    "ConfigChangedError",
    "DatasetGrid",
    "Estimate",
    "LossGrid",
    "ModelSpec",
    "OptimizerGrid",
    "Plan",
    "PlannedRun",
    "RunResult",
    "Store",
    "SweepConfig",
    "SweepConfigError",
    "SweepOutcome",
    "atomic_write",
    "batch_size_for",
    "calibrate",
    "cluster_threads",
    "config_hash",
    "estimate",
    "expand",
    "higher_is_better",
    "limit_threads",
    "load_config",
    "loads_config",
    "resolve_metric",
    "run_batch",
    "run_one",
    "run_sweep",
]


def __getattr__(name: str):
    # The report pulls in matplotlib; load it only when asked for.
    if name in ("sweep_report", "write_report"):
        from losslab.sweep import _report

        return getattr(_report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
