"""An officer sets up an audit from the partnership's CSV files."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from maa_cli.cli import app
from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace
from tests.conftest import CHILD_DOBS, CHILD_NAMES, TODAY

#: The CLI judges the deadline against the real day it runs on: keep it in the future whenever the tests run.
DEADLINE = dt.date.today() + dt.timedelta(days=60)


def _run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def _create(tmp_path, csvs, name="audit", **extra):
    args = ["new-audit", tmp_path / name, "--title", "MACA: neglect", "--partnership", "Northshire SCP",
            "--tool", "multi-agency-case-audit", "--agencies", csvs["agencies.csv"], "--cases", csvs["cases.csv"],
            "--deadline", DEADLINE.strftime("%d/%m/%Y"), "--return-to", "audits@northshire-scp.example"]
    for key, value in extra.items():
        args += [f"--{key.replace('_', '-')}", value]
    return _run(*args)


class TestNewAudit:
    def test_creates_the_folders_and_an_audit_yaml_without_identifying_details(self, tmp_path, csvs):
        """audit.yaml holds case references only; names and dates of birth go to restricted/."""
        result = _create(tmp_path, csvs)
        assert result.exit_code == 0, result.output
        root = tmp_path / "audit"
        for folder in ("forms", "returns", "reports", "restricted"):
            assert (root / folder).is_dir()
        text = (root / "audit.yaml").read_text(encoding="utf-8")
        for value in CHILD_NAMES + CHILD_DOBS + ["Ellie", "Marsh"]:
            assert value not in text
        restricted = (root / "restricted" / "cases.csv").read_text(encoding="utf-8-sig")
        assert "Ellie Marsh" in restricted and "2019-02-14" in restricted
        ws = open_workspace(root)
        assert [c.case_ref for c in ws.audit.cases] == ["A", "B", "C", "D", "E", "F"]
        assert ws.audit.form_types[0].per == "agency_case"
        assert ws.audit.deadline == DEADLINE

    def test_the_same_sample_and_seed_give_the_same_cases(self, tmp_path, csvs):
        """--sample N --seed S is reproducible and records the seed and the file's SHA-256."""
        picks = []
        for name in ("one", "two"):
            assert _create(tmp_path, csvs, name, sample="2", seed="41").exit_code == 0
            ws = open_workspace(tmp_path / name)
            picks.append([c.case_ref for c in ws.audit.cases])
            assert ws.audit.selection.seed == 41 and len(ws.audit.selection.source_sha256) == 64
        assert picks[0] == picks[1] and len(picks[0]) == 2

    def test_ineligible_cases_are_never_sampled(self, tmp_path, csvs):
        """An 18-year-old and a case outside the lookback are excluded with reasons."""
        spec = NewAudit(deadline=dt.date(2027, 12, 31), return_to="audits@northshire-scp.example", title="t", partnership="p", tool="multi-agency-case-audit", agencies_csv=csvs["agencies.csv"],
                        cases_csv=csvs["cases.csv"], sample=4, seed=1, today=TODAY)
        result = new_audit(tmp_path / "a", spec)
        chosen = {c.case_ref for c in result.audit.cases}
        assert "E" not in chosen and "F" not in chosen
        assert set(result.excluded) == {"E", "F"}

    def test_an_existing_audit_is_never_overwritten(self, tmp_path, csvs):
        """Running new-audit twice into one folder fails and leaves the first audit as it was."""
        assert _create(tmp_path, csvs).exit_code == 0
        before = (tmp_path / "audit" / "audit.yaml").read_bytes()
        again = _create(tmp_path, csvs)
        assert again.exit_code == 2 and "already exists" in again.output
        assert (tmp_path / "audit" / "audit.yaml").read_bytes() == before

    def test_a_bad_cases_file_creates_nothing_and_names_row_and_column(self, tmp_path, csvs):
        """An unknown agency in row 3 is reported by file, row and column; no folder is made."""
        text = csvs["cases.csv"].read_text(encoding="utf-8").replace("Children's Social Care;Health Visiting", "Social Care;Health Visiting")
        csvs["cases.csv"].write_text(text, encoding="utf-8")
        result = _create(tmp_path, csvs)
        assert result.exit_code == 2
        assert "cases.csv" in result.output and "row 3" in result.output and "Social Care" in result.output
        assert not (tmp_path / "audit").exists()

    def test_excel_csv_with_bom_and_cp1252_are_read(self, tmp_path, csvs):
        """Files saved by Excel (UTF-8 with BOM, or cp1252 with £ and accents) are accepted."""
        agencies = csvs["agencies.csv"]
        agencies.write_bytes(agencies.read_text(encoding="utf-8").replace("Amira Khan", "Siân Jones").encode("cp1252"))
        csvs["cases.csv"].write_bytes(b"\xef\xbb\xbf" + csvs["cases.csv"].read_bytes())
        assert _create(tmp_path, csvs).exit_code == 0
        ws = open_workspace(tmp_path / "audit")
        assert ws.audit.agency("Police").contact_name == "Siân Jones"

    def test_a_questionnaire_needs_no_cases(self, tmp_path, settings_csv):
        """A questionnaire audit is set up from the respondents file alone; attributes are kept."""
        result = _run("new-audit", tmp_path / "ey", "--title", "EY", "--partnership", "P", "--type", "questionnaire",
                      "--tool", "early-years-safeguarding", "--agencies", settings_csv,
                      "--deadline", DEADLINE.strftime("%d/%m/%Y"), "--return-to", "audits@northshire-scp.example")
        assert result.exit_code == 0, result.output
        ws = open_workspace(tmp_path / "ey")
        assert ws.audit.form_types[0].format == "xlsx" and ws.audit.form_types[0].per == "agency"
        assert ws.audit.agency("Church Lane Childminding").attributes["setting_type"] == "Childminder"

    def test_without_a_terminal_missing_options_are_an_error_not_a_prompt(self, tmp_path):
        """A scheduled script that forgets --title gets exit 2 and a clear message."""
        result = _run("new-audit", tmp_path / "x", "--tool", "cp-file-review")
        assert result.exit_code == 2 and "--title" in result.output
        assert not (tmp_path / "x" / "audit.yaml").exists()


def test_every_command_has_help_and_is_in_the_readme():
    """Documentation cannot silently fall behind the commands."""
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    names = []
    for group in [app, *[g.typer_instance for g in app.registered_groups]]:
        prefix = "" if group is app else "tools "
        for cmd in group.registered_commands:
            name = prefix + (cmd.name or cmd.callback.__name__.replace("_", "-"))
            names.append(name)
            assert (cmd.help or cmd.callback.__doc__), f"{name} has no help"
            assert f"maa {name}" in readme, f"'maa {name}' is not in the README"
    assert {"new-audit", "issue-forms", "collect", "report", "demo", "tools list", "tools check"} <= set(names)


class TestReplacement:
    def test_an_out_of_scope_case_is_replaced_reproducibly(self, tmp_path, csvs):
        """Two audits drawn alike and replacing the same case get the same new case; the swap is recorded."""
        results = []
        for name in ("one", "two"):
            assert _create(tmp_path, csvs, name, sample="2", seed="5").exit_code == 0
            ws = open_workspace(tmp_path / name)
            first = ws.audit.cases[0].case_ref
            out = _run("replace-case", tmp_path / name, first, "--reason", "still in proceedings", "--cases", csvs["cases.csv"])
            assert out.exit_code == 0, out.output
            ws = open_workspace(tmp_path / name)
            results.append([c.case_ref for c in ws.audit.cases])
            assert first not in results[-1] and len(results[-1]) == 2
            assert ws.audit.selection.replacements[0]["reason"] == "still in proceedings"
            restricted = (tmp_path / name / "restricted" / "cases.csv").read_text(encoding="utf-8-sig")
            assert sorted(line.split(",")[0] for line in restricted.splitlines()[1:]) == sorted(results[-1])
        assert results[0] == results[1]

    def test_a_changed_cases_file_is_refused(self, tmp_path, csvs):
        """The replacement draw needs the very file the sample came from."""
        assert _create(tmp_path, csvs, sample="2", seed="5").exit_code == 0
        first = open_workspace(tmp_path / "audit").audit.cases[0].case_ref
        csvs["cases.csv"].write_text(csvs["cases.csv"].read_text(encoding="utf-8") + "\n", encoding="utf-8")
        out = _run("replace-case", tmp_path / "audit", first, "--reason", "x", "--cases", csvs["cases.csv"])
        assert out.exit_code == 2 and "not the cases file" in out.output


class TestReplacedCases:
    """A case replaced after its forms went out: its child stays masked, its forms are withdrawn, one run at a time."""

    def _sampled_and_issued(self, tmp_path, csvs):
        from maa_cli.forms.plan import issue_forms

        assert _create(tmp_path, csvs, sample="2", seed="5").exit_code == 0
        ws = open_workspace(tmp_path / "audit")
        issue_forms(ws)
        return ws

    def test_the_replaced_child_is_still_masked(self, tmp_path, csvs):
        """The replaced child moves to restricted/replaced.csv; a return named after them is still shown masked."""
        from maa_cli.intake.collect import collect
        from maa_cli.privacy.masking import masker_for
        from tests.test_collect_stories import aged

        ws = self._sampled_and_issued(tmp_path, csvs)
        out = ws.audit.cases[0].case_ref
        name = dict(zip("ABCDEF", CHILD_NAMES, strict=True))[out]
        assert _run("replace-case", ws.root, out, "--reason", "in proceedings", "--cases", csvs["cases.csv"]).exit_code == 0
        ws = open_workspace(ws.root)
        replaced = (ws.restricted_dir / "replaced.csv").read_text(encoding="utf-8-sig")
        assert name in replaced and name not in (ws.restricted_dir / "cases.csv").read_text(encoding="utf-8-sig")
        assert masker_for(ws).text(f"{name} review") == "[name] review"
        (ws.returns_dir / f"{name} police.docx").write_bytes(b"not a form")
        aged(ws.returns_dir / f"{name} police.docx", 3600)
        assert [f.path for f in collect(ws).files] == ["[name] police.docx"]

    def test_forms_of_a_replaced_case_are_withdrawn_not_chased_and_their_returns_not_used(self, tmp_path, csvs):
        """The manifest marks them withdrawn; collect and status leave them out; a return of one is 'withdrawn'."""
        from maa_cli.forms.manifest import read_manifest
        from maa_cli.intake.collect import collect, load_responses
        from maa_cli.intake.status import audit_status
        from tests.test_collect_stories import form, maca_answers, return_word

        ws = self._sampled_and_issued(tmp_path, csvs)
        out = ws.audit.cases[0].case_ref
        agency = ws.audit.cases[0].agencies[0]
        tool = ws.tools[ws.audit.form_types[0].name]
        return_word(ws, form(ws, ws.audit.form_types[0].name, agency, out, "docx"), "early return.docx", maca_answers(tool))
        issued = collect(ws).summary["issued"]
        assert len(load_responses(ws)) == 1
        assert _run("replace-case", ws.root, out, "--reason", "in proceedings", "--cases", csvs["cases.csv"]).exit_code == 0
        ws = open_workspace(ws.root)
        withdrawn = {fid: e for fid, e in read_manifest(ws).items() if e.get("case_ref") == out}
        assert withdrawn and all(e["withdrawn"] == "in proceedings" for e in withdrawn.values())
        result = collect(ws)
        (d,) = result.files
        assert (d.status, d.code) == ("withdrawn", "withdrawn") and "replaced" in d.reasons[0]
        assert load_responses(ws) == [] and not result.needs_attention
        assert result.summary["issued"] == issued - len(withdrawn)
        st = audit_status(ws)
        assert all(f.case_ref != out for f in st.forms)
        assert not any(f"case {out}" in o for item in st.chase for o in item.owes)

    def test_replacing_a_case_waits_for_no_one_it_takes_the_audit_lock(self, tmp_path, csvs):
        """While a collect holds the audit, replace-case exits 3 and changes nothing."""
        from filelock import FileLock

        ws = self._sampled_and_issued(tmp_path, csvs)
        before = (ws.root / "audit.yaml").read_bytes(), (ws.restricted_dir / "cases.csv").read_bytes()
        with FileLock(str(ws.state_dir / "lock")):
            done = _run("replace-case", ws.root, ws.audit.cases[0].case_ref, "--reason", "x", "--cases", csvs["cases.csv"])
        assert done.exit_code == 3, done.output
        assert ((ws.root / "audit.yaml").read_bytes(), (ws.restricted_dir / "cases.csv").read_bytes()) == before
