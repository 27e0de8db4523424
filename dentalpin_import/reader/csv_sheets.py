"""Read a CSV sheet from another legacy system: encoding, delimiter, header, typed rows.

Encodings: UTF-8 with or without a byte order mark, UTF-16 with one,
Windows-1252, Latin-1 and Mac Roman. A BOM decides; valid UTF-8 is UTF-8;
otherwise chardet proposes and the decoding that reads most like text wins
(chardet alone confuses the three single-byte encodings on short sheets).
An explicit encoding overrides all of this. Delimiters: comma, semicolon, tab
and pipe, chosen by which one splits the header into known column names.
No Django models here; `SheetSource` (sheet_source.py) feeds the runner.

A sheet is read as a stream: the encoding is settled by passes over the bytes
a block at a time (the whole file must decode before a row is kept), then the
rows are decoded, parsed and handed on one at a time. Memory holds a block,
a row and the first bytes chardet looks at, whatever the file's size.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import chardet

from dentalpin_import.reader import sheet_rows
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_headers import KNOWN_HEADERS, SheetMapping, normalise
from dentalpin_import.reader.sheet_rows import (  # noqa: F401 (the sheet reader's names)
    EMPTY,
    MISSING_COLUMNS,
    MSG_COLUMN_TWICE,
    MSG_EMPTY,
    MSG_MISSING,
    MSG_TOO_MANY_COLUMNS,
    MSG_UNKNOWN_SHEET,
    MSG_UNNAMED_COLUMN,
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
CELL_TOO_LARGE = "cell_too_large"

MSG_UNKNOWN_ENCODING = "unknown encoding {name!r}"
MSG_NOT_ENCODED = "the file is not valid {name}: byte {byte} at offset {offset} cannot be decoded"
MSG_MIXED = (
    "the file mixes UTF-8 with another encoding (first byte that is not UTF-8 at offset "
    "{offset}): save it again in one encoding, or name one with --encoding"
)
MSG_UNSURE = (
    "the file's encoding cannot be told: read as Windows-1252, Latin-1 or Mac Roman its "
    "letters come out wrong; name its encoding with --encoding (cp850 for an MS-DOS export)"
)
MSG_NOT_TEXT = "the file is not a text sheet (binary content; UTF-16 needs a byte order mark)"
MSG_MALFORMED = "the row starting on line {line} is not valid CSV ({error}): is a quote left open?"
MSG_CELL_TOO_LARGE = (
    "the row starting on line {line} has a cell larger than {limit:,} characters, the most a "
    "cell may hold: shorten that cell, or check that the file really is a sheet"
)
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


BLOCK = 1 << 20  # bytes read at a time by every pass over the file
BINARY_PREFIX = 65536


@dataclass(frozen=True)
class Encoding:
    """How a file decodes: the codec name, why it was chosen, and what the text holds."""

    name: str
    how: str
    nul: bool  # the text holds a NUL character (its cells are cleaned, `values.clean_text`)
    strip_bom: bool = False  # a U+FEFF left at the start by a given codec is not text
    codec: str = ""  # the codec that reads it a block at a time, when not `name`

    @property
    def reader(self) -> str:
        return self.codec or self.name


UNMARKED = {"utf-16": (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE),
            "utf-32": (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)}  # fmt: skip


def _block_codec(name: str, head: bytes) -> str:
    """The codec that reads a file a block at a time as `bytes.decode(name)` reads it whole.

    Python's UTF-16 and UTF-32 read a file without a byte order mark in the
    machine's byte order, but their incremental decoders refuse such a file.
    """
    if name in UNMARKED and not head.startswith(UNMARKED[name]):
        return f"{name}-{'le' if sys.byteorder == 'little' else 'be'}"
    return name


def _blocks(fh: BinaryIO) -> Iterator[bytes]:
    fh.seek(0)
    while block := fh.read(BLOCK):
        yield block


def _check_decodes(fh: BinaryIO, name: str, codec: str = "") -> bool:
    """Decode the whole file in `name` (with `codec`, when that reads it a block at a time),
    a block at a time; True when the text holds a NUL.

    Raises `ReadError` naming the first byte that does not decode and its offset
    in the file (the decoder's error counts from the bytes it still held).
    """
    decoder = codecs.getincrementaldecoder(codec or name)("strict")
    fed, nul = 0, False
    try:
        for block in _blocks(fh):
            fed += len(block)
            nul = "\x00" in decoder.decode(block) or nul
        nul = "\x00" in decoder.decode(b"", final=True) or nul
    except UnicodeDecodeError as exc:
        offset = fed - len(exc.object) + exc.start
        byte = f"0x{exc.object[exc.start]:02x}"
        raise ReadError(
            UNDECODABLE, MSG_NOT_ENCODED.format(name=name, byte=byte, offset=offset)
        ) from None
    return nul


def _first_bad_utf8(fh: BinaryIO) -> tuple[int | None, bool]:
    """(offset of the first byte that is not UTF-8 or None, whether a NUL byte is there)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    fed, nul = 0, False
    try:
        for block in _blocks(fh):
            fed += len(block)
            nul = nul or b"\x00" in block
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return fed - len(exc.object) + exc.start, nul
    return None, nul


def detect(fh: BinaryIO, encoding: str | None = None) -> Encoding:
    """The encoding of the file `fh` (seekable, read from its start); raise `ReadError`
    (undecodable, unknown encoding) otherwise. The file is read in blocks, never whole."""
    fh.seek(0)
    head = fh.read(BINARY_PREFIX)
    if encoding:
        try:
            info = codecs.lookup(encoding)
        except LookupError:
            info = None
        if info is None or not info._is_text_encoding:  # "hex", "zlib": bytes, not text
            raise ReadError(UNKNOWN_ENCODING, MSG_UNKNOWN_ENCODING.format(name=encoding))
        name = PREFERRED_NAMES.get(info.name, info.name)
        codec = _block_codec(name, head)
        return Encoding(name, "given", _check_decodes(fh, name, codec), strip_bom=True, codec=codec)
    for bom, name in BOMS:
        if head.startswith(bom):
            return Encoding(name, "byte order mark", _check_decodes(fh, name), strip_bom=True)
    if b"\x00" in head:
        raise ReadError(UNDECODABLE, MSG_NOT_TEXT)
    first_bad, nul = _first_bad_utf8(fh)
    if first_bad is None:
        return Encoding("utf-8", "valid UTF-8", nul)
    facts = _ByteFacts.of(fh)
    facts.refuse_mixed(first_bad)
    return _guess_single_byte(facts)


NON_ASCII = bytes(range(0x80, 0x100))
CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
C1_BYTES = re.compile(rb"[\x80-\x9f]")
SCORED = 262144  # bytes, hence characters, of each reading compared
UNSURE_SCORE = 10  # below this a reading's oddities are a sign or two, not wrong letters
CHARDET_SAMPLE = 1 << 20
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# A Latin letter in UTF-8 ("ñ" is C3 B1): read in any single-byte encoding it is "Ã±" or
# "√±", which no sheet means.
UTF8_LATIN = re.compile(rb"[\xc2\xc3][\x80-\xbf]")


@dataclass
class _ByteFacts:
    """What the single-byte choice needs to know of the whole file, counted a block at a time."""

    start: bytes  # the first CHARDET_SAMPLE bytes
    sequences: int = 0  # UTF-8 multi-byte sequences
    in_sequences: int = 0  # bytes in them
    latin: int = 0  # those of them that are Latin letters (`UTF8_LATIN`)
    non_ascii: int = 0
    cp1252_undefined: bool = False
    c1: bool = False
    nul: bool = False

    @classmethod
    def of(cls, fh: BinaryIO) -> _ByteFacts:
        fh.seek(0)
        facts = cls(fh.read(CHARDET_SAMPLE))
        carry = b""
        for block in _blocks(fh):
            block = carry + block
            # A UTF-8 sequence is a run of bytes >= 0x80: cut after the last ASCII
            # byte and no run is split between blocks.
            cut = len(block)
            while cut and block[cut - 1] >= 0x80:
                cut -= 1
            if cut == 0 and len(block) < 4 * BLOCK:
                carry = block  # no ASCII yet: wait for the end of the run
                continue
            if cut == 0:  # megabytes without an ASCII byte are no sheet's text: count as is
                cut = len(block)
            block, carry = block[:cut], block[cut:]
            facts.count(block)
        facts.count(carry)
        return facts

    def count(self, block: bytes) -> None:
        # One match at a time: a list of a megabyte's sequences was the reader's peak.
        for match in UTF8_SEQUENCE.finditer(block):
            self.sequences += 1
            self.in_sequences += match.end() - match.start()
            self.latin += UTF8_LATIN.fullmatch(match[0]) is not None
        self.non_ascii += len(block) - len(block.translate(None, NON_ASCII))
        self.cp1252_undefined = self.cp1252_undefined or bool(CP1252_UNDEFINED.search(block))
        self.c1 = self.c1 or bool(C1_BYTES.search(block))
        self.nul = self.nul or b"\x00" in block

    def refuse_mixed(self, first_bad: int) -> None:
        """Refuse a file that is mostly UTF-8 with a few bytes of another encoding, or that
        has UTF-8 letters among another encoding's (rows of two exports pasted together).

        Read as one single-byte encoding its UTF-8 letters would turn into "JosÃ©"
        without a word of warning; better to say so and let the sender re-save it.
        """
        stray = self.non_ascii - self.in_sequences
        mostly = self.sequences >= 2 and self.sequences >= stray
        if mostly or self.latin >= 2:
            raise ReadError(UNDECODABLE, MSG_MIXED.format(offset=first_bad))


def _guess_single_byte(facts: _ByteFacts) -> Encoding:
    """Choose among the single-byte encodings by how the start of the file reads in each.

    Only the start is decoded for each candidate (a single-byte encoding gives
    one character per byte); the whole file is then read in the one chosen.
    """
    guess = chardet.detect(facts.start, include_encodings=("utf-8",) + SINGLE_BYTE)
    if guess["encoding"] is None:
        raise ReadError(UNDECODABLE, MSG_NOT_TEXT)
    proposed = CHARDET_NAMES.get(guess["encoding"].lower().replace("_", "-"))
    order = list(dict.fromkeys([proposed, *SINGLE_BYTE] if proposed else SINGLE_BYTE))
    if facts.cp1252_undefined:
        order.remove("windows-1252")  # Windows-1252 leaves five bytes undefined: not this one
    start = facts.start[:SCORED]
    scores = {e: implausibility(start.decode(e)) for e in order}
    best = min(order, key=lambda e: (scores[e], order.index(e)))
    # Wrong letters all along (a DOS cp850 export read as Mac Roman): say so, guess not.
    if scores[best] >= max(UNSURE_SCORE, len(start) - len(start.translate(None, NON_ASCII))):
        raise ReadError(UNDECODABLE, MSG_UNSURE)
    how = f"detected (chardet proposed {guess['encoding']})"
    if best in ("windows-1252", "iso-8859-1") and not facts.c1:
        # Without bytes 0x80–0x9F the two read identically: name the superset.
        best, how = "windows-1252", how + "; Latin-1 reads the same"
    # Every byte decodes in the three (Windows-1252 was dropped if one of its five is there).
    return Encoding(best, how, facts.nul)


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the header into the most known columns (then the most)."""
    first = text.split("\n", 1)[0]

    def score(delimiter: str) -> tuple[int, int]:
        try:
            cells = next(csv.reader([first], delimiter=delimiter), [])
        except csv.Error:  # a cell over the field limit: reading the header refuses it
            cells = []
        return sum(normalise(c) in KNOWN_HEADERS for c in cells), first.count(delimiter)

    return max(DELIMITERS, key=score)


def parse(data: bytes, **options) -> ParsedSheet:
    """Read a whole sheet held in memory into typed records (tests, samples); see `parse_stream`."""
    return parse_stream(io.BytesIO(data), **options)


def parse_file(path: str | Path, max_bytes: int | None = None, **options) -> ParsedSheet:
    """Read the sheet at `path` as a stream; `ReadError` when it is over `max_bytes`."""
    if max_bytes is not None and Path(path).stat().st_size > max_bytes:
        raise ReadError(TOO_LARGE, MSG_TOO_LARGE.format(limit=max_bytes))
    with open(path, "rb") as fh:
        return parse_stream(fh, **options)


def parse_stream(
    fh: BinaryIO,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    source_system: str = SOURCE_SYSTEM,
    mapping: SheetMapping | None = None,
) -> ParsedSheet:
    """Read the sheet in `fh` (binary, seekable) into typed records; raise `ReadError` to
    refuse it. The records go to the sheet's spill as they are read (`sheet_spill`)."""
    with text_lines(fh, encoding) as (found, lines, delimiter):
        # Strict: a quote opened and never closed must refuse the file, not swallow every
        # row after it into one note.
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        header = _header_row(reader) or []
        decoded = Decoded("", found.name, found.how)
        parsed = sheet_rows.start(
            header, sheet=sheet, mapping=mapping, decoded=decoded, delimiter=delimiter
        )
        rows = sheet_rows.read_rows(
            parsed, _lines(reader), source_system=source_system, clean=found.nul
        )
        parsed.records.extend(rows)
    return parsed


@contextmanager
def text_lines(fh: BinaryIO, encoding: str | None = None):
    """(encoding, the lines of text, delimiter) of the sheet in `fh` (binary, seekable),
    read a block at a time; `ReadError` when `detect` refuses it.

    The lines keep their endings (what the csv module needs) and the first has
    no byte order mark; the delimiter is the one a `sep=` first line names, else
    the one the header uses. Blank lines above the header (and a `sep=` line)
    come as empty lines, so the csv module still counts the file's own line
    numbers and its first row with a value is the header. `fh` stays open.
    """
    found = detect(fh, encoding)
    fh.seek(0)
    text = io.TextIOWrapper(fh, encoding=found.reader, errors="strict", newline="")
    # Before any row is read, sniffing included: a long first cell must not be a crash.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    try:
        skipped, first, named = _above_header(text, found.strip_bom)
        delimiter = named or sniff_delimiter(first.rstrip("\r\n"))
        yield found, itertools.chain(skipped, [first], text), delimiter
    finally:
        text.detach()  # the caller's file stays the caller's to close


# Excel writes `sep=;` as the first line of a CSV file to say its delimiter.
SEP_LINE = re.compile(r'"?sep=(.)"?', re.IGNORECASE)
BLANK_LINE = re.compile(r'[\s,;|"]*')


def _above_header(text, strip_bom: bool) -> tuple[list[str], str, str]:
    """(an empty line for each line above the header, the header's line, the delimiter
    a `sep=` line names or ""): blank lines and rows of bare delimiters hold nothing."""
    skipped: list[str] = []
    named = ""
    while line := text.readline():
        if not skipped and strip_bom:
            line = line.removeprefix("\ufeff")
        sep = SEP_LINE.fullmatch(line.rstrip("\r\n"))
        if not skipped and sep and sep[1] in DELIMITERS:
            named = sep[1]
        elif not (BLANK_LINE.fullmatch(line) and line.count('"') % 2 == 0):
            return skipped, line, named
        skipped.append("\n")
    return skipped, "", named


def _lines(reader):
    """(first physical line, cells) of every row after the header."""
    start = reader.line_num + 1
    while (cells := _next_row(reader, start)) is not None:
        yield start, cells
        start = reader.line_num + 1


def _header_row(reader) -> list[str] | None:
    """The first row with a value (`text_lines` left the lines above it empty), or None."""
    while (cells := _next_row(reader, reader.line_num + 1)) is not None:
        if any(c.strip() for c in cells):
            return cells
    return None


def _next_row(reader, line: int) -> list[str] | None:
    """The next row, or None at the end; a CSV syntax error refuses the file."""
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        if str(exc).startswith("field larger than field limit"):
            message = MSG_CELL_TOO_LARGE.format(line=line, limit=csv.field_size_limit())
            raise ReadError(CELL_TOO_LARGE, message) from None
        raise ReadError(MALFORMED, MSG_MALFORMED.format(line=line, error=exc)) from None
