"""One collect run over ``returns/`` (:func:`maa_cli.intake.collect.collect` starts it): each file
observed in order, read only when new or changed, its record and kept copy written, duplicates
resolved, the current return of each form published, the state saved, and what leaves the run masked.

Kept apart from :mod:`maa_cli.intake.collect` so that a run which finds nothing changed
(:mod:`maa_cli.intake.unchanged`) imports none of the readers, the safety checks or the masking.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import os
import re
import shutil
import stat
import time
from collections.abc import Callable
from pathlib import Path

from ..forms.manifest import counted_forms, is_withdrawn, load_manifest
from ..plain import plain, plain_all
from ..privacy.masking import Masker, masker_for, sort_identifying_value
from ..setup.workspace import Workspace
from . import state as cs
from .ahead import Ahead
from .decision import Decision, pending
from .duplicates import resolve
from .examine import Context, Examined, elapsed_ms, examine
from .exports import still_current
from .judging import identifying_keys
from .outcome import CollectResult, FileDecision
from .safety import MAX_FILE_BYTES
from .sources import find_files
from .state import FileEntry, State

#: A file that changed since the last run and was saved this recently may still be being written.
CHANGING_SECONDS = 120.0
#: Clock skew between a file server and this computer; later modification times are not "recent".
FUTURE_SECONDS = 300.0
#: Progress is saved this often during a long run (a first run over hundreds of returns).
CHECKPOINT_SECONDS = 2.0


def match_file(ws: Workspace, given: str, candidates: dict[str, FileEntry], masker) -> str | None:
    """The state key of the return meant by ``given``: its path (real or as listed, masked), or None."""
    text = given.replace("\\", "/").strip()
    for prefix in ("returns/", "./returns/"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    path = Path(given)
    if path.is_absolute() or path.exists():
        with contextlib.suppress(ValueError):  # a path outside returns/: matched by name below, or not at all
            text = path.resolve().relative_to(ws.returns_dir.resolve()).as_posix()
    for key, entry in sorted(candidates.items()):
        if key == cs.path_key(text) or text in (entry.path, masker.path(entry.path or "")):
            return key
    return None

# -- one run -----------------------------------------------------------------------------------------


def run(ws: Workspace, now: float, settle: float, progress, repairs: cs.Repairs | None = None,
        workers: int | None = None) -> CollectResult:
    """One pass over returns/, judged against ``now`` (``settle``: see :func:`~maa_cli.intake.collect.collect`)."""
    cs.clean_leftovers(ws)
    run = _Run(ws, now, settle, repairs)
    ahead = None
    try:
        found, skipped = find_files(ws.returns_dir)
        ahead = Ahead.start(ws, [(p, run.shown(p)) for p in found if run.to_read(p)], now, workers)
        for i, path in enumerate(found, 1):
            if ahead is not None:
                ahead.take(path, run.ctx)
            run.observe(path)
            if progress:
                progress(i, len(found))
        return run.finish(skipped)
    finally:
        if ahead is not None:
            ahead.close()
        run.writer.close()
        shutil.rmtree(run.ctx.staging, ignore_errors=True)  # emptied after each file, removed after the run


class _Run:
    """One pass over returns/. Progress is saved every few seconds, so a run that is killed, or stopped
    by a scheduler's time limit, still leaves the next run less to do."""

    def __init__(self, ws: Workspace, now: float, settle: float, repairs: cs.Repairs | None = None):
        self.ws, self.now, self.settle = ws, now, settle
        self.repairs = repairs or cs.Repairs(ws, now)
        cs.check_kept_files(ws, self.repairs)  # before masker_for, which refuses identifying answers it cannot read
        manifest = load_manifest(ws, repair=True, now=now)
        self.manifest = manifest.forms
        self.repairs.notes += manifest.notes
        state = cs.load_state(ws, self.repairs)
        self.fingerprint = cs.fingerprint(ws, self.manifest)
        self.previous: dict[str, FileEntry] = state.files
        self.trusted: dict[str, FileEntry] = self.previous if state.fingerprint == self.fingerprint else {}
        # The key is read up front: without it no return of a sealed audit could be trusted (fail closed).
        self.ctx = Context(ws, self.manifest, cs.staging_dir(ws), now, ws.form_key)
        self.refusal = ws.identity_problem()
        # Without every child's details nothing typed or named can be masked reliably: show nothing of it.
        self.masker = _Blind() if self.refusal else masker_for(ws)
        self.entries: dict[str, FileEntry] = {}
        self.real: dict[str, str] = {}  # state key -> real path below returns/, for this run only
        self.fresh: dict[str, int] = {}  # state key -> milliseconds, for files read in this run
        self.unlogged: list[dict] = []
        self.saved_at = time.monotonic()
        self.counted = counted_forms(self.manifest)
        self.result = CollectResult([], issued=len(self.counted))
        self.writer = _Writer()
        self.made: dict = {}  # state key -> (entry, its JSON), for checkpoints

    def to_read(self, path: Path) -> bool:
        """Whether ``path`` will probably be read in this run (it is new, or changed since it was judged)."""
        trusted = self.trusted.get(cs.path_key(path.relative_to(self.ws.returns_dir).as_posix()))
        try:
            st = os.lstat(path)
        except OSError:
            return False
        return stat.S_ISREG(st.st_mode) and (trusted is None or trusted.sig != [st.st_size, st.st_mtime_ns])

    def _rel(self, path: Path) -> str:
        rel = path.relative_to(self.ws.returns_dir).as_posix()
        if not rel.isprintable() or any("\udc80" <= ch <= "\udcff" for ch in rel):
            # Bytes that are not valid UTF-8 arrive as lone surrogates: shown as '?' wherever the path is printed.
            rel = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\ufffd", "?")
        return rel

    def shown(self, path: Path) -> str:
        """How messages about ``path`` name it: below returns/, masked."""
        return self.masker.path(self._rel(path))

    def observe(self, path: Path) -> None:
        rel = self._rel(path)
        key = cs.path_key(rel)
        entry, ms, members = _observe(self.ws, path, rel, self.previous.get(key), self.trusted.get(key), self.ctx,
                                      self.settle, self.masker, self.repairs, self.trusted, self.writer)
        entry.path = self.masker.path(rel)
        self._add(key, rel, entry, ms)
        for mkey, mrel, mentry in members:  # the attachments of an e-mail, the members of a zip
            if mrel is not None:
                mentry.path = self.masker.path(mrel)
            mentry.decision.container = entry.path
            self._add(mkey, mrel or mentry.path, mentry, ms)
        if time.monotonic() - self.saved_at > CHECKPOINT_SECONDS and self.unlogged:
            self.checkpoint()

    def _add(self, key: str, rel: str, entry: FileEntry, ms: int | None) -> None:
        self.entries[key], self.real[key] = entry, rel
        if ms is not None:
            self.result.read += 1
            self.fresh[key] = ms
            before = self.previous.get(key)
            if before is None or entry.decision != before.decision:  # a file still pending is not news
                self.unlogged.append(_read_event(entry, ms, self.now, self.masker))
        elif entry.decision.status != "pending":
            self.result.reused += 1
            before = self.trusted.get(key)
            self.result.hashed += before is not None and before.sig != entry.sig

    def checkpoint(self) -> None:
        """Log what was read so far, then save it with the trusted entries of the files not yet reached."""
        self.writer.wait()  # the state must not name a record or copy that is not yet on disk
        cs.append_log(self.ws, self.unlogged)
        self.unlogged = []
        files = {k: v for k, v in self.trusted.items() if k not in self.entries} | self.entries
        # Entries do not change once added (the writer has finished with them: waited for above), so each
        # checkpoint makes JSON only of the entries added since the last.
        cs.save_state(self.ws, State(self.fingerprint, files), self.made)
        self.saved_at = time.monotonic()

    def finish(self, skipped: list[dict]) -> CollectResult:
        ws, entries, result = self.ws, self.entries, self.result
        self.writer.wait()  # every record and copy of this run is on disk before any is published
        withdrawn = {k for k, e in entries.items() if _withdrawn_form(self.manifest, e.decision)}
        choices = cs.read_choices(ws, self.repairs)
        views, current = resolve({k: e for k, e in entries.items() if k not in withdrawn}, choices, ws.root)
        for key in withdrawn:
            views[key] = _withdrawn_view(entries[key].decision, self.manifest)
        cs.publish(ws, current, self.repairs)
        # After publishing, so identifying answers read in this run are masked too.
        masker = self.masker if self.refusal else output_masker(ws)
        files = {}
        for key in sorted(entries, key=lambda k: self.real[k]):
            entries[key].shown = [views[key].status, views[key].code]
            files[key] = _masked(views[key], masker.path(self.real[key]), masker, entries)
        result.files = list(files.values())
        result.skipped = [plain_all(dict(s, path=masker.path(s["path"]))) for s in skipped]
        result.warnings = [plain(masker.text(n)) for n in self.repairs.notes]
        returned = {e.decision.form_id for e in entries.values()
                    if e.decision.form_id in self.counted and e.decision.status not in ("pending", "unverified")}
        result.returned, result.outstanding = len(returned), len(self.counted) - len(returned)
        result.refusal = self.refusal
        events = self.unlogged + _change_events(files, self.previous, entries, self.fresh, masker, self.now)
        if events:
            events.append({"at": cs.now_iso(self.now), "event": "run", "summary": result.summary, "read": result.read,
                           "reused": result.reused, "skipped": len(result.skipped)})
        events += [{"at": cs.now_iso(self.now), "event": "set_aside", "note": w} for w in result.warnings]
        cs.append_log(ws, events)
        cs.save_state(ws, State(self.fingerprint, entries))
        return result


def _withdrawn_form(manifest: dict, d: Decision) -> bool:
    """A return (not still being written) of a form withdrawn when its case was replaced."""
    return d.status != "pending" and is_withdrawn(manifest.get(d.form_id or "") or {})


def _withdrawn_view(d: Decision, manifest: dict) -> Decision:
    entry = manifest[d.form_id]
    by = f", by case {entry['replaced_by']}" if entry.get("replaced_by") else ""
    reason = [f"form {d.form_id} was withdrawn: case {entry.get('case_ref') or '?'} was replaced in the sample{by} "
              f"({entry['withdrawn']}), so this return is not used. Let the sender know it is no longer needed."]
    # The urgent concerns stay: a child at risk now matters whether or not the case is audited.
    return d.copy(status="withdrawn", code="withdrawn", reasons=reason, issues=[])


#: (state key, path below returns/ or None when reused (its masked path stands), entry) of a container's files
Members = list[tuple[str, str | None, FileEntry]]


def _observe(ws, path: Path, rel: str, prev: FileEntry | None, trusted: FileEntry | None, ctx: Context, settle: float,
             masker: Masker, repairs: cs.Repairs | None = None, trusted_all: dict | None = None,
             writer: _Writer | None = None) -> tuple[FileEntry, int | None, Members]:
    """The state entry for one file, how long reading it took (None when it was not read), and for an e-mail or
    zip the entries of the files taken out of it.

    Reused when unchanged, or when only its time changed (same content, e.g. a copied audit); pending
    when it may still be being written; else judged afresh. A decision that could not read the
    answers keeps the urgent concerns of the file's previous version.
    """
    reusable = trusted if trusted is None or _members_valid(ws, trusted, trusted_all or {}, repairs) else None
    entry, ms, members = _observe_file(ws, path, rel, prev, reusable, ctx, settle, masker, repairs, writer)
    if ms is None and entry.members:  # reused: so are the files it held
        members = [(k, None, copy.deepcopy(trusted_all[k])) for k in entry.members]
    if prev is not None and entry.decision.status in ("pending", "rejected") and (prev.shown or [""])[0] != "superseded":
        _keep_urgent(entry.decision, prev.decision)
    return entry, ms, members


def _members_valid(ws: Workspace, entry: FileEntry, trusted_all: dict, repairs) -> bool:
    """A container can be reused only if every file taken out of it can be too."""
    return all(k in trusted_all and _still_valid(ws, trusted_all[k], repairs) for k in entry.members or ())


def _observe_file(ws, path: Path, rel: str, prev: FileEntry | None, trusted: FileEntry | None, ctx: Context,
                  settle: float, masker: Masker, repairs: cs.Repairs | None,
                  writer: _Writer | None = None) -> tuple[FileEntry, int | None, Members]:
    try:
        st = os.lstat(path)
    except OSError:  # gone between listing and now
        return FileEntry(None, pending("changed_while_reading", "the file disappeared while being read")), None, []
    sig = [st.st_size, st.st_mtime_ns]
    if trusted and trusted.sig == sig and _still_valid(ws, trusted, repairs):
        return copy.deepcopy(trusted), None, []  # a copy: the previous entry is compared with it for the run log
    if trusted and _same_content(path, st, trusted) and _still_valid(ws, trusted, repairs):
        kept = copy.deepcopy(trusted)  # copied or moved: a new time, the bytes that were judged
        kept.sig = sig
        return kept, None, []
    age = ctx.now - st.st_mtime
    if not stat.S_ISREG(st.st_mode):  # a link or a pipe is not being written: refuse it now, with the reason
        age = float("inf")
    if -FUTURE_SECONDS < age < settle:
        return FileEntry(sig, pending(
            "recent", "the file was saved moments ago and may still be being written; it will be read on the next run")), None, []
    if prev and prev.sig != sig and -FUTURE_SECONDS < age < CHANGING_SECONDS:
        return FileEntry(sig, pending(
            "changing", "the file has changed since the last run and may still be being written; it will be read on the next run")), None, []
    done = ctx.prejudged.pop(str(path), None)
    # A worker examined these very bytes (see maa_cli.intake.ahead): the file has the size and time it saw.
    if done is not None and done.sig == sig and _bytes_judged(path, done.examined):
        return _keep(ws, done.examined, rel, sig, masker, writer), done.ms, []
    start = time.perf_counter()
    try:
        examined = examine(path, st, ctx, masker.path(rel))
        entry = _keep(ws, examined, rel, sig, masker, writer)
        members = []
        for inner, ex in examined.members:
            mrel = f"{rel}#{inner}"
            members.append((cs.path_key(mrel), mrel, _keep(ws, ex, mrel, sig, masker, writer)))
        entry.members = [k for k, _, _ in members] or None
    finally:
        _empty(ctx.staging)  # at most one staged copy (or container) exists at a time
    return entry, elapsed_ms(start), members


def _bytes_judged(path: Path, examined: Examined) -> bool:
    """The bytes to keep of an accepted return a worker judged but did not send back (a large one): read again,
    and used only if they are the bytes it judged (the same SHA-256); False to examine the file here instead."""
    d = examined.decision
    if d.status != "accepted" or examined.staged_bytes is not None:
        return True
    try:
        fd = os.open(path, _OPEN_FLAGS)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return False
    if len(data) > MAX_FILE_BYTES or hashlib.sha256(data).hexdigest() != d.sha256:
        return False
    examined.staged_bytes = data
    return True


def _empty(folder: Path) -> None:
    """Remove what is in ``folder`` (a staged copy, an unpacked container), keeping the folder for the next file."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _still_valid(ws: Workspace, entry: FileEntry, repairs: cs.Repairs | None = None) -> bool:
    d = entry.decision
    if d.status == "pending" or d.code == "unreadable":  # unreadable: try again every run until it can be read
        return False
    if d.judged and not cs.has_version(ws, d.form_id, d.sha256, repairs):
        return False
    if not still_current(ws, d):  # a self-declared return or export: the officer's column map or 'maa assign' changed
        return False
    return d.status != "accepted" or cs.copy_ok(ws, entry.collected)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _same_content(path: Path, st: os.stat_result, trusted: FileEntry) -> bool:
    """The file holds exactly the bytes its decision was made on, though its size or time changed in the state.

    Only a plain file of the judged size is hashed (streamed, never parsed); one that changes while it is
    hashed is not the same.
    """
    judged = trusted.decision.sha256
    if not (judged and trusted.sig and trusted.sig[0] == st.st_size and stat.S_ISREG(st.st_mode)):
        return False
    digest = hashlib.sha256()
    try:
        fd = os.open(path, _OPEN_FLAGS)
        with os.fdopen(fd, "rb") as handle:
            before = os.fstat(fd)
            if not stat.S_ISREG(before.st_mode):
                return False
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
            after = os.fstat(fd)
    except OSError:
        return False
    unchanged = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    return unchanged and digest.hexdigest() == judged


def _keep_urgent(now: Decision, before: Decision) -> None:
    """Carry the urgent concerns of a file's previous version onto a decision that could not judge the current one.

    A concern about a child is never hidden because a file is being re-saved, was copied half-way, or cannot be
    opened: it stays, marked as from the previous version, until a version that can be read says otherwise.
    """
    if not before.urgent or now.urgent:
        return
    saved = before.modified
    now.urgent = [dict(u, from_previous_version=True, previous_modified=u.get("previous_modified") or saved,
                       note=("from the previous version of this file" + (f" (saved {saved})" if saved else "")
                             + f": the file as it is now is {now.status} ({now.code or 'see reasons'}), so this concern "
                             "still stands until a version that can be read says otherwise"))
                  for u in before.urgent]
    for name in ("form_id", "form_type", "agency", "case_ref"):  # so the concern names its case and agency
        if getattr(now, name) is None:
            setattr(now, name, getattr(before, name))


def _keep(ws: Workspace, examined: Examined, rel: str, sig: list, masker: Masker, writer: _Writer | None = None) -> FileEntry:
    """Record what was read — the collected copy first, then the answers — and return the state entry.

    With ``writer`` the writing is handed to its threads (the copy is taken in memory first: the staged file
    is gone by the time they run); the entry's ``collected`` is filled in when the copy is written.
    """
    d = examined.decision
    entry = FileEntry(sig, d, examined.digest, examined.collected,  # a row of an export: the export's kept copy
                      answered=examined.answered)
    if examined.record is None:
        return entry
    record = dict(examined.record, source_file=masker.path(rel))
    if examined.collected:
        record["collected"] = examined.collected
    staged = (examined.staged_bytes if examined.staged_bytes is not None else examined.staged) if d.status == "accepted" else None
    if isinstance(staged, Path) and writer is not None:
        staged = staged.read_bytes()

    def write() -> None:
        if staged is not None:
            entry.collected = record["collected"] = cs.keep_copy(ws, staged, d, examined.kind or "bin")
        cs.write_version(ws, record, examined.secret)

    if writer is None:
        write()
    else:
        writer.submit(cs.version_name(d.form_id, d.sha256), write)
    return entry


class _Writer:
    """Writes each return's record and kept copy on threads, so that their fsyncs overlap.

    Every atomic write ends in an fsync, three per accepted return; one after another they are most of a
    first run over a county's returns. The run waits for them (:meth:`wait`) before it saves its state or
    publishes, so nothing on disk ever names a record or copy that is not there yet; an error in one (a
    full disk) is raised then. Writes of one version (two identical files) run one after the other.
    """

    THREADS = 8

    def __init__(self):
        self.pool = None
        self.pending: dict[str, object] = {}

    def submit(self, name: str, write: Callable[[], None]) -> None:
        from concurrent.futures import ThreadPoolExecutor

        if name in self.pending:
            self.pending.pop(name).result()
        if self.pool is None:
            self.pool = ThreadPoolExecutor(self.THREADS, thread_name_prefix="maa-collect-write")
        self.pending[name] = self.pool.submit(write)

    def wait(self) -> None:
        """Until every write handed over so far is done; the first error, once all have finished."""
        pending, self.pending = list(self.pending.values()), {}
        errors = [e for e in (f.exception() for f in pending) if e is not None]
        if errors:
            raise errors[0]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None


# -- what leaves the run: masked -------------------------------------------------------------------


class _Masking:
    """The audit's masker plus the identifying answers of returns not (yet) current, e.g. in a conflict."""

    def __init__(self, base: Masker, extra: Masker | None):
        self.base, self.extra = base, extra

    def text(self, text: str) -> str:
        text = self.base.text(text)
        return plain(self.extra.text(text) if self.extra else text)

    def path(self, path: str) -> str:
        path = self.base.path(path)
        path = self.extra.path(path) if self.extra else path
        # A name can hide what a file is (a right-to-left override) or drive a terminal (escape codes).
        return plain(path)


class _Blind:
    """What collect and status show while a case's details are missing from the restricted store: file
    names become a neutral label and every reason is hidden, since a child's name in them could not be
    masked. Statuses, form references and question numbers are still shown."""

    HIDDEN = "(hidden until every case's details are back in the restricted store)"

    def text(self, text: str) -> str:
        return self.HIDDEN if text else text

    def path(self, path: str) -> str:
        if re.fullmatch(r"file [0-9a-f]{8}", path or ""):
            return path  # already a label (a reference to another return)
        return f"file {cs.path_key(path)[:8]}"


def output_masker(ws: Workspace) -> _Masking | _Blind:
    """How collect and status mask what they show: the audit's names and dates of birth
    (:func:`maa_cli.privacy.masking.masker_for`), plus the identifying answers of every return read,
    including those not (yet) current, such as the two sides of a conflict. Blind (shows nothing typed or
    named) while a case's row is missing from the restricted store."""
    if ws.identity_problem() is not None:
        return _Blind()
    base = masker_for(ws)
    if not any(identifying_keys(t) for t in ws.tools.values()):
        return _Masking(base, None)
    names, dates, whole = [], [], []
    folder = ws.restricted_dir / cs.restricted.ANSWERS_DIR / cs.VERSIONS_DIR
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        for value in (cs.read_json(path, {}) or {}).values():
            sort_identifying_value(value, names, dates, whole)
    return _Masking(base, Masker.for_names(names, dates, whole) if names or dates or whole else None)


def _masked(view: Decision, path: str, masker: _Masking, entries: dict[str, FileEntry]) -> FileDecision:
    def text(s: str) -> str:
        # "{file:KEY}" marks a reference to another return, shown by its (masked) path.
        while "{file:" in s:
            start = s.index("{file:")
            end = s.index("}", start)
            s = s[:start] + masker.path(entries[s[start + 6:end]].path or "?") + s[end + 1:]
        return masker.text(s)

    return FileDecision(path=path, status=view.status, code=view.code, form_id=view.form_id, form_type=view.form_type,
                        agency=view.agency, case_ref=view.case_ref, reasons=[text(r) for r in view.reasons],
                        warnings=[text(w) for w in view.warnings],
                        issues=[dict(i, message=text(i["message"])) for i in view.issues],
                        urgent=[plain_all(u) for u in view.urgent], sha256=view.sha256, modified=view.modified,
                        container=masker.path(view.container) if view.container else None,
                        sender=masker.text(view.sender) if view.sender else None, trust=view.trust)


def _read_event(entry: FileEntry, ms: int, now: float, masker: Masker) -> dict:
    """A file read in this run, as judged on its own (before comparing it with other returns of its form)."""
    d = entry.decision
    return {"at": cs.now_iso(now), "event": "read", "file": plain(entry.path or "?"), "status": d.status,
            "code": d.code, "form_id": d.form_id, "sha256": d.sha256, "ms": ms,
            "reasons": [_short_text(plain(masker.text(r))) for r in d.reasons],
            "warnings": [_short_text(plain(masker.text(w))) for w in d.warnings]}


def _change_events(files: dict[str, FileDecision], previous: dict[str, FileEntry], entries: dict[str, FileEntry],
                   fresh: dict, masker: _Masking, now: float) -> list[dict]:
    """Files whose shown status is new or changed (e.g. a conflict arose or was settled), and files gone."""
    stamp = cs.now_iso(now)
    lines = []
    for key, f in files.items():
        shown, base, before = entries[key].shown, entries[key].decision, previous.get(key)
        if (before is not None and shown == before.shown) or (key in fresh and shown == [base.status, base.code]):
            continue
        lines.append({"at": stamp, "event": "decision", "file": f.path, "status": f.status, "code": f.code,
                      "form_id": f.form_id, "sha256": f.sha256, "reasons": f.reasons})
    lines += [{"at": stamp, "event": "gone", "file": masker.path(previous[k].path or "?")}
              for k in sorted(set(previous) - set(entries))]
    return lines


def _short_text(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
