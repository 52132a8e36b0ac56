"""Two benchmark runs side by side: the "full" rows of two baseline.json files.

    python benchmarks/compare.py OLD/benchmarks/baseline.json benchmarks/baseline.json

Prints a Markdown table: per loss and dtype, the time over the bandwidth proxy
of each run and their ratio (above 1: the new run is slower relative to the
memory bandwidth measured in the same run), the allocating value_and_grad in
ms, and the speed-up over PyTorch of each. Both runs should come from one
machine; the ratio to the bandwidth proxy is what carries over between runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def rows(path: Path) -> dict[tuple[str, str], dict]:
    return {(r["loss"], r["dtype"]): r for r in json.loads(path.read_text())["full"]["rows"]}


def table(old: dict, new: dict) -> str:
    lines = [
        "| loss | dtype | ÷bandwidth before | after | after / before | fused ms before "
        "| after | torch/fused before | after |",
        "|" + " --- |" * 9,
    ]
    for key, r in new.items():
        if key not in old:
            continue
        o = old[key]
        lines.append(
            f"| {key[0]} | {key[1]} | {o['vs_bandwidth']:.2f} | {r['vs_bandwidth']:.2f} "
            f"| {r['vs_bandwidth'] / o['vs_bandwidth']:.2f} | {1e3 * o['fused']:.2f} "
            f"| {1e3 * r['fused']:.2f} | {o['torch_speedup']:.2f} | {r['torch_speedup']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args()
    print(table(rows(args.old), rows(args.new)))


if __name__ == "__main__":
    main()
