"""The seeded fuzz (tests/losses/fuzz.py) in CI: over 10^5 inputs, zero problems of any kind.

It counts NaN for valid input, inf where the truth is finite, fused/plain disagreement and
error beyond the exactness table on a sample, per loss and dtype; the table is in the
failure message. A bigger run: ``python tests/losses/fuzz.py --n 1000000 --seed 1``.
"""

from __future__ import annotations

import fuzz


def test_fuzz_finds_nothing(require):
    require("mpmath")
    counts = fuzz.run(n_per_loss=4000, seed=0, sample=20)
    assert sum(c.inputs for c in counts.values()) >= 100_000
    problems = {key: c for key, c in counts.items() if c.problems}
    examples = "\n".join(f"{k}: {e}" for k, c in problems.items() for e in c.examples)
    assert not problems, f"\n{fuzz.table(counts)}\n{examples}"
