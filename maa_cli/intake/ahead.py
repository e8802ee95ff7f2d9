"""Reading returns ahead on the other cores, for a run with many new files.

Judging a return is mostly two pure functions of its bytes: the safety checks
(:func:`~maa_cli.intake.safety.inspect_file`) and reading the answers. For a run with at
least :data:`POOL_FROM` files to read, worker processes (started with ``spawn``, as on
Windows) copy each file into a folder of their own in the restricted store, hash it, and
do both; the main process goes on exactly as before, file by file in order, and takes a
worker's result for a file only when the copy it staged itself has the same SHA-256, so a
file changed in between is simply read again. A batch no worker has started by the time
the main process reaches it is taken back and read there, so no core waits on another.
Everything else (the decision, the records, the state, the run log) stays in the main
process, in the same order as a run on one core.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path

from .examine import Preread, preread
from .state import AHEAD_DIR

#: Fewer files to read than this are read in this process: starting workers costs about a second.
POOL_FROM = 64
#: Most worker processes.
MAX_WORKERS = 4
#: Files a worker reads per task (a few tens of milliseconds of work).
BATCH = 8
#: Whether the main process takes back a batch no worker has started (tests turn it off to see the workers' results used).
TAKE_BACK = True


_STATE: dict = {}


def _start(root: str) -> None:
    from ..forms.manifest import read_manifest
    from ..setup.workspace import open_workspace

    ws = open_workspace(Path(root))
    folder = ws.restricted_dir / AHEAD_DIR / str(os.getpid())
    _STATE.update(ws=ws, manifest=read_manifest(ws), folder=folder)


def _read_batch(paths: list[str]) -> list[Preread | None]:
    ws, manifest, folder = _STATE["ws"], _STATE["manifest"], _STATE["folder"]
    try:
        return [preread(Path(p), ws, manifest, folder) for p in paths]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Ahead:
    """Batches of files being read by workers; :meth:`take` before judging each file."""

    def __init__(self, ws, paths: list[Path], workers: int):
        from concurrent.futures import ProcessPoolExecutor

        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start, initargs=(str(ws.root),))
        self.folder = ws.restricted_dir / AHEAD_DIR
        self.waiting: dict[Path, object] = {}
        for i in range(0, len(paths), BATCH):
            batch = paths[i:i + BATCH]
            future = self.pool.submit(_read_batch, [str(p) for p in batch])
            future.paths = batch
            for p in batch:
                self.waiting[p] = future

    @classmethod
    def start(cls, ws, paths: list[Path], workers: int | None = None) -> Ahead | None:
        """Workers reading ``paths`` ahead, or None when this process should read them itself."""
        if workers is None:
            workers = min(os.cpu_count() or 1, MAX_WORKERS) if len(paths) >= POOL_FROM else 1
        if workers <= 1 or not paths:
            return None
        try:
            return cls(ws, paths, workers)
        except OSError:  # no processes to be had here: read in this process
            return None

    def take(self, path: Path, into: dict[str, Preread]) -> None:
        """Put what the workers read of ``path`` (and its batch) into ``into``, by SHA-256; nothing if it is read here."""
        future = self.waiting.get(path)
        if future is None:
            return
        for p in future.paths:
            self.waiting.pop(p, None)
        if TAKE_BACK and future.cancel():
            return  # no worker had started it: this process reads these files
        try:
            found = future.result()
        except Exception:  # noqa: BLE001 - a worker that failed costs only time: the files are read here
            return
        for pre in found:
            if pre is not None:
                into[pre.sha256] = pre

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.folder, ignore_errors=True)
