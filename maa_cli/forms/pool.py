"""Writing a run's forms: stamped from a base per kind of form, on every core when there are many.

The bases are built in the calling process (one per form type, file format and shape; see
:mod:`maa_cli.forms.stamp`). Each form is then one :class:`~maa_cli.forms.stamp.Job`: stamp,
write atomically, hash. Below :data:`POOL_FROM` forms, or on one core, the jobs run in this
process. Above it they go, in runs of :data:`BATCH` with the bases they need, to worker
processes started with ``spawn`` (what Windows uses; safe with threads). The workers are
started first, so they boot while the bases are laid out, and import only the stamping code.
Results come back in the order of the forms, so the caller records them as they arrive and a
stopped run has recorded a prefix; forms a worker wrote past it are adopted by the next run,
as after a crash.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .stamp import Base, Job, build_base, run_job, skeleton

if TYPE_CHECKING:
    from .content import FormContent

#: Fewer forms than this are written in this process: starting workers costs more than it saves.
POOL_FROM = 200
#: Most worker processes used (the work ends in writing files, so more than the cores helps little).
MAX_WORKERS = 4
#: Forms sent to a worker at a time, with the bases they are stamped from.
BATCH = 48
#: Threads writing in each worker.
THREADS = 8


def write_forms(forms: list[tuple[FormContent, str, Path]], workers: int | None = None) -> Iterator[str]:
    """Write each ``(content, format, path)`` atomically; yield the SHA-256 of each, in order.

    Args:
        workers: processes to use; default: every core (at most :data:`MAX_WORKERS`) when there are
            at least :data:`POOL_FROM` forms, else this process only. 0 or 1: this process only.
    """
    if workers is None:
        workers = min(os.cpu_count() or 1, MAX_WORKERS) if len(forms) >= POOL_FROM else 1
    if workers <= 1 or len(forms) < 2:
        bases: dict[tuple, Base] = {}
        for content, fmt, path in forms:
            yield run_job(_job(content, fmt, path, bases), bases)
        return
    yield from _in_workers(forms, workers)


def _job(content: FormContent, fmt: str, path: Path, bases: dict[tuple, Base]) -> Job:
    """The job for one form, building its base the first time one of its kind is seen."""
    skel = skeleton(content, fmt)
    if skel is None:  # a value stamping cannot reproduce exactly: this form is laid out on its own
        return Job(str(path), fmt, content=content)
    if skel.key not in bases:
        bases[skel.key] = build_base(skel, fmt)
    return Job(str(path), fmt, key=skel.key, values=bases[skel.key].computed(skel.values))


def _in_workers(forms: list[tuple[FormContent, str, Path]], workers: int) -> Iterator[str]:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        try:
            for _ in range(workers):  # start every worker now: they boot while the bases are laid out here
                with contextlib.suppress(BrokenProcessPool):
                    pool.submit(int)
            bases: dict[tuple, Base] = {}
            jobs = [_job(content, fmt, path, bases) for content, fmt, path in forms]
            batches = [jobs[i:i + BATCH] for i in range(0, len(jobs), BATCH)]
            futures = []
            try:
                for batch in batches:
                    futures.append(pool.submit(_write_batch, batch, {j.key: bases[j.key] for j in batch if j.key}))
            except BrokenProcessPool:  # no worker could start: the batches not sent are written here
                pass
            for n, batch in enumerate(batches):
                try:
                    hashes = futures[n].result() if n < len(futures) else [None] * len(batch)
                except BrokenProcessPool:  # a worker died (killed, out of memory): its forms are written here
                    hashes = [None] * len(batch)
                for i, job in enumerate(batch):
                    if hashes[i] is None:
                        # It failed in a worker (a full disk, a file held open): run it here, so the error
                        # raised is exactly the one writing it in this process gives.
                        hashes[i] = run_job(job, bases)
                    yield hashes[i]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _write_batch(jobs: list[Job], bases: dict[tuple, Base]) -> list[str | None]:
    """Jobs in a worker, on :data:`THREADS` threads; the hashes in order, None for a job that failed.

    Threads, because most of a job is waiting for the disk: each atomic write ends in an fsync, and
    the file system commits the fsyncs of several threads together (on ext4 here, 8 threads make
    writing a form about five times faster than one).
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(THREADS) as threads:
        return list(threads.map(lambda job: _guarded(job, bases), jobs))


def _guarded(job: Job, bases: dict[tuple, Base]) -> str | None:
    try:
        return run_job(job, bases)
    except Exception:  # noqa: BLE001 - errors are raised again in the caller, not pickled
        return None
