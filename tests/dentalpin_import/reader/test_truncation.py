"""A file cut short is called incomplete at every layer and at every cut point.

Never a wrong passphrase when the passphrase is right, never a decryption
problem for a file that is not encrypted, never SQLite's "malformed" words:
each refusal says the file is incomplete and to copy it again or ask for a new
export.
"""

from __future__ import annotations

import pytest

from dentalpin_import.reader import errors as E
from dentalpin_import.reader import unpack
from dentalpin_import.reader.container import open_dpmf
from dentalpin_import.reader.errors import ReadError
from tests import dpmf_builder as b
from tests.dentalpin_import.reader import damage as D

LAYERS = ("raw", "zstd", "enc", "zstd-enc")
# Where files are cut: inside the magic, inside the envelope header, just past it, around
# the first page and the GCM tag, and at fractions of the whole.
FIXED_CUTS = (1, 3, 6, 15, 40, 120, 230, 600, 4096, 4097)
FRACTIONS = (0.1, 0.33, 0.5, 0.9, 0.999)
TAIL_CUTS = (1, 5, 15, 16, 17, 100)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    plain = D.base_file(tmp_path_factory.mktemp("base"))
    return {layer: plain if layer == "raw" else D.wrap(plain, layer) for layer in LAYERS}


def cut_points(size: int) -> list[int]:
    points = {c for c in FIXED_CUTS if c < size}
    points |= {int(size * f) for f in FRACTIONS}
    points |= {size - c for c in TAIL_CUTS}
    return sorted(p for p in points if 0 < p < size)


def refused(tmp_path, data: bytes, passphrase=b.PASSPHRASE) -> ReadError:
    path = tmp_path / "cut.bin"
    path.write_bytes(data)
    private = tmp_path / "private"
    private.mkdir(exist_ok=True)
    with pytest.raises(ReadError) as info:
        with open_dpmf(path, passphrase=passphrase, tmp_dir=str(private)):
            pass
    assert list(private.iterdir()) == []
    return info.value


@pytest.mark.parametrize("layer", LAYERS)
def test_a_file_cut_anywhere_is_incomplete_and_says_to_copy_it_again(tmp_path, files, layer):
    whole = files[layer]
    seen = set()
    for cut in cut_points(len(whole)):
        error = refused(tmp_path, whole[:cut])
        line = str(error)
        assert error.code == E.TRUNCATED, (layer, cut, line)
        assert "incomplete" in line and "copy the file again" in line, (layer, cut, line)
        assert "wrong passphrase" not in line and "malformed" not in line, (layer, cut, line)
        if layer in ("raw", "zstd"):  # nothing to decrypt: decryption is never blamed
            assert "encrypt" not in line and "passphrase" not in line, (layer, cut, line)
        seen.add(line)
    # Cut in its start, its header or its body: each told in its own words.
    assert len(seen) >= 2


@pytest.mark.parametrize("layer", ["enc", "zstd-enc"])
def test_a_cut_encrypted_file_says_the_passphrase_is_right(tmp_path, files, layer):
    whole = files[layer]
    error = refused(tmp_path, whole[: len(whole) // 2])
    assert str(error) == E.MSG_TRUNCATED_ENC and "the passphrase is right" in str(error)


@pytest.mark.parametrize("layer", ["enc", "zstd-enc"])
def test_with_a_wrong_passphrase_a_whole_file_asks_to_retype_it(tmp_path, files, layer):
    error = refused(tmp_path, files[layer], passphrase="otra-cosa")
    assert error.code == E.DECRYPT_FAILED
    assert str(error).startswith("wrong passphrase:") and "type it again" in str(error)


@pytest.mark.parametrize("layer", ["enc", "zstd-enc"])
def test_too_little_after_the_header_is_incomplete_before_any_key_is_derived(
    tmp_path, files, layer, monkeypatch
):
    """Too short to hold any export: no passphrase could open it, so none is blamed."""

    def no_key(*args):
        raise AssertionError("a key was derived for a file too short to hold an export")

    monkeypatch.setattr(unpack, "derive_key", no_key)
    whole = files[layer]
    header_end = 8 + int.from_bytes(whole[4:8], "little")
    error = refused(tmp_path, whole[: header_end + 16 + 8], passphrase="otra-cosa")
    assert (error.code, str(error)) == (E.TRUNCATED, E.MSG_TRUNCATED_SHORT)


def test_a_tampered_file_is_not_called_incomplete(tmp_path, files):
    changed = bytearray(files["enc"])
    changed[len(changed) // 3] ^= 0x04
    error = refused(tmp_path, bytes(changed))
    assert error.code == E.TAMPERED and "do not retype" not in str(error)
    assert "the passphrase is right" in str(error)


@pytest.mark.parametrize("layer", ["raw", "zstd"])
def test_a_cut_database_whose_header_count_is_stale_is_still_incomplete(tmp_path, files, layer):
    """Some writers leave the header's page count stale; a cut inside a page still shows."""
    plain = bytearray(files["raw"])
    plain[92:96] = (int.from_bytes(plain[24:28], "big") + 1).to_bytes(4, "big")
    cut = bytes(plain[: len(plain) // 2 + 100])
    data = cut if layer == "raw" else D.zstd(cut)
    error = refused(tmp_path, data)
    assert (error.code, str(error)) == (E.TRUNCATED, E.MSG_TRUNCATED_PAGE)
