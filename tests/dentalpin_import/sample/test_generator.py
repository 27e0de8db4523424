"""The sample generator: complete, deterministic, honest about its binaries."""

import hashlib
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from dentalpin_import.mapping.registry import ENTITY_ORDER
from dentalpin_import.sample.generator import generate_sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return generate_sample(tmp_path_factory.mktemp("s") / "s.dpm", patients=40, seed=3)


def test_every_v0_1_type_is_present(sample):
    assert set(sample.counts) == set(ENTITY_ORDER)
    assert all(n > 0 for n in sample.counts.values())
    assert sample.counts["patient"] == 40


def test_the_same_seed_gives_the_same_content(tmp_path, sample):
    again = generate_sample(tmp_path / "a.dpm", patients=40, seed=3, binaries=False)
    other = generate_sample(tmp_path / "b.dpm", patients=40, seed=4, binaries=False)
    assert again.integrity_hash == sample.integrity_hash != other.integrity_hash


def test_binaries_on_disk_match_their_declared_sha256_and_size(sample):
    conn = sqlite3.connect(sample.path)
    rows = conn.execute("SELECT relative_path, declared_size_bytes, sha256 FROM _files").fetchall()
    root = Path(sample.binaries_dir)
    present = 0
    for rel, size, sha in rows:
        path = root / rel.replace("\\", "/")
        if sha is None or not path.exists():
            continue
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha and len(data) == size
        present += 1
    assert present == sample.binaries
    assert any(sha is None for _, _, sha in rows)  # an unreadable file, as in real exports
    assert any("\\" in rel for rel, _, _ in rows)


def test_expected_totals_agree_with_the_rows(sample):
    conn = sqlite3.connect(sample.path)
    payments = [json.loads(p) for (p,) in conn.execute("SELECT payload FROM payment")]
    invoices = [json.loads(p) for (p,) in conn.execute("SELECT payload FROM fiscal_document")]
    assert sum(Decimal(i["total"]) for i in invoices) == sample.expected.invoices_total
    receipts = [Decimal(p["amount"]) for p in payments if Decimal(p["amount"]) > 0]
    # the one payment of a client absent from the file cannot be imported
    assert sum(receipts) - Decimal("10.00") == sample.expected.payments_total


def test_awkward_rows_are_there(sample):
    conn = sqlite3.connect(sample.path)
    names = [json.loads(p)["given_name"] for (p,) in conn.execute("SELECT payload FROM patient")]
    assert "" in names
    dobs = [json.loads(p)["date_of_birth"] for (p,) in conn.execute("SELECT payload FROM patient")]
    assert "1899-12-30" in dobs
    ghost = "SELECT COUNT(*) FROM appointment WHERE source_id = '3-ghost'"  # seed 3's ids
    assert conn.execute(ghost).fetchone()[0]
