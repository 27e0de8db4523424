"""National ids: every type's valid numbers pass, and wrong shapes and checks are named."""

import pytest

from clinics import national_ids as N


@pytest.mark.parametrize(
    "written, kind, stored, stored_kind",
    [
        ("12345678Z", None, "12345678Z", "dni"),
        ("12.345.678-z", "dni", "12345678Z", "dni"),
        ("00000000T", None, "00000000T", "dni"),
        ("X1234567L", None, "X1234567L", "nie"),
        ("y-0000000-z", "nie", "Y0000000Z", "nie"),
        ("Z 1234567 R", None, "Z1234567R", "nie"),
        ("K1234567L", None, "K1234567L", "nif"),
        ("12345678Z", "nif", "12345678Z", "dni"),
        ("X1234567L", "nif", "X1234567L", "nie"),
        ("A58818501", None, "A58818501", "cif"),
        ("B12345674", "nif", "B12345674", "cif"),
        ("P1234567D", "cif", "P1234567D", "cif"),
        ("123456789", None, "123456789", "pt_nif"),
        ("123 456 789", "nif", "123456789", "pt_nif"),
        ("501442600", "pt_nif", "501442600", "pt_nif"),
        ("1 85 05 78 006 084 91", None, "185057800608491", "fr_nir"),
        ("2 69 05 49 588 157 80", "fr_nir", "269054958815780", "fr_nir"),
        ("943 476 5919", None, "9434765919", "nhs"),
        ("401-023-2137", "nhs", "4010232137", "nhs"),
        ("AB 123456", "passport", "AB123456", "passport"),
    ],
)
def test_a_valid_number_is_stored_compact_with_its_type(written, kind, stored, stored_kind):
    assert N.check(written, kind) == N.NationalId(stored, stored_kind)


def test_a_corsican_nir_is_checked_with_its_department_as_digits():
    body = "185052A006084"
    key = 97 - int(body.replace("2A", "19")) % 97
    assert N.check(f"{body}{key:02d}").kind == "fr_nir"
    with pytest.raises(N.InvalidNationalId):
        N.check(f"{body}{(key + 1) % 97:02d}", "fr_nir")


@pytest.mark.parametrize(
    "written, kind, code, words",
    [
        ("12345678A", None, N.BAD_CHECK, "DNI with a wrong check letter"),
        ("12345Z", "dni", N.BAD_SHAPE, "not a DNI"),
        ("X1234567A", None, N.BAD_CHECK, "NIE with a wrong check letter"),
        ("X1234567L", "dni", N.BAD_SHAPE, "not a DNI"),
        ("K1234567A", "nif", N.BAD_CHECK, "Spanish NIF with a wrong check"),
        ("A58818502", None, N.BAD_CHECK, "company NIF with a wrong check"),
        ("P12345674", "cif", N.BAD_CHECK, "company NIF"),
        ("123456780", None, N.BAD_CHECK, "Portuguese NIF with a wrong check digit"),
        ("423456789", "pt_nif", N.BAD_SHAPE, "not a Portuguese NIF"),
        ("185057800608492", None, N.BAD_CHECK, "French NIR with a wrong key"),
        ("98505780060849", "fr_nir", N.BAD_SHAPE, "not a French NIR"),
        ("9434765918", None, N.BAD_CHECK, "NHS number with a wrong check digit"),
        ("943476591", "nhs", N.BAD_SHAPE, "not an NHS number"),
        ("HELLO", None, N.UNKNOWN_KIND, "not a national id of a known type"),
        ("AB-12/#", "passport", N.BAD_SHAPE, "letters and digits"),
        ("1" * 41, None, N.TOO_LONG, "longer than 40"),
    ],
)
def test_an_invalid_number_is_refused_saying_what_is_wrong(written, kind, code, words):
    with pytest.raises(N.InvalidNationalId) as refused:
        N.check(written, kind)
    assert refused.value.code == code
    assert words in refused.value.reason


@pytest.mark.parametrize(
    "word, kind",
    [
        ("DNI", "dni"),
        ("n.i.e.", "nie"),
        ("NIF (PT)", "pt_nif"),
        ("Número de contribuinte", "pt_nif"),
        ("Sécurité sociale", "fr_nir"),
        ("NHS number", "nhs"),
        ("Pasaporte", "passport"),
        ("pt_nif", "pt_nif"),
        ("Carnet de biblioteca", None),
    ],
)
def test_a_type_column_is_read_in_the_usual_words(word, kind):
    found = N.read_type(word)
    assert (found.value if found else None) == kind
