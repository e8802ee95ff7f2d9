"""Issuing by stamping: every form stamped from a base is the form the slow writers build for that respondent.

``issue-forms`` lays out one base per form type, format and shape, then writes each respondent's copy by
putting its values between the base's pieces (:mod:`maa_cli.forms.stamp`). These tests build one audit
that uses every built-in tool, for respondents whose names, case references and children's names need
escaping, issue it, write the same forms again with the slow writers, and compare what can be read out
of both: every part's XML (parsed, so the same text spelled as a character reference or as UTF-8 is the
same), what maa's readers find in the file, and the document properties. Only the creation and
modification times may differ: a stamped form carries the time its base was laid out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from maa_cli.definitions.audit import FormType
from maa_cli.definitions.catalog import builtin_ids
from maa_cli.forms.excel import write_excel_form
from maa_cli.forms.plan import issue_forms, plan_forms
from maa_cli.forms.pool import write_forms
from maa_cli.forms.stamp import skeleton
from maa_cli.forms.word import write_word_form
from maa_cli.intake.readers.excel import read_excel
from maa_cli.intake.readers.word import read_word
from maa_cli.office.ooxml import CUSTOM_PART, parse_custom_properties
from tests.conftest import build_files

TODAY = dt.date(2027, 1, 11)
TOOLS = builtin_ids()
FORMATS = ["docx", "xlsx"]
# Names that need escaping in XML, in a header (Excel doubles '&'), and in a cell (Excel reads "_x0041_" as "A").
NURSERY = 'Smith & Sons <Little Ones> "Best" Nursery'
CHILDMINDER = "_x0041_ Zoë’s Childminding"
POLICE = "Northshire Police"
AGENCIES = (
    "agency,contact_name,email,setting_type\n"
    f'"{NURSERY.replace(chr(34), chr(34) * 2)}",Amira Khan,amira@nursery.example,Day nursery\n'
    f"{CHILDMINDER},Ben Carter,ben@cm.example,Childminder\n"
    f"{POLICE},Grace Mensah,grace@police.example,\n"
)
CASES = (
    "case_ref,child_name,date_of_birth,agencies\n"
    f'A&1,"O\'Brien <Ellie> & ""Jo""",14/02/2019,"{NURSERY.replace(chr(34), chr(34) * 2)};{CHILDMINDER}"\n'
    f"B,Zoë Ünal,01/08/2024,{POLICE}\n"
)
CORE_TIMES = ("{http://purl.org/dc/terms/}created", "{http://purl.org/dc/terms/}modified")


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """An audit using every built-in tool once per agency and case, plus one form type of each other kind
    (per agency, per case, once), issued as Word and as Excel: the Word forms by worker processes."""
    from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

    root = tmp_path_factory.mktemp("stamped")
    files = build_files(root / "in", {"agencies.csv": AGENCIES, "cases.csv": CASES})
    form_types = [FormType(name=t, tool=t, per="agency_case", format="docx") for t in TOOLS]
    form_types += [
        FormType(name="settings", tool="early-years-safeguarding", per="agency", format="docx"),
        FormType(name="case-summary", tool="cp-file-review", per="case", format="docx"),
        FormType(name="scrutiny", tool="practitioner-reflection", per="once", format="docx",
                 respondent="Independent scrutineer & <chair>"),
    ]
    new_audit(root / "audit", NewAudit(title="Neglect & <audit> 2027", partnership="Northshire & District SCP",
                                       form_types=form_types, agencies_csv=files["agencies.csv"],
                                       cases_csv=files["cases.csv"], deadline=dt.date(2027, 3, 31),
                                       return_to="audits@northshire.example", today=TODAY))
    ws = open_workspace(root / "audit")
    assert len(issue_forms(ws, fmt="docx", workers=2).written) == len(plan_forms(ws, fmt="docx"))
    issue_forms(ws, fmt="xlsx", workers=1)
    return ws


def slow_copy(content, fmt: str, path: Path) -> Path:
    """The form as the slow writer lays it out, on its own."""
    (write_excel_form if fmt == "xlsx" else write_word_form)(content, path)
    return path


def parts(path: Path) -> dict[str, bytes]:
    """Every part of the package, XML parsed and written canonically; the times of the core properties blanked."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            data = z.read(name)
            if name.endswith((".xml", ".rels")):
                tree = etree.fromstring(data)
                for element in tree.iter(*CORE_TIMES):
                    element.text = ""
                data = etree.tostring(tree, method="c14n")
            out[name] = data
    return out


def read_back(path: Path, fmt: str, tool) -> dict:
    """What maa's reader finds in the form: identity, printed reference, answers (prefilled ones) and notes."""
    raw = (read_excel if fmt == "xlsx" else read_word)(path, tool)
    return {"identity": raw.identity, "printed": raw.printed, "unreadable": raw.unreadable, "notes": raw.notes,
            "answers": {k: (a.value, a.where, a.how) for k, a in raw.answers.items()}}


def properties(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return parse_custom_properties(z.read(CUSTOM_PART))


def assert_same_form(stamped: Path, slow: Path, fmt: str, tool) -> None:
    assert properties(stamped) == properties(slow)
    assert read_back(stamped, fmt, tool) == read_back(slow, fmt, tool)
    got, want = parts(stamped), parts(slow)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], f"{stamped.name}: part {name} differs from the slow writer's"


class TestEveryBuiltInTool:
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_each_issued_form_is_the_one_the_slow_writer_builds(self, county, fmt, tmp_path):
        """Every form of every form type, stamped, reads exactly as the slow writer's copy: parts, answers, properties."""
        forms = plan_forms(county, fmt=fmt)
        assert {f.content.tool.id for f in forms} == set(TOOLS)
        for form in forms:
            slow = slow_copy(form.content, fmt, tmp_path / form.relpath)
            assert_same_form(county.forms_dir / form.relpath, slow, fmt, form.content.tool)

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_names_that_need_escaping_read_back_as_typed(self, county, fmt):
        """The respondent, case reference and child's name come back from the form exactly as in the rosters."""
        (form,) = [f for f in plan_forms(county, form_type="multi-agency-case-audit", fmt=fmt) if f.agency == NURSERY]
        path = county.forms_dir / form.relpath
        assert properties(path)["maa_form_id"] == form.form_id
        text = b"".join(parts(path).values()).decode("utf-8", "replace")
        for value in (NURSERY, "A&1", "O'Brien <Ellie> & \"Jo\""):
            escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            assert escaped in text or escaped.replace('"', "&quot;") in text

    def test_a_question_that_does_not_apply_gives_the_childminder_another_base(self, county):
        """Applicability is part of a base's shape: the childminder's form differs from the nursery's in more than names."""
        forms = {f.agency: f for f in plan_forms(county, form_type="settings", fmt="docx")}
        nursery, childminder = (skeleton(forms[a].content, "docx") for a in (NURSERY, CHILDMINDER))
        assert nursery.key != childminder.key
        assert skeleton(forms[POLICE].content, "docx").key == nursery.key


class TestValuesStampingLeavesToTheSlowWriter:
    @pytest.mark.parametrize("fmt", FORMATS)
    @pytest.mark.parametrize("for_whom", ["Two\nlines", " padded ", "=HYPERLINK(1)", "marker \ue000"])
    def test_an_awkward_respondent_name_is_written_as_the_slow_writer_writes_it(self, county, fmt, for_whom, tmp_path):
        """A value whose spelling the base cannot reproduce is laid out by the slow writer, so the form is the same."""
        form = plan_forms(county, form_type="cp-file-review", fmt=fmt)[0]
        content = dataclasses.replace(form.content, for_whom=for_whom)
        assert skeleton(content, fmt) is None
        (stamped_hash,) = write_forms([(content, fmt, tmp_path / f"stamped.{fmt}")], workers=1)
        assert_same_form(tmp_path / f"stamped.{fmt}", slow_copy(content, fmt, tmp_path / f"slow.{fmt}"), fmt,
                         content.tool)
        assert len(stamped_hash) == 64

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_prefilled_text_and_choices_match_the_slow_writer(self, county, fmt, tmp_path):
        """Prefilled free text is stamped (escaped); a prefilled choice ticks the same box as the slow writer's."""
        form = plan_forms(county, form_type="multi-agency-case-audit", fmt=fmt)[0]
        tool = form.content.tool
        texts = [f.key for f in tool.fields() if f.role == "answer" and f.type in ("short_text", "long_text")][:2]
        choice = next(f for f in tool.fields() if f.role == "answer" and f.type == "multiple_choice")
        prefill = dict.fromkeys(texts, "Dr A & B <GP> “surgery” _x0041_")
        prefill[choice.key] = choice.choices[0]
        content = dataclasses.replace(form.content, prefill=prefill)
        skel = skeleton(content, fmt)
        assert skel is not None and len(skel.values) > len(skeleton(form.content, fmt).values)
        list(write_forms([(content, fmt, tmp_path / f"stamped.{fmt}")], workers=1))
        assert_same_form(tmp_path / f"stamped.{fmt}", slow_copy(content, fmt, tmp_path / f"slow.{fmt}"), fmt, tool)


class TestWorkerProcesses:
    def test_the_pool_starts_workers_with_spawn_as_on_windows(self, county, tmp_path, monkeypatch):
        """Forms written by 'spawn' worker processes are the forms written in this process, in the same order."""
        started = []
        real = multiprocessing.get_context

        def recording(method=None):
            started.append(method)
            return real(method)

        monkeypatch.setattr(multiprocessing, "get_context", recording)
        forms = plan_forms(county, fmt="xlsx")
        here = list(write_forms([(f.content, "xlsx", tmp_path / "here" / f.relpath) for f in forms], workers=1))
        pooled = list(write_forms([(f.content, "xlsx", tmp_path / "pool" / f.relpath) for f in forms], workers=2))
        assert started == ["spawn"]
        assert len(pooled) == len(here) == len(forms)
        for form, sha in zip(forms, pooled, strict=True):
            from maa_cli.atomic import sha256_file

            assert sha == sha256_file(tmp_path / "pool" / form.relpath)
            assert parts(tmp_path / "pool" / form.relpath) == parts(tmp_path / "here" / form.relpath)

    def test_a_form_a_worker_cannot_write_raises_here_after_the_ones_before_it(self, county, tmp_path):
        """The error is the one writing it in this process gives, and the forms before it were handed back."""
        forms = plan_forms(county, fmt="docx")[:3]
        (tmp_path / "taken").write_text("a file where a folder should be", encoding="utf-8")
        jobs = [(f.content, "docx", tmp_path / "ok" / f"{i}.docx") for i, f in enumerate(forms[:2])]
        jobs.append((forms[2].content, "docx", tmp_path / "taken" / "form.docx"))
        written = []
        with pytest.raises(OSError):
            for sha in write_forms(jobs, workers=2):
                written.append(sha)
        assert len(written) == 2 and all((tmp_path / "ok" / f"{i}.docx").is_file() for i in range(2))
