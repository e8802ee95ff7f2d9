@echo off
rem Installs maa $version from this folder: no internet, no admin rights.
rem
rem   install.cmd                  installs into %LOCALAPPDATA%\maa (the default)
rem   install.cmd "D:\Tools\maa"   installs into another folder
rem
rem It runs only "python -m venv" and "python -m pip install --no-index --find-links wheels":
rem nothing is downloaded, and nothing outside the install folder changes (no PATH, no registry).
rem Running it again replaces the install, e.g. with a newer bundle.
rem To choose the Python yourself, set MAA_PYTHON to the full path of its python.exe first.
setlocal EnableExtensions DisableDelayedExpansion

rem Started from Explorer (a double-click), cmd.exe's own command line names this file: keep the
rem window open at the end so it can be read. Unattended installs (e.g. pushed by IT) set MAA_NO_PAUSE=1.
rem Delayed expansion, only here, so that characters such as & in a folder name cannot break the test.
setlocal EnableDelayedExpansion
set "CMDLINE_WITHOUT_ME=!CMDCMDLINE:%~nx0=!"
if /i "!CMDLINE_WITHOUT_ME!"=="!CMDCMDLINE!" (set "DOUBLE_CLICKED=") else set "DOUBLE_CLICKED=1"
endlocal & set "DOUBLE_CLICKED=%DOUBLE_CLICKED%"
set "PAUSE_AT_END="
if defined DOUBLE_CLICKED if not defined MAA_NO_PAUSE set "PAUSE_AT_END=1"

rem No pip configuration at all (with --isolated below): a pip.ini or PIP_ variable meant for
rem online installs (an index, constraints) has no business in this one.
set "PIP_CONFIG_FILE=nul"

set "WHEELS=%~dp0wheels"
set "TARGET=%LOCALAPPDATA%\maa"
if not "%~1"=="" set "TARGET=%~f1"
set "VENV=%TARGET%\venv"

if not exist "%WHEELS%\$maa_wheel" goto no_wheels

rem The first Python the bundle has wheels for: MAA_PYTHON, then the py launcher, then PATH.
set "PY="
if defined MAA_PYTHON call :try "%MAA_PYTHON%"
$find_python
if not defined PY goto no_python

rem "call": a python that is a .bat shim (as some Python managers install) would otherwise end this script.
echo Installing maa $version into "%TARGET%" with this Python:
call %PY% -c "import sys; print(' ', sys.executable, sys.version.split()[0])"

rem --clear: a second run starts from an empty venv, whatever Python made the last one.
call %PY% -m venv --clear "%VENV%"
if errorlevel 1 goto venv_failed
if not exist "%VENV%\Scripts\python.exe" goto venv_elsewhere

"%VENV%\Scripts\python.exe" -m pip install --isolated --disable-pip-version-check --no-index --find-links "%WHEELS%" "maa==$version"
if errorlevel 1 goto pip_failed

if /i "%~dp0"=="%TARGET%\" goto installed
copy /y "%~dp0maa.cmd" "%TARGET%\maa.cmd" >nul
if errorlevel 1 goto copy_failed

:installed
call "%TARGET%\maa.cmd" --version
if errorlevel 1 goto run_failed
echo.
echo maa is installed. Run it from any folder as:
echo   "%TARGET%\maa.cmd" tools list
echo In Task Scheduler, give "%TARGET%\maa.cmd" as the program and the maa command as its arguments.
set "RC=0"
goto finish

:try
rem Accept this Python only if the bundle has wheels for it (version, 64-bit Windows, not free-threaded).
call %* -c "$python_check" >nul 2>&1
if not errorlevel 1 set "PY=%*"
exit /b 0

:no_wheels
echo This folder has no "wheels\$maa_wheel". 1>&2
echo Copy the whole bundle folder (or unzip all of it), not install.cmd alone. 1>&2
set "RC=1"
goto finish

:no_python
echo No suitable Python found. This bundle needs Python $pythons on $platforms. 1>&2
echo Install one for yourself, no admin rights needed: see "Getting Python" in README.txt. 1>&2
echo Or set MAA_PYTHON to the full path of a python.exe and run install.cmd again. 1>&2
set "RC=1"
goto finish

:venv_failed
echo Could not make the virtual environment "%VENV%". 1>&2
echo If maa is running (a scheduled task, another window), wait for it to finish and run install.cmd again. 1>&2
set "RC=1"
goto finish

:venv_elsewhere
echo The virtual environment did not appear in "%VENV%". 1>&2
echo The Microsoft Store Python keeps what it writes under AppData in a private folder of its own. 1>&2
echo Install into a folder outside AppData instead:   install.cmd "%USERPROFILE%\maa" 1>&2
echo or use Python from python.org (see README.txt). 1>&2
set "RC=1"
goto finish

:pip_failed
echo pip could not install maa from "%WHEELS%". 1>&2
echo Check that the folder was copied whole (README.txt says how to check SHA256SUMS). 1>&2
set "RC=1"
goto finish

:copy_failed
echo Could not copy maa.cmd into "%TARGET%". 1>&2
set "RC=1"
goto finish

:run_failed
echo maa was installed but did not start. If application control blocked python.exe, see README.txt. 1>&2
set "RC=1"
goto finish

:finish
if defined PAUSE_AT_END pause
exit /b %RC%
