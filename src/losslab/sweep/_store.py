"""The results folder of a sweep: one Parquet file per finished run, and a manifest.

Layout of ``DIR``::

    manifest.json          config hash, the config, every planned run
    runs/<run_id>.parquet  a finished run (ok or diverged): History + config columns
    failed/<run_id>.json   a run that raised: its config and traceback

Every file is written atomically: to a ``*.tmp`` file in the same folder,
flushed and fsynced, then renamed over the target with :func:`os.replace`
(atomic on POSIX and Windows), and the folder is fsynced so the rename
survives a crash. A reader therefore sees a whole file or none; a process
killed mid-write leaves only a ``*.tmp`` file, deleted by the next
:meth:`Store.prepare`.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import pandas as pd

from losslab.sweep._plan import Plan, PlannedRun

__all__ = ["ConfigChangedError", "Store", "atomic_write"]

_FORMAT = 1


class ConfigChangedError(ValueError):
    """The results folder belongs to a different sweep config."""


def _fsync_dir(folder: Path) -> None:
    # Directory fsync makes the rename durable; not possible on Windows, where it is not needed.
    if os.name == "nt":  # pragma: no cover
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write ``path`` all at once: ``write(handle)`` to a temp file, fsync, rename.

    Whatever happens (an exception, KeyboardInterrupt), the temp file is
    removed; a SIGKILL may leave it, and :meth:`Store.prepare` deletes it.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "a.txt", lambda handle: handle.write(b"hello"))
    >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('hello', ['a.txt'])
    """
    fd, temp = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(path.parent)


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()


class Store:
    """The results folder of one sweep.

    Args:
        root: The folder (``--out``); created when needed.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.failed_dir = self.root / "failed"
        self.manifest_path = self.root / "manifest.json"

    def clean_temporary(self) -> list[Path]:
        """Delete the ``*.tmp`` files a killed writer left; return them."""
        removed = []
        for folder in (self.root, self.runs_dir, self.failed_dir):
            if folder.is_dir():
                for path in folder.glob("*.tmp"):
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                        removed.append(path)
        return removed

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None when the folder holds none."""
        if not self.manifest_path.exists():
            return None
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def prepare(self, plan: Plan, config: dict[str, Any], *, force: bool = False) -> None:
        """Make the folder ready for ``plan``: clean temp files, check and write the manifest.

        Runs already in ``runs/`` are kept: a run id is the hash of the run's
        config, so a file with the same id holds the same run, even with
        ``force``.

        Raises:
            ConfigChangedError: If the folder holds another config's manifest
                and ``force`` is False.
        """
        for folder in (self.root, self.runs_dir, self.failed_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.clean_temporary()
        manifest = self.read_manifest()
        if manifest is not None and manifest.get("config_hash") == plan.config_hash:
            return
        if manifest is not None and not force:
            raise ConfigChangedError(
                f"{self.root} holds the results of a different sweep config "
                f"(hash {str(manifest.get('config_hash'))[:12]}, this config "
                f"{plan.config_hash[:12]}); pass --force to adopt this config there "
                "(finished runs it shares are kept) or choose a new --out"
            )
        self.write_manifest(
            {
                "format": _FORMAT,
                "config_hash": plan.config_hash,
                "config": config,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "tasks": plan.tasks,
                "skipped": [list(pair) for pair in plan.skipped],
                "runs": [{"run_id": run.run_id, **run.canonical()} for run in plan.runs],
            }
        )

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``manifest.json`` atomically."""
        atomic_write(self.manifest_path, lambda handle: handle.write(_json_bytes(manifest)))

    def planned(self) -> list[PlannedRun]:
        """The runs the manifest lists (empty without a manifest)."""
        manifest = self.read_manifest() or {}
        return [PlannedRun.from_canonical(item) for item in manifest.get("runs", [])]

    def finished(self) -> set[str]:
        """Ids of the runs with a result file."""
        if not self.runs_dir.is_dir():
            return set()
        return {path.name.removesuffix(".parquet") for path in self.runs_dir.glob("*.parquet")}

    def write_run(self, run_id: str, frame: pd.DataFrame | bytes) -> Path:
        """Write a finished run as ``runs/<run_id>.parquet``; clear an old failure.

        Args:
            run_id: The run.
            frame: Its History frame, or that frame already encoded as Parquet.
        """
        path = self.runs_dir / f"{run_id}.parquet"
        if isinstance(frame, bytes):
            atomic_write(path, lambda handle: handle.write(frame))
        else:
            atomic_write(
                path, lambda handle: frame.to_parquet(handle, engine="pyarrow", index=False)
            )
        with contextlib.suppress(FileNotFoundError):
            (self.failed_dir / f"{run_id}.json").unlink()
        return path

    def write_failure(self, run: PlannedRun, error: str) -> Path:
        """Record a run that raised as ``failed/<run_id>.json`` with its traceback."""
        path = self.failed_dir / f"{run.run_id}.json"
        record = {
            "run_id": run.run_id,
            "run": run.canonical(),
            "label": run.label(),
            "error": error,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        atomic_write(path, lambda handle: handle.write(_json_bytes(record)))
        return path

    def failures(self) -> list[dict[str, Any]]:
        """The failure records of runs that have no result file."""
        if not self.failed_dir.is_dir():
            return []
        done = self.finished()
        records = []
        for path in sorted(self.failed_dir.glob("*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            if record.get("run_id") not in done:
                records.append(record)
        return records

    def read_runs(self, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """The finished runs' frames stacked (those of the manifest by default).

        Columns absent from a run (classification metrics beside regression
        ones) are NaN there.
        """
        if run_ids is None:
            listed = [run.run_id for run in self.planned()]
            run_ids = listed or sorted(self.finished())
        done = self.finished()
        frames = [
            pd.read_parquet(self.runs_dir / f"{run_id}.parquet")
            for run_id in run_ids
            if run_id in done
        ]
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True)
