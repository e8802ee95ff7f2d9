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

    # Self-declared returns (online-form exports, the open form) and 'maa assign' -- added with them.
    OPEN_FORM_TYPE = (
        "'{value}' has no open form: an open form is for a questionnaire answered once by each respondent "
        "(form types with 'per: agency'; in this audit: {allowed})",
        "Give --form-type one of those, or leave it out to write the open form of each.",
    )
    OPEN_FORM_NO_ROSTER = (
        "the audit has no respondents (agencies) for the open form to ask, nor for its returns to be matched to",
        "Add the respondents under 'agencies' in audit.yaml (or make the audit with --agencies), then run the command again.",
    )
    OPEN_FORM_TOO_LONG = (
        "the open form of '{form_type}' cannot be made: {detail}",
        "The open form adds one question (who is answering) to the tool: shorten the tool by a question, then run the command again.",
    )
    NOT_ON_ROSTER = (
        "'{given}' is not on the roster{suggestion}",
        "Give the respondent's name exactly as in audit.yaml's agencies (in quotes if it has spaces).",
    )
    NOT_SELF_DECLARED = (
        "'{given}' is not a self-declared return that maa has seen (a row of an online form's export, or a return of "
        "the open form){listed}",
        "Give the file as 'maa collect' or 'maa status' lists it, with '#row N' for a row of an export (e.g. "
        "\"Forms export.xlsx#row 14\"); run 'maa collect' first if it was saved since.",
    )

    # -- Audit tools an officer writes (tools branch): conditions, meanings, local terms, snapshots.
    #    Every message says where (file, line, column, question), what is wrong and how to fix it,
    #    in the officer's words; tests/test_tool_messages.py walks each one for validator jargon.
    WRONG_TYPE = ("{name} should be {expected}", "Write it as {example}.")
    ID_FORMAT = (
        "'{value}' cannot be used as {what}: {rule}",
        "Use something like '{suggestion}'.",
    )
    TOO_FEW = ("{name} is empty", "Give at least one {item}.")
    NUMBER_RANGE = ("{name} should be {bound}", "Give a whole number {bound}.")
    TEXT_LENGTH = ("{name} should be {bound}", "{fix}")
    EMPTY_VALUE = ("{name} has no value after its ':'", "Write the value after '{key}:', or remove the line.")
    NOT_A_DATE = ("{name} is not a date maa can read", "Write it day first, e.g. 31/03/2027.")
    YAML_TAB = (
        "this line is indented with a tab; YAML needs spaces",
        "Replace the tab at the start of the line with spaces (two for each level), and set your editor to "
        "insert spaces when you press Tab.",
    )
    YAML_COLON_IN_TEXT = (
        "YAML cannot read the ':' here: the text on this line contains ': ', or the line is indented further "
        "than the setting above it",
        "If it is text, put all of it in quotes, e.g. text: \"Note: see the policy\"; otherwise line the setting "
        "up with the ones above it.",
    )
    YAML_MISSING_COLON = (
        "a setting here has no ':' after its name, or is indented differently from the line above",
        "Write each setting as 'name: value', and line it up with the settings around it.",
    )
    YAML_INDENT = (
        "the indentation here does not line up with the lines above",
        "Indent each setting of a question by the same number of spaces, and start each list item ('- ') "
        "at the same column as the items before it.",
    )
    YAML_UNCLOSED_QUOTE = (
        "a quote opened here is never closed",
        "Add the closing quote (the same kind: ' or \"). To put a ' inside single quotes, write it twice ('').",
    )
    YAML_UNCLOSED_BRACKET = (
        "a list in [ ] or a set of settings in {{ }} opened here is not closed, or its items are not separated by commas",
        "Close it with ] or }} and separate the items with commas, or write the items one per line instead.",
    )
    YAML_BACKSLASH = (
        "a backslash inside double quotes starts a special character that YAML does not know",
        "Use single quotes around text that contains a backslash, or write the backslash twice.",
    )
    CONDITION_NO_SUBJECT = (
        "the condition does not say which question (or respondent attribute) it depends on",
        "Add 'question: <id>' (or 'attribute: <column of the agencies file>').",
    )
    CONDITION_TWO_SUBJECTS = (
        "the condition names both a question and an attribute",
        "Give one of them; to test both, put each in its own condition under 'all:' or 'any:'.",
    )
    CONDITION_NO_TEST = (
        "the condition does not say what it tests",
        "Add one of: is, is_not, in, not_in, answered, not_answered (e.g. is: \"No\").",
    )
    CONDITION_TWO_TESTS = (
        "the condition gives both '{first}' and '{second}'",
        "Keep one; to combine tests, list each as its own condition under 'all:' (every one holds) or 'any:' (one is enough).",
    )
    CONDITION_NO_VALUES = ("'{test}' lists no answers", "List at least one answer, e.g. {test}: [Partly met, Not met].")
    CONDITION_TWO_GROUPS = (
        "the condition gives both 'all:' and 'any:' at the same level",
        "Keep one, and put the other inside it as one of its items.",
    )
    CONDITION_GROUP_MIXED = (
        "'{group}:' cannot sit beside '{key}' in the same condition",
        "Move '{key}' into a condition of its own, listed under '{group}:'.",
    )
    CONDITION_EMPTY_GROUP = ("'{group}:' lists no conditions", "List the conditions under it, one per '- ' line, or remove it.")
    CONDITION_UNKNOWN_TARGET = (
        "question '{id}' depends on '{ref}', which is not a question or answer box of this tool{suggestion}",
        "Use the id of a question in this tool, or 'id.part' for one part (e.g. q3.a), or 'id.action' for its action points.",
    )
    CONDITION_SELF = (
        "question '{id}' depends on its own answer in '{setting}'",
        "Point the condition at another question.",
    )
    CONDITION_NOT_CHOICE = (
        "'{ref}' is answered in words, a number or a date, so '{test}' cannot compare it with a list of answers",
        "Use 'answered: true' or 'not_answered: true' to test whether it was filled in.",
    )
    CONDITION_BAD_VALUE = (
        "'{value}' is not an answer '{ref}' offers, so this condition would never hold{suggestion}",
        "Use one of its answers, spelt as the question offers them: {allowed}.",
    )
    CONDITION_CYCLE = (
        "the questions {cycle} each apply only depending on the next, in a circle, so none of them could be decided",
        "Break the circle: make one of them depend on a question outside it, or remove one 'applies_when'.",
    )
    APPLIES_TO_SHAPE = (
        "'applies_to' needs exactly one of 'in:' or 'not_in:'",
        "Give either in: [values] or not_in: [values] for the attribute (or use applies_when).",
    )
    TOOL_DUPLICATE_ID = ("the id '{id}' is used more than once (for a {what} here)", "Give each {what} its own id.")
    QUESTION_NO_TYPE = ("question '{id}' does not say what kind of answer it takes", "Add 'type:' ({hint}), e.g. yes_no, grade or long_text.")
    CHOICES_MISSING = ("{name} is a {type} question but lists no 'choices'", "List the answers to choose from under 'choices:'.")
    UNKNOWN_SCALE_NAME = (
        "{name} uses the scale '{scale}', which is neither built in nor defined in this tool{suggestion}",
        "Use one of: {allowed}, or define it under 'scales:'.",
    )
    URGENT_VALUES_MISSING = (
        "{name} is urgent but does not say which answers signal a child at risk now",
        "Add 'urgent_values:' with those answers, e.g. urgent_values: [Inadequate].",
    )
    VALUE_NOT_OFFERED = (
        "'{value}' in {setting} is not one of the answers {name} offers{suggestion}",
        "Use one of: {allowed}.",
    )
    SETTING_DOES_NOT_FIT = ("'{key}' has no effect on {name}, which is a {type} question", "{fix}")
    MIN_OVER_MAX = ("{name} has 'min: {min}' above 'max: {max}', so no answer could be right", "Swap them, or correct one.")
    ACTION_PLAN_NEVER = (
        "{name} asks for action points, but none of its answers is marked as not met, so none would ever be asked for",
        "Say which answers need action: {example}. Or remove 'action_plan'.",
    )
    REQUIRED_AND_CONDITION = (
        "{name} says 'required: true' and also 'required_when', so the condition would make no difference",
        "Use 'required: false' with 'required_when' (required only when the condition holds), or remove 'required_when'.",
    )
    TERM_NAME = (
        "the local term name '{term}' can use only lower-case letters, digits and '_', starting with a letter",
        "Rename it (and every {{{{{term}}}}} that uses it), e.g. procedures or levels_of_need.",
    )
    UNKNOWN_TERM = (
        "the text uses the local term {{{{{term}}}}}, which this tool does not declare{suggestion}",
        "Declare it under 'local_terms:' with the wording to use when an audit gives none (declared now: {declared}).",
    )
    SNAPSHOT_MISSING = (
        "the audit's copy of the tool for form type '{form_type}' ({copy}) is missing",
        "Restore it from your backup of the audit folder. (Forms already issued were made from it; a different copy "
        "could read their returns wrongly.)",
    )
    TOOL_ORIGINAL_MISSING = (
        "the tool file this audit's form type '{form_type}' was made from ({source}) cannot be found",
        "Nothing to compare with: the audit keeps using its own copy (tools/). Give the file's new place with "
        "--from FILE to compare with it.",
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
