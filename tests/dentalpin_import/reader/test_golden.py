"""The committed golden files still open to the published §15.1 hash."""

from pathlib import Path

import pytest

from dentalpin_import.reader.container import Layering, open_dpmf

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "dpmf"
HASH = "ccd7a0fed9b2a8f8ec0d5588c116f58b470d96350ffc2ab9da9808a7e1784580"


@pytest.mark.parametrize(
    "name, layering",
    [("worked-example.dpm", Layering.RAW), ("worked-example.dpm.zst.enc", Layering.ZSTD_ENC)],
)
def test_golden_files_open_with_the_published_hash(name, layering, tmp_path):
    with open_dpmf(GOLDEN / name, passphrase="contraseña-demo", tmp_dir=str(tmp_path)) as c:
        assert c.layering is layering
        assert c.computed_hash == c.declared_hash == HASH
        names = [r.payload["given_name"] for chunk in c.iter_rows("patient") for r in chunk]
        assert names == ["Ana", "João"]
        assert [f.relative_path for f in c.iter_files()] == ["Pacientes/1/rx.png"]
        assert [w.code for w in c.iter_warnings()] == ["source.invalid_date"]
