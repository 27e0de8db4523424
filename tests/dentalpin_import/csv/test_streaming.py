"""A CSV sheet is read as a stream: memory holds a block and a chunk, whatever the file's size."""

import io
import sys
import tracemalloc

import pytest

from dentalpin_import.reader import csv_sheets
from dentalpin_import.reader.csv_sheets import parse, parse_file, parse_stream
from dentalpin_import.reader.errors import ReadError

HEADER = "PatientID,Consultation Date,Clinical Note Text\r\n"


def long_notes(path, rows: int, note_chars: int):
    """A notes sheet of `rows` notes of `note_chars` characters each (accents included)."""
    note = ("Revisión sin dolor; se pauta control. " * (note_chars // 38 + 1))[:note_chars]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        for i in range(rows):
            fh.write(f'P{i},2024-01-02 10:00,"{note} {i}"\r\n')
    return path


def test_a_sheet_far_larger_than_memory_allows_is_read_with_bounded_memory(tmp_path):
    sheet = long_notes(tmp_path / "notes.csv", rows=3000, note_chars=8000)
    size = sheet.stat().st_size
    assert size > 24_000_000
    tracemalloc.start()
    try:
        parsed = parse_file(sheet)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Read whole, the bytes and their text would each be as large as the file.
    assert peak < size / 3
    assert len(parsed.records) == 3000
    assert parsed.records[2999].text.endswith(" 2999")


class CountingFile(io.BytesIO):
    """A file that remembers how much each read asked for."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.asked: list[int] = []

    def read(self, size=-1):
        self.asked.append(size)
        return super().read(size)

    def read1(self, size=-1):
        self.asked.append(size)
        return super().read1(size)

    def readinto(self, buffer):
        self.asked.append(len(buffer))
        return super().readinto(buffer)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_the_file_is_never_read_whole(encoding, monkeypatch):
    monkeypatch.setattr(csv_sheets, "BLOCK", 65536)
    monkeypatch.setattr(csv_sheets, "CHARDET_SAMPLE", 65536)  # the start chardet reads
    text = HEADER + "".join(f"P{i},2024-01-02 10:00,Muñoz {i}\r\n" for i in range(40000))
    data = text.encode(encoding)
    assert len(data) > 2 * csv_sheets.BLOCK
    fh = CountingFile(data)
    parsed = parse_stream(fh)
    assert len(parsed.records) == 40000 and parsed.records[39999].text == "Muñoz 39999"
    assert fh.asked and all(0 < n <= csv_sheets.BLOCK for n in fh.asked)


def test_a_stream_reads_as_the_whole_file_did():
    data = (HEADER + 'P1,2024-01-02 10:00,"dos\r\nlíneas"\r\n' * 3).encode("cp1252")
    assert [(r.line, r.text) for r in parse(data).records] == [
        (2, "dos\r\nlíneas"),
        (4, "dos\r\nlíneas"),
        (6, "dos\r\nlíneas"),
    ]
    assert parse(data).records[1].source_id.endswith("#2")  # the same note twice: a duplicate


def test_old_mac_line_endings_are_read_rather_than_failing():
    header = "PatientID;Drug Name;Frequency / Instructions;Prescription Date"
    data = f"{header}\rP1;Amoxicilina;;\rP2;Ibuprofeno;;\r".encode()
    parsed = parse(data)
    assert parsed.delimiter == ";"
    drugs = [(r.line, r.drug_name) for r in parsed.records]
    assert drugs == [(2, "Amoxicilina"), (3, "Ibuprofeno")]


def test_utf16_named_without_a_byte_order_mark_reads_in_the_machine_order():
    header = "PatientID,Drug Name,Frequency / Instructions,Prescription Date"
    machine = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"
    data = f"{header}\r\nP1,Amoxicilina,,\r\n".encode(machine)
    parsed = parse(data, encoding="utf-16")
    assert parsed.decoded.encoding == "utf-16" and parsed.records[0].drug_name == "Amoxicilina"


def test_a_codec_that_is_not_a_text_encoding_is_refused_by_name():
    with pytest.raises(ReadError) as refused:
        parse(b"PatientID,Drug Name\r\nP1,X\r\n", encoding="hex")
    assert refused.value.code == csv_sheets.UNKNOWN_ENCODING


def test_a_bad_byte_is_named_by_its_offset_in_the_file_after_a_byte_order_mark():
    data = b"\xef\xbb\xbfPatientID,Drug Name\r\nP1,Amox\xffcilina\r\n"
    with pytest.raises(ReadError) as refused:
        parse(data)
    assert refused.value.code == csv_sheets.UNDECODABLE
    bad = data.index(b"\xff")
    assert bad == 31 and f"byte 0xff at offset {bad} " in str(refused.value)
