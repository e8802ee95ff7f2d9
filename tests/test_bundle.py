"""The offline bundle installs maa on a council PC that cannot reach the package index.

``scripts/build_bundle.py`` runs on a computer with internet; the folder it writes is copied to
a Windows desktop and installed there with ``install.cmd`` (``python -m venv``, then
``pip install --no-index``). Windows cannot run here, so these tests build the same bundle for
this computer and install it with the commands ``install.cmd`` holds, and read the .cmd files
for what cmd.exe and application control require of them.

    python -m pytest tests/test_bundle.py                      # needs the package index once
    python -m pytest -m windows_wheels tests/test_bundle.py    # opt-in: the Windows wheel set is complete

Building needs the package index (pip download). When it cannot be reached the tests skip
locally and fail under CI (``CI`` set), like the LibreOffice round trips.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_bundle.py"
WINDOWS_PYTHONS = ("3.11", "3.12", "3.13")
# Nothing listens on port 9 (discard) here: any attempt to reach a network fails at once.
NO_NETWORK = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_bundle", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_bundle", module)
    spec.loader.exec_module(module)
    return module


builder = _load_builder()


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)


OUR_PYTHON = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
PROXIES = ("http_proxy", "https_proxy", "no_proxy", "all_proxy")


def _offline_env() -> dict[str, str]:
    """This machine's environment without pip's settings, this venv, or a way out: a PC without the index."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PIP_") and k not in OUR_PYTHON and k.lower() not in PROXIES}
    return {**env, **NO_NETWORK, "PIP_CONFIG_FILE": os.devnull}


def _index_unreachable(tmp: Path) -> str:
    """Why pip cannot reach its index from here, or "" when it can."""
    probe = _run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "--only-binary=:all:",
                  "--retries", "1", "--timeout", "20", "--dest", tmp, "typing-extensions"])
    return "" if probe.returncode == 0 else (probe.stdout + probe.stderr).strip()[-600:]


def _build(out: Path, *args: str) -> Path:
    """Run build_bundle.py as a user would; skip (fail under CI) when the index cannot be reached."""
    env = {**os.environ, "PIP_DEFAULT_TIMEOUT": "60", "PIP_RETRIES": "2"}
    proc = _run([sys.executable, SCRIPT, "--out", out, *args], env=env, cwd=out.parent)
    if proc.returncode == 0:
        return out
    why = _index_unreachable(out.parent / "probe")
    if why and os.environ.get("CI"):
        pytest.fail(f"building the bundle needs the package index, which CI must reach:\n{why}", pytrace=False)
    if why:
        lines = why.splitlines()
        reason = next((line for line in lines if "connect" in line.lower()), lines[-1])
        pytest.skip(f"package index not reachable, so no bundle can be built here: {reason[-300:]}")
    pytest.fail(f"build_bundle.py failed:\n{proc.stdout}\n{proc.stderr}", pytrace=False)


def _maa_version(bundle: Path) -> str:
    (wheel,) = (bundle / "wheels").glob("maa-*.whl")
    return wheel.name.split("-")[1]


def _code_lines(cmd_file: Path) -> list[str]:
    """The lines cmd.exe runs: not comments, not blank."""
    lines = cmd_file.read_text(encoding="ascii").splitlines()
    return [line.strip() for line in lines if line.strip() and not re.match(r"(?i)\s*(rem\b|::)", line)]


def _pip_install_args(install_cmd: Path, venv_python: Path, wheels: Path) -> list[str]:
    """The ``pip install`` arguments exactly as install.cmd gives them, with its variables filled in."""
    (line,) = [line for line in _code_lines(install_cmd) if " -m pip install " in line]
    args = shlex.split(line.replace("\\", "/"))
    assert args[0] == "%VENV%/Scripts/python.exe" and args[1:4] == ["-m", "pip", "install"], line
    return [str(venv_python), "-m", "pip", "install", *(a.replace("%WHEELS%", str(wheels)) for a in args[4:])]


@pytest.fixture(scope="session")
def native_bundle(tmp_path_factory) -> Path:
    """A bundle for this computer and this Python, built once per test session."""
    return _build(tmp_path_factory.mktemp("native") / "maa-bundle", "--native")


@pytest.fixture(scope="session")
def installed(native_bundle, tmp_path_factory) -> Path:
    """The venv's python after install.cmd's two steps, run here with no network and no pip settings."""
    venv = tmp_path_factory.mktemp("council-pc") / "maa" / "venv"
    made = _run([sys.executable, "-m", "venv", "--clear", venv], env=_offline_env())
    assert made.returncode == 0, made.stderr
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # --no-compile: pip would byte-compile matplotlib and numpy, which only costs this test time.
    cmd = [*_pip_install_args(native_bundle / "install.cmd", python, native_bundle / "wheels"), "--no-compile"]
    done = _run(cmd, env=_offline_env())
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return python


@pytest.fixture(scope="session")
def windows_bundle(request, tmp_path_factory) -> Path:
    """The release bundle (win_amd64, CPython 3.11-3.13); only when asked for with -m windows_wheels."""
    if "windows_wheels" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("opt-in: run with -m windows_wheels (downloads about 120 MB of Windows wheels)")
    return _build(tmp_path_factory.mktemp("windows") / "maa-bundle", "--python", *WINDOWS_PYTHONS)


class TestOfflineInstall:
    """Installed from the bundle alone, maa works from any folder."""

    def test_the_bundle_installs_into_a_fresh_venv_without_the_index(self, installed):
        """python -m venv and install.cmd's own pip command, with no index and no network, install maa."""
        where = _run([installed, "-c", "import maa_cli; print(maa_cli.__file__)"], cwd=installed.parent)
        assert where.returncode == 0, where.stderr
        assert Path(where.stdout.strip()).is_relative_to(installed.parent.parent), where.stdout

    def test_maa_runs_from_another_folder(self, installed, native_bundle, tmp_path):
        """`python -m maa_cli --version` and `tools list` work from an unrelated folder, as maa.cmd runs them."""
        elsewhere = tmp_path / "Documents"
        elsewhere.mkdir()
        env = _offline_env()
        version = _run([installed, "-m", "maa_cli", "--version"], cwd=elsewhere, env=env)
        assert version.returncode == 0, version.stderr
        assert version.stdout.strip() == f"maa {_maa_version(native_bundle)}"
        tools = _run([installed, "-m", "maa_cli", "tools", "list"], cwd=elsewhere, env={**env, "COLUMNS": "200"})
        assert tools.returncode == 0, tools.stderr
        assert "early-years-safeguarding" in tools.stdout and "multi-agency-case-audit" in tools.stdout

    def test_the_installed_versions_are_consistent(self, installed):
        """`pip check` finds no broken requirement among what the bundle installed."""
        check = _run([installed, "-m", "pip", "check"], env=_offline_env())
        assert check.returncode == 0, check.stdout + check.stderr


class TestBundleContents:
    """The folder and its zip are what README.txt and IT are told they are."""

    def test_maa_and_every_dependency_are_wheels_in_the_bundle(self, native_bundle):
        """Walking maa's requirements with this computer's markers, every one has a wheel in wheels/."""
        target = builder.native_target()
        root = f"maa=={_maa_version(native_bundle)}"
        assert builder.missing_requirements(target, native_bundle / "wheels", root) == []
        assert not list((native_bundle / "wheels").glob("*.tar.gz")), "source archives would need a compiler"

    def test_the_checksums_cover_every_file_and_match(self, native_bundle):
        """SHA256SUMS names every other file in the folder, with its SHA-256."""
        listed = {}
        for line in (native_bundle / "SHA256SUMS").read_text(encoding="ascii").splitlines():
            digest, name = line.split("  ", 1)
            listed[name] = digest
        files = {p.relative_to(native_bundle).as_posix(): p for p in native_bundle.rglob("*") if p.is_file()}
        assert set(listed) == set(files) - {"SHA256SUMS"}
        for name, digest in listed.items():
            assert hashlib.sha256(files[name].read_bytes()).hexdigest() == digest, name

    def test_the_zip_holds_the_folder_under_its_own_name(self, native_bundle):
        """The .zip beside the folder unpacks to the same folder, so install.cmd finds wheels\\ beside it."""
        with zipfile.ZipFile(native_bundle.with_name(native_bundle.name + ".zip")) as zf:
            names = set(zf.namelist())
        files = {f"{native_bundle.name}/{p.relative_to(native_bundle).as_posix()}"
                 for p in native_bundle.rglob("*") if p.is_file()}
        assert names == files

    def test_readme_names_the_version_and_the_wheels(self, native_bundle):
        """README.txt says which maa it installs and lists every wheel, for IT's review."""
        text = (native_bundle / "README.txt").read_text(encoding="ascii")
        assert f"maa {_maa_version(native_bundle)}" in text
        for wheel in (native_bundle / "wheels").glob("*.whl"):
            assert wheel.name in text


class TestCmdFiles:
    """install.cmd and maa.cmd follow cmd.exe's rules and the constraints of a locked-down PC."""

    @pytest.mark.parametrize("name", ["install.cmd", "maa.cmd", "README.txt"])
    def test_written_with_crlf_and_plain_ascii(self, native_bundle, name):
        """cmd.exe mis-parses labels in LF-only files and reads non-ASCII in the OEM code page."""
        data = (native_bundle / name).read_bytes()
        assert data.isascii()
        assert data.count(b"\n") == data.count(b"\r\n") > 0

    @pytest.mark.parametrize("name", ["install.cmd", "maa.cmd"])
    def test_every_goto_and_call_has_its_label(self, native_bundle, name):
        """A jump to a missing label would stop the script with an error cmd.exe only shows on Windows."""
        lines = _code_lines(native_bundle / name)
        labels = {line[1:].split()[0].lower() for line in lines if line.startswith(":")} | {"eof"}
        jumps = re.findall(r"(?i)\b(?:goto|call)\s+:?([A-Za-z_]\w*)", "\n".join(lines))
        assert jumps and {j.lower() for j in jumps} <= labels

    @pytest.mark.parametrize("name", ["install.cmd", "maa.cmd"])
    def test_no_comment_uses_percent_tilde(self, native_bundle, name):
        """cmd.exe expands %~ even in a rem line and stops with 'path operator ... invalid'."""
        for line in (native_bundle / name).read_text(encoding="ascii").splitlines():
            if re.match(r"(?i)\s*rem\b", line):
                assert "%~" not in line, line

    def test_install_uses_only_venv_and_pip_without_the_index(self, native_bundle):
        """install.cmd makes a venv and installs with --no-index from wheels\\: nothing is downloaded."""
        code = "\n".join(_code_lines(native_bundle / "install.cmd"))
        assert 'call %PY% -m venv --clear "%VENV%"' in code
        # A python that is a .bat shim would end install.cmd unless called.
        assert all(line.startswith("call ") for line in code.splitlines() if re.match(r"(call )?%(PY|\*)% -", line))
        (pip_line,) = [line for line in code.splitlines() if " -m pip " in line]
        assert pip_line.startswith('"%VENV%\\Scripts\\python.exe" -m pip install ')
        assert "--no-index" in pip_line and '--find-links "%WHEELS%"' in pip_line
        # No pip.ini, no PIP_ variable: an index or constraints set for online installs cannot interfere.
        assert "--isolated" in pip_line and 'set "PIP_CONFIG_FILE=nul"' in code
        assert f'"maa=={_maa_version(native_bundle)}"' in pip_line
        assert 'set "WHEELS=%~dp0wheels"' in code
        assert not re.search(r"(?i)https?:|pip\.exe|\bdownload\b|--index-url|setx|\breg\b", code)

    def test_maa_cmd_runs_python_exe_not_a_launcher(self, native_bundle):
        """maa.cmd calls the venv's python.exe with -m maa_cli: no maa.exe, which application control blocks."""
        code = "\n".join(_code_lines(native_bundle / "maa.cmd"))
        assert 'set "MAA_PYTHON_EXE=%~dp0venv\\Scripts\\python.exe"' in code
        assert '"%MAA_PYTHON_EXE%" -m maa_cli %*' in code
        assert "exit /b %ERRORLEVEL%" in code
        assert set(re.findall(r"(?i)[\w-]+\.exe", code)) == {"python.exe"}

    def test_install_accepts_only_a_python_the_bundle_has_wheels_for(self, native_bundle):
        """install.cmd's check accepts the Python the bundle was built for, and a wrong one is refused."""
        (line,) = [line for line in _code_lines(native_bundle / "install.cmd") if line.startswith("call %* -c ")]
        check = line.split('"')[1]
        assert _run([sys.executable, "-c", check]).returncode == 0
        other = check.replace(f"({sys.version_info.major}, {sys.version_info.minor})", "(3, 99)")
        assert _run([sys.executable, "-c", other]).returncode == 1


class TestBuilder:
    """build_bundle.py reads markers for the target, not for the computer it runs on."""

    @staticmethod
    def _wheel(folder: Path, name: str, requires: tuple[str, ...] = ()) -> None:
        requires_dist = "".join(f"Requires-Dist: {r}\n" for r in requires)
        meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n{requires_dist}"
        with zipfile.ZipFile(folder / f"{name}-1.0-py3-none-any.whl", "w") as zf:
            zf.writestr(f"{name}-1.0.dist-info/METADATA", meta)

    def test_a_windows_only_dependency_is_missed_unless_markers_are_read_for_windows(self, tmp_path):
        """pip, run on Linux, leaves out 'x; sys_platform == "win32"'; the builder's walk asks for it."""
        self._wheel(tmp_path, "tool", ('winonly; sys_platform == "win32"', 'posixonly; os_name == "posix"',
                                       'extraonly; extra == "docs"'))
        missing = builder.missing_requirements(builder.windows_target("3.12"), tmp_path, "tool")
        assert missing == ["winonly"]
        self._wheel(tmp_path, "winonly")
        assert builder.missing_requirements(builder.windows_target("3.12"), tmp_path, "tool") == []

    def test_an_existing_folder_that_is_not_a_bundle_is_never_emptied(self, tmp_path, capsys):
        """--out pointing at someone's folder stops with a message and leaves it alone."""
        (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
        assert builder.main(["--out", str(tmp_path), "--native"]) == 1
        assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"
        assert "not a maa bundle" in capsys.readouterr().err


@pytest.mark.windows_wheels
class TestWindowsWheels:
    """Opt-in: the release bundle resolves offline for 64-bit Windows on each supported Python."""

    @pytest.mark.parametrize("python", WINDOWS_PYTHONS)
    def test_pip_resolves_maa_offline_for_windows(self, windows_bundle, python, tmp_path):
        """pip install --dry-run --platform win_amd64 --no-index finds every wheel maa needs there."""
        from importlib.metadata import version

        pip_version = tuple(int(p) for p in version("pip").split(".")[:2])
        if pip_version < (24, 2):
            pytest.fail(f"pip {version('pip')} checks Requires-Python against this Python, not --python-version; "
                        f"upgrade it: {sys.executable} -m pip install -U pip", pytrace=False)
        abi = "cp" + python.replace(".", "")
        report = tmp_path / "report.json"
        dry = _run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-index",
                    "--find-links", windows_bundle / "wheels", "--only-binary=:all:", "--target", tmp_path / "t",
                    "--platform", "win_amd64", "--python-version", python, "--implementation", "cp", "--abi", abi,
                    "--report", report, f"maa=={_maa_version(windows_bundle)}"], env=_offline_env())
        assert dry.returncode == 0, dry.stdout[-2000:] + dry.stderr[-3000:]
        chosen = {re.sub(r"[-_.]+", "-", item["metadata"]["name"]).lower(): Path(item["download_info"]["url"]).name
                  for item in json.loads(report.read_text(encoding="utf-8"))["install"]}
        for compiled in ("numpy", "pydantic-core", "lxml", "matplotlib", "pillow", "pyyaml", "markupsafe"):
            wheel = chosen[compiled]
            assert wheel.endswith((f"-{abi}-{abi}-win_amd64.whl", "-abi3-win_amd64.whl")), wheel

    @pytest.mark.parametrize("python", WINDOWS_PYTHONS)
    def test_windows_only_requirements_are_there_too(self, windows_bundle, python):
        """With Windows' markers (which pip does not use when run here), nothing maa needs is missing."""
        root = f"maa=={_maa_version(windows_bundle)}"
        assert builder.missing_requirements(builder.windows_target(python), windows_bundle / "wheels", root) == []

    def test_install_cmd_accepts_exactly_the_bundled_pythons(self, windows_bundle):
        """install.cmd looks for py -3.13, -3.12, -3.11 and accepts only those, 64-bit, not free-threaded."""
        code = "\n".join(_code_lines(windows_bundle / "install.cmd"))
        assert re.findall(r"call :try py -(3\.\d+)", code) == ["3.13", "3.12", "3.11"]
        assert "[(3, 11), (3, 12), (3, 13)]" in code and "['win-amd64']" in code and "Py_GIL_DISABLED" in code
