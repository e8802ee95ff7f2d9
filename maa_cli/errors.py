"""One error tree and one message catalog for everything maa can refuse.

Every message has the same three parts, in the order an officer needs them:
*where* (file, line or row, question), *what is wrong*, and *what to do*.
The wording lives in :class:`ErrorCode` so tests can assert on codes rather than
on copied strings, and so the wording can be improved in one place.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class ErrorCode(Enum):
    """Catalog of problems: (what is wrong, what to do). Both are format strings."""

    # Definitions (YAML)
    YAML_SYNTAX = ("the file is not valid YAML: {detail}", "Check indentation and quotes near that line.")
    YAML_DUPLICATE_KEY = (
        "'{key}' is given twice in the same block",
        "Keep one of them; YAML would silently use the last one.",
    )
    YAML_ALIAS = (
        "YAML anchors and aliases (&name / *name) are not allowed",
        "Write the value out in full.",
    )
    YAML_TAG = ("the tag '{tag}' is not allowed", "Remove the '!' tag; maa reads plain YAML only.")
    YAML_NOT_MAPPING = ("the file should hold a set of 'name: value' settings", "Start from an example in examples/.")
    UNKNOWN_SETTING = ("unknown setting '{key}'{suggestion}", "Check the spelling; allowed here: {allowed}.")
    BAD_CHOICE = ("'{value}' is not a valid {what}{suggestion}", "Use one of: {allowed}.")
    MISSING_SETTING = ("'{key}' is missing", "Add '{key}:' here.")
    BAD_VALUE = ("{detail}", "Correct the value.")
    DUPLICATE_ID = ("the id '{id}' is used more than once (first at line {first_line})", "Give each one its own id.")
    UNKNOWN_SCALE = ("unknown scale '{scale}'", "Use one of: {allowed}, or define it under 'scales:'.")
    UNKNOWN_QUESTION = (
        "the condition refers to question '{ref}', which this tool does not have",
        "Use the id of a question in this tool ({allowed}).",
    )
    CROSS_CHECK = ("{detail}", "{hint}")
    UNKNOWN_TOOL = ("there is no built-in tool '{tool}' and no file by that name", "Run 'maa tools list' to see the built-in tools, or give a path to a YAML file.")
    # CSV inputs
    CSV_UNREADABLE = ("the file cannot be read: {detail}", "Save it from Excel as 'CSV UTF-8 (Comma delimited)'.")
    CSV_MISSING_COLUMN = ("the column '{column}' is missing (found: {found})", "Add a column headed '{column}' in the first row.")
    CSV_EMPTY_VALUE = ("'{column}' is empty", "Fill it in, or remove the row.")
    CSV_DUPLICATE = ("'{value}' appears more than once in '{column}' (first at row {first_row})", "Each {column} must be unique.")
    CSV_BAD_DATE = ("'{value}' in '{column}' is not a date maa can read", "Write dates day-first, e.g. 03/07/2024 or 3 July 2024.")
    CSV_UNKNOWN_AGENCY = ("agency '{value}' is not in the agencies file{suggestion}", "Use the agency's name exactly as in the agencies file, separated by ';'.")
    CSV_BAD_VALUE = ("{detail}", "{hint}", "csv")  # third item keeps it distinct from CROSS_CHECK
    # Workspace
    WORKSPACE_EXISTS = ("an audit already exists here", "Choose a new folder; maa never overwrites an audit.")
    WORKSPACE_MISSING = ("there is no audit.yaml here", "Give the audit folder made by 'maa new-audit', or create one.")
    SAMPLE_TOO_LARGE = ("only {eligible} eligible cases{where}, but {wanted} were asked for", "Ask for fewer cases or widen the lookback period.")
    NEED_INPUT = ("{what} is needed", "{hint}")
    LOCKED = ("another maa run is working on this audit", "Wait for it to finish and try again.")
    FILE_BUSY = ("the file could not be written: {detail}", "Close it in Word or Excel and run the command again.")
    NO_SUCH_FORM = ("there is no form {form_id} in this audit", "Copy the form reference as 'maa collect' or 'maa status' shows it (MAA-XXXX-XXXX).")
    NOT_A_RETURN_OF = ("'{given}' is not one of the returns of form {form_id} (they are: {files})", "Give one of those files, as 'maa collect' lists it.")
    RESTRICTED_UNREACHABLE = (
        "the restricted store ({store}) cannot be reached: {detail}",
        "Connect the drive or share that holds it and check that you can open it (audit.yaml 'restricted_store' "
        "says where it is), then run the command again. maa will not run without it: it could not hide the "
        "children's names and dates of birth.",
    )
    RESTRICTED_BAD_DATE = (
        "the value in '{column}' is not a date maa can read (it is not shown here, as it may be a date of birth)",
        "Write it day first, e.g. 19/03/2016 (or as 2016-03-19), and save the file again as CSV UTF-8.",
    )
    # Failing closed on identity data (a child whose name could not be masked)
    RESTRICTED_CASE_MISSING = (
        "case {case_ref} is in audit.yaml but has no row in {file_name} (the child's name and date of birth): "
        "that child's name could not be masked, so nothing shareable is written",
        "Restore {file_name} from your backup, or add the row for case {case_ref} (case_ref, child_name, "
        "date_of_birth), then run the command again.",
    )
    # The environment stopped the run (exit code 4)
    DISK_FULL = (
        "the disk or share is full, so this file could not be written",
        "Free some space on it (or ask IT to), then run the command again: every file maa writes is "
        "replaced in one step, so nothing was left half-written.",
    )
    READ_ONLY = (
        "maa may not write this file: the share or folder is read-only, or you lack permission to change it",
        "Ask IT for permission to change files in the audit folder (and the restricted store), or run maa "
        "from an account that has it, then run the command again.",
    )
    PATH_TOO_LONG = (
        "this path is {length} characters long; Windows cannot open paths over {limit} characters",
        "Move the audit to a folder with a shorter path (e.g. nearer the top of the share), or give the "
        "audit a shorter folder name, then run the command again.",
    )
    DEADLINE_PAST = (
        "the deadline {deadline} has already passed (today is {today})",
        "Give a date after today (day first, e.g. 31/03/2027); when recording an audit that has already run, "
        "add --allow-past-deadline.",
    )
    BAD_EMAIL = ("'{value}' is not an e-mail address", "Give {what} as an address like audits@partnership.example.")
    AUDIT_PATH_TOO_LONG = (
        "the audit folder's path is {length} characters long, and the forms inside it need up to {need} more: "
        "Windows cannot open paths over {limit} characters",
        "Create the audit in a folder whose full path is at most {room} characters long (nearer the top of the share).",
    )
    RESTRICTED_STORE_PLACEMENT = (
        "the restricted store is set to {store}, inside the audit's {folder} folder, which is shared or sent out",
        "Point 'restricted_store' in audit.yaml at a folder outside forms/, returns/, reports/ and outbox/ "
        "(the default is 'restricted'), and move the files there.",
    )

    # State kept between runs (.maa/, records in the restricted store): added for recovery from damage
    MANIFEST_LOST = (
        "the list of issued forms (.maa/manifest.json) is {why}, and returns of {count} form(s) already collected "
        "({forms}) cannot be matched to audit.yaml to rebuild it; collecting now would drop their answers",
        "Restore .maa/manifest.json from backup, or put back the audit.yaml those forms were issued from, "
        "then run the command again. 'maa issue-forms' rebuilds the list from the forms folder for forms audit.yaml describes.",
    )

    # Bounds: every input maa reads has a size or shape it will not go past.
    YAML_TOO_DEEP = (
        "the settings are nested more than {limit} levels deep, far deeper than any audit tool or audit.yaml",
        "Check the indentation from that line on, and look for a '[' or '{{' that is never closed.",
    )
    YAML_TOO_BIG = (
        "the file holds more than {limit:,} values, far more than any audit tool or audit.yaml",
        "Check that this is the right file. A tool this long should be split into several tools; "
        "an audit.yaml this long lists more agencies or cases than one audit can handle.",
    )
    FORM_TOO_LONG = (
        "the tool's Excel form would take {rows:,} rows, more than maa reads back from a returned form ({limit:,})",
        "Split the tool into two tools, or shorten it: each question takes a row, and so does each part, "
        "each option of a multiple-choice question and each extra box (why, action points, when/who, other).",
    )
    CSV_HIDDEN_CHARACTER = (
        "the {cell} contains a hidden {character} (the value is not repeated here, as it may identify a child)",
        "Retype the value in that cell: a character copied from Word or a web page is hidden in it, and forms "
        "cannot be made with it. Then save the file again as CSV UTF-8.",
    )

    # E-mail ('maa send', 'maa chase'): nothing is sent when one of these is raised
    MAIL_BAD_SERVER = (
        "'{value}' is not a mail server given as HOST:PORT",
        "Give the server IT named, with its port, e.g. --smtp relay.council.example:25.",
    )
    MAIL_CONNECT = (
        "the mail server {server} could not be reached: {detail}",
        "Check the server's name and port with IT (an internal relay is usually port 25 or 587), then run again. "
        "Nothing was sent.",
    )
    MAIL_NO_TLS = (
        "the mail server {server} does not offer an encrypted connection (STARTTLS), so the forms would cross the "
        "network readable by anyone on the way",
        "Ask IT for a relay that offers STARTTLS (or port 465). maa sends unencrypted only to this computer "
        "(localhost). Nothing was sent.",
    )
    MAIL_TLS_FAILED = (
        "an encrypted connection to {server} could not be made: {detail}",
        "If the server's certificate is not trusted by this computer, ask IT to fix the certificate or install "
        "the council's root certificate; maa does not send over a connection it cannot check. Nothing was sent.",
    )
    MAIL_LOGIN = (
        "the mail server {server} refused the login of {user}: {detail}",
        "Check the user name and the password in the environment variable {variable}. Many Microsoft 365 "
        "tenants switch off password login for SMTP: ask IT for an internal relay instead. Nothing was sent.",
    )
    MAIL_NO_PASSWORD = (
        "--smtp-user {user} is given, but the environment variable {variable} holding its password is not set",
        "Set it in the window you run maa from (PowerShell: $env:{variable} = '...'; cmd: set {variable}=...), "
        "or run maa in a terminal to be asked. maa never takes a password from the command line or the audit folder.",
    )
    MAIL_LEDGER_UNREADABLE = (
        "the record of messages already sent (.maa/{name}) cannot be read: {why}",
        "Restore it from your backup, then run the command again. maa sends nothing without it: it could not "
        "tell who has had their message, and would send every message again.",
    )
    MAIL_UNKNOWN_RESPONDENT = (
        "there is no respondent '{value}' with forms in this audit{suggestion}",
        "Give the name as audit.yaml's agencies (or 'maa status') give it, in quotes if it has spaces.",
    )
    MAIL_MARKER_MISSING = (
        "--confirm-child-details was given, but audit.yaml sets no secure_subject_marker",
        "Add the subject marker your secure e-mail acts on to audit.yaml (e.g. secure_subject_marker: \"[secure]\" "
        "for NHSmail), or secure_subject_marker: \"\" if the partnership has decided none is needed. Nothing was sent.",
    )
    MAIL_NOT_CONFIRMED = (
        "sending needs your go-ahead, and there is no terminal to ask in",
        "Look at the preview ('maa {command}' without --smtp writes the messages as drafts), then run again with --yes.",
    )
    MAIL_NEVER_COLLECTED = (
        "'maa collect' has not been run on this audit yet, so who still owes what is not known",
        "Run 'maa collect' first, or 'maa chase --collect' to collect and then chase.",
    )
    MAIL_COLLECT_STALE = (
        "the last 'maa collect' was at {when}, more than an hour ago: a reminder could go to someone who has replied since",
        "Run 'maa collect' first, or 'maa chase --collect' to collect and then chase.",
    )
    MAIL_RETURNS_NEWER = (
        "{count} file(s) in returns/ are new or changed since the last 'maa collect' ({when}): a reminder could go to "
        "someone who has just replied",
        "Run 'maa collect' first, or 'maa chase --collect' to collect and then chase.",
    )
    MAIL_TEMPLATE = (
        "the e-mail template cannot be used: {detail}",
        "Correct it (the first line is 'Subject: ...', then a blank line, then the text), or delete it to get "
        "maa's own back on the next run.",
    )

    @property
    def what(self) -> str:
        return self.value[0]

    @property
    def hint(self) -> str:
        return self.value[1]


@dataclass(frozen=True)
class Problem:
    """One thing wrong, with where it is and what to do about it."""

    code: ErrorCode
    file: str | None = None
    line: int | None = None
    column: int | None = None
    row: int | None = None
    question: str | None = None
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.code.what.format(**self.params)

    @property
    def hint(self) -> str:
        return self.code.hint.format(**self.params)

    @property
    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.question:
            parts.append(f"question {self.question}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        message = self.message
        stop = "" if message.endswith((".", "?", "!")) else "."
        return f"{where}{message}{stop} {self.hint}"

    def to_dict(self) -> dict:
        return {
            "code": self.code.name,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "row": self.row,
            "question": self.question,
            "message": self.message,
            "hint": self.hint,
        }


class MaaError(Exception):
    """Root of every error maa reports to a user. ``exit_code`` is what the CLI exits with."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem, title: str | None = None):
        self.problems = problems if isinstance(problems, list) else [problems]
        self.title = title
        super().__init__(self.__str__())

    def __str__(self) -> str:
        lines = [self.title] if self.title else []
        lines += [str(p) for p in self.problems]
        return "\n".join(lines)


class DefinitionError(MaaError):
    """An audit tool or audit.yaml that cannot be used as written."""


class InputFileError(MaaError):
    """A CSV given to new-audit that cannot be used as written."""


class WorkspaceError(MaaError):
    """The audit folder is missing, already exists, or cannot be written."""


class AuditLocked(MaaError):
    """Another run holds the audit's lock."""

    exit_code = 3


class EnvironmentStopped(MaaError):
    """The computer, disk or share stopped the run (full, read-only, a path too long for Windows).
    Nothing maa writes is ever left half-written; running the command again after the fix is safe."""

    exit_code = 4


#: Windows cannot open a path longer than this (MAX_PATH less the terminating NUL).
WINDOWS_PATH_LIMIT = 259
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
# Windows error numbers behind an OSError: disk full, handle disk full, write protected, name too long.
_WIN_FULL, _WIN_READ_ONLY, _WIN_TOO_LONG = {39, 112}, {19, 5}, {206}


def environment_error(exc: OSError, path: str | Path) -> EnvironmentStopped | None:
    """The plain message for an OSError the environment caused while writing ``path``, or None for other errors."""
    winerror = getattr(exc, "winerror", None)
    if exc.errno in _FULL or winerror in _WIN_FULL:
        return EnvironmentStopped(problem(ErrorCode.DISK_FULL, file=path))
    if exc.errno == errno.ENAMETOOLONG or winerror in _WIN_TOO_LONG:
        return EnvironmentStopped(problem(ErrorCode.PATH_TOO_LONG, file=path, length=len(str(path)),
                                          limit=WINDOWS_PATH_LIMIT))
    if exc.errno in _READ_ONLY or winerror in _WIN_READ_ONLY:
        return EnvironmentStopped(problem(ErrorCode.READ_ONLY, file=path))
    return None


def check_path_length(path: str | Path) -> None:
    """Refuse a path Windows could not open, before anything is written (it would fail on the share).

    Raises:
        EnvironmentStopped: the absolute path is longer than :data:`WINDOWS_PATH_LIMIT`.
    """
    text = str(Path(path).absolute())
    if len(text) > WINDOWS_PATH_LIMIT:
        raise EnvironmentStopped(problem(ErrorCode.PATH_TOO_LONG, file=text, length=len(text), limit=WINDOWS_PATH_LIMIT))


def problem(code: ErrorCode, *, file: str | Path | None = None, **kw) -> Problem:
    """Build a :class:`Problem`, splitting location keywords from message parameters."""
    loc = {k: kw.pop(k) for k in ("line", "column", "row", "question") if k in kw}
    return Problem(code, file=str(file) if file is not None else None, params=kw, **loc)


class RestrictedStoreError(WorkspaceError):
    """The restricted store cannot be reached or read, so names could not be masked."""
