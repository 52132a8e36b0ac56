"""The accelerator benchmark's code path, run on CPU tensors (CI has no GPU).

On a machine with CUDA, ``make bench`` runs the same function on the GPU; this
test keeps it from rotting where no GPU is at hand.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from accelerator import accelerator_rows, markdown


def test_every_loss_runs_on_tensors_and_matches_torch():
    # accelerator_rows raises when a value differs from torch's or the gradient leaves the
    # device; here the device is the CPU.
    rows = accelerator_rows("cpu", n=2000, n_classes=5, repeats=1)
    assert {r["loss"] for r in rows} >= {"mse", "bce_with_logits", "cross_entropy", "kl_div"}
    assert len(rows) == 2 * 15
    assert all(r["losslab_ms"] > 0 and r["torch_ms"] > 0 for r in rows)
    table = markdown(rows, "CPU tensors")
    assert table[0] == "## On an accelerator: CPU tensors"
    assert len(table) == 6 + len(rows)
