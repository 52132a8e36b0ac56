"""The results folder: atomic files, temp files cleaned, one config per folder."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sweep_helpers import TINY

from losslab.sweep import ConfigChangedError, Store, atomic_write, expand, loads_config


def test_atomic_write_leaves_nothing_when_the_writer_fails(tmp_path):
    def broken(handle):
        handle.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "x.parquet", broken)
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_replaces_whole_files(tmp_path):
    atomic_write(tmp_path / "a", lambda handle: handle.write(b"old"))
    atomic_write(tmp_path / "a", lambda handle: handle.write(b"new"))
    assert (tmp_path / "a").read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["a"]


def test_prepare_writes_the_manifest_and_cleans_temp_files(tmp_path):
    config = loads_config(TINY)
    plan = expand(config)
    store = Store(tmp_path / "out")
    store.prepare(plan, config.model_dump(mode="json"))
    leftover = store.runs_dir / "abc.parquet.x1y2.tmp"
    leftover.write_bytes(b"partial")
    (store.root / "manifest.json.zz.tmp").write_bytes(b"{")
    store.prepare(plan, config.model_dump(mode="json"))
    assert list(store.root.rglob("*.tmp")) == []
    manifest = json.loads(store.manifest_path.read_text())
    assert manifest["config_hash"] == plan.config_hash
    assert [item["run_id"] for item in manifest["runs"]] == [run.run_id for run in plan.runs]
    assert [run.run_id for run in store.planned()] == [run.run_id for run in plan.runs]


def test_another_config_is_refused_unless_forced(tmp_path):
    config = loads_config(TINY)
    other = loads_config(TINY.replace("epochs = 8", "epochs = 9"))
    store = Store(tmp_path)
    store.prepare(expand(config), config.model_dump(mode="json"))
    with pytest.raises(ConfigChangedError, match="different sweep config"):
        store.prepare(expand(other), other.model_dump(mode="json"))
    store.prepare(expand(other), other.model_dump(mode="json"), force=True)
    assert store.read_manifest()["config_hash"] == expand(other).config_hash


def test_runs_and_failures(tmp_path):
    config = loads_config(TINY)
    plan = expand(config)
    store = Store(tmp_path)
    store.prepare(plan, config.model_dump(mode="json"))
    first, second = plan.runs[:2]
    store.write_failure(first, "Traceback ...\nValueError: boom")
    store.write_run(second.run_id, pd.DataFrame({"epoch": [0, 1], "run_id": second.run_id}))
    assert store.finished() == {second.run_id}
    assert [record["run_id"] for record in store.failures()] == [first.run_id]
    # A retry that succeeds clears the failure.
    store.write_run(first.run_id, pd.DataFrame({"epoch": [0], "run_id": first.run_id}))
    assert store.failures() == []
    assert not (store.failed_dir / f"{first.run_id}.json").exists()
    assert len(store.read_runs()) == 3
