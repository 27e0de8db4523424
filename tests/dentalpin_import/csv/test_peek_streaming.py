"""The column step's first look at a CSV sheet streams: a block at a time, only its first rows."""

import tracemalloc

import pytest

from dentalpin_import.jobs import sheet_peek, sheet_rows
from dentalpin_import.reader import csv_sheets
from dentalpin_import.reader.csv_sheets import parse_file
from dentalpin_import.reader.sheet_source import read_sheet
from dentalpin_import.reader.sheet_spill import SpilledRecords

from .test_streaming import CountingFile, long_notes

PEOPLE = "Nº historia;Nombre;Apellidos;Fecha de nacimiento;DNI/NIE\r\n"


def traced_peek(sheet):
    """(the peek of `sheet`, the most memory Python held meanwhile)."""
    tracemalloc.start()
    try:
        return sheet_peek.peek(sheet, encoding=None), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_sheet_is_peeked_at_with_bounded_memory(tmp_path):
    sheet = long_notes(tmp_path / "notes.csv", rows=3000, note_chars=8000)
    size = sheet.stat().st_size
    assert size > 24_000_000
    peeked, peak = traced_peek(sheet)
    # Read whole, the bytes and their text would each be as large as the file.
    assert peak < size / 5
    assert peeked.headers == ["PatientID", "Consultation Date", "Clinical Note Text"]
    assert [row[0] for row in peeked.samples] == ["P0", "P1", "P2", "P3", "P4"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_the_file_is_read_a_block_at_a_time(encoding, monkeypatch):
    monkeypatch.setattr(csv_sheets, "BLOCK", 65536)
    monkeypatch.setattr(csv_sheets, "CHARDET_SAMPLE", 65536)
    text = PEOPLE + "".join(f"H{i};José;Muñoz {i};03/02/1980;\r\n" for i in range(40000))
    fh = CountingFile(text.encode(encoding))
    peeked = sheet_peek._csv(fh, None)
    assert peeked.headers[0] == "Nº historia" and peeked.samples[4][2] == "Muñoz 4"
    assert fh.asked and all(0 < n <= csv_sheets.BLOCK for n in fh.asked)


@pytest.mark.parametrize(
    "encoding, text",
    [
        ("cp1252", PEOPLE + "\r\n".join(f"H{i};Iñaki;Goñi;0{i}/02/1980;" for i in range(1, 9))),
        ("utf-16", PEOPLE.replace(";", "\t") + "H1\tAna\t\t\t\r\n\r\nH2\tEva\tSanz\r\n"),
        (
            "utf-8-sig",
            "PatientID,Consultation Date,Clinical Note Text\r\n"
            'P1,,"dos\r\nlíneas"\r\n,,\r\nP2,,x\r\n',
        ),
        (
            "mac-roman",
            "PatientID;Drug Name;Frequency / Instructions;Prescription Date\rP1;Amoxicilina;;\r"
            "P2;Ibuprofeno;;\r",
        ),
    ],
)
def test_the_peek_shows_what_the_full_read_reads(tmp_path, encoding, text):
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(text.encode(encoding))
    given = "mac-roman" if encoding == "mac-roman" else None
    peeked = sheet_peek.peek(sheet, encoding=given)
    parsed = parse_file(sheet, encoding=given)
    width = len(parsed.header)
    assert peeked.headers == [h.strip() for h in parsed.header]
    assert peeked.samples == [(row + [""] * width)[:width] for row in parsed.samples]


def test_a_quote_left_open_does_not_gather_the_rest_of_the_file(tmp_path):
    rows = "".join(f"P{i},2024-01-02,nota {i}\r\n" for i in range(400_000))
    sheet = tmp_path / "open.csv"
    sheet.write_text('PatientID,Consultation Date,Clinical Note Text\r\nP0,"2024\r\n' + rows)
    assert sheet.stat().st_size > 8_000_000
    peeked, peak = traced_peek(sheet)
    assert peak < 12 * sheet_peek.SAMPLE_CHARS  # the csv module keeps 4 bytes a character
    assert peeked is None or len(peeked.samples) <= sheet_peek.SAMPLE_ROWS


def test_a_sheet_over_the_size_cap_or_not_text_gets_no_peek(tmp_path, settings):
    sheet = tmp_path / "big.csv"
    sheet.write_bytes(PEOPLE.encode() + b"H1;Ana;Gil;;\r\n" * 100)
    settings.CSV_MAX_SHEET_BYTES = 1000
    assert sheet_peek.peek(sheet, encoding=None) is None
    settings.CSV_MAX_SHEET_BYTES = 10_000_000
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02" * 1000)
    assert sheet_peek.peek(binary, encoding=None) is None
    assert sheet_peek.peek(sheet, encoding="hex") is None


@pytest.mark.django_db
def test_the_row_by_row_preview_reads_the_sheet_a_chunk_at_a_time(tmp_path, clinic, monkeypatch):
    sheet = long_notes(tmp_path / "notes.csv", rows=1200, note_chars=40)
    source = read_sheet(sheet)

    def whole(records):
        raise AssertionError("the whole sheet was read into memory")

    monkeypatch.setattr(SpilledRecords, "__iter__", whole)
    verdicts = list(sheet_rows.judge_rows(source, clinic))
    # No patient in the clinic: every note is refused, and every one has its verdict.
    assert len(verdicts) == 1200 and {v.verdict for v in verdicts} == {"refused"}
    assert [v.line for v in verdicts[:2]] == [2, 3]
