"""The limits the web app enforces, in one place so the API, the docs and the tests agree."""

from __future__ import annotations

MAX_BODY_BYTES = 2 * 1024 * 1024
"""Largest request body accepted (413 beyond)."""
MAX_SAMPLES = 100_000
"""Most rows of a generated or uploaded dataset."""
MAX_EPOCHS = 5_000
"""Most epochs of one training run."""
MAX_GRID = 201
"""Most points per side of a landscape grid (201 x 201)."""
MAX_CURVE_POINTS = 2_001
"""Most points of a loss curve in the explorer."""
SEGMENT_EPOCHS = 1_000_000
"""Epochs of one ``fit`` call of a job without an epoch cap (then another goes on): so
many that a job's time limit ends it first, and its run is one ``fit`` call, as
Copy as Python's script trains it."""
MAX_HIDDEN_LAYERS = 4
"""Most hidden layers of the playground's MLP."""
MAX_HIDDEN_UNITS = 128
"""Most units of one hidden layer."""
MAX_LOSSES_PER_JOB = 4
"""Most losses trained side by side in one job."""
MAX_JOBS_PER_CLIENT = 2
"""Most training jobs one client may hold at once (429 beyond)."""
MAX_JOBS = 8
"""Most training jobs the server holds at once, all clients together (503 beyond)."""
MAX_UPLOADS = 16
"""Most uploaded CSV datasets kept in memory; the oldest is dropped first."""
IDLE_TIMEOUT_S = 30.0
"""A job nobody streams for this long is stopped and its memory freed."""
MAX_JOB_SECONDS = 600.0
"""A job is stopped after this long, streamed or not."""
STREAM_INTERVAL_S = 0.05
"""Seconds between two stream updates: 20 a second."""
PATH_POINTS = 1_000
"""Most parameter vectors a run keeps of its trajectory for the landscape; beyond, every
other one is dropped (the first and the latest always stay)."""
PATH_FLOATS = 2_000_000
"""Most numbers a run's trajectory holds (16 MB): a large network keeps fewer points."""
LANDSCAPE_GRID = 61
"""Most points per side of a run's landscape slice (61 x 61)."""
DISPLAY_POINTS = 2_000
"""Most data points sent to the page for drawing (a seeded subsample beyond)."""


def as_dict() -> dict[str, float]:
    """Every limit by name, for ``GET /api/limits``.

    Example:
        >>> as_dict()["max_epochs"]
        5000
    """
    return {
        name.lower(): value
        for name, value in globals().items()
        if name.isupper() and isinstance(value, (int, float))
    }
