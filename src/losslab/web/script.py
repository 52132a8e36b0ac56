"""Copy as Python: the playground's setup as a script that trains it with losslab.

The script builds the same :class:`losslab.runs.RunSpec` per loss as the job
(:func:`losslab.web.api_jobs.job_spec`), trains it with
:func:`losslab.runs.execute` for the epochs the page reached, and prints the
last record's loss and metrics as the page's results table shows them
(six significant digits). A job whose rate, L2 or L1 rate or loss parameters
changed while it trained is not reproduced: the script trains the current
setup from epoch 0.
"""

from __future__ import annotations

from losslab.web.data import knobs
from losslab.web.schemas import LossSpec, ScriptRequest

RESULT_KEYS = (
    "loss", "accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "mse", "mae", "r2",
)  # fmt: skip
"""The results the page's table shows and the script prints, for training and validation."""


def _loss_line(spec: LossSpec, task: str) -> str:
    if spec.name == "custom":
        kind = "value" if task == "regression" else "logit"
        params = "".join(f", {k}={float(v)!r}" for k, v in spec.params.items() if v is not None)
        regression = "regression" if task == "regression" else "binary"
        return (
            f"custom.expression_loss({spec.expression!r}, task={regression!r}, "
            f"y_pred_kind={kind!r}, name='custom'{params})"
        )
    params = "".join(f", {k}={v!r}" for k, v in spec.params.items())
    return f"losses.get({spec.name!r}{params})"


def python_script(body: ScriptRequest, task: str) -> str:
    """A runnable script reproducing ``body``: each run for its ``run_epochs`` (else ``epochs``).

    Args:
        body: The playground's request and the epochs each run reached.
        task: The dataset's task (a custom expression's loss depends on it).

    Example:
        >>> body = ScriptRequest(losses=[LossSpec(name="mse")], epochs=5)
        >>> "execute(spec)" in python_script(body, "regression")
        True
    """
    data = body.dataset
    if data.upload_id is not None:
        load = "datasets.csv('your_file.csv', target='...')  # the uploaded CSV: name it here"
    else:
        settings = "".join(f", {k}={v!r}" for k, v in knobs(data).items())
        load = f"datasets.load({data.name!r}{settings})"
    if body.features:
        # The model reads the chosen input features of the two raw ones.
        names = list(body.features)
        load += (
            f"\ndata = replace(data, X=expand(data.X, {names!r}), feature_names={tuple(names)!r})"
        )
    epochs = body.run_epochs or [body.epochs] * len(body.losses)
    loss_lines = "".join(
        f"    ({s.label()!r}, {_loss_line(s, task)}, {n!r}),\n"
        for s, n in zip(body.losses, epochs, strict=True)
    )
    keys = ", ".join(repr(k) for k in RESULT_KEYS)
    return f'''"""The losslab playground's setup, trained again: prints each run's last epoch."""

from dataclasses import replace

from losslab import custom, datasets, losses
from losslab.runs import RunSpec, execute
from losslab.web.features import expand

data = {load}
runs = [
{loss_lines}]
keys = ({keys})
for label, loss, epochs in runs:
    spec = RunSpec(
        data, loss, model={body.model!r}, hidden={body.layers()!r}, activation={body.activation!r},
        optimizer={body.optimizer!r}, lr={body.lr!r}, weight_decay={body.weight_decay!r},
        l1={body.l1!r}, epochs=epochs, seed={body.seed!r}, val_fraction={body.val_fraction!r},
        label=label,
    )
    last = execute(spec).history.records[-1]
    shown = [
        f"{{part}}_{{key}}={{last[part + '_' + key]:.6g}}"
        for part in ("train", "val") for key in keys if part + "_" + key in last
    ]
    print(label, f"epoch={{int(last['epoch'])}}", *shown)
'''
