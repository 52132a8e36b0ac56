"""Pydantic models of every request and response of the JSON API.

Requests forbid unknown fields and non-finite numbers, so a typo or a NaN is
a 422 naming the field. Responses carry ``None`` where a computed number is
not finite (JSON has no NaN).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from losslab.web import limits

ParamValue = float | int | bool | list[float] | None  # a list: multi_quantile's qs
Number = float | None


class Request(BaseModel):
    """Base of every request body: unknown fields and NaN/inf are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ErrorResponse(BaseModel):
    """A 4xx/5xx answer other than a validation error."""

    detail: str


class Limits(BaseModel):
    """The limits the server enforces."""

    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------- losses


class LossInfo(BaseModel):
    """One catalogue loss."""

    name: str
    task: str
    y_pred: str
    params: dict[str, ParamValue]
    summary: str


class LossList(BaseModel):
    """The catalogue."""

    losses: list[LossInfo]


class EvaluateRequest(Request):
    """Evaluate a loss, its gradient and Hessian over a range of one input.

    The swept input ``x`` is the loss's link's axis
    (:meth:`losslab.links.Link.sweep`): the residual ``y_pred - y_true`` for
    regression losses on values, the log-rate for ``poisson_nll``, the
    probability of class 1 for ``bce``, the logit (the margin when
    ``y_true = 1``) for logit losses, and the margin ``z₁ − z₀`` of the
    logits ``(0, x)`` for losses on rows of logits.
    """

    loss: str = Field(min_length=1, max_length=64, examples=["huber"])
    params: dict[str, ParamValue] = Field(default_factory=dict, max_length=8)
    x_min: float = Field(-4.0, ge=-1e6, le=1e6)
    x_max: float = Field(4.0, ge=-1e6, le=1e6)
    num: int = Field(201, ge=2, le=limits.MAX_CURVE_POINTS)
    y_true: float = Field(
        1.0,
        ge=-1e6,
        le=1e6,
        description="target: a label 0/1 (binary), a count (poisson_nll), the probability of "
        "class 1 (rows of logits); for residual plots the prediction is y_true + x",
    )


class Curve(BaseModel):
    """A loss and its derivatives along the swept input."""

    x: list[float]
    value: list[Number]
    grad: list[Number]
    hess: list[Number]
    x_label: str
    loss: str
    params: dict[str, ParamValue]


class ExpressionRequest(Request):
    """A custom loss expression to check, differentiate and evaluate."""

    expression: str = Field(min_length=1, max_length=1000, examples=["abs(y_pred - y_true)**1.5"])
    params: dict[str, float] = Field(default_factory=dict, max_length=8)
    task: Literal["regression", "binary"] = "regression"
    y_pred_kind: Literal["value", "logit", "probability", "log_rate"] = "value"
    x_min: float = Field(-4.0, ge=-1e6, le=1e6)
    x_max: float = Field(4.0, ge=-1e6, le=1e6)
    num: int = Field(201, ge=2, le=limits.MAX_CURVE_POINTS)
    y_true: float = Field(0.0, ge=-1e6, le=1e6)


class ExpressionResponse(BaseModel):
    """The verdict on an expression: its derived formulas and curves, or why it was refused."""

    ok: bool
    message: str
    value_formula: str | None = None
    grad_formula: str | None = None
    hess_formula: str | None = None
    curve: Curve | None = None


# ---------------------------------------------------------------- datasets


class DatasetInfo(BaseModel):
    """A dataset the playground offers."""

    name: str
    task: str
    params: list[str]
    description: str
    n_features: int = 0
    defaults: dict[str, Any] = Field(
        default_factory=dict,
        description="the playground's setup for this dataset: a training request body",
    )


class DatasetList(BaseModel):
    """The datasets the playground offers."""

    datasets: list[DatasetInfo]


class DatasetSpec(Request):
    """A dataset: a generator with its knobs, or an uploaded CSV by id.

    Knobs a generator does not take are ignored, so one form serves all.
    """

    name: str = Field("linear_outliers", min_length=1, max_length=64)
    n_samples: int = Field(200, ge=10, le=limits.MAX_SAMPLES)
    noise: float = Field(0.5, ge=0.0, le=10.0)
    outlier_fraction: float = Field(0.1, ge=0.0, le=0.5)
    ratio: float = Field(0.2, gt=0.0, lt=1.0, description="class balance: share of class 1")
    flip_fraction: float = Field(0.0, ge=0.0, le=0.5)
    separation: float | None = Field(
        None, gt=0.0, le=20.0, description="distance between blobs' centres (None: the default)"
    )
    seed: int = Field(0, ge=0, le=2**31 - 1)
    upload_id: str | None = Field(None, max_length=64)


class UploadResponse(BaseModel):
    """An uploaded CSV, parsed and kept in memory."""

    upload_id: str
    n_samples: int
    n_features: int
    task: str
    feature_names: list[str]
    description: str
    categorical: list[str] = Field(default_factory=list, description="string columns, encoded")
    standardize: bool = True
    encode: str = "onehot"
    impute: str | None = None


# ---------------------------------------------------------------- training jobs


class LossSpec(Request):
    """One loss of a training job: a catalogue name with parameters, or an expression."""

    name: str = Field(min_length=1, max_length=64, examples=["huber"])
    params: dict[str, ParamValue] = Field(default_factory=dict, max_length=8)
    expression: str | None = Field(
        None, max_length=1000, description="with name 'custom': the expression to train"
    )

    def label(self) -> str:
        """The run's label: ``name(k=v, ...)``, the bare name, or ``custom: expression``."""
        if self.name == "custom":
            return f"custom: {self.expression}"
        args = ", ".join(f"{k}={v}" for k, v in self.params.items() if v is not None)
        return f"{self.name}({args})" if args else self.name


Units = Annotated[int, Field(ge=1, le=limits.MAX_HIDDEN_UNITS)]
Layers = Annotated[list[Units], Field(min_length=1, max_length=limits.MAX_HIDDEN_LAYERS)]


class TrainRequest(Request):
    """A training job: a dataset, one to four losses, a model and an optimizer."""

    dataset: DatasetSpec = Field(default_factory=DatasetSpec)
    losses: list[LossSpec] = Field(min_length=1, max_length=limits.MAX_LOSSES_PER_JOB)
    model: Literal["linear", "mlp"] = "linear"
    hidden: Units | Layers = Field(
        16,
        description="units of the MLP's hidden layer, or a list: one entry per layer (1 to 4)",
    )
    activation: Literal["tanh", "relu", "sigmoid"] = "tanh"
    optimizer: Literal["gd", "sgd", "momentum", "nesterov", "adam"] = "gd"
    lr: float = Field(0.05, gt=0.0, le=10.0)
    weight_decay: float = Field(0.0, ge=0.0, le=10.0, description="L2 regularisation rate")
    l1: float = Field(0.0, ge=0.0, le=10.0, description="L1 regularisation rate")
    epochs: int | None = Field(
        300, ge=1, le=limits.MAX_EPOCHS,
        description="the epoch cap; None trains until stopped (or the job's time limit)",
    )  # fmt: skip
    epochs_per_second: float | None = Field(
        100.0, gt=0.0, le=100_000.0, description="pace of training so it can be watched"
    )
    val_fraction: float | None = Field(
        0.25, ge=0.05, le=0.5, description="share of rows held out for validation (None: none)"
    )
    start_paused: bool = Field(False, description="start paused at epoch 0 (the page's Reset)")
    features: (
        list[Literal["x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2"]] | None
    ) = Field(
        None, min_length=1, max_length=7,
        description="2-D generated data only: the input features the model reads (None: x1, x2)",
    )  # fmt: skip
    seed: int = Field(0, ge=0, le=2**31 - 1)

    def layers(self) -> tuple[int, ...]:
        """The hidden layers as a tuple."""
        return (self.hidden,) if isinstance(self.hidden, int) else tuple(self.hidden)


class JobSettings(Request):
    """What may change while a job runs or is paused; None keeps the current value.

    ``losses`` lists every run's loss again, in order and by the same names:
    only parameters change.
    """

    lr: float | None = Field(None, gt=0.0, le=10.0)
    weight_decay: float | None = Field(None, ge=0.0, le=10.0)
    l1: float | None = Field(None, ge=0.0, le=10.0)
    losses: list[LossSpec] | None = Field(None, min_length=1, max_length=limits.MAX_LOSSES_PER_JOB)


class ScriptRequest(TrainRequest):
    """A setup to write as a Python script, with the epochs each run reached."""

    run_epochs: list[Annotated[int, Field(ge=1, le=10**8)]] | None = Field(
        None, max_length=limits.MAX_LOSSES_PER_JOB, description="epochs per run (else epochs)"
    )


class ScriptResponse(BaseModel):
    """Copy as Python: a script reproducing the setup with losslab."""

    script: str


class Point(BaseModel):
    """Data points for drawing: features (first two at most) and targets."""

    x: list[list[float]]
    y: list[float]
    val: list[bool] = Field(default_factory=list, description="whether each row is validation")


class RunInfo(BaseModel):
    """One loss's run inside a job."""

    index: int
    loss: str
    label: str


class JobCreated(BaseModel):
    """A started job: its id, its runs, the data to draw and how to draw it."""

    job_id: str
    runs: list[RunInfo]
    task: str
    view: Literal["line", "boundary", "parity"]
    n_features: int
    n_classes: int
    metrics: list[str]
    data: Point
    stream: str


class JobStatus(BaseModel):
    """Where a job stands."""

    job_id: str
    state: Literal["running", "paused", "stopped", "finished", "failed"]
    epochs: list[int]
    messages: list[str]


# ---------------------------------------------------------------- lessons


class LessonTable(BaseModel):
    """A table of a worked step."""

    headers: list[str]
    rows: list[list[str]]


class LessonStep(BaseModel):
    """One worked step."""

    title: str
    text: str
    table: LessonTable | None


class Lesson(BaseModel):
    """A worked lesson."""

    name: str
    summary: str
    steps: list[LessonStep]


class Exercises(BaseModel):
    """What the lessons page asks: the matching terms, the questions, the rainfall data."""

    matching_terms: list[str]
    matching_definitions: list[str]
    questions: list[str]
    rainfall_true: list[float]
    rainfall_a: list[float]
    rainfall_b: list[float]
    lessons: list[Lesson]


class Preset(BaseModel):
    """A playground setup for one headline experiment, with its two-line caption."""

    name: str
    title: str
    setup: str = Field(description="the caption's first line: what is set up")
    watch: str = Field(description="the caption's second line: what to watch")
    link: str = Field(description="the playground URL of the setup")


class PresetList(BaseModel):
    """Every preset, in the page's order."""

    presets: list[Preset]


class CheckRequest(Request):
    """An answer to one exercise.

    ``exercise`` picks what is checked: ``matching`` reads ``pairs`` (term ->
    definition); ``ratio`` reads ``number``; ``confidence`` reads ``choice``
    ("0.51", "0.99" or "same"); ``rainfall`` reads ``step`` and ``cells``
    (``a1``..``a5``, ``b1``..``b5`` for steps errors and squared_errors;
    ``a``, ``b`` for mse and bonus; ``contribution``, ``without`` for outlier)
    and ``choice`` (``A``/``B`` for lower_mse, a loss name for bonus).
    """

    exercise: Literal["matching", "ratio", "confidence", "rainfall"]
    pairs: dict[str, str] | None = Field(None, max_length=10)
    number: float | None = Field(None, ge=-1e12, le=1e12)
    choice: str | None = Field(None, max_length=64)
    step: Literal["errors", "squared_errors", "mse", "lower_mse", "outlier", "bonus"] | None = None
    cells: dict[str, float | None] | None = Field(None, max_length=12)


class CheckResponse(BaseModel):
    """The verdict on an answer, with the explanation and a playground link that shows it."""

    correct: bool
    cells: dict[str, bool]
    message: str
    explanation: str
    playground: str


# ---------------------------------------------------------------- landscape


class LandscapeRequest(Request):
    """A 2-parameter loss surface: a linear model on a 1-feature dataset, (w, b) on a grid."""

    dataset: DatasetSpec = Field(default_factory=DatasetSpec)
    loss: LossSpec = Field(default_factory=lambda: LossSpec(name="mse"))
    w_min: float = Field(-5.0, ge=-1e4, le=1e4)
    w_max: float = Field(5.0, ge=-1e4, le=1e4)
    b_min: float = Field(-5.0, ge=-1e4, le=1e4)
    b_max: float = Field(5.0, ge=-1e4, le=1e4)
    size: int = Field(61, ge=2, le=limits.MAX_GRID)


class RunLandscapeResponse(BaseModel):
    """A run's loss on a 2-D slice: ``z[j][i]`` at ``x[i]``, ``y[j]``, the path on the slice."""

    plane: Literal["weights", "random", "pca"]
    x: list[float]
    y: list[float]
    z: list[list[Number]]
    path: list[list[Number]] = Field(description="the trajectory, one [x, y] per kept epoch")
    epochs: list[int] = Field(description="the epoch of each point of the path")
    current: list[Number] = Field(description="the latest point: the last of the path")
    labels: list[str]
    loss: str
    label: str
    explained: list[float] | None = Field(None, description="PCA plane: variance share per axis")


class LandscapeResponse(BaseModel):
    """Loss values on a (w, b) grid: ``z[i][j]`` at ``w[j]``, ``b[i]``."""

    w: list[float]
    b: list[float]
    z: list[list[Number]]
    loss: str
    minimum: list[float]
