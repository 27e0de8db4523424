"""Reading real CSV sheets: encodings, delimiters, headers, quoted newlines and row problems."""

import pytest

from dentalpin_import.reader import csv_sheets
from dentalpin_import.reader.csv_sheets import MissingColumns, parse
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_source import read_sheet
from dentalpin_import.reader.sheet_values import nhs_number_is_valid
from tests.dentalpin_import.csv.sheets import (
    NOTES_HEADER,
    PATIENT_HEADER,
    patient,
    patients_rows,
    write,
)

# encoding written → names the reader may report (Latin-1 and Windows-1252 read these
# letters identically, so either name decodes the file exactly).
ENCODINGS = {
    "utf-8": {"utf-8"},
    "utf-8-sig": {"utf-8-sig"},
    "utf-16": {"utf-16"},
    "cp1252": {"windows-1252", "iso-8859-1"},
    "latin-1": {"windows-1252", "iso-8859-1"},
    "mac_roman": {"mac-roman"},
}


def names(sheet):
    return [(r.given_name, r.family_name) for r in sheet.parsed.records]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_each_encoding_is_detected_and_every_accent_survives(tmp_path, encoding):
    path = write(tmp_path / "p.csv", patients_rows(), encoding=encoding)
    sheet = read_sheet(path)
    assert sheet.meta["encoding"] in ENCODINGS[encoding]
    assert names(sheet) == [
        ("José", "Muñoz Peña"),
        ("Zoë", "Brontë"),
        ("Ana", "Núñez"),
        ("Iñaki", "Goñi"),
    ]
    assert sheet.parsed.records[0].raw["City"] == "Cádiz"


def test_a_byte_order_mark_never_sticks_to_the_first_column_name(tmp_path):
    for encoding in ("utf-8-sig", "utf-16"):
        sheet = read_sheet(write(tmp_path / "p.csv", patients_rows(), encoding=encoding))
        assert sheet.parsed.header[0] == "LegacyPatientID"
        assert sheet.meta["encoding_how"] == "byte order mark"


def test_windows_1252_punctuation_names_windows_1252_not_latin_1(tmp_path):
    rows = patients_rows() + [patient("P003", "Seán", "O’Brien – €uro", email="")]
    sheet = read_sheet(write(tmp_path / "p.csv", rows, encoding="cp1252"))
    assert sheet.meta["encoding"] == "windows-1252"
    assert names(sheet)[-1] == ("Seán", "O’Brien – €uro")


def test_an_explicit_encoding_overrides_detection(tmp_path):
    path = write(tmp_path / "p.csv", patients_rows(), encoding="mac_roman")
    forced = read_sheet(path, encoding="windows-1252")
    assert forced.meta["encoding"] == "windows-1252" and forced.meta["encoding_how"] == "given"
    assert names(forced)[0] != ("José", "Muñoz Peña")  # read as asked, even if wrong
    assert names(read_sheet(path, encoding="mac_roman"))[0] == ("José", "Muñoz Peña")


def test_an_unknown_or_wrong_explicit_encoding_refuses_the_file(tmp_path):
    path = write(tmp_path / "p.csv", patients_rows(), encoding="cp1252")
    with pytest.raises(ReadError) as unknown:
        read_sheet(path, encoding="klingon-8")
    assert unknown.value.code == csv_sheets.UNKNOWN_ENCODING
    with pytest.raises(ReadError) as wrong:
        read_sheet(path, encoding="utf-8")
    assert wrong.value.code == csv_sheets.UNDECODABLE
    assert "not valid utf-8: byte 0xe9" in str(wrong.value)


def test_binary_content_is_refused_as_not_a_text_sheet(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"LegacyPatientID\x00\x01\x02" + bytes(range(256)))
    with pytest.raises(ReadError) as refused:
        read_sheet(path)
    assert refused.value.code == csv_sheets.UNDECODABLE


@pytest.mark.parametrize(
    "delimiter, name", [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "pipe")]
)
def test_each_delimiter_is_sniffed(tmp_path, delimiter, name):
    rows = patients_rows()
    rows[1][8] = "Calle Mayor, 3; 2º|B"  # every delimiter inside a quoted value
    sheet = read_sheet(write(tmp_path / "p.csv", rows, delimiter=delimiter))
    assert sheet.meta["delimiter"] == name
    assert sheet.parsed.records[0].address_street == "Calle Mayor, 3; 2º|B"


def test_headers_match_ignoring_case_and_surrounding_spaces(tmp_path):
    header = ["  legacypatientid", "FIRST NAME ", " last name", "date of birth  ", "nhs number"]
    rows = [header, ["P9", "Eva", "Ruiz", "2001-05-06", "9434765919"]]
    sheet = read_sheet(write(tmp_path / "p.csv", rows))
    assert sheet.spec.name == "patients"
    record = sheet.parsed.records[0]
    assert (record.legacy_id, record.nhs_number, str(record.date_of_birth)) == (
        "P9",
        "9434765919",
        "2001-05-06",
    )


def test_missing_required_columns_refuse_the_whole_file_listing_each(tmp_path):
    rows = [["LegacyPatientID", "First Name", "Email Address"], ["P1", "Eva", "e@x.test"]]
    path = write(tmp_path / "p.csv", rows)
    with pytest.raises(MissingColumns) as refused:
        read_sheet(path, sheet="patients")
    assert refused.value.code == csv_sheets.MISSING_COLUMNS
    assert refused.value.missing == ["Last Name", "Date of Birth"]
    assert str(refused.value) == (
        "the Patient demographics sheet lacks required columns: Last Name, Date of Birth "
        "(the header is read from the first non-empty row)"
    )


def test_the_sheet_type_is_recognised_from_the_header(tmp_path):
    notes = [NOTES_HEADER, ["P001", "2024-03-01 09:15", "Revisión", "", "", "", ""]]
    assert read_sheet(write(tmp_path / "n.csv", notes)).spec.name == "clinical_notes"
    assert read_sheet(write(tmp_path / "p.csv", patients_rows())).spec.name == "patients"
    with pytest.raises(MissingColumns) as unknown:
        read_sheet(write(tmp_path / "x.csv", [["Foo", "Bar"], ["1", "2"]]))
    assert unknown.value.code == csv_sheets.UNKNOWN_SHEET


def test_quoted_newlines_stay_inside_the_note_and_line_numbers_stay_true(tmp_path):
    text = "Dolor en 36.\nCaries profunda, endodoncia;\n\n“Paciente nervioso”"
    rows = [
        NOTES_HEADER,
        ["P001", "2024-03-01 09:15", text, "S01", "DENTAL PROGRESS", "Pulpitis", "K04.0"],
        ["P001", "31/02/2024", "Segunda", "", "", "", ""],
    ]
    sheet = read_sheet(write(tmp_path / "n.csv", rows, encoding="utf-16"))
    first, second = sheet.parsed.records
    assert first.text == text and first.note_type == "dental_progress"
    assert (first.clinical_code, first.code_system) == ("K04.0", "icd10")
    assert (first.line, second.line) == (2, 6)
    assert [p.message for p in second.issues] == [
        "line 6, Consultation Date: not a date (expected YYYY-MM-DD) ('31/02/2024'); left empty"
    ]


def test_a_quote_left_open_refuses_the_file_instead_of_swallowing_rows(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text(
        "PatientID,Consultation Date,Clinical Note Text\n"
        'P1,2024-01-01,"never closed\nP2,2024-01-02,lost row\n'
    )
    with pytest.raises(ReadError) as refused:
        read_sheet(path)
    assert refused.value.code == csv_sheets.MALFORMED
    assert "line 2" in str(refused.value)


def test_row_problems_carry_their_line_and_offending_value(tmp_path):
    rows = [
        PATIENT_HEADER,
        patient("P1", "Ana", "Sanz", born="03/04/1975", nhs="943 476 5918", Gender="ROBOT"),
        patient("P2", "Luis", "Gil", born="25/12/1990", email="not-an-email"),
        patient("", "Sin", "Id"),
    ]
    sheet = read_sheet(write(tmp_path / "p.csv", rows))
    messages = [p.message for p in sheet.problems]
    assert messages[:2] == [
        "line 2, Date of Birth: ambiguous date: day and month could be either way round "
        "(use YYYY-MM-DD) ('03/04/1975'); left empty",
        "line 2, NHS Number: not a valid NHS number (10 digits with a mod-11 check digit) "
        "('•••••••918'); left empty",
    ]
    assert "line 2, Gender: unknown value" in messages[2] and "'ROBOT'" in messages[2]
    by_line = {r.line: r for r in sheet.parsed.records}
    assert str(by_line[3].date_of_birth) == "1990-12-25"  # unambiguous: read, with a note
    assert [p.code for p in by_line[3].issues] == ["bad_email", "non_iso_date"]
    assert [p.blocking for p in by_line[4].issues] == [True]


def test_a_duplicate_legacy_id_is_flagged_and_gets_its_own_stable_id(tmp_path):
    rows = patients_rows() + [patient("P001", "Otro", "Duplicado")]
    path = write(tmp_path / "p.csv", rows)
    first = read_sheet(path).parsed.records
    again = read_sheet(path).parsed.records
    assert [r.canonical_uuid for r in first] == [r.canonical_uuid for r in again]
    duplicate = first[-1]
    assert duplicate.source_id == "P001#2"
    assert duplicate.canonical_uuid != first[0].canonical_uuid
    assert [p.code for p in duplicate.issues] == ["duplicate_key"]
    assert "the same key appears on line 2" in duplicate.issues[0].message


def test_staff_roles_become_staff_records_and_need_no_birth_date(tmp_path):
    sheet = read_sheet(write(tmp_path / "p.csv", patients_rows()))
    assert [t.entity_type for t in sheet.entity_types] == ["csv_staff", "csv_patient"]
    assert sheet.count("csv_staff") == 2 and sheet.count("csv_patient") == 2
    assert [r.role for r in sheet.records("csv_staff")] == ["clinician", "practice_manager"]
    assert sheet.problems == []


@pytest.mark.parametrize(
    "number, valid",
    [("9434765919", True), ("9434765918", False), ("943476591", False), ("1234567881", True)],
)
def test_nhs_numbers_need_ten_digits_and_the_mod_11_check_digit(number, valid):
    assert nhs_number_is_valid(number) is valid


def test_a_check_digit_of_ten_is_never_valid():
    # 000000006x: 6 × 2 = 12, 12 mod 11 = 1, 11 − 1 = 10: no valid last digit exists.
    assert not any(nhs_number_is_valid(f"000000006{d}") for d in range(10))


def test_parse_needs_no_file_and_no_database():
    sheet = parse(b"PatientID;Drug Name;Frequency / Instructions;Prescription Date\n")
    assert sheet.spec.name == "medications" and len(sheet.records) == 0


def test_bytes_windows_1252_leaves_undefined_do_not_break_detection(tmp_path):
    # Mac Roman writes ç as 0x8D, a byte Windows-1252 does not define.
    rows = [PATIENT_HEADER, patient("P1", "Françoise", "Garçon"), patient("P2", "Noël", "Ibáñez")]
    sheet = read_sheet(write(tmp_path / "p.csv", rows, encoding="mac_roman"))
    assert sheet.meta["encoding"] == "mac-roman"
    assert names(sheet) == [("Françoise", "Garçon"), ("Noël", "Ibáñez")]


def test_a_utf8_file_with_stray_bytes_of_another_encoding_is_refused_not_garbled(tmp_path):
    path = tmp_path / "p.csv"
    good = write(tmp_path / "good.csv", patients_rows()).read_bytes()
    path.write_bytes(good + "P9,Iñigo,Peña,1990-01-01\r\n".encode("cp1252"))
    with pytest.raises(ReadError) as refused:
        read_sheet(path)
    assert refused.value.code == csv_sheets.UNDECODABLE
    assert "mixes UTF-8 with another encoding" in str(refused.value)
    assert names(read_sheet(path, encoding="cp1252"))[0] == ("JosÃ©", "MuÃ±oz PeÃ±a")


def test_a_date_under_a_spanish_portuguese_or_french_header_is_read_day_first(tmp_path):
    rows = [
        ["ID paciente", "Nombre", "Apellidos", "Fecha de nacimiento"],
        ["P1", "Ana", "Gil", "03/04/1975"],
        ["P2", "Luis", "Sanz", "12/25/1980"],
    ]
    sheet = read_sheet(write(tmp_path / "p.csv", rows))
    ana, luis = sheet.parsed.records
    assert str(ana.date_of_birth) == "1975-04-03"
    assert str(luis.date_of_birth) == "1980-12-25"  # no 25th month: read the only way it can be
    assert [p.code for p in sheet.problems] == ["non_iso_date", "non_iso_date"]
    english = [["LegacyPatientID", "First Name", "Last Name", "Date of Birth"], rows[1]]
    sheet = read_sheet(write(tmp_path / "e.csv", english))
    assert sheet.parsed.records[0].date_of_birth is None
    assert [p.code for p in sheet.problems] == ["ambiguous_date"]
