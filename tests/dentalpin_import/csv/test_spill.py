"""A sheet's records out of memory: read back whole and in order, by key, never in clear on disk."""

import pytest
from cryptography.exceptions import InvalidTag

from dentalpin_import.reader import sheet_spill
from dentalpin_import.reader.csv_sheets import parse

NOTE = "Dolor en 36; se pauta endodoncia"


def notes(n: int) -> bytes:
    lines = ["PatientID,Consultation Date,Clinical Note Text"]
    lines += [f"P{i},2024-01-02 10:00,{NOTE} {i}" for i in range(n)]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_records_come_back_in_file_order_chunk_after_chunk():
    parsed = parse(notes(1234))
    records = parsed.records
    assert len(records) == 1234 and records.counts == {"csv_clinical_note": 1234}
    assert [r.patient_ref for r in records] == [f"P{i}" for i in range(1234)]
    assert [len(c) for c in records.chunks()] == [500, 500, 234]
    assert records[-1].patient_ref == "P1233" and records[600].line == 602


def test_rows_by_key_read_only_what_is_asked():
    records = parse(notes(1200)).records
    wanted = [r.canonical_uuid for r in records if r.patient_ref in ("P1100", "P3", "P700")]
    found = records.among(wanted + ["not-a-key"])
    assert [r.patient_ref for r in found] == ["P3", "P700", "P1100"]


def test_the_temporary_file_holds_no_clear_text_and_refuses_a_changed_chunk():
    records = parse(notes(600)).records
    spilled = records._file
    spilled.seek(0)
    content = spilled.read()
    # Whole values only: a three-byte id can turn up by chance in ciphertext.
    assert NOTE.encode() not in content and b"2024-01-02" not in content
    offset, length = records._chunks[0]
    spilled.seek(offset + 40)
    spilled.write(bytes([content[offset + 40] ^ 1]))
    with pytest.raises(InvalidTag):
        list(records)


def test_an_empty_sheet_has_no_records():
    records = sheet_spill.SpilledRecords()
    assert len(records) == 0 and not records and list(records) == []
    with pytest.raises(IndexError):
        records[0]


def test_a_type_is_read_only_from_the_chunks_that_hold_it():
    header = "LegacyPatientID,First Name,Last Name,Date of Birth,Role"
    lines = [header] + [f"P{i},Ana,Gil,1980-01-01," for i in range(1200)]
    lines.insert(700, "S1,Eva,Sanz,,DENTIST")
    records = parse(("\r\n".join(lines) + "\r\n").encode()).records
    staff = list(records.chunks("csv_staff"))
    assert len(staff) == 1 and [r.legacy_id for r in staff[0] if r.entity_type == "csv_staff"] == [
        "S1"
    ]
    assert sum(len(c) for c in records.chunks("csv_patient")) == 1201
