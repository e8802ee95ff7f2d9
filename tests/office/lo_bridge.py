#!/usr/bin/python3
"""Test-side bridge to a real LibreOffice, run under Debian's /usr/bin/python3 (which has ``uno``).

Usage::

    /usr/bin/python3 tests/office/lo_bridge.py JOB.json

JOB.json is one object ``{"op": ..., "src": ..., ...}`` with op one of

* ``fill_xlsx``  ``dst``, ``cells``: ``[{"name": DEFINED_NAME | "sheet": S, "cell": "C5",
  "value": ..., "kind": "text|number|date", "how": "type|api"}]``
* ``fill_docx``  ``dst``, ``track_changes``, ``actions``: ``[{"index": N | "bookmark": NAME,
  "op": "text|select|date|check|type_beside", "value": ..., "text": ..., "iso": ...,
  "how": "type|api"}]``
  The result lists each action in ``filled`` and says how many times the whole document was
  walked (``walks``: 1 unless an action typed beside a control or changes were tracked).
* ``to_pdf``     ``dst``
* ``inspect``    (what LibreOffice sees: cells / content controls / fields / bookmarks)

plus an optional ``timeout`` (seconds) for the watchdog.  The bridge starts its own headless
soffice (private profile, uniquely named pipe), runs the job, always shuts soffice down, and prints
exactly one JSON object on stdout: ``{"ok": true, "warnings": [...], ...}`` or
``{"ok": false, "error": ...}`` (exit status 0 / 1).

Things a person does by hand go through the view: text is "typed" by putting the selection on the
target in the document's controller and dispatching ``.uno:InsertText`` (Writer) or
``.uno:EnterString`` (Calc), the code paths the keyboard uses.  Where that is impossible the
result says ``"how": "api"``.

Only the standard library and uno are imported, so ruff can lint this from the venv.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

SOFFICE = os.environ.get("MAA_SOFFICE", "/usr/bin/soffice")
CONNECT_TIMEOUT = 60.0

# Written into the fresh profile before soffice starts.  ooSetupSystemLocale=en-GB makes Calc
# parse typed "03/07/2024" as 3 July 2024, like a British user's installation.  Lock files are
# off so a stale ".~lock.X#" (from a killed run) can never turn a load into a silent failure.
PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>en-GB</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>en-US</value></prop></item>
<item oor:path="/org.openoffice.Setup/Office"><prop oor:name="ooSetupInstCompleted" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="ShowTipOfTheDay" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="UseDocumentOOoLockFile" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="UseDocumentSystemFileLocking" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Recovery/AutoSave"><prop oor:name="Enabled" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Recovery/RecoveryInfo"><prop oor:name="Enabled" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Input"><prop oor:name="AutoInput" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Linguistic/SpellChecking"><prop oor:name="IsSpellAuto" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
</oor:items>
"""


class BridgeError(Exception):
    """A job-level failure with a message meant for the test log."""


def props(**kw):
    """Keyword arguments -> tuple of PropertyValue (what loadComponentFromURL & co. expect)."""
    out = []
    for k, v in kw.items():
        p = PropertyValue()
        p.Name, p.Value = k, v
        out.append(p)
    return tuple(out)


def url(path):
    return uno.systemPathToFileUrl(os.path.abspath(path))


# ------------------------------------------------------------------------------------------------
# soffice lifecycle
# ------------------------------------------------------------------------------------------------


class Office:
    """A private headless soffice reachable over a uniquely named pipe."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="maa-lo-")
        self.pipe = "maa_" + uuid.uuid4().hex
        self.proc = None
        self.desktop = None
        self.helper = None
        self.log = None
        self.log_path = os.path.join(self.tmp, "soffice.log")

    def start(self, timeout=CONNECT_TIMEOUT):
        user = os.path.join(self.tmp, "profile", "user")
        os.makedirs(user)
        with open(os.path.join(user, "registrymodifications.xcu"), "w", encoding="utf-8") as fh:
            fh.write(PROFILE_XCU)
        connect = f"pipe,name={self.pipe};urp;StarOffice.ComponentContext"
        cmd = [
            SOFFICE,
            "--headless",
            "--invisible",
            "--nocrashreport",
            "--nodefault",
            "--nofirststartwizard",
            "--nologo",
            "--norestore",
            "-env:UserInstallation=" + url(os.path.join(self.tmp, "profile")),
            "--accept=" + connect,
        ]
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        self.log = open(self.log_path, "wb")  # noqa: SIM115  (closed in stop())
        # Own session = own process group: /usr/bin/soffice is a shell script -> oosplash ->
        # soffice.bin, so signalling the group is the only way to be sure all of them go.
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.ctx = resolver.resolve("uno:" + connect)
                break
            except NoConnectException:
                if self.proc.poll() is not None:
                    raise BridgeError(
                        f"soffice exited ({self.proc.returncode}) before accepting: {self.log_tail()}"
                    ) from None
                if time.monotonic() > deadline:
                    raise BridgeError(f"soffice did not accept on the pipe within {timeout:.0f} s") from None
                time.sleep(0.1)
        self.smgr = self.ctx.ServiceManager
        self.desktop = self.smgr.createInstanceWithContext("com.sun.star.frame.Desktop", self.ctx)
        return self

    def log_tail(self, n=2000):
        try:
            with open(self.log_path, "rb") as fh:
                return fh.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def kill(self):
        """Hard stop and clean up; safe from a signal handler or the watchdog thread."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def stop(self):
        if self.desktop is not None:
            with contextlib.suppress(Exception):  # the UNO bridge dies with soffice: DisposedException is normal
                self.desktop.terminate()
            self.desktop = None
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=20)
            # oosplash may be gone while soffice.bin lingers: sweep the whole group either way.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        if self.log is not None:
            self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def load(self, path):
        if not os.path.exists(path):
            raise BridgeError(f"source file does not exist: {path}")
        # Work on a private copy: the source is never touched and nothing next to it (lock files)
        # matters.  There is no InteractionHandler, so any question LibreOffice would ask
        # (locked file? repair?) makes loadComponentFromURL return None instead of hanging.
        copy = os.path.join(tempfile.mkdtemp(prefix="src-", dir=self.tmp), os.path.basename(path))
        shutil.copyfile(path, copy)
        # Hidden documents still get a frame and a controller, so the dispatcher works on them.
        doc = self.desktop.loadComponentFromURL(url(copy), "_blank", 0, props(Hidden=True, MacroExecutionMode=0))
        if doc is None:
            raise BridgeError(f"LibreOffice could not open {path}")
        return doc

    def dispatch(self, doc, command, **args):
        if self.helper is None:
            self.helper = self.smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", self.ctx)
        return self.helper.executeDispatch(doc.getCurrentController().getFrame(), command, "", 0, props(**args))


def store(doc, dst, filter_name):
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    doc.storeToURL(url(dst), props(FilterName=filter_name, Overwrite=True))


def close(doc):
    try:
        doc.close(True)
    except Exception:
        with contextlib.suppress(Exception):
            doc.dispose()


# ------------------------------------------------------------------------------------------------
# Calc
# ------------------------------------------------------------------------------------------------


def _iso_to_serial(doc, iso):
    null = doc.NullDate  # com.sun.star.util.Date, normally 1899-12-30
    return float((_dt.date.fromisoformat(iso[:10]) - _dt.date(null.Year, null.Month, null.Day)).days)


def _calc_target(doc, spec):
    """Resolve one cell spec to (sheet, cell, label)."""
    sheets = doc.Sheets
    if spec.get("name"):
        name, ranges = spec["name"], doc.NamedRanges
        # A sheet-scoped defined name lives on the sheet object, not in doc.NamedRanges.
        if spec.get("sheet") and sheets.getByName(spec["sheet"]).NamedRanges.hasByName(name):
            ranges = sheets.getByName(spec["sheet"]).NamedRanges
        if not ranges.hasByName(name):
            raise BridgeError(f"no defined name {name!r} in workbook (have: {list(doc.NamedRanges.ElementNames)})")
        cells = ranges.getByName(name).getReferredCells()
        if cells is None:
            raise BridgeError(f"defined name {name!r} does not refer to cells")
        cell = cells.getCellByPosition(0, 0)
        return sheets.getByIndex(cell.CellAddress.Sheet), cell, name
    if not (spec.get("sheet") and spec.get("cell")):
        raise BridgeError(f"cell spec needs 'name' or 'sheet'+'cell': {spec!r}")
    if not sheets.hasByName(spec["sheet"]):
        raise BridgeError(f"no sheet {spec['sheet']!r} (have: {list(sheets.ElementNames)})")
    sheet = sheets.getByName(spec["sheet"])
    return sheet, sheet.getCellRangeByName(spec["cell"]), f"{spec['sheet']}!{spec['cell']}"


def _cell_info(cell):
    return {
        "address": cell.AbsoluteName,
        "type": cell.Type.value,  # EMPTY / VALUE / TEXT / FORMULA
        "string": cell.getString(),  # as displayed
        "value": cell.getValue(),
        "formula": cell.getFormula(),
        "number_format": cell.NumberFormat,
        "locked": bool(cell.CellProtection.IsLocked),
    }


def fill_xlsx(office, job):
    doc = office.load(job["src"])
    warnings, filled = [], []
    try:
        controller = doc.getCurrentController()
        for spec in job.get("cells", []):
            sheet, cell, label = _calc_target(doc, spec)
            kind, how, value = spec.get("kind", "text"), spec.get("how", "type"), spec["value"]
            if sheet.isProtected() and cell.CellProtection.IsLocked:
                # A person gets "Protected cells can not be modified"; never risk that dialog headless.
                raise BridgeError(f"{label} is locked on a protected sheet")
            # No check against the cell's list validation here: in 7.4.7 reading
            # Validation.getFormula1() of a list that refers to another sheet crashed soffice
            # about one run in four (DisposedException), so the bridge does not touch it.
            if how == "type":
                # Typing + Enter: select the cell and hand the string to Calc's input handling,
                # which parses it with the profile locale (en-GB: "03/07/2024" is 3 July and gets
                # a date format, "42" becomes a number, "Jane" stays text).
                controller.setActiveSheet(sheet)
                controller.select(cell)
                office.dispatch(doc, ".uno:EnterString", StringName=str(value))
            elif kind == "number":
                cell.setValue(float(value))
            elif kind == "date":  # value is ISO "YYYY-MM-DD": a real date serial + a date format
                cell.setValue(_iso_to_serial(doc, str(value)))
                fmts = doc.NumberFormats
                loc = uno.createUnoStruct("com.sun.star.lang.Locale", "en", "GB", "")
                key = fmts.queryKey("DD/MM/YYYY", loc, False)
                cell.NumberFormat = key if key != -1 else fmts.addNew("DD/MM/YYYY", loc)
            elif kind == "text":
                cell.setString(str(value))  # stored verbatim as text, never parsed
            else:
                raise BridgeError(f"{label}: unknown kind {kind!r}")
            info = _cell_info(cell) | {"target": label, "how": "typed" if how == "type" else "api"}
            if str(value) and not info["string"]:
                warnings.append(f"{label}: entered {value!r} but the cell is empty afterwards")
            filled.append(info)
        store(doc, job["dst"], "Calc MS Excel 2007 XML")
    finally:
        close(doc)
    return {"filled": filled, "warnings": warnings}


def inspect_calc(doc):
    out = {"kind": "calc", "names": [], "sheets": []}
    for n in doc.NamedRanges.ElementNames:
        out["names"].append({"name": n, "content": doc.NamedRanges.getByName(n).Content})
    for i in range(doc.Sheets.Count):
        sheet = doc.Sheets.getByIndex(i)
        cur = sheet.createCursor()
        cur.gotoEndOfUsedArea(False)
        end = cur.RangeAddress
        cells = []
        for r in range(end.EndRow + 1):
            for c in range(end.EndColumn + 1):
                cell = sheet.getCellByPosition(c, r)
                if cell.Type.value != "EMPTY" or not cell.CellProtection.IsLocked:
                    info = _cell_info(cell)
                    cells.append(info)
        out["sheets"].append({"name": sheet.Name, "protected": bool(sheet.isProtected()), "cells": cells})
    return out


# ------------------------------------------------------------------------------------------------
# Writer
#
# What LibreOffice 7.4 makes of Word content controls (w:sdt) on DOCX import:
#   inline rich text / drop-down / combo box / date / checkbox  -> SwContentControl, reached as a
#       text portion with TextPortionType "ContentControl" and property ContentControl;
#   w:text (plain text), inline or block, and block-level rich text -> Input text field;
#   block-level drop-down -> DropDown text field.
# 7.4's content controls have no Tag/Alias/Id properties (7.5+), hence the bookmark addressing.
# ------------------------------------------------------------------------------------------------

CC_PROPS = (
    "ShowingPlaceHolder",
    "Checkbox",
    "Checked",
    "CheckedState",
    "UncheckedState",
    "ListItems",
    "Picture",
    "Date",
    "DateFormat",
    "DateLanguage",
    "CurrentDate",
    "PlainText",  # 7.5+
    "DropDown",  # 7.5+
    "ComboBox",  # 7.5+
    "Alias",  # 7.5+
    "Tag",  # 7.5+
    "Id",  # 7.5+
)


def _plain(v):
    """UNO value -> JSON-able."""
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    if hasattr(v, "Name") and hasattr(v, "Value"):
        return {v.Name: _plain(v.Value)}
    return repr(v)


def _cc_props(cc):
    info = cc.getPropertySetInfo()
    out = {}
    for name in CC_PROPS:
        if info.hasPropertyByName(name):
            val = _plain(cc.getPropertyValue(name))
            if name == "ListItems":  # sequence of sequences of PropertyValue -> list of dicts
                val = [{k: v for d in item for k, v in d.items()} for item in val]
            out[name] = val
    return out


def _cc_kind(p):
    if p.get("Checkbox"):
        return "checkbox"
    if p.get("ListItems"):
        return "dropdown"
    if p.get("Date"):
        return "date"
    if p.get("Picture"):
        return "picture"
    return "plaintext" if p.get("PlainText") else "richtext"


FIELD_KINDS = (
    ("com.sun.star.text.textfield.Input", "input"),
    ("com.sun.star.text.textfield.DropDown", "dropdown_field"),
)


class Walker:
    """The document's index: a reading-order walk over body paragraphs and tables (cells row by
    row, recursively), made once per job.

    ``controls``: one dict per content control / Input field / DropDown field, in reading order.
    ``bookmarks``: bookmark name -> index of the control it labels.  A bookmark labels the first
    control after its start in the same paragraph, or the control it sits inside, or else the
    last control before it in that paragraph.

    Walking a nine-page form costs seconds (every paragraph, cell and text portion is a UNO call
    over the pipe), so a fill job walks once and, after each edit, re-reads only the paragraph
    that holds the edited control (``reread``): typing into a control changes nothing outside its
    paragraph.  That re-read also replaces the control's UNO wrapper, which can go stale after an
    edit, and proves the edit neither swallowed nor created a control.
    """

    def __init__(self, doc):
        t0 = time.monotonic()
        self.controls = []
        self.bookmarks = {}
        self.paras = []  # paragraphs holding controls: {"obj", "where", "controls": [index], "bookmarks": [name]}
        self._para_of = []  # control index -> position in self.paras
        self.walk_text(doc.Text, where="body")
        self.seconds = time.monotonic() - t0

    def walk_text(self, text, where):
        enum = text.createEnumeration()
        while enum.hasMoreElements():
            el = enum.nextElement()
            # Ask about the common case first: one UNO call per plain paragraph instead of two.
            if el.supportsService("com.sun.star.text.Paragraph"):
                self.walk_paragraph(el, where)
            elif el.supportsService("com.sun.star.text.TextTable"):
                for cname in el.getCellNames():  # "A1", "B1", ..., "A2", ...
                    self.walk_text(el.getCellByName(cname), where=f"{el.Name}.{cname}")

    def walk_paragraph(self, para, where):
        found, marks = _scan_paragraph(para)
        if not found:
            return
        first = len(self.controls)
        rec = {"obj": para, "where": where, "controls": list(range(first, first + len(found))), "bookmarks": []}
        for i, info in enumerate(found):
            info["where"], info["index"] = where, first + i
            self.controls.append(info)
            self._para_of.append(len(self.paras))
        for name, local in marks:
            if name not in self.bookmarks:
                self.bookmarks[name] = first + local
                rec["bookmarks"].append(name)
        self.paras.append(rec)

    def reread(self, index):
        """Read again the paragraph holding control ``index`` and update the index in place.

        Returns the control's fresh entry, or None when the paragraph itself is gone (the caller
        then walks the whole document again).  Raises BridgeError when the edit changed how many
        controls the paragraph holds.
        """
        pos = self._para_of[index]
        rec = self.paras[pos]
        try:
            found, marks = _scan_paragraph(rec["obj"])
        except Exception:  # a stale paragraph wrapper (a dead soffice fails the full walk too)
            return None
        if len(found) != len(rec["controls"]):
            after = len(self.controls) - len(rec["controls"]) + len(found)
            raise BridgeError(
                f"editing control {index} changed the number of controls ({len(self.controls)} -> {after})"
            )
        for i, info in zip(rec["controls"], found, strict=True):
            info["where"], info["index"] = rec["where"], i
            self.controls[i] = info
        for name in rec["bookmarks"]:
            del self.bookmarks[name]
        rec["bookmarks"] = []
        for name, local in marks:
            if name not in self.bookmarks:
                self.bookmarks[name] = rec["controls"][local]
                rec["bookmarks"].append(name)
        return self.controls[index]

    def find(self, action):
        if "index" in action:
            i = int(action["index"])
            if not 0 <= i < len(self.controls):
                raise BridgeError(f"control index {i} out of range (document has {len(self.controls)})")
            return self.controls[i]
        if "bookmark" in action:
            name = action["bookmark"]
            if name not in self.bookmarks:
                raise BridgeError(
                    f"no control next to bookmark {name!r} (bookmarks at controls: {sorted(self.bookmarks)})"
                )
            return self.controls[self.bookmarks[name]]
        raise BridgeError(f"action needs 'index' or 'bookmark': {action!r}")

    def describe(self):
        marks = {}
        for name, idx in self.bookmarks.items():
            marks.setdefault(idx, []).append(name)
        return [
            {k: v for k, v in c.items() if k != "obj"} | {"bookmarks": sorted(marks.get(c["index"], []))}
            for c in self.controls
        ]


def _scan_paragraph(para):
    """The controls of one paragraph, in order, and its bookmarks as (name, position in that list)."""
    found, marks = [], []
    pending = []  # bookmarks waiting for a control
    portions = para.createEnumeration()
    while portions.hasMoreElements():
        por = portions.nextElement()
        ptype = por.TextPortionType
        info = None
        if ptype == "Bookmark" and por.IsStart:
            pending.append(por.Bookmark.Name)
        elif ptype == "ContentControl":
            cc = por.ContentControl
            p = _cc_props(cc)
            # The anchor's string is the content; the anchor itself also spans the control's
            # invisible start/end characters (see _replace_content_model).
            info = {
                "obj": cc,
                "api": "content_control",
                "kind": _cc_kind(p),
                "props": p,
                "text": cc.getAnchor().getString(),
            }
            inner = cc.createEnumeration()  # bookmarks inside the content belong to the control
            while inner.hasMoreElements():
                ip = inner.nextElement()
                if ip.TextPortionType == "Bookmark" and ip.IsStart:
                    pending.append(ip.Bookmark.Name)
        elif ptype == "TextField":
            field = por.TextField
            kind = next((k for svc, k in FIELD_KINDS if field.supportsService(svc)), None)
            if kind == "input":
                info = {
                    "obj": field,
                    "api": "field",
                    "kind": kind,
                    "props": {"Content": field.Content, "Hint": field.Hint},
                }
            elif kind == "dropdown_field":
                p = {"Items": list(field.Items), "SelectedItem": field.SelectedItem, "Name": field.Name}
                info = {"obj": field, "api": "field", "kind": kind, "props": p}
            if info is not None:
                info["text"] = field.getAnchor().getString()
        if info is not None:
            found.append(info)
            marks += [(name, len(found) - 1) for name in pending]
            pending = []
    if found:  # a bookmark after the last control, same paragraph
        marks += [(name, len(found) - 1) for name in pending]
    return found, marks


def _select_and_type(office, doc, rng, text):
    """Put the view's selection on ``rng`` and type ``text`` over it (the keyboard's code path)."""
    doc.getCurrentController().select(rng)
    office.dispatch(doc, ".uno:InsertText", Text=text)


def _content_range(ctl):
    """A text cursor over the editable content of a control, to select in the view."""
    anchor = ctl["obj"].getAnchor()
    text = anchor.getText()
    if ctl["api"] == "content_control":
        # Selecting a content control's anchor and typing replaces its content and keeps the
        # control, exactly as when a person clicks it (placeholder gets selected) and types.
        return text.createTextCursorByRange(anchor)
    # An Input field's anchor includes its start/end marker characters: selecting all of it and
    # typing would replace the *whole field* with plain text.  Step over the start marker and
    # select only the content, which is how a person edits an input field in place.
    cur = text.createTextCursorByRange(anchor.getStart())
    cur.goRight(1, False)
    cur.goRight(len(ctl["obj"].Content), True)
    return cur


def _replace_content_model(cc, new, tracked=False):
    """Replace a content control's content through the model, keeping the text inside the control."""
    old = cc.getAnchor().getString()
    if old == new:
        return
    # Inserting through the control's own XText lands at the start of its content, inside it.
    # (insertString(cursor_over_anchor, new, True) would put the text *before* the control and
    # leave the control empty.)
    cc.insertString(cc.createTextCursor(), new, False)
    anchor = cc.getAnchor()
    if anchor.getString() != new + old:
        raise BridgeError(f"content control edit went astray: {anchor.getString()!r}")
    # getString() hides the control's start character that the anchor spans, so find the old
    # text by trying the offsets just after the new text.
    text = anchor.getText()
    for offset in range(len(new), len(new) + 3):
        cur = text.createTextCursorByRange(anchor.getStart())
        cur.goRight(offset, False)
        cur.goRight(len(old), True)
        if cur.getString() == old:
            cur.setString("")
            break
    now = cc.getAnchor().getString()
    if now != new and not (tracked and now == new + old):  # a tracked deletion stays in the text
        raise BridgeError(f"could not replace content control text {old!r} with {new!r} (now {now!r})")


def _list_display(ctl, value):
    p = ctl.get("props", {})
    items = p.get("ListItems") or [{"DisplayText": x, "Value": x} for x in p.get("Items", [])]
    for item in items:
        if value in (item.get("DisplayText"), item.get("Value")):
            return item.get("DisplayText") or item.get("Value")
    raise BridgeError(f"control {ctl['index']}: {value!r} is not one of {items}")


def _fill_content_control(office, doc, ctl, action, label):
    op, p = action.get("op"), ctl["props"]
    if op == "check":
        if not p.get("Checkbox"):
            raise BridgeError(f"{label} is not a checkbox")
        # Clicking a checkbox control swaps its single character and flips Checked; LibreOffice's
        # UI does that on the model with the control briefly made writable, and there is no UNO
        # command for it.  Typing the character through the dispatcher "works" once, but then the
        # view swallows every later .uno:InsertText, so edit the model (caller sets Checked).
        want = bool(action.get("value", True))
        char = (p.get("CheckedState") or "\u2612") if want else (p.get("UncheckedState") or "\u2610")
        _replace_content_model(ctl["obj"], char, tracked=bool(doc.RecordChanges))
        return "api"
    if op not in ("select", "text", "date"):
        raise BridgeError(f"{label}: unknown op {op!r}")
    value = _expected_text(ctl, action)
    if action.get("how") == "api":
        _replace_content_model(ctl["obj"], value, tracked=bool(doc.RecordChanges))
        return "api"
    _select_and_type(office, doc, _content_range(ctl), value)
    return "typed"


def _fill_field(office, doc, ctl, action, warnings, label):
    field, op = ctl["obj"], action.get("op")
    if ctl["kind"] == "input" and op in ("text", "date"):
        value = action["value"] if op == "text" else action["text"]
        if action.get("how") == "api":
            field.Content = value  # not recorded as a tracked change
            field.update()
            return "api"
        _select_and_type(office, doc, _content_range(ctl), value)
        return "typed"
    if ctl["kind"] == "dropdown_field" and op == "select":
        field.SelectedItem = _list_display(ctl, action["value"])
        warnings.append(f"{label}: drop-down field set through the API (SelectedItem)")
        return "api"
    raise BridgeError(f"{label}: op {op!r} not supported on this field")


def _refetch(doc, walker, index, before, whole=False):
    """Re-read control ``index`` after an edit and check the edit moved no control.

    Normally only the control's paragraph is read again (``Walker.reread``).  With ``whole``, or
    when that paragraph is gone, the whole document is walked again, as edits that can reach
    beyond the control (typing beside it, tracked changes) need.  Returns the walker to use from
    now on and the control's fresh entry (its UNO wrapper can go stale after an edit).
    """
    if not whole:
        after = walker.reread(index)
        if after is not None:
            return walker, after
    walker = Walker(doc)
    if len(walker.controls) != before:
        raise BridgeError(
            f"editing control {index} changed the number of controls ({before} -> {len(walker.controls)})"
        )
    return walker, walker.controls[index]


def _expected_text(ctl, action):
    op = action.get("op")
    if op == "text":
        return action["value"]
    if op == "date":
        return action["text"]
    if op == "select":
        return _list_display(ctl, action["value"])
    return None


def fill_docx(office, job):
    doc = office.load(job["src"])
    warnings, filled = [], []
    tracked = bool(job.get("track_changes"))
    walks = []  # every whole-document walk made (reported, so tests can see the index is reused)
    try:
        if tracked:
            doc.RecordChanges = True  # Edit > Track Changes > Record
        walker = Walker(doc)  # the index: built once, kept current paragraph by paragraph
        walks.append(walker)
        for action in job.get("actions", []):
            ctl = walker.find(action)
            index, count, op = ctl["index"], len(walker.controls), action.get("op")
            label = f"control {index} ({ctl['kind']} at {ctl['where']})"
            rec = {"index": index, "kind": ctl["kind"], "op": op, "where": ctl["where"]}
            # Typing beside a control, or any edit while changes are tracked, can reach past the
            # control's paragraph as far as the index knows: walk the whole document after it.
            whole = tracked or op == "type_beside"
            if op == "type_beside":
                # Click just past the control's end marker and type (same paragraph/cell).
                end = ctl["obj"].getAnchor().getEnd()
                cur = end.getText().createTextCursorByRange(end)
                cur.goRight(1, False)
                _select_and_type(office, doc, cur, action["value"])
                rec["how"] = "typed"
            elif ctl["api"] == "field":
                rec["how"] = _fill_field(office, doc, ctl, action, warnings, label)
            else:
                rec["how"] = _fill_content_control(office, doc, ctl, action, label)
            walker, after = _refetch(doc, walker, index, count, whole)
            expected = _expected_text(ctl, action)
            if expected is not None and rec["how"] == "typed" and not tracked and after["text"] != expected:
                # Typing did not land: say so, then set the value through the model instead.
                warnings.append(f"{label}: typing gave {after['text']!r}; value set through the API instead")
                if after["api"] == "content_control":
                    _replace_content_model(after["obj"], expected)
                else:
                    after["obj"].Content = expected
                    after["obj"].update()
                rec["how"] = "api"
                walker, after = _refetch(doc, walker, index, count, whole)
            rec["text"] = after["text"]
            if after["api"] == "content_control" and op != "type_beside":
                cc = after["obj"]
                if op == "check":
                    cc.Checked = bool(action.get("value", True))
                if op == "date" and action.get("iso") and after["kind"] == "date":
                    # What the date picker would also store (exported as w:date/@w:fullDate).
                    cc.CurrentDate = action["iso"][:10] + "T00:00:00Z"
                if cc.ShowingPlaceHolder:
                    # 7.4 keeps the flag after typing over the placeholder; it would be saved as
                    # <w:showingPlcHdr/> and Word/readers would take the typed value for placeholder.
                    cc.ShowingPlaceHolder = False
                    rec["cleared_placeholder_flag"] = True
                rec["props"] = after["props"] = _cc_props(cc)  # the index stays current too
            # With tracking on, the replaced text stays in the model as a tracked deletion and
            # is part of getString(), so then only require the new text to be there.
            if expected is not None and not (expected in rec["text"] if tracked else rec["text"] == expected):
                raise BridgeError(f"{label}: expected {expected!r} after {op}, LibreOffice shows {rec['text']!r}")
            filled.append(rec)
            if walker is not walks[-1]:
                walks.append(walker)
        store(doc, job["dst"], "MS Word 2007 XML")
    finally:
        close(doc)
    walk_s = round(sum(w.seconds for w in walks), 2)
    return {"filled": filled, "warnings": warnings, "walks": len(walks), "walk_s": walk_s}


def inspect_writer(doc):
    w = Walker(doc)
    return {
        "kind": "writer",
        "controls": w.describe(),
        "bookmarks": list(doc.Bookmarks.ElementNames),
        "text": doc.Text.getString(),
    }


# ------------------------------------------------------------------------------------------------
# jobs
# ------------------------------------------------------------------------------------------------


def _is_calc(doc):
    return doc.supportsService("com.sun.star.sheet.SpreadsheetDocument")


def to_pdf(office, job):
    doc = office.load(job["src"])
    try:
        if _is_calc(doc):
            filt = "calc_pdf_Export"
        elif doc.supportsService("com.sun.star.text.TextDocument"):
            filt = "writer_pdf_Export"
        else:
            raise BridgeError(f"no PDF filter for {job['src']}")
        store(doc, job["dst"], filt)
    finally:
        close(doc)
    return {"filter": filt, "warnings": []}


def inspect(office, job):
    doc = office.load(job["src"])
    try:
        return (inspect_calc(doc) if _is_calc(doc) else inspect_writer(doc)) | {"warnings": []}
    finally:
        close(doc)


JOBS = {"fill_xlsx": fill_xlsx, "fill_docx": fill_docx, "to_pdf": to_pdf, "inspect": inspect}

_emitted = threading.Lock()


def emit(obj):
    """Write the one JSON result; whoever comes first (job, watchdog, signal) wins."""
    if _emitted.acquire(blocking=False):
        sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=repr) + "\n")
        sys.stdout.flush()


_DEATH: list[str] = []  # soffice's exit status and log when a job fails (UNO exceptions take no attributes)


def run(job):
    op = job.get("op")
    if op not in JOBS:
        raise BridgeError(f"unknown op {op!r} (known: {sorted(JOBS)})")
    office = Office()
    limit = float(job.get("timeout", 110))

    def expire():  # a modal dialog or a wedged soffice must not outlive the job
        office.kill()
        emit({"ok": False, "error": f"bridge watchdog: job exceeded {limit:.0f} s", "soffice_log": office.log_tail()})
        os._exit(3)

    def on_term(signum, _frame):  # the client's timeout: take soffice down with us
        office.kill()
        emit({"ok": False, "error": f"bridge stopped by signal {signum}"})
        os._exit(4)

    watchdog = threading.Timer(limit, expire)
    watchdog.daemon = True
    watchdog.start()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    t0 = time.monotonic()
    try:
        office.start()
        t1 = time.monotonic()
        result = JOBS[op](office, job)
        t2 = time.monotonic()
    except Exception:
        # When soffice itself dies, its exit status and log are the only useful evidence.
        _DEATH.append(f"soffice exit status {office.proc.poll() if office.proc else None}; log: {office.log_tail()}")
        raise
    finally:
        watchdog.cancel()
        office.stop()
    timings = {"start_s": round(t1 - t0, 2), "job_s": round(t2 - t1, 2), "total_s": round(time.monotonic() - t0, 2)}
    return result | {"ok": True, "op": op, "timings": timings}


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: lo_bridge.py JOB.json\n")
        return 2
    try:
        with open(argv[1], encoding="utf-8") as fh:
            emit(run(json.load(fh)))
        return 0
    except BridgeError as exc:
        emit({"ok": False, "error": str(exc)})
    except Exception as exc:
        traceback.print_exc()
        emit({"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(),
              "soffice": " ".join(_DEATH)})
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
