"""A sheet's keys are kept on disk: memory does not grow with the rows, duplicates still found."""

import tracemalloc

from dentalpin_import.reader.csv_sheets import parse, parse_file
from dentalpin_import.reader.sheet_keys import KeyStore

HEADER = "PatientID,Consultation Date,Clinical Note Text"


def notes(n: int) -> bytes:
    lines = [HEADER] + [f"P{i},2024-01-02 10:00,Revisión {i}" for i in range(n)]
    return ("\r\n".join(lines) + "\r\n").encode()


def peak_of_parse(path, data: bytes) -> int:
    path.write_bytes(data)
    tracemalloc.start()
    try:
        parse_file(path).records.close()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reading_three_times_the_rows_takes_no_more_memory_for_their_keys(tmp_path):
    # A first read fills the caches of recent keys (4,096) and the modules' own; both
    # measured sheets are larger than the megabyte the encoding is settled on at a time.
    peak_of_parse(tmp_path / "warm.csv", notes(5_000))
    small = peak_of_parse(tmp_path / "small.csv", notes(30_000))
    grown = peak_of_parse(tmp_path / "large.csv", notes(100_000)) - small
    # The keys in dictionaries (the reader's digests, the spill's chunk of each key)
    # grew by about 200 bytes a row: 14 MB for these 70,000 rows more.
    assert grown < 1_000_000, grown


def test_a_repeated_key_is_numbered_and_names_the_line_that_had_it_first():
    data = (HEADER + "\r\n" + "P1,2024-01-02 10:00,Igual\r\n" * 3).encode()
    records = list(parse(data).records)
    assert [r.source_id.rpartition("#")[2] for r in records[1:]] == ["2", "3"]
    assert records[0].issues == ()
    assert all("line 2" in r.issues[0].message for r in records[1:])


def test_a_key_remembered_for_two_chunks_finds_both():
    store = KeyStore()
    store.add(["a", "b"], 0)
    store.add(["b"], 3)
    keys = [f"k{i}" for i in range(1200)]  # more than one statement's worth of values
    store.add(keys, 7)
    assert store.numbers(["b"]) == {0, 3}
    assert store.numbers(["a", "nobody"]) == {0}
    assert store.numbers(keys[-2:] + ["z"]) == {7}
    assert store.numbers([]) == set()
    store.close()


def test_the_first_number_stays_with_its_key():
    store = KeyStore()
    assert store.first("P1", 2) == (2, 1)
    assert store.first("P2", 3) == (3, 1)
    assert store.first("P1", 9) == (2, 2)
    assert store.first("P1", 12) == (2, 3)
    store.close()


def test_keys_are_stored_as_digests_under_a_key_of_this_store_alone():
    one, other = KeyStore(), KeyStore()
    assert one.digest("P1") != other.digest("P1")
    assert b"P1" not in one.digest("P1")
    one.close()
    other.close()


def test_rows_asked_for_by_key_are_found_in_chunks_sealed_after_the_first_ask():
    records = parse(notes(600)).records
    first = next(iter(records))
    assert records.among([first.canonical_uuid]) == [first]
    more = parse(notes(1200)).records
    later = list(more)[1100]
    records.extend(list(more)[500:])  # sealed after the index was built
    assert [r.patient_ref for r in records.among([later.canonical_uuid, first.canonical_uuid])] == [
        "P0",
        "P1100",
    ]
    records.close()
    more.close()
