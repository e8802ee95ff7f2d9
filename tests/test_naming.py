"""File and folder names of issued forms: safe on a Windows share, recognisable, never colliding."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from maa_cli.forms.naming import MAX_RELPATH, NameAllocator, clean, collision_key

WINDOWS_FORBIDDEN = set('<>:"/\\|?*')


def is_windows_safe(name: str) -> bool:
    stem = name.split(".")[0].strip().upper()
    reserved = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
    return (
        bool(name)
        and not (WINDOWS_FORBIDDEN & set(name))
        and all(ord(ch) >= 32 for ch in name)
        and not name.endswith((".", " "))
        and stem not in reserved
    )


class TestClean:
    @pytest.mark.parametrize("name", ["CON", "con", "NUL", "Nul", "COM1", "com1", "LPT9", "AUX", "PRN", "CONIN$", "COM\u00b9"])
    def test_reserved_device_names_are_never_used_as_they_are(self, name):
        """An agency called 'CON' or 'COM1' gets a folder Windows can create."""
        assert clean(name).upper() != name.upper()
        assert is_windows_safe(clean(name))

    @pytest.mark.parametrize("name", ["CON.docx", "nul.txt", "COM1.xlsx", "Con .docx", "LPT1.tar.gz"])
    def test_reserved_names_with_an_extension_are_also_changed(self, name):
        """Windows ignores the extension: 'NUL.txt' is the NUL device too, so it is changed as well."""
        assert is_windows_safe(clean(name))
        assert clean(name).startswith("_")

    def test_names_merely_starting_like_a_device_are_kept(self):
        """'Console Health' and 'Auxiliary Services' are ordinary names and stay as they are."""
        assert clean("Console Health") == "Console Health"
        assert clean("Auxiliary Services") == "Auxiliary Services"
        assert clean("COM10 Ltd") == "COM10 Ltd"

    def test_forbidden_characters_and_control_characters_become_dashes(self):
        """None of <>:"/\\|?* or control characters survive, and the name stays readable."""
        cleaned = clean('Police: "Child/Adult" <Safeguarding>|Team?*\x07\tNorth')
        assert is_windows_safe(cleaned)
        assert "Police" in cleaned and "North" in cleaned

    @pytest.mark.parametrize("name", ["St Mary's.", "Health ", "Health. . .", "  Police  ", ".hidden", "Nursery -"])
    def test_no_trailing_dot_or_space_and_no_leading_dot(self, name):
        """Windows silently drops a trailing dot or space, and a leading dot hides a file elsewhere."""
        cleaned = clean(name)
        assert is_windows_safe(cleaned) and not cleaned.startswith(".")

    def test_a_long_name_is_cut_to_the_limit_without_a_trailing_dot(self):
        """A long name is shortened to the given length and still ends cleanly."""
        cleaned = clean("Northshire Integrated Care Board. " * 5, 40)
        assert len(cleaned) <= 40 and is_windows_safe(cleaned)

    def test_a_name_of_nothing_but_bad_characters_still_gives_a_name(self):
        """'???' becomes a usable name, not an empty one."""
        assert clean("???") == "unnamed"
        assert clean("   ") == "unnamed"

    def test_invisible_characters_are_dropped_and_unicode_is_normalised(self):
        """A zero-width space pasted from a web page disappears, and 'é' is stored composed (NFC)."""
        assert clean("Acorn\u200b Nursery") == "Acorn Nursery"
        decomposed = unicodedata.normalize("NFD", "Café Nursery")
        assert clean(decomposed) == unicodedata.normalize("NFC", "Café Nursery")


class TestAllocator:
    def test_names_differing_only_by_case_punctuation_or_normalisation_never_collide(self):
        """'St Mary's', 'ST MARYS', 'St. Mary’s' and NFC/NFD 'Café' each get their own name."""
        names = ["St Mary's Nursery", "ST MARYS NURSERY", "St. Mary\u2019s Nursery", "Café", unicodedata.normalize("NFD", "Café")]
        allocator = NameAllocator()
        given = [allocator.name(n) for n in names]
        assert len({collision_key(g) for g in given}) == len(names)
        assert len({g.casefold() for g in given}) == len(names)
        assert given[0] == "St Mary's Nursery"  # the first keeps its plain name
        assert all(is_windows_safe(g) for g in given)

    def test_the_same_names_give_the_same_result_on_every_run(self):
        """Two runs (or two machines) allocate identical names: suffixes come from a hash of the name."""
        names = ["Acorn", "ACORN.", "acorn?", "Bluebell", "CON"]
        first = [NameAllocator().name(n) for n in names]
        one, two = NameAllocator(), NameAllocator()
        assert [one.name(n) for n in names] == [two.name(n) for n in names]
        assert first[0] == "Acorn"

    def test_asking_again_for_the_same_name_gives_the_same_folder(self):
        """Every form for one agency lands in one folder."""
        allocator = NameAllocator()
        assert allocator.name("Police") == allocator.name("Police") == "Police"

    def test_a_reserved_folder_keeps_its_name_when_a_lookalike_arrives(self):
        """A folder issued before keeps its name; the newcomer that looks like it gets the suffix."""
        allocator = NameAllocator()
        allocator.reserve("St Marys", "St Marys")
        assert allocator.name("St Mary's") != "St Mary's"
        assert allocator.name("St Marys") == "St Marys"

    def test_suffixed_names_respect_the_length_limit(self):
        """A long name that needs a suffix is shortened so the suffix still fits."""
        allocator = NameAllocator()
        long_name = "Northshire and Southshire Integrated Care Board Safeguarding Team"
        allocator.name(long_name, 40)
        second = allocator.name(long_name.upper() + ".", 40)
        assert len(second) <= 40 and second != allocator.name(long_name, 40)


# -- the files issue-forms plans --------------------------------------------------------------

LONG_AGENCY = "Northshire and Southshire Integrated Care Board: Designated Safeguarding Professionals / Looked After Children Health Team"
AGENCIES = f"agency,contact_name,email\nPolice,A K,a@p.example\nCON,B C,b@c.example\n\"{LONG_AGENCY}\",C D,c@icb.example\nSt Mary's School,D E,d@s.example\n"
CASES = (
    "case_ref,child_name,date_of_birth,agencies\n"
    f"A,Ellie Marsh,14/02/2019,Police;CON;{LONG_AGENCY}\n"
    "Case B,Jayden Cole,01/08/2018,St Mary's School;Police\n"
    "NUL,Noah Adeyemi,05/05/2015,Police\n"
)


def _audit(tmp_path, form_types=None, agencies=AGENCIES, cases=CASES):
    from maa_cli.definitions.audit import FormType
    from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace
    from tests.conftest import TODAY, build_files

    files = build_files(tmp_path / "in", {"agencies.csv": agencies, "cases.csv": cases or "-"})
    form_types = form_types or [
        FormType(name="case-tool", tool="multi-agency-case-audit", per="agency_case", format="docx"),
        FormType(name="family-views", tool="practitioner-reflection", per="case", format="docx", title="Family views"),
        FormType(name="scrutiny", tool="practitioner-reflection", per="once", respondent="Independent scrutineer",
                 title="Scrutineer's reflections", format="docx"),
        FormType(name="overview", tool="early-years-safeguarding", per="agency", format="xlsx"),
    ]
    new_audit(tmp_path / "audit", NewAudit(deadline=dt.date(2027, 12, 31), return_to="audits@northshire-scp.example", title="MACA", partnership="Northshire SCP", tool=None, form_types=form_types,
                                           agencies_csv=files["agencies.csv"], cases_csv=files["cases.csv"] if cases else None,
                                           type="case_audit" if cases else "questionnaire", today=TODAY))
    return open_workspace(tmp_path / "audit")


class TestIssuedFileNames:
    def test_each_kind_of_form_has_a_name_an_officer_recognises(self, tmp_path):
        """Per agency and case, per case, once and per agency: folder and file say who and what."""
        from maa_cli.forms.plan import plan_forms

        paths = {(f.form_type, f.agency, f.case_ref): f.relpath for f in plan_forms(_audit(tmp_path))}
        assert paths["case-tool", "Police", "A"] == "Police/Case A - Multi-agency case audit - Police.docx"
        assert paths["case-tool", "Police", "Case B"] == "Police/Case B - Multi-agency case audit - Police.docx"
        assert paths["family-views", None, "A"] == "Family views/Case A - Family views.docx"
        assert paths["scrutiny", None, None] == "Independent scrutineer/Scrutineer's reflections.docx"
        assert paths["overview", "St Mary's School", None] == (
            "St Mary's School/Early years safeguarding self-assessment - St Mary's School.xlsx")

    def test_reserved_and_long_names_give_safe_paths_within_the_budget(self, tmp_path):
        """An agency called CON, a case called NUL and a 120-character agency name all give safe, short paths."""
        from maa_cli.forms.plan import plan_forms

        planned = plan_forms(_audit(tmp_path))
        for form in planned:
            assert len(f"forms/{form.relpath}") <= MAX_RELPATH, form.relpath
            assert all(is_windows_safe(part) for part in form.relpath.split("/")), form.relpath
        folders = {f.relpath.split("/")[0] for f in planned}
        assert "_CON" in folders and "CON" not in folders
        assert any(f.relpath.startswith("Police/Case NUL - ") for f in planned)

    def test_no_two_forms_share_a_file_even_when_form_types_share_a_title(self, tmp_path):
        """Two form types made from the same tool would have the same name: the form id tells them apart."""
        from maa_cli.definitions.audit import FormType
        from maa_cli.forms.plan import plan_forms

        ws = _audit(tmp_path, [FormType(name="case-tool", tool="multi-agency-case-audit", per="agency_case", format="docx"),
                               FormType(name="case-tool-2", tool="multi-agency-case-audit", per="agency_case", format="docx")])
        planned = plan_forms(ws)
        keys = [collision_key(f.relpath) for f in planned]
        assert len(keys) == len(set(keys)) == 12
        second = next(f for f in planned if f.form_type == "case-tool-2" and f.agency == "Police" and f.case_ref == "A")
        assert second.relpath == f"Police/Case A - Multi-agency case audit - Police - {second.form_id}.docx"

    def test_lookalike_agency_names_get_separate_folders(self, tmp_path):
        """'St Mary's School' and 'ST MARYS SCHOOL.' are two settings, so two folders."""
        from maa_cli.definitions.audit import FormType
        from maa_cli.forms.plan import plan_forms

        agencies = "agency,contact_name,email\nSt Mary's School,A,a@x.example\nST MARYS SCHOOL.,B,b@x.example\n"
        ws = _audit(tmp_path, [FormType(name="s11", tool="early-years-safeguarding", per="agency", format="xlsx")],
                    agencies=agencies, cases=None)
        folders = [f.relpath.split("/")[0] for f in plan_forms(ws)]
        assert folders[0] == "St Mary's School"
        assert len({collision_key(f) for f in folders}) == 2
