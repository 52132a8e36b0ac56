"""The pages in Debian's chromium, driven by Playwright against a live uvicorn server.

Skipped with the reason when playwright or chromium is missing, unless
LOSSLAB_REQUIRE_BROWSER=1 (CI), where that fails. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import time

import pytest

from losslab import lessons

READY = "body[data-ready=true]"


def wait_until(page, expression: str, timeout: float = 30.0):
    """Poll a JavaScript expression until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(expression)
        if value:
            return value
        time.sleep(0.05)
    status = page.evaluate("document.getElementById('status')?.textContent")
    raise AssertionError(f"{expression} stayed falsy for {timeout} s; status: {status}")


def points(page, plot: str, trace: int = 0) -> int:
    return page.evaluate(f"(document.getElementById('{plot}').data?.[{trace}]?.y || []).length")


def test_playground_trains_live_and_keeps_state_in_the_url(page, screenshot):
    url = page.base + "/?dataset=linear_outliers&losses=mse,huber:delta=1&epochs=3000&speed=150"
    page.goto(url)
    page.wait_for_selector(READY)
    assert page.is_checked("#loss-huber")
    page.click("#train")
    wait_until(page, "document.getElementById('loss-plot').data?.[0]?.y?.length > 5")
    first = points(page, "loss-plot")
    time.sleep(0.6)
    second = points(page, "loss-plot")
    assert second > first, "the loss curve did not grow while training"
    assert page.evaluate("document.getElementById('loss-plot').data.length") == 2
    assert page.evaluate("window.losslabUpdates") >= 5
    # Pause holds the curve still; resume lets it grow again.
    page.click("#pause")
    wait_until(page, "!document.getElementById('resume').disabled")
    time.sleep(0.3)
    held = points(page, "loss-plot")
    time.sleep(0.4)
    assert points(page, "loss-plot") == held
    page.click("#resume")
    wait_until(page, f"document.getElementById('loss-plot').data[0].y.length > {held}")
    fits = page.evaluate(
        "document.getElementById('data-plot').data.filter(t => t.line?.width === 3).length"
    )
    assert fits == 2  # one fitted line per loss
    screenshot(page, "playground")
    page.click("#stop")
    wait_until(page, "document.getElementById('status').textContent.startsWith('stopped')")
    assert "losses=mse%2Chuber%3Adelta%3D1" in page.url or "losses=mse,huber" in page.url
    # Reset re-initialises: a new job at epoch 0, paused, ready to step or resume.
    page.click("#reset")
    wait_until(page, "document.getElementById('status').textContent.startsWith('Reset')")
    assert points(page, "loss-plot") == 0
    assert not page.is_disabled("#step")
    page.click("#step")
    wait_until(page, "document.getElementById('loss-plot').data[0].y.length === 1")
    assert not page.errors


VALIDATION = (
    "document.getElementById('metric-plot').data.filter(t => t.name.endsWith('(validation)'))"
)


def press(page, selector: str) -> None:
    """Operate a control from the keyboard: focus it, press Enter."""
    page.focus(selector)
    page.keyboard.press("Enter")


def test_playground_defaults_learn_moons_then_pause_step_and_change_the_rate(page, screenshot):
    page.goto(page.base + "/?dataset=moons")
    page.wait_for_selector(READY)
    # The dataset's defaults: the MLP, no epoch cap (play until paused).
    assert page.input_value("#model") == "mlp"
    assert page.input_value("#hidden") == "8,8"
    assert not page.is_checked("#cap")
    press(page, "#train")
    best = f"{VALIDATION}.map(t => Math.max(...t.y.filter(v => v !== null)))"
    wait_until(page, f"{VALIDATION}.length === 2 && {best}.every(v => v >= 0.95)", 30)
    press(page, "#pause")
    wait_until(page, "document.getElementById('status').textContent.startsWith('paused')")
    wait_until(page, "!document.getElementById('step').disabled")
    # Records produced before the pause may still be on their way: wait until the stream
    # itself says paused and every record it delivered is drawn.
    wait_until(page, "window.losslabStreamState === 'paused'")
    wait_until(page, "document.getElementById('loss-plot').data[0].y.length "
               "=== window.losslabRecords[0]")  # fmt: skip
    held = points(page, "loss-plot")
    # Change the rate while paused; one Step trains one epoch under it.
    page.fill("#lr", "0.001")
    page.keyboard.press("Tab")  # the change event sends it
    wait_until(page, "document.getElementById('status').textContent.includes('new settings')")
    assert points(page, "loss-plot") == held
    press(page, "#step")
    wait_until(page, f"document.getElementById('loss-plot').data[0].y.length === {held + 1}")
    wait_until(page, "document.getElementById('status').textContent.includes('lr 0.001')")
    assert page.inner_text("#status").startswith("paused")
    screenshot(page, "playground-moons-defaults")
    press(page, "#stop")
    wait_until(page, "document.getElementById('status').textContent.startsWith('stopped')")
    assert not page.errors


def test_playground_classification_draws_a_boundary(page, screenshot):
    page.goto(
        page.base
        + "/?dataset=moons&losses=bce_with_logits,hinge&model=mlp&epochs=150&speed=300"
        + "&lr=0.5&metric=accuracy"
    )
    page.wait_for_selector(READY)
    page.click("#train")
    wait_until(page, "document.getElementById('status').textContent.startsWith('finished')", 60)
    # The plots redraw on the next animation frame after the last update: wait for it.
    wait_until(page, "(document.getElementById('metric-plot').data?.[0]?.y || []).length >= 150")
    kinds = page.evaluate("document.getElementById('data-plot').data.map(t => t.type)")
    assert kinds.count("contour") == 2
    assert points(page, "metric-plot") == 150
    screenshot(page, "playground-boundary")


HUBER = "document.getElementById('loss-plot').data.find(t => t.name.startsWith('huber'))"


def test_explorer_slider_changes_the_curve(page, screenshot):
    page.goto(page.base + "/explorer?losses=huber,mse")
    page.wait_for_selector(READY)
    wait_until(page, "document.getElementById('loss-plot').data?.length === 2")
    before = page.evaluate(f"{HUBER}.y.slice()")
    page.focus("#param-delta")
    for _ in range(10):
        page.keyboard.press("ArrowRight")  # the keyboard moves sliders too
    wait_until(page, f"{HUBER}.name.includes('delta=2')")
    after = page.evaluate(f"{HUBER}.y")
    assert after != before
    assert max(after) > max(before)  # a larger delta keeps the quadratic part longer
    assert "delta=2" in page.url
    page.fill("#expression", "where(y_pred > y_true, 2*abs(y_pred - y_true), abs(y_pred - y_true))")
    page.click("#check-expression")
    wait_until(page, "document.getElementById('loss-plot').data.length === 3")
    assert "sign" in page.inner_text("#expression-grad")
    page.fill("#expression", "__import__('os')")
    page.click("#check-expression")
    wait_until(
        page, "document.getElementById('expression-message').textContent.includes('not allowed')"
    )
    screenshot(page, "explorer")
    assert not page.errors


def test_lessons_check_answers_right_and_wrong(page, screenshot):
    page.goto(page.base + "/lessons")
    page.wait_for_selector(READY)
    page.fill("#ratio-answer", "2")
    page.click("#ratio-check")
    wait_until(page, "document.getElementById('ratio-feedback').textContent.includes('Not quite')")
    assert "wrong" in page.get_attribute("#ratio-feedback", "class")
    page.fill("#ratio-answer", "4")
    page.click("#ratio-check")
    wait_until(page, "document.getElementById('ratio-feedback').textContent.startsWith('Right')")
    assert page.get_attribute("#ratio-feedback a", "href").startswith("/explorer")
    for i, term in enumerate(lessons.MATCHING_TERMS):
        page.select_option(f"#match-{i}", lessons.MATCHING_ANSWERS[term])
    page.click("#matching-check")
    wait_until(
        page, "document.getElementById('matching-feedback').textContent.includes('All five')"
    )
    page.check("input[name=confidence][value='0.51']")
    page.click("#confidence-check")
    wait_until(
        page, "document.getElementById('confidence-feedback').textContent.includes('Not quite')"
    )
    page.check("input[name=confidence][value='0.99']")
    page.click("#confidence-check")
    wait_until(
        page, "document.getElementById('confidence-feedback').textContent.startsWith('Right')"
    )
    page.fill("#rain-mse-a", "4.4")
    page.fill("#rain-mse-b", "30")
    page.click("#rain-mse-check")
    wait_until(
        page, "document.getElementById('rain-mse-feedback').textContent.includes('another look')"
    )
    assert page.get_attribute("#rain-mse-b", "class") == "wrong"
    page.fill("#rain-mse-b", "32")
    page.click("#rain-mse-check")
    wait_until(page, "document.getElementById('rain-mse-feedback').textContent.startsWith('Right')")
    screenshot(page, "lessons", full_page=True)
    assert not page.errors


def test_landscape_page_loads(page, screenshot):
    page.goto(page.base + "/landscape")
    page.wait_for_selector(READY)
    wait_until(page, "document.getElementById('landscape-a').data?.length === 3")
    page.click("#train")
    wait_until(page, "document.getElementById('landscape-a').data[2].x.length > 10", 20)
    wait_until(page, "document.getElementById('landscape-b').data[2].x.length > 10", 20)
    screenshot(page, "landscape")
    assert not page.errors


def test_keyboard_reaches_the_train_button(page):
    page.goto(page.base + "/")
    page.wait_for_selector(READY)
    assert page.evaluate("document.getElementById('train').tagName") == "BUTTON"
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input, select')].filter(e => e.type !== 'hidden'
        && !e.labels?.length && !e.getAttribute('aria-label')).map(e => e.id)"""
    )
    assert unlabelled == []
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "train":
            break
    else:
        pytest.fail("Tab never reached the Train button")


def colours_of(page, selector: str, name: str, screenshot) -> dict[str, int]:
    """What a person sees in an element: its screenshot's pixels, counted by hue family."""
    import numpy as np
    from PIL import Image

    path = screenshot(page.locator(selector), name)
    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=int).reshape(-1, 3)
    r, g, b = pixels.T
    return {
        "distinct": len(np.unique(pixels, axis=0)),
        "blue": int(np.sum((b > r + 40) & (b > g + 20))),
        "orange": int(np.sum((r > b + 60) & (r > g + 20))),
        "green": int(np.sum((g > r + 30) & (g > b + 10))),
    }


def test_each_run_shows_what_it_believes(page, screenshot):
    # Binary: a probability heatmap per run, the 0.5 line, training and validation points.
    page.goto(page.base + "/?dataset=moons")
    page.wait_for_selector(READY)
    press(page, "#train")
    # Inside the network: each hidden unit's map, updated live while it trains.
    unit = 'document.querySelector(\'#network canvas[data-layer="1"][data-unit="0"]\')'
    wait_until(page, f"{unit} && {unit}.width === 15")
    before = page.evaluate(f"{unit}.toDataURL()")
    wait_until(page, f"{unit}.toDataURL() !== {before!r}")
    learned = f"{VALIDATION}.length === 2 && {VALIDATION}.every(t => Math.max(...t.y) >= 0.9)"
    wait_until(page, learned, 30)
    wait_until(page, "document.getElementById('panel-1')?.data?.[0]?.type === 'heatmap'")
    press(page, "#pause")
    wait_until(page, "document.getElementById('status').textContent.startsWith('paused')")
    names = page.evaluate("document.getElementById('panel-0').data.map(t => t.name)")
    assert names[:2] == ["P(class 1)", "p = 0.5"]
    assert {"training", "validation"} <= set(names)
    z = page.evaluate("document.getElementById('panel-0').data[0].z.flat()")
    assert min(z) < 0.1  # confident on both sides
    assert max(z) > 0.9
    seen = colours_of(page, "#panel-0", "playground-heatmap-binary", screenshot)
    assert seen["distinct"] > 50, seen
    assert seen["blue"] > 2000, seen
    assert seen["orange"] > 2000, seen
    # The network view of the 2-8-8-1 MLP: 19 unit maps, 2*8 + 8*8 + 8*1 weight lines.
    assert page.evaluate("document.querySelectorAll('#network canvas').length") == 19
    assert page.evaluate("document.querySelectorAll('#network svg line').length") == 88
    seen = colours_of(page, "#network", "playground-network", screenshot)
    assert seen["distinct"] > 30, seen
    assert seen["blue"] > 300, seen
    assert seen["orange"] > 300, seen
    # Multiclass: the winning class's colour, its probability as intensity.
    page.goto(page.base + "/?dataset=spirals")
    page.wait_for_selector(READY)
    press(page, "#train")
    wait_until(page, f"{VALIDATION}.length === 1 && Math.max(...{VALIDATION}[0].y) >= 0.9", 30)
    press(page, "#pause")
    wait_until(page, "document.getElementById('status').textContent.startsWith('paused')")
    wait_until(page, "document.getElementById('panel-0')?.data?.[0]?.name === 'winning class'")
    seen = colours_of(page, "#panel-0", "playground-heatmap-multiclass", screenshot)
    for hue in ("blue", "orange", "green"):
        assert seen[hue] > 1000, seen
    # Regression with one feature: the fitted curves and the band where they disagree.
    page.goto(page.base + "/?dataset=linear_outliers&losses=mse,mae")
    page.wait_for_selector(READY)
    press(page, "#train")
    band = (
        "document.getElementById('data-plot').data"
        ".find(t => t.name === 'where the losses disagree')"
    )
    wait_until(page, f"{band}?.y?.length === 101", 20)
    gap = page.evaluate(
        f"(() => {{ const d = document.getElementById('data-plot').data;"
        f" const lo = {band}.y, hi = d[d.indexOf({band}) - 1].y;"
        f" return Math.max(...hi.map((v, j) => v - lo[j])); }})()"
    )
    assert gap > 0  # MSE and MAE fit the outliers differently
    screenshot(page, "playground-band")
    press(page, "#stop")
    assert not page.errors


def test_copy_as_python_prints_the_numbers_the_page_shows(page, screenshot, tmp_path):
    import csv
    import os
    import subprocess
    import sys
    from pathlib import Path

    # An L1 rate from the address: the job trains with it and the script carries it.
    page.goto(page.base + "/?dataset=moons&l1=0.002")
    page.wait_for_selector(READY)
    assert page.input_value("#l1") == "0.002"
    press(page, "#train")
    wait_until(page, "document.getElementById('loss-plot').data?.[0]?.y?.length >= 60", 20)
    press(page, "#pause")
    wait_until(page, "!document.getElementById('step').disabled")
    wait_until(page, "!document.getElementById('download-csv').disabled")
    # Each run settles at the end of its epoch (the runs train in threads of their own).
    trs = "[...document.querySelectorAll('#results tbody tr')]"
    wait_until(page, f"{trs}.length === 2 && {trs}.every(tr => tr.dataset.state === 'paused')")
    table = page.evaluate(
        """[...document.querySelectorAll('#results tbody tr')].map(tr => Object.fromEntries(
        [...tr.querySelectorAll('td')].map(td => [td.dataset.key, td.textContent])))"""
    )
    assert len(table) == 2
    assert int(table[0]["epoch"]) >= 60
    press(page, "#copy-python")
    wait_until(page, "document.getElementById('python-script').value.includes('execute(spec)')")
    script = page.input_value("#python-script")
    assert "l1=0.002," in script
    path = tmp_path / "setup.py"
    path.write_text(script)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    printed = []
    for line in done.stdout.strip().splitlines():
        fields = dict(item.split("=", 1) for item in line.split() if "=" in item)
        printed.append({k: v for k, v in fields.items() if k == "epoch" or "_" in k})
    assert len(printed) == 2
    for shown, again in zip(table, printed, strict=True):
        # Each run's epochs are its own: the script trains each as far as the page shows.
        assert again["epoch"] == shown["epoch"]
        for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy"):
            assert float(again[key]) == pytest.approx(float(shown[key]), rel=1e-5), key
    # Download results: every epoch of both runs, the last rows the table's numbers.
    with page.expect_download() as download:
        press(page, "#download-csv")
    with open(download.value.path(), newline="") as handle:
        rows = list(csv.DictReader(handle))
    epochs = int(table[0]["epoch"])
    assert [int(r["epoch"]) for r in rows if r["run"] == "0"] == list(range(1, epochs + 1))
    assert len(rows) == epochs + int(table[1]["epoch"])
    last = [r for r in rows if r["run"] == "1"][-1]
    assert float(last["val_loss"]) == pytest.approx(float(table[1]["val_loss"]), rel=1e-5)
    screenshot(page, "playground-python", full_page=True)
    assert not page.errors


RESULTS = """Object.fromEntries([...document.querySelectorAll('#results tbody tr')].map(tr =>
  [tr.querySelector('th').textContent, Object.fromEntries([...tr.querySelectorAll('td')].map(
  td => [td.dataset.key, Number(td.textContent)]))]))"""


def curve(page, plot: str, name: str) -> list[float]:
    """The y values of the trace called ``name`` in a plot, as the page draws them."""
    return page.evaluate(f"document.getElementById('{plot}').data.find(t => t.name === {name!r}).y")


def first_epoch(values: list[float], threshold: float) -> int:
    return next((i + 1 for i, v in enumerate(values) if v is not None and v >= threshold), 10**9)


def check_outliers(page):
    table = page.evaluate(RESULTS)
    assert table["mse"]["val_mae"] > table["mae"]["val_mae"]
    assert table["mse"]["val_mae"] > table["huber(delta=1)"]["val_mae"]


def check_saturation(page):
    ce = curve(page, "metric-plot", "bce_with_logits(pos_weight=1) (validation)")
    mse = curve(page, "metric-plot", "mse_probability (validation)")
    assert first_epoch(ce, 0.8) < first_epoch(mse, 0.8)


def check_calibration(page):
    accuracy = curve(page, "metric-plot", "bce_with_logits(pos_weight=1) (validation)")
    loss = curve(page, "loss-plot", "bce_with_logits(pos_weight=1)")
    assert max(accuracy[19:]) - min(accuracy[19:]) <= 0.02
    assert loss[-1] < loss[19]


def check_pos_weight(page):
    table = page.evaluate(RESULTS)
    plain, weighted = table["bce"], table["bce_with_logits(pos_weight=5)"]
    assert weighted["val_recall"] > plain["val_recall"]
    assert weighted["val_precision"] < plain["val_precision"]


def check_overfitting(page):
    train = curve(page, "metric-plot", "mse")
    val = curve(page, "metric-plot", "mse (validation)")
    best = min(range(len(val)), key=val.__getitem__)
    assert best < len(val) - 100
    assert val[-1] >= 1.2 * val[best]
    assert train[-1] < train[best]


def check_confidence(page):
    bce = page.evaluate("document.getElementById('loss-plot').data.find(t => t.name === 'bce')")

    def at(p):
        j = min(range(len(bce["x"])), key=lambda i: abs(bce["x"][i] - p))
        assert abs(bce["x"][j] - p) < 0.005
        return bce["y"][j]

    assert 60 < at(0.51) / at(0.99) < 75  # "about 67 times more"
    assert at(0.1) == pytest.approx(2.3, abs=0.05)


CHECKS = {
    "outliers": check_outliers, "saturation": check_saturation,
    "calibration": check_calibration, "pos_weight": check_pos_weight,
    "overfitting": check_overfitting, "confidence": check_confidence,
}  # fmt: skip


def test_each_preset_runs_and_its_caption_holds(page, screenshot):
    from losslab.web.presets import PRESETS

    assert [p["name"] for p in PRESETS] == list(CHECKS)
    # The lessons page links every preset.
    page.goto(page.base + "/lessons")
    page.wait_for_selector(READY)
    linked = page.evaluate(
        "[...document.querySelectorAll('#preset-links a')].map(a => a.dataset.preset)"
    )
    assert linked == list(CHECKS)
    for preset in PRESETS:
        page.goto(page.base + "/")
        page.wait_for_selector(READY)
        press(
            page, f"#preset-list button[data-preset={preset['name']}]"
        )  # one click: set up, train
        page.wait_for_selector(READY)
        if preset["link"].startswith("/explorer"):
            wait_until(page, "!document.getElementById('preset-caption').hidden")
        else:
            finished = "document.getElementById('status').textContent.startsWith('finished')"
            wait_until(page, finished, 30)
            wait_until(page, "document.querySelectorAll('#results tbody tr').length > 0")
        assert page.inner_text("#preset-watch").endswith(preset["watch"])
        assert page.inner_text("#preset-setup") == preset["setup"]
        CHECKS[preset["name"]](page)
        screenshot(page, f"preset-{preset['name']}")
    assert not page.errors


def test_input_features_by_keyboard_make_xor_linear(page):
    page.goto(page.base + "/?dataset=xor&noise=0&model=linear&cap=1&epochs=600&speed=4000")
    page.wait_for_selector(READY)
    for feature in ("x1", "x2", "x1x2"):
        page.focus(f"#feature-{feature}")
        page.keyboard.press("Space")
    assert not page.is_checked("#feature-x1")
    assert page.is_checked("#feature-x1x2")
    assert "features=x1x2" in page.url
    press(page, "#train")
    wait_until(page, "document.getElementById('status').textContent.startsWith('finished')", 60)
    wait_until(page, "document.querySelectorAll('#results tbody tr').length === 2")
    table = page.evaluate(RESULTS)
    assert min(row["val_accuracy"] for row in table.values()) >= 0.95
    assert not page.errors


def test_landscape_follows_two_playground_runs_live(page, screenshot):
    import io

    from PIL import Image

    page.goto(page.base + "/?dataset=moons&speed=60")
    page.wait_for_selector(READY)
    press(page, "#train")
    wait_until(page, "window.losslabRecords?.length === 2 && window.losslabRecords[1] >= 3", 20)
    link = page.get_attribute("#landscape-link", "href")
    assert link.startswith("/landscape?job=")
    tab = page.context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.goto(page.base + link)
    tab.wait_for_selector(READY)
    both = "window.losslabRunSlices.every(s => s !== null)"
    wait_until(tab, both, 20)
    # The MLP gets the filter-normalised random plane; two runs, two losses, side by side.
    slices = tab.evaluate("window.losslabRunSlices")
    assert [s["plane"] for s in slices] == ["random", "random"]
    assert slices[0]["loss"] != slices[1]["loss"]
    for plot in ("run-landscape-a", "run-landscape-b"):
        assert tab.evaluate(f"document.getElementById('{plot}').data.length") == 3
    # The current point moves as epochs arrive.
    first = slices[0]
    wait_until(tab, f"window.losslabRunSlices[0]?.epochs.at(-1) >= {first['epochs'][-1] + 10}", 20)
    later = tab.evaluate("window.losslabRunSlices[0]")
    assert later["current"] != first["current"]
    assert len(later["path"]) > len(first["path"])
    drawn = tab.evaluate("document.getElementById('run-landscape-a').data[2].x[0]")
    wait_until(tab, f"document.getElementById('run-landscape-a').data[2].x[0] !== {drawn}", 10)
    # The surface renders: the plot's pixels hold a colour scale, not a blank box.
    png = tab.locator("#run-landscape-a").screenshot()
    colours = Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 20)
    assert len(colours) > 200, len(colours)
    screenshot(tab, "landscape-runs-random")
    # The trajectory's own PCA plane, centred on the current point.
    tab.select_option("#run-plane", "pca")
    wait_until(tab, "window.losslabRunSlices.every(s => s?.plane === 'pca')", 20)
    assert tab.evaluate("window.losslabRunSlices[0].current") == [0.0, 0.0]
    screenshot(tab, "landscape-runs-pca")
    tab.close()
    assert not errors
    press(page, "#stop")
    wait_until(page, "document.getElementById('status').textContent.startsWith('stopped')")
    assert not page.errors
