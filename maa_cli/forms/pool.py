"""Writing a run's forms: stamped from a base per kind of form, on every core when there are many.

The bases are built here, in the calling process (one per form type, file format and shape;
see :mod:`maa_cli.forms.stamp`). Each form is then one :class:`~maa_cli.forms.stamp.Job`:
stamp, write atomically, hash. Below :data:`POOL_FROM` forms, or on one core, the jobs run
in this process; above it, in worker processes started with ``spawn`` (what Windows uses,
and safe with threads), each given the bases once. Results come back in the order of the
forms, so the caller records them as they arrive and a stopped run has recorded a prefix;
forms a worker wrote past that prefix are adopted by the next run, as after a crash.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

from .content import FormContent
from .stamp import Base, Job, build_base, install_bases, run_job, skeleton

#: Fewer forms than this are written in this process: starting workers costs more than it saves.
POOL_FROM = 200
#: Most worker processes used (each holds the bases; the work is writing files, so more helps little).
MAX_WORKERS = 4
_CHUNK = 16


def write_forms(forms: list[tuple[FormContent, str, Path]], workers: int | None = None) -> Iterator[str]:
    """Write each ``(content, format, path)`` atomically; yield the SHA-256 of each, in order.

    Args:
        workers: processes to use; default: every core (at most :data:`MAX_WORKERS`) when there are
            at least :data:`POOL_FROM` forms, else this process only. 0 or 1: this process only.
    """
    bases: dict[tuple, Base] = {}
    jobs = []
    for content, fmt, path in forms:
        skel = skeleton(content, fmt)
        if skel is None:  # a value stamping cannot reproduce exactly: this form is laid out on its own
            jobs.append(Job(str(path), fmt, content=content))
            continue
        if skel.key not in bases:
            bases[skel.key] = build_base(skel, fmt)
        jobs.append(Job(str(path), fmt, key=skel.key, values=skel.values))
    if workers is None:
        workers = min(os.cpu_count() or 1, MAX_WORKERS) if len(jobs) >= POOL_FROM else 1
    if workers <= 1 or len(jobs) < 2:
        install_bases(bases)
        yield from (run_job(job) for job in jobs)
        return
    yield from _in_workers(jobs, bases, workers)


def _in_workers(jobs: list[Job], bases: dict[tuple, Base], workers: int) -> Iterator[str]:
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=install_bases, initargs=(bases,)) as pool:
        try:
            for job, outcome in zip(jobs, pool.map(_guarded, jobs, chunksize=_CHUNK), strict=True):
                if outcome is None:
                    # The job failed in a worker (a full disk, a file held open): run it here, so the
                    # error raised is exactly the one writing it in this process gives.
                    install_bases(bases)
                    outcome = run_job(job)
                yield outcome
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _guarded(job: Job) -> str | None:
    """A job in a worker; None if it failed (errors are raised again in the calling process, not pickled)."""
    try:
        return run_job(job)
    except Exception:  # noqa: BLE001 - re-run in the caller, which raises it properly
        return None
