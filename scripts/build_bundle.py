"""Build an offline install bundle of maa for council Windows desktops.

Run it on any computer that can reach the package index (Linux, macOS or Windows):

    python scripts/build_bundle.py                        # Windows x64, CPython 3.11, 3.12 and 3.13
    python scripts/build_bundle.py --python 3.12          # one Python only (a smaller bundle)
    python scripts/build_bundle.py --native --out b       # this computer and this Python (the tests use it)

The result is a folder and a .zip of it:

    maa-0.1.0-bundle/
        README.txt      what this is and how to install it, for the officer and for IT
        install.cmd     python -m venv + pip install --no-index; nothing is downloaded
        maa.cmd         runs "venv\\Scripts\\python.exe -m maa_cli", never a pip-made .exe launcher
        SHA256SUMS      a checksum of every other file in the folder
        wheels/         maa's wheel and a wheel of every dependency, for every target Python

Only pip is used.  pip evaluates environment markers (``; platform_system == "Windows"``) for the
computer it runs on, even with ``--platform``, so a bundle downloaded on Linux would miss
Windows-only dependencies such as click's colorama.  This script therefore walks the wheels'
own requirements with the target's markers, downloads what is missing, and finally asks pip
to resolve an offline install for each target (``pip install --dry-run --no-index``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import string
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.tags import Tag, compatible_tags, cpython_tags, sys_tags
    from packaging.utils import canonicalize_name, parse_wheel_filename
    from packaging.version import Version
except ImportError:  # a bare interpreter: pip always carries a copy of the same library
    from pip._vendor.packaging.markers import default_environment
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.tags import Tag, compatible_tags, cpython_tags, sys_tags
    from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename
    from pip._vendor.packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "bundle"
DEFAULT_PYTHONS = ("3.11", "3.12", "3.13")
WINDOWS_PLATFORMS = {"win_amd64": "64-bit Windows (win_amd64)"}
# Copied from the source tree to build maa's wheel in a clean folder. A stale build/lib (left by an
# earlier in-tree build, e.g. of modules since moved) would otherwise end up inside the wheel.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", ".ci-venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".ruff_cache", ".hypothesis", "test-artifacts",
)
# Every .cmd file is written with CRLF: cmd.exe misreads labels and `goto` in LF-only files.
CRLF = "\r\n"


class BundleError(Exception):
    """The bundle could not be built; the message says what failed and what to do."""


@dataclass(frozen=True)
class Target:
    """One interpreter the bundle must install on."""

    python: str  # "3.12"
    platform: str  # a wheel platform tag, e.g. "win_amd64"
    sysconfig_platform: str  # what sysconfig.get_platform() prints there, e.g. "win-amd64"
    pip_args: tuple[str, ...]  # how to ask pip for this target's wheels
    markers: dict[str, str] = field(hash=False)  # environment markers as evaluated there
    tags: frozenset[Tag] = field(hash=False)  # wheel tags an interpreter there accepts

    @property
    def label(self) -> str:
        return f"CPython {self.python} on {self.platform}"


def windows_target(python: str, wheel_platform: str = "win_amd64") -> Target:
    """A python.org CPython ``python`` (e.g. "3.12") on 64-bit Windows."""
    major, minor = (int(part) for part in python.split("."))
    abi = f"cp{major}{minor}"
    markers = {
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "os_name": "nt",
        "platform_machine": "AMD64",
        "platform_python_implementation": "CPython",
        "platform_release": "10",
        "platform_system": "Windows",
        "platform_version": "10.0.19045",
        "python_full_version": f"{python}.0",
        "python_version": python,
        "sys_platform": "win32",
    }
    tags = frozenset(cpython_tags((major, minor), abis=[abi], platforms=[wheel_platform])) | frozenset(
        compatible_tags((major, minor), interpreter=abi, platforms=[wheel_platform])
    )
    pip_args = ("--platform", wheel_platform, "--python-version", python, "--implementation", "cp", "--abi", abi)
    return Target(python, wheel_platform, wheel_platform.replace("_", "-"), pip_args, markers, tags)


def native_target() -> Target:
    """The interpreter running this script, on this computer."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    wheel_platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return Target(python, wheel_platform, sysconfig.get_platform(), (), dict(default_environment()),
                  frozenset(sys_tags()))


# ---------------------------------------------------------------------------------------------
# pip


def _pip(args: Sequence[str], what: str) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).strip()
        raise BundleError(f"{what} failed (pip exited {proc.returncode}):\n{output[-3000:]}")


def build_maa_wheel(dest: Path) -> Path:
    """Build maa's own wheel from a clean copy of the source tree into ``dest``."""
    with tempfile.TemporaryDirectory(prefix="maa-src-") as tmp:
        src = Path(tmp) / "maa"
        shutil.copytree(ROOT, src, ignore=NOT_SOURCE)
        _pip(["wheel", "--quiet", "--no-deps", "--wheel-dir", str(dest), str(src)], "Building maa's wheel")
    wheels = sorted(dest.glob("maa-*.whl"))
    if len(wheels) != 1:
        raise BundleError(f"expected one maa wheel in {dest}, found {[w.name for w in wheels]}")
    return wheels[0]


def download(target: Target, requirements: Iterable[str], wheels: Path) -> None:
    """Download wheels (never source archives) of ``requirements`` and their dependencies for ``target``."""
    _pip(["download", "--quiet", "--only-binary=:all:", "--dest", str(wheels), *target.pip_args, *requirements],
         f"Downloading wheels for {target.label}")


def check_offline_install(target: Target, wheels: Path, requirement: str) -> None:
    """Ask pip to resolve ``requirement`` for ``target`` from ``wheels`` alone (nothing is installed).

    ``pip download --no-index`` rather than ``pip install --dry-run``: before pip 24.2 the latter
    checks Requires-Python against the running interpreter, not ``--python-version``.
    """
    with tempfile.TemporaryDirectory(prefix="maa-offline-check-") as tmp:
        _pip(["download", "--quiet", "--no-index", "--find-links", str(wheels), "--only-binary=:all:",
              "--dest", tmp, *target.pip_args, requirement],
             f"Checking an offline install for {target.label}")


# ---------------------------------------------------------------------------------------------
# What the wheels need, read with the target's markers


@dataclass(frozen=True)
class Wheel:
    path: Path
    name: str  # canonical
    version: Version


def _wheels_for(target: Target, wheels: Path) -> dict[str, list[Wheel]]:
    found: dict[str, list[Wheel]] = {}
    for path in wheels.glob("*.whl"):
        name, version, _build, tags = parse_wheel_filename(path.name)
        if tags & target.tags:
            found.setdefault(name, []).append(Wheel(path, name, version))
    for candidates in found.values():
        candidates.sort(key=lambda w: w.version, reverse=True)
    return found


def requires_dist(wheel: Path) -> list[Requirement]:
    """The ``Requires-Dist`` lines of a wheel's METADATA."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
        meta = HeaderParser().parsestr(zf.read(name).decode("utf-8"))
    return [Requirement(line) for line in meta.get_all("Requires-Dist") or []]


def _applies(req: Requirement, target: Target, extras: frozenset[str]) -> bool:
    if req.marker is None:
        return True
    return any(req.marker.evaluate({**target.markers, "extra": extra}) for extra in (extras or {""}))


def missing_requirements(target: Target, wheels: Path, root: str) -> list[str]:
    """Requirements reachable from ``root`` on ``target`` that no wheel in ``wheels`` satisfies.

    Walks from the newest compatible wheel that satisfies each requirement, evaluating markers
    as ``target`` would. Returns them as plain requirement strings (no markers), sorted.
    """
    available = _wheels_for(target, wheels)
    missing: set[str] = set()
    seen: set[tuple[str, str, frozenset[str]]] = set()
    queue = [Requirement(root)]
    while queue:
        req = queue.pop()
        name, extras = canonicalize_name(req.name), frozenset(req.extras)
        key = (name, str(req.specifier), extras)
        if key in seen:
            continue
        seen.add(key)
        match = next((w for w in available.get(name, []) if req.specifier.contains(w.version, prereleases=True)), None)
        if match is None:
            extras_text = f"[{','.join(sorted(extras))}]" if extras else ""
            missing.add(f"{name}{extras_text}{req.specifier}")
            continue
        # A dependency line such as 'foo; extra == "bar"' applies when this package was asked for with [bar].
        queue.extend(dep for dep in requires_dist(match.path) if _applies(dep, target, extras))
    return sorted(missing)


def complete(target: Target, wheels: Path, root: str, rounds: int = 5) -> None:
    """Download what the target's markers ask for and pip (evaluating this computer's) left out."""
    for _ in range(rounds):
        missing = missing_requirements(target, wheels, root)
        if not missing:
            return
        print(f"  adding for {target.label}: {', '.join(missing)}", file=sys.stderr)
        download(target, missing, wheels)
    missing = missing_requirements(target, wheels, root)
    if missing:
        raise BundleError(f"still missing for {target.label} after {rounds} rounds: {', '.join(missing)}")


# ---------------------------------------------------------------------------------------------
# The scripts, the checksums and the zip


def _render(template: str, values: dict[str, str]) -> str:
    text = string.Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)
    return CRLF.join(text.splitlines()) + CRLF


def _python_check(targets: Sequence[Target]) -> str:
    """Python code (for ``python -c``) that exits 0 only on an interpreter the bundle has wheels for."""
    versions = ", ".join(f"({t.python.replace('.', ', ')})" for t in targets)
    platforms = sorted({t.sysconfig_platform for t in targets})
    return (
        "import sys, sysconfig; "
        f"sys.exit(not (sys.version_info[:2] in [{versions}] and sysconfig.get_platform() in {platforms!r} "
        "and not sysconfig.get_config_var('Py_GIL_DISABLED')))"
    )


def _or_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def write_scripts(out: Path, targets: Sequence[Target], maa_wheel: Path, version: str) -> None:
    """Write install.cmd, maa.cmd and README.txt into the bundle folder ``out``."""
    pythons = [t.python for t in targets]
    newest_first = sorted(pythons, key=lambda v: tuple(int(p) for p in v.split(".")), reverse=True)
    find_python = [f"if not defined PY call :try py -{v}" for v in newest_first]
    find_python += ["if not defined PY call :try python", "if not defined PY call :try python3"]
    wheel_files = sorted(p for p in (out / "wheels").glob("*.whl"))
    size_mb = sum(p.stat().st_size for p in wheel_files) / 1e6
    values = {
        "version": version,
        "maa_wheel": maa_wheel.name,
        "pythons": _or_list(pythons),
        "platforms": _or_list(sorted({WINDOWS_PLATFORMS.get(t.platform, t.platform) for t in targets})),
        "python_check": _python_check(targets),
        "find_python": "\n".join(find_python),
        "wheel_count": str(len(wheel_files)),
        "size_mb": f"{size_mb:.0f}",
        "wheel_list": "\n".join(f"  {p.name}" for p in wheel_files),
        "built_with": f"pip on Python {platform.python_version()} ({sysconfig.get_platform()})",
    }
    for name in ("install.cmd", "maa.cmd", "README.txt"):
        (out / name).write_bytes(_render(name, values).encode("ascii"))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksums(out: Path) -> Path:
    """Write SHA256SUMS (the ``sha256sum`` format, / separators) for every other file in ``out``."""
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    lines = [f"{sha256(p)}  {p.relative_to(out).as_posix()}" for p in files]
    target = out / "SHA256SUMS"
    # LF, as sha256sum writes it: `sha256sum -c` would take a CR for part of the file name.
    target.write_bytes(("\n".join(lines) + "\n").encode("ascii"))
    return target


def make_zip(out: Path) -> Path:
    """Zip the bundle folder beside itself, keeping the folder as the zip's top level."""
    archive = out.with_name(out.name + ".zip")
    archive.unlink(missing_ok=True)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(out.rglob("*")):
            if path.is_file():
                zf.write(path, f"{out.name}/{path.relative_to(out).as_posix()}")
    return archive


def _prepare(out: Path) -> None:
    # Replace an earlier bundle, but never empty a folder this script did not make.
    if out.exists():
        if any(out.iterdir()) and not (out / "SHA256SUMS").exists() and not (out / "wheels").is_dir():
            raise BundleError(f"{out} exists and is not a maa bundle; choose an empty or new folder with --out")
        shutil.rmtree(out)
    (out / "wheels").mkdir(parents=True)


# ---------------------------------------------------------------------------------------------


def build(out: Path, targets: Sequence[Target]) -> Path:
    """Build the bundle folder ``out`` (and ``out``.zip) for ``targets``; return the zip's path."""
    _prepare(out)
    wheels = out / "wheels"
    print("Building maa's wheel ...", file=sys.stderr)
    maa_wheel = build_maa_wheel(wheels)
    version = str(parse_wheel_filename(maa_wheel.name)[1])
    root = f"maa=={version}"
    for target in targets:
        print(f"Downloading wheels for {target.label} ...", file=sys.stderr)
        download(target, [str(maa_wheel)], wheels)
        complete(target, wheels, root)
        check_offline_install(target, wheels, root)
    write_scripts(out, targets, maa_wheel, version)
    write_checksums(out)
    return make_zip(out)


def _python_version(text: str) -> str:
    parts = text.split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or (int(parts[0]), int(parts[1])) < (3, 11):
        raise argparse.ArgumentTypeError(f"{text!r}: give a Python version like 3.12 (maa needs 3.11 or newer)")
    return text


def _default_out() -> Path:
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    return ROOT / "dist" / f"maa-{version}-bundle"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Build an offline install bundle of maa (a folder and a .zip) for computers "
        "without access to the package index. Needs the package index itself, once.",
    )
    parser.add_argument("--out", type=Path, help="the bundle folder to write (default: dist/maa-VERSION-bundle)")
    parser.add_argument("--python", nargs="+", type=_python_version, default=list(DEFAULT_PYTHONS), metavar="X.Y",
                        help="Python versions to carry wheels for (default: %(default)s)")
    parser.add_argument("--platform", default="win_amd64", choices=sorted(WINDOWS_PLATFORMS),
                        help="Windows platform to carry wheels for (default: %(default)s)")
    parser.add_argument("--native", action="store_true",
                        help="carry wheels for this computer and the running Python instead (used by the tests)")
    args = parser.parse_args(argv)
    if args.native:
        targets = [native_target()]
    else:
        targets = [windows_target(v, args.platform) for v in dict.fromkeys(args.python)]
    out = (args.out or _default_out()).resolve()
    try:
        archive = build(out, targets)
    except BundleError as exc:
        print(f"build_bundle: {exc}", file=sys.stderr)
        return 1
    wheel_count = len(list((out / "wheels").glob("*.whl")))
    size_mb = archive.stat().st_size / 1e6
    pythons = ", ".join(t.python for t in targets)
    print(f"Bundle: {out}{os.sep} ({wheel_count} wheels: CPython {pythons} on {targets[0].platform})")
    print(f"Zip:    {archive} ({size_mb:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
