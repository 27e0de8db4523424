"""Read a CSV sheet from another legacy system: encoding, delimiter, header, typed rows.

Encodings: UTF-8 with or without a byte order mark, UTF-16 with one,
Windows-1252, Latin-1 and Mac Roman. A BOM decides; valid UTF-8 is UTF-8;
otherwise chardet proposes and the decoding that reads most like text wins
(chardet alone confuses the three single-byte encodings on short sheets).
An explicit encoding overrides all of this. Delimiters: comma, semicolon, tab
and pipe, chosen by which one splits the header into known column names.
No Django models here; `SheetSource` (sheet_source.py) feeds the runner.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

import chardet

from dentalpin_import.reader import sheet_rows
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_headers import KNOWN_HEADERS, SheetMapping, normalise
from dentalpin_import.reader.sheet_rows import (  # noqa: F401 (the sheet reader's names)
    EMPTY,
    MISSING_COLUMNS,
    MSG_EMPTY,
    MSG_MISSING,
    MSG_TOO_MANY_COLUMNS,
    MSG_UNKNOWN_SHEET,
    MSG_WRONG_MAPPING,
    SOURCE_SYSTEM,
    UNKNOWN_SHEET,
    Decoded,
    MissingColumns,
    ParsedSheet,
)

MAX_FIELD = 16 * 1024 * 1024

UNKNOWN_ENCODING = "unknown_encoding"
UNDECODABLE = "undecodable"
MALFORMED = "malformed_csv"
TOO_LARGE = "too_large"

MSG_UNKNOWN_ENCODING = "unknown encoding {name!r}"
MSG_NOT_ENCODED = "the file is not valid {name}: byte {byte} at offset {offset} cannot be decoded"
MSG_MIXED = (
    "the file mixes UTF-8 with another encoding (first byte that is not UTF-8 at offset "
    "{offset}): save it again in one encoding, or name one with --encoding"
)
MSG_NOT_TEXT = "the file is not a text sheet (binary content; UTF-16 needs a byte order mark)"
MSG_MALFORMED = "the row starting on line {line} is not valid CSV ({error}): is a quote left open?"
MSG_TOO_LARGE = "the sheet is larger than {limit:,} bytes (CSV_MAX_SHEET_BYTES); split it"

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
PREFERRED_NAMES = {"cp1252": "windows-1252", "iso8859-1": "iso-8859-1"}
SINGLE_BYTE = ("windows-1252", "iso-8859-1", "mac-roman")
CHARDET_NAMES = {
    "windows-1252": "windows-1252",
    "iso-8859-1": "iso-8859-1",
    "macroman": "mac-roman",
}
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Letters and signs a clinic's sheet plausibly holds; anything else non-ASCII counts against.
USUAL_SIGNS = set("’‘“”–—…€£°ºª¡¿·«»©®§¬±×÷µ¶")
ODD_LETTERS = set("ŽžŸƒˆ˜‰Š‹Œš›œ")


def implausibility(text: str) -> int:
    """Score how little `text` reads like a clinic's sheet (0 is perfectly plausible)."""
    score = 0
    for i, ch in enumerate(text):
        if ch < "\x80":
            continue
        before = text[i - 1] if i else ""
        after = text[i + 1 : i + 2]
        if "\x80" <= ch <= "\x9f":
            score += 10  # C1 control characters: never in real text
        elif ch in ODD_LETTERS:
            score += 3
        elif ch.isalpha():
            if ch.isupper() and before.isalpha() and before.islower():
                score += 2  # "JosÈ": a capital inside a word
        elif ch not in USUAL_SIGNS:
            score += 3
        elif before.isalpha() and after.isalpha() and not _joins_words(before, ch, after):
            score += 2  # "Mu–oz", "C·diz": punctuation inside a word
        elif ch in "‘“" and before.isalpha():
            score += 2  # "Bront‘": an opening quote right after a word
    return score


def _joins_words(before: str, sign: str, after: str) -> bool:
    """Signs that do sit between letters: O’Brien, col·legi."""
    return sign in "’'" or (sign == "·" and before.lower() == after.lower() == "l")


def _strict(data: bytes, name: str) -> str:
    try:
        text = data.decode(name)
    except UnicodeDecodeError as exc:
        raise ReadError(
            UNDECODABLE,
            MSG_NOT_ENCODED.format(
                name=name, byte=f"0x{exc.object[exc.start]:02x}", offset=exc.start
            ),
        ) from None
    return text.removeprefix("\ufeff")


def decode(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode the whole file; raise `ReadError` (undecodable, unknown encoding) otherwise."""
    if encoding:
        try:
            name = codecs.lookup(encoding).name
            name = PREFERRED_NAMES.get(name, name)
        except LookupError:
            raise ReadError(UNKNOWN_ENCODING, MSG_UNKNOWN_ENCODING.format(name=encoding)) from None
        return Decoded(_strict(data, name), name, "given")
    for bom, name in BOMS:
        if data.startswith(bom):
            return Decoded(_strict(data, name), name, "byte order mark")
    if b"\x00" in data[:65536]:
        raise ReadError(UNDECODABLE, MSG_NOT_TEXT)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "valid UTF-8")
    except UnicodeDecodeError as exc:
        _refuse_mixed(data, exc.start)
    return _guess_single_byte(data)


NON_ASCII = bytes(range(0x80, 0x100))
CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
C1_BYTES = re.compile(rb"[\x80-\x9f]")
SCORED = 262144  # bytes, hence characters, of each reading compared
CHARDET_SAMPLE = 1 << 20
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _refuse_mixed(data: bytes, first_bad: int) -> None:
    """Refuse a file that is mostly UTF-8 with a few bytes of another encoding.

    Read as one single-byte encoding its UTF-8 letters would turn into "JosÃ©"
    without a word of warning; better to say so and let the sender re-save it.
    """
    sequences = UTF8_SEQUENCE.findall(data)
    non_ascii = len(data) - len(data.translate(None, NON_ASCII))
    stray = non_ascii - sum(len(m) for m in sequences)
    if len(sequences) >= 2 and len(sequences) >= stray:
        raise ReadError(UNDECODABLE, MSG_MIXED.format(offset=first_bad))


def _guess_single_byte(data: bytes) -> Decoded:
    """Choose among the single-byte encodings by how the start of the file reads in each.

    Only the start is decoded for each candidate (a single-byte encoding gives
    one character per byte), and the whole file once, in the one chosen.
    """
    guess = chardet.detect(data[:CHARDET_SAMPLE], include_encodings=("utf-8",) + SINGLE_BYTE)
    if guess["encoding"] is None:
        raise ReadError(UNDECODABLE, MSG_NOT_TEXT)
    proposed = CHARDET_NAMES.get(guess["encoding"].lower().replace("_", "-"))
    order = list(dict.fromkeys([proposed, *SINGLE_BYTE] if proposed else SINGLE_BYTE))
    if CP1252_UNDEFINED.search(data):
        order.remove("windows-1252")  # Windows-1252 leaves five bytes undefined: not this one
    start = data[:SCORED]
    best = min(order, key=lambda e: (implausibility(start.decode(e)), order.index(e)))
    how = f"detected (chardet proposed {guess['encoding']})"
    if best in ("windows-1252", "iso-8859-1") and not C1_BYTES.search(data):
        # Without bytes 0x80–0x9F the two read identically: name the superset.
        best, how = "windows-1252", how + "; Latin-1 reads the same"
    return Decoded(data.decode(best), best, how)


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the header into the most known columns (then the most)."""
    first = text.split("\n", 1)[0]

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        return sum(normalise(c) in KNOWN_HEADERS for c in cells), first.count(delimiter)

    return max(DELIMITERS, key=score)


def parse(
    data: bytes,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    source_system: str = SOURCE_SYSTEM,
    mapping: SheetMapping | None = None,
) -> ParsedSheet:
    """Decode and read a whole sheet into typed records; raise `ReadError` to refuse it."""
    decoded = decode(data, encoding)
    del data  # the text holds it all now; the caller keeps no other reference (read_sheet)
    delimiter = sniff_delimiter(decoded.text)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    # Strict: a quote opened and never closed must refuse the file, not swallow every
    # row after it into one note.
    reader = csv.reader(_physical_lines(decoded.text), delimiter=delimiter, strict=True)
    header = _next_row(reader, 1) or []
    parsed = sheet_rows.start(
        header, sheet=sheet, mapping=mapping, decoded=decoded, delimiter=delimiter
    )
    nul = "\x00" in decoded.text  # asked once: most sheets need no cell cleaned
    rows = sheet_rows.read_rows(parsed, _lines(reader), source_system=source_system, clean=nul)
    parsed.records.extend(rows)
    # The decoded text is as large as the file: only its encoding is kept.
    parsed.decoded = Decoded("", decoded.encoding, decoded.how)
    return parsed


LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _physical_lines(text: str):
    """The lines of `text` with their endings, one at a time, as `newline=""` reads them.

    A generator rather than `io.StringIO`, which copies the whole text into a
    buffer four bytes a character wide.
    """
    for found in LINE.finditer(text):
        yield found.group()


def _lines(reader):
    """(first physical line, cells) of every row after the header."""
    start = reader.line_num + 1
    while (cells := _next_row(reader, start)) is not None:
        yield start, cells
        start = reader.line_num + 1


def _next_row(reader, line: int) -> list[str] | None:
    """The next row, or None at the end; a CSV syntax error refuses the file."""
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        raise ReadError(MALFORMED, MSG_MALFORMED.format(line=line, error=exc)) from None


def read_file(path: str | Path, max_bytes: int | None = None) -> bytes:
    """The whole file; `ReadError` when it is over `max_bytes` (it is parsed in memory)."""
    if max_bytes is not None and Path(path).stat().st_size > max_bytes:
        raise ReadError(TOO_LARGE, MSG_TOO_LARGE.format(limit=max_bytes))
    with open(path, "rb") as fh:
        return fh.read()
