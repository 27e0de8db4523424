"""What a refused file means for the person who uploaded it, and what they do next.

The reader's line (`job.error`) names the exact problem for whoever reads
logs; a page leads with one of these instead: what happened in plain words,
and the next step: retype the passphrase, copy the file again, or ask
whoever exported it for a new export. Keyed by the refusal's stable code.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dentalpin_import.reader import errors as E

NEW_EXPORT = _(
    "It was changed after the export or made by another program. Ask whoever exported the file "
    "for a new export, and upload that one."
)
DAMAGED = (
    _("The file is damaged."),
    _(
        "Copy it again from where it was exported and upload the new copy; if it is refused "
        "again, ask whoever exported the file for a new export."
    ),
)
NOT_MADE_AS_DPMF = (_("The file was not made the way a DPMF export is."), NEW_EXPORT)
# A refusal without a code is the server's: a full disk, a validation that stopped.
SERVER = (
    _("The server could not finish checking the file."),
    _(
        "The file is not to blame. Tell your administrator (the reason is under Technical "
        "details), then upload the file again."
    ),
)
ADVICE = {
    "": SERVER,
    E.TRUNCATED: (
        _("The file is incomplete."),
        _(
            "It was cut short while it was copied, downloaded or exported. Copy it again from "
            "where it was exported (or ask for a new export) and upload it again. The passphrase "
            "is not the problem."
        ),
    ),
    E.DECRYPT_FAILED: (
        _("The passphrase does not open this file."),
        _(
            "Type it again exactly as it was given: capitals, accents and spaces count. If you "
            "are sure it is right, ask whoever exported the file for a new export."
        ),
    ),
    E.PASSPHRASE_REQUIRED: (
        _("This file is encrypted."),
        _("Type the passphrase that came with the file."),
    ),
    E.TAMPERED: (
        _("The file was changed or damaged after it was exported."),
        _(
            "The passphrase is right, so there is no need to type it again. Ask whoever exported "
            "the file for a new export."
        ),
    ),
    E.HASH_MISMATCH: (
        _("The file's records were changed after the export."),
        _(
            "They no longer match the fingerprint the export wrote into the file. Ask whoever "
            "exported the file for a new export."
        ),
    ),
    E.CORRUPT_DATABASE: DAMAGED,
    E.BAD_TEXT: DAMAGED,
    E.BAD_COMPRESSION: DAMAGED,
    E.NOT_DPMF: (
        _("This is not a DPMF export."),
        _(
            "Choose the file the export tool wrote: its name ends in .dpm, .dpm.zst, .dpm.enc "
            "or .dpm.zst.enc."
        ),
    ),
    E.UNSUPPORTED_VERSION: (
        _("This export uses a newer format than this importer reads."),
        _("Ask your administrator to update the importer, or ask for an export in format 0.x."),
    ),
    E.TOO_LARGE: (
        _("The file unpacks to more than this server accepts."),
        _(
            "Ask your administrator to raise the limit (DPMF_MAX_UNPACKED_BYTES) or to import "
            "the file from the command line."
        ),
    ),
    E.UNPACK_FAILED: (
        _("The server could not unpack the file."),
        _("Tell your administrator: the folder it unpacks files into cannot be written to."),
    ),
    E.UNREADABLE_FILE: (
        _("The uploaded file could not be read."),
        _("Upload it again; if that fails too, tell your administrator."),
    ),
}


def advice(code: str) -> tuple[str, str]:
    """(what happened, what to do next) for a refusal code, in the active language."""
    return ADVICE.get(code, NOT_MADE_AS_DPMF)
