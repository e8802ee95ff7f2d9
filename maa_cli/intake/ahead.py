"""Reading returns ahead on the other cores, for a run with many new files.

For a run with at least :data:`POOL_FROM` files to read, worker processes (started with
``spawn``, as on Windows) take the files in batches. Each copies a file into a folder of its
own in the restricted store, hashing it, and for an issued form identified by its document
properties (nearly every return) does all that judging it takes — safety checks, identity and
seal, answers, judgement, the record to keep — exactly as the main process would
(:func:`~maa_cli.intake.examine.prejudge`). The main process goes on file by file in order, as
a run on one core does, and uses a worker's outcome only while the file still has the size and
modification time the worker saw (the rule by which any run reuses a decision); it keeps the
very bytes the worker judged. For any other file a worker only inspects and reads it, and the
main process uses that for a copy it staged itself with the same SHA-256. A batch no worker has
started by the time the main process reaches it is taken back and read there, so no core waits
on another. Writing (records, kept copies, the state, the run log) stays in the main process,
in the same order as a run on one core.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path

from . import examine
from .examine import Context, Prejudged, Preread, prejudge
from .state import AHEAD_DIR

#: Fewer files to read than this are read in this process: starting workers costs about a second.
POOL_FROM = 64
#: Most worker processes.
MAX_WORKERS = 4
#: Files a worker reads per task (a few tens of milliseconds of work).
BATCH = 8
#: The first files to read are left to the main process, which reads them while the workers start (starting a
#: worker takes about half a second: Python, maa, the audit), rather than wait for their first batches.
HEAD_START = 48
#: Batches handed to the workers ahead of the main process. Their results hold each return's bytes until the
#: main process takes them: the window bounds that (WINDOW x BATCH returns of at most SHIP_BYTES each).
WINDOW = 32
#: Whether the main process takes back a batch no worker has started (tests turn it off to see the workers' results used).
TAKE_BACK = True


_STATE: dict = {}


def _start(root: str, now: float, ship_bytes: int) -> None:
    from ..forms.manifest import read_manifest
    from ..setup.workspace import open_workspace

    ws = open_workspace(Path(root))
    folder = ws.restricted_dir / AHEAD_DIR / str(os.getpid())
    _STATE["ctx"] = Context(ws, read_manifest(ws), folder, now, ws.form_key, ship_bytes=ship_bytes)


def _read_batch(items: list[tuple[str, str]]) -> list[Prejudged | Preread | None]:
    ctx = _STATE["ctx"]
    try:
        return [prejudge(Path(path), shown, ctx) for path, shown in items]
    finally:
        shutil.rmtree(ctx.staging, ignore_errors=True)


class Ahead:
    """Batches of files being read by workers; :meth:`take` before judging each file."""

    def __init__(self, ws, items: list[tuple[Path, str]], workers: int, now: float):
        from concurrent.futures import ProcessPoolExecutor

        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start, initargs=(str(ws.root), now, examine.SHIP_BYTES))
        self.folder = ws.restricted_dir / AHEAD_DIR
        self.waiting: dict[Path, object] = {}
        self.batches = [items[i:i + BATCH] for i in range(0, len(items), BATCH)]
        self.handed = self.ahead = 0  # batches handed to the pool; of those, not yet taken by the main process
        self._hand()

    def _hand(self) -> None:
        """Keep :data:`WINDOW` batches with the workers (the main process takes them in order, so the batch of
        the file it reaches has always been handed over)."""
        while self.handed < len(self.batches) and self.ahead < WINDOW:
            batch = self.batches[self.handed]
            future = self.pool.submit(_read_batch, [(str(p), shown) for p, shown in batch])
            future.paths = [p for p, _ in batch]
            for p, _ in batch:
                self.waiting[p] = future
            self.handed += 1
            self.ahead += 1

    @classmethod
    def start(cls, ws, items: list[tuple[Path, str]], now: float, workers: int | None = None) -> Ahead | None:
        """Workers reading ahead the files of ``items`` (each with how messages name it), judged against ``now``;
        None when this process should read them itself."""
        if workers is None:
            workers = min(os.cpu_count() or 1, MAX_WORKERS) if len(items) >= POOL_FROM else 1
        if workers <= 1 or len(items) <= HEAD_START:
            return None
        try:
            return cls(ws, items[HEAD_START:], workers, now)
        except OSError:  # no processes to be had here: read in this process
            return None

    def take(self, path: Path, ctx: Context) -> None:
        """Put what the workers made of ``path`` (and its batch) into ``ctx``: an outcome by path
        (``prejudged``), what was read by SHA-256 (``preread``); nothing if this process reads them."""
        future = self.waiting.get(path)
        if future is None:
            return
        for p in future.paths:
            self.waiting.pop(p, None)
        self.ahead -= 1
        self._hand()  # before waiting: the workers go on with the next batches meanwhile
        if TAKE_BACK and future.cancel():
            return  # no worker had started it: this process reads these files
        try:
            found = future.result()
        except Exception:  # noqa: BLE001 - a worker that failed costs only time: the files are read here
            return
        for p, pre in zip(future.paths, found, strict=True):
            if isinstance(pre, Prejudged):
                ctx.prejudged[str(p)] = pre
            elif pre is not None:
                ctx.preread[pre.sha256] = pre

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.folder, ignore_errors=True)
