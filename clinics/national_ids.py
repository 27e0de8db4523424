"""National identity numbers by type, each with its check: ES DNI/NIE/NIF, PT NIF, FR NIR, UK NHS.

`check(value, kind)` returns the number as stored (no spaces, dots or hyphens,
capitals) with its type, or raises `InvalidNationalId` saying what is wrong
(the shape, or the check letter, digit or key). Without a type, `detect()`
names the one the number's shape belongs to. Passports and other documents
have no check to make: they are kept as written (compacted) under their type.
The numbers themselves are stored sealed (`clinics.identifiers`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class NationalIdType(models.TextChoices):
    DNI = "dni", _("Spanish DNI")
    NIE = "nie", _("Spanish NIE")
    NIF = "nif", _("Spanish NIF")
    CIF = "cif", _("Spanish company NIF")
    PT_NIF = "pt_nif", _("Portuguese NIF")
    FR_NIR = "fr_nir", _("French NIR")
    NHS = "nhs", _("NHS number")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other document")


BAD_SHAPE = "bad_shape"
BAD_CHECK = "bad_check"
UNKNOWN_KIND = "unknown_kind"
TOO_LONG = "too_long"
MAX_LENGTH = 40

# What is wrong, per type (the reader's warning says it after the column): English where it is
# written (CLI, stored problems), marked so a page says it in its language (sheet_words).
WRONG = {
    (NationalIdType.DNI, BAD_SHAPE): gettext_noop("not a DNI (8 digits and a letter)"),
    (NationalIdType.DNI, BAD_CHECK): gettext_noop("DNI with a wrong check letter"),
    (NationalIdType.NIE, BAD_SHAPE): gettext_noop("not a NIE (X, Y or Z, 7 digits and a letter)"),
    (NationalIdType.NIE, BAD_CHECK): gettext_noop("NIE with a wrong check letter"),
    (NationalIdType.NIF, BAD_SHAPE): gettext_noop("not a Spanish NIF"),
    (NationalIdType.NIF, BAD_CHECK): gettext_noop("Spanish NIF with a wrong check letter"),
    (NationalIdType.CIF, BAD_SHAPE): gettext_noop(
        "not a Spanish company NIF (a letter, 7 digits, a check)"
    ),
    (NationalIdType.CIF, BAD_CHECK): gettext_noop(
        "Spanish company NIF with a wrong check character"
    ),
    (NationalIdType.PT_NIF, BAD_SHAPE): gettext_noop("not a Portuguese NIF (9 digits)"),
    (NationalIdType.PT_NIF, BAD_CHECK): gettext_noop("Portuguese NIF with a wrong check digit"),
    (NationalIdType.FR_NIR, BAD_SHAPE): gettext_noop(
        "not a French NIR (13 digits and a 2-digit key)"
    ),
    (NationalIdType.FR_NIR, BAD_CHECK): gettext_noop("French NIR with a wrong key"),
    (NationalIdType.NHS, BAD_SHAPE): gettext_noop("not an NHS number (10 digits)"),
    (NationalIdType.NHS, BAD_CHECK): gettext_noop("NHS number with a wrong check digit (mod 11)"),
}
MSG_UNKNOWN_KIND = gettext_noop(
    "not a national id of a known type (name its type in National ID Type)"
)
# MAX_LENGTH written out, for the catalogue.
MSG_TOO_LONG = gettext_noop("longer than 40 characters")
MSG_NOT_ALNUM = gettext_noop("not letters and digits only")
# Every reason a number is refused, as `InvalidNationalId.reason` holds it.
REASONS = frozenset([*WRONG.values(), MSG_UNKNOWN_KIND, MSG_TOO_LONG, MSG_NOT_ALNUM])

LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
DNI = re.compile(r"^(\d{8})([A-Z])$")
NIE = re.compile(r"^([XYZ])(\d{7})([A-Z])$")
KLM = re.compile(r"^([KLM])(\d{7})([A-Z])$")
CIF = re.compile(r"^([ABCDEFGHJNPQRSUVW])(\d{7})([0-9A-J])$")
PT_NIF = re.compile(r"^\d{9}$")
PT_FIRST = ("1", "2", "3", "5", "6", "8", "9", "45", "70", "71", "72", "74", "75", "77", "79")
FR_NIR = re.compile(r"^([1-478])(\d{4})(\d{2}|2A|2B)(\d{6})(\d{2})$")
NHS = re.compile(r"^\d{10}$")

# Words a type column holds, normalised (capitals, no accents, no punctuation).
TYPE_WORDS = {
    "DNI": NationalIdType.DNI,
    "NIE": NationalIdType.NIE,
    "NIF": NationalIdType.NIF,  # Spanish or Portuguese: the number tells (see `check`)
    "NIFES": NationalIdType.NIF,
    "ESNIF": NationalIdType.NIF,
    "CIF": NationalIdType.CIF,
    "NIFPT": NationalIdType.PT_NIF,
    "PTNIF": NationalIdType.PT_NIF,
    "CONTRIBUINTE": NationalIdType.PT_NIF,
    "NUMERODECONTRIBUINTE": NationalIdType.PT_NIF,
    "NIR": NationalIdType.FR_NIR,
    "FRNIR": NationalIdType.FR_NIR,
    "INSEE": NationalIdType.FR_NIR,
    "SECURITESOCIALE": NationalIdType.FR_NIR,
    "NUMERODESECURITESOCIALE": NationalIdType.FR_NIR,
    "NHS": NationalIdType.NHS,
    "NHSNUMBER": NationalIdType.NHS,
    "PASSPORT": NationalIdType.PASSPORT,
    "PASAPORTE": NationalIdType.PASSPORT,
    "PASSAPORTE": NationalIdType.PASSPORT,
    "PASSEPORT": NationalIdType.PASSPORT,
    "OTHER": NationalIdType.OTHER,
    "OTRO": NationalIdType.OTHER,
    "OUTRO": NationalIdType.OTHER,
    "AUTRE": NationalIdType.OTHER,
}
TYPE_WORDS.update({t.value.upper().replace("_", ""): t for t in NationalIdType})


class InvalidNationalId(ValueError):
    """A number that is not a valid one of its type; `reason` says why in a few words."""

    def __init__(self, code: str, reason: str, kind: str = ""):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.kind = kind


@dataclass(frozen=True)
class NationalId:
    value: str  # as stored: compacted, capitals
    kind: str  # a NationalIdType value


def compact(value: str) -> str:
    """The number without spaces, dots, hyphens and slashes, in capitals."""
    return re.sub(r"[\s.\-/]", "", value).upper()


def read_type(word: str) -> NationalIdType | None:
    """The type a type column's word names (DNI, NIF PT, Pasaporte…), None when unknown."""
    text = unicodedata.normalize("NFKD", word)
    text = "".join(c for c in text if c.isalnum() and not unicodedata.combining(c)).upper()
    return TYPE_WORDS.get(text)


def _dni_letter(number: int) -> str:
    return LETTERS[number % 23]


def _valid_cif(letter: str, digits: str, control: str) -> bool:
    total = sum(int(d) for d in digits[1::2])
    for d in digits[::2]:
        total += sum(divmod(int(d) * 2, 10))
    digit = (10 - total % 10) % 10
    as_letter = "JABCDEFGHI"[digit]
    if letter in "PQRSNW":
        return control == as_letter
    if letter in "ABEH":
        return control == str(digit)
    return control in (str(digit), as_letter)


def _valid_pt_nif(value: str) -> bool:
    total = sum(int(d) * (9 - i) for i, d in enumerate(value[:8]))
    rest = total % 11
    return int(value[8]) == (0 if rest < 2 else 11 - rest)


def _valid_nir(match: re.Match) -> bool:
    body = "".join(match.groups()[:4])
    body = body.replace("2A", "19").replace("2B", "18")
    return 97 - int(body) % 97 == int(match[5])


def valid_nhs(value: str) -> bool:
    """10 digits whose last is the mod-11 check digit of the first nine."""
    if not NHS.match(value):
        return False
    check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(value[:9])) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(value[9])


def detect(value: str) -> NationalIdType | None:
    """The type whose shape `value` (compacted) has, or None."""
    value = compact(value)
    shapes = (
        (DNI, NationalIdType.DNI),
        (NIE, NationalIdType.NIE),
        (KLM, NationalIdType.NIF),
        (CIF, NationalIdType.CIF),
        (NHS, NationalIdType.NHS),
        (PT_NIF, NationalIdType.PT_NIF),
        (FR_NIR, NationalIdType.FR_NIR),
    )
    return next((kind for shape, kind in shapes if shape.match(value)), None)


def _spanish(value: str, kind: NationalIdType) -> bool | None:
    """Whether a Spanish number's check is right; None when it has not the shape."""
    if found := DNI.match(value):
        return kind in (NationalIdType.DNI, NationalIdType.NIF) and found[2] == _dni_letter(
            int(found[1])
        )
    if found := NIE.match(value):
        number = int(str("XYZ".index(found[1])) + found[2])
        return kind in (NationalIdType.NIE, NationalIdType.NIF) and found[3] == _dni_letter(number)
    if found := KLM.match(value):
        return kind == NationalIdType.NIF and found[3] == _dni_letter(int(found[2]))
    if found := CIF.match(value):
        return kind in (NationalIdType.CIF, NationalIdType.NIF) and _valid_cif(*found.groups())
    return None


def _checked(value: str, kind: NationalIdType) -> bool | None:
    """True valid, False wrong check, None wrong shape, for the types that have a check."""
    if kind in (NationalIdType.DNI, NationalIdType.NIE, NationalIdType.NIF, NationalIdType.CIF):
        shaped = {
            NationalIdType.DNI: DNI,
            NationalIdType.NIE: NIE,
            NationalIdType.CIF: CIF,
        }.get(kind)
        if shaped is not None and not shaped.match(value):
            return None
        return _spanish(value, kind)
    if kind == NationalIdType.PT_NIF:
        if not PT_NIF.match(value) or not value.startswith(PT_FIRST):
            return None
        return _valid_pt_nif(value)
    if kind == NationalIdType.FR_NIR:
        found = FR_NIR.match(value)
        return None if found is None else _valid_nir(found)
    if NHS.match(value):
        return valid_nhs(value)
    return None


# Other usual ways of writing a number: a DNI without its leading zeros (7 or 6 digits), an
# old NIE with 8 digits (X0…), a VAT-style country prefix (ES…, PT…).
SHORT_DNI = re.compile(r"^\d{6,7}[A-Z]$")
OLD_NIE = re.compile(r"^([XYZ])0(\d{7}[A-Z])$")
PREFIXED = re.compile(r"^(ES|PT)(\w{8,9})$")


def _usual_forms(text: str) -> list[str]:
    """`text` (compacted) as it would be stored when written one of the usual other ways."""
    forms = []
    if found := PREFIXED.match(text):
        text = found[2]
        forms.append(text)
    if SHORT_DNI.match(text):
        forms.append(text.zfill(9))
    if found := OLD_NIE.match(text):
        forms.append(found[1] + found[2])
    return forms


def check(value: str, kind: str | None = None) -> NationalId:
    """The number as stored with its type; `InvalidNationalId` when it is not a valid one.

    Without `kind` the type is detected from the shape. "NIF" names the Spanish
    NIF, or the Portuguese one when the number is 9 digits (the Spanish always
    has a letter). A number written another usual way (`1234567L` for the DNI
    `01234567L`, `X01234567L`, `ES12345678Z`, `PT123456789`) is accepted when
    that form passes its check, and stored as that form.
    """
    text = compact(value)
    try:
        return _check(text, kind)
    except InvalidNationalId as refused:
        for form in _usual_forms(text):
            try:
                return _check(form, kind)
            except InvalidNationalId as other:
                if other.code == BAD_CHECK and refused.code != BAD_CHECK:
                    refused = other  # the check of what it was meant to be
        raise refused from None


def canonical(value: str) -> str:
    """The number as `check` would store it, or just compacted when it is not a valid one.

    Cheap for the common case (it runs for every row that names a patient): only a
    value written one of the usual other ways is checked.
    """
    text = compact(value)
    for form in _usual_forms(text):
        try:
            return _check(form, None).value
        except InvalidNationalId:
            continue
    return text


def _check(text: str, kind: str | None) -> NationalId:
    if len(text) > MAX_LENGTH:
        raise InvalidNationalId(TOO_LONG, MSG_TOO_LONG, kind or "")
    kind = NationalIdType(kind) if kind else detect(text)
    if kind is None:
        raise InvalidNationalId(UNKNOWN_KIND, MSG_UNKNOWN_KIND)
    if kind == NationalIdType.NIF and PT_NIF.match(text):
        kind = NationalIdType.PT_NIF
    if kind in (NationalIdType.PASSPORT, NationalIdType.OTHER):
        if not text.isalnum():
            raise InvalidNationalId(BAD_SHAPE, MSG_NOT_ALNUM, kind)
        return NationalId(text, NationalIdType(kind).value)
    verdict = _checked(text, kind)
    if verdict is None:
        raise InvalidNationalId(BAD_SHAPE, WRONG[(kind, BAD_SHAPE)], kind)
    if verdict is False:
        raise InvalidNationalId(BAD_CHECK, WRONG[(kind, BAD_CHECK)], kind)
    if kind == NationalIdType.NIF:
        kind = detect(text) or kind  # stored as what it is: a DNI, a NIE, a company's
    return NationalId(text, NationalIdType(kind).value)
