"""Reading the CSVs officers export from Excel: dates, agencies, cases, nominations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from maa_cli.dates import add_months, age_on, format_uk, months_between, parse_uk_date
from maa_cli.errors import ErrorCode, InputFileError
from maa_cli.setup import csvtable, rosters
from maa_cli.setup.rosters import (
    PROFILE_FIELDS,
    CaseRow,
    age_band,
    read_agencies,
    read_cases,
    read_csv,
    read_nominations,
)

AGENCIES = ["Essex Police", "Children's Social Care", "Mid and South Essex NHS Trust", "Greenfield Primary"]
CASES_HEADER = "case_ref,child_name,date_of_birth,agencies,last_involvement"


def write(tmp_path: Path, text: str, name: str = "file.csv", encoding: str = "utf-8-sig") -> Path:
    """Write ``text`` as Excel does: CRLF line ends, the given encoding (BOM for utf-8-sig)."""
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def problems_of(excinfo: pytest.ExceptionInfo[InputFileError]) -> list:
    return excinfo.value.problems


def codes(excinfo: pytest.ExceptionInfo[InputFileError]) -> list[ErrorCode]:
    return [p.code for p in excinfo.value.problems]


def everything_said(excinfo: pytest.ExceptionInfo[InputFileError]) -> str:
    """All text an error could put in a log (str() and each problem's dict), with the file path blanked out."""
    parts = [str(excinfo.value)] + [str(p.to_dict()) for p in excinfo.value.problems]
    text = "\n".join(parts)
    for p in excinfo.value.problems:
        text = text.replace(p.file or "\0", "<file>")
    return text


class TestParseUkDate:
    @pytest.mark.parametrize(
        "text",
        [
            "3/7/24",
            "03/07/2024",
            "3.7.2024",
            "3-7-2024",
            "2024-07-03",
            "3 July 2024",
            "3 Jul 24",
            "3rd July 2024",
            "3rd of July 2024",
            "03-Jul-24",
            "3 JULY 2024",
            "Wednesday 3 July 2024",
            "3 July, 2024",
            "\xa03\xa0July\xa02024 ",
            "  03/07/2024  ",
            "03/07/2024 00:00",
            "2024-07-03T00:00:00",
        ],
    )
    def test_day_first_forms(self, text):
        """Every day-first form officers type, and Excel's date-time form, reads as 3 July 2024."""
        assert parse_uk_date(text) == dt.date(2024, 7, 3)

    def test_sept_abbreviation(self):
        """'Sept' is read as September, as people write it."""
        assert parse_uk_date("3 Sept 2024") == dt.date(2024, 9, 3)

    @pytest.mark.parametrize(("text", "year"), [("1/1/00", 2000), ("1/1/69", 2069), ("1/1/70", 1970), ("1/1/99", 1999), ("1 Jan 12", 2012)])
    def test_two_digit_years(self, text, year):
        """Two-digit years 00-69 are 2000s and 70-99 are 1900s."""
        assert parse_uk_date(text).year == year

    def test_leap_day(self):
        """29 February exists in a leap year."""
        assert parse_uk_date("29/02/2024") == dt.date(2024, 2, 29)

    @pytest.mark.parametrize(
        "text",
        ["31/02/2024", "29/02/2023", "31/04/2024", "0/1/2024", "13/13/2024", "7/13/2024", "32 July 2024"],
    )
    def test_impossible_dates_refused(self, text):
        """A day or month that does not exist is refused, not rolled over."""
        with pytest.raises(ValueError):
            parse_uk_date(text)

    @pytest.mark.parametrize("text", ["July 3 2024", "July 3rd, 2024", "Jul 3 24"])
    def test_month_first_refused(self, text):
        """Month-first dates are refused with a day-first hint, never guessed."""
        with pytest.raises(ValueError, match="month-first"):
            parse_uk_date(text)

    def test_excel_serial_refused(self):
        """An Excel serial number as text is refused with advice to format the column as a date."""
        with pytest.raises(ValueError, match="serial"):
            parse_uk_date("45476")

    @pytest.mark.parametrize("text", ["", "   ", "soon", "3 Juky 2024", "3/7", "3/7/2024/1", "3/7-2024", "1/1/0024", "1/1/2224", "3/7/024"])
    def test_not_dates_refused(self, text):
        """Text that is not a day-first date, or has an implausible year, is refused."""
        with pytest.raises(ValueError):
            parse_uk_date(text)

    def test_message_does_not_repeat_the_text(self):
        """The error message does not echo the date, so it is safe next to a date of birth."""
        with pytest.raises(ValueError) as excinfo:
            parse_uk_date("31/02/2015")
        assert "31/02/2015" not in str(excinfo.value)
        assert "2015" not in str(excinfo.value)


class TestDateHelpers:
    def test_format_uk(self):
        """Dates are written dd/mm/yyyy with leading zeros."""
        assert format_uk(dt.date(2024, 7, 3)) == "03/07/2024"

    def test_format_round_trips(self):
        """A formatted date reads back as the same date."""
        day = dt.date(2009, 11, 30)
        assert parse_uk_date(format_uk(day)) == day

    @pytest.mark.parametrize(
        ("dob", "day", "age"),
        [
            (dt.date(2010, 7, 3), dt.date(2028, 7, 2), 17),
            (dt.date(2010, 7, 3), dt.date(2028, 7, 3), 18),
            (dt.date(2008, 2, 29), dt.date(2026, 2, 28), 17),
            (dt.date(2008, 2, 29), dt.date(2026, 3, 1), 18),
            (dt.date(2024, 1, 1), dt.date(2024, 1, 1), 0),
        ],
    )
    def test_age_on(self, dob, day, age):
        """Age counts whole years; a 29 February birthday falls on 1 March in other years."""
        assert age_on(dob, day) == age

    def test_age_before_birth_refused(self):
        """Asking an age before the date of birth is an error, not a negative age."""
        with pytest.raises(ValueError):
            age_on(dt.date(2024, 1, 2), dt.date(2024, 1, 1))

    @pytest.mark.parametrize(
        ("day", "n", "expected"),
        [
            (dt.date(2024, 3, 31), -1, dt.date(2024, 2, 29)),
            (dt.date(2023, 3, 31), -1, dt.date(2023, 2, 28)),
            (dt.date(2024, 1, 15), -12, dt.date(2023, 1, 15)),
            (dt.date(2024, 2, 10), -14, dt.date(2022, 12, 10)),
            (dt.date(2024, 11, 30), 3, dt.date(2025, 2, 28)),
            (dt.date(2024, 5, 5), 0, dt.date(2024, 5, 5)),
        ],
    )
    def test_add_months(self, day, n, expected):
        """Months are added or taken away by calendar month, clamping to the month's last day."""
        assert add_months(day, n) == expected

    def test_months_between(self):
        """Whole months are counted only once the day of the month is reached."""
        assert months_between(dt.date(2023, 5, 10), dt.date(2024, 7, 9)) == 13
        assert months_between(dt.date(2023, 5, 10), dt.date(2024, 7, 10)) == 14


class TestReadCsv:
    def test_utf8_with_bom_as_excel_writes_it(self, tmp_path):
        """A 'CSV UTF-8' file from Excel (BOM, CRLF, quoted commas) reads with tidy headings and values."""
        path = write(tmp_path, ' Agency ,Contact-Name,EMAIL\n"Police, Essex", Jo Bloggs ,jo@essex.police.uk\n')
        assert path.read_bytes().startswith(b"\xef\xbb\xbf ")
        table = read_csv(path)
        assert table.columns == ("agency", "contact_name", "email")
        assert table.rows[0].values == {"agency": "Police, Essex", "contact_name": "Jo Bloggs", "email": "jo@essex.police.uk"}
        assert table.encoding == "utf-8-sig"

    def test_cp1252_file(self, tmp_path):
        """A 'CSV (Comma delimited)' file in Windows-1252 keeps 'Siân' and '£'."""
        path = write(tmp_path, "agency,contact_name,email,budget\nWelsh Team,Siân Evans,sian@x.gov.uk,£250\n", encoding="cp1252")
        table = read_csv(path)
        assert table.encoding == "cp1252"
        assert table.rows[0].get("contact_name") == "Siân Evans"
        assert table.rows[0].get("budget") == "£250"

    def test_blank_rows_skipped_but_counted(self, tmp_path):
        """Blank rows (empty or only commas) are skipped; row numbers still match the spreadsheet."""
        path = write(tmp_path, "a,b\n1,2\n\n,,\n3,4\n")
        table = read_csv(path)
        assert [(r.row, r.get("a")) for r in table.rows] == [(2, "1"), (5, "3")]

    def test_multi_line_cell_counts_as_one_row(self, tmp_path):
        """A cell with a line break is one spreadsheet row, so later row numbers stay right."""
        path = write(tmp_path, 'a,b\n"line one\nline two",2\n3,4\n')
        assert [r.row for r in read_csv(path).rows] == [2, 3]

    def test_headings_normalised(self):
        """Headings ignore case, outer spaces, and treat spaces and hyphens as underscores."""
        assert rosters.normalise_header("  Date of  Birth ") == "date_of_birth"
        assert rosters.normalise_header("Last-Involvement") == "last_involvement"

    def test_short_rows_padded(self, tmp_path):
        """A row with fewer cells than headings has '' for the missing ones."""
        path = write(tmp_path, "a,b,c\n1\n")
        assert read_csv(path).rows[0].values == {"a": "1", "b": "", "c": ""}

    def test_xlsx_refused(self, tmp_path):
        """An .xlsx saved with a .csv name is refused with Save As advice."""
        path = tmp_path / "cases.csv"
        path.write_bytes(b"PK\x03\x04" + b"\x00" * 50)
        with pytest.raises(InputFileError, match="this is an Excel workbook, not a CSV: in Excel use Save As → CSV UTF-8"):
            read_csv(path)

    def test_nul_bytes_refused(self, tmp_path):
        """A file with NUL bytes (UTF-16 'Unicode Text') is refused with Save As advice."""
        path = tmp_path / "cases.csv"
        path.write_bytes("agency,email\n".encode("utf-16-le"))
        with pytest.raises(InputFileError, match="Save As → CSV UTF-8"):
            read_csv(path)

    def test_too_many_rows(self, tmp_path, monkeypatch):
        """A file with more than MAX_ROWS data rows is refused."""
        monkeypatch.setattr(csvtable, "MAX_ROWS", 3)
        path = write(tmp_path, "a\n1\n2\n3\n4\n")
        with pytest.raises(InputFileError, match="more than 3 rows"):
            read_csv(path)

    def test_max_rows_allowed(self, tmp_path, monkeypatch):
        """Exactly MAX_ROWS data rows is accepted."""
        monkeypatch.setattr(csvtable, "MAX_ROWS", 3)
        assert len(read_csv(write(tmp_path, "a\n1\n2\n3\n")).rows) == 3

    def test_semicolon_separated_refused(self, tmp_path):
        """A file separated by semicolons (another locale's Excel) gets advice, not a missing-column list."""
        path = write(tmp_path, "agency;contact_name;email\nPolice;Jo;jo@x.uk\n")
        with pytest.raises(InputFileError, match="separated by semicolons"):
            read_csv(path)

    def test_value_without_heading(self, tmp_path):
        """A value in a column with no heading is reported with its row and column letter."""
        path = write(tmp_path, "a,b\n1,2,stray\n")
        with pytest.raises(InputFileError) as excinfo:
            read_csv(path)
        (p,) = problems_of(excinfo)
        assert (p.row, p.code) == (2, ErrorCode.CSV_BAD_VALUE)
        assert "column C" in p.message

    def test_empty_trailing_headings_ignored(self, tmp_path):
        """Empty columns Excel leaves at the right are ignored."""
        table = read_csv(write(tmp_path, "a,b,,\n1,2,,\n"))
        assert table.columns == ("a", "b")

    def test_duplicate_headings(self, tmp_path):
        """Two columns with the same heading (after tidying) are an error naming both."""
        with pytest.raises(InputFileError, match="columns A and C are both headed 'agency'"):
            read_csv(write(tmp_path, "Agency,email, agency\nx,y,z\n"))

    def test_missing_file(self, tmp_path):
        """A path with no file says so."""
        with pytest.raises(InputFileError, match="there is no file here"):
            read_csv(tmp_path / "nope.csv")

    def test_empty_file(self, tmp_path):
        """An empty file is refused."""
        with pytest.raises(InputFileError, match="the file is empty"):
            read_csv(write(tmp_path, "\n\n"))


class TestReadAgencies:
    def test_reads_agencies_with_extra_columns(self, tmp_path):
        """Agencies are read with stripped values; extra columns become attributes, empty contacts None."""
        path = write(
            tmp_path,
            "Agency,Contact Name,Email,Quadrant,Setting type,Ofsted URN\n"
            " Essex Police ,Jo Bloggs,jo@essex.police.uk,Mid,,\n"
            "Little Acorns Nursery,,,West,nursery,EY123456\n",
        )
        police, nursery = read_agencies(path)
        assert (police.name, police.contact_name, police.email) == ("Essex Police", "Jo Bloggs", "jo@essex.police.uk")
        assert police.attributes == {"quadrant": "Mid"}
        assert (nursery.contact_name, nursery.email) == (None, None)
        assert nursery.attributes == {"quadrant": "West", "setting_type": "nursery", "ofsted_urn": "EY123456"}

    def test_missing_column(self, tmp_path):
        """The email column must exist even if every value is empty."""
        path = write(tmp_path, "agency,contact_name\nEssex Police,Jo\n")
        with pytest.raises(InputFileError) as excinfo:
            read_agencies(path)
        (p,) = problems_of(excinfo)
        assert p.code is ErrorCode.CSV_MISSING_COLUMN
        assert p.params["column"] == "email"
        assert p.row == 1

    def test_duplicate_names_ignoring_case(self, tmp_path):
        """An agency listed twice (different case) is an error naming both rows."""
        path = write(tmp_path, "agency,contact_name,email\nEssex Police,,\nHealth,,\nESSEX  police,,\n")
        with pytest.raises(InputFileError) as excinfo:
            read_agencies(path)
        (p,) = problems_of(excinfo)
        assert p.code is ErrorCode.CSV_DUPLICATE
        assert (p.row, p.params["first_row"]) == (4, 2)

    @pytest.mark.parametrize("email", ["jo.essex.police.uk", "Jo <jo@essex.police.uk>", "a@x.uk; b@x.uk", "jo@localhost", "jo@@x.uk"])
    def test_implausible_email(self, tmp_path, email):
        """An e-mail that is not a single plausible address is an error in the 'email' column."""
        path = write(tmp_path, f'agency,contact_name,email\nEssex Police,Jo,"{email}"\n')
        with pytest.raises(InputFileError) as excinfo:
            read_agencies(path)
        (p,) = problems_of(excinfo)
        assert (p.code, p.row) == (ErrorCode.CSV_BAD_VALUE, 2)
        assert "'email'" in p.message

    def test_every_problem_collected(self, tmp_path):
        """All problems in the file are reported together, in row order."""
        path = write(tmp_path, "agency,contact_name,email\nPolice,,bad\n,,\u0020\n,Jo,\nPolice,,\nA;B,,\n")
        with pytest.raises(InputFileError) as excinfo:
            read_agencies(path)
        assert [(p.row, p.code) for p in problems_of(excinfo)] == [
            (2, ErrorCode.CSV_BAD_VALUE),
            (4, ErrorCode.CSV_EMPTY_VALUE),
            (5, ErrorCode.CSV_DUPLICATE),
            (6, ErrorCode.CSV_BAD_VALUE),
        ]

    def test_no_agencies(self, tmp_path):
        """A file with headings but no agencies is refused."""
        with pytest.raises(InputFileError, match="no agencies"):
            read_agencies(write(tmp_path, "agency,contact_name,email\n"))


def cases_file(tmp_path: Path, *rows: str, header: str = CASES_HEADER, encoding: str = "utf-8-sig") -> Path:
    return write(tmp_path, "\n".join([header, *rows]) + "\n", name="cases.csv", encoding=encoding)


class TestReadCases:
    def test_reads_cases(self, tmp_path):
        """Cases are read with dates day-first, agencies in the agencies file's spelling, profile kept."""
        path = cases_file(
            tmp_path,
            "MACA-01,Amy Smith,03/07/2015,essex police; CHILDREN'S SOCIAL CARE,1 May 2024,Mid,female",
            "MACA-02,Ben Jones,1/2/10,Greenfield  Primary;,,",
            header="Case Ref,Child Name,Date of Birth,Agencies,Last Involvement,Quadrant,Gender",
        )
        first, second = read_cases(path, AGENCIES)
        assert first == CaseRow(
            "MACA-01", "Amy Smith", dt.date(2015, 7, 3), ("Essex Police", "Children's Social Care"), dt.date(2024, 5, 1),
            {"quadrant": "Mid", "gender": "female"}, 2,
        )  # fmt: skip
        assert (second.agencies, second.last_involvement, second.attributes, second.row) == (("Greenfield Primary",), None, {}, 3)

    def test_last_involvement_optional(self, tmp_path):
        """A cases file without a last_involvement column is accepted."""
        path = cases_file(tmp_path, "C1,Amy,3/7/15,Essex Police", header="case_ref,child_name,date_of_birth,agencies")
        assert read_cases(path, AGENCIES)[0].last_involvement is None

    def test_cp1252_cases_file(self, tmp_path):
        """A Windows-1252 cases file keeps accents in names."""
        path = cases_file(tmp_path, "C1,Siân Evans,3/7/15,Essex Police,", encoding="cp1252")
        assert read_cases(path, AGENCIES)[0].child_name == "Siân Evans"

    def test_missing_column(self, tmp_path):
        """A missing required column is named, with the columns that were found."""
        path = cases_file(tmp_path, "C1,Amy,Essex Police", header="case_ref,child_name,agencies")
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        (p,) = problems_of(excinfo)
        assert p.code is ErrorCode.CSV_MISSING_COLUMN
        assert p.params == {"column": "date_of_birth", "found": "case_ref, child_name, agencies"}

    @pytest.mark.parametrize(("heading", "meant"), [("DOB", "date_of_birth"), ("Case Reference", "case_ref"), ("Date of Brith", "date_of_birth"), ("Quadrent", "quadrant")])
    def test_misnamed_column_suggests_rename(self, tmp_path, heading, meant):
        """A heading that looks like an expected one is reported once, as a rename, not as missing and refused."""
        if meant in CASES_HEADER:
            path = cases_file(tmp_path, "C1,Amy,3/7/15,Essex Police,", header=CASES_HEADER.replace(meant, heading))
        else:
            path = cases_file(tmp_path, "C1,Amy,3/7/15,Essex Police,,South", header=f"{CASES_HEADER},{heading}")
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        (p,) = problems_of(excinfo)
        assert (p.code, p.row) == (ErrorCode.CSV_BAD_VALUE, 1)
        assert p.hint == f"Rename the heading to '{meant}'."

    def test_bad_date_of_birth(self, tmp_path):
        """An unreadable date of birth names the row and column without repeating the value or the name."""
        path = cases_file(tmp_path, "C1,Amy Smith,03/07/2015,Essex Police,", "C2,Zoë Quinn,31/02/2014,Essex Police,")
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        (p,) = problems_of(excinfo)
        assert (p.code, p.row) == (ErrorCode.CSV_BAD_VALUE, 3)
        assert "date of birth" in p.message and "'date_of_birth'" in p.message
        text = everything_said(excinfo)
        assert "31/02/2014" not in text and "2014" not in text and "Zoë" not in text

    @pytest.mark.parametrize("dob", ["42188", "July 3 2015", "sometime in 2015", "3/7"])
    def test_unreadable_date_of_birth_forms(self, tmp_path, dob):
        """Serial numbers, month-first and vague dates of birth are all refused without echo."""
        path = cases_file(tmp_path, f"C1,Amy,{dob},Essex Police,")
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        assert codes(excinfo) == [ErrorCode.CSV_BAD_VALUE]
        assert dob not in everything_said(excinfo)

    def test_bad_last_involvement(self, tmp_path):
        """An unreadable last involvement date is a CSV_BAD_DATE naming the column."""
        path = cases_file(tmp_path, "C1,Amy,3/7/15,Essex Police,31/13/2024")
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        (p,) = problems_of(excinfo)
        assert (p.code, p.row, p.params["column"]) == (ErrorCode.CSV_BAD_DATE, 2, "last_involvement")

    def test_birth_after_last_involvement(self, tmp_path):
        """A date of birth after the last involvement is an error that repeats neither date of birth nor name."""
        path = cases_file(tmp_path, "C1,Amy Smith,03/07/2015,Essex Police,1/1/2015")
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        assert codes(excinfo) == [ErrorCode.CSV_BAD_VALUE]
        assert "03/07/2015" not in everything_said(excinfo) and "Amy" not in everything_said(excinfo)

    def test_unknown_agency_with_suggestion(self, tmp_path):
        """An agency not in the agencies file is an error suggesting the closest name."""
        path = cases_file(tmp_path, "C1,Amy,3/7/15,Essex Polise;Children's Social Care,")
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        (p,) = problems_of(excinfo)
        assert (p.code, p.row, p.params["column"]) == (ErrorCode.CSV_UNKNOWN_AGENCY, 2, "agencies")
        assert "did you mean 'Essex Police'?" in p.message

    def test_unknown_agency_without_close_match(self, tmp_path):
        """With no close agency name, no suggestion is made."""
        path = cases_file(tmp_path, "C1,Amy,3/7/15,Probation,")
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        assert "did you mean" not in excinfo.value.problems[0].message

    def test_empty_agencies(self, tmp_path):
        """A case with no agencies is an error."""
        path = cases_file(tmp_path, "C1,Amy,3/7/15, ; ,")
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        assert codes(excinfo) == [ErrorCode.CSV_EMPTY_VALUE]

    def test_duplicate_case_refs(self, tmp_path):
        """A case reference used twice (ignoring case) is an error naming both rows."""
        path = cases_file(tmp_path, "MACA-01,Amy,3/7/15,Essex Police,", "MACA-02,Ben,3/7/15,Essex Police,", "maca-01,Cal,3/7/15,Essex Police,")
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        (p,) = problems_of(excinfo)
        assert (p.code, p.row, p.params["first_row"]) == (ErrorCode.CSV_DUPLICATE, 4, 2)

    @pytest.mark.parametrize("column", ["NHS Number", "address", "school", "mother_name", "postcode"])
    def test_identifying_column_refused(self, tmp_path, column):
        """A column outside the profile allow-list is refused, naming it and listing the allowed ones."""
        path = cases_file(tmp_path, "C1,Amy,3/7/15,Essex Police,,secret-value", header=f"{CASES_HEADER},{column}")
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        (p,) = problems_of(excinfo)
        assert (p.code, p.row) == (ErrorCode.CSV_BAD_VALUE, 1)
        assert rosters.normalise_header(column) in p.message and "may identify the child" in p.message
        assert all(name in p.hint for name in PROFILE_FIELDS)
        assert "secret-value" not in everything_said(excinfo)

    def test_refused_column_reported_with_row_problems(self, tmp_path):
        """A refused column and bad rows are reported together."""
        path = cases_file(tmp_path, "C1,Amy,3/7/15,Nowhere,,x", header=f"{CASES_HEADER},address")
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        assert [(p.row, p.code) for p in problems_of(excinfo)] == [(1, ErrorCode.CSV_BAD_VALUE), (2, ErrorCode.CSV_UNKNOWN_AGENCY)]

    def test_every_problem_in_every_row(self, tmp_path):
        """Problems in several rows and columns come back in one error."""
        path = cases_file(tmp_path, ",Amy,3/7/15,Essex Police,", "C2,,3/7/15,Essex Police,", "C3,Cal,,Essex Police,", "C4,Dee,3/7/15,,")
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        assert [(p.row, p.params["column"]) for p in problems_of(excinfo)] == [
            (2, "case_ref"), (3, "child_name"), (4, "date_of_birth"), (5, "agencies"),
        ]  # fmt: skip

    def test_no_child_details_in_any_message(self, tmp_path):
        """However many problems a row has, no message repeats the child's name or date of birth."""
        path = cases_file(
            tmp_path,
            "C1,Siân Prydderch,29/02/2013,Essex Polise,14/14/2024,,x",
            "C1,Siân Prydderch,30/02/2013,,,,",
            header=f"{CASES_HEADER},quadrant,home_address",
            encoding="cp1252",
        )
        with pytest.raises(InputFileError) as excinfo:
            read_cases(path, AGENCIES)
        text = everything_said(excinfo)
        assert len(problems_of(excinfo)) >= 4
        for secret in ("Siân", "Prydderch", "29/02/2013", "30/02/2013", "2013"):
            assert secret not in text

    def test_repr_hides_child_details(self, tmp_path):
        """A case printed in a log shows its reference but not the child's name or date of birth."""
        (case,) = read_cases(cases_file(tmp_path, "C1,Amy Smith,03/07/2015,Essex Police,"), AGENCIES)
        assert "C1" in repr(case)
        assert "Amy" not in repr(case) and "2015" not in repr(case)

    def test_no_cases(self, tmp_path):
        """A cases file with headings only is refused."""
        with pytest.raises(InputFileError, match="no cases"):
            read_cases(cases_file(tmp_path), AGENCIES)


class TestProfile:
    @pytest.mark.parametrize(
        ("dob", "band"),
        [
            (dt.date(2024, 1, 2), "under 1"),
            (dt.date(2024, 1, 1), "1-4"),
            (dt.date(2020, 1, 2), "1-4"),
            (dt.date(2020, 1, 1), "5-9"),
            (dt.date(2015, 1, 1), "10-15"),
            (dt.date(2009, 1, 2), "10-15"),
            (dt.date(2009, 1, 1), "16-17"),
            (dt.date(2007, 1, 2), "16-17"),
            (dt.date(2007, 1, 1), "18+"),
            (dt.date(2025, 6, 1), "unborn"),
        ],
    )
    def test_age_bands(self, dob, band):
        """Age bands follow whole years on the day: under 1, 1-4, 5-9, 10-15, 16-17, 18+."""
        assert age_band(dob, dt.date(2025, 1, 1)) == band

    def test_profile_derives_age_band(self):
        """profile() adds an age band from the date of birth to the attributes."""
        case = CaseRow("C1", "Amy", dt.date(2015, 7, 3), ("Essex Police",), None, {"quadrant": "Mid"}, 2)
        assert case.profile(dt.date(2025, 7, 3)) == {"quadrant": "Mid", "age_band": "10-15"}
        assert case.attributes == {"quadrant": "Mid"}

    def test_given_age_band_wins(self):
        """An age band given in the cases file is kept as given."""
        case = CaseRow("C1", "Amy", dt.date(2015, 7, 3), ("Essex Police",), None, {"age_band": "0-10"}, 2)
        assert case.profile(dt.date(2025, 7, 3))["age_band"] == "0-10"


NOMINATIONS_HEADER = "case_ref,child_name,date_of_birth,agencies,nominator,nominated_on,decision,reason,quadrant"


class TestReadNominations:
    def test_only_accepted_become_cases(self, tmp_path):
        """Accepted nominations (any case, or 'yes') become cases; the register keeps every row."""
        path = cases_file(
            tmp_path,
            "N1,Amy,3/7/15,Essex Police,J Patel (Police),1/3/24,Accepted,,South",
            "N2,Ben,4/8/16,Essex Police,J Patel (Police),2/3/24,no,live court proceedings,",
            "N3,Cal,5/9/17,Children's Social Care,A Okafor,,PENDING,,",
            "N4,Dee,6/10/18,children's social care,A Okafor,3 March 2024,yes,,West",
            "N5,Eve,7/11/19,Essex Police,A Okafor,,,,",
            header=NOMINATIONS_HEADER,
        )
        cases, register = read_nominations(path, AGENCIES)
        assert [c.case_ref for c in cases] == ["N1", "N4"]
        assert cases[1].agencies == ("Children's Social Care",)
        assert cases[0].attributes == {"quadrant": "South"}
        assert [(n.case_ref, n.decision) for n in register] == [
            ("N1", "accepted"), ("N2", "declined"), ("N3", "pending"), ("N4", "accepted"), ("N5", "pending"),
        ]  # fmt: skip
        assert register[1].reason == "live court proceedings"
        assert register[0].nominated_on == dt.date(2024, 3, 1) and register[2].nominated_on is None

    def test_register_holds_no_child_details(self, tmp_path):
        """A register entry carries no child's name or date of birth."""
        path = cases_file(tmp_path, "N1,Amy Smith,3/7/15,Essex Police,J Patel,1/3/24,accepted,,", header=NOMINATIONS_HEADER)
        _, (entry,) = read_nominations(path, AGENCIES)
        assert "Amy" not in repr(entry) and "2015" not in repr(entry)

    def test_bad_decision(self, tmp_path):
        """A decision other than accepted/declined/pending (or yes/no) is an error."""
        path = cases_file(tmp_path, "N1,Amy,3/7/15,Essex Police,J Patel,1/3/24,maybe,,", header=NOMINATIONS_HEADER)
        with pytest.raises(InputFileError) as excinfo:
            read_nominations(path, AGENCIES)
        (p,) = problems_of(excinfo)
        assert (p.code, p.row) == (ErrorCode.CSV_BAD_VALUE, 2)
        assert "'decision'" in p.message

    def test_declined_rows_not_checked_as_cases(self, tmp_path):
        """A declined nomination's child details are not needed, so a bad date of birth there is no error."""
        path = cases_file(tmp_path, "N1,Amy,31/02/2015,Nowhere,J Patel,1/3/24,declined,not open to CSC,", header=NOMINATIONS_HEADER)
        cases, register = read_nominations(path, AGENCIES)
        assert cases == [] and len(register) == 1

    def test_accepted_rows_checked_as_cases(self, tmp_path):
        """An accepted nomination with a bad date of birth or agency is reported, with no child details."""
        path = cases_file(tmp_path, "N1,Amy Smith,31/02/2015,Nowhere,J Patel,1/3/24,accepted,,", header=NOMINATIONS_HEADER)
        with pytest.raises(InputFileError) as excinfo:
            read_nominations(path, AGENCIES)
        assert codes(excinfo) == [ErrorCode.CSV_BAD_VALUE, ErrorCode.CSV_UNKNOWN_AGENCY]
        assert "Amy" not in everything_said(excinfo) and "31/02/2015" not in everything_said(excinfo)

    def test_renominated_case(self, tmp_path):
        """A case declined once and accepted later is one case; accepted twice is a duplicate."""
        once = cases_file(
            tmp_path,
            "N1,Amy,3/7/15,Essex Police,J Patel,1/3/24,declined,,",
            "N1,Amy,3/7/15,Essex Police,J Patel,1/6/24,accepted,,",
            header=NOMINATIONS_HEADER,
        )
        cases, register = read_nominations(once, AGENCIES)
        assert [c.row for c in cases] == [3] and len(register) == 2
        twice = cases_file(
            tmp_path,
            "N1,Amy,3/7/15,Essex Police,J Patel,1/3/24,accepted,,",
            "n1,Amy,3/7/15,Essex Police,J Patel,1/6/24,yes,,",
            header=NOMINATIONS_HEADER,
        )
        with pytest.raises(InputFileError) as excinfo:
            read_nominations(twice, AGENCIES)
        assert codes(excinfo) == [ErrorCode.CSV_DUPLICATE]

    def test_bad_nomination_date(self, tmp_path):
        """An unreadable nominated_on date is a CSV_BAD_DATE."""
        path = cases_file(tmp_path, "N1,Amy,3/7/15,Essex Police,J Patel,March,accepted,,", header=NOMINATIONS_HEADER)
        with pytest.raises(InputFileError) as excinfo:
            read_nominations(path, AGENCIES)
        assert [(p.code, p.params["column"]) for p in problems_of(excinfo)] == [(ErrorCode.CSV_BAD_DATE, "nominated_on")]

    def test_missing_register_column(self, tmp_path):
        """The decision column is required."""
        path = cases_file(tmp_path, "N1,Amy,3/7/15,Essex Police,J Patel,1/3/24", header="case_ref,child_name,date_of_birth,agencies,nominator,nominated_on")
        with pytest.raises(InputFileError) as excinfo:
            read_nominations(path, AGENCIES)
        assert [p.params["column"] for p in problems_of(excinfo)] == ["decision"]

    def test_identifying_column_refused(self, tmp_path):
        """Nominations files refuse identifying columns just as cases files do."""
        path = cases_file(tmp_path, "N1,Amy,3/7/15,Essex Police,J Patel,1/3/24,accepted,,,x", header=f"{NOMINATIONS_HEADER},nhs_number")
        with pytest.raises(InputFileError, match="'nhs_number' is not kept"):
            read_nominations(path, AGENCIES)
