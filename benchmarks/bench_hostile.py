"""Time and peak memory of one hostile return each, through collect's own per-file path.

Every file here is *legal*: it is under the file size, part count, part size, total size
and compression-ratio limits of :mod:`maa_cli.intake.safety`, carries no DOCTYPE and is
built from a form maa really issued (so it is identified and read with its tool). What
makes it hostile is only its shape: millions of flat elements, nesting a million deep, a
huge shared strings table, a thousand sheets, rows of 16,384 cells, a defined name that
points at the last column, millions of attributes, one tag or comment of 20 MB. Two files
just inside the element budget show what the largest accepted file costs.

Each file is judged in a fresh subprocess by :func:`maa_cli.intake.examine.examine`, the
function ``maa collect`` calls per file (copy, inspect, identify, read, judge). The
subprocess runs under an address-space limit (default 4 GiB) and a time limit (default
300 s), like a scheduled task; its peak RSS is its own high-water mark (VmHWM; ``wait4`` where
/proc is missing). The figures go in the
report, not in a timed unit test.

Run:  python benchmarks/bench_hostile.py [--only NAME ...] [--repeat N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

MB = 1 << 20
ROOT = Path(__file__).resolve().parent.parent
TOOL = "early-years-safeguarding"  # the largest built-in form
OLD = time.time() - 3600  # every file "saved an hour ago", so none is pending for being recent


# --- the audit the files are returns of ---------------------------------------------------


def make_audit(base: Path) -> tuple[Path, Path, Path]:
    """An audit with one setting and a Word and an Excel form type; returns (audit, docx form, xlsx form)."""
    from maa_cli.definitions.audit import FormType
    from maa_cli.forms.plan import issue_forms
    from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

    csv = base / "settings.csv"
    csv.write_text("agency,contact_name,email,setting_type\nAcorn Nursery,Priya Shah,dsl@acorn.example,Day nursery\n")
    form_types = [FormType(name="ey-word", tool=TOOL, per="agency", format="docx"),
                  FormType(name="ey-excel", tool=TOOL, per="agency", format="xlsx")]
    today = dt.date(2026, 11, 25)
    new_audit(base / "audit", NewAudit(title="EY", partnership="Northshire SCP", type="questionnaire", form_types=form_types,
                                       agencies_csv=csv, today=today, deadline=today + dt.timedelta(days=60),
                                       return_to="audits@northshire-scp.example"))
    ws = open_workspace(base / "audit")
    issue_forms(ws)
    docx = next(ws.forms_dir.rglob("*.docx"))
    xlsx = next(ws.forms_dir.rglob("*.xlsx"))
    return ws.root, docx, xlsx


# --- building the files ---------------------------------------------------------------------


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def _write(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for name, data in members.items():
            z.writestr(name, data)
    os.utime(path, (OLD, OLD))
    return path


def _tokens(rng: random.Random, choices: list[bytes], n: int) -> bytes:
    # A random mix of a few tokens deflates about 20:1, under the 100:1 ratio limit.
    return b"".join(rng.choices(choices, k=n))


def docx_flat(form: Path, out: Path, n: int = 8_000_000) -> Path:
    """document.xml with ``n`` empty paragraphs and runs in the body (about 48 MB unpacked)."""
    parts = _members(form)
    body = _tokens(random.Random(1), [b"<w:p/>", b"<w:r/>", b"<w:b/>", b"<w:i/>"], n)
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"<w:sectPr", body + b"<w:sectPr", 1)
    return _write(out, parts)


def docx_deep(form: Path, out: Path, depth: int = 1_000_000) -> Path:
    """document.xml with elements nested ``depth`` deep inside the body."""
    parts = _members(form)
    rng = random.Random(2)
    names = [f"w:x{c}".encode() for c in "0123456789abcdef"]
    chain = rng.choices(names, k=depth)
    blob = b"".join(b"<" + t + b">" for t in chain) + b"".join(b"</" + t + b">" for t in reversed(chain))
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"<w:sectPr", blob + b"<w:sectPr", 1)
    return _write(out, parts)


def docx_many_paragraphs(form: Path, out: Path, n: int = 500_000) -> Path:
    """The body followed by ``n`` real paragraphs of random text (runs, properties, text): 'pasted chronology'."""
    parts = _members(form)
    rng = random.Random(3)
    words = [bytes(rng.choices(b"abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(5000)]
    paras = b"".join(b'<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">' + b" ".join(rng.choices(words, k=3))
                     + b"</w:t></w:r></w:p>" for _ in range(n))
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"<w:sectPr", paras + b"<w:sectPr", 1)
    return _write(out, parts)


def xlsx_shared_strings(form: Path, out: Path, n: int = 2_000_000) -> Path:
    """A shared strings table of ``n`` extra random strings (about 40 MB unpacked)."""
    parts = _members(form)
    rng = random.Random(4)
    alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789"
    extra = b"".join(b"<si><t>" + bytes(rng.choices(alphabet, k=8)) + b"</t></si>" for _ in range(n))
    if "xl/sharedStrings.xml" not in parts:  # openpyxl wrote every string inline: add the part and its links
        parts["xl/sharedStrings.xml"] = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>'
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
            b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
            b'Target="sharedStrings.xml"/></Relationships>'))
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
            b'<Override PartName="/xl/sharedStrings.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    sst = parts["xl/sharedStrings.xml"]
    sst = re.sub(rb'(count|uniqueCount)="\d+"', lambda m: m.group(1) + b'="%d"' % (n + 100), sst)
    parts["xl/sharedStrings.xml"] = sst.replace(b"</sst>", extra + b"</sst>")
    return _write(out, parts)


def xlsx_many_sheets(form: Path, out: Path, sheets: int = 980, cells: int = 5_000) -> Path:
    """``sheets`` extra worksheets of ``cells`` random numbers each (just under the 1,000-part limit)."""
    parts = _members(form)
    rng = random.Random(5)
    wb, rels, types = parts["xl/workbook.xml"], parts["xl/_rels/workbook.xml.rels"], parts["[Content_Types].xml"]
    sheet_tags, rel_tags, type_tags = [], [], []
    for i in range(sheets):
        rows = b"".join(b'<row r="%d">' % (r + 1) + b"".join(b"<c><v>%d</v></c>" % rng.randrange(10**6) for _ in range(50)) + b"</row>"
                        for r in range(cells // 50))
        parts[f"xl/worksheets/extra{i}.xml"] = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                                b"<sheetData>" + rows + b"</sheetData></worksheet>")
        sheet_tags.append(b'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
                          b'name="Extra %d" sheetId="%d" r:id="rIdX%d"/>' % (i, 100 + i, i))
        rel_tags.append(b'<Relationship Id="rIdX%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                        b'Target="worksheets/extra%d.xml"/>' % (i, i))
        type_tags.append(b'<Override PartName="/xl/worksheets/extra%d.xml" '
                         b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' % i)
    parts["xl/workbook.xml"] = wb.replace(b"</sheets>", b"".join(sheet_tags) + b"</sheets>")
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(b"</Relationships>", b"".join(rel_tags) + b"</Relationships>")
    parts["[Content_Types].xml"] = types.replace(b"</Types>", b"".join(type_tags) + b"</Types>")
    return _write(out, parts)


def xlsx_long_rows(form: Path, out: Path, rows: int = 150, width: int = 16_384) -> Path:
    """The form sheet with ``rows`` extra rows of ``width`` cells each, below the form."""
    parts = _members(form)
    rng = random.Random(6)
    sheet = parts["xl/worksheets/sheet1.xml"]
    last = max(int(m) for m in re.findall(rb'<row r="(\d+)"', sheet))
    extra = b"".join(b'<row r="%d">' % (last + 1 + r) + b"".join(b"<c><v>%d</v></c>" % rng.randrange(1000) for _ in range(width))
                     + b"</row>" for r in range(rows))
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"</sheetData>", extra + b"</sheetData>")
    return _write(out, parts)


def xlsx_far_name(form: Path, out: Path) -> Path:
    """Two tiny changes: a defined name points at the last column (XFD) of row 3,000, and that row exists."""
    parts = _members(form)
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"</sheetData>", b'<row r="3000"><c r="A3000"/></row></sheetData>')
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</definedNames>", b"<definedName name=\"maa_far\">'Form'!$XFD$3000</definedName></definedNames>")
    return _write(out, parts)


def xlsx_deep(form: Path, out: Path, depth: int = 1_000_000) -> Path:
    """The form sheet with elements nested ``depth`` deep after its rows."""
    parts = _members(form)
    rng = random.Random(7)
    names = [f"x{c}".encode() for c in "0123456789abcdef"]
    chain = rng.choices(names, k=depth)
    blob = b"".join(b"<" + t + b">" for t in chain) + b"".join(b"</" + t + b">" for t in reversed(chain))
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"</sheetData>", blob + b"</sheetData>")
    return _write(out, parts)


def docx_many_attributes(form: Path, out: Path, n: int = 2_000_000) -> Path:
    """One paragraph in the body carrying ``n`` attributes with different names (about 23 MB unpacked)."""
    parts = _members(form)
    tag = b"<w:p " + b" ".join(b'w:a%d=""' % i for i in range(n)) + b"/>"
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"<w:sectPr", tag + b"<w:sectPr", 1)
    return _write(out, parts)


def docx_attribute_flood(form: Path, out: Path, n: int = 150_000, per: int = 30) -> Path:
    """``n`` paragraphs (under the element budget) with ``per`` random attributes each: 4.5 million attributes."""
    parts = _members(form)
    rng = random.Random(9)
    names = [b"w:a%d" % i for i in range(per)]
    paras = b"".join(b"<w:p " + b" ".join(b'%s="%d"' % (a, rng.randrange(100)) for a in names) + b"/>" for _ in range(n))
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"<w:sectPr", paras + b"<w:sectPr", 1)
    return _write(out, parts)


def xlsx_long_attribute(form: Path, out: Path, size: int = 20 * MB) -> Path:
    """One cell of the form sheet with a 20 MB attribute value (openpyxl reads sheets 16 KB at a time)."""
    parts = _members(form)
    value = bytes(random.Random(10).choices(b"abcdefghijklmnopqrstuvwxyz0123456789", k=size))
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"</sheetData>", b'<row r="2999"><c r="A2999" t="inlineStr" x="' + value + b'"><is><t>x</t></is></c></row></sheetData>')
    return _write(out, parts)


def xlsx_long_comment(form: Path, out: Path, size: int = 20 * MB) -> Path:
    """A 20 MB XML comment inside the form sheet."""
    parts = _members(form)
    text = bytes(random.Random(11).choices(b"abcdefghijklmnopqrstuvwxyz <>", k=size))
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"</sheetData>", b"<!--" + text + b"--></sheetData>")
    return _write(out, parts)


def docx_at_limit(form: Path, out: Path, paragraphs: int = 48_000) -> Path:
    """Just inside the budgets: the body plus 48,000 paragraphs of random words as Word writes them,
    revision ids and all (240,000 elements and 430,000 attributes)."""
    parts = _members(form)
    rng = random.Random(12)
    words = [bytes(rng.choices(b"abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(5000)]

    def rsid() -> bytes:
        return b"%08X" % rng.randrange(1 << 32)

    paras = b"".join(
        b'<w:p w:rsidR="%s" w:rsidRDefault="%s" w:rsidP="%s" w14:paraId="%s"><w:r w:rsidR="%s" w:rsidRPr="%s" w:rsidDel="%s">'
        b'<w:rPr><w:b w:val="1"/></w:rPr><w:t xml:space="preserve">%s</w:t></w:r></w:p>'
        % (rsid(), rsid(), rsid(), rsid(), rsid(), rsid(), rsid(), b" ".join(rng.choices(words, k=3))) for _ in range(paragraphs))
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"<w:sectPr", paras + b"<w:sectPr", 1)
    return _write(out, parts)


_COLUMNS = [bytes([65 + i]) for i in range(26)] + [b"A" + bytes([65 + i]) for i in range(14)]  # A..AN


def xlsx_at_limit(form: Path, out: Path) -> Path:
    """Just inside the element budget in two parts: 120,000 shared strings, and the form sheet's
    rows followed by 2,900 rows of 40 cells as Excel writes them (each about 235,000 elements;
    350,000 attributes)."""
    xlsx_shared_strings(form, out, 120_000)
    parts = _members(out)
    rng = random.Random(8)
    sheet = parts["xl/worksheets/sheet1.xml"]
    last = max(int(m) for m in re.findall(rb'<row r="(\d+)"', sheet))
    extra = b"".join(b'<row r="%d">' % (last + 1 + r) + b"".join(b'<c r="%s%d" s="1" t="s"><v>%d</v></c>' % (col, last + 1 + r, rng.randrange(120_000))
                                                                 for col in _COLUMNS) + b"</row>" for r in range(2_900))
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"</sheetData>", extra + b"</sheetData>")
    return _write(out, parts)


def _copy(form: Path, out: Path) -> Path:
    shutil.copyfile(form, out)
    os.utime(out, (OLD, OLD))
    return out


CASES = {  # name -> (which form it starts from, builder)
    "issued-form.docx": ("docx", _copy),
    "issued-form.xlsx": ("xlsx", _copy),
    "flat-8M-elements.docx": ("docx", docx_flat),
    "deep-1M-levels.docx": ("docx", docx_deep),
    "500k-paragraphs.docx": ("docx", docx_many_paragraphs),
    "shared-strings-2M.xlsx": ("xlsx", xlsx_shared_strings),
    "980-sheets.xlsx": ("xlsx", xlsx_many_sheets),
    "long-rows-16384-cells.xlsx": ("xlsx", xlsx_long_rows),
    "name-at-XFD3000.xlsx": ("xlsx", xlsx_far_name),
    "deep-1M-levels.xlsx": ("xlsx", xlsx_deep),
    "2M-attributes-one-tag.docx": ("docx", docx_many_attributes),
    "4.5M-attributes.docx": ("docx", docx_attribute_flood),
    "20MB-attribute-value.xlsx": ("xlsx", xlsx_long_attribute),
    "20MB-comment.xlsx": ("xlsx", xlsx_long_comment),
    "at-limit-240k-elements.docx": ("docx", docx_at_limit),
    "at-limit-2x235k-elements.xlsx": ("xlsx", xlsx_at_limit),
}


# --- judging one file (the child process) ----------------------------------------------------


def examine_one(audit: Path, path: Path) -> None:
    """In the child: judge ``path`` exactly as collect does, print the decision as JSON."""
    from maa_cli.forms.manifest import read_manifest
    from maa_cli.intake.examine import Context, examine
    from maa_cli.setup.workspace import open_workspace

    ws = open_workspace(audit)
    with tempfile.TemporaryDirectory() as staging:
        ctx = Context(ws, read_manifest(ws), Path(staging), time.time())
        start = time.perf_counter()
        out = examine(path, os.stat(path), ctx)
        ms = (time.perf_counter() - start) * 1000
    d = out.decision
    print(json.dumps({"status": d.status, "code": d.code, "ms": round(ms), "reason": (d.reasons or [""])[0][:160],
                      "peak_kb": _peak_kb()}))


def _peak_kb() -> int | None:
    """This process's own peak RSS. wait4's figure for a child also counts what its parent held when it forked."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        return None


def measure(audit: Path, path: Path, memory: int, timeout: float) -> dict:
    """Run :func:`examine_one` in a subprocess under ``memory`` bytes of address space; time and peak RSS."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, __file__, "--examine", str(audit), str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit, cwd=ROOT)
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    watchdog.cancel()
    wall = time.monotonic() - start
    result = {"wall_s": wall, "peak_mb": usage.ru_maxrss / 1024, "exit": os.waitstatus_to_exitcode(status)}
    try:
        result.update(json.loads(out.decode().strip().splitlines()[-1]))
        if result.get("peak_kb"):
            result["peak_mb"] = result["peak_kb"] / 1024
    except (IndexError, ValueError):
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["killed"]
        result.update(status="CRASHED", code=None, ms=None, reason=("timed out" if wall >= timeout else tail[0])[:160])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="names (or parts of names) of the cases to run")
    parser.add_argument("--keep", type=Path, help="build the files in this folder and keep them")
    parser.add_argument("--memory-gib", type=float, default=4.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--repeat", type=int, default=1, help="judge each file this often; the fastest time is shown "
                        "(the machine is shared, so single runs vary)")
    parser.add_argument("--examine", nargs=2, metavar=("AUDIT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.examine:
        examine_one(Path(args.examine[0]), Path(args.examine[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        audit, docx, xlsx = make_audit(base)
        files = base / "hostile"
        files.mkdir(exist_ok=True)
        print(f"{'file':30} {'size':>8} {'status / code':34} {'examine':>9} {'wall':>7} {'peak RSS':>9}")
        for name, (kind, build) in CASES.items():
            if args.only and not any(part in name for part in args.only):
                continue
            path = build(docx if kind == "docx" else xlsx, files / name)
            runs = [measure(audit, path, int(args.memory_gib * (1 << 30)), args.timeout) for _ in range(args.repeat)]
            r = min(runs, key=lambda run: run["wall_s"])
            r["peak_mb"] = max(run["peak_mb"] for run in runs)
            verdict = f"{r['status']} / {r['code']}"
            examine_ms = f"{r['ms'] / 1000:7.2f} s" if r.get("ms") is not None else "      -  "
            print(f"{name:30} {path.stat().st_size / MB:6.1f} MB {verdict:34} {examine_ms} {r['wall_s']:5.1f} s "
                  f"{r['peak_mb']:6.0f} MB", flush=True)
            if r["status"] in ("rejected", "CRASHED"):
                print(f"{'':30}   {r['reason']}", flush=True)
            path.unlink()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
