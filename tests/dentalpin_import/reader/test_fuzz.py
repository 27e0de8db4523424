"""A bounded, seeded fuzz of every layer: damaged files are refused or read whole, never crash.

A few hundred files are made from one small valid clinic (`damage.py`): bits
flipped, cut short, bytes added or removed, SQLite pages damaged, SQL edits of
the container (bad JSON, text that is not UTF-8, dropped or renamed tables
and columns, wrong types, odd keys, hostile payloads, odd meta; half of them
with a matching integrity hash so they get past it), zstd bombs and odd
frames, odd envelope headers. Each is opened and read as `import_dpmf` and
`inspect_dpmf` read it. The test fails when:

- anything but a `ReadError` escapes validation (opening, preview, pre-flight);
- anything at all, a refusal included, escapes the reads after validation;
- a refusal's line holds a value of the file (the sentinel patient's name,
  national id or birth date), a NUL or a line break.

`pytest -s` shows the one-line summary (files, refusals by code, read whole).
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from dentalpin_import.jobs.preflight import preflight
from dentalpin_import.jobs.preview import build_preview
from dentalpin_import.reader.container import open_dpmf
from dentalpin_import.reader.errors import ReadError
from tests import dpmf_builder as b
from tests.dentalpin_import.reader import damage as D

SEED = 2025
CAP = 8 << 20  # DPMF_MAX_UNPACKED_BYTES for the run: bombs stop here
# How many files of each kind; the encrypted ones cost a key derivation each to open.
PLAN = {"raw bytes": 70, "raw pages": 60, "sql": 110, "zstd": 45, "enc": 30, "zstd-enc": 20}


def read_whole(container) -> None:
    """Every read the import makes after validation, the way it makes them."""
    container.read_through()
    for info in container.entity_types:
        keys = [k for part in container.iter_keys(info.entity_type, chunk_size=7) for k in part]
        for part in container.iter_rows(info.entity_type, chunk_size=7, after_uuid=None):
            for row in part:
                row.payload, row.raw_source_data, row.decode_error  # noqa: B018
        container.rows_among(info.entity_type, keys[::2] + ["no-such-key"])
        container.key_at(info.entity_type, len(keys) // 2)
        container.sample_rows(info.entity_type)
    list(container.iter_files())
    container.files_summary()
    list(container.iter_warnings())


def damaged_files(directory, rng):
    """Yield (kind, path) of each damaged file of the plan."""
    plain = D.base_file(directory)
    compressed, sealed = D.wrap(plain, "zstd"), D.wrap(plain, "enc")
    sealed_zstd = D.wrap(plain, "zstd-enc")
    n = 0

    def out(kind, data):
        nonlocal n
        n += 1
        path = directory / f"{n:03d}-{kind.replace(' ', '-')}.dpm"
        path.write_bytes(data)
        return kind, path

    for _ in range(PLAN["raw bytes"]):
        yield out("raw bytes", rng.choice(D.BYTES)(rng, plain))
    for _ in range(PLAN["raw pages"]):
        yield out("raw pages", rng.choice(D.PAGES)(rng, plain))
    for _ in range(PLAN["sql"]):
        edited = D.edit_sql(rng, plain, rng.choice(D.SQL), rehash=rng.random() < 0.6)
        layer = rng.choices(["raw", "zstd", "enc", "zstd-enc"], [6, 3, 1, 1])[0]
        yield out("sql", D.wrap(edited, layer))
    for i in range(PLAN["zstd"]):
        special = i % 5 == 0
        data = D.zstd_specials(rng, compressed) if special else rng.choice(D.BYTES)(rng, compressed)
        yield out("zstd", data)
    for i, (kind, sealed_bytes) in enumerate(
        [("enc", sealed)] * PLAN["enc"] + [("zstd-enc", sealed_zstd)] * PLAN["zstd-enc"]
    ):
        if i % 6 == 0:
            yield out(kind, D.envelope_specials(rng, sealed_bytes))
        else:
            yield out(kind, rng.choice(D.BYTES)(rng, sealed_bytes))


def check_refusal(exc: ReadError, where: str, problems: list) -> None:
    line = str(exc)
    leaked = [s for s in D.SENTINELS if s in line]
    if leaked or "\n" in line or "\x00" in line or not exc.code:
        problems.append(f"{where}: refusal {exc.code} shows {leaked or repr(line)}")


def test_damaged_files_are_refused_or_read_whole_and_never_crash(tmp_path):
    rng = random.Random(SEED)
    private = tmp_path / "private"
    private.mkdir()
    refused, accepted, problems = Counter(), 0, []
    for kind, path in damaged_files(tmp_path, rng):
        where = f"{path.name} ({kind})"
        try:
            with open_dpmf(
                path, passphrase=b.PASSPHRASE, tmp_dir=str(private), max_unpacked_bytes=CAP
            ) as container:
                build_preview(container)
                preflight(container)
                try:
                    read_whole(container)
                except Exception as exc:  # noqa: BLE001 (any exception here is the finding)
                    problems.append(f"{where}: validated, then {type(exc).__name__}")
                    continue
            accepted += 1
        except ReadError as exc:
            refused[exc.code] += 1
            check_refusal(exc, where, problems)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{where}: {type(exc).__name__} escaped validation")
        assert list(private.iterdir()) == [], f"{where}: plaintext left behind"
    total = sum(refused.values()) + accepted + len(problems)
    codes = ", ".join(f"{code} {count}" for code, count in sorted(refused.items()))
    print(
        f"\nfuzz (seed {SEED}): {total} files, {sum(refused.values())} refused ({codes}), "
        f"{accepted} read whole, {len(problems)} problems"
    )
    assert problems == []
    assert total == sum(PLAN.values())
    # The plan reaches every layer's refusals and gets files past the hash to the readers.
    assert {"truncated", "corrupt_database", "bad_compression", "tampered"} <= set(refused)
    assert accepted >= 10


def two_hostile_payloads(conn, rng):
    conn.execute("UPDATE patient SET payload = ? WHERE source_id = '9'", ("[" * 5000 + "]" * 5000,))
    conn.execute("UPDATE client SET payload = '[1, 2, 3]' WHERE source_id = '1'")


@pytest.mark.parametrize("layer", ["raw", "zstd", "enc", "zstd-enc"])
def test_hostile_payloads_behind_a_matching_hash_are_read_through_every_layer(tmp_path, layer):
    """They pass validation (the hash matches), so every read after it must take them."""
    edited = D.edit_sql(random.Random(SEED), D.base_file(tmp_path), two_hostile_payloads, True)
    path = tmp_path / f"hostile{b.SUFFIX[layer]}"
    path.write_bytes(D.wrap(edited, layer))
    with open_dpmf(path, passphrase=b.PASSPHRASE, tmp_dir=str(tmp_path)) as container:
        read_whole(container)
        seen = container.read_through()
        total = sum(t.actual_count for t in container.entity_types)
    assert seen.rows == seen.keys == total == len(D.base_rows())
    assert seen.undecodable == 2  # neither is a JSON object: each becomes its row's warning
