"""What History, Comparison, Step and Table show in Jupyter (their ``_repr_html_``).

Valid HTML (every tag closed in order), the numbers of the run in it, the
figure inline when matplotlib is there and the plain table when it is not.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest

from losslab import _display, datasets, lessons
from losslab.models import make_model
from losslab.train import EarlyStopping, History, fit

_VOID = {"img", "br", "hr", "meta", "input", "col"}


class _TagChecker(HTMLParser):
    """Fails on a closing tag that does not close the innermost open one."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.images: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        assert tag in _VOID, f"<{tag}/> is not a void element"
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        assert self.stack, f"</{tag}> closes nothing"
        assert self.stack.pop() == tag, f"</{tag}> closes the wrong tag"

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> _TagChecker:
    checker = _TagChecker()
    checker.feed(html)
    checker.close()
    assert checker.stack == [], f"unclosed tags {checker.stack}"
    return checker


def assert_png(src: str) -> None:
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix)
    assert base64.b64decode(src[len(prefix) :])[1:4] == b"PNG"


@pytest.fixture(scope="module")
def classification() -> History:
    data = datasets.load("blobs", n_samples=80, separation=4.0)
    split = data.split(val_fraction=0.25, seed=0)
    model = make_model("bce_with_logits", n_features=2, kind="linear", seed=0)
    return fit(
        model, "bce_with_logits", split.X_train, split.y_train,
        X_val=split.X_val, y_val=split.y_val, lr=0.5, epochs=12,
    )  # fmt: skip


def test_history_html_holds_the_final_metrics_and_how_it_ended(classification):
    page = parse(classification._repr_html_())
    text = " ".join(page.text)
    assert "History: bce_with_logits (binary)" in text
    assert "completed 12 epochs" in text
    assert "epoch 12" in text
    final = classification.final
    for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "grad_norm"):
        assert _display.number(final[key]) in text, key
    assert f"{final['val_loss']:.6g}" == _display.number(final["val_loss"])


def test_history_html_puts_train_and_val_side_by_side(classification):
    html = classification._repr_html_()
    row = re.search(r"<tr><th[^>]*>accuracy</th>(.*?)</tr>", html)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    final = classification.final
    assert cells == [
        _display.number(final["train_accuracy"]),
        _display.number(final["val_accuracy"]),
    ]


def test_history_html_draws_the_curves_with_matplotlib(classification):
    pytest.importorskip("matplotlib")
    page = parse(classification._repr_html_())
    assert len(page.images) == 1
    assert_png(page.images[0])


def test_history_html_without_matplotlib_is_the_plain_table(classification, monkeypatch):
    monkeypatch.setattr(_display, "matplotlib_available", lambda: False)
    page = parse(classification._repr_html_())
    assert page.images == []
    assert "<table" in classification._repr_html_()


def test_history_html_in_a_core_install_without_matplotlib():
    # matplotlib hidden from a fresh interpreter, as if it were not installed.
    script = (
        "import sys\n"
        "class _Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.partition('.')[0] == 'matplotlib':\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, _Hide())\n"
        "import numpy as np\n"
        "from losslab.models import make_model\n"
        "from losslab.train import fit\n"
        "X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])\n"
        "h = fit(make_model('mse', n_features=1, kind='linear'), 'mse', X, y, epochs=3)\n"
        "print(h._repr_html_())\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    html, loaded = out.stdout.strip().rsplit("\n", 1)
    assert loaded == "False"
    page = parse(html)
    assert page.images == []
    assert "completed 3 epochs" in " ".join(page.text)


def test_history_html_of_a_regression_run_draws_rmse():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([1.0, 3.0, 5.0, 7.0])
    history = fit(make_model("mse", n_features=1, kind="linear"), "mse", X, y, epochs=5)
    html = history._repr_html_()
    text = " ".join(parse(html).text)
    assert "rmse" in text
    assert _display.number(history.final["train_rmse"]) in text


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"diverged": True, "diverged_epoch": 3, "diverged_reason": "loss is NaN"},
         "diverged at epoch 3: loss is NaN"),
        ({"stopped_early": True, "stop_reason": "EarlyStopping stopped the run at epoch 2"},
         "stopped early after 2 epochs: EarlyStopping stopped the run at epoch 2"),
        ({"interrupted": True}, "interrupted after 2 epochs"),
    ],
)  # fmt: skip
def test_history_html_says_why_the_run_ended(fields, expected):
    records = [{"epoch": e, "train_loss": 1.0 / (e + 1)} for e in range(3)]
    history = History(records=records, loss="mse", task="regression", **fields)
    assert expected in " ".join(parse(history._repr_html_()).text)


def test_history_html_of_a_real_early_stop():
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([1.0, 3.0, 5.0])
    stopper = EarlyStopping(monitor="train_loss", patience=1, min_delta=1e9)
    history = fit(make_model("mse", n_features=1, kind="linear"), "mse", X, y, epochs=50,
                  callbacks=[stopper])  # fmt: skip
    assert "stopped early after 2 epochs: EarlyStopping stopped the run at epoch 2" in " ".join(
        parse(history._repr_html_()).text
    )


def test_empty_history_html():
    history = History(loss="mse", task="regression", interrupted=True)
    text = " ".join(parse(history._repr_html_()).text)
    assert "interrupted before epoch 0: nothing recorded" in text


def test_history_html_escapes_text():
    history = History(records=[{"epoch": 0, "train_loss": 1.0}], loss="<b>x</b>", task="t")
    assert "&lt;b&gt;x&lt;/b&gt;" in history._repr_html_()


def test_comparison_html_holds_the_note_the_summary_and_a_figure():
    from losslab.experiments import compare

    result = compare("linear_outliers:n_samples=60", ["mse", "mae"], epochs=10, seeds=2)
    html = result._repr_html_()
    page = parse(html)
    text = " ".join(page.text)
    assert "Raw values of different losses are not comparable" in text
    for label, value in zip(result.summary["label"], result.summary["final_median"], strict=True):
        assert label in text
        assert _display.number(value) in text
    assert len(page.images) == 1
    assert_png(page.images[0])


def test_step_and_table_html():
    step = lessons.lesson("rainfall")[2]
    page = parse(step._repr_html_())
    text = " ".join(page.text)
    assert step.title in text
    assert "4.4" in text
    assert "32" in text
