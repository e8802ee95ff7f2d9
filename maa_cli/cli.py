"""The ``maa`` command: a thin layer that gathers options, calls the library, shows results.

Only this module imports typer and rich. Library modules are imported inside
each command so ``maa --help`` starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import typer

from . import __version__
from .errors import MaaError

app = typer.Typer(
    help="maa — multi-agency safeguarding audits: tools, forms, collection and reports.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
tools_app = typer.Typer(help="List and check audit tools (the questions a form asks).", no_args_is_help=True)
app.add_typer(tools_app, name="tools")


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _fail(exc: MaaError) -> None:
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
):
    """maa — multi-agency safeguarding audits: tools, forms, collection and reports."""


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


@tools_app.command("list")
def tools_list():
    """Show the built-in audit tools."""
    from rich.table import Table

    from .definitions.catalog import list_tools

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


@tools_app.command("check")
def tools_check(file: Path = typer.Argument(..., help="A tool YAML file to check.")):
    """Check a tool YAML file; exit 0 when valid, 2 when not (every problem is listed)."""
    from .definitions.catalog import load_tool_file

    try:
        tool = load_tool_file(file)
    except MaaError as exc:
        _fail(exc)
    fields = tool.fields()
    _console().print(f"✓ {file}: '{tool.title}' v{tool.version}, {len(tool.questions())} questions, {len(fields)} answer boxes.")


@app.command("new-audit")
def new_audit_cmd(
    directory: Path = typer.Argument(..., help="Folder to create the audit in (must not already hold one)."),
    title: str | None = typer.Option(None, help="Audit title, e.g. 'MACA: neglect, spring 2027'."),
    partnership: str | None = typer.Option(None, help="Partnership name shown on every form."),
    audit_type: str | None = typer.Option(None, "--type", help="case_audit, thematic or questionnaire (default: from the tool)."),
    theme: str | None = typer.Option(None, help="The audit's theme."),
    terms: str | None = typer.Option(None, "--terms-of-reference", help="Terms of reference (scope, questions)."),
    lookback: int = typer.Option(12, "--lookback-months", help="Lookback period in months."),
    deadline: str | None = typer.Option(None, help="Return deadline, day first (31/03/2027)."),
    return_to: str | None = typer.Option(None, "--return-to", help="Where respondents send forms (e-mail address)."),
    tool: str | None = typer.Option(None, help="Built-in tool id or a tool YAML file."),
    agencies: Path | None = typer.Option(None, help="CSV: agency,contact_name,email[,extra attributes]."),
    cases: Path | None = typer.Option(None, help="CSV: case_ref,child_name,date_of_birth,agencies[,last_involvement,…]."),
    nominations: Path | None = typer.Option(None, help="CSV nominations register (accepted nominations become cases)."),
    sample: int | None = typer.Option(None, help="Draw this many eligible cases at random from --cases."),
    seed: int | None = typer.Option(None, help="Random seed for --sample (recorded, so the draw can be repeated)."),
    per: str | None = typer.Option(None, help="Draw --sample cases from each value of this column (e.g. quadrant)."),
    restricted_store: str = typer.Option("restricted", help="Folder for identifying details (may be outside the audit)."),
    draw_date: str | None = typer.Option(
        None, "--draw-date", help="Day the eligibility rules are applied on (default: today; give it to repeat a past draw)."
    ),
):
    """Create an audit folder: audit.yaml, forms/, returns/, reports/, restricted/."""
    from .setup.workspace import NewAudit, new_audit

    interactive = sys.stdin.isatty()
    if not title and interactive:
        title = typer.prompt("Audit title")
    if not partnership and interactive:
        partnership = typer.prompt("Partnership name")
    if not tool and interactive:
        tool = typer.prompt("Audit tool (built-in id or YAML file; see 'maa tools list')")
    if not title or not partnership:
        from .errors import ErrorCode, InputFileError, problem

        _fail(InputFileError(problem(ErrorCode.NEED_INPUT, what="--title and --partnership",
                                     hint="Give both options (no terminal to ask in).")))
    spec = NewAudit(
        title=title, partnership=partnership, type=audit_type, theme=theme, terms_of_reference=terms,
        lookback_months=lookback, deadline=_date(deadline, "--deadline"), return_to=return_to, tool=tool,
        agencies_csv=agencies, cases_csv=cases, nominations_csv=nominations, sample=sample, seed=seed, per=per,
        restricted_store=restricted_store,
    )
    if draw_date:
        spec.today = _date(draw_date, "--draw-date")
    try:
        result = new_audit(directory, spec)
    except MaaError as exc:
        _fail(exc)
    con = _console()
    a = result.audit
    con.print(f"✓ Created audit '{a.title}' in {directory}")
    con.print(f"  {len(a.agencies)} agencies, {len(a.cases)} cases, form types: {', '.join(ft.name for ft in a.form_types)}")
    if result.excluded:
        con.print(f"  {len(result.excluded)} cases were not eligible (reasons in audit.yaml, selection.excluded)")
    if result.restricted_file:
        con.print(f"  Identifying details are in {result.restricted_file} — keep that folder restricted.")
    con.print(f"Next: maa issue-forms {directory}")


@app.command("replace-case")
def replace_case_cmd(
    directory: Path = typer.Argument(..., help="The audit folder."),
    case_ref: str = typer.Argument(..., help="The sampled case found to be out of scope."),
    reason: str = typer.Option(..., help="Why it is out of scope (kept in audit.yaml)."),
    cases: Path = typer.Option(..., help="The cases CSV the sample was drawn from (checked by its SHA-256)."),
):
    """Replace a sampled case found out of scope with the next case of the same reproducible draw."""
    from .setup.replace import replace_case

    try:
        out, new = replace_case(directory, case_ref, reason, cases)
    except MaaError as exc:
        _fail(exc)
    _console().print(f"✓ Case {out} replaced by case {new}. Run 'maa issue-forms {directory}' to issue its forms.")


def _open(directory: Path):
    from .setup.workspace import open_workspace

    try:
        return open_workspace(directory)
    except MaaError as exc:
        _fail(exc)


@app.command("issue-forms")
def issue_forms_cmd(
    directory: Path = typer.Argument(..., help="The audit folder."),
    form_type: str | None = typer.Option(None, "--form-type", help="Only this form type."),
    file_format: str | None = typer.Option(None, "--format", help="docx or xlsx (default: each form type's own)."),
    agency: str | None = typer.Option(None, help="Only forms for this agency."),
    force: bool = typer.Option(False, help="Write forms again even if already issued."),
):
    """Write the forms each respondent needs into forms/<respondent>/ (never touches returns/)."""
    from rich.table import Table
    from rich.text import Text

    from .forms.plan import issue_forms

    ws = _open(directory)
    with _progress("Writing forms") as progress:
        try:
            result = issue_forms(ws, form_type=form_type, agency=agency, fmt=file_format, force=force, progress=progress)
        except MaaError as exc:
            _fail(exc)
    con = _console()
    table = Table(title="Forms issued")
    for col in ("respondent", "form type", "written", "kept", "adopted", "blocked"):
        table.add_column(col, overflow="fold", justify="left" if col in ("respondent", "form type") else "right")
    rows: dict[tuple[str, str], list[int]] = {}
    for i, group in enumerate((result.written, result.skipped, result.adopted, result.blocked)):
        for f in group:
            rows.setdefault((f.agency or "(one form)", f.form_type), [0, 0, 0, 0])[i] += 1
    for (who, kind), counts in sorted(rows.items()):
        table.add_row(Text(who), Text(kind), *(str(n) for n in counts))
    if rows:
        con.print(table)
    from .plain import plain

    for warning in result.warnings:
        con.print(Text(plain(f"note: {warning}")))
    con.print(Text(f"✓ {len(result.written)} forms written, {len(result.skipped)} already issued (kept), "
                   f"{len(result.adopted)} adopted, {len(result.blocked)} blocked, in {ws.forms_dir}"))
    con.print(Text(f"Send each folder in forms/ to its respondent. Save returned files anywhere under {ws.returns_dir}, "
                   f"then run: maa collect {directory}"))
    raise typer.Exit(1 if result.blocked else 0)


@app.command("collect")
def collect_cmd(
    directory: Path = typer.Argument(..., help="The audit folder."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout (for scripts); progress goes to stderr."),
):
    """Read returns/, judge each file, record accepted answers. Exit 1 when something needs attention, 3 when locked."""
    from .intake.collect import collect

    ws = _open_for(directory, as_json)
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


@app.command("choose")
def choose_cmd(
    directory: Path = typer.Argument(..., help="The audit folder."),
    form_id: str = typer.Argument(..., help="The form reference, e.g. MAA-7KQ2-M9XD."),
    file: str = typer.Argument(..., help="The return to use, as 'maa collect' lists it (relative to returns/)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout (for scripts)."),
):
    """Settle a conflict: use FILE for form FORM_ID when it was returned more than once with different answers."""
    from .intake.collect import choose

    ws = _open_for(directory, as_json)
    try:
        result = choose(ws, form_id, file)
    except MaaError as exc:
        _fail_for(exc, as_json)
    if as_json:
        _print_json(result.to_json())
    else:
        _console().print(f"✓ Form {form_id.upper()}: using the return you chose; the other copies are now superseded.")
        _show_collect(result)
    raise typer.Exit(1 if result.needs_attention else 0)


@app.command("status")
def status_cmd(
    directory: Path = typer.Argument(..., help="An audit folder, or a folder of audits to list them all."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout (for scripts)."),
):
    """Who has returned what, per form type, respondent and case, and who to chase. Exit 1 when something needs attention."""
    from .intake.status import audit_status, overview

    if not (directory / "audit.yaml").is_file():
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
    ws = _open_for(directory, as_json)
    result = audit_status(ws)
    if as_json:
        _print_json(result.to_json())
    else:
        _show_status(result)
    if result.refusal is not None:
        _fail(result.refusal)
    raise typer.Exit(1 if result.needs_attention else 0)


def _print_json(data) -> None:
    # ASCII only: scheduled tasks redirect stdout in the console code page.
    sys.stdout.write(json.dumps(data, ensure_ascii=True, indent=1, default=str) + "\n")


def _fail_for(exc: MaaError, as_json: bool) -> None:
    if as_json:  # a script still gets its one JSON document; the message goes to stderr as well
        _print_json({"error": {"exit_code": exc.exit_code, "problems": [p.to_dict() for p in exc.problems]}})
    _fail(exc)


def _open_for(directory: Path, as_json: bool):
    from .setup.workspace import open_workspace

    try:
        return open_workspace(directory)
    except MaaError as exc:
        _fail_for(exc, as_json)


def _progress(what: str):
    """A progress bar on stderr (shown only in a terminal); yields the callback the library calls."""
    import contextlib

    from rich.progress import Progress

    @contextlib.contextmanager
    def bar():
        with Progress(console=_console(stderr=True), transient=True) as progress:
            task = progress.add_task(what, total=None)
            yield lambda done, total: progress.update(task, completed=done, total=total)

    return bar()


def _show_collect(result) -> None:
    from rich.table import Table
    from rich.text import Text

    con = _console()
    _show_urgent(con, result.urgent)
    table = Table(title="Returns")
    for col in ("file", "status", "agency", "case", "why"):
        table.add_column(col, overflow="fold")
    order = {"unverified": 0, "conflict": 1, "rejected": 2, "incomplete": 3, "pending": 4, "accepted": 5, "superseded": 6}
    for f in sorted(result.files, key=lambda f: (order.get(f.status, 9), f.path)):
        why = f.reasons[:8] + (["…"] if len(f.reasons) > 8 else []) + [f"note: {w}" for w in f.warnings[:3]]
        # Text, not markup: masked names show as "[name]", which rich would take for a style tag.
        table.add_row(Text(f.path), Text(f.status), Text(f.agency or ""), Text(f.case_ref or ""), Text("\n".join(why)))
    if result.files:
        con.print(table)
    s = result.summary
    con.print(Text(", ".join(f"{k}: {v}" for k, v in s.items() if v or k in ("issued", "accepted", "outstanding"))))
    if result.skipped:
        con.print(Text(f"{len(result.skipped)} file(s) skipped (Office lock files, hidden or temporary files)."))


def _show_urgent(con, urgent: list[dict]) -> None:
    from rich.text import Text

    for u in urgent:
        line = Text("URGENT ", style="bold red")
        who = ", ".join(x for x in (u.get("case_ref") and f"case {u['case_ref']}", u.get("agency")) if x) or u.get("form_id") or ""
        line.append(f"{who} ({u['file']}): question {u['number']} ({u['question']}) — {u['message']}. ")
        if u.get("sender_verified") is False:
            # Never suppressed: a child may be at risk whoever wrote it. The officer checks the sender too.
            line.append("Sender not verified: this file does not carry its form's seal. ", style="bold")
        line.append("Act on it today, following your safeguarding procedures.")
        con.print(line)


def _show_status(st) -> None:
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
            con.print(_counts_table(title, label, rows))
    forms = Table(title="Forms")
    for col in ("form type", "respondent", "case", "state", "form ref"):
        forms.add_column(col, overflow="fold")
    for f in st.forms:
        forms.add_row(Text(f.form_type), Text(f.agency or "-"), Text(f.case_ref or "-"), Text(f.state), Text(f.form_id))
    con.print(forms)
    if st.chase:
        con.print(Text("Chase list", style="bold"))
        for item in st.chase:
            contact = ", ".join(x for x in (item.contact_name, item.email) if x) or "no contact on record"
            con.print(Text(f"{item.respondent} — {contact}"))
            for owed in item.owes:
                con.print(Text(f"  • {owed}"))
    for f in st.to_decide:
        con.print(Text(f"To decide: {f.form_id} ({f.agency or '-'}, case {f.case_ref or '-'}) was returned more than once with "
                       f"different answers: {', '.join(f.files)}. Run: maa choose <audit folder> {f.form_id} FILE"))
    for u in st.unmatched:
        con.print(Text(f"Not matched to a form ({u['status']}): {u['path']} — {'; '.join(u['reasons'][:1])}"))


def _counts_table(title: str, label: str, rows):
    from rich.table import Table
    from rich.text import Text

    columns = ("issued", "returned", "accepted", "incomplete", "rejected", "conflict", "outstanding")
    table = Table(title=title)
    table.add_column(label, overflow="fold")
    for col in columns:
        table.add_column(col, justify="right")
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


@app.command("report")
def report_cmd(
    directory: Path = typer.Argument(..., help="The audit folder."),
    suppress_below: int | None = typer.Option(
        None, "--suppress-below", help="Hide counts from 1 to this minus one in shareable reports (default: audit.yaml)."
    ),
):
    """Write reports from the collected answers: shareable ones in reports/, the panel's in reports/restricted/."""
    from .report import build_reports

    ws = _open(directory)
    try:
        result = build_reports(ws, suppress_below=suppress_below if suppress_below is not None else ws.audit.suppress_below)
    except MaaError as exc:
        _fail(exc)
    con = _console()
    respondents = [p for p in result.shareable if p.parent.name == "respondents"]
    for path in result.shareable:
        if path not in respondents:
            con.print(f"✓ {path}")
    if respondents:
        con.print(f"✓ {len(respondents)} respondent action plans in {respondents[0].parent}")
    for path in result.restricted:
        con.print(f"✓ {path}  [restricted: for the panel only]", markup=False)
    for note in result.notes:
        con.print(f"  note: {note}")
    for path in result.busy:
        con.print(f"✗ {path} is open in another program: close it and run 'maa report' again.")
    raise typer.Exit(1 if result.needs_attention else 0)


@app.command("demo")
def demo_cmd(directory: Path = typer.Argument(Path("maa-demo"), help="Folder to create the demo audit in.")):
    """Run a whole audit on bundled example data: new-audit, issue-forms, filled returns, collect, report."""
    from .demo.run import run_demo

    try:
        result = run_demo(directory, log=lambda line: _console().print(line, markup=False, highlight=False))
    except MaaError as exc:
        _fail(exc)
    con = _console()
    con.print(f"\n✓ Demo finished in {directory}")
    for label, path in result.where_to_look:
        note = "  (restricted: for the panel only)" if "restricted" in Path(path).parts else ""
        con.print(f"  {label}: {path}{note}", soft_wrap=True, markup=False, highlight=False)


def main() -> None:
    """Run the ``maa`` command.

    A problem no command caught still ends in a message and exit code 2, never a
    traceback: a traceback can quote the data being worked on, such as a child's
    name or date of birth. For the same reason the unexpected problem's own text is
    not shown, only its type.
    """
    as_json = "--json" in sys.argv[1:]
    try:
        app()
    except MaaError as exc:  # a command that did not catch it itself
        try:
            _fail_for(exc, as_json)
        except typer.Exit as done:
            sys.exit(done.exit_code)
    except OSError as exc:
        from .errors import environment_error

        stopped = environment_error(exc, exc.filename or "a file in the audit folder")
        if stopped is None:
            _unexpected(exc, as_json)
        try:
            _fail_for(stopped, as_json)
        except typer.Exit as done:
            sys.exit(done.exit_code)
    except Exception as exc:  # noqa: BLE001 - anything else: say so, safely
        _unexpected(exc, as_json)


def _unexpected(exc: BaseException, as_json: bool) -> None:
    name = type(exc).__name__
    message = f"maa hit an unexpected problem ({name}); nothing was changed in returns/. Please report it."
    if as_json:
        _print_json({"error": {"exit_code": 2, "unexpected": name, "message": message}})
    sys.stderr.write(message + "\n")
    sys.exit(2)
