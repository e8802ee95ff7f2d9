@echo off
rem maa $version. Runs "python.exe -m maa_cli" with the Python of the venv folder beside this file,
rem passing on every argument, and returns maa's exit code (see "Exit codes" in maa's README).
rem
rem   maa.cmd tools list
rem   maa.cmd collect "\\server\share\Audits\MACA spring 2027"
rem
rem Why python.exe and not the maa.exe that pip also puts in venv\Scripts: application control
rem (AppLocker, WDAC) often blocks that launcher, which is unsigned and different in every install,
rem while it allows python.exe, which is signed by the Python Software Foundation.
setlocal
set "MAA_PYTHON_EXE=%~dp0venv\Scripts\python.exe"
if not exist "%MAA_PYTHON_EXE%" goto missing
"%MAA_PYTHON_EXE%" -m maa_cli %*
exit /b %ERRORLEVEL%

:missing
echo maa is not installed beside this file: "%MAA_PYTHON_EXE%" is missing. 1>&2
echo Run install.cmd from the maa bundle, then use the maa.cmd it puts in the install folder. 1>&2
exit /b 9009
