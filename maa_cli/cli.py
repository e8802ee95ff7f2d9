"""The ``maa`` command: a thin layer that gathers options, calls the library, shows results.

Only this module imports typer and rich. Library modules are imported inside
each command so ``maa --help`` starts fast. Every command that works on one audit
takes its folder as an argument, or uses the audit folder it is run in (or under).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Literal

import typer

from . import __version__

_CONTEXT = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    help="maa — multi-agency safeguarding audits: tools, forms, collection and reports.",
    epilog="Start with 'maa demo maa-demo' to see a whole audit, or 'maa new-audit -h'.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings=_CONTEXT,
)
tools_app = typer.Typer(help="List and check audit tools (the questions a form asks).", no_args_is_help=True,
                        rich_markup_mode="rich", context_settings=_CONTEXT)
app.add_typer(tools_app, name="tools")

#: Set by --debug: an unexpected problem's traceback is shown as well as logged.
_STATE = {"debug": False}
_AUDIT_HELP = "The audit folder (default: the audit folder you are in)."


def _console(stderr: bool = False):
    from rich.console import Console

    # Rich writes colour only to a terminal (and never with NO_COLOR set): piped or scheduled output stays plain.
    return Console(stderr=stderr, highlight=False)


def _fail(exc) -> None:
    from rich.text import Text

    from .plain import plain

    err = _console(stderr=True)
    # Text, never markup: file names and masked values ("[name]") would be taken for style tags;
    # plain(): a file name's control characters must not drive the terminal.
    if exc.title:
        err.print(Text(plain(exc.title), style="bold red"))
    for p in exc.problems:
        where = f"{p.where}: " if p.where else ""
        err.print(Text("✗ ", style="red") + Text(plain(f"{where}{p.message}")), soft_wrap=True, emoji=False)
        err.print(Text(plain(f"  → {p.hint}"), style="dim"), soft_wrap=True, emoji=False)
    raise typer.Exit(exc.exit_code)


def _version(value: bool):
    if value:
        typer.echo(f"maa {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show the details of an unexpected problem (they are logged anyway)."),
):
    """maa — multi-agency safeguarding audits: tools, forms, collection and reports."""
    _STATE["debug"] = debug


def quoted(path: Path | str) -> str:
    """A path as it can be pasted into cmd, PowerShell or a POSIX shell."""
    text = str(path)
    return f'"{text}"' if not text or any(c in text for c in " &()'^%!;,=") else text


def _audit_dir(directory: Path | None) -> Path:
    """The audit folder given, or the one the command is run in (or under)."""
    if directory is not None:
        return directory
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "audit.yaml").is_file():
            return folder
    from .errors import ErrorCode, WorkspaceError, problem

    _fail(WorkspaceError(problem(ErrorCode.NEED_INPUT, file=here, what="an audit folder",
                                 hint="Give the audit folder (e.g. maa collect \"MACA spring 2027\"), or run maa "
                                      "inside it.")))
    raise AssertionError("unreachable")


def _date(text: str | None, what: str) -> dt.date | None:
    if not text:
        return None
    from .dates import parse_uk_date

    try:
        return parse_uk_date(text)
    except ValueError:
        from .errors import ErrorCode, InputFileError, problem

        _fail(InputFileError(problem(ErrorCode.NEED_INPUT, what=f"a date for {what} (day first, e.g. 31/03/2027)",
                                     hint=f"'{text}' could not be read as a date")))


# -- tools -----------------------------------------------------------------------------------------


@tools_app.command("list", epilog="Example: maa tools list")
def tools_list():
    """Show the built-in audit tools."""
    from rich.table import Table

    from .definitions.catalog import list_tools
    from .errors import MaaError

    try:
        summaries = list_tools()
    except MaaError as exc:
        _fail(exc)
    table = Table(title="Built-in audit tools")
    table.add_column("id", no_wrap=True)
    for col in ("title", "kind", "version", "questions"):
        table.add_column(col)
    for t in summaries:
        table.add_row(t.id, t.title, t.kind, t.version, str(t.questions))
    _console().print(table)


@tools_app.command("check", epilog="Example: maa tools check my-checklist.yaml")
def tools_check(file: Path = typer.Argument(..., help="A tool YAML file to check.", metavar="FILE")):
    """Check a tool YAML file; exit 0 when valid, 2 when not (every problem is listed)."""
    from .definitions.catalog import load_tool_file
    from .errors import MaaError

    try:
        tool = load_tool_file(file)
    except MaaError as exc:
        _fail(exc)
    fields = tool.fields()
    _console().print(f"✓ {file}: '{tool.title}' v{tool.version}, {len(tool.questions())} questions, {len(fields)} answer boxes.")


@tools_app.command("update", epilog='Example: maa tools update "Section 11 2027" --yes')
def tools_update(
    directory: Path | None = typer.Argument(None, help=_AUDIT_HELP, show_default=False, metavar="AUDIT"),
    form_type: str | None = typer.Option(None, "--form-type", help="Only this form type."),
    from_file: Path | None = typer.Option(None, "--from", help="Compare with this tool file (the original moved)."),
    yes: bool = typer.Option(False, "--yes", help="Take the new versions without asking (for scripts)."),
):
    """Compare the audit's copy of each tool with its original; show the differences and take the new version.

    The audit reads only its own copy (tools/ in the audit folder): editing the original, or upgrading
    maa, changes nothing until this command takes the new version. Exit 1 when differences were shown
    but not taken.
    """
    from rich.text import Text

    from .errors import MaaError
    from .forms import tool_versions

    ws = _open(directory)
    try:
        updates = tool_versions.compare(ws, form_type, from_file)
    except MaaError as exc:
        _fail(exc)
    con = _console()
    for u in updates:
        _show_tool_update(con, u)
    changed = [u for u in updates if u.changed]
    if not changed:
        con.print(Text("✓ Nothing to take: " + ("every copy matches its original." if not any(u.problem for u in updates)
                                                 else "see above.")))
        raise typer.Exit(1 if any(u.problem for u in updates) else 0)
    take = yes or (sys.stdin.isatty() and typer.confirm(f"Take the new version for {', '.join(u.form_type for u in changed)}?"))
    if not take:
        con.print(Text("Nothing was changed. Run again with --yes to take the new versions."))
        raise typer.Exit(1)
    try:
        tool_versions.apply(ws, changed)
    except MaaError as exc:
        _fail(exc)
    con.print(Text(f"✓ The audit now uses the new version for {', '.join(u.form_type for u in changed)}. Forms issued "
                   f"before keep their questions; 'maa issue-forms {quoted(ws.root)}' issues only new forms (add --force "
                   "to issue every form again)."))


def _show_tool_update(con, u) -> None:
    from rich.text import Text

    from .plain import plain

    copy = f"copy of version {u.record.version}, taken {u.record.taken:%d/%m/%Y}" if u.record and u.record.taken else "no copy kept yet"
    con.print(Text(f"Form type '{u.form_type}' — {plain(u.source)} ({copy})", style="bold"))
    for label, n in u.issued.items():
        con.print(Text(f"  issued: {n} form(s) with {label}"))
    if u.problem is not None:
        for p in u.problem.problems:
            con.print(Text(plain(f"  ✗ {p.where + ': ' if p.where else ''}{p.message}. {p.hint}")), soft_wrap=True)
        return
    if not u.changed:
        con.print(Text("  unchanged"))
        return
    for label, keys in (("added", u.added), ("removed", u.removed), ("reworded or new answers", u.reworded)):
        if keys:
            con.print(Text(f"  {label}: {', '.join(keys)}"))
    for line in u.diff[:200]:
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
        con.print(Text(plain(f"  {line}"), style=style or ""), soft_wrap=True)
    if len(u.diff) > 200:
        con.print(Text(f"  … and {len(u.diff) - 200} more lines"))
    for w in u.warnings:
        con.print(Text(plain(f"  note: {w}")), soft_wrap=True)


# -- setting up ------------------------------------------------------------------------------------

_SETUP, _CASES = "What and when", "Cases"


@app.command("new-audit", epilog=(
    "Example: maa new-audit \"MACA spring 2027\" --title \"MACA: neglect\" --partnership \"Northshire SCP\" "
    "--tool multi-agency-case-audit --agencies agencies.csv --cases cases.csv --sample 5 --seed 2027 "
    "--deadline 31/03/2027 --return-to audits@northshire.example"))
def new_audit_cmd(
    directory: Path = typer.Argument(..., help="Folder to create the audit in (must not already hold one).", metavar="FOLDER"),
    title: str | None = typer.Option(None, help="Audit title, e.g. 'MACA: neglect, spring 2027'.", rich_help_panel=_SETUP),
    partnership: str | None = typer.Option(None, help="Partnership name shown on every form.", rich_help_panel=_SETUP),
    tool: str | None = typer.Option(None, help="Built-in tool id ('maa tools list') or a tool YAML file.",
                                    rich_help_panel=_SETUP),
    deadline: str | None = typer.Option(None, help="Return deadline, day first (31/03/2027).", rich_help_panel=_SETUP),
    return_to: str | None = typer.Option(None, "--return-to", help="E-mail address respondents send forms back to.",
                                         rich_help_panel=_SETUP),
    agencies: Path | None = typer.Option(None, help="CSV: agency,contact_name,email[,extra attributes].",
                                         rich_help_panel=_SETUP),
    audit_type: Literal["case_audit", "thematic", "questionnaire"] | None = typer.Option(
        None, "--type", help="The kind of audit (default: from the tool).", rich_help_panel=_SETUP),
    theme: str | None = typer.Option(None, help="The audit's theme.", rich_help_panel=_SETUP),
    terms: str | None = typer.Option(None, "--terms-of-reference", help="Terms of reference (scope, questions).",
                                     rich_help_panel=_SETUP),
    allow_past_deadline: bool = typer.Option(False, "--allow-past-deadline",
                                             help="Accept a deadline already past (recording an audit that has run).",
                                             rich_help_panel=_SETUP),
    cases: Path | None = typer.Option(None, help="CSV: case_ref,child_name,date_of_birth,agencies[,last_involvement,…].",
                                      rich_help_panel=_CASES),
    nominations: Path | None = typer.Option(None, help="CSV nominations register (accepted nominations become cases).",
                                            rich_help_panel=_CASES),
    sample: int | None = typer.Option(None, help="Draw this many eligible cases at random from --cases.", rich_help_panel=_CASES),
    seed: int | None = typer.Option(None, help="Random seed for --sample (recorded, so the draw can be repeated).",
                                    rich_help_panel=_CASES),
    per: str | None = typer.Option(None, help="Draw --sample cases from each value of this column (e.g. quadrant).",
                                   rich_help_panel=_CASES),
    lookback: int = typer.Option(12, "--lookback-months", help="Lookback period in months.", rich_help_panel=_CASES),
    draw_date: str | None = typer.Option(
        None, "--draw-date", help="Day the eligibility rules are applied on (default: today; to repeat a past draw).",
        rich_help_panel=_CASES),
    restricted_store: str = typer.Option("restricted", help="Folder for identifying details (may be outside the audit)."),
):
    """Create an audit folder: audit.yaml, forms/, returns/, reports/, restricted/.

    In a terminal, maa asks for anything missing; in a scheduled script give every option.
    """
    from .errors import MaaError
    from .setup.workspace import NewAudit, new_audit

    if sys.stdin.isatty():
        title = title or typer.prompt("Audit title")
        partnership = partnership or typer.prompt("Partnership name")
        tool = tool or typer.prompt("Audit tool (built-in id or YAML file; see 'maa tools list')")
        deadline = deadline or typer.prompt("Return deadline (day first, e.g. 31/03/2027)")
        return_to = return_to or typer.prompt("E-mail address forms are returned to")
        agencies = agencies or _ask_path("Agencies or respondents CSV (Enter for none)")
        if not (cases or nominations) and _asks_about_cases(tool):
            cases = _ask_path("Cases CSV (the tool is answered per case)")
    if not title or not partnership:
        from .errors import ErrorCode, InputFileError, problem

        _fail(InputFileError(problem(ErrorCode.NEED_INPUT, what="--title and --partnership",
                                     hint="Give both options (no terminal to ask in).")))
    spec = NewAudit(
        title=title, partnership=partnership, type=audit_type, theme=theme, terms_of_reference=terms,
        lookback_months=lookback, deadline=_date(deadline, "--deadline"), return_to=return_to, tool=tool,
        agencies_csv=agencies, cases_csv=cases, nominations_csv=nominations, sample=sample, seed=seed, per=per,
        restricted_store=restricted_store, allow_past_deadline=allow_past_deadline,
    )
    if draw_date:
        spec.today = _date(draw_date, "--draw-date")
    try:
        result = new_audit(directory, spec)
    except MaaError as exc:
        _fail(exc)
    _show_new_audit(directory, result)


def _ask_path(prompt: str) -> Path | None:
    text = typer.prompt(prompt, default="", show_default=False).strip().strip('"')
    return Path(text) if text else None


def _asks_about_cases(tool: str | None) -> bool:
    """Whether a tool is answered per case (so the audit needs cases); unknown tools are left to new_audit."""
    from .definitions.catalog import resolve_tool
    from .setup.workspace import DEFAULT_PER

    try:
        return DEFAULT_PER.get(resolve_tool(tool).kind, "agency") in ("agency_case", "case")
    except Exception:  # noqa: BLE001 - a bad tool name is reported properly by new_audit
        return False


def _show_new_audit(directory: Path, result) -> None:
    from rich.text import Text

    con = _console()
    a = result.audit
    con.print(Text(f"✓ Created audit '{a.title}' in {directory}"))
    con.print(Text(f"  {len(a.agencies)} agencies, {len(a.cases)} cases, form types: "
                   f"{', '.join(ft.name for ft in a.form_types)}; deadline {a.deadline:%d/%m/%Y}"))
    sel = a.selection
    if sel is not None and sel.method == "sample":
        # The seed and the date make the draw repeatable: the officer may need them to show it was fair.
        con.print(Text(f"  Cases drawn: {', '.join(c.case_ref for c in a.cases)} (seed {sel.seed}, drawn on "
                       f"{a.created:%d/%m/%Y}; repeat with --seed {sel.seed} --draw-date {a.created:%d/%m/%Y})"))
    elif a.cases:
        con.print(Text(f"  Cases: {', '.join(c.case_ref for c in a.cases)}"))
    if result.excluded:
        con.print(Text(f"  {len(result.excluded)} cases were not eligible (reasons in audit.yaml, selection.excluded)"))
    if result.restricted_file:
        con.print(Text(f"  Identifying details are in {result.restricted_file} — keep that folder restricted."))
    con.print(Text(f"Next: maa issue-forms {quoted(directory)}"))


@app.command("replace-case", epilog='Example: maa replace-case "MACA spring 2027" C --reason "Moved out of area" '
                                    "--cases cases.csv")
def replace_case_cmd(
    args: list[str] = typer.Argument(..., metavar="[AUDIT] CASE_REF",
                                     help="The audit folder (default: the one you are in) and the sampled case to replace."),
    reason: str = typer.Option(..., help="Why it is out of scope (kept in audit.yaml)."),
    cases: Path = typer.Option(..., help="The cases CSV the sample was drawn from (checked by its SHA-256)."),
):
    """Replace a sampled case found out of scope with the next case of the same reproducible draw."""
    from .errors import MaaError
    from .setup.replace import replace_case

    directory, (case_ref,) = _split_audit(args, 1, "CASE_REF")
    try:
        out, new = replace_case(directory, case_ref, reason, cases)
    except MaaError as exc:
        _fail(exc)
    _console().print(f"✓ Case {out} replaced by case {new}. Next: maa issue-forms {quoted(directory)}", markup=False)


def _split_audit(args: list[str], wanted: int, names: str) -> tuple[Path, list[str]]:
    """``[AUDIT] X …``: the audit folder when given first, else the one the command runs in."""
    if len(args) == wanted + 1:
        return Path(args[0]), args[1:]
    if len(args) == wanted:
        return _audit_dir(None), args
    raise typer.BadParameter(f"give [AUDIT] {names}", param_hint="arguments")


def _open(directory: Path | None, as_json: bool = False):
    from .errors import MaaError
    from .setup.workspace import open_workspace

    try:
        return open_workspace(_audit_dir(directory))
    except MaaError as exc:
        _fail_for(exc, as_json)


# -- forms out, returns in ----------------------------------------------------------------------------


@app.command("issue-forms", epilog='Example: maa issue-forms "MACA spring 2027" --format xlsx')
def issue_forms_cmd(
    directory: Path | None = typer.Argument(None, help=_AUDIT_HELP, show_default=False, metavar="AUDIT"),
    form_type: str | None = typer.Option(None, "--form-type", help="Only this form type."),
    file_format: Literal["docx", "xlsx"] | None = typer.Option(None, "--format",
                                                               help="The file format (default: each form type's own)."),
    agency: str | None = typer.Option(None, help="Only forms for this agency."),
    force: bool = typer.Option(False, help="Write forms again even if already issued."),
    open_form: bool = typer.Option(False, "--open", help="One form for everyone instead (a questionnaire with no "
                                                         "respondent on it, asking who is answering)."),
):
    """Write the forms each respondent needs into forms/<respondent>/ (never touches returns/)."""
    from rich.table import Table
    from rich.text import Text

    from .errors import MaaError
    from .forms.plan import issue_forms
    from .plain import plain

    ws = _open(directory)
    if open_form:
        if agency:
            raise typer.BadParameter("the open form is for every respondent: leave out --agency", param_hint="--open")
        _issue_open_forms(ws, form_type, file_format, force)
    with _progress("Writing forms") as progress:
        try:
            result = issue_forms(ws, form_type=form_type, agency=agency, fmt=file_format, force=force, progress=progress)
        except MaaError as exc:
            _fail(exc)
    con = _console()
    # One row per form type: a county questionnaire has 1,500 respondents ('maa status' lists each).
    table = Table(title="Forms issued")
    for col in ("form type", "written", "kept", "adopted", "blocked", "respondents"):
        table.add_column(col, justify="left" if col == "form type" else "right")
    rows: dict[str, list] = {}
    for i, group in enumerate((result.written, result.skipped, result.adopted, result.blocked)):
        for f in group:
            row = rows.setdefault(f.form_type, [0, 0, 0, 0, set()])
            row[i] += 1
            row[4].add(f.agency or f.respondent)
    for kind, (*counts, who) in sorted(rows.items()):
        table.add_row(Text(kind), *(str(n) for n in counts), str(len(who)))
    if rows:
        con.print(table)
    for warning in result.warnings:
        con.print(Text(plain(f"note: {warning}")))
    con.print(Text(f"✓ {len(result.written)} forms written, {len(result.skipped)} already issued (kept), "
                   f"{len(result.adopted)} adopted, {len(result.blocked)} blocked, in {ws.forms_dir}"))
    con.print(Text(f"Send each folder in forms/ to its respondent ('maa status {quoted(ws.root)}' lists each one). "
                   f"Save returned files anywhere under {ws.returns_dir}, then run: maa collect {quoted(ws.root)}"))
    raise typer.Exit(1 if result.blocked else 0)


def _issue_open_forms(ws, form_type: str | None, file_format: str | None, force: bool) -> None:
    from rich.text import Text

    from .errors import MaaError
    from .forms.open_form import issue_open_forms

    try:
        result = issue_open_forms(ws, form_type=form_type, fmt=file_format, force=force)
    except MaaError as exc:
        _fail(exc)
    con = _console()
    for path in result.written:
        con.print(Text(f"✓ {path}"))
    for path in result.kept:
        con.print(Text(f"  {path} was written before: kept (use --force to write it again)"))
    con.print(Text(f"✓ {result.asked} respondent(s) recorded as asked by the open form "
                   f"({len(ws.audit.agencies)} on the roster); 'maa status {quoted(ws.root)}' chases those who have not replied."))
    con.print(Text("Send the open form to everyone (or your own online form with the same questions: save its responses "
                   f"export into returns/). Save returns anywhere under {ws.returns_dir}, then run: maa collect {quoted(ws.root)}"))
    raise typer.Exit(0)


@app.command("collect", epilog='Example: maa collect "MACA spring 2027" --json')
def collect_cmd(
    directory: Path | None = typer.Argument(None, help=_AUDIT_HELP, show_default=False, metavar="AUDIT"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout (for scripts); progress goes to stderr."),
):
    """Read returns/, judge each file, record accepted answers. Exit 1 when something needs attention, 3 when locked."""
    from .errors import MaaError
    from .intake.collect import collect

    ws = _open(directory, as_json)
    with _progress("Reading returns") as tick:
        try:
            result = collect(ws, progress=tick)
        except MaaError as exc:
            _fail_for(exc, as_json)
    if as_json:
        _print_json(result.to_json())
    else:
        _show_collect(result)
    if result.refusal is not None:
        _fail(result.refusal)
    raise typer.Exit(1 if result.needs_attention else 0)


@app.command("choose", epilog='Example: maa choose "MACA spring 2027" MAA-7KQ2-M9XD "police case A v2.xlsx"')
def choose_cmd(
    args: list[str] = typer.Argument(..., metavar="[AUDIT] FORM_ID FILE",
                                     help="The audit folder (default: the one you are in), the form reference "
                                          "(e.g. MAA-7KQ2-M9XD) and the return to use, as 'maa collect' lists it."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout (for scripts)."),
):
    """Settle a conflict: use FILE for form FORM_ID when it was returned more than once with different answers."""
    from .intake.collect import choose

    _settle(args, "FORM_ID FILE", as_json, choose,
            lambda form_id, file: f"✓ Form {form_id.upper()}: using the return you chose; the other copies are now superseded.")


@app.command("assign", epilog='Example: maa assign "EY audit 2027" "Forms export.xlsx#row 14" "Acorn Nursery"')
def assign_cmd(
    args: list[str] = typer.Argument(..., metavar="[AUDIT] FILE[#ROW] RESPONDENT",
                                     help="The audit folder (default: the one you are in), the self-declared return as "
                                          "'maa collect' lists it ('#row N' for a row of an online form's export), and "
                                          "the respondent on the roster it is from."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout (for scripts)."),
):
    """Settle who a self-declared return is from, when its respondent could not be matched to the roster."""
    from .intake.assign import assign

    _settle(args, "FILE[#ROW] RESPONDENT", as_json, assign,
            lambda file, respondent: f"✓ {file} is now {respondent}'s return (kept for later runs).")


def _settle(args: list[str], names: str, as_json: bool, action, done) -> None:
    """Run an officer's decision (``choose``, ``assign``) on the audit, then show the collect it leads to."""
    from .errors import MaaError

    directory, values = _split_audit(args, 2, names)
    ws = _open(directory, as_json)
    try:
        result = action(ws, *values)
    except MaaError as exc:
        _fail_for(exc, as_json)
    if as_json:
        _print_json(result.to_json())
    else:
        _console().print(done(*values), markup=False)
        _show_collect(result)
    raise typer.Exit(1 if result.needs_attention else 0)


@app.command("status", epilog='Examples: maa status "MACA spring 2027"   ·   maa status "Audits 2027" (every audit in it)')
def status_cmd(
    directory: Path | None = typer.Argument(None, show_default=False, metavar="AUDIT",
                                            help="An audit folder, or a folder of audits to list them all "
                                                 "(default: the audit folder you are in)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout (for scripts)."),
):
    """Who has returned what, per form type, respondent and case, and who to chase. Exit 1 when something needs attention."""
    from .errors import MaaError
    from .intake.status import audit_status, overview

    if directory is not None and not (directory / "audit.yaml").is_file():
        try:
            rows = overview(directory)
        except MaaError as exc:
            _fail_for(exc, as_json)
        if as_json:
            from dataclasses import asdict

            _print_json({"audits": [asdict(r) for r in rows]})
        else:
            _show_overview(rows)
        raise typer.Exit(1 if any(r.needs_attention for r in rows) else 0)
    ws = _open(directory, as_json)
    result = audit_status(ws)
    if as_json:
        _print_json(result.to_json())
    else:
        _show_status(result, ws.root)
    if result.refusal is not None:
        _fail(result.refusal)
    raise typer.Exit(1 if result.needs_attention else 0)


def _print_json(data) -> None:
    # ASCII only: scheduled tasks redirect stdout in the console code page.
    sys.stdout.write(json.dumps(data, ensure_ascii=True, indent=1, default=str) + "\n")


def _fail_for(exc, as_json: bool) -> None:
    if as_json:  # a script still gets its one JSON document; the message goes to stderr as well
        _print_json({"error": {"exit_code": exc.exit_code, "problems": [p.to_dict() for p in exc.problems]}})
    _fail(exc)


def _progress(what: str):
    """A progress bar on stderr (shown only in a terminal); yields the callback the library calls. The bar is
    made when the library first reports progress: a command with nothing to do (a collect that recalls its
    last outcome) shows none, and does not import it."""
    import contextlib

    @contextlib.contextmanager
    def bar():
        made: list = []

        def tick(done: int, total: int) -> None:
            if not made:
                from rich.progress import Progress

                progress = Progress(console=_console(stderr=True), transient=True)
                progress.start()
                made.extend([progress, progress.add_task(what, total=None)])
            made[0].update(made[1], completed=done, total=total)

        try:
            yield tick
        finally:
            if made:
                made[0].stop()

    return bar()


#: Below this width a table of files would break names mid-word: each file is shown as a short block instead.
_WIDE = 120
_ORDER = {"unverified": 0, "conflict": 1, "rejected": 2, "incomplete": 3, "pending": 4, "accepted": 5, "superseded": 6}
#: With more files than this, accepted and superseded files (and opened e-mails and zips) are counted, not listed.
_LIST_UP_TO = 60
_SETTLED = ("accepted", "superseded", "opened")


def _show_collect(result) -> None:
    from rich.table import Table
    from rich.text import Text

    con = _console()
    _show_urgent(con, result.urgent)
    files = sorted(result.files, key=lambda f: (_ORDER.get(f.status, 9), f.path))
    # A county's run: what needs the officer, not 1,500 accepted lines. An accepted return with a note about the
    # file itself (late, sent from outside the respondent's usual domain, tracked changes) is still listed; notes
    # on single questions ("optional; not answered") are in --json and the reports.
    settled = [f for f in files if f.status in _SETTLED and not f.urgent
               and (f.status != "accepted" or all(w.startswith("Question ") for w in f.warnings))]
    if len(files) > _LIST_UP_TO and settled:
        counted = {id(f) for f in settled}
        files = [f for f in files if id(f) not in counted]

    def why(f) -> list[str]:
        return f.reasons[:8] + (["…"] if len(f.reasons) > 8 else []) + [f"note: {w}" for w in f.warnings[:3]]

    if files and con.width >= _WIDE:
        table = Table(title="Returns")
        for col in ("file", "status", "agency", "case", "why"):
            table.add_column(col, overflow="fold")
        for f in files:
            # Text, not markup: masked names show as "[name]", which rich would take for a style tag.
            table.add_row(Text(f.path), Text(f.status), Text(f.agency or ""), Text(f.case_ref or ""), Text("\n".join(why(f))))
        con.print(table)
    for f in files if con.width < _WIDE else []:
        who = " · ".join(x for x in (f.agency, f.case_ref and f"case {f.case_ref}") if x)
        con.print(Text(f.status.upper(), style="bold") + Text(f"  {f.path}" + (f"  ({who})" if who else "")))
        for line in why(f):
            con.print(Text(f"    {line}"))
    for warning in result.warnings:  # state that could not be read, set aside and rebuilt
        con.print(Text("warning: ", style="bold yellow") + Text(warning))
    for skipped in result.skipped:
        if skipped.get("attention"):  # a folder that cannot be read: the forms in it are being chased
            con.print(Text("not read: ", style="bold") + Text(f"{skipped['path']} — {skipped['reason']}"))
    if len(files) < len(result.files):
        counts = ", ".join(f"{sum(1 for f in settled if f.status == k):,} {k}" for k in _SETTLED
                           if any(f.status == k for f in settled))
        con.print(Text(f"Not listed one by one ({len(result.files):,} files): {counts}. "
                       "'maa collect --json' lists every file."))
    s = result.summary
    con.print(Text(", ".join(f"{k}: {v}" for k, v in s.items() if v or k in ("issued", "accepted", "outstanding"))))
    quiet = [s for s in result.skipped if not s.get("attention")]
    if quiet:
        con.print(Text(f"{len(quiet)} file(s) skipped (Office lock files, hidden or temporary files)."))


def _show_urgent(con, urgent: list[dict]) -> None:
    from rich.text import Text

    for u in urgent:
        line = Text("URGENT ", style="bold red")
        who = ", ".join(x for x in (u.get("case_ref") and f"case {u['case_ref']}", u.get("agency")) if x) or u.get("form_id") or ""
        line.append(f"{who} ({u['file']}): question {u['number']} ({u['question']}) — {u['message']}. ")
        if u.get("from_previous_version"):  # the file is being saved again, or cannot be read now
            line.append(f"{u.get('note') or 'From the previous version of the file.'} ", style="bold")
        if u.get("sender_verified") is False:
            # Never suppressed: a child may be at risk whoever wrote it. The officer checks the sender too.
            line.append("Sender not verified: this file does not carry its form's seal. ", style="bold")
        line.append("Act on it today, following your safeguarding procedures.")
        con.print(line)


def _show_status(st, root: Path) -> None:
    from rich.table import Table
    from rich.text import Text

    from .intake.status import deadline_text

    con = _console()
    _show_urgent(con, st.urgent)
    con.print(Text(f"{st.title} — {st.stage}; deadline {deadline_text(st.deadline, st.days_to_deadline)}", style="bold"))
    con.print(Text("As of the last 'maa collect' run: run it first to pick up files saved since.", style="dim"))
    for title, label, rows in (("By form type", "form type", st.by_type), ("By respondent", "respondent", st.by_respondent),
                               ("By case", "case", st.by_case)):
        if rows:
            con.print(_counts_table(title, label, rows, con.width))
    if con.width >= _WIDE:
        forms = Table(title="Forms")
        for col in ("form type", "respondent", "case", "state", "form ref"):
            forms.add_column(col, overflow="fold", no_wrap=col in ("state", "form ref", "form type"))
        for f in st.forms:
            forms.add_row(Text(f.form_type), Text(f.agency or "-"), Text(f.case_ref or "-"), Text(f.state), Text(f.form_id))
        con.print(forms)
    else:  # one line a form: a table of five columns cannot fit 80 without breaking names
        con.print(Text("Forms", style="bold"))
        for f in st.forms:
            who = " · ".join(x for x in (f.agency, f.case_ref and f"case {f.case_ref}", f.form_type) if x)
            con.print(Text(f"{f.state:<11} {f.form_id}  {who}"))
    if st.chase:
        con.print(Text("Chase list", style="bold"))
        for item in st.chase:
            contact = ", ".join(x for x in (item.contact_name, item.email) if x) or "no contact on record"
            con.print(Text(f"{item.respondent} — {contact}"))
            for owed in item.owes:
                con.print(Text(f"  • {owed}"))
    for f in st.to_decide:
        con.print(Text(f"To decide: {f.form_id} ({f.agency or '-'}, case {f.case_ref or '-'}) was returned more than once with "
                       f"different answers: {', '.join(f.files)}. Run: maa choose {quoted(root)} {f.form_id} FILE"))
    for title, items in (("Not matched to a respondent's form", st.unmatched),
                         ("Misdirected: somebody's return, in the wrong place or from the wrong address", st.misdirected)):
        if items:
            con.print(Text(title, style="bold"))
        for u in items:
            con.print(Text(f"{u['path']} ({u['status']}) — {'; '.join(u['reasons'][:1])}"))
            if not any("Run: maa" in r or "then run" in r for r in u["reasons"][:1]):  # the reason says it already
                con.print(Text(f"  what to do: {u['todo']}"))


def _longest_word(texts: list[str], cap: int = 28) -> int:
    """The width a column needs so that no word in it (a form type, an agency) is broken mid-word."""
    return min(cap, max((len(w) for t in texts for w in t.split()), default=4))


def _counts_table(title: str, label: str, rows, width: int):
    from rich.table import Table
    from rich.text import Text

    # At 80 columns the long headings would break mid-word: shorten them, keeping the order.
    short = width < 100
    columns = ("issued", "returned", "accepted", "incomplete", "rejected", "conflict", "outstanding")
    heads = {"issued": "sent", "returned": "back", "accepted": "ok", "incomplete": "inc.", "rejected": "rej.",
             "conflict": "confl.", "outstanding": "owed"} if short else {}
    caption = ", ".join(f"{h} = {c}" for c, h in heads.items()) if short else None
    table = Table(title=title, caption=caption)
    table.add_column(label, overflow="fold", min_width=_longest_word([c.name for c in rows]))
    for col in columns:
        table.add_column(heads.get(col, col), justify="right", no_wrap=True)
    for c in rows:
        table.add_row(Text(c.name), *(str(getattr(c, k)) for k in columns))
    return table


def _show_overview(rows) -> None:
    from rich.table import Table
    from rich.text import Text

    from .intake.status import deadline_text

    table = Table(title="Audits")
    for col in ("folder", "title", "stage", "returns", "deadline"):
        table.add_column(col, overflow="fold")
    for r in rows:
        returns = f"{r.accepted} accepted of {r.issued} ({r.returned} returned)" if r.issued else "-"
        table.add_row(Text(r.path), Text(r.title), Text(r.stage + (f": {r.problem}" if r.problem else "")), Text(returns),
                      Text(deadline_text(r.deadline, r.days_to_deadline)))
    _console().print(table)


# -- reports ---------------------------------------------------------------------------------------


@app.command("report", epilog='Example: maa report "MACA spring 2027" --suppress-below 5')
def report_cmd(
    directory: Path | None = typer.Argument(None, help=_AUDIT_HELP, show_default=False, metavar="AUDIT"),
    suppress_below: int | None = typer.Option(
        None, "--suppress-below", help="Hide counts from 1 to this minus one in shareable reports (default: audit.yaml)."
    ),
):
    """Write reports from the collected answers: shareable ones in reports/, the panel's in reports/restricted/."""
    from .errors import MaaError
    from .report import build_reports

    ws = _open(directory)
    try:
        result = build_reports(ws, suppress_below=suppress_below)
    except MaaError as exc:
        _fail(exc)
    con = _console()
    respondents = [p for p in result.shareable if p.parent.name == "respondents"]
    for path in result.shareable:
        if path not in respondents:
            con.print(f"✓ {path}", markup=False)
    if respondents:
        con.print(f"✓ {len(respondents)} respondent action plans in {respondents[0].parent}", markup=False)
    for path in result.restricted:
        who = "for the officer: check these before sharing" if path.name == "masking-check.txt" else "for the panel only"
        con.print(f"✓ {path}  [restricted: {who}]", markup=False)
    for note in result.notes:
        con.print(f"  note: {note}", markup=False)
    for path in result.busy:
        con.print(f"✗ {path} is open in another program: close it and run 'maa report' again.", markup=False)
    for name in result.unreadable:
        con.print(f"✗ response record {name} could not be read and was left out: run 'maa collect' to rebuild it.",
                  markup=False)
    raise typer.Exit(1 if result.needs_attention else 0)


@app.command("demo", epilog="Example: maa demo maa-demo")
def demo_cmd(directory: Path = typer.Argument(Path("maa-demo"), help="Folder to create the demo audit in.", metavar="FOLDER")):
    """Run a whole audit on bundled example data: new-audit, issue-forms, filled returns, collect, report."""
    from .demo.run import run_demo
    from .errors import MaaError

    try:
        result = run_demo(directory, log=lambda line: _console().print(line, markup=False, highlight=False))
    except MaaError as exc:
        _fail(exc)
    con = _console()
    con.print(f"\n✓ Demo finished in {directory}", markup=False)
    for label, path in result.where_to_look:
        note = "  (restricted: for the panel only)" if "restricted" in Path(path).parts else ""
        con.print(f"  {label}: {path}{note}", soft_wrap=True, markup=False, highlight=False)


# -- e-mail: forms out and reminders (maa send, maa chase) -------------------------------------------

_SENDING = "Sending (with --smtp)"
_PASSWORD = "MAA_SMTP_PASSWORD"  # maa_cli.mail.smtp.PASSWORD_VARIABLE, spelt out so 'maa -h' imports nothing


@app.command("send", epilog='Examples: maa send "MACA spring 2027" (drafts in outbox/)   ·   '
                            'maa send "MACA spring 2027" --smtp relay.council.example:25')
def send_cmd(
    directory: Path | None = typer.Argument(None, help=_AUDIT_HELP, show_default=False, metavar="AUDIT"),
    smtp: str | None = typer.Option(None, "--smtp", metavar="HOST:PORT",
                                    help="Send through this mail server (default: write each message as a draft in outbox/)."),
    smtp_user: str | None = typer.Option(None, "--smtp-user", rich_help_panel=_SENDING,
                                         help=f"Log in as this user; the password is read from {_PASSWORD} (or asked for)."),
    sender: str | None = typer.Option(None, "--from", rich_help_panel=_SENDING,
                                      help="The From address (default: the audit's return address)."),
    resend: list[str] = typer.Option([], "--resend", metavar="RESPONDENT",
                                     help="Send this respondent's forms again (a changed contact, a bounce); may be repeated."),
    confirm_child_details: bool = typer.Option(
        False, "--confirm-child-details", rich_help_panel=_SENDING,
        help="Also send the messages whose forms name a child, marked with audit.yaml's secure_subject_marker "
             "(without it they are written as drafts)."),
    per_minute: float = typer.Option(20, "--per-minute", rich_help_panel=_SENDING, help="At most this many messages a minute."),
    yes: bool = typer.Option(False, "--yes", rich_help_panel=_SENDING, help="Send without asking after the preview (scripts)."),
):
    """E-mail each respondent its forms: one message each, all its forms attached, as drafts or through a server."""
    from .mail.send import send_forms

    ws = _open(directory)
    settings = _mail_settings(smtp, smtp_user)
    result = _mailing(settings, lambda bar: send_forms(
        ws, smtp=settings, sender=sender, resend=resend, confirm_child_details=confirm_child_details,
        confirm=_mail_confirm("send", yes), per_minute=per_minute, progress=bar))
    _show_mail(result, ws.root)
    raise typer.Exit(1 if result.needs_attention else 0)


@app.command("chase", epilog='Examples: maa chase "MACA spring 2027" --collect   ·   '
                             'maa chase "MACA spring 2027" --smtp relay.council.example:25')
def chase_cmd(
    directory: Path | None = typer.Argument(None, help=_AUDIT_HELP, show_default=False, metavar="AUDIT"),
    smtp: str | None = typer.Option(None, "--smtp", metavar="HOST:PORT",
                                    help="Send through this mail server (default: write each reminder as a draft in outbox/)."),
    collect_first: bool = typer.Option(False, "--collect", help="Run 'maa collect' first (chase refuses news over an hour old)."),
    smtp_user: str | None = typer.Option(None, "--smtp-user", rich_help_panel=_SENDING,
                                         help=f"Log in as this user; the password is read from {_PASSWORD} (or asked for)."),
    sender: str | None = typer.Option(None, "--from", rich_help_panel=_SENDING,
                                      help="The From address (default: the audit's return address)."),
    confirm_child_details: bool = typer.Option(
        False, "--confirm-child-details", rich_help_panel=_SENDING,
        help="Also send the reminders whose forms name a child, marked with audit.yaml's secure_subject_marker "
             "(without it they are written as drafts)."),
    per_minute: float = typer.Option(20, "--per-minute", rich_help_panel=_SENDING, help="At most this many messages a minute."),
    yes: bool = typer.Option(False, "--yes", rich_help_panel=_SENDING, help="Send without asking after the preview (scripts)."),
):
    """Remind each respondent of every form it still owes (what is missing, with an annotated copy); once a day at most."""
    from .mail.chase import chase

    ws = _open(directory)
    settings = _mail_settings(smtp, smtp_user)
    result = _mailing(settings, lambda bar: chase(
        ws, smtp=settings, sender=sender, confirm_child_details=confirm_child_details,
        confirm=_mail_confirm("chase", yes), collect_first=collect_first, per_minute=per_minute, progress=bar))
    if result.collected is not None:
        from rich.text import Text

        _show_urgent(_console(), result.collected.urgent)
        s = result.collected.summary
        _console().print(Text(f"Collected first: {s['accepted']} accepted, {s['incomplete']} incomplete, "
                              f"{s['outstanding']} outstanding ('maa status' shows the rest)."))
    _show_mail(result, ws.root)
    raise typer.Exit(1 if result.needs_attention else 0)


def _mail_settings(server: str | None, user: str | None):
    """The mail server to send through (None: drafts), with the password from the environment or a hidden prompt."""
    import os

    from .errors import MaaError
    from .mail.smtp import SmtpSettings, need_password, parse_server

    if server is None:
        return None
    try:
        settings = SmtpSettings(parse_server(server), user=user)
    except MaaError as exc:
        _fail(exc)
    if user:
        settings.password = os.environ.get(_PASSWORD)
        if not settings.password and sys.stdin.isatty():
            settings.password = typer.prompt(f"Password for {user} on {settings.server}", hide_input=True)
        if not settings.password:
            _fail(need_password(user))
    return settings


def _mail_confirm(command: str, yes: bool):
    """What the library calls before sending: show the preview, then ask (or take --yes)."""

    def confirm(result) -> bool:
        _show_preview(result)
        if yes:
            return True
        if not sys.stdin.isatty():
            from .errors import ErrorCode, WorkspaceError, problem

            raise WorkspaceError(problem(ErrorCode.MAIL_NOT_CONFIRMED, command=command))
        p = result.preview
        return typer.confirm(f"Send {p.to_send} message(s) through {p.server} now?", default=False)

    return confirm


def _show_preview(result) -> None:
    from rich.text import Text

    con, p = _console(), result.preview
    what = "reminders" if result.kind == "chase" else "messages"
    con.print(Text(f"{p.messages} {what} to {p.messages} respondent(s), {p.attachments} attachment(s); "
                   f"{p.child_details} carry a child's name and date of birth.", style="bold"))
    if p.server:
        con.print(Text(f"  to send now through {p.server}: {p.to_send}"))
        if p.held:
            con.print(Text(f"  kept as drafts in outbox/, as they name a child: {p.held} (send them by secure e-mail, "
                           "or run again with --confirm-child-details)"))
    if p.refused:
        con.print(Text(f"  refused (listed below, nothing written for them): {p.refused}"))


def _mailing(settings, run):
    """``run(progress)`` with a progress bar that is closed however it ends; a refusal exits as every command's does."""
    from .errors import MaaError

    bar = _LazyBar("Sending" if settings else "Writing drafts")
    try:
        return run(bar)
    except MaaError as exc:
        bar.close()
        _fail(exc)
    finally:
        bar.close()


def _show_mail(result, root: Path) -> None:
    from rich.text import Text

    con = _console()
    if result.server is None or result.cancelled:
        _show_preview(result)
    for path in result.templates:
        con.print(Text(f"note: the wording is in {path}: edit it for the partnership (maa never overwrites it)."))
    if result.cancelled:
        con.print(Text("Nothing was sent."))
    if result.sent:
        con.print(Text(f"✓ {len(result.sent)} sent through {result.server}."))
    if result.drafted:
        con.print(Text(f"✓ {len(result.drafted)} draft(s) in {root / 'outbox'}: open each in Outlook, check it and click "
                       "Send; then delete it (or move it out of outbox/), which tells maa it went."))
    for respondent in result.withdrawn:
        con.print(Text(f"  draft for {respondent} taken back: nothing is owed in it any more."))
    if not result.letters and not result.up_to_date and not result.unsendable:
        con.print(Text(f"No forms issued yet: run 'maa issue-forms {quoted(root)}' first."))
    elif not result.letters:
        what = "nothing is owed by anyone" if result.kind == "chase" else "every respondent has had its forms"
        con.print(Text(f"Nothing to {result.kind}: {what} ({result.up_to_date} respondent(s))."))
    if result.unsendable:
        con.print(Text(f"note: {len(result.unsendable)} form(s) answered per case or once have no contact in the roster: "
                       "send them yourself ('maa status' lists them)."))
    for letter in result.refused:
        con.print(Text("refused: ", style="bold red") + Text(f"{letter.respondent} — {letter.refused}"))
    for letter, why in result.not_sent:
        con.print(Text("not sent: ", style="bold red") + Text(f"{letter.respondent} ({letter.to}) — the server said: {why}. "
                                                              "It is tried again on the next run."))
    if result.stopped:
        con.print(Text("stopped: ", style="bold red") + Text(f"{result.stopped}. Run again to send the rest."))
    for entry in result.unconfirmed:
        when = entry.at.replace("T", " ")[:16]
        hint = (f"maa send {quoted(root)} --resend {quoted(entry.respondent)}" if entry.kind == "send"
                else "a new reminder can go tomorrow")
        con.print(Text("not known to have gone: ", style="bold yellow") + Text(
            f"{entry.respondent} ({entry.to}), {entry.subject!r}, recorded as sending at {when} UTC but never confirmed "
            f"(the run stopped). Check the sent items or ask the recipient; it is not sent again unless you say so: {hint}"))


class _LazyBar:
    """A progress bar on stderr that starts with the first message, after any question has been answered."""

    def __init__(self, what: str):
        self.what, self.bar, self.task = what, None, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from rich.progress import Progress

            self.bar = Progress(console=_console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.what, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


# -- the porch: every run ends in a message and an exit code -----------------------------------------


def main() -> None:
    """Run the ``maa`` command.

    A problem no command caught still ends in a message and exit code 2, never a
    traceback on screen: a traceback can quote the data being worked on, such as a
    child's name. Its details (frames and exception type, the message masked) go to a
    log file in the audit's ``.maa/`` folder, whose path is printed; ``--debug`` shows them.
    """
    as_json = "--json" in sys.argv[1:]
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - every problem ends in a message and an exit code
        from .errors import MaaError, environment_error

        if isinstance(exc, OSError) and not isinstance(exc, MaaError):
            exc = environment_error(exc, exc.filename or "a file in the audit folder") or exc
        if not isinstance(exc, MaaError):  # anything else: say so, safely
            _unexpected(exc, as_json)
        try:  # a command that did not catch it itself, or the environment stopping the run
            _fail_for(exc, as_json)
        except typer.Exit as done:
            sys.exit(done.exit_code)


def _unexpected(exc: BaseException, as_json: bool) -> None:
    from .crash import write_crash_log

    name = type(exc).__name__
    log, text = write_crash_log(exc, sys.argv[1:])
    where = f" The details are in {log}: send that file to whoever supports maa (it holds no names)." if log else ""
    message = (f"maa hit an unexpected problem ({name}); nothing was changed in returns/.{where} "
               "Run the command again with --debug to see them here.")
    if as_json:
        _print_json({"error": {"exit_code": 2, "unexpected": name, "message": message, "log": str(log) if log else None}})
    if _STATE["debug"]:
        sys.stderr.write(text + "\n")
    sys.stderr.write(message + "\n")
    sys.exit(2)
