"""Refusal lines (of the reader, of an undo) in the page's language.

The reader has no Django in it and speaks English, and an undo's refusal is
kept in English in the audit log; the commands print these lines as they are.
A page translates them: the stored line is matched against the message
templates, the template is translated and the values (a hash, a version, a
byte offset, a nested detail, a list of rows) are put back. Any other line is
looked up in the catalog as it is (the job's own fixed messages).

The templates are repeated here as literals so `makemessages` finds them; a
test keeps this list equal to the `MSG_*` constants of the modules refusing.
"""

from __future__ import annotations

import re
from functools import cache

from django.utils.translation import gettext, gettext_noop

TEMPLATES = (
    # reader/errors.py
    gettext_noop(
        "not a DPMF file (magic {magic}): choose the .dpm, .dpm.zst, .dpm.enc or "
        ".dpm.zst.enc file the export wrote"
    ),
    gettext_noop(
        "wrong passphrase: the file does not open with it; type it again exactly as it was given "
        "(capitals, accents and spaces count); if it is surely right, the file was damaged: ask "
        "for a new export"
    ),
    gettext_noop("the file is encrypted and no passphrase was given"),
    gettext_noop(
        "unsupported scrypt parameters (n={n}, r={r}, p={p}; DPMF uses 131072/8/1): ask for "
        "a new export"
    ),
    gettext_noop(
        "the file unpacks to more than {limit:,} bytes (DPMF_MAX_UNPACKED_BYTES): raise "
        "that setting, then try again"
    ),
    gettext_noop(
        "format version {version} is not supported (this importer reads 0.x): update the "
        "importer, or ask for an export in format 0.x"
    ),
    gettext_noop(
        "integrity hash mismatch: declared {declared}, computed {computed}; the records "
        "were changed after the export: ask for a new export"
    ),
    gettext_noop("the file has no integrity hash, so it cannot be verified: ask for a new export"),
    gettext_noop("unsupported integrity hash algorithm {algo}: ask for a new export"),
    gettext_noop(
        "the encrypted file is incomplete (cut short while it was copied or downloaded); the "
        "passphrase is right: copy the file again, or ask for a new export"
    ),
    gettext_noop(
        "the encrypted file is incomplete: it ends inside its header (cut short while it was "
        "copied or downloaded); copy the file again, or ask for a new export"
    ),
    gettext_noop(
        "the encrypted file is incomplete: too little follows its header to hold an export (cut "
        "short while it was copied or downloaded); copy the file again, or ask for a new export"
    ),
    gettext_noop(
        "the compressed file is incomplete: it ends in the middle of its compressed data (cut "
        "short while it was copied or downloaded); copy the file again, or ask for a new export"
    ),
    gettext_noop(
        "the file is incomplete: its database ends in the middle of a page (cut short while it "
        "was copied or downloaded); copy the file again, or ask for a new export"
    ),
    gettext_noop(
        "the file is incomplete: it stops within the first bytes of a DPMF export (cut short "
        "while it was copied or downloaded); copy the file again, or ask for a new export"
    ),
    gettext_noop("corrupt zstd data ({detail}): copy the file again, or ask for a new export"),
    gettext_noop(
        "unexpected bytes after a zstd frame: copy the file again, or ask for a new export"
    ),
    gettext_noop("decrypted content is not {layer} as the envelope says: ask for a new export"),
    gettext_noop("the unpacked content is not a SQLite database: ask for a new export"),
    gettext_noop("unreadable DPMF container: {detail}"),
    gettext_noop("not a DPMF container: missing {tables}; ask for a new export"),
    gettext_noop("_meta lacks {keys}"),
    gettext_noop("the file's _meta entry {key} is not text: ask for a new export"),
    gettext_noop("invalid entity type name {name}"),
    gettext_noop("the file's database holds a {kind} ({name}), which a DPMF file never has"),
    gettext_noop("entity type name {name} is longer than {limit} characters"),
    gettext_noop("source system {name} is longer than {limit} characters"),
    gettext_noop("entity type {name} has no table"),
    gettext_noop("invalid encryption envelope ({detail}): ask for a new export"),
    gettext_noop("{name} is not a base64 string"),
    gettext_noop("{name} is not valid base64"),
    gettext_noop("header length {length} exceeds 64 KiB"),
    gettext_noop("header is not UTF-8 JSON"),
    gettext_noop("header is not a JSON object"),
    gettext_noop("unsupported envelope version {value}"),
    gettext_noop("unsupported cipher {value}"),
    gettext_noop("unsupported key derivation {value}"),
    gettext_noop("unknown inner_layout {value}"),
    gettext_noop("kdf_params missing"),
    gettext_noop("iv shorter than 8 bytes"),
    gettext_noop("iv longer than 128 bytes"),
    gettext_noop("a reserved bit of a frame header is set"),
    gettext_noop("a block has the reserved type"),
    gettext_noop("a block is larger than 128 KiB"),
    gettext_noop("a frame does not end where its last block says"),
    gettext_noop("a frame holds more or less than the size it declares"),
    gettext_noop(
        "the file declares {size:,} bytes of content, more than the {limit:,} allowed "
        "(DPMF_MAX_UNPACKED_BYTES): raise that setting, then try again"
    ),
    gettext_noop(
        "the encrypted file was changed or damaged after it was encrypted (the passphrase is "
        "right): ask for a new export"
    ),
    gettext_noop(
        "the file is incomplete: its database has {size:,} bytes where its header says "
        "{expected:,} (cut short while it was copied or downloaded); copy the file again, or ask "
        "for a new export"
    ),
    gettext_noop("the database header inside the file is damaged: ask for a new export"),
    gettext_noop("the database inside the file is damaged: ask for a new export"),
    gettext_noop("the database inside the file is damaged in table {table}: ask for a new export"),
    gettext_noop(
        "the database inside the file is damaged: table {table} holds {held:,} rows but its "
        "index lists {listed:,}; ask for a new export"
    ),
    gettext_noop(
        "text that is not valid UTF-8 in {table}.{column}, row {row:,}: ask for a new export"
    ),
    gettext_noop(
        "text that is not valid UTF-8 in {table}.{column}, row {row:,} (canonical id {uuid}): "
        "ask for a new export"
    ),
    gettext_noop("text that is not valid UTF-8 in table {table}: ask for a new export"),
    gettext_noop("the file holds text that is not valid UTF-8: ask for a new export"),
    gettext_noop("not a DPMF container: table {table} lacks {columns}"),
    gettext_noop(
        "the file's table {table} has a column {column} that a DPMF file never has: it was "
        "changed after the export or made by another program; ask for a new export"
    ),
    gettext_noop(
        "the file's table {table} has {count} columns that a DPMF file never has ({columns}): it "
        "was changed after the export or made by another program; ask for a new export"
    ),
    gettext_noop("the file cannot be read ({reason}): check it is there and readable"),
    gettext_noop(
        "the file could not be unpacked into {folder} ({reason}): free space there or set "
        "DPMF_STAGING_DIR, then try again"
    ),
    # reader/csv_sheets.py
    gettext_noop("unknown encoding {name!r}"),
    gettext_noop("the file is not valid {name}: byte {byte} at offset {offset} cannot be decoded"),
    gettext_noop(
        "the file mixes UTF-8 with another encoding (first byte that is not UTF-8 at offset "
        "{offset}): save it again in one encoding, or name one with --encoding"
    ),
    gettext_noop(
        "the file's encoding cannot be told: read as Windows-1252, Latin-1 or Mac Roman its "
        "letters come out wrong; name its encoding with --encoding (cp850 for an MS-DOS export)"
    ),
    gettext_noop("the file is not a text sheet (binary content; UTF-16 needs a byte order mark)"),
    gettext_noop(
        "the row starting on line {line} is not valid CSV ({error}): is a quote left open?"
    ),
    gettext_noop(
        "the row starting on line {line} has a cell larger than {limit:,} characters, the most a "
        "cell may hold: shorten that cell, or check that the file really is a sheet"
    ),
    gettext_noop("the sheet is larger than {limit:,} bytes (CSV_MAX_SHEET_BYTES); split it"),
    gettext_noop("the file is empty: no header row"),
    gettext_noop(
        "the {label} sheet lacks required columns: {missing} (the header is read from the first "
        "non-empty row)"
    ),
    gettext_noop(
        "the header matches none of the four sheets; closest is {label}, which lacks: {missing} "
        "(the header is read from the first non-empty row)"
    ),
    # reader/sheet_rows.py, reader/sheet_headers.py, reader/workbooks.py (spreadsheets)
    gettext_noop(
        "the header row has {count:,} columns, more than the {limit:,} a sheet may have: "
        "is the first row really the header?"
    ),
    gettext_noop(
        "the column mapping is for a {found} sheet, not a {wanted} one: choose the right mapping"
    ),
    gettext_noop(
        "the columns {first!r} and {second!r} are both read as {field}: delete or rename one of "
        "them (a column mapping, --mapping, can then say what it holds)"
    ),
    gettext_noop(
        "column {column} has no header, yet line {line} has a value in it: give that column a "
        "header, or delete it"
    ),
    gettext_noop("the mapping file is not JSON ({error}): download it again from the wizard"),
    gettext_noop("the mapping file is larger than {limit:,} bytes: it cannot be a column mapping"),
    gettext_noop(
        "the mapping file is not a sheet column mapping (its format should be {expected}, "
        "it is {found})"
    ),
    gettext_noop("the mapping file is damaged: {detail}"),
    gettext_noop("the mapping file is for an unknown kind of sheet {found}; known: {known}"),
    gettext_noop(
        "the mapping file maps column {column} to {found}, which the {label} sheet has not; "
        "known fields: {known}"
    ),
    gettext_noop("the mapping file maps both {first} and {second} to the field {field}"),
    gettext_noop(
        "the workbook cannot be read ({reason}): open it in its spreadsheet program and save it "
        "again, or save the sheet as CSV"
    ),
    gettext_noop("the workbook is protected by a password: save a copy without one"),
    gettext_noop("the workbook has no worksheet with rows"),
    gettext_noop("the workbook has no sheet named {name}; its sheets are: {names}"),
    gettext_noop(
        "none of the workbook's sheets ({names}) has the headers of a known sheet: choose one "
        "(--sheet NAME) and map its columns"
    ),
    gettext_noop(
        "the header row of sheet {sheet} has merged cells (columns {first} to {last}): unmerge "
        "them so that each column has its own header"
    ),
    gettext_noop(
        "the header row of sheet {sheet} has no name in column {column}: give that column a "
        "header, or delete it"
    ),
    gettext_noop(
        "the workbook unpacks to more than {limit:,} bytes (CSV_MAX_SHEET_BYTES); split it or "
        "save the sheet as CSV"
    ),
    # jobs/undo.py
    gettext_noop("job {job} was already undone"),
    gettext_noop(
        "job {job} was a dry run: it saved nothing in the clinic, there is nothing to undo"
    ),
    gettext_noop("job {job} has not run yet: nothing was imported, so there is nothing to undo"),
    gettext_noop(
        "job {job} is {status}; cancel it first (python manage.py cancel_import {job_id}, or "
        "Cancel on the job page)"
    ),
    gettext_noop(
        "{count} rows this import did not create depend on its rows and would be deleted with "
        "them ({listed}); undo the later import first"
    ),
    gettext_noop(
        "{count} rows were edited after the import ({listed}); to delete them anyway, use "
        "--force (on the page: “Delete edited rows too”)"
    ),
    gettext_noop(
        "{count} rows were edited after the import ({listed} and {more} more); to delete them "
        "anyway, use --force (on the page: “Delete edited rows too”)"
    ),
    gettext_noop("rows created after this import depend on its rows: {blockers}"),
    gettext_noop(
        "{count} documents arrived while the undo was being prepared; nothing was deleted: ask "
        "for the undo again"
    ),
    gettext_noop(
        "an undo of job {job} is already under way; wait for it to end (the job page shows when "
        "it has)"
    ),
    gettext_noop(
        "the undo stopped before it finished (its process ended); nothing was deleted: ask for "
        "it again"
    ),
    gettext_noop(
        "the undo did not start within {minutes} minutes (the background worker may be stopped "
        "or busy); nothing was deleted: ask for it again"
    ),
    gettext_noop(
        "the undo stopped on an unexpected error; nothing was deleted: ask for it again, and if "
        "it stops again, tell your support (the server log has the details)"
    ),
    # jobs/liveness.py
    gettext_noop(
        "the import stopped unexpectedly (its process ended); run the same command again to "
        "finish it (on the job page: Resume)"
    ),
    gettext_noop(
        "another import of this clinic is still running (job {job}, {status}); wait for it to "
        "end, or stop it with: python manage.py cancel_import {job_id}"
    ),
    gettext_noop("another import of this clinic is starting; wait for it to end, then try again"),
    gettext_noop(
        "an import of this clinic is being undone (job {job}); wait for the undo to end, then try "
        "again"
    ),
    gettext_noop(
        "the import stopped: the database ended the session that marked it as running, so "
        "another import could have started; run the same command again to finish it (on the "
        "job page: Resume)"
    ),
    # jobs/rewrap.py
    gettext_noop(
        "the server's copy of this file is not one the importer made: upload the file again "
        "(what was already imported stays)"
    ),
    gettext_noop(
        "the staging copy is damaged or was made with another server key (DPMF_REWRAP_KEY): "
        "upload the file again (what was already imported stays)"
    ),
    # jobs/diskfull.py
    gettext_noop(
        "there is no space left on the disk of {setting} ({path}): free some space there, or "
        "point that setting at a folder on a larger disk, then run the import again"
    ),
    gettext_noop(
        "there is no space left on the disk holding {path}: free some space there, then run "
        "the import again"
    ),
    gettext_noop(
        "the database is full ({database}: no space left on its disk, or its size limit "
        "reached): free space for the database, then run the import again"
    ),
)
# Values put into a template that are words, not data.
WORDS = (
    gettext_noop("running"),
    gettext_noop("queued"),
    gettext_noop("cancelled"),
    gettext_noop("undoing"),
    gettext_noop("empty file"),
    gettext_noop("(missing)"),
    gettext_noop("Patient demographics"),
    gettext_noop("Clinical background"),
    gettext_noop("Clinical notes"),
    gettext_noop("Medications"),
    gettext_noop("a zip archive, damaged or not an Excel or OpenDocument workbook"),
    gettext_noop("not a JSON object"),
    gettext_noop("sheet_type is not text"),
    gettext_noop("columns is not an object of header: field"),
)
# Placeholders whose value may itself be a reader line (the envelope's detail).
NESTED = {"detail"}
PLACEHOLDER = re.compile(r"\{(\w+)[^}]*\}")


@cache
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """(template, regex) for every template, the most literal text first.

    A line can fit two templates ("invalid encryption envelope: salt is not
    valid base64"); the one that fixes more of it is the right one.
    """
    patterns = []
    for template in TEMPLATES:
        parts = PLACEHOLDER.split(template)
        # split() alternates literal text and placeholder names.
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
        )
        literal = sum(len(part) for part in parts[::2])
        patterns.append((literal, template, re.compile(f"^{regex}$", re.S)))
    patterns.sort(key=lambda p: -p[0])
    return tuple((template, pattern) for _, template, pattern in patterns)


def translate_refusal(line: str) -> str:
    """`line` in the active language when it is one of the reader's lines."""
    if not line:
        return line
    line = str(line)  # a check's detail may be a lazy translation
    for template, pattern in _patterns():
        found = pattern.match(line)
        if found is None:
            continue
        values = {name: _value(name, value) for name, value in found.groupdict().items()}
        return PLACEHOLDER.sub(lambda m, values=values: values[m.group(1)], gettext(template))
    return gettext(line)


def _value(name: str, value: str) -> str:
    if name in NESTED:
        return translate_refusal(value)
    return gettext(value) if value in WORDS else value
