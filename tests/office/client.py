"""Venv-side client of ``lo_bridge.py``: runs LibreOffice jobs in Debian's python3 (which has uno).

Nothing here imports uno.  Each call starts one bridge process, which starts and always stops its
own headless soffice (about 1-1.5 s to start; a fill job adds about 0.3-3 s).

    from tests.office import client
    client.require_office()            # skip, or fail when $CI is set, if LibreOffice is missing
    client.fill_docx(src, dst, [{"bookmark": "maa_name", "op": "text", "value": "Jane"}])
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import warnings
from pathlib import Path

SOFFICE = Path(os.environ.get("MAA_SOFFICE", "/usr/bin/soffice"))
SYSTEM_PYTHON = Path(os.environ.get("MAA_UNO_PYTHON", "/usr/bin/python3"))
BRIDGE = Path(__file__).with_name("lo_bridge.py")
DEFAULT_TIMEOUT = 120.0


class OfficeError(RuntimeError):
    """The bridge failed: the message carries its JSON error and stderr."""

    def __init__(self, message: str, result: dict | None = None, stderr: str = ""):
        super().__init__(message)
        self.result = result or {}
        self.stderr = stderr


def _clean_env() -> dict[str, str]:
    # The venv's variables must not leak into the system interpreter or soffice.
    return {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    }


@functools.lru_cache(maxsize=1)
def _availability() -> tuple[bool, str]:
    if not SOFFICE.exists():
        return False, f"{SOFFICE} not found (install libreoffice-writer and libreoffice-calc)"
    if not SYSTEM_PYTHON.exists():
        return False, f"{SYSTEM_PYTHON} not found"
    try:
        proc = subprocess.run(
            [str(SYSTEM_PYTHON), "-c", "import uno"], capture_output=True, text=True, timeout=30, env=_clean_env()
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{SYSTEM_PYTHON} -c 'import uno' failed: {exc}"
    if proc.returncode != 0:
        return False, f"{SYSTEM_PYTHON} cannot import uno (install python3-uno): {proc.stderr.strip()[-300:]}"
    return True, ""


def soffice_available() -> bool:
    """True when LibreOffice and a python3 with the ``uno`` module are both there."""
    return _availability()[0]


def require_office() -> None:
    """Skip the calling test when LibreOffice is missing, but fail under CI (``$CI`` set)."""
    import pytest

    ok, why = _availability()
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"LibreOffice round-trip tests must run in CI, but: {why}", pytrace=False)
    pytest.skip(f"LibreOffice not available: {why}")


CRASH_RETRIES = 2


def run_job(job: dict, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Run one bridge job and return its JSON result; raise OfficeError unless it says ok.

    soffice 7.4.7 sometimes dies in an idle timer while a hidden document is being edited
    (the UNO call then fails with "bridge disposed"). That is the test client crashing, not
    maa: the job is run again from scratch, at most CRASH_RETRIES more times.
    """
    for attempt in range(CRASH_RETRIES + 1):
        try:
            return _run_job_once(job, timeout) | {"attempts": attempt + 1}
        except OfficeError as exc:
            if "disposed" not in str(exc).lower() or attempt == CRASH_RETRIES:
                raise
            # Say so (pytest lists warnings at the end of the run): a crash that keeps coming
            # back is worth finding, not hiding behind the retry.
            first = str(exc).strip().splitlines()[0][:300]
            warnings.warn(f"soffice crashed during {job.get('op')} ({first}); running it again", stacklevel=2)
    raise AssertionError("unreachable")


def _run_job_once(job: dict, timeout: float) -> dict:
    # The bridge's own watchdog fires first (it can still kill soffice and report); the hard
    # timeout here is the backstop.
    job = {"timeout": max(timeout - 10, 10)} | job
    with tempfile.TemporaryDirectory(prefix="maa-job-") as tmp:
        job_path = Path(tmp, "job.json")
        job_path.write_text(json.dumps(job, default=str), encoding="utf-8")
        proc = subprocess.Popen(
            [str(SYSTEM_PYTHON), str(BRIDGE), str(job_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_clean_env(),
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)  # the bridge kills its soffice on SIGTERM
            try:
                out, err = proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            raise OfficeError(
                f"LibreOffice bridge timed out after {timeout:.0f} s ({job.get('op')}): {out.strip()} {err.strip()[-2000:]}",
                stderr=err,
            ) from None
    lines = [line for line in out.splitlines() if line.strip()]
    try:
        result = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        result = None
    if not isinstance(result, dict):
        raise OfficeError(
            f"LibreOffice bridge gave no JSON result (exit {proc.returncode}); stdout: {out[-1000:]!r}; stderr: {err[-3000:]}",
            stderr=err,
        )
    if not result.get("ok"):
        detail = (result.get("traceback") or err.strip()) + "\n" + str(result.get("soffice", ""))
        raise OfficeError(
            f"LibreOffice bridge failed ({job.get('op')}): {result.get('error')}\n{detail[-3000:]}", result, err
        )
    return result


def fill_xlsx(src, dst, cells: list[dict], timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Fill cells like a person typing (``how`` "type", the default) or via the API (``how`` "api").

    cell: ``{"name": DEFINED_NAME}`` or ``{"sheet": ..., "cell": "C5"}``, plus ``value``,
    ``kind`` ("text" | "number" | "date": used with ``how="api"``; date value is ISO).
    """
    return run_job({"op": "fill_xlsx", "src": str(src), "dst": str(dst), "cells": cells}, timeout)


def fill_docx(src, dst, actions: list[dict], track_changes: bool = False, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Fill Word content controls / input fields like a person.

    action: ``{"index": N}`` (reading order, tables included) or ``{"bookmark": NAME}``, plus
    ``op``: "text" (value), "select" (value: display text or value), "date" (text as typed,
    optional iso "YYYY-MM-DD"), "check" (value: bool), "type_beside" (value typed after the control).
    Text goes in by typing (``.uno:InsertText`` on a selection); ``"how": "api"`` sets it through
    the model instead.  Each result in ``filled`` says which was used (``how``: typed | api).
    The bridge indexes the document once per job (``walks`` in the result counts whole-document
    walks, ``walk_s`` their time); only typing beside a control or tracked changes walk again.
    """
    job = {"op": "fill_docx", "src": str(src), "dst": str(dst), "actions": actions, "track_changes": track_changes}
    return run_job(job, timeout)


def to_pdf(src, dst, timeout: float = DEFAULT_TIMEOUT) -> dict:
    return run_job({"op": "to_pdf", "src": str(src), "dst": str(dst)}, timeout)


def inspect(src, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """What LibreOffice sees in a file (controls, fields, bookmarks / names, cells)."""
    return run_job({"op": "inspect", "src": str(src)}, timeout)


def pdf_to_png(pdf, png, timeout: float = 60.0) -> Path:
    """Render page 1 of ``pdf`` at 60 dpi to ``png`` (needs pdftoppm from poppler-utils)."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise OfficeError("pdftoppm not found (install poppler-utils)")
    png = Path(png)
    # pdftoppm appends ".png" itself; -singlefile stops it adding a page number too.
    root = png.with_suffix("") if png.suffix == ".png" else png
    proc = subprocess.run(
        [exe, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(root)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    out = root.with_name(root.name + ".png")
    if proc.returncode != 0 or not out.exists():
        raise OfficeError(f"pdftoppm failed ({proc.returncode}): {proc.stderr.strip()}")
    if out != png:
        out.replace(png)
    return png
